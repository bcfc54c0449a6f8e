package storagetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// reply posts text as from in root's thread; inRoom also shows it in the
// room.
func (e *env) reply(root storage.Message, from storage.User, text string, inRoom bool) storage.Message {
	e.Helper()
	m, err := e.tryReply(root, from, text, inRoom)
	require.NoError(e, err)
	return m
}

func (e *env) tryReply(root storage.Message, from storage.User, text string, inRoom bool) (storage.Message, error) {
	m := storage.Message{ID: e.ids.New(), Text: text, Sender: from.ID, Room: root.Room, Recipient: root.Recipient, Thread: root.ID, InRoom: inRoom, Created: time.Now()}
	if root.Conversation().IsDirect() && root.Sender != from.ID {
		m.Recipient = root.Sender
	}
	return m, e.s.CreateMessage(e.ctx(), m)
}

// texts lists the texts of ms in order.
func texts(ms []storage.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// summary reads root back and gives its summary as "count last-text
// repliers…", or "none".
func (e *env) summary(root storage.Message, names map[storage.ID]string) string {
	e.Helper()
	s := e.stored(root.ID).Replies
	if s == nil {
		return "none"
	}
	last := e.stored(s.LastID)
	require.WithinDuration(e, last.Created, s.Last, time.Millisecond)
	out := fmt.Sprintf("%d %s", s.Count, last.Text)
	for _, u := range s.Repliers {
		out += " " + names[u]
	}
	return out
}

var threadScenarios = []scenario{
	{"Replies stay out of the room's history unless sent there too, and the root sums them up", func(e *env) {
		alice, bob, carol, dan := e.newUser("alice"), e.newUser("bob"), e.newUser("carol"), e.newUser("dan")
		names := map[storage.ID]string{alice.ID: "alice", bob.ID: "bob", carol.ID: "carol", dan.ID: "dan"}
		r, _ := e.newRoom("lobby", alice)
		before := e.say(r, alice, "before")
		root := e.say(r, alice, "release on friday?")
		require.Equal(e, "none", e.summary(root, names))
		e.reply(root, bob, "yes", false)
		e.reply(root, carol, "no", false)
		e.reply(root, dan, "maybe", false)
		e.reply(root, bob, "let's vote", true)
		after := e.say(r, carol, "after")
		e.reply(root, carol, "ok", false)

		conv := storage.RoomConversation(r.ID)
		require.Equal(e, []string{"before", "release on friday?", "let's vote", "after"}, texts(e.history(conv, storage.MessageQuery{})))
		require.Equal(e, []string{"yes", "no", "maybe", "let's vote", "ok"}, texts(e.history(conv, storage.MessageQuery{Thread: root.ID})))
		require.Equal(e, []string{"before", "release on friday?", "yes", "no", "maybe", "let's vote", "after", "ok"},
			texts(e.history(conv, storage.MessageQuery{AllReplies: true})), "a client catching up gets everything")
		require.Equal(e, "5 ok carol bob dan", e.summary(root, names))
		hist := e.history(conv, storage.MessageQuery{})
		require.NotNil(e, hist[1].Replies, "history shows the summary")
		require.Equal(e, 5, hist[1].Replies.Count)
		require.True(e, hist[2].IsReply() && hist[2].InRoom && hist[2].Thread == root.ID)

		n, err := e.s.CountMessagesAfter(e.ctx(), conv, before.ID, 0)
		require.NoError(e, err)
		require.Equal(e, 3, n, "unread counts count what the room shows")
		page := e.history(conv, storage.MessageQuery{Thread: root.ID, Limit: 2})
		require.Equal(e, []string{"let's vote", "ok"}, texts(page))
		page = e.history(conv, storage.MessageQuery{Thread: root.ID, Before: page[0].ID, Limit: 2})
		require.Equal(e, []string{"no", "maybe"}, texts(page))
		page = e.history(conv, storage.MessageQuery{Thread: root.ID, After: page[0].ID, Limit: 2})
		require.Equal(e, []string{"maybe", "let's vote"}, texts(page))
		require.Equal(e, []string{"let's vote"}, texts(e.history(conv, storage.MessageQuery{After: root.ID, Before: after.ID})))
		require.Len(e, e.find("vote", conv), 1, "search finds replies")
	}},
	{"A reply needs a root in its conversation that is no reply, and nothing else is written", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		other, _ := e.newRoom("other", alice)
		root := e.say(r, alice, "root")
		reply := e.reply(root, bob, "reply", false)
		elsewhere := e.say(other, alice, "elsewhere")
		for name, m := range map[string]storage.Message{
			"a reply to a reply":         reply,
			"a root in another room":     {ID: elsewhere.ID, Room: r.ID},
			"a root that does not exist": {ID: e.ids.New(), Room: r.ID},
			"a direct message as a root": e.dm(alice, bob, "psst"),
		} {
			bad := storage.Message{ID: e.ids.New(), Text: name, Sender: alice.ID, Room: r.ID, Thread: m.ID, Created: time.Now()}
			err := e.s.CreateMessage(e.ctx(), bad)
			require.ErrorIs(e, err, storage.ErrNotFound, name)
			_, err = e.s.Message(e.ctx(), bad.ID)
			require.ErrorIs(e, err, storage.ErrNotFound, name)
		}
		require.Equal(e, 1, e.stored(root.ID).Replies.Count)
		require.Nil(e, e.stored(reply.ID).Replies)
		require.Nil(e, e.stored(elsewhere.ID).Replies)
	}},
	{"Threads work in direct conversations too", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		root := e.dm(alice, bob, "lunch?")
		e.reply(root, bob, "sure", false)
		conv := storage.DirectConversation(alice.ID, bob.ID)
		require.Equal(e, []string{"lunch?"}, texts(e.history(conv, storage.MessageQuery{})))
		require.Equal(e, []string{"sure"}, texts(e.history(conv, storage.MessageQuery{Thread: root.ID})))
		require.Equal(e, 1, e.stored(root.ID).Replies.Count)
	}},
	{"Deleting a reply updates its root; deleting a root deletes its replies", func(e *env) {
		alice, bob, carol := e.newUser("alice"), e.newUser("bob"), e.newUser("carol")
		names := map[storage.ID]string{alice.ID: "alice", bob.ID: "bob", carol.ID: "carol"}
		r, _ := e.newRoom("lobby", alice)
		root := e.say(r, alice, "root")
		a := e.reply(root, bob, "one", false)
		b := e.reply(root, carol, "two", true)
		require.Equal(e, "2 two carol bob", e.summary(root, names))
		require.NoError(e, e.s.DeleteMessage(e.ctx(), b.ID))
		require.Equal(e, "1 one bob", e.summary(root, names))
		require.NoError(e, e.s.DeleteMessage(e.ctx(), a.ID))
		require.Equal(e, "none", e.summary(root, names))

		c := e.reply(root, bob, "three", true)
		d := e.reply(root, carol, "four", false)
		require.NoError(e, e.s.DeleteMessage(e.ctx(), root.ID))
		for _, m := range []storage.Message{root, c, d} {
			_, err := e.s.Message(e.ctx(), m.ID)
			require.ErrorIs(e, err, storage.ErrNotFound, m.Text)
		}
		conv := storage.RoomConversation(r.ID)
		require.Empty(e, e.history(conv, storage.MessageQuery{AllReplies: true}))
		require.Empty(e, e.history(conv, storage.MessageQuery{Thread: root.ID}))
		require.Empty(e, e.find("three four", conv))
	}},
	{"Many replies at once are all counted", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		root := e.say(r, alice, "root")
		users := make([]storage.User, 20)
		for i := range users {
			users[i] = e.newUser(fmt.Sprintf("user%02d", i))
		}
		require.NoError(e, errors.Join(Together(len(users), func(i int) error {
			_, err := e.tryReply(root, users[i], "me too", false)
			return err
		})...))
		s := e.stored(root.ID).Replies
		require.Equal(e, len(users), s.Count)
		require.Len(e, s.Repliers, storage.MaxRepliers)
		require.Len(e, e.history(storage.RoomConversation(r.ID), storage.MessageQuery{Thread: root.ID}), len(users))
	}},
	{"A copy through Export and Import has the same threads", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		names := map[storage.ID]string{alice.ID: "alice", bob.ID: "bob"}
		r, _ := e.newRoom("lobby", alice)
		e.join(r, bob)
		root := e.say(r, alice, "root")
		e.reply(root, bob, "one", false)
		e.reply(root, alice, "two", true)
		want := e.summary(root, names)
		dst := e.open(e.T)
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		e.s = dst
		require.Equal(e, want, e.summary(root, names))
		conv := storage.RoomConversation(r.ID)
		require.Equal(e, []string{"root", "two"}, texts(e.history(conv, storage.MessageQuery{})))
		require.Equal(e, []string{"one", "two"}, texts(e.history(conv, storage.MessageQuery{Thread: root.ID})))
	}},
	{"Import brings back a reply whose root is not in the copy as a message of its conversation", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		// The root of a reply may come in an earlier call (it is stored)
		// or not at all.
		root := storage.Message{ID: e.ids.New(), Text: "root", Sender: alice.ID, Room: r.ID, Created: time.Now()}
		require.NoError(e, e.s.Import(e.ctx(), []storage.Record{{Collection: storage.CollMessages, Value: root}}))
		gone := e.ids.New()
		var recs []storage.Record
		for _, m := range []struct {
			text   string
			thread storage.ID
		}{{"reply 1", root.ID}, {"orphan 1", gone}, {"reply 2", root.ID}, {"orphan 2", gone}} {
			msg := storage.Message{ID: e.ids.New(), Text: m.text, Sender: alice.ID, Room: r.ID, Thread: m.thread, Created: time.Now()}
			recs = append(recs, storage.Record{Collection: storage.CollMessages, Value: msg})
		}
		require.NoError(e, e.s.Import(e.ctx(), recs))
		conv := storage.RoomConversation(r.ID)
		got := e.history(conv, storage.MessageQuery{})
		require.Equal(e, []string{"root", "orphan 1", "orphan 2"}, texts(got))
		require.False(e, got[1].IsReply())
		require.Equal(e, []string{"reply 1", "reply 2"}, texts(e.history(conv, storage.MessageQuery{Thread: root.ID})))
	}},
}
