package storagetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// react adds u's reaction with emoji to m and returns the message as the
// store answers it, requiring that it was added.
func (e *env) react(m storage.Message, u storage.User, emoji string) storage.Message {
	e.Helper()
	got, added, err := e.s.AddReaction(e.ctx(), m.ID, reaction(u, emoji))
	require.NoError(e, err)
	require.True(e, added, "%s's %s was added", u.Username, emoji)
	return got
}

// reaction is u's reaction with emoji, made now.
func reaction(u storage.User, emoji string) storage.Reaction {
	return storage.Reaction{Emoji: emoji, User: u.ID, Username: u.Username, At: time.Now()}
}

// emojiOf lists the emoji of reactions in order, with their users'
// names: "👍 alice".
func emojiOf(rs []storage.Reaction) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Emoji + " " + r.Username
	}
	return out
}

// stored reads a message back, failing the test if it is not there.
func (e *env) stored(id storage.ID) storage.Message {
	e.Helper()
	m, err := e.s.Message(e.ctx(), id)
	require.NoError(e, err)
	return m
}

// manyEmoji are n different strings the store takes as emoji (it does
// not check what an emoji is).
func manyEmoji(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune(0x1F600 + i))
	}
	return out
}

var reactionScenarios = []scenario{
	{"Reactions are kept in the order they were made, once per user and emoji, and removed one by one", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "ship it?")
		want := m
		want.Reactions = []storage.Reaction{reaction(alice, "👍")}
		got, added, err := e.s.AddReaction(e.ctx(), m.ID, want.Reactions[0])
		require.NoError(e, err)
		require.True(e, added)
		same(e, want, got)
		e.react(m, bob, "🎉")
		e.react(m, bob, "👍")
		got = e.react(m, alice, "👨‍👩‍👧‍👦")
		order := []string{"👍 alice", "🎉 bob", "👍 bob", "👨‍👩‍👧‍👦 alice"}
		require.Equal(e, order, emojiOf(got.Reactions))
		require.Equal(e, order, emojiOf(e.stored(m.ID).Reactions))
		hist := e.history(storage.RoomConversation(r.ID), storage.MessageQuery{})
		require.Equal(e, order, emojiOf(hist[0].Reactions), "history shows them")

		// Again: nothing changes, and the answer is the message as it is.
		again, added, err := e.s.AddReaction(e.ctx(), m.ID, reaction(alice, "👍"))
		require.NoError(e, err)
		require.False(e, added)
		same(e, e.stored(m.ID), again)
		require.Equal(e, order, emojiOf(again.Reactions))

		// The others keep their order.
		got, removed, err := e.s.RemoveReaction(e.ctx(), m.ID, "👍", alice.ID)
		require.NoError(e, err)
		require.True(e, removed)
		order = []string{"🎉 bob", "👍 bob", "👨‍👩‍👧‍👦 alice"}
		require.Equal(e, order, emojiOf(got.Reactions))
		require.Equal(e, order, emojiOf(e.stored(m.ID).Reactions))
		got, removed, err = e.s.RemoveReaction(e.ctx(), m.ID, "👍", alice.ID)
		require.NoError(e, err)
		require.False(e, removed, "a reaction that is not there is not removed")
		require.Equal(e, order, emojiOf(got.Reactions))
		_, removed, err = e.s.RemoveReaction(e.ctx(), m.ID, "🎉", alice.ID)
		require.NoError(e, err)
		require.False(e, removed, "bob's 🎉 is not alice's")

		// Adding it again puts it at the end; editing keeps them all,
		// and the text is still found by its words.
		e.react(m, alice, "👍")
		edited, err := e.s.EditMessage(e.ctx(), m.ID, "shipped", time.Now())
		require.NoError(e, err)
		order = []string{"🎉 bob", "👍 bob", "👨‍👩‍👧‍👦 alice", "👍 alice"}
		require.Equal(e, order, emojiOf(edited.Reactions))
		require.Equal(e, order, emojiOf(e.stored(m.ID).Reactions))
		require.Len(e, e.find("shipped", storage.RoomConversation(r.ID)), 1)

		for _, x := range []struct {
			emoji string
			user  storage.User
		}{{"🎉", bob}, {"👍", bob}, {"👨‍👩‍👧‍👦", alice}, {"👍", alice}} {
			_, removed, err := e.s.RemoveReaction(e.ctx(), m.ID, x.emoji, x.user.ID)
			require.NoError(e, err)
			require.True(e, removed)
		}
		require.Empty(e, e.stored(m.ID).Reactions)
	}},
	{"Reactions on a direct message, with the username of the moment, outlive their user", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		m := e.dm(alice, bob, "hi")
		e.react(m, bob, "👋")
		require.NoError(e, e.s.DeleteUser(e.ctx(), bob.ID))
		got := e.stored(m.ID)
		require.Equal(e, []string{"👋 bob"}, emojiOf(got.Reactions))
		require.Equal(e, bob.ID, got.Reactions[0].User)
	}},
	{"The limits are kept and a refused reaction writes nothing", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "vote")
		emoji := manyEmoji(storage.MaxReactionEmoji + 1)
		for _, x := range emoji[:storage.MaxUserReactions] {
			e.react(m, alice, x)
		}
		before := e.stored(m.ID)
		_, _, err := e.s.AddReaction(e.ctx(), m.ID, reaction(alice, emoji[storage.MaxUserReactions]))
		require.ErrorIs(e, err, storage.ErrTooManyReactions)
		_, added, err := e.s.AddReaction(e.ctx(), m.ID, reaction(alice, emoji[0]))
		require.NoError(e, err, "one already made is not one more")
		require.False(e, added)
		same(e, before, e.stored(m.ID))

		for _, x := range emoji[storage.MaxUserReactions:storage.MaxReactionEmoji] {
			e.react(m, bob, x)
		}
		carol := e.newUser("carol")
		before = e.stored(m.ID)
		_, _, err = e.s.AddReaction(e.ctx(), m.ID, reaction(carol, emoji[storage.MaxReactionEmoji]))
		require.ErrorIs(e, err, storage.ErrTooManyEmoji)
		same(e, before, e.stored(m.ID))
		e.react(m, carol, emoji[0]) // an emoji the message has is no new one

		// A message with MaxReactions takes no more, made as a restore
		// would bring it.
		full := storage.Message{ID: e.ids.New(), Text: "popular", Sender: alice.ID, Room: r.ID, Created: time.Now()}
		for i := range storage.MaxReactions {
			u := storage.User{ID: e.ids.New(), Username: fmt.Sprintf("u%d", i)}
			full.Reactions = append(full.Reactions, reaction(u, emoji[i%storage.MaxReactionEmoji]))
		}
		require.NoError(e, e.s.CreateMessage(e.ctx(), full))
		_, _, err = e.s.AddReaction(e.ctx(), full.ID, reaction(carol, emoji[0]))
		require.ErrorIs(e, err, storage.ErrReactionsFull)
		same(e, full, e.stored(full.ID))
	}},
	{"Fifty users reacting at once are all counted, and all their removals too", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "lunch?")
		users := make([]storage.User, 50)
		for i := range users {
			users[i] = e.newUser(fmt.Sprintf("user%02d", i))
		}
		// Even users take 👍, odd ones 🍕.
		emoji := func(i int) string { return []string{"👍", "🍕"}[i%2] }
		require.NoError(e, errors.Join(Together(len(users), func(i int) error {
			_, added, err := e.s.AddReaction(e.ctx(), m.ID, reaction(users[i], emoji(i)))
			if err == nil && !added {
				err = fmt.Errorf("%s's %s was not added", users[i].Username, emoji(i))
			}
			return err
		})...))
		got := e.stored(m.ID)
		require.Len(e, got.Reactions, len(users))
		count := map[string]int{}
		for _, x := range got.Reactions {
			count[x.Emoji+" "+x.Username]++
		}
		for i, u := range users {
			require.Equal(e, 1, count[emoji(i)+" "+u.Username], "%s %s", emoji(i), u.Username)
		}
		require.NoError(e, errors.Join(Together(len(users), func(i int) error {
			_, removed, err := e.s.RemoveReaction(e.ctx(), m.ID, "👍", users[i].ID)
			if err == nil && removed != (i%2 == 0) {
				err = fmt.Errorf("%s's 👍: removed is %v", users[i].Username, removed)
			}
			return err
		})...))
		got = e.stored(m.ID)
		require.Len(e, got.Reactions, len(users)/2)
		for _, x := range got.Reactions {
			require.Equal(e, "🍕", x.Emoji)
		}
	}},
	{"Racing for the last free emoji, exactly one new emoji gets in", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "pick one")
		emoji := manyEmoji(storage.MaxReactionEmoji + 9)
		for i, x := range emoji[:storage.MaxReactionEmoji-1] {
			e.react(m, e.newUser(fmt.Sprintf("early%02d", i)), x)
		}
		late := emoji[storage.MaxReactionEmoji-1:]
		users := make([]storage.User, len(late))
		for i := range users {
			users[i] = e.newUser(fmt.Sprintf("late%d", i))
		}
		errs := Together(len(late), func(i int) error {
			_, _, err := e.s.AddReaction(e.ctx(), m.ID, reaction(users[i], late[i]))
			return err
		})
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				continue
			}
			require.ErrorIs(e, err, storage.ErrTooManyEmoji, "late%d", i)
		}
		require.Equal(e, 1, won)
		distinct := map[string]bool{}
		for _, x := range e.stored(m.ID).Reactions {
			distinct[x.Emoji] = true
		}
		require.Len(e, distinct, storage.MaxReactionEmoji)
	}},
	{"A missing or deleted message has no reactions to change", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		_, _, err := e.s.AddReaction(e.ctx(), e.ids.New(), reaction(alice, "👍"))
		notFound(e, err)
		_, _, err = e.s.RemoveReaction(e.ctx(), e.ids.New(), "👍", alice.ID)
		notFound(e, err)

		m := e.say(r, alice, "soon gone")
		e.react(m, alice, "👍")
		require.NoError(e, e.s.DeleteMessage(e.ctx(), m.ID))
		_, _, err = e.s.AddReaction(e.ctx(), m.ID, reaction(alice, "🎉"))
		notFound(e, err)
		_, _, err = e.s.RemoveReaction(e.ctx(), m.ID, "👍", alice.ID)
		notFound(e, err)

		// A message of a deleted room, and a message restored with the
		// id of a deleted one: no reaction of before comes back.
		n := e.say(r, alice, "room goes")
		e.react(n, alice, "👍")
		require.NoError(e, e.s.DeleteRoom(e.ctx(), r.ID))
		_, _, err = e.s.AddReaction(e.ctx(), n.ID, reaction(alice, "🎉"))
		notFound(e, err)
		r2, _ := e.newRoom("lobby again", alice)
		m.Room = r2.ID
		require.NoError(e, e.s.CreateMessage(e.ctx(), m))
		require.Empty(e, e.stored(m.ID).Reactions)
		got := e.react(m, alice, "🎉")
		require.Equal(e, []string{"🎉 alice"}, emojiOf(got.Reactions))
	}},
	{"Export and import carry reactions, which change on from there", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "ship it?")
		e.react(m, bob, "👍")
		e.react(m, alice, "🇫🇷")
		_, _, err := e.s.RemoveReaction(e.ctx(), m.ID, "👍", bob.ID)
		require.NoError(e, err)
		e.react(m, bob, "1️⃣")
		want := e.stored(m.ID)
		require.Equal(e, []string{"🇫🇷 alice", "1️⃣ bob"}, emojiOf(want.Reactions))

		dst := e.open(e.T)
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		got, err := dst.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		same(e, want, got)
		got, added, err := dst.AddReaction(e.ctx(), m.ID, reaction(bob, "👍"))
		require.NoError(e, err)
		require.True(e, added)
		require.Equal(e, []string{"🇫🇷 alice", "1️⃣ bob", "👍 bob"}, emojiOf(got.Reactions))
		got, removed, err := dst.RemoveReaction(e.ctx(), m.ID, "🇫🇷", alice.ID)
		require.NoError(e, err)
		require.True(e, removed)
		require.Equal(e, []string{"1️⃣ bob", "👍 bob"}, emojiOf(got.Reactions))

		require.NoError(e, dst.Clear(e.ctx()))
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		got, err = dst.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		same(e, want, got, "a restore after Clear has the backup's reactions, not those of before")
		got = e.reactIn(dst, m, alice, "🎉")
		require.Equal(e, []string{"🇫🇷 alice", "1️⃣ bob", "🎉 alice"}, emojiOf(got.Reactions))
	}},
	{"Emoji and usernames are kept byte for byte", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		m := e.say(r, alice, "odd")
		odd := []string{"a\x00b", `{"$ne": null}`, "reactions.$", "<b>", "\u202e👍"}
		for _, x := range odd {
			e.react(m, alice, x)
		}
		got := e.stored(m.ID)
		for i, x := range odd {
			require.Equal(e, x, got.Reactions[i].Emoji)
		}
		_, removed, err := e.s.RemoveReaction(e.ctx(), m.ID, `{"$ne": null}`, alice.ID)
		require.NoError(e, err)
		require.True(e, removed)
		require.Len(e, e.stored(m.ID).Reactions, len(odd)-1)

		// Invalid UTF-8 is kept as every store keeps strings, and is the
		// same reaction the next time.
		got = e.react(m, alice, "x\xffy")
		require.Equal(e, "x\ufffdy", got.Reactions[len(got.Reactions)-1].Emoji)
		_, added, err := e.s.AddReaction(e.ctx(), m.ID, reaction(alice, "x\xffy"))
		require.NoError(e, err)
		require.False(e, added)
		_, removed, err = e.s.RemoveReaction(e.ctx(), m.ID, "x\xffy", alice.ID)
		require.NoError(e, err)
		require.True(e, removed)
	}},
}

// reactIn is react on another store.
func (e *env) reactIn(s storage.Store, m storage.Message, u storage.User, emoji string) storage.Message {
	e.Helper()
	got, added, err := s.AddReaction(e.ctx(), m.ID, reaction(u, emoji))
	require.NoError(e, err)
	require.True(e, added)
	return got
}
