package storagetest

import (
	"slices"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

var sessionScenarios = []scenario{
	{"CreateSession then SessionByKey returns it", func(e *env) {
		u := e.newUser("alice")
		sess := e.newSession(u, time.Now().Add(time.Hour))
		got, err := e.s.SessionByKey(e.ctx(), sess.KeyHash)
		require.NoError(e, err)
		same(e, sess, got)
	}},
	{"SessionByKey of a missing key gives ErrNotFound", func(e *env) {
		e.newSession(e.newUser("alice"), time.Now().Add(time.Hour))
		_, err := e.s.SessionByKey(e.ctx(), "no such key")
		notFound(e, err)
	}},
	{"CreateSession with a taken key hash gives ErrDuplicate and keeps the first", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		sess := e.newSession(alice, time.Now().Add(time.Hour))
		dup := storage.Session{ID: e.ids.New(), KeyHash: sess.KeyHash, User: bob.ID, Created: time.Now(), Expires: time.Now()}
		duplicate(e, e.s.CreateSession(e.ctx(), dup))
		got, err := e.s.SessionByKey(e.ctx(), sess.KeyHash)
		require.NoError(e, err)
		same(e, sess, got)
	}},
	{"DeleteSession removes only that session", func(e *env) {
		u := e.newUser("alice")
		gone := e.newSession(u, time.Now().Add(time.Hour))
		kept := e.newSession(u, time.Now().Add(time.Hour))
		require.NoError(e, e.s.DeleteSession(e.ctx(), gone.KeyHash))
		_, err := e.s.SessionByKey(e.ctx(), gone.KeyHash)
		notFound(e, err)
		got, err := e.s.SessionByKey(e.ctx(), kept.KeyHash)
		require.NoError(e, err)
		same(e, kept, got)
		notFound(e, e.s.DeleteSession(e.ctx(), gone.KeyHash), "a second delete finds nothing")
	}},
	{"DeleteUserSessions removes only that user's sessions and counts them", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		later := time.Now().Add(time.Hour)
		gone := []storage.Session{e.newSession(alice, later), e.newSession(alice, later)}
		kept := e.newSession(bob, later)
		n, err := e.s.DeleteUserSessions(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Equal(e, len(gone), n)
		for _, sess := range gone {
			_, err := e.s.SessionByKey(e.ctx(), sess.KeyHash)
			notFound(e, err)
		}
		got, err := e.s.SessionByKey(e.ctx(), kept.KeyHash)
		require.NoError(e, err)
		same(e, kept, got)
		n, err = e.s.DeleteUserSessions(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Zero(e, n, "a second call finds nothing")
	}},
	{"Sessions lists a user's sessions in id order, with address and agent", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		later := time.Now().Add(time.Hour)
		want := make([]storage.Session, 4)
		for i := range want {
			id := e.ids.New()
			// Key hashes in the reverse of id order, so that a store
			// listing by key cannot pass by accident.
			want[i] = storage.Session{ID: id, KeyHash: string(rune('z' - i)), User: alice.ID, Created: time.Now(), Expires: later, Address: "192.0.2.7", Agent: "Firefox ü"}
		}
		for _, sess := range slices.Backward(want) {
			require.NoError(e, e.s.CreateSession(e.ctx(), sess))
		}
		e.newSession(bob, later)
		got, err := e.s.Sessions(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, want, got)
		got, err = e.s.Sessions(e.ctx(), e.ids.New())
		require.NoError(e, err)
		require.Empty(e, got)
	}},
	{"DeleteExpiredSessions removes only expired sessions and counts them", func(e *env) {
		u := e.newUser("alice")
		now := time.Now()
		expired := []storage.Session{e.newSession(u, now.Add(-time.Hour)), e.newSession(u, now.Add(-time.Second))}
		live := []storage.Session{e.newSession(u, now.Add(time.Second)), e.newSession(u, now.Add(time.Hour))}
		n, err := e.s.DeleteExpiredSessions(e.ctx(), now)
		require.NoError(e, err)
		require.Equal(e, len(expired), n)
		for _, sess := range expired {
			_, err := e.s.SessionByKey(e.ctx(), sess.KeyHash)
			notFound(e, err)
		}
		for _, sess := range live {
			got, err := e.s.SessionByKey(e.ctx(), sess.KeyHash)
			require.NoError(e, err)
			same(e, sess, got)
		}
		n, err = e.s.DeleteExpiredSessions(e.ctx(), now)
		require.NoError(e, err)
		require.Zero(e, n, "a second sweep finds nothing")
		// The removed sessions' user may still be deleted cleanly.
		require.NoError(e, e.s.DeleteUser(e.ctx(), u.ID))
	}},
}

var tokenScenarios = []scenario{
	{"CreateToken then TokenByHash returns it", func(e *env) {
		u := e.newUser("alice")
		t := storage.Token{ID: e.ids.New(), User: u.ID, Name: "ci", Hash: "abc123", Created: time.Now(), LastUsed: time.Now()}
		require.NoError(e, e.s.CreateToken(e.ctx(), t))
		got, err := e.s.TokenByHash(e.ctx(), "abc123")
		require.NoError(e, err)
		same(e, t, got)
	}},
	{"TokenByHash of a missing hash gives ErrNotFound", func(e *env) {
		e.newToken(e.newUser("alice"), "ci")
		_, err := e.s.TokenByHash(e.ctx(), "no such hash")
		notFound(e, err)
	}},
	{"CreateToken with a taken hash gives ErrDuplicate and writes nothing", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		t := e.newToken(alice, "ci")
		dup := storage.Token{ID: e.ids.New(), User: bob.ID, Name: "copy", Hash: t.Hash, Created: time.Now()}
		duplicate(e, e.s.CreateToken(e.ctx(), dup))
		got, err := e.s.TokenByHash(e.ctx(), t.Hash)
		require.NoError(e, err)
		same(e, t, got)
		tokens, err := e.s.Tokens(e.ctx(), bob.ID)
		require.NoError(e, err)
		require.Empty(e, tokens)
		notFound(e, e.s.TouchToken(e.ctx(), dup.ID, time.Now()), "the failed token must not exist")
	}},
	{"CreateToken with a taken id gives ErrDuplicate", func(e *env) {
		u := e.newUser("alice")
		t := e.newToken(u, "ci")
		duplicate(e, e.s.CreateToken(e.ctx(), storage.Token{ID: t.ID, User: u.ID, Hash: "other"}))
		_, err := e.s.TokenByHash(e.ctx(), "other")
		notFound(e, err)
	}},
	{"Tokens lists a user's tokens in id order", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		want := make([]storage.Token, 4)
		for i := range want {
			id := e.ids.New()
			want[i] = storage.Token{ID: id, User: alice.ID, Name: "t", Hash: id.Hex(), Created: time.Now()}
		}
		for _, t := range slices.Backward(want) {
			require.NoError(e, e.s.CreateToken(e.ctx(), t))
		}
		e.newToken(bob, "bob's")
		got, err := e.s.Tokens(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, want, got)
	}},
	{"Tokens of a user without tokens is empty", func(e *env) {
		got, err := e.s.Tokens(e.ctx(), e.newUser("alice").ID)
		require.NoError(e, err)
		require.Empty(e, got)
		got, err = e.s.Tokens(e.ctx(), e.ids.New())
		require.NoError(e, err)
		require.Empty(e, got)
	}},
	{"TouchToken sets LastUsed and nothing else", func(e *env) {
		t := e.newToken(e.newUser("alice"), "ci")
		at := time.Now().Add(time.Minute)
		require.NoError(e, e.s.TouchToken(e.ctx(), t.ID, at))
		got, err := e.s.TokenByHash(e.ctx(), t.Hash)
		require.NoError(e, err)
		t.LastUsed = at
		same(e, t, got)
		notFound(e, e.s.TouchToken(e.ctx(), e.ids.New(), at))
	}},
	{"DeleteUserTokens removes only that user's tokens, frees their hashes and counts them", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		gone := []storage.Token{e.newToken(alice, "one"), e.newToken(alice, "two")}
		kept := e.newToken(bob, "kept")
		n, err := e.s.DeleteUserTokens(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Equal(e, len(gone), n)
		for _, t := range gone {
			_, err := e.s.TokenByHash(e.ctx(), t.Hash)
			notFound(e, err)
		}
		got, err := e.s.Tokens(e.ctx(), bob.ID)
		require.NoError(e, err)
		sameList(e, []storage.Token{kept}, got)
		n, err = e.s.DeleteUserTokens(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Zero(e, n, "a second call finds nothing")
		require.NoError(e, e.s.CreateToken(e.ctx(), storage.Token{ID: e.ids.New(), User: alice.ID, Hash: gone[0].Hash}), "the hash is free again")
	}},
	{"DeleteToken removes it and frees its hash", func(e *env) {
		u := e.newUser("alice")
		gone, kept := e.newToken(u, "gone"), e.newToken(u, "kept")
		require.NoError(e, e.s.DeleteToken(e.ctx(), gone.ID))
		_, err := e.s.TokenByHash(e.ctx(), gone.Hash)
		notFound(e, err)
		got, err := e.s.Tokens(e.ctx(), u.ID)
		require.NoError(e, err)
		sameList(e, []storage.Token{kept}, got)
		notFound(e, e.s.DeleteToken(e.ctx(), gone.ID), "a second delete finds nothing")
		require.NoError(e, e.s.CreateToken(e.ctx(), storage.Token{ID: e.ids.New(), User: u.ID, Hash: gone.Hash}))
	}},
}
