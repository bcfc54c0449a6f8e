package storagetest

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// hostileStrings are values a client might send to break a store: the
// store does no validation, so each must round-trip without touching any
// other data.
var hostileStrings = []struct{ name, s string }{
	{"a 10,000-character name", strings.Repeat("ab", 5000)},
	{"10,000 two-byte characters", strings.Repeat("é", 10000)},
	{"invalid UTF-8", "bad\xff\xfe\xc3(end"},
	{"cut, surrogate and overlong UTF-8", "cut\xe2\x82 surrogate\xed\xa0\x80 overlong\xc0\xaf"},
	{"NUL bytes", "nul\x00in\x00the\x00middle"},
	{"a MongoDB operator", "$ne"},
	{"an operator document", `{"$ne": null}`},
	{"a dotted field path", "profile.$.name"},
	{"JSON and SQL", `"}]; DROP TABLE users; --`},
	{"a relative path", "../../etc/passwd"},
	{"control characters and emoji", "\u202etxt.exe\t\r\n👍🏽"},
	{"right-to-left scripts", "שלום עולם، مرحبا بالعالم"},
	{"emoji only", "👩‍👩‍👧‍👦🇫🇷"},
}

// storedForms lists, for each invalid UTF-8 string that the suite stores
// (the hostile one, and the edited text made from it), what a store may
// give back besides the string itself: the string with each bad byte
// replaced by U+FFFD, as encoding/json and the BSON encoder write it. The
// forms are written out by hand, so that the suite does not compute its
// expectations with the code it tests (storage.ValidUTF8).
var storedForms = map[string]string{
	// \xff and \xfe are never UTF-8; \xc3 starts a two-byte sequence
	// that '(' does not continue: three bad bytes, three U+FFFD.
	"bad\xff\xfe\xc3(end":       "bad\uFFFD\uFFFD\uFFFD(end",
	"plain bad\xff\xfe\xc3(end": "plain bad\uFFFD\uFFFD\uFFFD(end",
	// Each byte on its own, not each broken sequence: a three-byte
	// sequence cut after two bytes is two U+FFFD, a UTF-16 surrogate
	// (not allowed in UTF-8) three, an overlong '/' two.
	"cut\xe2\x82 surrogate\xed\xa0\x80 overlong\xc0\xaf":       "cut\uFFFD\uFFFD surrogate\uFFFD\uFFFD\uFFFD overlong\uFFFD\uFFFD",
	"plain cut\xe2\x82 surrogate\xed\xa0\x80 overlong\xc0\xaf": "plain cut\uFFFD\uFFFD surrogate\uFFFD\uFFFD\uFFFD overlong\uFFFD\uFFFD",
}

// sameText requires got to be want, or for invalid UTF-8 want with its bad
// bytes replaced by U+FFFD (see the package documentation).
func sameText(e *env, want, got, field string) {
	e.Helper()
	if got == want || utf8.ValidString(want) {
		require.Equal(e, want, got, field)
		return
	}
	replaced, ok := storedForms[want]
	require.True(e, ok, "the suite stores %q, which is not valid UTF-8: add its stored form to storedForms", want)
	require.Equal(e, replaced, got, field)
}

// canary is a set of ordinary objects that a hostile write must not touch.
type canary struct {
	user    storage.User
	session storage.Session
	token   storage.Token
	room    storage.Room
	owner   storage.Member
}

func (e *env) newCanary() canary {
	var c canary
	c.user = e.newUser("canary")
	c.session = e.newSession(c.user, time.Now().Add(time.Hour))
	c.token = e.newToken(c.user, "canary")
	c.room, c.owner = e.newRoom("canary", c.user)
	return c
}

func (e *env) requireCanary(c canary) {
	e.Helper()
	u, err := e.s.UserByName(e.ctx(), c.user.Username)
	require.NoError(e, err)
	same(e, c.user, u)
	sess, err := e.s.SessionByKey(e.ctx(), c.session.KeyHash)
	require.NoError(e, err)
	same(e, c.session, sess)
	tok, err := e.s.TokenByHash(e.ctx(), c.token.Hash)
	require.NoError(e, err)
	same(e, c.token, tok)
	requireRoom(e, c.room)
	m, err := e.s.MemberOf(e.ctx(), c.room.ID, c.user.ID)
	require.NoError(e, err)
	same(e, c.owner, m)
}

// hostileScenarios makes one scenario per hostile string: each gets its
// own store, since two invalid UTF-8 names may fold to the same key.
func hostileScenarios() []scenario {
	var out []scenario
	for _, h := range hostileStrings {
		out = append(out, scenario{h.name + " round-trips and harms nothing else", func(e *env) {
			roundTripHostile(e, h.s)
		}})
	}
	return out
}

func roundTripHostile(e *env, s string) {
	c := e.newCanary()
	now := time.Now()

	u := storage.User{ID: e.ids.New(), Username: s, Email: s, PasswordHash: s, Created: now}
	require.NoError(e, e.s.CreateUser(e.ctx(), u))
	gotUser, err := e.s.User(e.ctx(), u.ID)
	require.NoError(e, err)
	sameText(e, s, gotUser.Username, "username")
	sameText(e, s, gotUser.Email, "email")
	sameText(e, s, gotUser.PasswordHash, "password hash")
	byName, err := e.s.UserByName(e.ctx(), s)
	require.NoError(e, err, "UserByName finds the user by the string it was given")
	require.Equal(e, u.ID, byName.ID)

	sess := storage.Session{ID: e.ids.New(), KeyHash: s, User: u.ID, Created: now, Expires: now.Add(time.Hour)}
	require.NoError(e, e.s.CreateSession(e.ctx(), sess))
	gotSess, err := e.s.SessionByKey(e.ctx(), s)
	require.NoError(e, err)
	require.Equal(e, sess.ID, gotSess.ID)
	sameText(e, s, gotSess.KeyHash, "session key hash")

	tok := storage.Token{ID: e.ids.New(), User: u.ID, Name: s, Hash: s, Created: now}
	require.NoError(e, e.s.CreateToken(e.ctx(), tok))
	gotTok, err := e.s.TokenByHash(e.ctx(), s)
	require.NoError(e, err)
	require.Equal(e, tok.ID, gotTok.ID)
	sameText(e, s, gotTok.Name, "token name")
	sameText(e, s, gotTok.Hash, "token hash")

	r := storage.Room{ID: e.ids.New(), Name: s, Created: now}
	m := storage.Member{ID: e.ids.New(), Room: r.ID, Profile: u.ID, Role: s}
	require.NoError(e, e.s.CreateRoom(e.ctx(), r, m))
	gotRoom, err := e.s.Room(e.ctx(), r.ID)
	require.NoError(e, err)
	sameText(e, s, gotRoom.Name, "room name")
	require.Equal(e, []storage.ID{m.ID}, gotRoom.Members)
	gotMember, err := e.s.Member(e.ctx(), m.ID)
	require.NoError(e, err)
	sameText(e, s, gotMember.Role, "role")
	joined := e.join(c.room, u)
	inRoom, direct := roundTripHostileMessages(e, s, u, r, c)

	// The unique values are taken, exactly as any other would be.
	duplicate(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: s, Email: "x"}))
	duplicate(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: e.ids.New(), Name: s}, storage.Member{}))
	e.requireCanary(withMember(c, joined))

	// Deleting the hostile objects frees their values and keeps the rest.
	require.NoError(e, e.s.DeleteRoom(e.ctx(), r.ID))
	require.NoError(e, e.s.DeleteUser(e.ctx(), u.ID))
	e.requireCanary(c)
	_, err = e.s.Message(e.ctx(), inRoom.ID)
	notFound(e, err, "the room's message went with it")
	got, err := e.s.Message(e.ctx(), direct.ID)
	require.NoError(e, err, "the direct message stays")
	sameText(e, s, got.Text, "direct message text")
	_, err = e.s.HookBySecret(e.ctx(), s)
	notFound(e, err, "the room's hook went with it")
	require.NoError(e, e.s.CreateHook(e.ctx(), storage.Hook{ID: e.ids.New(), Room: c.room.ID, SecretHash: s}))
	require.NoError(e, e.s.CreateUser(e.ctx(), storage.User{ID: e.ids.New(), Username: s, Email: s}))
	require.NoError(e, e.s.CreateRoom(e.ctx(), storage.Room{ID: e.ids.New(), Name: s}, storage.Member{}))
	require.NoError(e, e.s.CreateToken(e.ctx(), storage.Token{ID: e.ids.New(), User: c.user.ID, Hash: s}))
	require.NoError(e, e.s.CreateSession(e.ctx(), storage.Session{ID: e.ids.New(), KeyHash: s, User: c.user.ID}))
	e.requireCanary(c)
}

// withMember is c with m added to its room's Members, as after m
// joined the canary room.
func withMember(c canary, m storage.Member) canary {
	c.room.Members = append(append([]storage.ID(nil), c.room.Members...), m.ID)
	return c
}

// roundTripHostileMessages posts s in room r as u and sends it to the
// canary user, checks that both read back and are found by their words,
// edits the room message, and gives s a hook in r.
func roundTripHostileMessages(e *env, s string, u storage.User, r storage.Room, c canary) (inRoom, direct storage.Message) {
	e.Helper()
	now := time.Now()
	inRoom = storage.Message{ID: e.ids.New(), Text: s, Sender: u.ID, Room: r.ID, Username: s, Created: now}
	require.NoError(e, e.s.CreateMessage(e.ctx(), inRoom))
	direct = storage.Message{ID: e.ids.New(), Text: s, Sender: u.ID, Recipient: c.user.ID, Created: now}
	require.NoError(e, e.s.CreateMessage(e.ctx(), direct))
	for _, m := range []storage.Message{inRoom, direct} {
		got, err := e.s.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		sameText(e, s, got.Text, "message text")
		page := e.history(m.Conversation(), storage.MessageQuery{})
		require.Len(e, page, 1)
		sameText(e, s, page[0].Text, "message text in history")
	}
	convs := []storage.Conversation{inRoom.Conversation(), direct.Conversation()}
	if len(storage.SearchTerms(s)) > 0 {
		require.Equal(e, []storage.ID{direct.ID, inRoom.ID}, e.find(s, convs...), "search by the text's own words")
	}

	edited, err := e.s.EditMessage(e.ctx(), inRoom.ID, "plain "+s, now)
	require.NoError(e, err)
	sameText(e, "plain "+s, edited.Text, "edited text")
	require.Equal(e, []storage.ID{inRoom.ID}, e.find("plain", convs...))

	h := storage.Hook{ID: e.ids.New(), Room: r.ID, Creator: u.ID, Name: s, SecretHash: s, Created: now}
	require.NoError(e, e.s.CreateHook(e.ctx(), h))
	got, err := e.s.HookBySecret(e.ctx(), s)
	require.NoError(e, err, "HookBySecret finds the hook by the string it was given")
	require.Equal(e, h.ID, got.ID)
	sameText(e, s, got.Name, "hook name")
	return inRoom, direct
}
