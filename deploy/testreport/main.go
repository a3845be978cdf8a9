// Command testreport reads `go test -json` on stdin, prints one line per
// package as it finishes and the full output of every failing test, and ends
// with a summary: "tests: N passed, N failed, N skipped" and how many
// integration tests ran against each real service (from SIGNET_TEST_TALLY).
// It exits non-zero if any test or package failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	var passed, failed, skipped int
	var failedPkgs []string
	output := map[string]*strings.Builder{} // package/test -> output
	var skips []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // build errors arrive as plain text
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			b := output[key]
			if b == nil {
				b = &strings.Builder{}
				output[key] = b
			}
			if b.Len() < 64<<10 {
				b.WriteString(e.Output)
			}
		case "pass":
			if e.Test == "" {
				fmt.Printf("ok   %-50s %.1fs\n", e.Package, e.Elapsed)
			} else {
				passed++
			}
			delete(output, key)
		case "skip":
			if e.Test == "" {
				fmt.Printf("--   %-50s (no tests)\n", e.Package)
			} else {
				skipped++
				if out := output[key]; out != nil && strings.Contains(out.String(), "INTEGRATION SERVICE UNAVAILABLE") {
					skips = append(skips, e.Package+" "+e.Test)
				}
			}
			delete(output, key)
		case "fail":
			if e.Test == "" {
				failedPkgs = append(failedPkgs, e.Package)
				fmt.Printf("FAIL %-50s %.1fs\n", e.Package, e.Elapsed)
				if out := output[key]; out != nil {
					fmt.Print(indent(out.String()))
				}
			} else {
				failed++
				fmt.Printf("--- FAIL %s %s\n", e.Package, e.Test)
				if out := output[key]; out != nil {
					fmt.Print(indent(out.String()))
				}
			}
			delete(output, key)
		}
	}
	if len(skips) > 0 {
		fmt.Printf("\n%d integration tests SKIPPED because a service was unavailable:\n", len(skips))
		for _, s := range skips {
			fmt.Println("  " + s)
		}
	}
	printTally()
	p, f, sk := printSuites()
	passed, failed, skipped = passed+p, failed+f, skipped+sk
	fmt.Printf("\ntests: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || len(failedPkgs) > 0 {
		os.Exit(1)
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

// printTally counts the lines "service TestName" the testenv helpers wrote.
func printTally() {
	path := os.Getenv("SIGNET_TEST_TALLY")
	if path == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	counts := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		if svc, _, ok := strings.Cut(l, " "); ok {
			counts[svc]++
		}
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("\nintegration tests run against real services:")
	for _, n := range []string{"mariadb", "minio", "mailpit"} {
		if _, ok := counts[n]; !ok {
			names = append(names, n)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		fmt.Printf("  %-10s %d\n", n, counts[n])
	}
}

// printSuites adds the results of the other test runners (the web app's
// unit tests, its end-to-end tests) that test.sh wrote to
// SIGNET_TEST_SUITES, one line each: "name passed failed skipped".
func printSuites() (passed, failed, skipped int) {
	path := os.Getenv("SIGNET_TEST_SUITES")
	if path == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	fmt.Println("\nother test runners:")
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var name string
		var p, f, s int
		if n, _ := fmt.Sscanf(l, "%s %d %d %d", &name, &p, &f, &s); n != 4 {
			continue
		}
		fmt.Printf("  %-10s %d passed, %d failed, %d skipped\n", name, p, f, s)
		passed, failed, skipped = passed+p, failed+f, skipped+s
	}
	return
}
