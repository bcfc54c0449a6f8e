package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withPreviews(o *envConfig) { o.previews = true }

// page serves an HTML page with OpenGraph tags on the loopback and counts
// the requests it gets.
func page(t *testing.T) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<html><head><title>Fallback</title>
<meta property="og:title" content="Release 2.0 &amp; notes">
<meta property="og:description" content="What changed, and why.">
<meta property="og:image" content="/cover.png">
<meta property="og:site_name" content="Example">
<script>alert(1)</script></head><body>hi</body></html>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/release", hits
}

// messageOf reads one message of room's history as JSON text.
func (e *env) messageOf(room, id string) string {
	r := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	require.Equal(e.t, 200, r.status, r.body)
	for _, part := range strings.Split(r.body, `{"_id": `) {
		if strings.HasPrefix(part, `{"$oid": "`+id+`"}`) {
			return part
		}
	}
	return ""
}

func TestPreviews_TheFirstLinkGetsAPreviewAfterThePostAndItsSenderMayRemoveIt(t *testing.T) {
	e := newEnv(t, withPreviews, withLoopbackOutgoing)
	room := e.joined("general")
	link, hits := page(t)
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "read ` + link + `, then http://example.invalid/second"}`})
	require.Equal(t, 201, r.status, r.body)
	assert.NotContains(t, r.body, `"preview"`, "the post is answered before the page is fetched")
	id := oid(t, r)
	until(t, "the preview", func() bool { return strings.Contains(e.messageOf(room, id), `"preview": {`) })
	msg := e.messageOf(room, id)
	assert.Contains(t, msg, `"preview": {"url": "`+link+`", "title": "Release 2.0 & notes", "description": "What changed, and why.", "image": "`+strings.TrimSuffix(link, "/release")+`/cover.png", "site_name": "Example"}`)
	assert.Equal(t, int32(1), hits.Load())

	// Another may not remove it; its sender may, and it stays removed.
	r = e.do(request{method: "DELETE", path: "/api/messages/" + id + "/preview", token: e.adminToken})
	assert.Equal(t, 403, r.status)
	r = e.do(request{method: "DELETE", path: "/api/messages/" + id + "/preview", token: e.userToken})
	require.Equal(t, 200, r.status, r.body)
	assert.NotContains(t, r.body, `"preview"`)
	assert.NotContains(t, e.messageOf(room, id), `"preview"`)
	r = e.do(request{method: "DELETE", path: "/api/messages/nope/preview", token: e.userToken})
	assert.Equal(t, `{"title": "Not found", "description": "No such message."}`, r.body)

	// A message without a link fetches nothing.
	e.post(e.userToken, room, "no link here")
	assert.Equal(t, int32(1), hits.Load())
}

func TestPreviews_APageOnTheLoopbackIsNotFetchedUnlessAllowed(t *testing.T) {
	e := newEnv(t, withPreviews)
	room := e.joined("general")
	link, hits := page(t)
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "look ` + link + `"}`})
	require.Equal(t, 201, r.status, r.body)
	id := oid(t, r)
	// The fetch is refused by the policy before it dials; wait for it to
	// have been tried (the service's background work) and check.
	e.chat.Wait()
	assert.Zero(t, hits.Load(), "nothing was fetched")
	assert.NotContains(t, e.messageOf(room, id), `"preview"`)
}

func TestPreviews_OffByConfig(t *testing.T) {
	e := newEnv(t, withLoopbackOutgoing)
	room := e.joined("general")
	link, hits := page(t)
	e.post(e.userToken, room, "look "+link)
	e.chat.Wait()
	assert.Zero(t, hits.Load())
}
