package storagetest

import (
	"slices"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// newHook creates a hook of room r, made by creator.
func (e *env) newHook(r storage.Room, creator storage.User, name string) storage.Hook {
	e.Helper()
	id := e.ids.New()
	h := storage.Hook{ID: id, Room: r.ID, Creator: creator.ID, Name: name, SecretHash: "secret " + id.Hex(), Created: time.Now()}
	require.NoError(e, e.s.CreateHook(e.ctx(), h))
	return h
}

var hookScenarios = []scenario{
	{"CreateHook stores every field; Hook and HookBySecret find it", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		h := storage.Hook{ID: e.ids.New(), Room: r.ID, Creator: alice.ID, Name: "CI", SecretHash: "Secret-Hash", Created: time.Now()}
		require.NoError(e, e.s.CreateHook(e.ctx(), h))
		out := storage.Hook{ID: e.ids.New(), Room: r.ID, Creator: alice.ID, Name: "bot", SecretHash: "Other-Hash", Created: time.Now(),
			Outgoing: &storage.Outgoing{URL: "https://bot.example.com/in", Triggers: []string{"!deploy", "bot"}, Secret: "signing secret"}, Bot: e.ids.New(), OwnBot: true}
		require.NoError(e, e.s.CreateHook(e.ctx(), out))
		got, err := e.s.Hook(e.ctx(), out.ID)
		require.NoError(e, err)
		same(e, out, got)
		list, err := e.s.Hooks(e.ctx(), r.ID)
		require.NoError(e, err)
		require.Len(e, list, 2)
		same(e, out, list[1])
		got, err = e.s.Hook(e.ctx(), h.ID)
		require.NoError(e, err)
		same(e, h, got)
		got, err = e.s.HookBySecret(e.ctx(), "Secret-Hash")
		require.NoError(e, err)
		same(e, h, got)
	}},
	{"Hook and HookBySecret of a missing hook give ErrNotFound; secrets compare exactly", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		h := e.newHook(r, alice, "ci")
		_, err := e.s.Hook(e.ctx(), e.ids.New())
		notFound(e, err)
		for _, secret := range []string{"", "nope", h.SecretHash + " ", "SECRET " + h.ID.Hex()} {
			_, err = e.s.HookBySecret(e.ctx(), secret)
			notFound(e, err, "secret %q", secret)
		}
	}},
	{"Hooks lists a room's hooks in id order", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		other, _ := e.newRoom("other", alice)
		want := make([]storage.Hook, 3)
		for i := range want {
			id := e.ids.New()
			want[i] = storage.Hook{ID: id, Room: r.ID, Creator: alice.ID, Name: string(rune('a' + i)), SecretHash: id.Hex()}
		}
		for _, h := range slices.Backward(want) {
			require.NoError(e, e.s.CreateHook(e.ctx(), h))
		}
		otherHook := e.newHook(other, alice, "elsewhere")
		got, err := e.s.Hooks(e.ctx(), r.ID)
		require.NoError(e, err)
		sameList(e, want, got)
		got, err = e.s.Hooks(e.ctx(), other.ID)
		require.NoError(e, err)
		sameList(e, []storage.Hook{otherHook}, got)
		got, err = e.s.Hooks(e.ctx(), e.ids.New())
		require.NoError(e, err)
		require.Empty(e, got, "a room without hooks has an empty list, not an error")
	}},
	{"CreateHook in a missing room gives ErrNotFound and writes nothing", func(e *env) {
		alice := e.newUser("alice")
		h := storage.Hook{ID: e.ids.New(), Room: e.ids.New(), Creator: alice.ID, Name: "ci", SecretHash: "s"}
		notFound(e, e.s.CreateHook(e.ctx(), h))
		_, err := e.s.Hook(e.ctx(), h.ID)
		notFound(e, err)
		_, err = e.s.HookBySecret(e.ctx(), "s")
		notFound(e, err, "the failed hook's secret must not have been claimed")
		r, _ := e.newRoom("lobby", alice)
		h.Room = r.ID
		require.NoError(e, e.s.CreateHook(e.ctx(), h))
	}},
	{"CreateHook with a taken id or secret gives ErrDuplicate and writes nothing", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		first := e.newHook(r, alice, "first")
		sameSecret := storage.Hook{ID: e.ids.New(), Room: r.ID, Creator: alice.ID, Name: "second", SecretHash: first.SecretHash}
		duplicate(e, e.s.CreateHook(e.ctx(), sameSecret))
		_, err := e.s.Hook(e.ctx(), sameSecret.ID)
		notFound(e, err)
		sameID := storage.Hook{ID: first.ID, Room: r.ID, Creator: alice.ID, Name: "third", SecretHash: "third secret"}
		duplicate(e, e.s.CreateHook(e.ctx(), sameID))
		_, err = e.s.HookBySecret(e.ctx(), "third secret")
		notFound(e, err, "the failed hook's secret must not have been claimed")
		got, err := e.s.HookBySecret(e.ctx(), first.SecretHash)
		require.NoError(e, err)
		same(e, first, got)
		list, err := e.s.Hooks(e.ctx(), r.ID)
		require.NoError(e, err)
		sameList(e, []storage.Hook{first}, list)
	}},
	{"DeleteHook removes the hook and frees its secret", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		gone := e.newHook(r, alice, "gone")
		kept := e.newHook(r, alice, "kept")
		require.NoError(e, e.s.DeleteHook(e.ctx(), gone.ID))
		_, err := e.s.Hook(e.ctx(), gone.ID)
		notFound(e, err)
		_, err = e.s.HookBySecret(e.ctx(), gone.SecretHash)
		notFound(e, err)
		list, err := e.s.Hooks(e.ctx(), r.ID)
		require.NoError(e, err)
		sameList(e, []storage.Hook{kept}, list)
		notFound(e, e.s.DeleteHook(e.ctx(), gone.ID), "a second delete finds nothing")
		again := storage.Hook{ID: e.ids.New(), Room: r.ID, Name: "again", SecretHash: gone.SecretHash}
		require.NoError(e, e.s.CreateHook(e.ctx(), again))
	}},
}
