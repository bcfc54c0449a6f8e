package webfs_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	webfs "github.com/makechat/makechat/embed"
	"github.com/makechat/makechat/frontend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var bigJS = "export const x = 1;\n" + strings.Repeat("// a comment that compresses well\n", 100)

func embedded() fstest.MapFS {
	return fstest.MapFS{
		"index.html":   {Data: []byte(`<!doctype html><script type="module" src="/assets/{{v}}/js/app.js"></script>`)},
		"admin.html":   {Data: []byte(`<!doctype html><title>admin</title>`)},
		"js/app.js":    {Data: []byte(bigJS)},
		"app.css":      {Data: []byte(`body{color:red}`)},
		"icons.svg":    {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
		".hidden":      {Data: []byte(`secret`)},
		".git/config":  {Data: []byte(`secret`)},
		"robots.txt":   {Data: []byte("User-agent: *\n")},
		"blob.unknown": {Data: []byte{0, 1, 2}},
	}
}

func get(t *testing.T, h http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://chat.example"+"/", nil)
	r.URL.Path = target // set decoded, as the server would after parsing
	r.RequestURI = target
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func newSite(t *testing.T, custom string) *webfs.Site {
	t.Helper()
	s, err := webfs.New(embedded(), custom)
	require.NoError(t, err)
	return s
}

func TestSite_ServesThePagesOfTheAppsRoutes(t *testing.T) {
	s := newSite(t, "")
	for _, p := range []string{"/", "/login", "/register", "/invite/0123456789abcdefghijklmnopqrstuv"} {
		w := get(t, s, "GET", p)
		require.Equal(t, 200, w.Code, p)
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Equal(t, "no-cache", w.Header().Get("Cache-Control"), "pages are revalidated")
		assert.Contains(t, w.Header().Get("Content-Security-Policy"), "script-src 'self'")
		assert.NotContains(t, w.Header().Get("Content-Security-Policy"), "unsafe-inline")
		assert.Contains(t, w.Body.String(), `/assets/`+s.Version()+`/js/app.js`, "the version is filled in")
		assert.NotContains(t, w.Body.String(), webfs.VersionMark)
	}
	for _, p := range []string{"/makechat/admin", "/makechat/admin/"} {
		w := get(t, s, "GET", p)
		require.Equal(t, 200, w.Code, p)
		assert.Contains(t, w.Body.String(), "<title>admin</title>")
	}
	for _, p := range []string{"/invite/", "/invite/a/b"} {
		assert.Equal(t, 404, get(t, s, "GET", p).Code, p)
	}
}

func TestSite_CachesVersionedAssetsForeverAndRevalidatesOthers(t *testing.T) {
	s := newSite(t, "")
	w := get(t, s, "GET", "/assets/"+s.Version()+"/app.css")
	require.Equal(t, 200, w.Code)
	assert.Equal(t, "public, max-age=31536000, immutable", w.Header().Get("Cache-Control"))
	assert.Equal(t, "text/css; charset=utf-8", w.Header().Get("Content-Type"))
	etag := w.Header().Get("ETag")
	require.NotEmpty(t, etag)

	old := get(t, s, "GET", "/assets/0123456789ab/app.css")
	require.Equal(t, 200, old.Code, "an old page still gets today's file")
	assert.Equal(t, "no-cache", old.Header().Get("Cache-Control"))

	nm := get(t, s, "GET", "/assets/"+s.Version()+"/app.css", "If-None-Match", etag)
	assert.Equal(t, 304, nm.Code)
	assert.Empty(t, nm.Body.String())
	assert.Equal(t, 200, get(t, s, "GET", "/app.css", "If-None-Match", `"other"`).Code)

	assert.Equal(t, "image/svg+xml", get(t, s, "GET", "/icons.svg").Header().Get("Content-Type"))
	assert.Equal(t, "application/octet-stream", get(t, s, "GET", "/blob.unknown").Header().Get("Content-Type"))
}

func TestSite_GzipsWhenTheClientTakesIt(t *testing.T) {
	s := newSite(t, "")
	w := get(t, s, "GET", "/js/app.js", "Accept-Encoding", "br, gzip")
	require.Equal(t, 200, w.Code)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", w.Header().Get("Vary"))
	assert.Less(t, w.Body.Len(), len(bigJS)/2)
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, bigJS, string(plain))

	for _, ae := range []string{"", "identity", "gzip;q=0", "br"} {
		w := get(t, s, "GET", "/js/app.js", "Accept-Encoding", ae)
		assert.Empty(t, w.Header().Get("Content-Encoding"), ae)
		assert.Equal(t, bigJS, w.Body.String(), ae)
	}
	tiny := get(t, s, "GET", "/app.css", "Accept-Encoding", "gzip")
	assert.Empty(t, tiny.Header().Get("Content-Encoding"), "tiny files are not worth compressing")

	head := get(t, s, "HEAD", "/js/app.js")
	assert.Equal(t, 200, head.Code)
	assert.Empty(t, head.Body.String())
	assert.Equal(t, "text/javascript; charset=utf-8", head.Header().Get("Content-Type"))
}

func TestSite_CustomDirWins(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.css"), []byte(`body{color:blue}`), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "img"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "img", "logo.png"), []byte("\x89PNG"), 0o644))
	before := newSite(t, "")
	s := newSite(t, dir)
	assert.Equal(t, "body{color:blue}", get(t, s, "GET", "/assets/"+s.Version()+"/app.css").Body.String())
	w := get(t, s, "GET", "/img/logo.png")
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "image/png", w.Header().Get("Content-Type"))
	assert.NotEqual(t, before.Version(), s.Version(), "a custom file changes the asset version")
	assert.Equal(t, 200, get(t, s, "GET", "/js/app.js").Code, "files not overridden stay")
}

func TestSite_MissingCustomDirIsAnError(t *testing.T) {
	_, err := webfs.New(embedded(), filepath.Join(t.TempDir(), "nope"))
	assert.Error(t, err)
}

func TestSite_RefusesHostilePaths(t *testing.T) {
	outside := t.TempDir()
	secretFile := filepath.Join(outside, "secret.txt")
	require.NoError(t, os.WriteFile(secretFile, []byte("TOP-SECRET"), 0o644))
	dir := t.TempDir()
	require.NoError(t, os.Symlink(secretFile, filepath.Join(dir, "leak.txt")))
	require.NoError(t, os.Symlink("../"+filepath.Base(outside)+"/secret.txt", filepath.Join(dir, "rel.txt")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "outdir")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("fine"), 0o644))
	require.NoError(t, os.Symlink("ok.txt", filepath.Join(dir, "inside.txt")))
	s := newSite(t, dir)

	for _, p := range []string{
		"/leak.txt", "/rel.txt", "/outdir/secret.txt", "/assets/" + s.Version() + "/leak.txt",
		"/../" + filepath.Base(outside) + "/secret.txt", "/..", "/assets/x/../../secret.txt",
		"/%2e%2e/secret.txt", "/assets/%2e%2e/app.css", // as decoded by the server
		"/js/../../etc/passwd", "/./app.css", "//app.css", "/app.css/", "/js", "/js/",
		"/app.css\x00.png", "/app.css%00", "/..\\etc\\passwd", "/assets", "/assets/",
		"/.hidden", "/.git/config", "/nope", "/index.htm", "/makechat/admin/x",
	} {
		w := get(t, s, "GET", p)
		assert.Equal(t, 404, w.Code, "%q", p)
		assert.NotContains(t, w.Body.String(), "TOP-SECRET", "%q", p)
		assert.NotContains(t, w.Body.String(), "<li>", "no directory listing for %q", p)
	}
	assert.Equal(t, "fine", get(t, s, "GET", "/inside.txt").Body.String(), "a link inside the folder is followed")
}

func TestSite_RefusesOtherMethods(t *testing.T) {
	s := newSite(t, "")
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		w := get(t, s, m, "/")
		assert.Equal(t, 405, w.Code, m)
		assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
	}
}

func TestSite_ServesTheRealFrontend(t *testing.T) {
	s, err := webfs.New(frontend.Files(), "")
	require.NoError(t, err)
	index := get(t, s, "GET", "/")
	require.Equal(t, 200, index.Code)
	assert.Contains(t, index.Body.String(), "/assets/"+s.Version()+"/")
	assert.NotContains(t, index.Body.String(), "<script>", "no inline script")
	assert.NotContains(t, index.Body.String(), "style=", "no inline style")
	admin := get(t, s, "GET", "/makechat/admin")
	require.Equal(t, 200, admin.Code)
	assert.NotContains(t, admin.Body.String(), "<script>")
	assert.NotContains(t, admin.Body.String(), "style=")
}
