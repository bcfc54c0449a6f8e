package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// Together runs n calls of fn at once: every goroutine waits at a starting
// line so that they reach the store as close together as they can. It
// returns each call's error by index.
func Together(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// compareIDs orders ids as their bytes do, which is creation order.
func compareIDs(a, b storage.ID) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

var concurrencyScenarios = []scenario{
	{"Twenty goroutines creating the same username yield one success and nineteen ErrDuplicate", func(e *env) {
		spellings := []string{"alice", "Alice", "ALICE", "aLiCe"}
		users := make([]storage.User, 20)
		for i := range users {
			users[i] = storage.User{ID: e.ids.New(), Username: spellings[i%len(spellings)], Email: fmt.Sprintf("alice%d@example.com", i)}
		}
		errs := Together(len(users), func(i int) error { return e.s.CreateUser(e.ctx(), users[i]) })
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(e, -1, winner, "two goroutines created alice: %d and %d", winner, i)
				winner = i
				continue
			}
			duplicate(e, err, "goroutine %d", i)
		}
		require.NotEqual(e, -1, winner, "nobody created alice")
		got, err := e.s.UserByName(e.ctx(), "alice")
		require.NoError(e, err)
		same(e, users[winner], got)
		_, total, err := e.s.Users(e.ctx(), storage.Page{})
		require.NoError(e, err)
		require.Equal(e, 1, total)
		// The losers' emails were not reserved.
		loser := (winner + 1) % len(users)
		require.NoError(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: "bob", Email: users[loser].Email}))
	}},
	{"Two hundred concurrent writers all succeed and all are readable", func(e *env) {
		alice := e.newUser("alice")
		const n = 200
		rooms := make([]storage.Room, n)
		owners := make([]storage.Member, n)
		for i := range rooms {
			rooms[i] = storage.Room{ID: e.ids.New(), Name: fmt.Sprintf("room %d", i), Created: time.Now()}
			owners[i] = storage.Member{ID: e.ids.New(), Room: rooms[i].ID, Profile: alice.ID, Role: storage.RoleOwner}
		}
		errs := Together(n, func(i int) error { return e.s.CreateRoom(e.ctx(), rooms[i], owners[i]) })
		require.NoError(e, errors.Join(errs...))
		for i := range rooms {
			rooms[i].Members = []storage.ID{owners[i].ID}
			requireRoom(e, rooms[i])
		}
		got, err := e.s.Rooms(e.ctx())
		require.NoError(e, err)
		sameList(e, rooms, got)
		list, err := e.s.MembershipsOf(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, owners, list)
	}},
	{"Concurrent joins keep the room's Members in step with its members", func(e *env) {
		owner := e.newUser("owner")
		r, first := e.newRoom("lobby", owner)
		const n = 30
		users := make([]storage.User, n)
		for i := range users {
			users[i] = storage.User{ID: e.ids.New(), Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("user%d@x", i)}
		}
		require.NoError(e, errors.Join(Together(n, func(i int) error { return e.s.CreateUser(e.ctx(), users[i]) })...))

		// A reader checks throughout that every member it can see is
		// named by its room: the member and the room's list are one write.
		var done atomic.Bool
		readerErr := make(chan error, 1)
		go func() {
			readerErr <- func() error {
				for !done.Load() {
					list, err := e.s.Members(e.ctx(), r.ID)
					if err != nil {
						return err
					}
					room, err := e.s.Room(e.ctx(), r.ID)
					if err != nil {
						return err
					}
					for _, m := range list {
						if !slices.Contains(room.Members, m.ID) {
							return fmt.Errorf("member %s is not in its room's Members %v", m.ID, room.Members)
						}
					}
				}
				return nil
			}()
		}()
		members := make([]storage.Member, n)
		for i := range members {
			members[i] = storage.Member{ID: e.ids.New(), Room: r.ID, Profile: users[i].ID, Role: storage.RoleMember}
		}
		errs := Together(n, func(i int) error { return e.s.AddMember(e.ctx(), members[i]) })
		done.Store(true)
		require.NoError(e, errors.Join(errs...))
		require.NoError(e, <-readerErr)

		got, err := e.s.Room(e.ctx(), r.ID)
		require.NoError(e, err)
		require.Len(e, got.Members, n+1)
		require.Equal(e, first.ID, got.Members[0])
		list, err := e.s.Members(e.ctx(), r.ID)
		require.NoError(e, err)
		want := append([]storage.Member{first}, members...)
		sameList(e, want, list)
		joined := slices.Clone(got.Members)
		slices.SortFunc(joined, compareIDs)
		require.Equal(e, ids(want, memberID), joined)
	}},
	{"Two hundred goroutines posting in one room are all stored, in id order", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		const n = 200
		msgs := make([]storage.Message, n)
		// Each goroutine makes its id when it posts, as a server does, so
		// that commit order and id order differ.
		errs := Together(n, func(i int) error {
			msgs[i] = storage.Message{ID: e.ids.New(), Text: fmt.Sprint("post ", i), Sender: alice.ID, Room: r.ID, Created: time.Now()}
			return e.s.CreateMessage(e.ctx(), msgs[i])
		})
		require.NoError(e, errors.Join(errs...))
		for _, m := range msgs {
			got, err := e.s.Message(e.ctx(), m.ID)
			require.NoError(e, err)
			same(e, m, got)
		}
		slices.SortFunc(msgs, func(a, b storage.Message) int { return compareIDs(a.ID, b.ID) })
		e.requireHistory(storage.RoomConversation(r.ID), msgs)
		count, err := e.s.CountMessagesAfter(e.ctx(), storage.RoomConversation(r.ID), storage.NilID, 0)
		require.NoError(e, err)
		require.Equal(e, len(msgs), count)
		require.Len(e, e.find("post", storage.RoomConversation(r.ID)), defaultLimit)
	}},
}
