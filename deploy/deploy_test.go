// Package deploy_test checks the deployment description files, which no
// compiler reads: docker-compose.yml at the repository root and
// deploy/Dockerfile. No container engine is needed; the checks read the
// files as data. Each check also runs against deliberately broken copies,
// so a check that can no longer fail is itself a failure.
package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is where docker-compose.yml lives, relative to this package.
const repoRoot = ".."

// The subset of the Compose specification Signet uses. Decoding is strict:
// a key missing here (or misspelt in the file) fails the test, so the
// structs and the file cannot drift apart silently.
type composeFile struct {
	Name     string                   `yaml:"name"`
	Services map[string]composeSvc    `yaml:"services"`
	Secrets  map[string]composeSecret `yaml:"secrets"`
	Volumes  map[string]*struct{}     `yaml:"volumes"`
}

type composeSvc struct {
	Image       string                       `yaml:"image"`
	Build       *composeBuild                `yaml:"build"`
	Restart     string                       `yaml:"restart"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	DependsOn   map[string]composeDependency `yaml:"depends_on"`
	Ports       []string                     `yaml:"ports"`
	Secrets     []string                     `yaml:"secrets"`
	Volumes     []string                     `yaml:"volumes"`
	Healthcheck *composeHealthcheck          `yaml:"healthcheck"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

type composeDependency struct {
	Condition string `yaml:"condition"`
}

type composeHealthcheck struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	Retries     int      `yaml:"retries"`
	StartPeriod string   `yaml:"start_period"`
}

type composeSecret struct {
	File string `yaml:"file"`
}

func decodeCompose(data []byte) (composeFile, error) {
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("decode docker-compose.yml: %w", err)
	}
	return c, nil
}

// pinnedImage reports whether ref names a tag other than latest, or a digest.
func pinnedImage(ref string) bool {
	if _, digest, ok := strings.Cut(ref, "@"); ok {
		return strings.HasPrefix(digest, "sha256:")
	}
	// The tag follows the last colon after the last slash; a colon before
	// it belongs to a registry port (localhost:5000/x).
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && tag != "latest"
}

// checkCompose returns every problem found in a compose file; root is the
// directory paths in it are relative to.
func checkCompose(data []byte, root string) []error {
	c, err := decodeCompose(data)
	if err != nil {
		return []error{err}
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for _, name := range []string{"mysql", "minio", "signet"} {
		if _, ok := c.Services[name]; !ok {
			fail("service %s is missing", name)
		}
	}
	for name, svc := range c.Services {
		h := svc.Healthcheck
		if h == nil || len(h.Test) < 2 || (h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL") {
			fail("service %s: needs a healthcheck with a CMD or CMD-SHELL test", name)
		}
		switch {
		case svc.Image == "" && svc.Build == nil:
			fail("service %s: neither image nor build", name)
		case svc.Image != "" && !pinnedImage(svc.Image):
			fail("service %s: image %q is not pinned to a tag other than latest", name, svc.Image)
		}
	}

	if minio, ok := c.Services["minio"]; ok {
		if _, tag, _ := strings.Cut(minio.Image[strings.LastIndex(minio.Image, "/")+1:], ":"); !strings.HasPrefix(tag, "RELEASE.") {
			fail("minio: image %q is not pinned to a RELEASE tag", minio.Image)
		}
		if !slices.Equal(minio.Command, []string{"server", "/data", "--console-address", ":9001"}) {
			fail("minio: command is %q", minio.Command)
		}
		if h := minio.Healthcheck; h != nil && !strings.Contains(strings.Join(h.Test, " "), "/minio/health/live") {
			fail("minio: healthcheck does not ask /minio/health/live")
		}
	}
	if mysql, ok := c.Services["mysql"]; ok {
		if h := mysql.Healthcheck; h != nil && !strings.Contains(strings.Join(h.Test, " "), "mysqladmin ping") {
			fail("mysql: healthcheck does not use mysqladmin ping")
		}
		if mysql.Environment["MYSQL_DATABASE"] != "signet" || mysql.Environment["MYSQL_ROOT_PASSWORD"] == "" {
			fail("mysql: needs MYSQL_DATABASE=signet and a MYSQL_ROOT_PASSWORD")
		}
	}

	signet, ok := c.Services["signet"]
	if !ok {
		return errs
	}
	for _, dep := range []string{"mysql", "minio"} {
		if d, ok := signet.DependsOn[dep]; !ok || d.Condition != "service_healthy" {
			fail("signet: must depend on %s with condition service_healthy", dep)
		}
	}
	if b := signet.Build; b == nil || b.Dockerfile == "" {
		fail("signet: build.dockerfile is missing")
	} else if _, err := os.Stat(filepath.Join(root, b.Context, b.Dockerfile)); err != nil {
		fail("signet: build dockerfile: %v", err)
	}
	if h := signet.Healthcheck; h != nil && !strings.Contains(strings.Join(h.Test, " "), "/healthz") {
		fail("signet: healthcheck does not ask /healthz")
	}
	if !slices.Contains(signet.Ports, "8080:8080") {
		fail("signet: port 8080:8080 is not published")
	}
	if len(signet.Environment) == 0 {
		fail("signet: no environment")
	}
	for k := range signet.Environment {
		if !strings.HasPrefix(k, "SIGNET_") {
			fail("signet: environment variable %s does not start with SIGNET_", k)
		}
	}
	for k, want := range map[string]string{
		"SIGNET_VAULT":                "minio",
		"SIGNET_MINIO_ENDPOINT":       "minio:9000",
		"SIGNET_MINIO_BUCKET":         "signet-evidence",
		"SIGNET_VAULT_RETENTION_MODE": "GOVERNANCE",
		"SIGNET_MASTER_KEY_FILE":      "/run/secrets/signet_master_key",
	} {
		if got := signet.Environment[k]; got != want {
			fail("signet: %s = %q, want %q", k, got, want)
		}
	}
	if dsn := signet.Environment["SIGNET_DB_DSN"]; !strings.HasPrefix(dsn, "mysql://") || !strings.Contains(dsn, "@tcp(mysql:3306)/signet") {
		fail("signet: SIGNET_DB_DSN %q does not point at the mysql service", dsn)
	}
	if !slices.Contains(signet.Secrets, "signet_master_key") {
		fail("signet: does not mount the signet_master_key secret")
	}
	if s, ok := c.Secrets["signet_master_key"]; !ok || s.File != "./deploy/secrets/master.key" {
		fail("secret signet_master_key must come from ./deploy/secrets/master.key")
	}
	return errs
}

// signetSettings lists the SIGNET_* variables the app package reads, from
// its source, so that a misspelt variable in the compose file is caught.
func signetSettings(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "app", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"(SIGNET_[A-Z0-9_]+)"`)
	known := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			known[string(m[1])] = true
		}
	}
	if len(known) == 0 {
		t.Fatal("found no SIGNET_* settings in app/*.go; if the configuration moved, update signetSettings")
	}
	return known
}

func TestCompose(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkCompose(data, repoRoot) {
		t.Error(err)
	}
	c, err := decodeCompose(data)
	if err != nil {
		return
	}
	known := signetSettings(t)
	for k := range c.Services["signet"].Environment {
		if !known[k] {
			t.Errorf("signet: %s is not a setting the app reads", k)
		}
	}
}

func TestGitignoreCoversSecrets(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if l := strings.TrimSpace(line); l == "/deploy/secrets/" || l == "deploy/secrets/" {
			return
		}
	}
	t.Error(".gitignore does not ignore deploy/secrets/, where the master key lives")
}

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

func parseDockerfile(data []byte) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue // comments (and parser directives) never count
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	return out
}

// checkDockerfile returns every problem found in a Dockerfile.
func checkDockerfile(data []byte) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	var stages [][]instruction // instructions of each stage, FROM first
	stageNames := map[string]bool{}
	var images []string
	for _, in := range parseDockerfile(data) {
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				f = f[1:] // --platform=...
			}
			if len(f) == 0 {
				fail("line %d: FROM without an image", in.line)
				continue
			}
			if !stageNames[f[0]] {
				images = append(images, f[0])
				if !pinnedImage(f[0]) {
					fail("line %d: base image %q is not pinned to a tag other than latest", in.line, f[0])
				}
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stageNames[f[2]] = true
			}
			stages = append(stages, []instruction{in})
			continue
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				fail("line %d: %s before the first FROM", in.line, in.cmd)
			}
			continue
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) < 2 {
		fail("want a multi-stage build, found %d stage(s)", len(stages))
		return errs
	}
	if !slices.Contains(images, "golang:1.26-bookworm") {
		fail("no build stage FROM golang:1.26-bookworm")
	}
	if final := stages[len(stages)-1][0].args; !strings.HasPrefix(final, "debian:bookworm-slim") {
		fail("final stage is FROM %s, want debian:bookworm-slim", final)
	}

	var goBuild bool
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				goBuild = strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "-trimpath") &&
					strings.Contains(in.args, `-ldflags "-s -w`) && strings.Contains(in.args, "./cmd/signet")
			}
		}
	}
	if !goBuild {
		fail("no build stage runs CGO_ENABLED=0 go build -trimpath -ldflags \"-s -w ...\" ./cmd/signet")
	}

	// The runtime stage decides how the container runs.
	var user, healthcheck, entrypoint, cmd, install string
	var exposes []string
	for _, in := range stages[len(stages)-1] {
		switch in.cmd {
		case "USER":
			user = in.args
		case "HEALTHCHECK":
			healthcheck = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "CMD":
			cmd = in.args
		case "EXPOSE":
			exposes = append(exposes, strings.Fields(in.args)...)
		case "RUN":
			if strings.Contains(in.args, "apt-get install") {
				install += in.args + " "
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		fail("runtime stage runs as root (USER %q)", user)
	}
	if !strings.Contains(healthcheck, "/healthz") {
		fail("runtime stage has no HEALTHCHECK asking /healthz")
	}
	if entrypoint != `["/usr/local/bin/signet"]` {
		fail("ENTRYPOINT is %q", entrypoint)
	}
	if cmd != `["serve"]` {
		fail("CMD is %q", cmd)
	}
	if !slices.Contains(exposes, "8080") {
		fail("runtime stage does not EXPOSE 8080")
	}
	for _, pkg := range []string{"--no-install-recommends", "ca-certificates", "curl", "fonts-wqy-microhei", "poppler-utils"} {
		if !slices.Contains(strings.Fields(install), pkg) {
			fail("runtime apt-get install lacks %s", pkg)
		}
	}
	return errs
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkDockerfile(data) {
		t.Error(err)
	}
}

// signetHealthcheck is the signet service's healthcheck block, verbatim.
const signetHealthcheck = `    healthcheck:
      test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 30s
`

// TestChecksCatchBreakage feeds the checks broken copies of the real files:
// each edit must produce an error mentioning want.
func TestChecksCatchBreakage(t *testing.T) {
	t.Parallel()
	compose, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file, old, new, want string
	}{
		{"unknown key", "compose", "restart: unless-stopped\n    command:", "restart: unless-stopped\n    comand: [x]\n    command:", "field comand not found"},
		{"invalid YAML", "compose", "services:", "services: [", "decode"},
		{"latest image", "compose", "image: mysql:8.4", "image: mysql:latest", "not pinned"},
		{"untagged image", "compose", "image: mysql:8.4", "image: mysql", "not pinned"},
		{"minio not on a RELEASE tag", "compose", ":RELEASE.2025-09-07T16-13-09Z", ":2025", "RELEASE tag"},
		{"missing service", "compose", "\n  mysql:\n", "\n  mariadb:\n", "service mysql is missing"},
		{"compose without signet healthcheck", "compose", signetHealthcheck, "", "service signet: needs a healthcheck"},
		{"compose healthcheck without a test", "compose", `      test: ["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 -uroot -p\"$$MYSQL_ROOT_PASSWORD\" --silent"]` + "\n", "", "service mysql: needs a healthcheck"},
		{"started, not healthy", "compose", "minio:\n        condition: service_healthy", "minio:\n        condition: service_started", "depend on minio"},
		{"wrong dockerfile path", "compose", "dockerfile: deploy/Dockerfile", "dockerfile: deploy/Dockerfile.missing", "build dockerfile"},
		{"env var without prefix", "compose", "SIGNET_VAULT: minio", "VAULT: minio", "does not start with SIGNET_"},
		{"secret from elsewhere", "compose", "file: ./deploy/secrets/master.key", "file: ./master.key", "secret signet_master_key"},
		{"FROM latest", "dockerfile", "FROM debian:bookworm-slim", "FROM debian:latest", "not pinned"},
		{"FROM untagged", "dockerfile", "FROM golang:1.26-bookworm AS build", "FROM golang AS build", "not pinned"},
		{"cgo", "dockerfile", "RUN CGO_ENABLED=0 go build", "RUN go build", "CGO_ENABLED=0"},
		{"root", "dockerfile", "USER 10001:10001", "USER root", "runs as root"},
		{"no user", "dockerfile", "USER 10001:10001", "", "runs as root"},
		{"dockerfile without healthcheck", "dockerfile", "HEALTHCHECK --interval", "# HEALTHCHECK --interval", "HEALTHCHECK"},
		{"no entrypoint", "dockerfile", `ENTRYPOINT ["/usr/local/bin/signet"]`, "", "ENTRYPOINT"},
		{"no runtime stage", "dockerfile", "FROM debian:bookworm-slim", "", "want debian:bookworm-slim"},
		{"missing font", "dockerfile", "fonts-wqy-microhei \\", "\\", "fonts-wqy-microhei"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := compose
			if c.file == "dockerfile" {
				src = dockerfile
			}
			if !bytes.Contains(src, []byte(c.old)) {
				t.Fatalf("%s no longer contains %q; update this case", c.file, c.old)
			}
			broken := bytes.Replace(src, []byte(c.old), []byte(c.new), 1)
			var errs []error
			if c.file == "dockerfile" {
				errs = checkDockerfile(broken)
			} else {
				errs = checkCompose(broken, repoRoot)
			}
			if err := errors.Join(errs...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}
