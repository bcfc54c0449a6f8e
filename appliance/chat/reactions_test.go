package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// smileys are n different emoji: U+1F600 onwards.
func smileys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune(0x1F600 + i))
	}
	return out
}

// reactionsOf lists a message's reactions as "emoji username".
func reactionsOf(m storage.Message) []string {
	out := []string{}
	for _, r := range m.Reactions {
		out = append(out, r.Emoji+" "+r.Username)
	}
	return out
}

func TestReactions_WhoMayReact(t *testing.T) {
	ctx := context.Background()
	post := func(w *world, a chat.Actor, room storage.ID) storage.Message {
		m, err := w.svc.Post(ctx, a, chat.NewMessage{Room: room, Text: "react to me"})
		require.NoError(w.t, err)
		return m
	}
	dm := func(w *world) storage.Message {
		m, err := w.svc.Post(ctx, w.member, chat.NewMessage{Recipient: w.owner.User.ID, Text: "psst"})
		require.NoError(w.t, err)
		return m
	}
	for _, tt := range []struct {
		name string
		do   func(w *world) error
		want error
	}{
		{"a member reacts", func(w *world) error {
			_, err := w.svc.React(ctx, w.member, post(w, w.owner, w.open.ID).ID, "👍")
			return err
		}, nil},
		{"a guest, who may read, reacts", func(w *world) error {
			_, err := w.svc.React(ctx, w.guest, post(w, w.owner, w.open.ID).ID, "👍")
			return err
		}, nil},
		{"a stranger reacts in an open visible room, which anyone may read", func(w *world) error {
			_, err := w.svc.React(ctx, w.stranger, post(w, w.owner, w.open.ID).ID, "👍")
			return err
		}, nil},
		{"a stranger does not see a hidden room's message", func(w *world) error {
			_, err := w.svc.React(ctx, w.stranger, post(w, w.admin, w.hidden.ID).ID, "👍")
			return err
		}, chat.ErrNoSuchMessage},
		{"nor may it take a reaction off one", func(w *world) error {
			_, err := w.svc.Unreact(ctx, w.stranger, post(w, w.admin, w.hidden.ID).ID, "👍")
			return err
		}, chat.ErrNoSuchMessage},
		{"the other party of a direct message reacts", func(w *world) error {
			_, err := w.svc.React(ctx, w.owner, dm(w).ID, "👍")
			return err
		}, nil},
		{"a third user does not see a direct message", func(w *world) error {
			_, err := w.svc.React(ctx, w.guest, dm(w).ID, "👍")
			return err
		}, chat.ErrNoSuchMessage},
		{"a deleted message is not found", func(w *world) error {
			m := post(w, w.member, w.open.ID)
			_, err := w.svc.Delete(ctx, w.member, m.ID)
			require.NoError(w.t, err)
			_, err = w.svc.React(ctx, w.member, m.ID, "👍")
			return err
		}, chat.ErrNoSuchMessage},
		{"an unknown message is not found", func(w *world) error {
			_, err := w.svc.React(ctx, w.member, storage.NewIDGen().New(), "👍")
			return err
		}, chat.ErrNoSuchMessage},
		{"text is not an emoji", func(w *world) error {
			_, err := w.svc.React(ctx, w.member, post(w, w.owner, w.open.ID).ID, "ok")
			return err
		}, chat.ErrNotAnEmoji},
		{"nor is an empty string", func(w *world) error {
			_, err := w.svc.Unreact(ctx, w.member, post(w, w.owner, w.open.ID).ID, "")
			return err
		}, chat.Missing("emoji")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is(t, tt.want, tt.do(newWorld(t)))
		})
	}
}

func TestReactions_EachChangeIsAnnouncedAndNothingElseChanges(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	m, err := w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "lunch?"})
	require.NoError(t, err)
	w.events = nil

	got, err := w.svc.React(ctx, w.member, m.ID, "🍕")
	require.NoError(t, err)
	assert.Equal(t, []string{"🍕 member"}, reactionsOf(got))
	assert.True(t, got.Edited.IsZero(), "a reaction is no edit")
	assert.Equal(t, m.Text, got.Text)
	require.Len(t, w.events, 1)
	ev := w.events[0]
	assert.Equal(t, chat.EventMessageUpdated, ev.Name)
	assert.Equal(t, w.open.ID, ev.ToRoom, "the message's usual audience")
	assert.Equal(t, []string{"🍕 member"}, reactionsOf(*ev.Message))

	again, err := w.svc.React(ctx, w.member, m.ID, "🍕")
	require.NoError(t, err)
	assert.Equal(t, reactionsOf(got), reactionsOf(again), "the same answer")
	assert.Len(t, w.events, 1, "a change that changes nothing is not announced")

	_, err = w.svc.React(ctx, w.guest, m.ID, "🍕")
	require.NoError(t, err)
	got, err = w.svc.Unreact(ctx, w.member, m.ID, "🍕")
	require.NoError(t, err)
	assert.Equal(t, []string{"🍕 guest"}, reactionsOf(got))
	require.Len(t, w.events, 3)
	assert.Equal(t, []string{"🍕 guest"}, reactionsOf(*w.events[2].Message))
	_, err = w.svc.Unreact(ctx, w.member, m.ID, "🍕")
	require.NoError(t, err)
	assert.Len(t, w.events, 3)

	// The reaction keeps the name its user had.
	require.NoError(t, w.svc.DeleteUser(ctx, w.admin, w.guest.User.ID))
	msgs, err := w.svc.History(ctx, w.member, chat.HistoryQuery{Room: w.open.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{"🍕 guest"}, reactionsOf(msgs[len(msgs)-1]))

	dm, err := w.svc.Post(ctx, w.member, chat.NewMessage{Recipient: w.owner.User.ID, Text: "psst"})
	require.NoError(t, err)
	w.events = nil
	_, err = w.svc.React(ctx, w.owner, dm.ID, "🤫")
	require.NoError(t, err)
	require.Len(t, w.events, 1)
	assert.ElementsMatch(t, []storage.ID{w.member.User.ID, w.owner.User.ID}, w.events[0].ToUsers)
}

func TestReactions_LimitsPerMessageAreInvalid(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	m, err := w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "vote"})
	require.NoError(t, err)
	emoji := smileys(storage.MaxReactionEmoji + 1)
	for _, e := range emoji[:storage.MaxUserReactions] {
		_, err := w.svc.React(ctx, w.member, m.ID, e)
		require.NoError(t, err)
	}
	_, err = w.svc.React(ctx, w.member, m.ID, emoji[storage.MaxUserReactions])
	is(t, chat.ErrTooManyReactions, err)
	for _, e := range emoji[storage.MaxUserReactions:storage.MaxReactionEmoji] {
		_, err := w.svc.React(ctx, w.owner, m.ID, e)
		require.NoError(t, err)
	}
	_, err = w.svc.React(ctx, w.guest, m.ID, emoji[storage.MaxReactionEmoji])
	is(t, chat.ErrTooManyEmoji, err)
	got, err := w.svc.React(ctx, w.guest, m.ID, emoji[0])
	require.NoError(t, err, "an emoji the message has is no new one")
	assert.Len(t, got.Reactions, storage.MaxReactionEmoji+1)
}

func TestReactions_TenThousandTogglesAreLimitedAndCountsStayRight(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	w := newWorld(t, func(o *chat.Options) { o.Now = func() time.Time { return now } })
	m, err := w.svc.Post(ctx, w.owner, chat.NewMessage{Room: w.open.ID, Text: "toggle me"})
	require.NoError(t, err)
	_, err = w.svc.React(ctx, w.owner, m.ID, "👍")
	require.NoError(t, err)
	w.events = nil

	toggle := func(a chat.Actor, n int) (done, limited int) {
		t.Helper()
		for i := range n {
			var err error
			if i%2 == 0 {
				_, err = w.svc.React(ctx, a, m.ID, "👍")
			} else {
				_, err = w.svc.Unreact(ctx, a, m.ID, "👍")
			}
			if err == nil {
				done++
				continue
			}
			is(t, chat.ErrReactingTooFast, err)
			e, _ := chat.AsError(err)
			require.Positive(t, e.RetryAfter)
			limited++
		}
		return done, limited
	}
	done, limited := toggle(w.member, 10_000)
	assert.Equal(t, 60, done, "the burst")
	assert.Equal(t, 10_000-60, limited)
	assert.Len(t, w.events, 60, "one event per change made")
	stored := func() []string {
		msgs, err := w.svc.History(ctx, w.owner, chat.HistoryQuery{Room: w.open.ID})
		require.NoError(t, err)
		return reactionsOf(msgs[len(msgs)-1])
	}
	assert.Equal(t, []string{"👍 owner"}, stored(), "sixty changes made: an even number, so the member's 👍 is off")

	// Another user has its own allowance; ten seconds later the member
	// has a new burst; administrators are exempt.
	done, _ = toggle(w.guest, 1)
	assert.Equal(t, 1, done)
	now = now.Add(reactionWindow)
	done, limited = toggle(w.member, 61)
	assert.Equal(t, 60, done)
	assert.Equal(t, 1, limited)
	done, _ = toggle(w.admin, 1001)
	assert.Equal(t, 1001, done)
	assert.Equal(t, []string{"👍 owner", "👍 guest", "👍 admin"}, stored())
}

// reactionWindow is the service's: a full burst again after it.
const reactionWindow = 10 * time.Second
