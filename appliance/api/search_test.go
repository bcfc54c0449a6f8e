package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// search is the request for a search of q as the user.
func (e *env) search(q string, extra ...string) request {
	return request{method: "GET", path: "/api/messages?q=" + url.QueryEscape(q) + strings.Join(extra, ""), token: e.userToken}
}

func TestSearch_FiltersScenarios(t *testing.T) {
	e := newEnv(t)
	ops := e.joined("ops")
	vault := e.createRoom("vault", `, "is_open": false, "is_visible": false`)
	_, bobToken := e.tokenOf("bob")
	started := e.post(e.adminToken, ops, "deploy started")
	e.post(e.userToken, ops, "deploy done")
	file := e.uploaded(e.userToken, "deploy.log", []byte("all good"))
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + ops + `", "text": "deploy log", "files": ["` + file + `"]}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	withLog := oid(t, r)
	e.post(e.adminToken, vault, "deploy secretly")
	r = e.do(request{method: "POST", path: "/api/messages", token: bobToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "deploy privately"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)

	startedID, err := storage.ParseID(started)
	require.NoError(t, err)
	day := func(days int) string { return startedID.Time().AddDate(0, 0, days).Format(time.DateOnly) }
	badDate := func(filter string) string {
		return `{"title": "Invalid parameter", "description": "The 'q' parameter's ` + filter + `: filter must be a date as YYYY-MM-DD (UTC), such as ` + filter + `:2026-12-01."}`
	}
	e.run(t, []scenario{
		{name: "from: keeps one sender's messages", req: e.search("deploy from:admin"), status: 200,
			want: []string{"deploy started"}, notWant: []string{"deploy done", "deploy log", "privately", "secretly"}},
		{name: "from: alone lists them, newest first", req: e.search("from:@TEST_USER"), status: 200,
			want: []string{`"deploy log"`, `"deploy done"`}, notWant: []string{"started", "privately"}},
		{name: "from: an unknown user finds nothing", req: e.search("deploy from:nobody"), status: 200, exact: "[]"},
		{name: "in: a room by name", req: e.search("in:#OPS deploy"), status: 200,
			want: []string{"deploy started", "deploy done", "deploy log"}, notWant: []string{"privately"}},
		{name: "in: @user is a direct conversation", req: e.search("in:@bob"), status: 200,
			want: []string{"deploy privately"}, notWant: []string{"deploy done"}},
		{name: "in: a hidden room of others is as unknown", req: e.search("in:vault"), status: 200, exact: "[]"},
		{name: "in: a room that does not exist", req: e.search("in:nowhere deploy"), status: 200, exact: "[]"},
		{name: "in: a hidden room, for its member", req: request{method: "GET", path: "/api/messages?q=in%3Avault", token: e.adminToken}, status: 200,
			want: []string{"deploy secretly"}},
		{name: "has:file", req: e.search("has:file"), status: 200,
			want: []string{`"deploy log"`, `"files": [`, `"name": "deploy.log"`}, notWant: []string{"deploy done"}},
		{name: "dates: on the day, after the day before, before the day after", req: e.search("from:admin on:" + day(0) + " after:" + day(-1) + " before:" + day(1)), status: 200,
			want: []string{"deploy started"}},
		{name: "dates: before leaves its day out", req: e.search("deploy before:" + day(0)), status: 200, exact: "[]"},
		{name: "dates: after leaves its day out", req: e.search("deploy after:" + day(0)), status: 200, exact: "[]"},
		{name: "every filter must hold: two senders find nothing", req: e.search("from:admin from:test_user"), status: 200, exact: "[]"},
		{name: "an unknown filter is words", req: e.search("foo:deploy"), status: 200, exact: "[]"},
		{name: "names that look like operators are names", req: e.search(`from:$ne in:{"$gt":""} deploy`), status: 200, exact: "[]"},
		{name: "a username that cannot be one", req: e.search(`from:{"$ne":null}`), status: 200, exact: "[]"},
		{name: "a kilobyte of filters", req: e.search(strings.Repeat("from:admin ", 90) + "in:ops"), status: 200,
			want: []string{"deploy started"}, notWant: []string{"deploy done"}},
		{name: "a malformed date names its filter", req: e.search("deploy before:2026-02-30"), status: 400, exact: badDate("before")},
		{name: "a date without its zeros", req: e.search("after:2026-2-1"), status: 400, exact: badDate("after")},
		{name: "has: something else than file", req: e.search("has:cake"), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'q' parameter's has: filter must be has:file."}`},
		{name: "a page of filter results links to the next", req: e.search("from:test_user", "&limit=1"), status: 200,
			want:    []string{`"deploy log"`},
			headers: map[string]string{"Link": `</api/messages?before=` + withLog + `&limit=1&q=from%3Atest_user>; rel="next"`}},
	})
}

func TestSearch_OddQueriesNeverFailTheServer(t *testing.T) {
	e := newEnv(t)
	room := e.joined("lobby")
	e.post(e.userToken, room, "hello there")
	for _, q := range []string{
		"from:", "in:", "has:", "before:", `in:"`, `in:""`, `in:"unclosed quote`, "::::", "from::", "from:@", "in:#", "in:@",
		"before:0000-00-00", "before:0001-01-01", "after:9999-12-31", "on:1970-01-01", "before:2106-02-08", "after:2106-02-06",
		"from:" + strings.Repeat("a", 990), "in:" + strings.Repeat("é", 400), "has:\x00", "from:\u202ebob", "in:\ufeffops",
		strings.Repeat("in:a ", 199), strings.Repeat("on:2026-01-01 ", 70), "FROM:test_user HAS:FILE IN:LOBBY",
	} {
		t.Run(fmt.Sprintf("%.40q", q), func(t *testing.T) {
			r := e.in(t).do(e.search(q))
			assert.Contains(t, []int{200, 400}, r.status, r.body)
			if r.status == 200 {
				assert.True(t, strings.HasPrefix(r.body, "["), r.body)
			}
		})
	}
}
