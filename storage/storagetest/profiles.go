package storagetest

import (
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// setProfile gives u a display name and a status and returns it as the
// store now holds it.
func (e *env) setProfile(u storage.User, name string, st storage.Status) storage.User {
	e.Helper()
	got, err := e.s.UpdateUser(e.ctx(), u.ID, storage.UserPatch{DisplayName: &name, Status: &st})
	require.NoError(e, err)
	u.DisplayName, u.Status = name, st
	same(e, u, got)
	return got
}

var profileScenarios = []scenario{
	{"CreateUser stores a display name and a status with its expiry", func(e *env) {
		u := storage.User{
			ID: e.ids.New(), Username: "alice", Email: "alice@example.com", Created: time.Now(),
			DisplayName: "Alice Martin",
			Status:      storage.Status{Text: "👩‍💻 Heads down", Expires: time.Date(2031, 5, 6, 7, 8, 9, 123_456_789, time.FixedZone("CEST", 2*3600))},
		}
		require.NoError(e, e.s.CreateUser(e.ctx(), u))
		got, err := e.s.User(e.ctx(), u.ID)
		require.NoError(e, err)
		same(e, u, got)
		require.Equal(e, "2031-05-06T05:08:09.123Z", got.Status.Expires.UTC().Format("2006-01-02T15:04:05.000Z"), "the moment, at millisecond precision")
		list, _, err := e.s.Users(e.ctx(), storage.Page{})
		require.NoError(e, err)
		sameList(e, []storage.User{u}, list, "lists carry the profile too")
		found, err := e.s.UsersByPrefix(e.ctx(), "ali", 10)
		require.NoError(e, err)
		sameList(e, []storage.User{u}, found)
	}},
	{"A user without a profile has none: no display name, the zero status", func(e *env) {
		u := e.newUser("bob")
		got, err := e.s.User(e.ctx(), u.ID)
		require.NoError(e, err)
		require.Empty(e, got.DisplayName)
		require.Equal(e, storage.Status{}, norm(got).Status)
	}},
	{"UpdateUser sets, keeps and removes the display name and the status each on its own", func(e *env) {
		alice := e.newUser("alice")
		alice = e.setProfile(alice, "Alice", storage.Status{Text: "🌴 On holiday", Expires: time.Now().Add(24 * time.Hour)})

		// A patch of something else keeps both.
		admin := true
		got, err := e.s.UpdateUser(e.ctx(), alice.ID, storage.UserPatch{IsSuperuser: &admin})
		require.NoError(e, err)
		alice.IsSuperuser = true
		same(e, alice, got)

		// A status without an expiry; the name stays.
		forever := storage.Status{Text: "Working from Lyon"}
		got, err = e.s.UpdateUser(e.ctx(), alice.ID, storage.UserPatch{Status: &forever})
		require.NoError(e, err)
		alice.Status = forever
		same(e, alice, got)
		require.True(e, got.Status.Expires.IsZero(), "no expiry stays none")

		// The name goes; the status stays.
		none := ""
		got, err = e.s.UpdateUser(e.ctx(), alice.ID, storage.UserPatch{DisplayName: &none})
		require.NoError(e, err)
		alice.DisplayName = ""
		same(e, alice, got)

		// The status goes.
		got, err = e.s.UpdateUser(e.ctx(), alice.ID, storage.UserPatch{Status: &storage.Status{}})
		require.NoError(e, err)
		alice.Status = storage.Status{}
		same(e, alice, got)
		reread, err := e.s.User(e.ctx(), alice.ID)
		require.NoError(e, err)
		same(e, alice, reread, "as stored, not only as answered")
	}},
	{"A profile's text round-trips as given, right-to-left scripts and emoji included", func(e *env) {
		alice := e.newUser("alice")
		for _, name := range []string{"שלום עולם", "José 🇫🇷", "$ne", `{"$ne": null}`, "profile.$.name"} {
			st := storage.Status{Text: name}
			got := e.setProfile(alice, name, st)
			require.Equal(e, name, got.DisplayName)
			require.Equal(e, name, got.Status.Text)
		}
		other := e.newUser("bob")
		got, err := e.s.User(e.ctx(), other.ID)
		require.NoError(e, err)
		same(e, other, got, "another user is untouched")
	}},
	{"Updating the profile of a user that does not exist gives ErrNotFound", func(e *env) {
		name := "ghost"
		_, err := e.s.UpdateUser(e.ctx(), e.ids.New(), storage.UserPatch{DisplayName: &name})
		notFound(e, err)
	}},
}
