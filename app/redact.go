package app

import (
	"context"
	"log/slog"
	"strings"
)

// linkPrefixes start the paths that carry a signing-link token: the
// signer's page and the link API.
var linkPrefixes = []string{"/api/links/", "/s/"}

// redactTokens hides every signing-link token in s, wherever it appears
// (a path, a URL, an error message): the token is a bearer credential and
// must not sit in log files. The path segment after a prefix becomes
// "[token]".
func redactTokens(s string) string {
	if !strings.Contains(s, "/s/") && !strings.Contains(s, "/api/links/") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		prefix := ""
		for _, p := range linkPrefixes {
			if strings.HasPrefix(s[i:], p) {
				prefix = p
				break
			}
		}
		if prefix == "" {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(prefix)
		i += len(prefix)
		end := i
		for end < len(s) && !strings.ContainsRune("/?#&\"' \t\r\n<>", rune(s[end])) {
			end++
		}
		switch {
		case end == i:
		case s[i] == ':' || s[i:end] == "[token]":
			b.WriteString(s[i:end]) // a route pattern, or already hidden
		default:
			b.WriteString("[token]")
		}
		i = end
	}
	return b.String()
}

// redactHandler is the one place log lines lose signing-link tokens: it
// wraps the app's handler, so every line (the access log, the error
// handler's, the domains') passes through redactTokens, in its message and
// in every string or error attribute, nested groups included.
type redactHandler struct{ next slog.Handler }

// withRedaction returns log with every line passing through redactTokens.
func withRedaction(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(redactHandler); ok {
		return log
	}
	return slog.New(redactHandler{log.Handler()})
}

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redactTokens(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactHandler{h.next.WithAttrs(red)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(redactTokens(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]slog.Attr, len(g))
		for i, ga := range g {
			red[i] = redactAttr(ga)
		}
		a.Value = slog.GroupValue(red...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			a.Value = slog.StringValue(redactTokens(err.Error()))
		} else {
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}
