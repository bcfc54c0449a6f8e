package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// searchWorld is a world where the member and the owner talk about a
// deploy in the open room, the member with a log file; the owner tells
// the member something in private; the administrator says something in
// its hidden room; and a second open room, "Team Chat", that the member
// has not joined, has a message of the owner's.
type searchWorld struct {
	*world
	teamChat storage.Room
	started  storage.Message // the owner's, in the open room
	done     storage.Message // the member's, in the open room
	withLog  storage.Message // the member's, with a file
	private  storage.Message // the owner's, to the member
	secret   storage.Message // the administrator's, in the hidden room
	team     storage.Message // the owner's, in Team Chat
}

func newSearchWorld(t *testing.T) *searchWorld {
	w := &searchWorld{world: newWorld(t, func(o *chat.Options) { o.UploadMaxBytes = 1 << 20 })}
	ctx := context.Background()
	post := func(a chat.Actor, n chat.NewMessage) storage.Message {
		m, err := w.svc.Post(ctx, a, n)
		require.NoError(t, err)
		return m
	}
	var err error
	w.teamChat, err = w.svc.CreateRoom(ctx, w.admin, chat.NewRoom{Name: "Team Chat"})
	require.NoError(t, err)
	_, err = w.svc.AddMember(ctx, w.admin, w.teamChat.ID, w.owner.User.ID, storage.RoleMember)
	require.NoError(t, err)
	f, err := w.svc.Upload(ctx, w.member, "deploy.log", strings.NewReader("all good"))
	require.NoError(t, err)
	w.started = post(w.owner, chat.NewMessage{Room: w.open.ID, Text: "deploy started"})
	w.done = post(w.member, chat.NewMessage{Room: w.open.ID, Text: "Deploy done"})
	w.withLog = post(w.member, chat.NewMessage{Room: w.open.ID, Text: "the deploy log", Files: []storage.ID{f.ID}})
	w.private = post(w.owner, chat.NewMessage{Recipient: w.member.User.ID, Text: "deploy privately"})
	w.secret = post(w.admin, chat.NewMessage{Room: w.hidden.ID, Text: "deploy secretly"})
	w.team = post(w.owner, chat.NewMessage{Room: w.teamChat.ID, Text: "deploy with the team"})
	return w
}

// day is the date, in UTC, of m's id, moved by days.
func day(m storage.Message, days int) string {
	return m.ID.Time().AddDate(0, 0, days).Format(time.DateOnly)
}

func TestSearch_Filters(t *testing.T) {
	ctx := context.Background()
	ids := func(msgs ...storage.Message) []storage.ID {
		out := make([]storage.ID, len(msgs))
		for i, m := range msgs {
			out[i] = m.ID
		}
		return out
	}
	for _, tt := range []struct {
		name string
		as   func(w *searchWorld) chat.Actor
		q    func(w *searchWorld) string
		want func(w *searchWorld) []storage.Message // newest first
	}{
		{"words alone cover the caller's rooms and direct conversations",
			member, fixed("deploy"), func(w *searchWorld) []storage.Message {
				return []storage.Message{w.private, w.withLog, w.done, w.started}
			}},
		{"from: a username, whatever its case, with or without @",
			member, fixed("deploy FROM:@Owner"), func(w *searchWorld) []storage.Message { return []storage.Message{w.private, w.started} }},
		{"from: alone lists that user's messages",
			member, fixed("from:member"), func(w *searchWorld) []storage.Message { return []storage.Message{w.withLog, w.done} }},
		{"from: an unknown user finds nothing",
			member, fixed("deploy from:nobody"), none},
		{"from: two users finds nothing: every filter must hold",
			member, fixed("from:owner from:member"), none},
		{"from: the same user twice is once",
			member, fixed("from:owner from:OWNER"), func(w *searchWorld) []storage.Message { return []storage.Message{w.private, w.started} }},
		{"in: a room by name, with or without #",
			member, fixed("in:#OPEN deploy"), func(w *searchWorld) []storage.Message { return []storage.Message{w.withLog, w.done, w.started} }},
		{"in: a room the caller may read without having joined it, its name in quotes",
			member, fixed(`in:"team chat"`), func(w *searchWorld) []storage.Message { return []storage.Message{w.team} }},
		{"in: a hidden room of others is as unknown",
			member, fixed("in:hidden"), none},
		{"in: a hidden room, for its member",
			admin, fixed("in:hidden deploy"), func(w *searchWorld) []storage.Message { return []storage.Message{w.secret} }},
		{"in: @user is the direct conversation with that user",
			member, fixed("in:@owner"), func(w *searchWorld) []storage.Message { return []storage.Message{w.private} }},
		{"in: @oneself finds nothing",
			member, fixed("in:@member"), none},
		{"in: two conversations finds nothing",
			member, fixed("in:open in:@owner"), none},
		{"has:file",
			member, fixed("has:file"), func(w *searchWorld) []storage.Message { return []storage.Message{w.withLog} }},
		{"filters combine",
			member, fixed("log in:open from:member has:files"), func(w *searchWorld) []storage.Message { return []storage.Message{w.withLog} }},
		{"on: the day of the messages",
			member, func(w *searchWorld) string { return "from:owner on:" + day(w.started, 0) }, func(w *searchWorld) []storage.Message { return []storage.Message{w.private, w.started} }},
		{"before: leaves that day out",
			member, func(w *searchWorld) string { return "deploy before:" + day(w.private, 0) }, none},
		{"after: leaves that day out",
			member, func(w *searchWorld) string { return "deploy after:" + day(w.started, 0) }, none},
		{"after: the day before and before: the day after",
			member, func(w *searchWorld) string {
				return "from:member after:" + day(w.done, -1) + " before:" + day(w.withLog, 1)
			}, func(w *searchWorld) []storage.Message { return []storage.Message{w.withLog, w.done} }},
		{"two before: dates mean the earlier",
			member, func(w *searchWorld) string { return "deploy before:" + day(w.done, 1) + " before:1999-01-01" }, none},
		{"a date before ids began",
			member, fixed("deploy before:1970-01-01"), none},
		{"an unknown filter is words",
			member, fixed("foo:deploy"), none},
		{"a filter without a value is a word",
			member, fixed("deploy from:"), none},
		{"names that look like operators are names",
			member, fixed(`from:$ne in:{"$gt":""} deploy`), none},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newSearchWorld(t)
			res, err := w.svc.Search(ctx, tt.as(w), tt.q(w), storage.NilID, 0)
			require.NoError(t, err)
			assert.Equal(t, ids(tt.want(w)...), ids(res.Messages...))
		})
	}
}

func TestSearch_BadFiltersAreRefusedByName(t *testing.T) {
	ctx := context.Background()
	w := newSearchWorld(t)
	for q, want := range map[string]string{
		"before:2026-13-01":     "The 'q' parameter's before: filter must be a date as YYYY-MM-DD (UTC), such as before:2026-12-01.",
		"deploy after:2026-2-1": "The 'q' parameter's after: filter must be a date as YYYY-MM-DD (UTC), such as after:2026-12-01.",
		"on:+026-01-01":         "The 'q' parameter's on: filter must be a date as YYYY-MM-DD (UTC), such as on:2026-12-01.",
		"on:yesterday":          "The 'q' parameter's on: filter must be a date as YYYY-MM-DD (UTC), such as on:2026-12-01.",
		"has:cake":              "The 'q' parameter's has: filter must be has:file.",
	} {
		t.Run(q, func(t *testing.T) {
			_, err := w.svc.Search(ctx, w.member, q, storage.NilID, 0)
			e, ok := chat.AsError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, chat.KindInvalid, e.Kind)
			assert.Equal(t, "q", e.Field)
			assert.Equal(t, want, e.Msg)
		})
	}
}

func member(w *searchWorld) chat.Actor { return w.member }
func admin(w *searchWorld) chat.Actor  { return w.admin }
func fixed(q string) func(*searchWorld) string {
	return func(*searchWorld) string { return q }
}
func none(*searchWorld) []storage.Message { return nil }
