package chat_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// clockAt is a clock for one test, moved by hand.
type clockAt struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clockAt) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clockAt) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestUpdateProfile_CleansWhatItKeepsAndRefusesWhatCouldDeceive(t *testing.T) {
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	cases := []struct {
		name       string
		change     chat.ProfileChanges
		err        error
		wantName   string
		wantStatus storage.Status
	}{
		{name: "a name, trimmed", change: chat.ProfileChanges{DisplayName: str("  Ann Smith\u00a0")}, wantName: "Ann Smith"},
		{name: "a name of 64 characters", change: chat.ProfileChanges{DisplayName: str(strings.Repeat("é", 64))}, wantName: strings.Repeat("é", 64)},
		{name: "a right-to-left name", change: chat.ProfileChanges{DisplayName: str("שרה כהן")}, wantName: "שרה כהן"},
		{name: "a name of 65 characters", change: chat.ProfileChanges{DisplayName: str(strings.Repeat("é", 65))}, err: chat.ErrDisplayNameLong},
		{name: "a name on two lines", change: chat.ProfileChanges{DisplayName: str("Ann\nAdmin")}, err: chat.ErrDisplayNameText},
		{name: "a name with a bidi override", change: chat.ProfileChanges{DisplayName: str("\u202enimda")}, err: chat.ErrDisplayNameFormat},
		{name: "a name with a zero-width joiner, emoji or not", change: chat.ProfileChanges{DisplayName: str("👩‍💻 Ann")}, err: chat.ErrDisplayNameFormat},
		{name: "a name of invalid UTF-8", change: chat.ProfileChanges{DisplayName: str("Ann\xff")}, err: chat.ErrDisplayNameText},
		{name: "a status with an emoji first and an expiry, kept in UTC at milliseconds",
			change:     chat.ProfileChanges{Status: &storage.Status{Text: " 👩‍💻 Heads down ", Expires: time.Date(2026, 12, 4, 18, 0, 0, 999_999, time.FixedZone("CET", 3600))}},
			wantStatus: storage.Status{Text: "👩‍💻 Heads down", Expires: time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)}},
		{name: "a status without an expiry", change: chat.ProfileChanges{Status: &storage.Status{Text: "Working from Lyon"}}, wantStatus: storage.Status{Text: "Working from Lyon"}},
		{name: "a status of 100 characters", change: chat.ProfileChanges{Status: &storage.Status{Text: strings.Repeat("x", 100)}}, wantStatus: storage.Status{Text: strings.Repeat("x", 100)}},
		{name: "a blank status is none, whatever its expiry", change: chat.ProfileChanges{Status: &storage.Status{Text: "  ", Expires: start.Add(-time.Hour)}}},
		{name: "a status of 101 characters", change: chat.ProfileChanges{Status: &storage.Status{Text: strings.Repeat("x", 101)}}, err: chat.ErrStatusLong},
		{name: "a status on two lines", change: chat.ProfileChanges{Status: &storage.Status{Text: "a\nb"}}, err: chat.ErrStatusText},
		{name: "a status with a bidi override", change: chat.ProfileChanges{Status: &storage.Status{Text: "\u202eyadiloh"}}, err: chat.ErrStatusFormat},
		{name: "a status with a zero-width space", change: chat.ProfileChanges{Status: &storage.Status{Text: "in\u200bvisible"}}, err: chat.ErrStatusFormat},
		{name: "a status that expired already", change: chat.ProfileChanges{Status: &storage.Status{Text: "Lunch", Expires: start.Add(-time.Second)}}, err: chat.ErrStatusExpired},
		{name: "a status that expires now", change: chat.ProfileChanges{Status: &storage.Status{Text: "Lunch", Expires: start}}, err: chat.ErrStatusExpired},
		{name: "a status that expires within the millisecond", change: chat.ProfileChanges{Status: &storage.Status{Text: "Lunch", Expires: start.Add(time.Microsecond)}}, err: chat.ErrStatusExpired},
		{name: "nothing to change", change: chat.ProfileChanges{}, err: chat.Missing("display_name")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := &clockAt{now: start}
			w := newWorld(t, func(o *chat.Options) { o.Now = clock.Now })
			u, err := w.svc.UpdateProfile(context.Background(), w.member, c.change)
			is(t, c.err, err)
			stored, serr := w.svc.User(context.Background(), w.admin, w.member.User.ID)
			require.NoError(t, serr)
			if c.err != nil {
				assert.Empty(t, stored.DisplayName, "nothing is stored")
				assert.Equal(t, storage.Status{}, stored.Status)
				assert.Empty(t, w.events, "nothing is announced")
				return
			}
			assert.Equal(t, c.wantName, u.DisplayName)
			assert.Equal(t, c.wantStatus.Text, u.Status.Text)
			assert.True(t, c.wantStatus.Expires.Equal(u.Status.Expires), "expires %v, want %v", u.Status.Expires, c.wantStatus.Expires)
			assert.Equal(t, u.DisplayName, stored.DisplayName)
			assert.Equal(t, u.Status.Text, stored.Status.Text)
			require.Len(t, w.events, 1)
			e := w.events[0]
			assert.Equal(t, chat.EventUserUpdated, e.Name)
			assert.True(t, e.Everyone, "everyone learns of it")
			assert.Equal(t, c.wantName, e.User.DisplayName)
			assert.Equal(t, start, e.At)
		})
	}
}

func TestUpdateProfile_ANameOrStatusAloneLeavesTheOtherAndAnExpiredStatusGoesWithTheNextWrite(t *testing.T) {
	ctx := context.Background()
	clock := &clockAt{now: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	w := newWorld(t, func(o *chat.Options) { o.Now = clock.Now })
	name := "Ann"
	lunch := storage.Status{Text: "Lunch", Expires: clock.Now().Add(time.Hour)}
	u, err := w.svc.UpdateProfile(ctx, w.member, chat.ProfileChanges{DisplayName: &name, Status: &lunch})
	require.NoError(t, err)
	w.member.User = u

	other := "Ann B."
	u, err = w.svc.UpdateProfile(ctx, w.member, chat.ProfileChanges{DisplayName: &other})
	require.NoError(t, err)
	assert.Equal(t, "Lunch", u.Status.Text, "the status stays")
	w.member.User = u

	clock.advance(time.Hour)
	names, err := w.svc.Usernames(ctx, []storage.ID{u.ID})
	require.NoError(t, err)
	assert.Equal(t, chat.Name{Username: "member", DisplayName: "Ann B."}, names[u.ID], "an expired status is shown nowhere")

	again := "Ann"
	u, err = w.svc.UpdateProfile(ctx, w.member, chat.ProfileChanges{DisplayName: &again})
	require.NoError(t, err)
	assert.Equal(t, storage.Status{}, u.Status, "the write cleared the expired status")

	// The system actor is no user: it has no profile to change.
	_, err = w.svc.UpdateProfile(ctx, chat.SystemActor, chat.ProfileChanges{DisplayName: &again})
	is(t, chat.ErrUnauthenticated, err)
}

func TestMessageEvents_CarryTheSendersDisplayNameButAHooksDoNot(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	name := "Member Marie"
	u, err := w.svc.UpdateProfile(ctx, w.member, chat.ProfileChanges{DisplayName: &name})
	require.NoError(t, err)
	w.member.User = u
	m, err := w.svc.Post(ctx, w.member, chat.NewMessage{Room: w.open.ID, Text: "hello"})
	require.NoError(t, err)
	_, err = w.svc.React(ctx, w.owner, m.ID, "👍")
	require.NoError(t, err)
	_, err = w.svc.Delete(ctx, w.owner, m.ID)
	require.NoError(t, err)
	var got []string
	for _, e := range w.events {
		if e.Message != nil {
			got = append(got, e.Name+" "+e.DisplayName)
		}
	}
	assert.Equal(t, []string{"message.created Member Marie", "message.updated Member Marie", "message.deleted Member Marie"}, got)
	names, err := w.svc.SenderNames(ctx, []storage.Message{m, {Sender: w.member.User.ID, Hook: w.open.ID}, {Sender: w.owner.User.ID}})
	require.NoError(t, err)
	assert.Equal(t, map[storage.ID]string{w.member.User.ID: "Member Marie"}, names, "senders without a name are left out")
}
