package storagetest

import (
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// newGroup stores the group conversation of users, each a member.
func (e *env) newGroup(users ...storage.User) (storage.Room, error) {
	ids := make([]storage.ID, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	r := storage.Room{ID: e.ids.New(), Group: storage.SortedGroup(ids), Created: time.Now()}
	members := make([]storage.Member, len(users))
	for i, u := range users {
		members[i] = storage.Member{ID: e.ids.New(), Profile: u.ID, Role: storage.RoleMember, Created: time.Now()}
	}
	return r, e.s.CreateGroup(e.ctx(), r, members)
}

func (e *env) memberCount() int {
	e.Helper()
	n, err := e.s.Counts(e.ctx())
	require.NoError(e, err)
	return n[storage.CollMembers]
}

var groupScenarios = []scenario{
	{"A set of users has one group conversation, found in any order", func(e *env) {
		alice, bob, carol, dan := e.newUser("alice"), e.newUser("bob"), e.newUser("carol"), e.newUser("dan")
		g, err := e.newGroup(carol, alice, bob)
		require.NoError(e, err)
		got, err := e.s.GroupRoom(e.ctx(), []storage.ID{bob.ID, carol.ID, alice.ID})
		require.NoError(e, err)
		require.Equal(e, g.ID, got.ID)
		require.Equal(e, g.Group, got.Group)
		require.Empty(e, got.Name)
		require.Len(e, got.Members, 3)
		for _, u := range []storage.User{alice, bob, carol} {
			m, err := e.s.MemberOf(e.ctx(), g.ID, u.ID)
			require.NoError(e, err, u.Username)
			require.Equal(e, storage.RoleMember, m.Role)
		}

		members := e.memberCount()
		_, err = e.newGroup(bob, alice, carol)
		require.ErrorIs(e, err, storage.ErrDuplicate, "the same set again")
		require.Equal(e, members, e.memberCount(), "nothing written")
		other, err := e.newGroup(alice, bob, carol, dan)
		require.NoError(e, err, "another set is another conversation")
		require.NotEqual(e, g.ID, other.ID)
		_, err = e.s.GroupRoom(e.ctx(), []storage.ID{alice.ID, bob.ID})
		require.ErrorIs(e, err, storage.ErrNotFound)

		// It works as a room: messages, and deleting it frees the set.
		m := storage.Message{ID: e.ids.New(), Text: "hi all", Sender: alice.ID, Room: g.ID, Created: time.Now()}
		require.NoError(e, e.s.CreateMessage(e.ctx(), m))
		require.Len(e, e.history(storage.RoomConversation(g.ID), storage.MessageQuery{}), 1)
		require.NoError(e, e.s.DeleteRoom(e.ctx(), g.ID))
		_, err = e.s.GroupRoom(e.ctx(), g.Group)
		require.ErrorIs(e, err, storage.ErrNotFound)
		_, err = e.newGroup(alice, bob, carol)
		require.NoError(e, err, "the set may have one again")
	}},
	{"A group of too few, too many or repeated users is refused and writes nothing", func(e *env) {
		users := make([]storage.User, 9)
		for i := range users {
			users[i] = e.newUser(string(rune('a'+i)) + "user")
		}
		members := e.memberCount()
		for name, us := range map[string][]storage.User{
			"two":      users[:2],
			"nine":     users,
			"repeated": {users[0], users[1], users[1]},
		} {
			_, err := e.newGroup(us...)
			require.Error(e, err, name)
		}
		unsorted := storage.Room{ID: e.ids.New(), Group: []storage.ID{users[2].ID, users[1].ID, users[0].ID}, Created: time.Now()}
		require.Error(e, e.s.CreateGroup(e.ctx(), unsorted, nil))
		require.Equal(e, members, e.memberCount())
	}},
	{"Group conversations go through Export and Import", func(e *env) {
		alice, bob, carol := e.newUser("alice"), e.newUser("bob"), e.newUser("carol")
		g, err := e.newGroup(alice, bob, carol)
		require.NoError(e, err)
		dst := e.open(e.T)
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		e.s = dst
		got, err := e.s.GroupRoom(e.ctx(), g.Group)
		require.NoError(e, err)
		require.Equal(e, g.ID, got.ID)
		require.Len(e, got.Members, 3)
		_, err = e.newGroup(carol, bob, alice)
		require.ErrorIs(e, err, storage.ErrDuplicate, "still one per set")
	}},
}
