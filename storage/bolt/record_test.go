package bolt

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

func TestDecodeMessage_ReadsWhatStorageMessageReads(t *testing.T) {
	ids := storage.NewIDGen()
	m := storage.Message{
		ID: ids.New(), Text: "hello", Sender: ids.New(), Room: ids.New(), Recipient: ids.New(),
		Hook: ids.New(), Username: "bot", Created: time.Now().UTC(), Edited: time.Now().UTC().Add(time.Second),
	}
	written, err := json.Marshal(m)
	require.NoError(t, err)
	// Forms that storage.ID reads but the fast path does not: spaces and
	// a bare string.
	h := m.ID.Hex()
	other := []byte(`{"_id": {"$oid": "` + h + `"}, "sender": "` + m.Sender.Hex() + `", "room": {"$oid":"` + m.Room.String() + `"}, "text": "hi"}`)
	for _, data := range [][]byte{written, other} {
		var want storage.Message
		require.NoError(t, json.Unmarshal(data, &want))
		got, err := decodeMessage([]byte("k"), data)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, bad := range []string{`{"_id": {"$oid": "xyz"}}`, `{"_id": 5}`, `{"sender": {"$oid":"zz06dac4d55cfe00010944ad"}}`} {
		var want storage.Message
		require.Error(t, json.Unmarshal([]byte(bad), &want), bad)
		_, err := decodeMessage([]byte("k"), []byte(bad))
		require.Error(t, err, bad)
	}
}

// decorated is a message with three reactions and a thread summary, as
// the history of a busy room holds them.
func decorated() storage.Message {
	ids := storage.NewIDGen()
	now := time.Now().UTC()
	return storage.Message{
		ID: ids.New(), Text: "a message about the release", Sender: ids.New(), Room: ids.New(), Username: "alice", Created: now,
		Reactions: []storage.Reaction{
			{Emoji: "👍", User: ids.New(), Username: "bob", At: now},
			{Emoji: "👍", User: ids.New(), Username: "carol", At: now},
			{Emoji: "🎉", User: ids.New(), Username: "dave", At: now},
		},
		Replies: &storage.ThreadSummary{Count: 3, Last: now, LastID: ids.New(), Repliers: []storage.ID{ids.New(), ids.New()}},
	}
}

func TestDecodeMessage_ReadsReactionsRepliesAndThreadsAsStorageMessageDoes(t *testing.T) {
	root := decorated()
	reply := root
	reply.Replies, reply.Thread, reply.InRoom = nil, storage.NewIDGen().New(), true
	for _, m := range []storage.Message{root, reply} {
		written, err := json.Marshal(m)
		require.NoError(t, err)
		var want storage.Message
		require.NoError(t, json.Unmarshal(written, &want))
		got, err := decodeMessage([]byte("k"), written)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, bad := range []string{`{"reactions": [{"user": {"$oid": "xyz"}}]}`, `{"replies": {"repliers": [5]}}`, `{"thread": {"$oid": "zz"}}`} {
		_, err := decodeMessage([]byte("k"), []byte(bad))
		require.Error(t, err, bad)
	}
}

func BenchmarkDecodeMessage_Decorated(b *testing.B) {
	data, err := json.Marshal(decorated())
	require.NoError(b, err)
	for b.Loop() {
		if _, err := decodeMessage([]byte("k"), data); err != nil {
			b.Fatal(err)
		}
	}
}
