package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMentions_ListsWhatNamesTheCaller(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	r := e.do(request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `"}`})
	require.Contains(t, []int{201, 409}, r.status, r.body)
	e.say(e.adminToken, room, "hello @test_user")
	e.say(e.adminToken, room, "test user without the at")
	e.say(e.adminToken, room, "@test_username is someone else")
	e.say(e.userToken, room, "I mention myself, @test_user")
	e.say(e.adminToken, room, "@room standup")
	root, _ := e.say(e.adminToken, room, "root")
	e.reply(e.adminToken, root, "in a thread, @test_user", "")
	direct := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "@TEST_USER directly"}`})
	require.Equal(t, http.StatusCreated, direct.status, direct.body)

	r = e.do(request{method: "GET", path: "/api/mentions", token: e.userToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	var ms []listed
	r.json(t, &ms)
	assert.Equal(t, "@TEST_USER directly, in a thread, @test_user, @room standup, hello @test_user", listedTexts(ms))
	page := e.do(request{method: "GET", path: "/api/mentions?limit=2", token: e.userToken})
	assert.Contains(t, page.header.Get("Link"), `rel="next"`)
	var first []listed
	page.json(t, &first)
	next := e.do(request{method: "GET", path: "/api/mentions?limit=2&before=" + first[1].ID["$oid"], token: e.userToken})
	var second []listed
	next.json(t, &second)
	assert.Equal(t, "@room standup, hello @test_user", listedTexts(second))
	for _, q := range []string{"limit=0", "limit=x", "before=nope"} {
		r := e.do(request{method: "GET", path: "/api/mentions?" + q, token: e.userToken})
		assert.Equal(t, http.StatusBadRequest, r.status, "%s: %s", q, r.body)
	}
}

func TestNotify_SettingsPerRoomAndDirectConversation(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	mine := e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.userToken})
	require.Equal(t, http.StatusOK, mine.status)
	var ms []struct {
		ID      map[string]string `json:"_id"`
		Profile map[string]string `json:"profile"`
	}
	mine.json(t, &ms)
	var own, admins string
	for _, m := range ms {
		if m.Profile["$oid"] == e.user.ID.Hex() {
			own = m.ID["$oid"]
		} else {
			admins = m.ID["$oid"]
		}
	}
	require.NotEmpty(t, own)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	r := e.do(request{method: "PATCH", path: "/api/members/" + own, token: e.userToken, body: `{"notify": "all", "muted_until": "` + until + `"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"notify": "all"`)
	assert.Contains(t, r.body, `"muted_until"`)
	r = e.do(request{method: "PATCH", path: "/api/members/" + own, token: e.userToken, body: `{"muted_until": null}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, `"muted_until"`)
	assert.Contains(t, r.body, `"notify": "all"`)

	for _, c := range []struct {
		name, path, token, body string
		status                  int
	}{
		{"an unknown level", "/api/members/" + own, e.userToken, `{"notify": "loud"}`, 400},
		{"a level that is no string", "/api/members/" + own, e.userToken, `{"notify": 3}`, 400},
		{"a time that is no time", "/api/members/" + own, e.userToken, `{"muted_until": "tomorrow"}`, 400},
		{"a mute years away", "/api/members/" + own, e.userToken, `{"muted_until": "2999-01-01T00:00:00Z"}`, 400},
		{"someone else's", "/api/members/" + admins, e.userToken, `{"notify": "none"}`, 403},
		{"a direct level", "/api/directs/" + e.admin.ID.Hex(), e.userToken, `{"notify": "loud"}`, 400},
	} {
		r := e.do(request{method: "PATCH", path: c.path, token: c.token, body: c.body})
		assert.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
	}

	r = e.do(request{method: "PATCH", path: "/api/directs/" + e.admin.ID.Hex(), token: e.userToken, body: `{"notify": "mentions"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"notify": "mentions"`)
	dm := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "hi"}`})
	require.Equal(t, http.StatusCreated, dm.status, dm.body)
	list := e.do(request{method: "GET", path: "/api/directs", token: e.userToken})
	assert.Contains(t, list.body, `"notify": "mentions"`, "kept from before the first message")
}

func TestNotify_TheCallersRoomAndGroupListsCarryItsSettings(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	bobID, bobToken := e.tokenOf("bob")
	carolID, _ := e.tokenOf("carol")
	g := e.do(request{method: "POST", path: "/api/groups", token: e.userToken, body: usersJSON(bobID, carolID)})
	require.Equal(t, http.StatusCreated, g.status, g.body)
	var group groupJSON
	g.json(t, &group)

	// ownMember is the caller's member id in a room.
	ownMember := func(room string) string {
		r := e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.userToken})
		require.Equal(t, http.StatusOK, r.status, r.body)
		var ms []struct {
			ID      map[string]string `json:"_id"`
			Profile map[string]string `json:"profile"`
		}
		r.json(t, &ms)
		for _, m := range ms {
			if m.Profile["$oid"] == e.user.ID.Hex() {
				return m.ID["$oid"]
			}
		}
		t.Fatalf("not a member of %s", room)
		return ""
	}
	type settings struct {
		ID         map[string]string `json:"_id"`
		Notify     *string           `json:"notify"`
		MutedUntil *struct {
			Date time.Time `json:"$date"`
		} `json:"muted_until"`
	}
	find := func(path, id string) settings {
		r := e.do(request{method: "GET", path: path, token: e.userToken})
		require.Equal(t, http.StatusOK, r.status, r.body)
		var list []settings
		r.json(t, &list)
		for _, s := range list {
			if s.ID["$oid"] == id {
				return s
			}
		}
		t.Fatalf("%s not in %s", id, path)
		return settings{}
	}

	// Nothing set: no fields, the seed's shape.
	assert.Nil(t, find("/api/rooms", room).Notify)
	assert.Nil(t, find("/api/groups", group.ID["$oid"]).MutedUntil)

	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for path, id := range map[string]string{"/api/rooms": room, "/api/groups": group.ID["$oid"]} {
		r := e.do(request{method: "PATCH", path: "/api/members/" + ownMember(id), token: e.userToken,
			body: `{"notify": "none", "muted_until": "` + until.Format(time.RFC3339) + `"}`})
		require.Equal(t, http.StatusOK, r.status, r.body)
		s := find(path, id)
		require.NotNil(t, s.Notify, path)
		assert.Equal(t, "none", *s.Notify, path)
		require.NotNil(t, s.MutedUntil, path)
		assert.True(t, until.Equal(s.MutedUntil.Date), "%s: %v", path, s.MutedUntil.Date)
	}
	// Another member sees none of it.
	r := e.do(request{method: "GET", path: "/api/groups", token: bobToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, `"notify"`)
}
