package storagetest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// defaultLimit is what Messages and SearchMessages return at most when
// the query has no Limit.
const defaultLimit = 50

// say posts text in room r as from.
func (e *env) say(r storage.Room, from storage.User, text string) storage.Message {
	e.Helper()
	m := storage.Message{ID: e.ids.New(), Text: text, Sender: from.ID, Room: r.ID, Created: time.Now()}
	require.NoError(e, e.s.CreateMessage(e.ctx(), m))
	return m
}

// dm sends text from one user to another.
func (e *env) dm(from, to storage.User, text string) storage.Message {
	e.Helper()
	m := storage.Message{ID: e.ids.New(), Text: text, Sender: from.ID, Recipient: to.ID, Created: time.Now()}
	require.NoError(e, e.s.CreateMessage(e.ctx(), m))
	return m
}

// sayManyAtOnce bounds how many of sayMany's posts are in flight: enough
// for the embedded store to group its commits, few enough that a MongoDB
// client's pool (100 connections) is never the bottleneck of a slow
// server, such as FerretDB on a loaded machine.
const sayManyAtOnce = 32

// sayMany posts n messages in r as from, the i-th with text(i), many at
// once (so that the store can group their commits), and returns them in
// id order.
func (e *env) sayMany(r storage.Room, from storage.User, n int, text func(i int) string) []storage.Message {
	e.Helper()
	msgs := make([]storage.Message, n)
	for i := range msgs {
		msgs[i] = storage.Message{ID: e.ids.New(), Text: text(i), Sender: from.ID, Room: r.ID, Created: time.Now()}
	}
	slots := make(chan struct{}, sayManyAtOnce)
	require.NoError(e, errors.Join(Together(n, func(i int) error {
		slots <- struct{}{}
		defer func() { <-slots }()
		return e.s.CreateMessage(e.ctx(), msgs[i])
	})...))
	return msgs
}

// history reads a slice of a conversation.
func (e *env) history(c storage.Conversation, q storage.MessageQuery) []storage.Message {
	e.Helper()
	got, err := e.s.Messages(e.ctx(), c, q)
	require.NoError(e, err)
	return got
}

// requireHistory requires a conversation's whole history (up to 1,000
// messages) to be want, in order.
func (e *env) requireHistory(c storage.Conversation, want []storage.Message, msgAndArgs ...any) {
	e.Helper()
	sameList(e, want, e.history(c, storage.MessageQuery{Limit: 1000}), msgAndArgs...)
}

// find searches convs for the words of text and returns the ids found.
func (e *env) find(text string, convs ...storage.Conversation) []storage.ID {
	e.Helper()
	got, err := e.s.SearchMessages(e.ctx(), storage.SearchQuery{Terms: storage.SearchTerms(text), Conversations: convs})
	require.NoError(e, err)
	return ids(got.Messages, messageID)
}

// search runs q and returns the ids found and the result's Next.
func (e *env) search(q storage.SearchQuery) (found []storage.ID, next storage.ID) {
	e.Helper()
	got, err := e.s.SearchMessages(e.ctx(), q)
	require.NoError(e, err)
	return ids(got.Messages, messageID), got.Next
}

// sayAt posts text in room r as from, with an id and a creation time of
// the second at, as a message posted then would have.
func (e *env) sayAt(r storage.Room, from storage.User, text string, at time.Time) storage.Message {
	e.Helper()
	id := e.ids.New()
	binary.BigEndian.PutUint32(id[:4], uint32(at.Unix()))
	m := storage.Message{ID: id, Text: text, Sender: from.ID, Room: r.ID, Created: at}
	require.NoError(e, e.s.CreateMessage(e.ctx(), m))
	return m
}

func messageID(m storage.Message) storage.ID { return m.ID }

// without is msgs less those whose index drop selects.
func without(msgs []storage.Message, drop func(i int) bool) []storage.Message {
	var out []storage.Message
	for i, m := range msgs {
		if !drop(i) {
			out = append(out, m)
		}
	}
	return out
}

// reversed is a reversed copy of ids, for newest-first results.
func reversed(list []storage.ID) []storage.ID {
	out := slices.Clone(list)
	slices.Reverse(out)
	return out
}

var messageScenarios = []scenario{
	{"CreateMessage stores every field of room and direct messages", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		hook := e.newHook(r, alice, "ci")
		inRoom := storage.Message{
			ID: e.ids.New(), Text: "build *passed*", Sender: alice.ID, Room: r.ID,
			Hook: hook.ID, Username: "CI bot", Created: time.Now(), Edited: time.Now().Add(time.Second),
			Attachments: []storage.Attachment{{
				Color: "#a30200", Pretext: "pre", AuthorName: "ci", AuthorLink: "https://ci.example.com", Title: "Build 7",
				TitleLink: "https://ci.example.com/7", Text: "**failed** <b>", ImageURL: "https://ci.example.com/7.png",
				ThumbURL: "https://ci.example.com/t.png", Footer: "CI", TS: 1764770400,
				Fields: []storage.Field{{Title: "stage", Value: "test", Short: true}, {Value: "untitled"}},
			}, {Text: "second card"}},
		}
		direct := storage.Message{ID: e.ids.New(), Text: "psst", Sender: bob.ID, Recipient: alice.ID, Created: time.Now()}
		for _, m := range []storage.Message{inRoom, direct} {
			require.NoError(e, e.s.CreateMessage(e.ctx(), m))
			got, err := e.s.Message(e.ctx(), m.ID)
			require.NoError(e, err)
			same(e, m, got)
			e.requireHistory(m.Conversation(), []storage.Message{m})
		}
	}},
	{"Messages lists oldest first whatever order the messages were stored in", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		want := make([]storage.Message, 20)
		for i := range want {
			want[i] = storage.Message{ID: e.ids.New(), Text: fmt.Sprint(i), Sender: alice.ID, Room: r.ID, Created: time.Now()}
		}
		for _, i := range rand.Perm(len(want)) {
			require.NoError(e, e.s.CreateMessage(e.ctx(), want[i]))
		}
		e.requireHistory(storage.RoomConversation(r.ID), want)
	}},
	{"Messages without a cursor returns the newest Limit, and 50 when Limit is not set", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		msgs := e.sayMany(r, alice, 60, func(i int) string { return fmt.Sprint(i) })
		c := storage.RoomConversation(r.ID)
		sameList(e, msgs[55:], e.history(c, storage.MessageQuery{Limit: 5}))
		sameList(e, msgs[10:], e.history(c, storage.MessageQuery{}))
		sameList(e, msgs[10:], e.history(c, storage.MessageQuery{Limit: -1}))
		sameList(e, msgs, e.history(c, storage.MessageQuery{Limit: 100}))
		require.Empty(e, e.history(storage.RoomConversation(e.ids.New()), storage.MessageQuery{}),
			"a conversation without messages is an empty list, not an error")
	}},
	{"Before and After page through 200 messages both ways across deleted positions", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		msgs := e.sayMany(r, alice, 200, func(i int) string { return fmt.Sprint("message ", i) })
		deleted := func(i int) bool { return i%7 == 0 }
		require.NoError(e, errors.Join(Together(len(msgs), func(i int) error {
			if !deleted(i) {
				return nil
			}
			return e.s.DeleteMessage(e.ctx(), msgs[i].ID)
		})...))
		kept := without(msgs, deleted)
		c := storage.RoomConversation(r.ID)

		var backwards []storage.Message
		for before, n := storage.NilID, 0; ; n++ {
			require.Less(e, n, 20, "paging back does not end")
			page := e.history(c, storage.MessageQuery{Before: before, Limit: 30})
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(e, len(page), 30)
			backwards = append(slices.Clone(page), backwards...)
			before = page[0].ID
		}
		sameList(e, kept, backwards, "paging back with Before")

		var forwards []storage.Message
		for after, n := msgs[0].ID, 0; ; n++ { // msgs[0] is deleted: a position, not a lookup
			require.Less(e, n, 20, "paging forward does not end")
			page := e.history(c, storage.MessageQuery{After: after, Limit: 30})
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(e, len(page), 30)
			forwards = append(forwards, page...)
			after = page[len(page)-1].ID
		}
		sameList(e, kept, forwards, "paging forward with After")

		// msgs[98] is deleted; it still marks a place in the history.
		sameList(e, msgs[93:98], e.history(c, storage.MessageQuery{Before: msgs[98].ID, Limit: 5}))
		sameList(e, msgs[99:102], e.history(c, storage.MessageQuery{After: msgs[98].ID, Limit: 3}))
		sameList(e, msgs[197:], e.history(c, storage.MessageQuery{After: msgs[196].ID, Limit: 10}),
			"After near the end gives what there is")
		sameList(e, msgs[1:4], e.history(c, storage.MessageQuery{Before: msgs[4].ID, Limit: 10}),
			"Before near the start gives what there is")
		require.Empty(e, e.history(c, storage.MessageQuery{After: msgs[199].ID}))
		require.Empty(e, e.history(c, storage.MessageQuery{Before: msgs[1].ID}))
	}},
	{"Before and After together give the oldest Limit messages between them", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		msgs := e.sayMany(r, alice, 20, func(i int) string { return fmt.Sprint(i) })
		c := storage.RoomConversation(r.ID)
		sameList(e, msgs[6:10], e.history(c, storage.MessageQuery{After: msgs[5].ID, Before: msgs[10].ID}))
		sameList(e, msgs[6:8], e.history(c, storage.MessageQuery{After: msgs[5].ID, Before: msgs[10].ID, Limit: 2}))
		require.Empty(e, e.history(c, storage.MessageQuery{After: msgs[5].ID, Before: msgs[6].ID}))
		require.Empty(e, e.history(c, storage.MessageQuery{After: msgs[10].ID, Before: msgs[5].ID}))
	}},
	{"A direct conversation is the same from both sides and apart from every other", func(e *env) {
		alice, bob, carol := e.newUser("alice"), e.newUser("bob"), e.newUser("carol")
		r, _ := e.newRoom("lobby", alice)
		inRoom := e.say(r, alice, "hello room")
		ab := []storage.Message{e.dm(alice, bob, "hi bob"), e.dm(bob, alice, "hi alice")}
		ac := []storage.Message{e.dm(carol, alice, "hi alice, carol here")}
		ab = append(ab, e.dm(alice, bob, "how are you"))

		e.requireHistory(storage.DirectConversation(alice.ID, bob.ID), ab)
		e.requireHistory(storage.DirectConversation(bob.ID, alice.ID), ab)
		e.requireHistory(storage.DirectConversation(alice.ID, carol.ID), ac)
		e.requireHistory(storage.DirectConversation(bob.ID, carol.ID), nil)
		e.requireHistory(storage.RoomConversation(r.ID), []storage.Message{inRoom}, "direct messages stay out of rooms")
		for _, m := range ab {
			require.Equal(e, storage.DirectConversation(alice.ID, bob.ID), m.Conversation())
		}
	}},
	{"CountMessagesAfter counts newer messages of the conversation up to limit", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		other, _ := e.newRoom("other", alice)
		msgs := e.sayMany(r, alice, 10, func(i int) string { return fmt.Sprint(i) })
		e.say(other, alice, "elsewhere")
		e.dm(alice, bob, "direct")
		require.NoError(e, e.s.DeleteMessage(e.ctx(), msgs[5].ID))
		c := storage.RoomConversation(r.ID)
		for _, tc := range []struct {
			after storage.ID
			limit int
			want  int
		}{
			{storage.NilID, 0, 9},
			{storage.NilID, 100, 9},
			{storage.NilID, 4, 4},
			{msgs[2].ID, 0, 6},
			{msgs[2].ID, 3, 3},
			{msgs[5].ID, 0, 4}, // a deleted message is still a position
			{msgs[9].ID, 10, 0},
		} {
			n, err := e.s.CountMessagesAfter(e.ctx(), c, tc.after, tc.limit)
			require.NoError(e, err)
			require.Equal(e, tc.want, n, "after %s, limit %d", tc.after, tc.limit)
		}
		n, err := e.s.CountMessagesAfter(e.ctx(), storage.DirectConversation(bob.ID, alice.ID), storage.NilID, 0)
		require.NoError(e, err)
		require.Equal(e, 1, n)
		n, err = e.s.CountMessagesAfter(e.ctx(), storage.RoomConversation(e.ids.New()), storage.NilID, 0)
		require.NoError(e, err)
		require.Zero(e, n)
	}},
	{"EditMessage changes the text, sets Edited and changes what search finds", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "meet at the harbour at noon")
		c := storage.RoomConversation(r.ID)
		edited := time.Now().Add(time.Minute)
		got, err := e.s.EditMessage(e.ctx(), m.ID, "meet at the station at noon", edited)
		require.NoError(e, err)
		m.Text, m.Edited = "meet at the station at noon", edited
		same(e, m, got)
		got, err = e.s.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		same(e, m, got)
		e.requireHistory(c, []storage.Message{m})

		require.Empty(e, e.find("harbour", c), "the old word is gone")
		require.Equal(e, []storage.ID{m.ID}, e.find("station", c), "the new word is found")
		require.Equal(e, []storage.ID{m.ID}, e.find("meet noon", c), "the kept words are still found")

		_, err = e.s.EditMessage(e.ctx(), e.ids.New(), "x", edited)
		notFound(e, err)
	}},
	{"DeleteMessage removes it from history and search", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		c := storage.RoomConversation(r.ID)
		first := e.say(r, alice, "apples and pears")
		gone := e.say(r, alice, "apples and plums")
		last := e.say(r, alice, "only pears")
		require.NoError(e, e.s.DeleteMessage(e.ctx(), gone.ID))
		_, err := e.s.Message(e.ctx(), gone.ID)
		notFound(e, err)
		e.requireHistory(c, []storage.Message{first, last})
		require.Empty(e, e.find("plums", c))
		require.Equal(e, []storage.ID{first.ID}, e.find("apples", c))
		notFound(e, e.s.DeleteMessage(e.ctx(), gone.ID), "a second delete finds nothing")
		notFound(e, e.s.DeleteMessage(e.ctx(), e.ids.New()))
	}},
	{"Message of a missing id gives ErrNotFound", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "hello")
		_, err := e.s.Message(e.ctx(), e.ids.New())
		notFound(e, err)
		_, err = e.s.Message(e.ctx(), r.ID)
		notFound(e, err, "a room id names no message")
		_, err = e.s.Message(e.ctx(), m.ID)
		require.NoError(e, err)
	}},
	{"CreateMessage in a missing room or to a missing user gives ErrNotFound and writes nothing", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		deletedRoom, _ := e.newRoom("gone", alice)
		require.NoError(e, e.s.DeleteRoom(e.ctx(), deletedRoom.ID))
		nobody := e.ids.New()
		for name, m := range map[string]storage.Message{
			"missing room":      {Room: e.ids.New(), Sender: alice.ID},
			"deleted room":      {Room: deletedRoom.ID, Sender: alice.ID},
			"missing recipient": {Recipient: nobody, Sender: alice.ID},
			"missing sender":    {Recipient: bob.ID, Sender: nobody},
		} {
			m.ID, m.Text, m.Created = e.ids.New(), "lost words", time.Now()
			notFound(e, e.s.CreateMessage(e.ctx(), m), name)
			_, err := e.s.Message(e.ctx(), m.ID)
			notFound(e, err, name)
		}
		last, err := e.s.LastMessageID(e.ctx())
		require.NoError(e, err)
		require.Equal(e, storage.NilID, last)
		require.Empty(e, e.find("lost", storage.RoomConversation(deletedRoom.ID), storage.DirectConversation(alice.ID, nobody)))
		partners, err := e.s.DirectPartners(e.ctx(), bob.ID)
		require.NoError(e, err)
		require.Empty(e, partners)
		e.requireHistory(storage.RoomConversation(r.ID), nil)
	}},
	{"CreateMessage with a taken id gives ErrDuplicate and changes nothing", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		other, _ := e.newRoom("other", alice)
		m := e.say(r, alice, "first words")
		for _, room := range []storage.Room{r, other} {
			dup := storage.Message{ID: m.ID, Text: "second words", Sender: alice.ID, Room: room.ID}
			duplicate(e, e.s.CreateMessage(e.ctx(), dup))
		}
		got, err := e.s.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		same(e, m, got)
		e.requireHistory(storage.RoomConversation(other.ID), nil)
		require.Empty(e, e.find("second", storage.RoomConversation(r.ID), storage.RoomConversation(other.ID)))
	}},
	{"A ClientID is unique per sender and finds its message", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		other, _ := e.newRoom("other", alice)
		first := storage.Message{ID: e.ids.New(), Text: "once", Sender: alice.ID, Room: r.ID, ClientID: "tab1-0001", Created: time.Now()}
		require.NoError(e, e.s.CreateMessage(e.ctx(), first))
		got, err := e.s.MessageByClientID(e.ctx(), alice.ID, "tab1-0001")
		require.NoError(e, err)
		same(e, first, got)

		// The same sender again, in any conversation: refused, nothing added.
		for _, m := range []storage.Message{
			{ID: e.ids.New(), Text: "twice", Sender: alice.ID, Room: r.ID, ClientID: "tab1-0001"},
			{ID: e.ids.New(), Text: "twice", Sender: alice.ID, Room: other.ID, ClientID: "tab1-0001"},
			{ID: e.ids.New(), Text: "twice", Sender: alice.ID, Recipient: bob.ID, ClientID: "tab1-0001"},
		} {
			duplicate(e, e.s.CreateMessage(e.ctx(), m))
		}
		e.requireHistory(storage.RoomConversation(r.ID), []storage.Message{first})
		e.requireHistory(storage.RoomConversation(other.ID), nil)
		require.Empty(e, e.find("twice", storage.RoomConversation(r.ID), storage.RoomConversation(other.ID)))

		// Another sender, another id, or none at all: stored.
		theirs := storage.Message{ID: e.ids.New(), Text: "bob's", Sender: bob.ID, Room: r.ID, ClientID: "tab1-0001"}
		require.NoError(e, e.s.CreateMessage(e.ctx(), theirs))
		next := storage.Message{ID: e.ids.New(), Text: "next", Sender: alice.ID, Room: r.ID, ClientID: "TAB1-0001"}
		require.NoError(e, e.s.CreateMessage(e.ctx(), next), "client ids differ by case")
		plain := e.say(r, alice, "no client id")
		plain2 := e.say(r, alice, "none either")
		e.requireHistory(storage.RoomConversation(r.ID), []storage.Message{first, theirs, next, plain, plain2})
		got, err = e.s.MessageByClientID(e.ctx(), bob.ID, "tab1-0001")
		require.NoError(e, err)
		same(e, theirs, got)

		for _, c := range []struct {
			sender storage.ID
			id     string
		}{{alice.ID, "tab1-0002"}, {alice.ID, ""}, {e.ids.New(), "tab1-0001"}} {
			_, err := e.s.MessageByClientID(e.ctx(), c.sender, c.id)
			notFound(e, err, "client id %q", c.id)
		}
	}},
	{"A deleted message frees its ClientID, and so does its room's deletion", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		gone, _ := e.newRoom("gone", alice)
		m := storage.Message{ID: e.ids.New(), Text: "oops", Sender: alice.ID, Room: r.ID, ClientID: "c1"}
		require.NoError(e, e.s.CreateMessage(e.ctx(), m))
		require.NoError(e, e.s.DeleteMessage(e.ctx(), m.ID))
		_, err := e.s.MessageByClientID(e.ctx(), alice.ID, "c1")
		notFound(e, err)
		again := storage.Message{ID: e.ids.New(), Text: "again", Sender: alice.ID, Room: r.ID, ClientID: "c1"}
		require.NoError(e, e.s.CreateMessage(e.ctx(), again))

		inGone := storage.Message{ID: e.ids.New(), Text: "lost", Sender: alice.ID, Room: gone.ID, ClientID: "c2"}
		require.NoError(e, e.s.CreateMessage(e.ctx(), inGone))
		require.NoError(e, e.s.DeleteRoom(e.ctx(), gone.ID))
		_, err = e.s.MessageByClientID(e.ctx(), alice.ID, "c2")
		notFound(e, err)
		moved := storage.Message{ID: e.ids.New(), Text: "moved", Sender: alice.ID, Room: r.ID, ClientID: "c2"}
		require.NoError(e, e.s.CreateMessage(e.ctx(), moved))
		got, err := e.s.MessageByClientID(e.ctx(), alice.ID, "c2")
		require.NoError(e, err)
		same(e, moved, got)
	}},
	{"Concurrent posts with one ClientID store one message", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		const n = 16
		errs := Together(n, func(i int) error {
			return e.s.CreateMessage(e.ctx(), storage.Message{ID: e.ids.New(), Text: fmt.Sprint("try ", i), Sender: alice.ID, Room: r.ID, ClientID: "same"})
		})
		stored := 0
		for _, err := range errs {
			if err == nil {
				stored++
				continue
			}
			duplicate(e, err)
		}
		require.Equal(e, 1, stored)
		require.Len(e, e.history(storage.RoomConversation(r.ID), storage.MessageQuery{}), 1)
	}},
	{"DeleteRoom removes its messages, their search entries and its hooks", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		gone, _ := e.newRoom("gone", alice)
		kept, _ := e.newRoom("kept", alice)
		goneMsgs := e.sayMany(gone, alice, 30, func(i int) string { return fmt.Sprint("shared word ", i) })
		keptMsg := e.say(kept, alice, "shared word kept")
		direct := e.dm(alice, bob, "shared word direct")
		goneHook := e.newHook(gone, alice, "ci")
		keptHook := e.newHook(kept, alice, "ci")

		require.NoError(e, e.s.DeleteRoom(e.ctx(), gone.ID))
		for _, m := range goneMsgs {
			_, err := e.s.Message(e.ctx(), m.ID)
			notFound(e, err)
		}
		goneConv, keptConv := storage.RoomConversation(gone.ID), storage.RoomConversation(kept.ID)
		directConv := direct.Conversation()
		e.requireHistory(goneConv, nil)
		n, err := e.s.CountMessagesAfter(e.ctx(), goneConv, storage.NilID, 0)
		require.NoError(e, err)
		require.Zero(e, n)
		require.Empty(e, e.find("shared", goneConv))
		require.Equal(e, []storage.ID{direct.ID, keptMsg.ID}, e.find("shared word", goneConv, keptConv, directConv))
		e.requireHistory(keptConv, []storage.Message{keptMsg})

		_, err = e.s.Hook(e.ctx(), goneHook.ID)
		notFound(e, err)
		_, err = e.s.HookBySecret(e.ctx(), goneHook.SecretHash)
		notFound(e, err)
		hooks, err := e.s.Hooks(e.ctx(), gone.ID)
		require.NoError(e, err)
		require.Empty(e, hooks)
		hooks, err = e.s.Hooks(e.ctx(), kept.ID)
		require.NoError(e, err)
		sameList(e, []storage.Hook{keptHook}, hooks)
		reused := storage.Hook{ID: e.ids.New(), Room: kept.ID, Name: "again", SecretHash: goneHook.SecretHash}
		require.NoError(e, e.s.CreateHook(e.ctx(), reused), "the deleted hook's secret is free")
	}},
	{"DeleteUser keeps the user's messages", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		inRoom := e.say(r, bob, "bye all")
		direct := e.dm(bob, alice, "bye alice")
		require.NoError(e, e.s.DeleteUser(e.ctx(), bob.ID))
		e.requireHistory(storage.RoomConversation(r.ID), []storage.Message{inRoom})
		e.requireHistory(direct.Conversation(), []storage.Message{direct})
		require.Equal(e, []storage.ID{direct.ID, inRoom.ID}, e.find("bye", inRoom.Conversation(), direct.Conversation()))
	}},
	{"LastMessageID is the greatest message id stored", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		last, err := e.s.LastMessageID(e.ctx())
		require.NoError(e, err)
		require.Equal(e, storage.NilID, last, "NilID when there are no messages")
		r, _ := e.newRoom("lobby", alice)
		older := storage.Message{ID: e.ids.New(), Text: "c", Sender: alice.ID, Room: r.ID}
		a := e.say(r, alice, "a")
		b := e.dm(alice, bob, "b")
		// A message with an older id stored later does not count as last.
		require.NoError(e, e.s.CreateMessage(e.ctx(), older))
		last, err = e.s.LastMessageID(e.ctx())
		require.NoError(e, err)
		require.Equal(e, b.ID, last)
		require.NoError(e, e.s.DeleteMessage(e.ctx(), b.ID))
		last, err = e.s.LastMessageID(e.ctx())
		require.NoError(e, err)
		require.Equal(e, a.ID, last)
	}},
	{"DirectPartners lists each partner once, from both sides", func(e *env) {
		alice, bob, carol, dave := e.newUser("alice"), e.newUser("bob"), e.newUser("carol"), e.newUser("dave")
		r, _ := e.newRoom("lobby", alice)
		e.join(r, dave)
		e.say(r, dave, "room messages make no partners")
		toBob := e.dm(alice, bob, "hi")
		e.dm(bob, alice, "hi back")
		e.dm(carol, alice, "hello")
		partners := func(u storage.User) []storage.ID {
			list, err := e.s.DirectPartners(e.ctx(), u.ID)
			require.NoError(e, err)
			slices.SortFunc(list, compareIDs)
			return list
		}
		require.Equal(e, []storage.ID{bob.ID, carol.ID}, partners(alice))
		require.Equal(e, []storage.ID{alice.ID}, partners(bob))
		require.Equal(e, []storage.ID{alice.ID}, partners(carol))
		require.Empty(e, partners(dave))
		require.NoError(e, e.s.DeleteMessage(e.ctx(), toBob.ID))
		require.Equal(e, []storage.ID{alice.ID}, partners(bob), "partners stay when messages go")
	}},
	{"SetReadMarker moves forward and never backwards", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		m := e.join(r, bob)
		msgs := e.sayMany(r, alice, 3, func(i int) string { return fmt.Sprint(i) })
		for _, step := range []struct {
			to, want storage.ID
		}{
			{msgs[1].ID, msgs[1].ID},
			{msgs[0].ID, msgs[1].ID},
			{msgs[1].ID, msgs[1].ID},
			{storage.NilID, msgs[1].ID},
			{msgs[2].ID, msgs[2].ID},
		} {
			got, err := e.s.SetReadMarker(e.ctx(), m.ID, step.to)
			require.NoError(e, err)
			m.LastRead = step.want
			same(e, m, got, "set to %s", step.to)
			got, err = e.s.Member(e.ctx(), m.ID)
			require.NoError(e, err)
			same(e, m, got)
		}
		_, err := e.s.SetReadMarker(e.ctx(), e.ids.New(), msgs[0].ID)
		notFound(e, err)
	}},
}
