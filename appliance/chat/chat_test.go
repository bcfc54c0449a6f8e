package chat_test

// Table tests of the domain's rules, called directly (not through HTTP),
// over a real bbolt store in a temporary directory. Each row builds its
// own world, so `go test -run 'TestX/row'` of one row passes.

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
)

// world is a service with an administrator and three users, and two
// rooms made by the administrator: an open visible one where owner is
// the owner, member a member and guest a guest, and a closed hidden one
// that only the administrator belongs to.
type world struct {
	t                                     *testing.T
	svc                                   *chat.Service
	events                                []chat.Event
	admin, owner, member, guest, stranger chat.Actor
	open, hidden                          storage.Room
}

func newWorld(t *testing.T, opts ...func(*chat.Options)) *world {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "makechat.db"), bolt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	w := &world{t: t}
	o := chat.Options{BcryptCost: bcrypt.MinCost, Notify: func(e chat.Event) { w.events = append(w.events, e) }}
	for _, f := range opts {
		f(&o)
	}
	w.svc = chat.New(st, o)
	ctx := context.Background()
	require.NoError(t, w.svc.Init(ctx))
	mk := func(name string, admin bool) chat.Actor {
		u, err := w.svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: name, Email: name + "@example.com", Password: name + " password", IsSuperuser: admin})
		require.NoError(t, err)
		return chat.Actor{User: u}
	}
	w.admin, w.owner, w.member, w.guest, w.stranger = mk("admin", true), mk("owner", false), mk("member", false), mk("guest", false), mk("stranger", false)
	w.open, err = w.svc.CreateRoom(ctx, w.admin, chat.NewRoom{Name: "open"})
	require.NoError(t, err)
	closed, hidden := false, false
	w.hidden, err = w.svc.CreateRoom(ctx, w.admin, chat.NewRoom{Name: "hidden", IsOpen: &closed, IsVisible: &hidden})
	require.NoError(t, err)
	for _, m := range []struct {
		a    chat.Actor
		role string
	}{{w.owner, storage.RoleOwner}, {w.member, storage.RoleMember}, {w.guest, storage.RoleGuest}} {
		_, err := w.svc.AddMember(ctx, w.admin, w.open.ID, m.a.User.ID, m.role)
		require.NoError(t, err)
	}
	w.events = nil
	return w
}

// is reports err as the named domain error: same kind and sentence.
func is(t *testing.T, want, got error, msgAndArgs ...any) {
	t.Helper()
	if want == nil {
		assert.NoError(t, got, msgAndArgs...)
		return
	}
	we, _ := chat.AsError(want)
	ge, ok := chat.AsError(got)
	if assert.True(t, ok, "want %v, got %v", want, got) {
		assert.Equal(t, we.Kind, ge.Kind, msgAndArgs...)
		assert.Equal(t, we.Msg, ge.Msg, msgAndArgs...)
	}
}

func TestRooms_WhoMayDoWhat(t *testing.T) {
	ctx := context.Background()
	rename := func(name string) chat.RoomChanges { return chat.RoomChanges{Name: &name} }
	for _, tt := range []struct {
		name string
		do   func(w *world) error
		want error
	}{
		{"a user may not create a room", func(w *world) error {
			_, err := w.svc.CreateRoom(ctx, w.member, chat.NewRoom{Name: "mine"})
			return err
		}, chat.ErrAdminRequired},
		{"the owner renames its room", func(w *world) error {
			_, err := w.svc.UpdateRoom(ctx, w.owner, w.open.ID, rename("renamed"))
			return err
		}, nil},
		{"a member may not rename it", func(w *world) error {
			_, err := w.svc.UpdateRoom(ctx, w.member, w.open.ID, rename("x"))
			return err
		}, chat.ErrOwnerRequired},
		{"a stranger does not see a hidden room", func(w *world) error {
			_, err := w.svc.Room(ctx, w.stranger, w.hidden.ID)
			return err
		}, chat.NotFound("room")},
		{"an administrator sees it", func(w *world) error {
			_, err := w.svc.Room(ctx, w.admin, w.hidden.ID)
			return err
		}, nil},
		{"a taken name is a conflict, whatever its case", func(w *world) error {
			_, err := w.svc.UpdateRoom(ctx, w.owner, w.open.ID, rename("HIDDEN"))
			return err
		}, chat.Conflict("A room named 'HIDDEN' already exists.")},
		{"a name with a bidi control is refused", func(w *world) error {
			_, err := w.svc.CreateRoom(ctx, w.admin, chat.NewRoom{Name: "a\u202eb"})
			return err
		}, chat.Invalid("name", "must not contain invisible formatting characters (bidi controls, zero-width characters)")},
		{"PUT without a name is missing it", func(w *world) error {
			_, err := w.svc.ReplaceRoom(ctx, w.owner, w.open.ID, chat.NewRoom{})
			return err
		}, chat.Missing("name")},
		{"PUT by a member is refused before the body counts", func(w *world) error {
			_, err := w.svc.ReplaceRoom(ctx, w.member, w.open.ID, chat.NewRoom{})
			return err
		}, chat.ErrOwnerRequired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is(t, tt.want, tt.do(newWorld(t)))
		})
	}
}

func TestMembers_WhoMayDoWhat(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		do   func(w *world) error
		want error
	}{
		{"anyone joins an open room", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.stranger, w.open.ID, storage.NilID, "")
			return err
		}, nil},
		{"a closed room takes an invitation", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.stranger, w.hidden.ID, storage.NilID, "")
			return err
		}, chat.NotFound("room")},
		{"joining gives the role member only", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.stranger, w.open.ID, storage.NilID, storage.RoleOwner)
			return err
		}, chat.ErrJoinAsMember},
		{"a member may not add others", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.member, w.open.ID, w.stranger.User.ID, "")
			return err
		}, chat.ErrOwnerRequired},
		{"the owner adds others with a role", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.owner, w.open.ID, w.stranger.User.ID, storage.RoleGuest)
			return err
		}, nil},
		{"adding a member twice is a conflict", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.owner, w.open.ID, w.member.User.ID, "")
			return err
		}, chat.ErrAlreadyMember},
		{"adding a user that does not exist", func(w *world) error {
			_, err := w.svc.AddMember(ctx, w.owner, w.open.ID, storage.NewIDGen().New(), "")
			return err
		}, chat.ErrNoSuchUserToAdd},
		{"a stranger may not list a room's members", func(w *world) error {
			_, err := w.svc.Members(ctx, w.stranger, w.open.ID)
			return err
		}, chat.ErrMembersListOnly},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is(t, tt.want, tt.do(newWorld(t)))
		})
	}
}

func TestMessages_WhoMayDoWhat(t *testing.T) {
	ctx := context.Background()
	post := func(w *world, a chat.Actor, text string) (storage.Message, error) {
		return w.svc.Post(ctx, a, chat.NewMessage{Room: w.open.ID, Text: text})
	}
	for _, tt := range []struct {
		name string
		do   func(w *world) error
		want error
	}{
		{"a member posts", func(w *world) error { _, err := post(w, w.member, "hi"); return err }, nil},
		{"a guest may not post", func(w *world) error { _, err := post(w, w.guest, "hi"); return err }, chat.ErrGuestsCannotPost},
		{"a stranger must join first", func(w *world) error { _, err := post(w, w.stranger, "hi"); return err }, chat.ErrJoinToPost},
		{"an administrator must join first too", func(w *world) error {
			r, err := w.svc.CreateRoom(ctx, chat.SystemActor, chat.NewRoom{Name: "nobody's"})
			require.NoError(w.t, err)
			_, err = w.svc.Post(ctx, w.admin, chat.NewMessage{Room: r.ID, Text: "hi"})
			return err
		}, chat.ErrJoinToPost},
		{"blank text is refused", func(w *world) error { _, err := post(w, w.member, " \n\t"); return err }, chat.ErrTextBlank},
		{"a direct message to oneself is refused", func(w *world) error {
			_, err := w.svc.Post(ctx, w.member, chat.NewMessage{Recipient: w.member.User.ID, Text: "me"})
			return err
		}, chat.ErrRecipientSelf},
		{"room and recipient together are refused", func(w *world) error {
			_, err := w.svc.Post(ctx, w.member, chat.NewMessage{Room: w.open.ID, Recipient: w.owner.User.ID, Text: "x"})
			return err
		}, chat.ErrRoomAndRecipient},
		{"only the sender edits", func(w *world) error {
			m, err := post(w, w.member, "mine")
			require.NoError(w.t, err)
			_, err = w.svc.Edit(ctx, w.owner, m.ID, "theirs")
			return err
		}, chat.ErrSenderEditsOnly},
		{"the room's owner deletes another's message", func(w *world) error {
			m, err := post(w, w.member, "mine")
			require.NoError(w.t, err)
			_, err = w.svc.Delete(ctx, w.owner, m.ID)
			return err
		}, nil},
		{"another member may not delete it", func(w *world) error {
			m, err := post(w, w.owner, "the owner's")
			require.NoError(w.t, err)
			_, err = w.svc.Delete(ctx, w.member, m.ID)
			return err
		}, chat.ErrRoomDeleteDenied},
		{"a stranger does not see a hidden room's message", func(w *world) error {
			m, err := w.svc.Post(ctx, w.admin, chat.NewMessage{Room: w.hidden.ID, Text: "secret"})
			require.NoError(w.t, err)
			_, err = w.svc.Delete(ctx, w.stranger, m.ID)
			return err
		}, chat.ErrNoSuchMessage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is(t, tt.want, tt.do(newWorld(t)))
		})
	}
}

func TestPost_AClientIDMakesAResendFindTheFirst(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	n := chat.NewMessage{Room: w.open.ID, Text: "only once", ClientID: "tab-7f3a-1"}
	first, err := w.svc.Post(ctx, w.member, n)
	require.NoError(t, err)
	events := len(w.events)

	again, err := w.svc.Post(ctx, w.member, n)
	require.NoError(t, err)
	assert.Equal(t, first, again, "the resend gets the first message")
	assert.Len(t, w.events, events, "and announces nothing")

	// Even once the sender has left the room: the answer the first post
	// would have had.
	mine, err := w.svc.Members(ctx, w.member, w.open.ID)
	require.NoError(t, err)
	for _, m := range mine {
		if m.Profile == w.member.User.ID {
			_, err := w.svc.RemoveMember(ctx, w.member, m.ID)
			require.NoError(t, err)
		}
	}
	again, err = w.svc.Post(ctx, w.member, n)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)

	// Another user's client id is theirs; a reuse for another message
	// is refused.
	_, err = w.svc.Post(ctx, w.owner, n)
	require.NoError(t, err)
	for _, other := range []chat.NewMessage{
		{Room: w.open.ID, Text: "another text", ClientID: "tab-7f3a-1"},
		{Recipient: w.owner.User.ID, Text: "only once", ClientID: "tab-7f3a-1"},
	} {
		_, err = w.svc.Post(ctx, w.member, other)
		is(t, chat.ErrClientIDReused, err)
	}
	// After an edit, the resend of the original text is still the same
	// message.
	_, err = w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "draft", ClientID: "e1"})
	require.NoError(t, err)
	edited, err := w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "draft", ClientID: "e1"})
	require.NoError(t, err)
	_, err = w.svc.Edit(ctx, w.owner, edited.ID, "final")
	require.NoError(t, err)
	again, err = w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "draft", ClientID: "e1"})
	require.NoError(t, err)
	assert.Equal(t, "final", again.Text)

	for _, bad := range []string{"a b", strings.Repeat("x", 65), "é", "tab/1", "\x00"} {
		_, err := w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "x", ClientID: bad})
		e, ok := chat.AsError(err)
		require.True(t, ok, "%q: %v", bad, err)
		assert.Equal(t, "client_id", e.Field, bad)
	}
}

func TestPost_ConcurrentResendsStoreOneMessage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, func(o *chat.Options) { o.Notify = nil })
	const n = 12
	got := make([]storage.Message, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = w.svc.Post(ctx, w.admin, chat.NewMessage{Room: w.open.ID, Text: "racing", ClientID: "race"})
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, got[0].ID, got[i].ID)
	}
	page, err := w.svc.History(ctx, w.admin, chat.HistoryQuery{Room: w.open.ID})
	require.NoError(t, err)
	assert.Len(t, page, 1)
}

func TestLimits_PostsAndTypingPerUserAdminsExempt(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	w := newWorld(t, func(o *chat.Options) {
		o.PostsPerSecond, o.PostBurst, o.TypingPerSecond = 1, 2, 1
		o.Now = func() time.Time { return now }
	})
	for range 2 {
		_, err := w.svc.Post(ctx, w.member, chat.NewMessage{Room: w.open.ID, Text: "burst"})
		require.NoError(t, err)
	}
	_, err := w.svc.Post(ctx, w.member, chat.NewMessage{Room: w.open.ID, Text: "one too many"})
	is(t, chat.ErrPostingTooFast, err)
	e, _ := chat.AsError(err)
	assert.Equal(t, time.Second, e.RetryAfter)
	_, err = w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "another user has its own"})
	require.NoError(t, err)
	now = now.Add(time.Second)
	_, err = w.svc.Post(ctx, w.member, chat.NewMessage{Room: w.open.ID, Text: "a second later"})
	require.NoError(t, err)

	for range 20 {
		_, err := w.svc.Post(ctx, w.admin, chat.NewMessage{Room: w.open.ID, Text: "admins are exempt"})
		require.NoError(t, err)
	}

	for range 3 {
		require.NoError(t, w.svc.Typing(ctx, w.member, w.open.ID, storage.NilID))
	}
	is(t, chat.ErrTypingTooOften, w.svc.Typing(ctx, w.member, w.open.ID, storage.NilID))
}

func TestUsers_TheLastAdministratorStays(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	no := false
	_, err := w.svc.UpdateUser(ctx, w.admin, w.admin.User.ID, chat.UserChanges{IsSuperuser: &no})
	is(t, chat.ErrLastAdmin, err)
	is(t, chat.ErrLastAdmin, w.svc.DeleteUser(ctx, w.admin, w.admin.User.ID))
	_, err = w.svc.UpdateUser(ctx, w.member, w.guest.User.ID, chat.UserChanges{IsSuperuser: &no})
	is(t, chat.ErrAdminRequired, err)
}

func TestUsers_ChangesEndStreamsAndApplyRightsAtOnce(t *testing.T) {
	ctx := context.Background()
	yes, pw := true, "a new password"
	for _, tt := range []struct {
		name    string
		changes chat.UserChanges
		end     string // the reason streams end with, "" for none
		access  *bool  // the admin flag streams get, nil for no change
	}{
		{"disabled", chat.UserChanges{IsDisabled: &yes}, chat.ReasonDisabled, nil},
		{"a new password", chat.UserChanges{Password: &pw}, chat.ReasonPasswordChanged, nil},
		{"made an administrator", chat.UserChanges{IsSuperuser: &yes}, "", &yes},
		{"an email changed", chat.UserChanges{Email: new(string("new@example.com"))}, "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			_, err := w.svc.UpdateUser(ctx, w.admin, w.member.User.ID, tt.changes)
			require.NoError(t, err)
			var end *chat.Ending
			var access *chat.Access
			for _, e := range w.events {
				if e.End != nil {
					end = e.End
				}
				if e.Access != nil {
					access = e.Access
				}
			}
			if tt.end == "" {
				assert.Nil(t, end)
			} else if assert.NotNil(t, end) {
				assert.Equal(t, chat.Ending{User: w.member.User.ID, Reason: tt.end}, *end)
			}
			if tt.access == nil {
				assert.Nil(t, access)
			} else if assert.NotNil(t, access) {
				assert.Equal(t, chat.Access{User: w.member.User.ID, Admin: *tt.access}, *access)
			}
		})
	}
}

func TestHooks_PostOnlyWhileTheMakerMayWrite(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	made, err := w.svc.CreateHook(ctx, w.owner, w.open.ID, chat.NewHook{Name: "CI"})
	require.NoError(t, err)
	secret := made.Secret
	_, err = w.svc.PostByHook(ctx, secret, chat.HookPost{Text: "green"})
	require.NoError(t, err)
	ms, err := w.svc.Members(ctx, w.admin, w.open.ID)
	require.NoError(t, err)
	for _, m := range ms {
		if m.Profile == w.owner.User.ID {
			guest := storage.RoleGuest
			_, err := w.svc.UpdateMember(ctx, w.admin, m.ID, chat.MemberChanges{Role: &guest})
			require.NoError(t, err)
		}
	}
	_, err = w.svc.PostByHook(ctx, secret, chat.HookPost{Text: "red"})
	is(t, chat.ErrHookMakerCannotPost, err)
	_, err = w.svc.PostByHook(ctx, "0123456789abcdefghijklmnopqrstuv", chat.HookPost{Text: "x"})
	is(t, chat.ErrNoSuchHook, err)
}
