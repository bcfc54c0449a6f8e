package storagetest

import (
	"errors"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// changeRead applies c to k's ReadState, giving it a new id and the time.
func (e *env) changeRead(k storage.ReadKey, c storage.ReadChange) storage.ReadState {
	e.Helper()
	c.NewID, c.At = e.ids.New(), time.Now()
	r, err := e.s.ChangeReadState(e.ctx(), k, c)
	require.NoError(e, err)
	return r
}

// readStates lists u's ReadStates by what they name.
func (e *env) readStates(u storage.User) map[storage.ReadKey]storage.ReadState {
	e.Helper()
	rs, err := e.s.ReadStates(e.ctx(), u.ID)
	require.NoError(e, err)
	out := map[storage.ReadKey]storage.ReadState{}
	for _, r := range rs {
		out[r.Key()] = r
	}
	return out
}

var readStateScenarios = []scenario{
	{"A read state is made on its first change, moves only forward, and an automatic follow never undoes an unfollow", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		root := e.say(r, alice, "root")
		a, b := e.reply(root, bob, "one", false), e.reply(root, bob, "two", false)
		k := storage.ReadKey{User: alice.ID, Thread: root.ID}

		got := e.changeRead(k, storage.ReadChange{Follow: ptr(true), OnlyIfNew: true})
		require.True(e, got.Following)
		require.True(e, got.LastRead.IsZero())
		first := got.ID
		got = e.changeRead(k, storage.ReadChange{LastRead: b.ID})
		require.Equal(e, b.ID, got.LastRead)
		require.True(e, got.Following, "a read leaves following as it is")
		got = e.changeRead(k, storage.ReadChange{LastRead: a.ID})
		require.Equal(e, b.ID, got.LastRead, "never back")
		require.Equal(e, first, got.ID, "one per user and thread")

		// A read state made by a read alone leaves an automatic follow
		// free to apply.
		other := storage.ReadKey{User: bob.ID, Thread: root.ID}
		require.False(e, e.changeRead(other, storage.ReadChange{LastRead: a.ID}).Following)
		require.True(e, e.changeRead(other, storage.ReadChange{Follow: ptr(true), OnlyIfNew: true}).Following)

		got = e.changeRead(k, storage.ReadChange{Follow: ptr(false)})
		require.False(e, got.Following)
		got = e.changeRead(k, storage.ReadChange{Follow: ptr(true), OnlyIfNew: true})
		require.False(e, got.Following, "an automatic follow does not undo the user's unfollow")

		dk := storage.ReadKey{User: alice.ID, Peer: bob.ID}
		d := e.changeRead(dk, storage.ReadChange{LastRead: a.ID})
		require.False(e, d.Following)
		states := e.readStates(alice)
		require.Len(e, states, 2)
		require.Equal(e, b.ID, states[k].LastRead)
		require.Equal(e, a.ID, states[dk].LastRead)
		require.Len(e, e.readStates(bob), 1, "bob's own, made above")

		n, err := e.s.CountReplies(e.ctx(), storage.RoomConversation(r.ID), root.ID, a.ID, 0)
		require.NoError(e, err)
		require.Equal(e, 1, n)
		n, err = e.s.CountReplies(e.ctx(), storage.RoomConversation(r.ID), root.ID, storage.NilID, 1)
		require.NoError(e, err)
		require.Equal(e, 1, n, "stops at the limit")

		require.NoError(e, e.s.DeleteUser(e.ctx(), alice.ID))
		require.Empty(e, e.readStates(alice), "a deleted user's read states go with it")
	}},
	{"A read state needs an existing user and exactly one of thread and peer", func(e *env) {
		alice := e.newUser("alice")
		for name, k := range map[string]storage.ReadKey{
			"neither": {User: alice.ID},
			"both":    {User: alice.ID, Thread: e.ids.New(), Peer: e.ids.New()},
			"no user": {Thread: e.ids.New()},
		} {
			_, err := e.s.ChangeReadState(e.ctx(), k, storage.ReadChange{NewID: e.ids.New(), At: time.Now()})
			require.Error(e, err, name)
		}
		_, err := e.s.ChangeReadState(e.ctx(), storage.ReadKey{User: e.ids.New(), Peer: alice.ID}, storage.ReadChange{NewID: e.ids.New(), At: time.Now()})
		require.ErrorIs(e, err, storage.ErrNotFound)
		require.Empty(e, e.readStates(alice))
	}},
	{"Many changes of one read state at once make one, at the newest marker", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		msgs := e.sayMany(r, alice, 20, func(int) string { return "m" })
		k := storage.ReadKey{User: alice.ID, Thread: msgs[0].ID}
		require.NoError(e, errors.Join(Together(len(msgs), func(i int) error {
			_, err := e.s.ChangeReadState(e.ctx(), k, storage.ReadChange{LastRead: msgs[i].ID, Follow: ptr(true), OnlyIfNew: true, NewID: e.ids.New(), At: time.Now()})
			return err
		})...))
		states := e.readStates(alice)
		require.Len(e, states, 1)
		require.Equal(e, msgs[len(msgs)-1].ID, states[k].LastRead)
		require.True(e, states[k].Following)
	}},
	{"Read states go through Export and Import", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		e.changeRead(storage.ReadKey{User: alice.ID, Peer: bob.ID}, storage.ReadChange{LastRead: e.ids.New()})
		e.changeRead(storage.ReadKey{User: bob.ID, Thread: e.ids.New()}, storage.ReadChange{Follow: ptr(true)})
		want := []map[storage.ReadKey]storage.ReadState{e.readStates(alice), e.readStates(bob)}
		dst := e.open(e.T)
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		e.s = dst
		got := []map[storage.ReadKey]storage.ReadState{e.readStates(alice), e.readStates(bob)}
		for i := range want {
			require.Len(e, got[i], len(want[i]))
			for k, r := range want[i] {
				require.Equal(e, r.ID, got[i][k].ID)
				require.Equal(e, r.LastRead, got[i][k].LastRead)
				require.Equal(e, r.Following, got[i][k].Following)
				require.WithinDuration(e, r.Updated, got[i][k].Updated, time.Millisecond)
			}
		}
	}},
	{"Notification levels are kept for members and direct conversations, and a thread's followers are listed", func(e *env) {
		alice, bob, carol := e.newUser("alice"), e.newUser("bob"), e.newUser("carol")
		r, m := e.newRoom("lobby", alice)
		until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
		got, err := e.s.SetMemberNotify(e.ctx(), m.ID, storage.NotifyMentions, until)
		require.NoError(e, err)
		require.Equal(e, storage.NotifyMentions, got.Notify)
		stored, err := e.s.MemberOf(e.ctx(), r.ID, alice.ID)
		require.NoError(e, err)
		require.Equal(e, storage.NotifyMentions, stored.Notify)
		require.True(e, until.Equal(stored.MutedUntil), "%v %v", until, stored.MutedUntil)
		_, err = e.s.SetMemberNotify(e.ctx(), e.ids.New(), storage.NotifyAll, time.Time{})
		require.ErrorIs(e, err, storage.ErrNotFound)

		none := storage.NotifyNone
		d := e.changeRead(storage.ReadKey{User: alice.ID, Peer: bob.ID}, storage.ReadChange{Notify: &none, MutedUntil: &until})
		require.Equal(e, storage.NotifyNone, d.Notify)
		d = e.changeRead(storage.ReadKey{User: alice.ID, Peer: bob.ID}, storage.ReadChange{LastRead: e.ids.New()})
		require.Equal(e, storage.NotifyNone, d.Notify, "a read keeps the level")
		require.True(e, until.Equal(d.MutedUntil))

		root := e.say(r, alice, "root")
		e.changeRead(storage.ReadKey{User: alice.ID, Thread: root.ID}, storage.ReadChange{Follow: ptr(true)})
		e.changeRead(storage.ReadKey{User: bob.ID, Thread: root.ID}, storage.ReadChange{Follow: ptr(true)})
		e.changeRead(storage.ReadKey{User: carol.ID, Thread: root.ID}, storage.ReadChange{Follow: ptr(false)})
		e.changeRead(storage.ReadKey{User: carol.ID, Thread: e.ids.New()}, storage.ReadChange{Follow: ptr(true)})
		followers, err := e.s.ThreadFollowers(e.ctx(), root.ID)
		require.NoError(e, err)
		require.ElementsMatch(e, []storage.ID{alice.ID, bob.ID}, followers)
		require.NoError(e, e.s.DeleteUser(e.ctx(), bob.ID))
		followers, err = e.s.ThreadFollowers(e.ctx(), root.ID)
		require.NoError(e, err)
		require.Equal(e, []storage.ID{alice.ID}, followers)
	}},
}
