package storagetest

import (
	"slices"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// requireRoom requires the stored room to equal want.
func requireRoom(e *env, want storage.Room) {
	e.Helper()
	got, err := e.s.Room(e.ctx(), want.ID)
	require.NoError(e, err)
	same(e, want, got)
}

var roomScenarios = []scenario{
	{"CreateRoom stores the room with its owner as first member", func(e *env) {
		alice := e.newUser("alice")
		r := storage.Room{ID: e.ids.New(), Name: "Lobby", IsOpen: true, Topic: "Say hello 👋", Created: time.Now()}
		owner := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: alice.ID, Role: storage.RoleOwner, Created: time.Now()}
		require.NoError(e, e.s.CreateRoom(e.ctx(), r, owner))
		r.Members = []storage.ID{owner.ID}
		requireRoom(e, r)

		got, err := e.s.Member(e.ctx(), owner.ID)
		require.NoError(e, err)
		same(e, owner, got)
		got, err = e.s.MemberOf(e.ctx(), r.ID, alice.ID)
		require.NoError(e, err)
		same(e, owner, got)
		list, err := e.s.Members(e.ctx(), r.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{owner}, list)
		list, err = e.s.MembershipsOf(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{owner}, list)
	}},
	{"CreateRoom sets Members itself, ignoring what it is given", func(e *env) {
		alice := e.newUser("alice")
		r := storage.Room{ID: e.ids.New(), Name: "lobby", Members: []storage.ID{e.ids.New(), e.ids.New()}}
		owner := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: alice.ID, Role: storage.RoleOwner}
		require.NoError(e, e.s.CreateRoom(e.ctx(), r, owner))
		r.Members = []storage.ID{owner.ID}
		requireRoom(e, r)
	}},
	{"CreateRoom with the zero Member creates a room without members", func(e *env) {
		r := storage.Room{ID: e.ids.New(), Name: "empty", Created: time.Now()}
		require.NoError(e, e.s.CreateRoom(e.ctx(), r, storage.Member{}))
		requireRoom(e, r)
		list, err := e.s.Members(e.ctx(), r.ID)
		require.NoError(e, err)
		require.Empty(e, list)
	}},
	{"CreateRoom with a taken name gives ErrDuplicate, ignoring case, and writes nothing", func(e *env) {
		alice := e.newUser("alice")
		first, owner := e.newRoom("Lobby", alice)
		r := storage.Room{ID: e.ids.New(), Name: "LOBBY"}
		m := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: alice.ID, Role: storage.RoleOwner}
		duplicate(e, e.s.CreateRoom(e.ctx(), r, m))
		_, err := e.s.Room(e.ctx(), r.ID)
		notFound(e, err)
		_, err = e.s.Member(e.ctx(), m.ID)
		notFound(e, err, "the failed room's owner must not exist")
		rooms, err := e.s.Rooms(e.ctx())
		require.NoError(e, err)
		sameList(e, []storage.Room{first}, rooms)
		list, err := e.s.MembershipsOf(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{owner}, list)
	}},
	{"CreateRoom with a taken id gives ErrDuplicate", func(e *env) {
		first, _ := e.newRoom("lobby", e.newUser("alice"))
		duplicate(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: first.ID, Name: "other"}, storage.Member{}))
		requireRoom(e, first)
		r := storage.Room{ID: e.ids.New(), Name: "other"}
		require.NoError(e, e.s.CreateRoom(e.ctx(), r, storage.Member{}), "the failed room's name is free")
	}},
	{"Room of a missing room gives ErrNotFound", func(e *env) {
		e.newRoom("lobby", e.newUser("alice"))
		_, err := e.s.Room(e.ctx(), e.ids.New())
		notFound(e, err)
	}},
	{"Rooms lists every room in id order", func(e *env) {
		rooms, err := e.s.Rooms(e.ctx())
		require.NoError(e, err)
		require.Empty(e, rooms)
		want := make([]storage.Room, 4)
		for i := range want {
			want[i] = storage.Room{ID: e.ids.New(), Name: string(rune('a' + i)), Created: time.Now()}
		}
		for _, r := range slices.Backward(want) {
			require.NoError(e, e.s.CreateRoom(e.ctx(), r, storage.Member{}))
		}
		rooms, err = e.s.Rooms(e.ctx())
		require.NoError(e, err)
		sameList(e, want, rooms)
	}},
	{"UpdateRoom changes only the patched fields", func(e *env) {
		r, _ := e.newRoom("lobby", e.newUser("alice"))
		got, err := e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{})
		require.NoError(e, err)
		same(e, r, got, "an empty patch changes nothing")
		got, err = e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{IsOpen: ptr(false)})
		require.NoError(e, err)
		r.IsOpen = false
		same(e, r, got)
		got, err = e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{Name: ptr("hall"), IsVisible: ptr(false)})
		require.NoError(e, err)
		r.Name, r.IsVisible = "hall", false
		same(e, r, got)
		got, err = e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{Topic: ptr("Plans for the week")})
		require.NoError(e, err)
		r.Topic = "Plans for the week"
		same(e, r, got)
		requireRoom(e, r)
		got, err = e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{Topic: ptr("")})
		require.NoError(e, err)
		r.Topic = ""
		same(e, r, got, "an empty topic clears it")
		requireRoom(e, r)
	}},
	{"UpdateRoom of a missing room gives ErrNotFound", func(e *env) {
		_, err := e.s.UpdateRoom(e.ctx(), e.ids.New(), storage.RoomPatch{IsOpen: ptr(true)})
		notFound(e, err)
	}},
	{"Renaming a room frees the old name and takes the new one", func(e *env) {
		r, _ := e.newRoom("lobby", e.newUser("alice"))
		_, err := e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{Name: ptr("Hall")})
		require.NoError(e, err)
		duplicate(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: e.ids.New(), Name: "hall"}, storage.Member{}))
		require.NoError(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: e.ids.New(), Name: "Lobby"}, storage.Member{}))
	}},
	{"UpdateRoom to a taken name gives ErrDuplicate and changes nothing", func(e *env) {
		alice := e.newUser("alice")
		e.newRoom("lobby", alice)
		r, _ := e.newRoom("hall", alice)
		_, err := e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{Name: ptr("LOBBY"), IsOpen: ptr(false)})
		duplicate(e, err)
		requireRoom(e, r)
		duplicate(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: e.ids.New(), Name: "Hall"}, storage.Member{}),
			"the room keeps its old name")
	}},
	{"UpdateRoom may change the case of its own name", func(e *env) {
		r, _ := e.newRoom("lobby", e.newUser("alice"))
		got, err := e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{Name: ptr("Lobby")})
		require.NoError(e, err)
		require.Equal(e, "Lobby", got.Name)
		duplicate(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: e.ids.New(), Name: "lobby"}, storage.Member{}))
	}},
	{"DeleteRoom removes the room and its members", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		gone, aliceOwns := e.newRoom("gone", alice)
		bobIn := e.join(gone, bob)
		kept, bobOwns := e.newRoom("kept", bob)
		aliceIn := e.join(kept, alice)
		kept.Members = append(kept.Members, aliceIn.ID)

		require.NoError(e, e.s.DeleteRoom(e.ctx(), gone.ID))
		_, err := e.s.Room(e.ctx(), gone.ID)
		notFound(e, err)
		for _, m := range []storage.Member{aliceOwns, bobIn} {
			_, err := e.s.Member(e.ctx(), m.ID)
			notFound(e, err)
			_, err = e.s.MemberOf(e.ctx(), gone.ID, m.Profile)
			notFound(e, err)
		}
		list, err := e.s.Members(e.ctx(), gone.ID)
		require.NoError(e, err)
		require.Empty(e, list)
		list, err = e.s.MembershipsOf(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{aliceIn}, list)
		list, err = e.s.MembershipsOf(e.ctx(), bob.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{bobOwns}, list)
		requireRoom(e, kept)
		rooms, err := e.s.Rooms(e.ctx())
		require.NoError(e, err)
		sameList(e, []storage.Room{kept}, rooms)

		notFound(e, e.s.DeleteRoom(e.ctx(), gone.ID), "a second delete finds nothing")
		e.newRoom("Gone", alice)
	}},
	{"Returned values are copies", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		scribble := func(got storage.Room) {
			got.Members[0] = e.ids.New()
			got.Members = append(got.Members, e.ids.New())
		}
		got, err := e.s.Room(e.ctx(), r.ID)
		require.NoError(e, err)
		scribble(got)
		rooms, err := e.s.Rooms(e.ctx())
		require.NoError(e, err)
		scribble(rooms[0])
		got, err = e.s.UpdateRoom(e.ctx(), r.ID, storage.RoomPatch{})
		require.NoError(e, err)
		scribble(got)
		requireRoom(e, r)
	}},
}

var memberScenarios = []scenario{
	{"AddMember appends to the room's Members in join order", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		users := []storage.User{e.newUser("bob"), e.newUser("carol"), e.newUser("dave")}
		// Member ids run against the order of joining, so that join order
		// (room.Members) and id order (Members) differ.
		mids := []storage.ID{e.ids.New(), e.ids.New(), e.ids.New()}
		byID := make([]storage.Member, len(users))
		for i, u := range users {
			j := len(users) - 1 - i
			m := storage.Member{ID: mids[j], Room: r.ID, Profile: u.ID, Role: storage.RoleGuest, Created: time.Now()}
			require.NoError(e, e.s.AddMember(e.ctx(), m))
			r.Members = append(r.Members, m.ID)
			byID[j] = m
		}
		requireRoom(e, r)
		list, err := e.s.Members(e.ctx(), r.ID)
		require.NoError(e, err)
		require.Len(e, list, 4)
		sameList(e, byID, list[1:], "Members lists in id order")
		got, err := e.s.MemberOf(e.ctx(), r.ID, users[0].ID)
		require.NoError(e, err)
		same(e, byID[2], got)
	}},
	{"MembershipsOf lists a user's memberships in id order", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		rooms := make([]storage.Room, 3)
		for i := range rooms {
			rooms[i], _ = e.newRoom(string(rune('a'+i)), alice)
		}
		mids := []storage.ID{e.ids.New(), e.ids.New(), e.ids.New()}
		want := make([]storage.Member, len(rooms))
		for i, r := range rooms {
			j := len(rooms) - 1 - i
			want[j] = storage.Member{ID: mids[j], Room: r.ID, Profile: bob.ID, Role: storage.RoleMember}
			require.NoError(e, e.s.AddMember(e.ctx(), want[j]))
		}
		list, err := e.s.MembershipsOf(e.ctx(), bob.ID)
		require.NoError(e, err)
		sameList(e, want, list)
		list, err = e.s.MembershipsOf(e.ctx(), e.ids.New())
		require.NoError(e, err)
		require.Empty(e, list)
	}},
	{"AddMember with a missing room or user gives ErrNotFound and writes nothing", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		noRoom := storage.Member{ID: e.ids.New(), Room: e.ids.New(), Profile: bob.ID, Role: storage.RoleMember}
		notFound(e, e.s.AddMember(e.ctx(), noRoom))
		noUser := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: e.ids.New(), Role: storage.RoleMember}
		notFound(e, e.s.AddMember(e.ctx(), noUser))
		for _, m := range []storage.Member{noRoom, noUser} {
			_, err := e.s.Member(e.ctx(), m.ID)
			notFound(e, err)
		}
		requireRoom(e, r)
		list, err := e.s.MembershipsOf(e.ctx(), bob.ID)
		require.NoError(e, err)
		require.Empty(e, list)
	}},
	{"AddMember of a user already in the room gives ErrDuplicate and writes nothing", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		first := e.join(r, bob)
		r.Members = append(r.Members, first.ID)
		again := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: bob.ID, Role: storage.RoleOwner}
		duplicate(e, e.s.AddMember(e.ctx(), again))
		_, err := e.s.Member(e.ctx(), again.ID)
		notFound(e, err)
		requireRoom(e, r)
		got, err := e.s.MemberOf(e.ctx(), r.ID, bob.ID)
		require.NoError(e, err)
		same(e, first, got)
		list, err := e.s.MembershipsOf(e.ctx(), bob.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{first}, list)
	}},
	{"AddMember with a taken id gives ErrDuplicate", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, owner := e.newRoom("lobby", alice)
		duplicate(e, e.s.AddMember(e.ctx(), storage.Member{ID: owner.ID, Room: r.ID, Profile: bob.ID}))
		requireRoom(e, r)
		_, err := e.s.MemberOf(e.ctx(), r.ID, bob.ID)
		notFound(e, err)
	}},
	{"SetMemberMuted sets and clears Muted, and nothing else", func(e *env) {
		alice := e.newUser("alice")
		_, owner := e.newRoom("lobby", alice)
		got, err := e.s.SetMemberMuted(e.ctx(), owner.ID, true)
		require.NoError(e, err)
		owner.Muted = true
		same(e, owner, got)
		got, err = e.s.MemberOf(e.ctx(), owner.Room, alice.ID)
		require.NoError(e, err)
		same(e, owner, got)
		got, err = e.s.SetMemberMuted(e.ctx(), owner.ID, false)
		require.NoError(e, err)
		owner.Muted = false
		same(e, owner, got)
		got, err = e.s.Member(e.ctx(), owner.ID)
		require.NoError(e, err)
		same(e, owner, got)
		_, err = e.s.SetMemberMuted(e.ctx(), e.ids.New(), true)
		notFound(e, err)
	}},
	{"Member and MemberOf of a missing membership give ErrNotFound", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		_, err := e.s.Member(e.ctx(), e.ids.New())
		notFound(e, err)
		_, err = e.s.MemberOf(e.ctx(), r.ID, bob.ID)
		notFound(e, err)
		_, err = e.s.MemberOf(e.ctx(), e.ids.New(), alice.ID)
		notFound(e, err)
	}},
	{"SetMemberRole changes the role and nothing else", func(e *env) {
		r, _ := e.newRoom("lobby", e.newUser("alice"))
		m := e.join(r, e.newUser("bob"))
		got, err := e.s.SetMemberRole(e.ctx(), m.ID, storage.RoleGuest)
		require.NoError(e, err)
		m.Role = storage.RoleGuest
		same(e, m, got)
		got, err = e.s.Member(e.ctx(), m.ID)
		require.NoError(e, err)
		same(e, m, got)
		_, err = e.s.SetMemberRole(e.ctx(), e.ids.New(), storage.RoleGuest)
		notFound(e, err)
	}},
	{"DeleteMember removes it from its room's Members", func(e *env) {
		alice, bob, carol := e.newUser("alice"), e.newUser("bob"), e.newUser("carol")
		r, owner := e.newRoom("lobby", alice)
		gone := e.join(r, bob)
		kept := e.join(r, carol)
		require.NoError(e, e.s.DeleteMember(e.ctx(), gone.ID))
		r.Members = []storage.ID{owner.ID, kept.ID}
		requireRoom(e, r)
		_, err := e.s.Member(e.ctx(), gone.ID)
		notFound(e, err)
		_, err = e.s.MemberOf(e.ctx(), r.ID, bob.ID)
		notFound(e, err)
		list, err := e.s.MembershipsOf(e.ctx(), bob.ID)
		require.NoError(e, err)
		require.Empty(e, list)
		list, err = e.s.Members(e.ctx(), r.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{owner, kept}, list)
		notFound(e, e.s.DeleteMember(e.ctx(), gone.ID), "a second delete finds nothing")

		back := e.join(r, bob)
		r.Members = append(r.Members, back.ID)
		requireRoom(e, r)
	}},
}
