package webfs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/makechat/makechat/frontend"
)

// VersionMark in an HTML file is replaced by the asset version, so that
// a page refers to its assets as /assets/{{v}}/app.css.
const VersionMark = "{{v}}"

// file is one servable file, ready in memory.
type file struct {
	data  []byte
	etag  string // strong, quoted
	ctype string
	// compress: worth offering gzip. The gzip is made on the first
	// request that takes it, not at start-up, which it would slow by
	// tens of milliseconds.
	compress bool
	gzOnce   sync.Once
	gz       []byte // gzip of data, nil when it would not help
}

// gzipped is the gzip of the file's data, or nil if it does not make the
// file at least 10% smaller.
func (f *file) gzipped() []byte {
	if !f.compress {
		return nil
	}
	f.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(f.data)
		_ = zw.Close()
		if buf.Len() < len(f.data)*9/10 {
			f.gz = buf.Bytes()
		}
	})
	return f.gz
}

// Site is the web app's file set.
type Site struct {
	files   map[string]*file // by slash path without a leading slash
	version string
	csp     string
}

// New loads the embedded files, then any regular file under customDir
// (if not empty) over them.
func New(embedded fs.FS, customDir string) (*Site, error) {
	raw := map[string][]byte{}
	if err := collect(embedded, raw); err != nil {
		return nil, fmt.Errorf("web files: %w", err)
	}
	if customDir != "" {
		root, err := os.OpenRoot(customDir)
		if err != nil {
			return nil, fmt.Errorf("web_custom_dir: %w", err)
		}
		defer root.Close()
		if err := collect(root.FS(), raw); err != nil {
			return nil, fmt.Errorf("web_custom_dir %s: %w", customDir, err)
		}
	}
	s := &Site{files: make(map[string]*file, len(raw)), csp: PageCSP}
	s.version = versionOf(raw)
	for name, data := range raw {
		if strings.HasSuffix(name, ".html") {
			data = bytes.ReplaceAll(data, []byte(VersionMark), []byte(s.version))
		}
		s.files[name] = newFile(name, data)
	}
	return s, nil
}

// Version is the asset version: a hash over every file, so it changes
// whenever any file does.
func (s *Site) Version() string { return s.version }

// collect reads every regular file of fsys into raw. Hidden files and
// folders (.git, .DS_Store) are left out, and so are entries that cannot
// be read as regular files inside the tree, such as a symbolic link that
// leads out of an os.Root: they are never served.
func collect(fsys fs.FS, raw map[string][]byte) error {
	return fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if name == "." {
			return err
		}
		hidden := strings.HasPrefix(path.Base(name), ".")
		switch {
		case err != nil:
			return nil // unreadable: left out, not fatal
		case d.IsDir() && hidden:
			return fs.SkipDir
		case d.IsDir() || hidden:
			return nil
		}
		info, err := fs.Stat(fsys, name)
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		if data, err := fs.ReadFile(fsys, name); err == nil {
			raw[name] = data
		}
		return nil
	})
}

func versionOf(raw map[string][]byte) string {
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		sum := sha256.Sum256(raw[n])
		h.Write([]byte(n))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func newFile(name string, data []byte) *file {
	sum := sha256.Sum256(data)
	f := &file{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: contentType(name)}
	f.compress = compressible(f.ctype) && len(data) >= 512
	return f
}

// contentType is the media type for a file name; the standard library's
// table depends on the machine's mime files, so the common ones are fixed
// here.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".json", ".map":
		return "application/json; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".xml":
		return "application/xml; charset=utf-8"
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") ||
		strings.HasPrefix(ctype, "application/manifest") || strings.HasPrefix(ctype, "application/xml") ||
		ctype == "image/svg+xml" || ctype == "image/x-icon"
}

// Open is New over the web app of package frontend.
func Open(customDir string) (*Site, error) { return New(frontend.Files(), customDir) }
