// Package k8s validates Signet's Kubernetes manifests offline: schema
// downloads (kubeconform, kubectl --dry-run against a server) do not work
// where the tests run, so every document is decoded strictly into the
// Kubernetes API types of k8s.io/api, which refuses unknown and misspelt
// fields, and then checked for what the deployment relies on.
package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize.config.k8s.io/v1beta1 that the
// manifests use; anything else is refused, like an unknown field.
type kustomization struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Namespace  string            `json:"namespace,omitempty"`
	Resources  []string          `json:"resources,omitempty"`
	Labels     []kustomizeLabels `json:"labels,omitempty"`
	// CommonLabels is the deprecated form of Labels; accepted, not used.
	CommonLabels map[string]string `json:"commonLabels,omitempty"`
	Images       []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
	Patches []struct {
		Path string `json:"path"`
	} `json:"patches,omitempty"`
}

type kustomizeLabels struct {
	Pairs            map[string]string `json:"pairs"`
	IncludeSelectors bool              `json:"includeSelectors"`
}

// newObject maps apiVersion/kind to the typed object it must decode into.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + "/" + kind {
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1/Secret":
		return &corev1.Secret{}, true
	case "v1/Service":
		return &corev1.Service{}, true
	case "v1/Namespace":
		return &corev1.Namespace{}, true
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, true
	case "batch/v1/Job":
		return &batchv1.Job{}, true
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}, true
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "kustomize.config.k8s.io/v1beta1/Kustomization":
		return &kustomization{}, true
	}
	return nil, false
}

type doc struct {
	file string
	obj  any
}

// strict decodes one YAML document into out, refusing unknown fields and
// duplicate keys.
func strict(data []byte, out any) error {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}

func load(t *testing.T) []doc {
	t.Helper()
	var docs []doc
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, part := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(part, "")) == "" {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(part), &head); err != nil {
				return fmt.Errorf("%s #%d: %w", path, i, err)
			}
			obj, ok := newObject(head.APIVersion, head.Kind)
			if !ok {
				return fmt.Errorf("%s #%d: unknown kind %s %s", path, i, head.APIVersion, head.Kind)
			}
			if err := strict([]byte(part), obj); err != nil {
				return fmt.Errorf("%s #%d (%s): %w", path, i, head.Kind, err)
			}
			docs = append(docs, doc{file: path, obj: obj})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestManifestsDecodeStrictly(t *testing.T) {
	docs := load(t)
	if len(docs) < 14 {
		t.Fatalf("only %d documents found", len(docs))
	}
}

// TestStrictDecoderRefusesUnknownFields: the check above can fail.
func TestStrictDecoderRefusesUnknownFields(t *testing.T) {
	bad := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 3\n"
	if err := strict([]byte(bad), &appsv1.Deployment{}); err == nil {
		t.Fatal("a misspelt field decoded")
	}
	dup := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  A: '1'\n  A: '2'\n"
	if err := strict([]byte(dup), &corev1.ConfigMap{}); err == nil {
		t.Fatal("a duplicate key decoded")
	}
}

// TestKustomizationsListEveryFile: every manifest is listed by its
// directory's kustomization, and everything listed exists.
func TestKustomizationsListEveryFile(t *testing.T) {
	for _, d := range load(t) {
		k, ok := d.obj.(*kustomization)
		if !ok {
			continue
		}
		dir := filepath.Dir(d.file)
		listed := map[string]bool{"kustomization.yaml": true}
		for _, r := range k.Resources {
			if _, err := os.Stat(filepath.Join(dir, r)); err != nil {
				t.Errorf("%s: resource %s: %v", d.file, r, err)
			}
			listed[r] = true
		}
		for _, p := range k.Patches {
			if _, err := os.Stat(filepath.Join(dir, p.Path)); err != nil {
				t.Errorf("%s: patch %s: %v", d.file, p.Path, err)
			}
			listed[p.Path] = true
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			if !listed[filepath.Base(f)] {
				t.Errorf("%s is in %s but not in its kustomization", filepath.Base(f), dir)
			}
		}
	}
}

func find[T any](t *testing.T, docs []doc, file string) T {
	t.Helper()
	for _, d := range docs {
		if o, ok := d.obj.(T); ok && d.file == file {
			return o
		}
	}
	var zero T
	t.Fatalf("%s: no %T", file, zero)
	return zero
}

// TestDeploymentContract: what a rolling update without dropped requests
// and Signet's shutdown need.
func TestDeploymentContract(t *testing.T) {
	docs := load(t)
	dep := find[*appsv1.Deployment](t, docs, "base/deployment.yaml")
	spec := dep.Spec.Template.Spec
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 3 {
		t.Error("fewer than 3 replicas")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers", len(spec.Containers))
	}
	c := spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Error("readiness must probe /readyz")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("liveness must probe /healthz")
	}
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		t.Fatal("no preStop")
	}
	sleep := 0
	switch ps := c.Lifecycle.PreStop; {
	case ps.Sleep != nil:
		sleep = int(ps.Sleep.Seconds)
	case ps.Exec != nil && len(ps.Exec.Command) > 0:
		fmt.Sscan(ps.Exec.Command[len(ps.Exec.Command)-1], &sleep)
	}
	if sleep <= 0 {
		t.Error("preStop must wait for endpoints to drop the pod")
	}
	// Signet drains for 20 s after SIGTERM (app.shutdownGrace).
	if g := spec.TerminationGracePeriodSeconds; g == nil || *g <= int64(sleep)+20 {
		t.Errorf("terminationGracePeriodSeconds must exceed preStop %d s + 20 s drain", sleep)
	}
	if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != 10001 {
		t.Error("pods must run as the image's non-root uid 10001")
	}
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("container must have a read-only root and no privilege escalation")
	}
	checkHardened(t, "deployment", spec)
	if spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil {
		t.Error("no pod anti-affinity")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Error("no resource requests")
	}
	if ru := dep.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Error("rolling updates must keep every replica until its successor is ready")
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }) {
		t.Error("a read-only root needs a writable /tmp")
	}

	job := find[*batchv1.Job](t, docs, "base/migrate-job.yaml")
	checkHardened(t, "migrate job", job.Spec.Template.Spec)
	if args := job.Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, []string{"migrate"}) {
		t.Errorf("migrate job runs %q, want [migrate]", args)
	}

	pdb := find[*policyv1.PodDisruptionBudget](t, docs, "base/pdb.yaml")
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() >= int(*dep.Spec.Replicas) {
		t.Error("the PDB must allow one disruption at a time")
	}
	hpa := find[*autoscalingv2.HorizontalPodAutoscaler](t, docs, "base/hpa.yaml")
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < *dep.Spec.Replicas || len(hpa.Spec.Metrics) < 2 {
		t.Error("the HPA must keep the base replicas and scale on CPU and latency")
	}
	svc := find[*corev1.Service](t, docs, "base/service.yaml")
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("service selector %s=%s does not match the pods", k, v)
		}
	}
	ing := find[*networkingv1.Ingress](t, docs, "overlays/production/ingress.yaml")
	if len(ing.Spec.TLS) == 0 {
		t.Error("the production ingress has no TLS")
	}
	// Every volume's secret exists.
	secrets := map[string]bool{}
	for _, d := range docs {
		if s, ok := d.obj.(*corev1.Secret); ok {
			secrets[s.Name] = true
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil && !secrets[v.Secret.SecretName] {
			t.Errorf("volume %s: no secret %s", v.Name, v.Secret.SecretName)
		}
	}
}

// checkHardened: non-root uid 10001, RuntimeDefault seccomp, and every
// container read-only with no capabilities and no privilege escalation.
func checkHardened(t *testing.T, what string, spec corev1.PodSpec) {
	t.Helper()
	sc := spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != 10001 ||
		sc.RunAsGroup == nil || *sc.RunAsGroup != 10001 {
		t.Errorf("%s: must run as non-root uid/gid 10001", what)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: seccomp must be RuntimeDefault", what)
	}
	if len(spec.Containers) == 0 {
		t.Fatalf("%s: no containers", what)
	}
	for _, c := range spec.Containers {
		cs := c.SecurityContext
		if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
			cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
			cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") {
			t.Errorf("%s/%s: needs a read-only root, no privilege escalation and drop ALL", what, c.Name)
		}
	}
}

// TestSettingsAreDocumented: every SIGNET_ name in a ConfigMap or Secret
// is a setting the README documents, so a typo cannot go unnoticed.
func TestSettingsAreDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range load(t) {
		var keys []string
		switch o := d.obj.(type) {
		case *corev1.ConfigMap:
			for k := range o.Data {
				keys = append(keys, k)
			}
		case *corev1.Secret:
			for k := range o.StringData {
				keys = append(keys, k)
			}
		case *appsv1.Deployment:
			keys = append(keys, envNames(o.Spec.Template.Spec)...)
		case *batchv1.Job:
			keys = append(keys, envNames(o.Spec.Template.Spec)...)
		}
		for _, k := range keys {
			if strings.HasPrefix(k, "SIGNET_") && !bytes.Contains(readme, []byte("`"+k+"`")) {
				t.Errorf("%s: %s is not a documented setting", d.file, k)
			}
		}
	}
}

// envNames lists the variables containers set directly (env, not envFrom,
// whose keys the ConfigMap and Secret cases cover).
func envNames(spec corev1.PodSpec) []string {
	var names []string
	for _, c := range append(spec.InitContainers, spec.Containers...) {
		for _, e := range c.Env {
			names = append(names, e.Name)
		}
	}
	return names
}
