package webfs

import (
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// PageCSP is the Content-Security-Policy of every page and file: scripts,
// styles and connections only from this origin (in current browsers
// 'self' covers same-origin ws: and wss:, which the stream uses), no
// inline script or style, no plugins, no framing.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Cache-Control values: an asset named by the current version never
// changes; everything else is revalidated (cheaply, by ETag).
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// pages maps the app's routes to the file that serves them: the chat
// handles /, /login, /register and invite links (/invite/<secret>)
// itself; the admin has its own page.
func pageFor(p string) (string, bool) {
	switch p {
	case "/", "/login", "/register":
		return "index.html", true
	case "/makechat/admin", "/makechat/admin/":
		return "admin.html", true
	}
	if secret, ok := strings.CutPrefix(p, "/invite/"); ok && secret != "" && !strings.Contains(secret, "/") {
		return "index.html", true
	}
	return "", false
}

// ServeHTTP answers GET and HEAD for the app's pages and files; anything
// else is 404 (unknown path) or 405 (another method).
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	name, immutable, ok := s.resolve(r.URL.Path)
	f := s.files[name]
	if !ok || f == nil {
		s.notFound(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	h.Set("Content-Security-Policy", s.csp)
	if immutable {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	if f.compress {
		h.Set("Vary", "Accept-Encoding")
	}
	if etagMatches(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.data
	if gz := f.gzipped(); gz != nil && acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body = gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// resolve maps a request path to a file name, and says whether the file
// may be cached as immutable. A path with a NUL, a backslash, an empty,
// "." or ".." element is never a file.
func (s *Site) resolve(p string) (name string, immutable, ok bool) {
	if name, ok := pageFor(p); ok {
		return name, false, true
	}
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\x00\\") {
		return "", false, false
	}
	name = p[1:]
	if rest, found := strings.CutPrefix(name, "assets/"); found {
		version, file, found := strings.Cut(rest, "/")
		if !found || !isVersion(version) {
			return "", false, false
		}
		// An old page may ask for an old version: it gets today's file,
		// but not as immutable.
		name, immutable = file, version == s.version
	}
	if !fs.ValidPath(name) || name == "." {
		return "", false, false
	}
	return name, immutable, true
}

func (s *Site) notFound(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", s.csp)
	h.Set("Cache-Control", cacheRevalidate)
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>` +
		`<body><h1>Not found</h1><p>There is nothing at this address. <a href="/">Go to the chat</a>.</p></body></html>` + "\n"))
}

// etagMatches reports whether an If-None-Match header names etag (or *).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding allows gzip (not q=0).
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				continue
			}
			return true
		}
	}
	return false
}

// isVersion reports whether s looks like an asset version (lowercase hex).
func isVersion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
