package bundle_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"signet/internal/testenv"
)

// pdftotext returns the text of pdf, as poppler reads it. Without
// pdftotext the test fails when CI=true and skips loudly elsewhere.
func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	testenv.Tool(t, "pdftotext")
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func TestReports(t *testing.T) {
	f, zipBytes := mustFixture(t)
	files := map[string][]byte{}
	for _, e := range entries(t, zipBytes) {
		files[e.name] = e.data
	}
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"report-zh.pdf", []string{"电子合同签署证据报告", "签署", "张三", "李四", "房屋租赁合同", "138****5678", "银行卡四要素", "可信时间戳", f.Contents.ContractID}},
		{"report-en.pdf", []string{"Signing Evidence Report", "Parties and identity verification", "张三", "李四", "Time-stamp authority", f.Contents.ContractID}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			text := pdftotext(t, files[tc.file])
			flat := strings.Join(strings.Fields(text), "")
			for _, w := range tc.want {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
					t.Errorf("%s lacks %q:\n%s", tc.file, w, text)
				}
			}
		})
	}
}
