package convert

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Errors of [ToPDF], wrapped with the details. ErrUnavailable's message is
// the one a user may see.
var (
	ErrUnavailable = errors.New("document conversion unavailable: LibreOffice is not installed")
	ErrUnsupported = errors.New("unsupported document")
	ErrFailed      = errors.New("document conversion failed")
	// ErrTooComplex means the zip unpacks to more than [MaxUnpackedRatio]
	// times its size or [MaxUnpackedSize], or holds more than [MaxEntries]
	// entries: a zip bomb is refused before LibreOffice sees it.
	ErrTooComplex = errors.New("document unpacks to too much")
	// ErrBusy means [MaxConcurrent] conversions run and [MaxQueued] wait
	// already, or this one waited [MaxQueueWait] without its turn. Trying
	// again later may succeed.
	ErrBusy = errors.New("too many document conversions at once")
)

// Limits of [ToPDF].
const (
	// MaxInputSize bounds the document, in bytes.
	MaxInputSize = 50 << 20
	// DefaultTimeout bounds one conversion when ctx has no earlier deadline.
	DefaultTimeout = 2 * time.Minute
	// maxOutputSize bounds the PDF read back.
	maxOutputSize = 500 << 20
	// stderrClip is how much of soffice's output an error carries.
	stderrClip = 2000
	// MaxEntries bounds the zip's entries: a long document with many
	// pictures has a few hundred.
	MaxEntries = 1000
	// MaxUnpackedRatio and MaxUnpackedSize bound what the zip's entries
	// unpack to, declared and actual: document XML compresses 5 to 20
	// times, pictures not at all, and LibreOffice takes some ten times
	// the XML's size in memory.
	MaxUnpackedRatio = 100
	MaxUnpackedSize  = 128 << 20
	// minUnpacked lets a small document unpack to this much whatever its ratio.
	minUnpacked = 32 << 20
	// MemoryLimit bounds the address space of the LibreOffice process
	// (RLIMIT_AS); a one-page document needs about 300 MiB of it.
	MemoryLimit = 1536 << 20
	// MaxConcurrent is how many conversions run at once, each a process
	// taking up to a core and MemoryLimit.
	MaxConcurrent = 2
	// MaxQueued is how many more conversions may wait for their turn, and
	// MaxQueueWait how long each waits at most.
	MaxQueued    = 8
	MaxQueueWait = time.Minute
)

// format is a document format ToPDF accepts.
type format struct {
	ext string // the name the temporary copy gets, which LibreOffice also reads
}

var (
	docx = format{ext: ".docx"}
	odt  = format{ext: ".odt"}
)

// ToPDF converts data, a DOCX or ODT document, to PDF with LibreOffice
// (soffice, or libreoffice, on PATH). filename is used only in error
// messages: the format is sniffed from the content, a zip with
// word/document.xml (DOCX) or an OpenDocument text mimetype (ODT).
//
// The conversion is killed, with the processes it started, when ctx is done
// or after [DefaultTimeout]. The errors wrap [ErrUnsupported] (neither
// DOCX nor ODT, or over [MaxInputSize]), [ErrUnavailable] (no LibreOffice)
// or [ErrFailed] (with the end of LibreOffice's output, and ctx's error on
// cancellation or timeout).
//
// Before LibreOffice sees it, the zip's entries are counted and unpacked
// (and thrown away) to check their declared and actual sizes: a zip bomb
// fails with [ErrTooComplex]. At most [MaxConcurrent] conversions run at
// once, each under [MemoryLimit]; the next [MaxQueued] wait their turn and
// any more fail at once with [ErrBusy].
func ToPDF(ctx context.Context, filename string, data []byte) ([]byte, error) {
	if len(data) > MaxInputSize {
		return nil, fmt.Errorf("convert %q: %w: %d bytes (want at most %d)", filename, ErrUnsupported, len(data), MaxInputSize)
	}
	f, err := sniff(data)
	if err != nil {
		return nil, fmt.Errorf("convert %q: %w", filename, err)
	}
	bin, err := office()
	if err != nil {
		return nil, fmt.Errorf("convert %q: %w", filename, err)
	}
	release, err := turns.enter(ctx)
	if err != nil {
		return nil, fmt.Errorf("convert %q: %w", filename, err)
	}
	defer release()

	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "signet-convert-")
	if err != nil {
		return nil, fmt.Errorf("convert %q: %w", filename, err)
	}
	defer os.RemoveAll(dir)
	profile, out := filepath.Join(dir, "profile"), filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		return nil, fmt.Errorf("convert %q: %w", filename, err)
	}
	// The copy gets a fixed name: the user's file name may hold anything,
	// including a leading dash soffice would read as an option.
	in := filepath.Join(dir, "document"+f.ext)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, fmt.Errorf("convert %q: %w", filename, err)
	}

	name, args := withLimits(bin, []string{
		"-env:UserInstallation=" + (&url.URL{Scheme: "file", Path: profile}).String(),
		"--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
		"--convert-to", "pdf", "--outdir", out, in}, memoryLimit, DefaultTimeout)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// HOME and TMPDIR point into dir too, so that nothing LibreOffice or
	// fontconfig writes escapes the cleanup, even when the process is
	// killed, or collides between conversions.
	cmd.Env = append(os.Environ(), "HOME="+dir, "TMPDIR="+dir)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	killGroupOnCancel(cmd)
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("convert %q: %w: %w: %s", filename, ErrFailed, ctx.Err(), clip(output.String()))
	}
	if runErr != nil {
		return nil, fmt.Errorf("convert %q: %w: %v: %s", filename, ErrFailed, runErr, clip(output.String()))
	}
	// soffice exits 0 when it cannot load a document; only the PDF tells.
	pdf, err := readLimited(filepath.Join(out, "document.pdf"), maxOutputSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("convert %q: %w: no pdf written: %s", filename, ErrFailed, clip(output.String()))
	}
	if err != nil {
		return nil, fmt.Errorf("convert %q: %w: %v", filename, ErrFailed, err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, fmt.Errorf("convert %q: %w: output is not a pdf", filename, ErrFailed)
	}
	return pdf, nil
}

// office finds LibreOffice on PATH.
func office() (string, error) {
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrUnavailable
}

// sniff tells DOCX from ODT by content, after checking that the zip is
// not a bomb.
func sniff(data []byte) (format, error) {
	if n, ok := zipEntries(data); ok && n > MaxEntries {
		return format{}, fmt.Errorf("%w: %d zip entries (want at most %d)", ErrTooComplex, n, MaxEntries)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return format{}, fmt.Errorf("%w: not a DOCX or ODT (not a zip)", ErrUnsupported)
	}
	if err := checkUnpacked(zr, len(data)); err != nil {
		return format{}, err
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files[f.Name] = f
	}
	if files["[Content_Types].xml"] != nil && files["word/document.xml"] != nil {
		return docx, nil
	}
	if m := files["mimetype"]; m != nil && m.UncompressedSize64 < 100 {
		rc, err := m.Open()
		if err != nil {
			return format{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 100))
		rc.Close()
		if err != nil {
			return format{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
		switch mt := strings.TrimSpace(string(b)); mt {
		case "application/vnd.oasis.opendocument.text":
			return odt, nil
		default:
			return format{}, fmt.Errorf("%w: %s (want DOCX or ODT)", ErrUnsupported, mt)
		}
	}
	return format{}, fmt.Errorf("%w: a zip that is neither DOCX nor ODT", ErrUnsupported)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("pdf larger than %d bytes", limit)
	}
	return b, nil
}

// clip keeps the end of soffice's output, where the reason usually is.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > stderrClip {
		s = "…" + strings.ToValidUTF8(s[len(s)-stderrClip:], "")
	}
	if s == "" {
		return "no output"
	}
	return s
}
