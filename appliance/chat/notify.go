package chat

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/makechat/makechat/storage"
)

// Notification levels: each user chooses, per room, group or direct
// conversation, to be notified of every message (all), of those that
// mention it (mentions) or of none, and may mute a conversation until a
// time. Unset, a direct or group conversation notifies of every message
// and a room of mentions. Followed threads notify of their replies
// unless the conversation is at none or muted. The server decides who is
// notified of a message (NotifyTargets); Web Push sends to them.

// maxMute is the furthest a mute may end.
const maxMute = 366 * 24 * time.Hour

// NotifyChange is a change of a user's notification settings in one
// conversation; nil fields stay. A MutedUntil in the past (or zero)
// ends the mute.
type NotifyChange struct {
	Level      *string
	MutedUntil *time.Time
}

// check validates c against now and normalises an ended mute to zero.
func (c *NotifyChange) check(now time.Time) error {
	if c.Level != nil && !slices.Contains(storage.NotifyLevels, *c.Level) {
		return Invalid("notify", `must be "all", "mentions", "none" or "" (the default)`)
	}
	if c.MutedUntil != nil {
		switch t := *c.MutedUntil; {
		case t.After(now.Add(maxMute)):
			return Invalid("muted_until", "must be within a year")
		case !t.After(now):
			zero := time.Time{}
			c.MutedUntil = &zero
		}
	}
	return nil
}

func (c NotifyChange) empty() bool { return c.Level == nil && c.MutedUntil == nil }

// Reasons a user is notified of a message.
const (
	ReasonDirect  = "direct"  // a direct or group conversation at "all"
	ReasonMention = "mention" // it names the user (or @room)
	ReasonThread  = "thread"  // a reply in a thread the user follows
	ReasonAll     = "all"     // a room the user set to "all"
)

// Target is a user to notify of a message, and why.
type Target struct {
	User   storage.ID
	Reason string
}

// settings is one user's level and mute in one conversation.
type settings struct {
	level      string
	mutedUntil time.Time
	muted      bool
}

func (st settings) quiet(now time.Time) bool {
	return st.muted || st.level == storage.NotifyNone || now.Before(st.mutedUntil)
}

// NotifyTargets lists who is to be notified of m, by the levels above;
// never its sender. Disabled users are left to the caller (the push
// sender has no subscriptions for them once their sessions end).
func (s *Service) NotifyTargets(ctx context.Context, m storage.Message) ([]Target, error) {
	now := s.clock()
	var out []Target
	add := func(u storage.ID, reason string) {
		if u != m.Sender && !slices.ContainsFunc(out, func(t Target) bool { return t.User == u }) {
			out = append(out, Target{u, reason})
		}
	}
	if m.Room.IsZero() {
		st, err := s.directSettings(ctx, m.Recipient, m.Sender)
		if err != nil {
			return nil, err
		}
		if !st.quiet(now) && (st.level != storage.NotifyMentions || mentions(m.Text, "@"+strings.ToLower(s.username(ctx, m.Recipient)))) {
			add(m.Recipient, ReasonDirect)
		}
		return out, nil
	}
	room, err := s.store.Room(ctx, m.Room)
	if err != nil {
		return nil, storeErr(err, "room")
	}
	members, err := s.store.Members(ctx, m.Room)
	if err != nil {
		return nil, storeErr(err, "member")
	}
	byUser := make(map[storage.ID]storage.Member, len(members))
	for _, mb := range members {
		byUser[mb.Profile] = mb
	}
	if m.IsReply() {
		followers, err := s.store.ThreadFollowers(ctx, m.Thread)
		if err != nil {
			return nil, storeErr(err, "thread")
		}
		for _, u := range followers {
			if mb, ok := byUser[u]; ok && !memberSettings(mb).quiet(now) {
				add(u, ReasonThread)
			}
		}
		if !m.InRoom {
			return out, nil
		}
	}
	everyone := mentionsRoom(m.Text) && s.mayMentionRoom(ctx, m, room, len(members))
	named := s.mentionedUsers(ctx, m.Text)
	for _, mb := range members {
		st := memberSettings(mb)
		if st.quiet(now) {
			continue
		}
		level := st.level
		if level == "" {
			level = storage.NotifyMentions
			if room.IsGroup() {
				level = storage.NotifyAll
			}
		}
		switch {
		case everyone || named[mb.Profile]:
			add(mb.Profile, ReasonMention)
		case level == storage.NotifyAll && room.IsGroup():
			add(mb.Profile, ReasonDirect)
		case level == storage.NotifyAll:
			add(mb.Profile, ReasonAll)
		}
	}
	return out, nil
}

func memberSettings(m storage.Member) settings {
	return settings{level: m.Notify, mutedUntil: m.MutedUntil, muted: m.Muted}
}

// directSettings are user's settings in its direct conversation with
// peer.
func (s *Service) directSettings(ctx context.Context, user, peer storage.ID) (settings, error) {
	states, err := s.store.ReadStates(ctx, user)
	if err != nil {
		return settings{}, storeErr(err, "user")
	}
	for _, r := range states {
		if r.Peer == peer {
			return settings{level: r.Notify, mutedUntil: r.MutedUntil}, nil
		}
	}
	return settings{}, nil
}

// maxMentioned bounds the @names of one message looked up.
const maxMentioned = 20

// mentionedUsers is the set of users text names by @username (a room's
// members are many; the names in a message few).
func (s *Service) mentionedUsers(ctx context.Context, text string) map[storage.ID]bool {
	out := map[storage.ID]bool{}
	for _, name := range mentionedNames(text, maxMentioned) {
		if u, err := s.store.UserByName(ctx, name); err == nil && mentions(text, "@"+strings.ToLower(u.Username)) {
			out[u.ID] = true
		}
	}
	return out
}

// username is a user's name, "" if it cannot be read.
func (s *Service) username(ctx context.Context, id storage.ID) string {
	u, err := s.store.User(ctx, id)
	if err != nil {
		return ""
	}
	return u.Username
}

// mentionsRoom reports whether text says @room (or @here, Slack's word
// for it).
func mentionsRoom(text string) bool {
	return mentions(text, "@room") || mentions(text, "@here")
}

// mayMentionRoom reports whether m's sender may notify a whole room of
// size members: anyone in a room of at most RoomMentionLimit members,
// only its owners and administrators in a larger one.
func (s *Service) mayMentionRoom(ctx context.Context, m storage.Message, room storage.Room, size int) bool {
	if s.opts.RoomMentionLimit <= 0 || size <= s.opts.RoomMentionLimit || room.IsGroup() {
		return true
	}
	u, err := s.store.User(ctx, m.Sender)
	if err == nil && u.IsSuperuser {
		return true
	}
	mb, err := s.store.MemberOf(ctx, room.ID, m.Sender)
	return err == nil && mb.Role == storage.RoleOwner
}

// mentionScan bounds how many messages carrying the actor's name (or
// "room"/"here") one Mentions page reads to find its mentions.
const mentionScan = 500

// Mentions lists, newest first, the messages in the actor's rooms and
// direct conversations that mention it by @username, or everyone by
// @room or @here, written by others; before pages back. It reads the
// search index for the name's words and keeps the messages that really
// mention it.
func (s *Service) Mentions(ctx context.Context, a Actor, before storage.ID, limit int) ([]storage.Message, error) {
	convs, err := s.Readable(ctx, a)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	at := "@" + strings.ToLower(a.User.Username)
	var out []storage.Message
	for _, q := range []struct {
		terms []string
		match func(string) bool
	}{
		{storage.SearchTerms(a.User.Username), func(t string) bool { return mentions(t, at) }},
		{[]string{"room"}, func(t string) bool { return mentions(t, "@room") }},
		{[]string{"here"}, func(t string) bool { return mentions(t, "@here") }},
	} {
		if len(q.terms) == 0 {
			continue
		}
		found, err := s.store.SearchMessages(ctx, storage.SearchQuery{Terms: q.terms, Conversations: convs, Before: before, Limit: mentionScan})
		if err != nil {
			return nil, storeErr(err, "message")
		}
		for _, m := range found.Messages {
			if m.Sender != a.User.ID && q.match(m.Text) && !slices.ContainsFunc(out, func(x storage.Message) bool { return x.ID == m.ID }) {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(x, y storage.Message) int { return strings.Compare(y.ID.Hex(), x.ID.Hex()) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
