package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessages_CarryTheirSendersNameEvenAfterTheyLeave(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	bobID, bobToken := e.tokenOf("bob")
	r := e.do(request{method: "POST", path: "/api/members", token: bobToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	_, body := e.say(bobToken, room, "hello from bob")
	assert.Contains(t, body, `"username": "bob"`)
	assert.NotContains(t, body, `"hook"`, "not a webhook's message for all that")

	r = e.do(request{method: "DELETE", path: "/api/users/" + bobID, token: e.adminToken})
	require.Contains(t, []int{200, 204}, r.status, r.body)
	hist := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	assert.Contains(t, hist.body, `"username": "bob"`, "the name stays with the message")
}
