package appliance

import (
	"net/http"
	"os"

	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/maintenance"
)

// maintenancePage answers pages with 503 while maintenance is on: the
// file web_custom_dir/maintenance.html if there is one, else a short page.
// Requests for which admin is true (an administrator's session) pass.
func maintenancePage(cfg config.Config, m *maintenance.Switch, admin func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.On() || admin(r) {
			next.ServeHTTP(w, r)
			return
		}
		page := []byte(defaultMaintenancePage)
		if custom, err := customMaintenancePage(cfg.WebCustomDir); err == nil {
			page = custom
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// Everything else answers 503 too, so the page must be
		// self-contained: inline style and data: images, no script.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'")
		h.Set("Retry-After", "60")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(page)
	})
}

// customMaintenancePage reads web_custom_dir/maintenance.html through
// os.Root, like every other file of that folder, so that a symbolic link
// cannot make it serve a file from elsewhere.
func customMaintenancePage(dir string) ([]byte, error) {
	if dir == "" {
		return nil, os.ErrNotExist
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile("maintenance.html")
}

const defaultMaintenancePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>makechat: maintenance</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<style>
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--fg:#111827;--muted:#4b5563;--accent:#1d4ed8}
@media (prefers-color-scheme:dark){:root{--bg:#0b1120;--card:#111827;--fg:#f3f4f6;--muted:#9ca3af;--accent:#60a5fa}}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{background:var(--card);max-width:32em;margin:1em;padding:2em 2.25em;border-radius:12px;box-shadow:0 1px 3px #0002}
h1{margin:0 0 .5em;font-size:1.5em}
p{margin:0;color:var(--muted)}
.brand{font-weight:700;color:var(--accent);margin-bottom:1em}
</style>
</head><body><main>
<div class="brand">makechat</div>
<h1>Back in a few minutes</h1>
<p>This chat server is being upgraded. Nothing is lost: come back shortly, and your messages will be here.</p>
</main></body></html>
`
