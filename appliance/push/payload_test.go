package push_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/push"
	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage"
)

func payload(t *testing.T, m storage.Message, user storage.ID) map[string]string {
	t.Helper()
	key := push.ConversationKey(m, user)
	data := push.Payload(m, "alice", "#general", key, "mention")
	require.LessOrEqual(t, len(data), webpush.MaxPayload, "fits one push")
	var out map[string]string
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

func TestPayload_NamesTheConversationAndCutsLongTexts(t *testing.T) {
	ids := storage.NewIDGen()
	alice, bob, room := ids.New(), ids.New(), ids.New()
	m := storage.Message{ID: ids.New(), Sender: alice, Room: room, Text: "lunch\n\n   at noon?"}
	p := payload(t, m, bob)
	assert.Equal(t, "alice: lunch at noon?", p["body"], "spaces folded")
	assert.Equal(t, "r"+room.Hex(), p["conversation"])
	assert.Equal(t, p["conversation"], p["tag"])
	assert.Empty(t, p["thread"])

	long := strings.Repeat("é", 5000) + " <script>alert(1)</script>"
	p = payload(t, storage.Message{ID: ids.New(), Sender: alice, Room: room, Text: long, Thread: m.ID}, bob)
	assert.LessOrEqual(t, utf8.RuneCountInString(p["body"]), 250)
	assert.True(t, strings.HasSuffix(p["body"], "…"))
	assert.Equal(t, m.ID.Hex(), p["thread"])

	dm := storage.Message{ID: ids.New(), Sender: alice, Recipient: bob, Text: "psst"}
	p = payload(t, dm, bob)
	assert.Equal(t, "psst", p["body"], "a direct message's title names the sender already")
	assert.Equal(t, "d"+alice.Hex(), p["conversation"], "the conversation as bob sees it")
	assert.Equal(t, "d"+bob.Hex(), push.ConversationKey(dm, alice), "and as alice does")

	files := storage.Message{ID: ids.New(), Sender: alice, Room: room, Files: []storage.FileInfo{{ID: ids.New()}}}
	assert.Equal(t, "alice: sent a file", payload(t, files, bob)["body"])
}
