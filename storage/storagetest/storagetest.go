// Package storagetest is the contract suite for storage.Store. Every
// backend runs it against itself, so that the embedded store and MongoDB
// keep the same behaviour (ntfy runs one message-cache suite against each
// of its caches the same way):
//
//	func TestStore(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { ... })
//	}
//
// The suite checks what storage.Store's comment promises and settles what
// it leaves open:
//
//   - Times: a backend keeps at least millisecond precision; the suite
//     compares times truncated to milliseconds, in UTC.
//   - Text: the store does no validation, so any string round-trips,
//     including 10,000-character names, NUL bytes and strings that look
//     like MongoDB operators. The one latitude: invalid UTF-8 may come back
//     with its bad bytes replaced by U+FFFD, as JSON and BSON encoders do.
//   - CreateRoom sets the owner member's Room to the new room's id.
//   - Creating an object whose id is taken, a session whose key hash is
//     taken, or a token whose hash is taken gives ErrDuplicate.
//   - Tokens, Members and MembershipsOf of an id with nothing under it give
//     an empty list, not ErrNotFound: they are queries, not lookups.
//   - Close on a closed store gives ErrClosed, like every other method.
//   - Messages and SearchMessages with Limit <= 0 return at most 50;
//     SearchMessages with Scan <= 0 examines at most 5,000 messages.
//     SearchMessages without terms lists every message it examines that
//     passes its other filters.
//     Messages with both Before and After returns the messages strictly
//     between them, at most Limit, starting just after After.
//     CountMessagesAfter with limit <= 0 counts them all.
//   - DirectPartners lists a partner once, in any order, and keeps it when
//     the messages are deleted.
//   - A hook's SecretHash is unique: a taken one gives ErrDuplicate.
//   - A message's ClientID is unique per sender (case matters) across all
//     conversations; deleting the message, or its room, frees it.
package storagetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// scenario is one subtest: a sentence for a name and the test itself.
type scenario struct {
	name string
	run  func(e *env)
}

// Run runs the contract suite. open must return a new, empty store for
// each call; the store is used by that test only, and open should close it
// in t.Cleanup (ignoring ErrClosed, since some tests close it themselves).
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	groups := []struct {
		name      string
		scenarios []scenario
	}{
		{"Store", storeScenarios},
		{"Users", userScenarios},
		{"Profiles", profileScenarios},
		{"Sessions", sessionScenarios},
		{"Tokens", tokenScenarios},
		{"Rooms", roomScenarios},
		{"Members", memberScenarios},
		{"Messages", messageScenarios},
		{"Search", searchScenarios},
		{"Hooks", hookScenarios},
		{"Invites", inviteScenarios},
		{"Commands", commandScenarios},
		{"Files", fileScenarios},
		{"Previews", previewScenarios},
		{"Reactions", reactionScenarios},
		{"Threads", threadScenarios},
		{"ReadStates", readStateScenarios},
		{"Groups", groupScenarios},
		{"Push", pushScenarios},
		{"Concurrency", concurrencyScenarios},
		{"HostileStrings", hostileScenarios()},
		{"ExportImport", exportScenarios},
		{"Cascades", cascadeScenarios},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, sc := range g.scenarios {
				t.Run(sc.name, func(t *testing.T) {
					sc.run(&env{T: t, s: open(t), ids: storage.NewIDGen(), open: open})
				})
			}
		})
	}
}

// env is what a scenario works with: its test, a fresh store and an id
// generator, with helpers that create objects and fail the test on error.
type env struct {
	*testing.T
	s   storage.Store
	ids *storage.IDGen
	// open makes another fresh store, for scenarios that copy between two.
	open func(t *testing.T) storage.Store
}

func (e *env) ctx() context.Context { return e.Context() }

// newUser creates a user named name with the email name@example.com.
func (e *env) newUser(name string) storage.User {
	e.Helper()
	u := storage.User{
		ID:           e.ids.New(),
		Username:     name,
		Email:        name + "@example.com",
		PasswordHash: "hash of " + name,
		Created:      time.Now(),
	}
	require.NoError(e, e.s.CreateUser(e.ctx(), u))
	return u
}

// newRoom creates a room owned by owner and returns it as the store should
// now hold it, with its owner member.
func (e *env) newRoom(name string, owner storage.User) (storage.Room, storage.Member) {
	e.Helper()
	r := storage.Room{ID: e.ids.New(), Name: name, IsOpen: true, IsVisible: true, Created: time.Now()}
	m := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: owner.ID, Role: storage.RoleOwner, Created: time.Now()}
	require.NoError(e, e.s.CreateRoom(e.ctx(), r, m))
	r.Members = []storage.ID{m.ID}
	return r, m
}

// join adds u to room as a plain member.
func (e *env) join(room storage.Room, u storage.User) storage.Member {
	e.Helper()
	m := storage.Member{ID: e.ids.New(), Room: room.ID, Profile: u.ID, Role: storage.RoleMember, Created: time.Now()}
	require.NoError(e, e.s.AddMember(e.ctx(), m))
	return m
}

// newSession creates a session of u that expires at expires.
func (e *env) newSession(u storage.User, expires time.Time) storage.Session {
	e.Helper()
	id := e.ids.New()
	sess := storage.Session{ID: id, KeyHash: "session " + id.Hex(), User: u.ID, Created: time.Now(), Expires: expires}
	require.NoError(e, e.s.CreateSession(e.ctx(), sess))
	return sess
}

// newInvite creates an invite made by u to the given rooms, with no use
// limit and no expiry.
func (e *env) newInvite(u storage.User, rooms ...storage.ID) storage.Invite {
	e.Helper()
	id := e.ids.New()
	if rooms == nil {
		rooms = []storage.ID{}
	}
	in := storage.Invite{ID: id, SecretHash: "invite " + id.Hex(), Rooms: rooms, CreatedBy: u.ID, Created: time.Now()}
	require.NoError(e, e.s.CreateInvite(e.ctx(), in))
	return in
}

// newToken creates an API token of u.
func (e *env) newToken(u storage.User, name string) storage.Token {
	e.Helper()
	id := e.ids.New()
	t := storage.Token{ID: id, User: u.ID, Name: name, Hash: "token " + id.Hex(), Created: time.Now()}
	require.NoError(e, e.s.CreateToken(e.ctx(), t))
	return t
}

// ms is the precision the suite compares times at; see the package doc.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// norm makes a model value comparable with require.Equal across backends:
// times at millisecond precision in UTC, and no distinction between a nil
// and an empty Members list.
func norm[T any](v T) T {
	switch x := any(&v).(type) {
	case *storage.User:
		x.Created, x.Status.Expires = ms(x.Created), ms(x.Status.Expires)
	case *storage.Session:
		x.Created, x.Expires = ms(x.Created), ms(x.Expires)
	case *storage.Token:
		x.Created, x.LastUsed = ms(x.Created), ms(x.LastUsed)
	case *storage.Room:
		x.Created = ms(x.Created)
		if len(x.Members) == 0 {
			x.Members = nil
		}
	case *storage.Member:
		x.Created = ms(x.Created)
	case *storage.Message:
		x.Created, x.Edited = ms(x.Created), ms(x.Edited)
		if len(x.Files) == 0 {
			x.Files = nil
		}
		if len(x.Reactions) == 0 {
			x.Reactions = nil
		} else {
			x.Reactions = slices.Clone(x.Reactions)
			for i := range x.Reactions {
				x.Reactions[i].At = ms(x.Reactions[i].At)
			}
		}
	case *storage.File:
		x.Created = ms(x.Created)
	case *storage.FileInfo:
	case *storage.Hook:
		x.Created = ms(x.Created)
	case *storage.Command:
		x.Created = ms(x.Created)
	case *storage.Invite:
		x.Created, x.Expires = ms(x.Created), ms(x.Expires)
		if len(x.Rooms) == 0 {
			x.Rooms = nil
		}
	default:
		panic(fmt.Sprintf("storagetest: norm of %T", v))
	}
	return v
}

// same requires got to equal want, compared as norm describes.
func same[T any](e *env, want, got T, msgAndArgs ...any) {
	e.Helper()
	require.Equal(e, norm(want), norm(got), msgAndArgs...)
}

// sameList requires two lists to be equal element by element, as same
// compares them; nil and empty lists are equal.
func sameList[T any](e *env, want, got []T, msgAndArgs ...any) {
	e.Helper()
	normed := func(vs []T) []T {
		out := make([]T, len(vs))
		for i, v := range vs {
			out[i] = norm(v)
		}
		return out
	}
	require.Equal(e, normed(want), normed(got), msgAndArgs...)
}

// notFound requires err to be ErrNotFound.
func notFound(e *env, err error, msgAndArgs ...any) {
	e.Helper()
	require.ErrorIs(e, err, storage.ErrNotFound, msgAndArgs...)
}

// duplicate requires err to be ErrDuplicate.
func duplicate(e *env, err error, msgAndArgs ...any) {
	e.Helper()
	require.ErrorIs(e, err, storage.ErrDuplicate, msgAndArgs...)
}

// ids lists the ids of objects, for comparing orders.
func ids[T any](vs []T, id func(T) storage.ID) []storage.ID {
	out := make([]storage.ID, len(vs))
	for i, v := range vs {
		out[i] = id(v)
	}
	return out
}

func userID(u storage.User) storage.ID     { return u.ID }
func memberID(m storage.Member) storage.ID { return m.ID }

var storeScenarios = []scenario{
	{"Ping answers on an open store", func(e *env) {
		require.NoError(e, e.s.Ping(e.ctx()))
	}},
	{"Every method gives ErrClosed after Close", func(e *env) {
		u := e.newUser("alice")
		r, m := e.newRoom("lobby", u)
		msg := e.say(r, u, "hello")
		h := e.newHook(r, u, "ci")
		conv := storage.RoomConversation(r.ID)
		search := storage.SearchQuery{Terms: []string{"hello"}, Conversations: []storage.Conversation{conv}}
		rx := storage.Reaction{Emoji: "👍", User: u.ID}
		require.NoError(e, e.s.Close())
		ctx, id := e.ctx(), e.ids.New()
		for name, call := range map[string]func() error{
			"Ping":                  func() error { return e.s.Ping(ctx) },
			"Close":                 func() error { return e.s.Close() },
			"CreateUser":            func() error { return e.s.CreateUser(ctx, storage.User{ID: id, Username: "bob"}) },
			"User":                  func() error { _, err := e.s.User(ctx, u.ID); return err },
			"UserByName":            func() error { _, err := e.s.UserByName(ctx, u.Username); return err },
			"Users":                 func() error { _, _, err := e.s.Users(ctx, storage.Page{}); return err },
			"UpdateUser":            func() error { _, err := e.s.UpdateUser(ctx, u.ID, storage.UserPatch{}); return err },
			"DeleteUser":            func() error { return e.s.DeleteUser(ctx, u.ID) },
			"CountAdmins":           func() error { _, err := e.s.CountAdmins(ctx); return err },
			"CreateSession":         func() error { return e.s.CreateSession(ctx, storage.Session{ID: id, KeyHash: "k", User: u.ID}) },
			"SessionByKey":          func() error { _, err := e.s.SessionByKey(ctx, "k"); return err },
			"DeleteSession":         func() error { return e.s.DeleteSession(ctx, "k") },
			"DeleteUserSessions":    func() error { _, err := e.s.DeleteUserSessions(ctx, u.ID); return err },
			"DeleteExpiredSessions": func() error { _, err := e.s.DeleteExpiredSessions(ctx, time.Now()); return err },
			"CreateToken":           func() error { return e.s.CreateToken(ctx, storage.Token{ID: id, User: u.ID, Hash: "h"}) },
			"TokenByHash":           func() error { _, err := e.s.TokenByHash(ctx, "h"); return err },
			"Tokens":                func() error { _, err := e.s.Tokens(ctx, u.ID); return err },
			"TouchToken":            func() error { return e.s.TouchToken(ctx, id, time.Now()) },
			"DeleteToken":           func() error { return e.s.DeleteToken(ctx, id) },
			"CreateRoom":            func() error { return e.s.CreateRoom(ctx, storage.Room{ID: id, Name: "r"}, storage.Member{}) },
			"Room":                  func() error { _, err := e.s.Room(ctx, r.ID); return err },
			"Rooms":                 func() error { _, err := e.s.Rooms(ctx); return err },
			"UpdateRoom":            func() error { _, err := e.s.UpdateRoom(ctx, r.ID, storage.RoomPatch{}); return err },
			"DeleteRoom":            func() error { return e.s.DeleteRoom(ctx, r.ID) },
			"AddMember":             func() error { return e.s.AddMember(ctx, storage.Member{ID: id, Room: r.ID, Profile: u.ID}) },
			"Member":                func() error { _, err := e.s.Member(ctx, m.ID); return err },
			"MemberOf":              func() error { _, err := e.s.MemberOf(ctx, r.ID, u.ID); return err },
			"Members":               func() error { _, err := e.s.Members(ctx, r.ID); return err },
			"MembershipsOf":         func() error { _, err := e.s.MembershipsOf(ctx, u.ID); return err },
			"SetMemberRole":         func() error { _, err := e.s.SetMemberRole(ctx, m.ID, storage.RoleGuest); return err },
			"DeleteMember":          func() error { return e.s.DeleteMember(ctx, m.ID) },
			"SetReadMarker":         func() error { _, err := e.s.SetReadMarker(ctx, m.ID, id); return err },
			"SetMemberMuted":        func() error { _, err := e.s.SetMemberMuted(ctx, m.ID, true); return err },
			"CreateMessage":         func() error { return e.s.CreateMessage(ctx, storage.Message{ID: id, Room: r.ID, Sender: u.ID}) },
			"Message":               func() error { _, err := e.s.Message(ctx, msg.ID); return err },
			"MessageByClientID":     func() error { _, err := e.s.MessageByClientID(ctx, u.ID, "c"); return err },
			"Messages":              func() error { _, err := e.s.Messages(ctx, conv, storage.MessageQuery{}); return err },
			"CountMessagesAfter":    func() error { _, err := e.s.CountMessagesAfter(ctx, conv, storage.NilID, 0); return err },
			"EditMessage":           func() error { _, err := e.s.EditMessage(ctx, msg.ID, "x", time.Now()); return err },
			"DeleteMessage":         func() error { return e.s.DeleteMessage(ctx, msg.ID) },
			"AddReaction":           func() error { _, _, err := e.s.AddReaction(ctx, msg.ID, rx); return err },
			"RemoveReaction":        func() error { _, _, err := e.s.RemoveReaction(ctx, msg.ID, rx.Emoji, u.ID); return err },
			"DirectPartners":        func() error { _, err := e.s.DirectPartners(ctx, u.ID); return err },
			"LastMessageID":         func() error { _, err := e.s.LastMessageID(ctx); return err },
			"SearchMessages":        func() error { _, err := e.s.SearchMessages(ctx, search); return err },
			"CreateHook":            func() error { return e.s.CreateHook(ctx, storage.Hook{ID: id, Room: r.ID, SecretHash: "s2"}) },
			"Hook":                  func() error { _, err := e.s.Hook(ctx, h.ID); return err },
			"HookBySecret":          func() error { _, err := e.s.HookBySecret(ctx, h.SecretHash); return err },
			"Hooks":                 func() error { _, err := e.s.Hooks(ctx, r.ID); return err },
			"DeleteHook":            func() error { return e.s.DeleteHook(ctx, h.ID) },
		} {
			require.ErrorIs(e, call(), storage.ErrClosed, name)
		}
	}},
	{"A cancelled context stops reads and writes", func(e *env) {
		u := e.newUser("alice")
		ctx, cancel := context.WithCancel(e.ctx())
		cancel()
		_, err := e.s.User(ctx, u.ID)
		require.ErrorIs(e, err, context.Canceled)
		bob := storage.User{ID: e.ids.New(), Username: "bob", Email: "bob@example.com"}
		err = e.s.CreateUser(ctx, bob)
		require.ErrorIs(e, err, context.Canceled)
		_, err = e.s.User(e.ctx(), bob.ID)
		notFound(e, err, "a write with a cancelled context must not happen")
	}},
}
