package storagetest

import (
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// cascadeScenarios race the cascading deletes against writes that refer
// to what they delete. A store without multi-document transactions
// (MongoDB without a replica set) must still leave nothing behind: each
// racing write either lands before the delete, and goes with it, or fails
// with ErrNotFound. Counts, which counts what is stored rather than what
// readers are shown, checks that no orphan stays.
var cascadeScenarios = []scenario{
	{"DeleteRoom racing joins, posts and hooks leaves nothing of the room", func(e *env) {
		owner := e.newUser("owner")
		keep, _ := e.newRoom("keep", owner)
		for round := range 5 {
			room, _ := e.newRoom(fmt.Sprintf("doomed %d", round), owner)
			var users []storage.User
			for i := range 8 {
				users = append(users, e.newUser(fmt.Sprintf("u%d-%d", round, i)))
			}
			errs := Together(25, func(i int) error {
				switch {
				case i == 0:
					return e.s.DeleteRoom(e.ctx(), room.ID)
				case i <= 8:
					m := storage.Member{ID: e.ids.New(), Room: room.ID, Profile: users[i-1].ID, Role: storage.RoleMember, Created: time.Now()}
					return e.s.AddMember(e.ctx(), m)
				case i <= 16:
					return e.s.CreateMessage(e.ctx(), storage.Message{ID: e.ids.New(), Room: room.ID, Sender: owner.ID, Text: "racing", Created: time.Now()})
				default:
					return e.s.CreateHook(e.ctx(), storage.Hook{ID: e.ids.New(), Room: room.ID, Creator: owner.ID, SecretHash: e.ids.New().Hex(), Created: time.Now()})
				}
			})
			require.NoError(e, errs[0], "DeleteRoom")
			for i, err := range errs[1:] {
				if err != nil {
					require.ErrorIs(e, err, storage.ErrNotFound, "racing write %d", i+1)
				}
			}
			_, err := e.s.Room(e.ctx(), room.ID)
			notFound(e, err)
			for _, u := range users {
				mine, err := e.s.MembershipsOf(e.ctx(), u.ID)
				require.NoError(e, err)
				require.Empty(e, mine)
			}
		}
		counts, err := e.s.Counts(e.ctx())
		require.NoError(e, err)
		require.Equal(e, 1, counts[storage.CollRooms])
		require.Equal(e, 1, counts[storage.CollMembers], "only the kept room's owner is left")
		require.Zero(e, counts[storage.CollMessages])
		require.Zero(e, counts[storage.CollHooks])
		got, err := e.s.Room(e.ctx(), keep.ID)
		require.NoError(e, err)
		same(e, keep, got)
	}},
	{"DeleteUser racing joins leaves no membership of the user", func(e *env) {
		owner := e.newUser("owner")
		var rooms []storage.Room
		for i := range 8 {
			r, _ := e.newRoom(fmt.Sprintf("room %d", i), owner)
			rooms = append(rooms, r)
		}
		for round := range 5 {
			u := e.newUser(fmt.Sprintf("leaving %d", round))
			errs := Together(9, func(i int) error {
				if i == 0 {
					return e.s.DeleteUser(e.ctx(), u.ID)
				}
				m := storage.Member{ID: e.ids.New(), Room: rooms[i-1].ID, Profile: u.ID, Role: storage.RoleMember, Created: time.Now()}
				return e.s.AddMember(e.ctx(), m)
			})
			require.NoError(e, errs[0], "DeleteUser")
			for i, err := range errs[1:] {
				if err != nil {
					require.ErrorIs(e, err, storage.ErrNotFound, "racing join %d", i+1)
				}
			}
			mine, err := e.s.MembershipsOf(e.ctx(), u.ID)
			require.NoError(e, err)
			require.Empty(e, mine)
		}
		counts, err := e.s.Counts(e.ctx())
		require.NoError(e, err)
		require.Equal(e, len(rooms), counts[storage.CollMembers], "only the owners are left")
		for _, r := range rooms {
			got, err := e.s.Room(e.ctx(), r.ID)
			require.NoError(e, err)
			same(e, r, got, "the room names only its owner")
		}
	}},
}
