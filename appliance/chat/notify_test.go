package chat_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// targets lists who is notified of m, as "username:reason", sorted.
func (w *world) targets(m storage.Message) []string {
	w.t.Helper()
	ts, err := w.svc.NotifyTargets(context.Background(), m)
	require.NoError(w.t, err)
	names := map[storage.ID]string{}
	for _, a := range []chat.Actor{w.admin, w.owner, w.member, w.guest, w.stranger} {
		names[a.User.ID] = a.User.Username
	}
	out := []string{}
	for _, t := range ts {
		out = append(out, names[t.User]+":"+t.Reason)
	}
	sort.Strings(out)
	return out
}

func (w *world) say(a chat.Actor, n chat.NewMessage) storage.Message {
	w.t.Helper()
	m, err := w.svc.Post(context.Background(), a, n)
	require.NoError(w.t, err)
	return m
}

func (w *world) setNotify(a chat.Actor, room storage.ID, level string, until time.Time) {
	w.t.Helper()
	ctx := context.Background()
	ms, err := w.svc.Members(ctx, a, room)
	require.NoError(w.t, err)
	for _, m := range ms {
		if m.Profile == a.User.ID {
			_, err := w.svc.UpdateMember(ctx, a, m.ID, chat.MemberChanges{Notify: chat.NotifyChange{Level: &level, MutedUntil: &until}})
			require.NoError(w.t, err)
		}
	}
}

func TestNotifyTargets_TheServerDecidesWhoIsNotified(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, func(o *chat.Options) { o.RoomMentionLimit = 4 })
	room := w.open.ID // the admin (who made it), owner, member and guest are members

	// A room notifies of mentions by default, never the sender.
	assert.Equal(t, []string{}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "hello"})))
	assert.Equal(t, []string{"member:mention"}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "@member look, @owner"})))

	// "all" notifies of everything; "none" and a mute of nothing, not
	// even a mention; a mute that has ended, of everything again.
	w.setNotify(w.guest, room, storage.NotifyAll, time.Time{})
	assert.Equal(t, []string{"guest:all"}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "news"})))
	w.setNotify(w.member, room, storage.NotifyNone, time.Time{})
	assert.Equal(t, []string{"guest:all"}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "@member?"})))
	w.setNotify(w.guest, room, storage.NotifyAll, time.Now().Add(time.Hour))
	assert.Equal(t, []string{}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "muted for an hour"})))
	w.setNotify(w.guest, room, storage.NotifyAll, time.Now().Add(-time.Minute))
	assert.Equal(t, []string{"guest:all"}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "after the mute"})))

	// @room: the room has 4 members, the limit; with a fifth, only its
	// owners and administrators reach everyone with it.
	w.setNotify(w.member, room, "", time.Time{})
	assert.Equal(t, []string{"admin:mention", "guest:mention", "owner:mention"}, w.targets(w.say(w.member, chat.NewMessage{Room: room, Text: "@room lunch"})))
	_, err := w.svc.AddMember(ctx, w.stranger, room, storage.ID{}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"guest:all"}, w.targets(w.say(w.member, chat.NewMessage{Room: room, Text: "@room lunch"})), "a member in a big room")
	assert.Equal(t, []string{"admin:mention", "guest:mention", "member:mention", "stranger:mention"}, w.targets(w.say(w.owner, chat.NewMessage{Room: room, Text: "@here lunch"})), "the owner")

	// A reply notifies the thread's followers (the root's author and the
	// repliers), unless they silenced the room.
	root := w.say(w.owner, chat.NewMessage{Room: room, Text: "root"})
	w.say(w.member, chat.NewMessage{Thread: root.ID, Text: "first"})
	assert.Equal(t, []string{"member:thread"}, w.targets(w.say(w.owner, chat.NewMessage{Thread: root.ID, Text: "second"})))
	assert.Equal(t, []string{"owner:thread"}, w.targets(w.say(w.member, chat.NewMessage{Thread: root.ID, Text: "third"})))
	w.setNotify(w.owner, room, storage.NotifyNone, time.Time{})
	assert.Equal(t, []string{}, w.targets(w.say(w.member, chat.NewMessage{Thread: root.ID, Text: "fourth"})))

	// A direct message notifies its recipient, unless muted there.
	dm := chat.NewMessage{Recipient: w.member.User.ID, Text: "psst"}
	assert.Equal(t, []string{"member:direct"}, w.targets(w.say(w.owner, dm)))
	none := storage.NotifyNone
	_, err = w.svc.ChangeDirect(ctx, w.member, w.owner.User.ID, chat.DirectChange{Notify: chat.NotifyChange{Level: &none}})
	require.NoError(t, err)
	assert.Equal(t, []string{}, w.targets(w.say(w.owner, dm)))

	// A group conversation notifies of everything by default.
	g, _, err := w.svc.OpenGroup(ctx, w.owner, []storage.ID{w.member.User.ID, w.guest.User.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{"guest:direct", "member:direct"}, w.targets(w.say(w.owner, chat.NewMessage{Room: g.ID, Text: "hi all"})))
}

func TestNotify_BadSettingsAreRefused(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ms, err := w.svc.Members(ctx, w.member, w.open.ID)
	require.NoError(t, err)
	var mine, other storage.Member
	for _, m := range ms {
		switch m.Profile {
		case w.member.User.ID:
			mine = m
		case w.owner.User.ID:
			other = m
		}
	}
	bad, far := "loud", time.Now().Add(2*366*24*time.Hour)
	_, err = w.svc.UpdateMember(ctx, w.member, mine.ID, chat.MemberChanges{Notify: chat.NotifyChange{Level: &bad}})
	assert.ErrorContains(t, err, "notify")
	_, err = w.svc.UpdateMember(ctx, w.member, mine.ID, chat.MemberChanges{Notify: chat.NotifyChange{MutedUntil: &far}})
	assert.ErrorContains(t, err, "muted_until")
	level := storage.NotifyAll
	_, err = w.svc.UpdateMember(ctx, w.member, other.ID, chat.MemberChanges{Notify: chat.NotifyChange{Level: &level}})
	is(t, chat.ErrOwnMuteOnly, err, "another's settings")
	_, err = w.svc.ChangeDirect(ctx, w.member, w.member.User.ID, chat.DirectChange{Notify: chat.NotifyChange{Level: &level}})
	is(t, chat.ErrWithSelf, err)
}
