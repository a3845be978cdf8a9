package app

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// The web app (frontend/) is a single-page app embedded in the binary. The
// server answers its routes with index.html (history-mode routing), its
// hashed assets with year-long cache headers, and everything with a CSP
// that lets the app run its own scripts and nothing else.

// appCSP allows what the app needs: its own scripts (and WebAssembly, which
// pdf.js uses to decode some images), inline style attributes that Vant
// and Element Plus set, images and fonts from data: and blob: URLs (drawn
// signatures, pdf.js fonts), and its own worker (pdf.js). No inline script
// runs, and no other origin is reached.
const appCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// appPrefixes are the paths the app routes itself; anything else that is
// not a file of dist/ falls through to the API's JSON 404.
var appPrefixes = []string{"/s/", "/v/", "/app/", "/app", "/ops/", "/ops"}

// appPaths are whole paths the app routes.
var appPaths = map[string]bool{"/": true, "/verify": true, "/login": true, "/signup": true, "/invite": true, "/verify/evidence": true}

// isAppRoute says whether p is a route of the web app.
func isAppRoute(p string) bool {
	if appPaths[p] {
		return true
	}
	for _, pre := range appPrefixes {
		if strings.HasPrefix(p, pre) && (strings.HasSuffix(pre, "/") || p == pre) {
			return true
		}
	}
	return false
}

// webApp serves the embedded build.
type webApp struct {
	fsys  fs.FS
	built bool
	index []byte
	etag  string

	mu   sync.Mutex
	gzip map[string][]byte // compressed assets, made on first request
}

// newWebApp serves fsys, a Vite build (frontend.Dist in the binary).
func newWebApp(fsys fs.FS, built bool) *webApp {
	w := &webApp{fsys: fsys, built: built, gzip: map[string][]byte{}}
	if b, err := fs.ReadFile(fsys, "index.html"); err == nil {
		w.index = b
	} else {
		w.built = false
		w.index = []byte(notBuiltPage)
	}
	sum := sha256.Sum256(w.index)
	w.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	return w
}

// notBuiltPage answers the app's routes in a binary built without the web
// app (a plain `go build`, the Go-only tests).
const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signet</title></head>
<body><h1>Signet</h1><p>This binary was built without the web app. Build it with <code>make build</code>
(or <code>make run</code>), which builds frontend/ and embeds it; the API answers under <code>/api</code>.</p></body></html>`

// handler answers GET and HEAD for the app's routes and files and passes
// everything else on.
func (w *webApp) handler(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return c.Next()
	}
	p := c.Path()
	if isAppRoute(p) {
		return w.serveIndex(c)
	}
	// Fiber's strings point into the request buffer, which the next request
	// reuses: the name outlives this one as a key of the gzip cache.
	name := strings.Clone(strings.TrimPrefix(path.Clean(p), "/"))
	if name == "" || name == "index.html" || strings.HasPrefix(name, "api/") {
		return c.Next()
	}
	data, err := fs.ReadFile(w.fsys, name)
	if err != nil {
		return c.Next()
	}
	if strings.HasPrefix(name, "assets/") {
		// Vite names every asset by its content hash.
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	}
	c.Set("Content-Security-Policy", appCSP)
	c.Set(fiber.HeaderContentType, contentType(name))
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if compressible(name) && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(w.gzipped(name, data))
	}
	return c.Send(data)
}

func (w *webApp) serveIndex(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderETag, w.etag)
	c.Set("Content-Security-Policy", appCSP)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if !w.built {
		c.Status(http.StatusServiceUnavailable)
	} else if c.Get(fiber.HeaderIfNoneMatch) == w.etag {
		return c.SendStatus(http.StatusNotModified)
	}
	return c.Send(w.index)
}

func (w *webApp) gzipped(name string, data []byte) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if z, ok := w.gzip[name]; ok {
		return z
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data) // writes to a bytes.Buffer cannot fail
	zw.Close()
	w.gzip[name] = buf.Bytes()
	return w.gzip[name]
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".bcmap", ".pfb":
		return "application/octet-stream"
	case ".wasm":
		return "application/wasm"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".js", ".mjs", ".css", ".svg", ".json", ".html", ".bcmap", ".pfb", ".ttf", ".wasm":
		return true
	}
	return false
}
