package chat

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/makechat/makechat/storage"
)

// The frontier stays at the oldest key whose event is not out yet — a
// message being stored, or a stamped event not handed on — and passes
// every key once its event is out.
func TestSequencer_FrontierWaitsForEveryKeyInFlight(t *testing.T) {
	var out []Event
	q := &sequencer{ids: storage.NewIDGen(), lines: map[storage.Conversation][]*slot{}, notify: func(e Event) { out = append(out, e) }}
	room := storage.RoomConversation(q.ids.New())
	before := q.frontier()

	a, sa := q.take(room, true)
	assert.True(t, before.Less(a))
	b, sb := q.take(room, true)
	assert.Equal(t, a, q.frontier(), "a is being stored")
	k, done := q.stamp()
	assert.True(t, b.Less(k))

	q.finish(room, sb, Event{Name: "b"})
	assert.Empty(t, out, "b waits for a")
	assert.Equal(t, a, q.frontier())
	q.finish(room, sa) // a's write failed
	assert.Equal(t, []Event{{Name: "b"}}, out)
	assert.Equal(t, k, q.frontier(), "the stamped event is not out yet")
	done()
	f := q.frontier()
	assert.True(t, k.Less(f))
	assert.True(t, f.Less(q.ids.New()), "later ids are above the frontier")
}

// Keys that landed are forgotten, whether or not anyone asks for the
// frontier (one node never does).
func TestSequencer_ForgetsTheKeysThatLanded(t *testing.T) {
	q := &sequencer{ids: storage.NewIDGen(), lines: map[storage.Conversation][]*slot{}, notify: func(Event) {}}
	room := storage.RoomConversation(q.ids.New())
	for range 1000 {
		_, s := q.take(room, true)
		q.finish(room, s, Event{})
		_, done := q.stamp()
		done()
	}
	assert.Empty(t, q.flight)
}
