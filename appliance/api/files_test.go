package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// multipartBody is a multipart/form-data body with one file part (and
// the given fields before it) and its Content-Type.
func multipartBody(t testing.TB, field, name string, data []byte, extra map[string]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range extra {
		require.NoError(t, mw.WriteField(k, v))
	}
	if field != "" {
		part, err := mw.CreateFormFile(field, name)
		require.NoError(t, err)
		_, err = part.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.String(), mw.FormDataContentType()
}

// upload sends data as a file named name with token.
func (e *env) upload(token, name string, data []byte) response {
	e.t.Helper()
	body, ctype := multipartBody(e.t, "file", name, data, nil)
	return e.do(request{method: "POST", path: "/api/uploads", token: token, body: body, headers: map[string]string{"Content-Type": ctype}})
}

// uploaded uploads and returns the new file's id.
func (e *env) uploaded(token, name string, data []byte) string {
	e.t.Helper()
	r := e.upload(token, name, data)
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	return oid(e.t, r)
}

// tokenOf makes a new user with a token.
func (e *env) tokenOf(username string) (id, token string) {
	e.t.Helper()
	id = e.newUser(username)
	uid, err := storage.ParseID(id)
	require.NoError(e.t, err)
	u, err := e.store.User(context.Background(), uid)
	require.NoError(e.t, err)
	_, token, err = e.chat.CreateToken(context.Background(), chat.Actor{User: u}, "t")
	require.NoError(e.t, err)
	return id, token
}

// pngOf is a w×h PNG: left half red, right half blue.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestFiles_AnUploadIsTheUploadersUntilAMessageCarriesIt(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	_, stranger := e.tokenOf("stranger")
	r := e.upload(e.userToken, "notes.txt", []byte("meeting notes\n"))
	require.Equal(t, 201, r.status, r.body)
	id := oid(t, r)
	assert.Contains(t, r.body, `"name": "notes.txt"`)
	assert.Contains(t, r.body, `"size": 14`)
	assert.Contains(t, r.body, `"content_type": "text/plain; charset=utf-8"`)
	assert.Contains(t, r.body, `"sha256": "`)
	assert.Contains(t, r.body, `"url": "/api/files/`+id+`"`)
	assert.Contains(t, r.body, `"download_url": "/api/files/`+id+`/download/notes.txt"`)
	assert.NotContains(t, r.body, "thumb_url", "not an image")

	get := func(token, path string, headers map[string]string) response {
		return e.do(request{method: "GET", path: path, token: token, headers: headers})
	}
	got := get(e.userToken, "/api/files/"+id, nil)
	require.Equal(t, 200, got.status, got.body)
	assert.Equal(t, "meeting notes\n", got.body)
	assert.Equal(t, "text/plain; charset=utf-8", got.header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename=notes.txt`, got.header.Get("Content-Disposition"))
	assert.Equal(t, "nosniff", got.header.Get("X-Content-Type-Options"))
	assert.Equal(t, "default-src 'none'; sandbox", got.header.Get("Content-Security-Policy"))
	noFile := `{"title": "Not found", "description": "No such file."}`
	assert.Equal(t, noFile, get(stranger, "/api/files/"+id, nil).body, "not yet in a message: the uploader's only")
	assert.Equal(t, noFile, get(e.adminToken, "/api/files/"+id, nil).body, "not even an administrator's")

	// Another may not attach it; its uploader may, once.
	r = e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"room": "` + room + `", "files": ["` + id + `"]}`})
	assert.Equal(t, 404, r.status)
	assert.Equal(t, noFile, r.body)
	r = e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "files": ["` + id + `"]}`})
	require.Equal(t, 201, r.status, r.body)
	assert.Contains(t, r.body, `"text": ""`, "a message may be files only")
	assert.Contains(t, r.body, `"files": [{"_id": {"$oid": "`+id+`"}, "name": "notes.txt", "size": 14`)
	msg := oid(t, r)
	r = e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "again", "files": ["` + id + `"]}`})
	assert.Equal(t, noFile, r.body, "a file goes with one message")

	// Now whoever may read the message may read the file.
	assert.Equal(t, 200, get(e.adminToken, "/api/files/"+id, nil).status)
	assert.Equal(t, 200, get(stranger, "/api/files/"+id, nil).status, "general is open and visible: anyone may read it")
	dmFile := e.uploaded(e.userToken, "private.txt", []byte("between us"))
	r = e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + e.admin.ID.Hex() + `", "files": ["` + dmFile + `"]}`})
	require.Equal(t, 201, r.status, r.body)
	assert.Equal(t, "between us", get(e.adminToken, "/api/files/"+dmFile, nil).body, "the recipient")
	assert.Equal(t, noFile, get(stranger, "/api/files/"+dmFile, nil).body, "nobody else")
	hist := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	assert.Contains(t, hist.body, `"download_url": "/api/files/`+id+`/download/notes.txt"`)

	// Ranges and ETags, as browsers and download managers use them.
	part := get(e.userToken, "/api/files/"+id, map[string]string{"Range": "bytes=8-12"})
	assert.Equal(t, 206, part.status)
	assert.Equal(t, "notes", part.body)
	etag := got.header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, 304, get(e.userToken, "/api/files/"+id, map[string]string{"If-None-Match": etag}).status)

	// Deleting the message deletes the file.
	require.Equal(t, 200, e.do(request{method: "DELETE", path: "/api/messages/" + msg, token: e.userToken}).status)
	assert.Equal(t, noFile, get(e.userToken, "/api/files/"+id, nil).body)
}

func TestFiles_ImagesGetAThumbnailAndShowInline(t *testing.T) {
	e := newEnv(t)
	data := pngOf(t, 1600, 900)
	r := e.upload(e.userToken, "chart.png", data)
	require.Equal(t, 201, r.status, r.body)
	id := oid(t, r)
	assert.Contains(t, r.body, `"content_type": "image/png"`)
	assert.Contains(t, r.body, `"width": 1600, "height": 900`)
	assert.Contains(t, r.body, `"thumb_url": "/api/files/`+id+`/thumb", "thumb_width": 800, "thumb_height": 450`)

	full := e.do(request{method: "GET", path: "/api/files/" + id, token: e.userToken})
	require.Equal(t, 200, full.status)
	assert.Equal(t, string(data), full.body)
	assert.Equal(t, "inline; filename=chart.png", full.header.Get("Content-Disposition"), "an image is shown")
	thumb := e.do(request{method: "GET", path: "/api/files/" + id + "/thumb", token: e.userToken})
	require.Equal(t, 200, thumb.status)
	cfg, format, err := image.DecodeConfig(strings.NewReader(thumb.body))
	require.NoError(t, err)
	assert.Equal(t, 800, cfg.Width)
	assert.Equal(t, "image/"+format, thumb.header.Get("Content-Type"))
	down := e.do(request{method: "GET", path: "/api/files/" + id + "/download/chart.png", token: e.userToken})
	assert.Equal(t, "attachment; filename=chart.png", down.header.Get("Content-Disposition"), "the download URL saves it")

	// A file without a thumbnail has none to serve.
	txt := e.uploaded(e.userToken, "a.txt", []byte("a"))
	assert.Equal(t, 404, e.do(request{method: "GET", path: "/api/files/" + txt + "/thumb", token: e.userToken}).status)
}

func TestFiles_HostileFilesAreServedSoTheyCannotRun(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, body, ctype string
	}{
		{"page.html", `<!DOCTYPE html><html><script>alert(document.cookie)</script></html>`, "text/html; charset=utf-8"},
		{"logo.svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`, "text/xml; charset=utf-8"},
		// A PNG's name and a client's claim do not make it one.
		{"photo.png", `<html><body onload="alert(1)">not a picture</body></html>`, "text/html; charset=utf-8"},
	} {
		body, ctype := multipartBody(t, "file", tc.name, []byte(tc.body), nil)
		body = strings.Replace(body, "Content-Type: application/octet-stream", "Content-Type: image/png", 1)
		r := e.do(request{method: "POST", path: "/api/uploads", token: e.userToken, body: body, headers: map[string]string{"Content-Type": ctype}})
		require.Equal(t, 201, r.status, r.body)
		assert.Contains(t, r.body, `"content_type": "`+tc.ctype+`"`, tc.name)
		got := e.do(request{method: "GET", path: "/api/files/" + oid(t, r), token: e.userToken})
		assert.Equal(t, tc.ctype, got.header.Get("Content-Type"), tc.name)
		assert.True(t, strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment;"), tc.name)
		assert.Equal(t, "nosniff", got.header.Get("X-Content-Type-Options"))
		assert.Contains(t, got.header.Get("Content-Security-Policy"), "sandbox")
	}
}

func TestFiles_BadInputIsAClearErrorAndLeavesNothing(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	mp := func(field, name string, data []byte) (string, map[string]string) {
		body, ctype := multipartBody(t, field, name, data, map[string]string{"note": "ignored"})
		return body, map[string]string{"Content-Type": ctype}
	}
	emptyBody, emptyHeaders := mp("file", "empty.txt", nil)
	bigBody, bigHeaders := mp("file", "big.bin", bytes.Repeat([]byte{7}, 1<<20+1))
	noFileBody, noFileHeaders := mp("", "", nil)
	otherBody, otherHeaders := mp("attachment", "x.txt", []byte("x"))
	pathBody, pathHeaders := mp("file", `..\..\etc/pass`+"\u202ewd\t.txt", []byte("x"))
	nulBody, nulHeaders := mp("file", "a\x00b.txt", []byte("x"))
	e.run(t, []scenario{
		{name: "JSON instead of multipart", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: `{"file": "x"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'file' parameter must be sent as multipart/form-data, in a part named 'file'."}`},
		{name: "no file part", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: noFileBody, headers: noFileHeaders}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'file' parameter is required."}`},
		{name: "the file under another name", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: otherBody, headers: otherHeaders}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'file' parameter is required."}`},
		{name: "an empty file", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: emptyBody, headers: emptyHeaders}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'file' parameter must not be empty."}`},
		{name: "over the limit", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: bigBody, headers: bigHeaders}, status: 413,
			exact: `{"title": "Request body too large", "description": "A file may be at most 1 MiB."}`},
		{name: "a cut-off body", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: bigBody[:1000], headers: bigHeaders}, status: 400,
			want: []string{`"title": "Malformed upload"`}},
		{name: "a path and NULs in the name are dropped", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: pathBody, headers: pathHeaders}, status: 201,
			want: []string{`"name": "passwd.txt"`}},
		{name: "a NUL in the name", req: request{method: "POST", path: "/api/uploads", token: e.userToken, body: nulBody, headers: nulHeaders}, status: 400,
			want: []string{`"title": "Malformed upload"`}},
		{name: "no credentials", req: request{method: "POST", path: "/api/uploads", body: otherBody, headers: otherHeaders}, status: 401, want: []string{`"title": "Not authentificated"`}},
		{name: "a file id that is not one", req: request{method: "GET", path: "/api/files/nope", token: e.userToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such file."}`},
		{name: "a file that does not exist", req: request{method: "GET", path: "/api/files/" + storage.NewIDGen().New().Hex(), token: e.userToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such file."}`},
		{name: "files not a list", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "files": "x"}`}, status: 400,
			want: []string{`"title": "Invalid parameter"`, `'files'`}},
		{name: "a file id that is not one, in a message", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "files": ["nope"]}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'files' parameter must be a list of file ids."}`},
		{name: "eleven files", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "files": [` + strings.TrimSuffix(strings.Repeat(`"`+storage.NewIDGen().New().Hex()+`",`, 11), ",") + `]}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'files' parameter may name at most 10 files."}`},
		{name: "no text and no files", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "files": []}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'text' parameter is required."}`},
	})
	// Nothing of the refused uploads is left behind.
	removed, err := e.store.DeleteUnusedBlobs(context.Background(), time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, removed, "only the empty blob, which the sweep takes; the refused ones were never kept")

	// The same file twice in one message.
	id := e.uploaded(e.userToken, "twice.txt", []byte("twice"))
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: fmt.Sprintf(`{"room": %q, "files": [%q, %q]}`, room, id, id)})
	assert.Equal(t, `{"title": "Invalid parameter", "description": "The 'files' parameter must not name a file twice."}`, r.body)
}

func TestFiles_QuotaDiskFloorAndTheSwitch(t *testing.T) {
	free := int64(10 << 30)
	e := newEnv(t, func(o *envConfig) {
		o.UploadQuota = 100
		o.DiskFloor = 1 << 30
		o.FreeSpace = func() (int64, error) { return free, nil }
	})
	e.uploaded(e.userToken, "a.txt", bytes.Repeat([]byte("a"), 60))
	r := e.upload(e.userToken, "b.txt", bytes.Repeat([]byte("b"), 60))
	assert.Equal(t, 413, r.status)
	assert.Equal(t, `{"title": "Request body too large", "description": "Your files would take more than your quota of 100 bytes: delete some, or ask an administrator."}`, r.body)
	e.uploaded(e.userToken, "c.txt", bytes.Repeat([]byte("c"), 40))
	assert.Equal(t, 413, e.upload(e.userToken, "d.txt", []byte("d")).status, "the quota is used up")
	e.uploaded(e.adminToken, "admin.txt", bytes.Repeat([]byte("x"), 500))

	free = 100 << 20
	r = e.upload(e.adminToken, "e.txt", []byte("e"))
	assert.Equal(t, 507, r.status)
	assert.Equal(t, `{"title": "Insufficient Storage", "description": "The server's disk is nearly full: uploads are refused until an administrator frees space."}`, r.body)

	off := newEnv(t, func(o *envConfig) { o.UploadMaxBytes = 0 })
	r = off.upload(off.userToken, "x.txt", []byte("x"))
	assert.Equal(t, `{"title": "Permission Denied", "description": "File uploads are turned off on this server."}`, r.body)
}

func TestFiles_TheSweepRemovesUploadsNoMessageTook(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	e := newEnv(t, func(o *envConfig) { o.Now = clock.Now })
	room := e.joined("general")
	kept := e.uploaded(e.userToken, "kept.txt", []byte("kept"))
	loose := e.uploaded(e.userToken, "loose.txt", []byte("loose"))
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "files": ["` + kept + `"]}`})
	require.Equal(t, 201, r.status, r.body)

	files, _, err := e.chat.SweepFiles(context.Background())
	require.NoError(t, err)
	assert.Zero(t, files, "a day has not passed")
	clock.advance(25 * time.Hour)
	files, blobs, err := e.chat.SweepFiles(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, files)
	assert.Equal(t, 1, blobs)
	assert.Equal(t, 404, e.do(request{method: "GET", path: "/api/files/" + loose, token: e.userToken}).status)
	got := e.do(request{method: "GET", path: "/api/files/" + kept, token: e.userToken})
	assert.Equal(t, "kept", got.body)
}

func TestAvatars_AUserSetsAndRemovesItsPictureAndEveryoneSeesIt(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	_, other := e.tokenOf("other")
	watcher := e.dial(other, "") // shares no room with the user: sees it anyway
	put := func(token, name string, data []byte) response {
		body, ctype := multipartBody(t, "file", name, data, nil)
		return e.do(request{method: "PUT", path: "/api/me/avatar", token: token, body: body, headers: map[string]string{"Content-Type": ctype}})
	}
	r := put(e.userToken, "me.png", pngOf(t, 600, 400))
	require.Equal(t, 200, r.status, r.body)
	var me struct {
		ID     map[string]string `json:"_id"`
		Avatar string            `json:"avatar"`
	}
	r.json(t, &me)
	require.Regexp(t, `^/api/users/`+me.ID["$oid"]+`/avatar\?v=[0-9a-f]{12}$`, me.Avatar)
	ev := watcher.nextOf("user.updated")
	assert.JSONEq(t, `{"_id": {"$oid": "`+me.ID["$oid"]+`"}, "username": "test_user", "avatar": "`+me.Avatar+`"}`, string(ev.Data), "other streams learn of it live, without an email")
	assert.Contains(t, e.do(request{method: "GET", path: "/api/me", token: e.userToken}).body, `"avatar": "`+me.Avatar+`"`)
	assert.Contains(t, e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.adminToken}).body, `"avatar": "`+me.Avatar+`"`)
	assert.Contains(t, e.do(request{method: "GET", path: "/api/people?q=test", token: other}).body, `"avatar": "`+me.Avatar+`"`)

	got := e.do(request{method: "GET", path: me.Avatar, token: other})
	require.Equal(t, 200, got.status, got.body)
	cfg, _, err := image.DecodeConfig(strings.NewReader(got.body))
	require.NoError(t, err)
	assert.Equal(t, 256, cfg.Width, "a square the server made")
	assert.Equal(t, 256, cfg.Height)
	assert.True(t, strings.HasPrefix(got.header.Get("Content-Type"), "image/"))
	assert.True(t, strings.HasPrefix(got.header.Get("Content-Disposition"), "inline"))

	// Not an image, too large, nothing: refused, the avatar kept.
	r = put(e.userToken, "evil.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	assert.Equal(t, `{"title": "Invalid parameter", "description": "The 'file' parameter must be a PNG, JPEG, GIF or WebP image."}`, r.body)
	r = put(e.userToken, "broken.png", pngOf(t, 40, 40)[:60])
	assert.Equal(t, `{"title": "Invalid parameter", "description": "The 'file' parameter could not be read as an image."}`, r.body)
	r = e.do(request{method: "PUT", path: "/api/me/avatar", token: e.userToken, body: `{}`})
	assert.Equal(t, 400, r.status)
	assert.Contains(t, e.do(request{method: "GET", path: "/api/me", token: e.userToken}).body, `"avatar": "`+me.Avatar+`"`)

	// Removed: gone for everyone; a user without one has none to serve.
	require.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/me/avatar", token: e.userToken}).status)
	ev = watcher.nextOf("user.updated")
	assert.JSONEq(t, `{"_id": {"$oid": "`+me.ID["$oid"]+`"}, "username": "test_user"}`, string(ev.Data))
	assert.NotContains(t, e.do(request{method: "GET", path: "/api/me", token: e.userToken}).body, `"avatar"`)
	assert.Equal(t, `{"title": "Not found", "description": "No such avatar."}`, e.do(request{method: "GET", path: me.Avatar, token: other}).body)
	assert.Equal(t, 404, e.do(request{method: "GET", path: "/api/users/nope/avatar", token: other}).status)
	assert.Equal(t, 401, e.do(request{method: "GET", path: me.Avatar}).status, "for users only")
}
