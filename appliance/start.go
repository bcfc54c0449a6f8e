package appliance

import (
	"net/http"
)

// startPage answers / until the web app is embedded: it tells a visitor
// that the server runs and where its API and health check are.
func startPage(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>makechat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em}code{background:#8882;padding:0 .2em}</style>
</head><body><main>
<h1>makechat is running</h1>
<p>The web chat is not part of this build yet. The HTTP API answers under <code>/api/</code>
(for example <code>GET /api/rooms</code> with an <code>X-Auth-Token</code> header),
and <code>/healthz</code> reports the server's health.</p>
<p>Create the first administrator on the server with
<code>makechat user create -u admin -p PASSWORD -e EMAIL -admin</code>.</p>
</main></body></html>
`))
}
