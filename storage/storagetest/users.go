package storagetest

import (
	"slices"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

func ptr[T any](v T) *T { return &v }

var userScenarios = []scenario{
	{"CreateUser stores every field", func(e *env) {
		u := storage.User{
			ID:           e.ids.New(),
			Username:     "Alice",
			Email:        "Alice@Example.com",
			PasswordHash: "$2a$10$abcdefghijklmnopqrstuv",
			IsSuperuser:  true,
			IsDisabled:   true,
			Created:      time.Now(),
		}
		require.NoError(e, e.s.CreateUser(e.ctx(), u))
		got, err := e.s.User(e.ctx(), u.ID)
		require.NoError(e, err)
		same(e, u, got)
		got, err = e.s.UserByName(e.ctx(), "Alice")
		require.NoError(e, err)
		same(e, u, got)
	}},
	{"CreateUser stores bots, which have no email or password, and any number of them", func(e *env) {
		owner := e.newUser("owner")
		for _, name := range []string{"ci-bot", "deploy-bot"} {
			b := storage.User{ID: e.ids.New(), Username: name, IsBot: true, Owner: owner.ID, Created: time.Now()}
			require.NoError(e, e.s.CreateUser(e.ctx(), b))
			got, err := e.s.User(e.ctx(), b.ID)
			require.NoError(e, err)
			same(e, b, got)
		}
		_, err := e.s.UserByEmail(e.ctx(), "")
		notFound(e, err)
	}},
	{"UserByEmail finds a user without regard to case, and only by a whole address", func(e *env) {
		alice := e.newUser("alice")
		e.newUser("bob")
		for _, email := range []string{"alice@example.com", "ALICE@Example.COM"} {
			got, err := e.s.UserByEmail(e.ctx(), email)
			require.NoError(e, err, email)
			same(e, alice, got)
		}
		for _, email := range []string{"alice", "alice@example.co", "", "carol@example.com"} {
			_, err := e.s.UserByEmail(e.ctx(), email)
			notFound(e, err, email)
		}
	}},
	{"UsersByPrefix finds usernames starting with a prefix, folded, in name order, up to a limit", func(e *env) {
		for _, name := range []string{"bob", "Alice", "albert", "al", "zed", "alphonse"} {
			e.newUser(name)
		}
		names := func(prefix string, limit int) []string {
			us, err := e.s.UsersByPrefix(e.ctx(), prefix, limit)
			require.NoError(e, err)
			var out []string
			for _, u := range us {
				out = append(out, u.Username)
			}
			return out
		}
		require.Equal(e, []string{"al", "albert", "Alice", "alphonse"}, names("AL", 10))
		require.Equal(e, []string{"al", "albert"}, names("al", 2))
		require.Equal(e, []string{"albert"}, names("alb", 10))
		require.Empty(e, names("x", 10))
		require.Equal(e, []string{"al", "albert", "Alice"}, names("", 3), "an empty prefix lists from the start")
	}},
	{"UserByName ignores case", func(e *env) {
		u := e.newUser("Alice")
		for _, name := range []string{"alice", "ALICE", "aLiCe"} {
			got, err := e.s.UserByName(e.ctx(), name)
			require.NoError(e, err, name)
			same(e, u, got)
		}
	}},
	{"User and UserByName of a missing user give ErrNotFound", func(e *env) {
		e.newUser("alice")
		_, err := e.s.User(e.ctx(), e.ids.New())
		notFound(e, err)
		_, err = e.s.UserByName(e.ctx(), "bob")
		notFound(e, err)
	}},
	{"CreateUser with a taken username gives ErrDuplicate, ignoring case, and writes nothing", func(e *env) {
		alice := e.newUser("Alice")
		dup := storage.User{ID: e.ids.New(), Username: "alice", Email: "other@example.com"}
		duplicate(e, e.s.CreateUser(e.ctx(), dup))
		_, err := e.s.User(e.ctx(), dup.ID)
		notFound(e, err)
		got, err := e.s.UserByName(e.ctx(), "ALICE")
		require.NoError(e, err)
		same(e, alice, got)
		// The failed user's email must not have been reserved.
		e.newUser("other")
		_, total, err := e.s.Users(e.ctx(), storage.Page{})
		require.NoError(e, err)
		require.Equal(e, 2, total)
	}},
	{"CreateUser with a taken email gives ErrDuplicate, ignoring case, and writes nothing", func(e *env) {
		e.newUser("alice")
		dup := storage.User{ID: e.ids.New(), Username: "bob", Email: "ALICE@example.COM"}
		duplicate(e, e.s.CreateUser(e.ctx(), dup))
		_, err := e.s.User(e.ctx(), dup.ID)
		notFound(e, err)
		_, err = e.s.UserByName(e.ctx(), "bob")
		notFound(e, err, "the failed user's username must not have been reserved")
		e.newUser("bob")
	}},
	{"CreateUser with a taken id gives ErrDuplicate", func(e *env) {
		alice := e.newUser("alice")
		dup := storage.User{ID: alice.ID, Username: "bob", Email: "bob@example.com"}
		duplicate(e, e.s.CreateUser(e.ctx(), dup))
		got, err := e.s.User(e.ctx(), alice.ID)
		require.NoError(e, err)
		same(e, alice, got)
		_, err = e.s.UserByName(e.ctx(), "bob")
		notFound(e, err)
	}},
	{"Users lists in id order with the total count", func(e *env) {
		want := make([]storage.User, 5)
		for i := range want {
			want[i] = storage.User{ID: e.ids.New(), Username: string(rune('a' + i)), Email: string(rune('a'+i)) + "@x"}
		}
		// Create them in reverse so that insertion order is not id order.
		for _, u := range slices.Backward(want) {
			require.NoError(e, e.s.CreateUser(e.ctx(), u))
		}
		got, total, err := e.s.Users(e.ctx(), storage.Page{})
		require.NoError(e, err)
		require.Equal(e, 5, total)
		sameList(e, want, got)
	}},
	{"Users pages with Offset and Limit", func(e *env) {
		var all []storage.ID
		for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			all = append(all, e.newUser(name).ID)
		}
		for _, tc := range []struct {
			page storage.Page
			want []storage.ID
		}{
			{storage.Page{Offset: 0, Limit: 3}, all[0:3]},
			{storage.Page{Offset: 3, Limit: 3}, all[3:6]},
			{storage.Page{Offset: 6, Limit: 3}, all[6:7]},
			{storage.Page{Offset: 7, Limit: 3}, nil},
			{storage.Page{Offset: 100, Limit: 0}, nil},
			{storage.Page{Offset: 2, Limit: 0}, all[2:]},
			{storage.Page{Offset: 0, Limit: 100}, all},
			{storage.Page{}, all},
		} {
			got, total, err := e.s.Users(e.ctx(), tc.page)
			require.NoError(e, err, "%+v", tc.page)
			require.Equal(e, 7, total, "%+v", tc.page)
			require.Equal(e, len(tc.want), len(got), "%+v", tc.page)
			if len(tc.want) > 0 {
				require.Equal(e, tc.want, ids(got, userID), "%+v", tc.page)
			}
		}
	}},
	{"Users of an empty store is empty", func(e *env) {
		got, total, err := e.s.Users(e.ctx(), storage.Page{Limit: 10})
		require.NoError(e, err)
		require.Empty(e, got)
		require.Zero(e, total)
	}},
	{"UpdateUser changes only the patched fields", func(e *env) {
		u := e.newUser("alice")
		got, err := e.s.UpdateUser(e.ctx(), u.ID, storage.UserPatch{})
		require.NoError(e, err)
		same(e, u, got, "an empty patch changes nothing")

		got, err = e.s.UpdateUser(e.ctx(), u.ID, storage.UserPatch{PasswordHash: ptr("new hash"), IsSuperuser: ptr(true)})
		require.NoError(e, err)
		u.PasswordHash, u.IsSuperuser = "new hash", true
		same(e, u, got)

		got, err = e.s.UpdateUser(e.ctx(), u.ID, storage.UserPatch{Email: ptr("new@example.com"), IsDisabled: ptr(true)})
		require.NoError(e, err)
		u.Email, u.IsDisabled = "new@example.com", true
		same(e, u, got)

		stored, err := e.s.User(e.ctx(), u.ID)
		require.NoError(e, err)
		same(e, u, stored)
	}},
	{"UpdateUser of a missing user gives ErrNotFound", func(e *env) {
		_, err := e.s.UpdateUser(e.ctx(), e.ids.New(), storage.UserPatch{IsDisabled: ptr(true)})
		notFound(e, err)
	}},
	{"UpdateUser to a taken email gives ErrDuplicate and changes nothing", func(e *env) {
		e.newUser("alice")
		bob := e.newUser("bob")
		_, err := e.s.UpdateUser(e.ctx(), bob.ID, storage.UserPatch{Email: ptr("Alice@Example.com"), IsSuperuser: ptr(true)})
		duplicate(e, err)
		got, err := e.s.User(e.ctx(), bob.ID)
		require.NoError(e, err)
		same(e, bob, got, "no field of a failed update may change")
		// Both emails are still reserved for their owners.
		duplicate(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: "c1", Email: "bob@example.com"}))
		duplicate(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: "c2", Email: "alice@example.com"}))
		_, err = e.s.UpdateUser(e.ctx(), bob.ID, storage.UserPatch{Email: ptr("bob2@example.com")})
		require.NoError(e, err, "bob can still change his own email")
	}},
	{"UpdateUser moves the email reservation", func(e *env) {
		bob := e.newUser("bob")
		_, err := e.s.UpdateUser(e.ctx(), bob.ID, storage.UserPatch{Email: ptr("robert@example.com")})
		require.NoError(e, err)
		duplicate(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: "rob", Email: "ROBERT@example.com"}))
		require.NoError(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: "bobby", Email: "bob@example.com"}),
			"the old email is free")
	}},
	{"UpdateUser may change the case of its own email", func(e *env) {
		bob := e.newUser("bob")
		got, err := e.s.UpdateUser(e.ctx(), bob.ID, storage.UserPatch{Email: ptr("BOB@example.com")})
		require.NoError(e, err)
		require.Equal(e, "BOB@example.com", got.Email)
		duplicate(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: "b2", Email: "bob@example.com"}))
	}},
	{"DeleteUser removes the user and frees its username and email", func(e *env) {
		alice := e.newUser("alice")
		bob := e.newUser("bob")
		require.NoError(e, e.s.DeleteUser(e.ctx(), alice.ID))
		_, err := e.s.User(e.ctx(), alice.ID)
		notFound(e, err)
		_, err = e.s.UserByName(e.ctx(), "alice")
		notFound(e, err)
		got, total, err := e.s.Users(e.ctx(), storage.Page{})
		require.NoError(e, err)
		require.Equal(e, 1, total)
		sameList(e, []storage.User{bob}, got)
		e.newUser("Alice")
		notFound(e, e.s.DeleteUser(e.ctx(), alice.ID), "a second delete finds nothing")
	}},
	{"DeleteUser removes its sessions, tokens and memberships", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		soon := time.Now().Add(time.Hour)
		aliceSessions := []storage.Session{e.newSession(alice, soon), e.newSession(alice, soon)}
		bobSession := e.newSession(bob, soon)
		aliceTokens := []storage.Token{e.newToken(alice, "one"), e.newToken(alice, "two")}
		bobToken := e.newToken(bob, "bob's")
		room1, aliceOwns1 := e.newRoom("one", alice)
		bobIn1 := e.join(room1, bob)
		room2, bobOwns2 := e.newRoom("two", bob)
		aliceIn2 := e.join(room2, alice)

		require.NoError(e, e.s.DeleteUser(e.ctx(), alice.ID))

		for _, sess := range aliceSessions {
			_, err := e.s.SessionByKey(e.ctx(), sess.KeyHash)
			notFound(e, err)
		}
		got, err := e.s.SessionByKey(e.ctx(), bobSession.KeyHash)
		require.NoError(e, err)
		same(e, bobSession, got)

		for _, t := range aliceTokens {
			_, err := e.s.TokenByHash(e.ctx(), t.Hash)
			notFound(e, err)
		}
		tokens, err := e.s.Tokens(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Empty(e, tokens)
		tokens, err = e.s.Tokens(e.ctx(), bob.ID)
		require.NoError(e, err)
		sameList(e, []storage.Token{bobToken}, tokens)
		// The deleted tokens' hashes are free again.
		require.NoError(e, e.s.CreateToken(e.ctx(), storage.Token{ID: e.ids.New(), User: bob.ID, Hash: aliceTokens[0].Hash}))

		for _, m := range []storage.Member{aliceOwns1, aliceIn2} {
			_, err := e.s.Member(e.ctx(), m.ID)
			notFound(e, err)
			_, err = e.s.MemberOf(e.ctx(), m.Room, alice.ID)
			notFound(e, err)
		}
		mems, err := e.s.MembershipsOf(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Empty(e, mems)

		// The rooms stay, and their Members lose alice.
		r, err := e.s.Room(e.ctx(), room1.ID)
		require.NoError(e, err)
		require.Equal(e, []storage.ID{bobIn1.ID}, r.Members)
		mems, err = e.s.Members(e.ctx(), room1.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{bobIn1}, mems)
		r, err = e.s.Room(e.ctx(), room2.ID)
		require.NoError(e, err)
		require.Equal(e, []storage.ID{bobOwns2.ID}, r.Members)
		mems, err = e.s.MembershipsOf(e.ctx(), bob.ID)
		require.NoError(e, err)
		sameList(e, []storage.Member{bobIn1, bobOwns2}, mems)
	}},
	{"CountAdmins counts superusers that are not disabled", func(e *env) {
		n, err := e.s.CountAdmins(e.ctx())
		require.NoError(e, err)
		require.Zero(e, n)
		mk := func(name string, super, disabled bool) storage.User {
			u := storage.User{ID: e.ids.New(), Username: name, Email: name, IsSuperuser: super, IsDisabled: disabled}
			require.NoError(e, e.s.CreateUser(e.ctx(), u))
			return u
		}
		admin := mk("admin", true, false)
		mk("retired admin", true, true)
		plain := mk("plain", false, false)
		mk("banned", false, true)
		count := func() int {
			n, err := e.s.CountAdmins(e.ctx())
			require.NoError(e, err)
			return n
		}
		require.Equal(e, 1, count())
		_, err = e.s.UpdateUser(e.ctx(), plain.ID, storage.UserPatch{IsSuperuser: ptr(true)})
		require.NoError(e, err)
		require.Equal(e, 2, count())
		_, err = e.s.UpdateUser(e.ctx(), admin.ID, storage.UserPatch{IsDisabled: ptr(true)})
		require.NoError(e, err)
		require.Equal(e, 1, count())
		require.NoError(e, e.s.DeleteUser(e.ctx(), plain.ID))
		require.Equal(e, 0, count())
	}},
}
