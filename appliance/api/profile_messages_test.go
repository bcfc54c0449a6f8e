package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// namesIn maps the ids of a message list's messages to their
// display_name ("" for none).
func namesIn(t *testing.T, r response) map[string]string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, r.body)
	var msgs []json.RawMessage
	r.json(t, &msgs)
	out := map[string]string{}
	for _, m := range msgs {
		var v struct {
			ID map[string]string `json:"_id"`
		}
		require.NoError(t, json.Unmarshal(m, &v))
		out[v.ID["$oid"]] = messageName(t, m)
	}
	return out
}

func TestMessages_CarryTheirSendersDisplayNameAsItIsNowEverywhere(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	_, hookURL := e.newHook(room, "ci")
	reader := e.dial(e.adminToken, "")

	// Before the user has a display name, its messages have none.
	early, body := e.say(e.userToken, room, "written before the name")
	assert.Empty(t, messageName(t, []byte(body)))
	assert.Empty(t, messageName(t, reader.nextOf("message.created").Data))

	r := e.patchMe(e.userToken, `{"display_name": "Ann Smith"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	reader.nextOf("user.updated")

	// The name is the sender's as it is now: the earlier message shows
	// it as well as the new one, in the answer, the history and the
	// stream.
	later, body := e.say(e.userToken, room, "written after the name")
	assert.Equal(t, "Ann Smith", messageName(t, []byte(body)), "the answer to the post")
	assert.Equal(t, "Ann Smith", messageName(t, reader.nextOf("message.created").Data), "message.created")
	history := namesIn(t, e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.adminToken}))
	assert.Equal(t, map[string]string{early: "Ann Smith", later: "Ann Smith"}, history)
	search := namesIn(t, e.do(request{method: "GET", path: "/api/messages?q=written", token: e.adminToken}))
	assert.Equal(t, map[string]string{early: "Ann Smith", later: "Ann Smith"}, search, "search")

	// Changes of the message carry it: a reaction by someone else (the
	// answer and message.updated), an edit, and the deletion.
	r = e.do(request{method: "PUT", path: reactionPath(early, "👍"), token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, "Ann Smith", messageName(t, []byte(r.body)), "the reaction's answer, to the admin")
	assert.Equal(t, "Ann Smith", messageName(t, reader.nextOf("message.updated").Data), "the reaction's message.updated")
	r = e.do(request{method: "PATCH", path: "/api/messages/" + later, token: e.userToken, body: `{"text": "edited"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, "Ann Smith", messageName(t, []byte(r.body)))
	assert.Equal(t, "Ann Smith", messageName(t, reader.nextOf("message.updated").Data), "the edit's message.updated")

	// A rename reaches every message at once; a replay has it too.
	r = e.patchMe(e.userToken, `{"display_name": "Ann B."}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	history = namesIn(t, e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}))
	assert.Equal(t, map[string]string{early: "Ann B.", later: "Ann B."}, history, "the sender's own history")
	replay := e.dial(e.adminToken, "?since="+early)
	assert.Equal(t, "Ann B.", messageName(t, replay.nextOf("message.created").Data), "the replay of ?since=")

	r = e.do(request{method: "DELETE", path: "/api/messages/" + later, token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, "Ann B.", messageName(t, []byte(r.body)))
	assert.Equal(t, "Ann B.", messageName(t, reader.nextOf("message.deleted").Data))

	// A webhook's message is shown under its own name, never a
	// person's: its maker's display name is not on it.
	r = e.patchMe(e.adminToken, `{"display_name": "The Admin"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = e.do(request{method: "POST", path: hookURL, body: `{"text": "build passed"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Empty(t, messageName(t, []byte(r.body)))
	assert.Contains(t, r.body, `"username": "ci"`)
	assert.Empty(t, messageName(t, reader.nextOf("message.created").Data), "nor in the stream")

	// Without a display name again, the messages have none.
	r = e.patchMe(e.userToken, `{"display_name": null}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	history = namesIn(t, e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.adminToken}))
	assert.Empty(t, history[early])
}
