package chat

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/makechat/makechat/storage"
)

// A search's q is words and filters, in any order, as Slack and Zulip
// users type them:
//
//	deploy from:alice in:ops has:file after:2026-11-01 before:2026-12-01
//
// from:NAME (a username, without regard to case; @NAME too), in:ROOM (a
// room's name, without regard to case; #ROOM too, and @NAME for the
// direct conversation with that user; a name with spaces in double
// quotes, in:"team chat"), has:file (messages that carry uploads),
// before:DATE, after:DATE and on:DATE (YYYY-MM-DD, days in UTC; before
// and after leave that day out, as in Slack). Every filter must hold, as
// every word must: two different from: names find nothing, two before:
// dates mean the earlier. A filter's name is read without regard to case;
// anything else with a colon (10:30, foo:bar, a filter with nothing
// after its colon) is words.
//
// A name that names nothing the caller may read finds nothing rather
// than failing: a typo reads like a word nobody wrote, and whether a
// user or a hidden room exists is not told to someone who cannot see it.
// A value that cannot be right whatever is stored (a date that is not a
// date, has:anything-but-file) is a 400 naming the filter.

// The filters' names.
const (
	filterFrom   = "from"
	filterIn     = "in"
	filterHas    = "has"
	filterBefore = "before"
	filterAfter  = "after"
	filterOn     = "on"
)

// maxSearchTerms is how many of a query's words are used.
const maxSearchTerms = 16

// datePattern is the form of a date filter's value, which time.Parse
// alone would let through with a sign in the year.
var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// searchQuery is q read: its words, and its filters' values.
type searchQuery struct {
	words []string
	// from and in hold each name once, folded (in: names keep their
	// leading # or @).
	from, in []string
	hasFile  bool
	// since and until bound the creation time (since <= created < until);
	// zero when not given.
	since, until time.Time
}

// filters reports whether the query has a filter.
func (p searchQuery) filters() bool {
	return len(p.from) > 0 || len(p.in) > 0 || p.hasFile || !p.since.IsZero() || !p.until.IsZero()
}

// parseSearch reads q's words and filters.
func parseSearch(q string) (searchQuery, error) {
	var p searchQuery
	for _, tok := range searchFields(q) {
		name, value, _ := strings.Cut(tok, ":")
		name = strings.ToLower(name)
		value = strings.TrimSuffix(strings.TrimPrefix(value, `"`), `"`)
		if !isFilter(name) || value == "" {
			p.words = append(p.words, tok)
			continue
		}
		switch name {
		case filterFrom:
			p.from = addOnce(p.from, strings.ToLower(strings.TrimPrefix(value, "@")))
		case filterIn:
			p.in = addOnce(p.in, strings.ToLower(value))
		case filterHas:
			if v := strings.ToLower(value); v != "file" && v != "files" {
				return searchQuery{}, errSearchFilter(filterHas, "has:file")
			}
			p.hasFile = true
		default:
			day, err := time.Parse(time.DateOnly, value)
			if err != nil || !datePattern.MatchString(value) {
				return searchQuery{}, errSearchFilter(name, "a date as YYYY-MM-DD (UTC), such as "+name+":2026-12-01")
			}
			since, until := day, day.AddDate(0, 0, 1)
			switch name {
			case filterBefore:
				since, until = time.Time{}, day
			case filterAfter:
				since, until = until, time.Time{}
			}
			if !since.IsZero() && (p.since.IsZero() || since.After(p.since)) {
				p.since = since
			}
			if !until.IsZero() && (p.until.IsZero() || until.Before(p.until)) {
				p.until = until
			}
		}
	}
	return p, nil
}

func isFilter(name string) bool {
	switch name {
	case filterFrom, filterIn, filterHas, filterBefore, filterAfter, filterOn:
		return true
	}
	return false
}

func addOnce(list []string, v string) []string {
	for _, w := range list {
		if w == v {
			return list
		}
	}
	return append(list, v)
}

// searchFields splits q at white space, except within a filter's value
// in double quotes (in:"team chat"); a quote left open runs to the end.
func searchFields(q string) []string {
	var out []string
	for {
		q = strings.TrimLeftFunc(q, unicode.IsSpace)
		if q == "" {
			return out
		}
		end := strings.IndexFunc(q, unicode.IsSpace)
		if end < 0 {
			end = len(q)
		}
		if name, rest, ok := strings.Cut(q[:end], ":"); ok && isFilter(strings.ToLower(name)) && strings.HasPrefix(rest, `"`) {
			open := len(name) + 2
			end = len(q)
			if n := strings.IndexByte(q[open:], '"'); n >= 0 {
				end = open + n + 1
			}
		}
		out = append(out, q[:end])
		q = q[end:]
	}
}

// storeQuery turns what the actor asked for into the store's query; ok
// is false when nothing can match (a name that names nothing the actor
// may read, two different senders, an empty span of days), and no store
// search is needed.
func (s *Service) storeQuery(ctx context.Context, a Actor, p searchQuery, before storage.ID, limit int) (q storage.SearchQuery, ok bool, err error) {
	q = storage.SearchQuery{Terms: storage.SearchTerms(strings.Join(p.words, " ")), HasFile: p.hasFile, Before: before, Limit: limit}
	if len(q.Terms) > maxSearchTerms {
		q.Terms = q.Terms[:maxSearchTerms]
	}
	if len(q.Terms) == 0 && !p.filters() {
		return q, false, nil
	}
	if !p.until.IsZero() {
		until := storage.FirstIDAt(p.until)
		if until.IsZero() {
			return q, false, nil // before 1970
		}
		if q.Before.IsZero() || until.Less(q.Before) {
			q.Before = until
		}
	}
	if !p.since.IsZero() {
		q.Since = storage.FirstIDAt(p.since)
		if !q.Before.IsZero() && !q.Since.Less(q.Before) {
			return q, false, nil
		}
	}
	switch len(p.from) {
	case 0:
	case 1:
		u, found, err := s.userNamed(ctx, p.from[0])
		if err != nil || !found {
			return q, false, err
		}
		q.Sender = u.ID
	default:
		return q, false, nil
	}
	if len(p.in) == 0 {
		q.Conversations, err = s.Readable(ctx, a)
		return q, err == nil, err
	}
	c, found, err := s.conversationNamed(ctx, a, p.in)
	if err != nil || !found {
		return q, false, err
	}
	q.Conversations = []storage.Conversation{c}
	return q, true, nil
}

// userNamed finds a user by a name typed in a search; found is false
// when there is none, and the store is not asked for a name no user may
// have.
func (s *Service) userNamed(ctx context.Context, name string) (u storage.User, found bool, err error) {
	if !usernamePattern.MatchString(name) {
		return storage.User{}, false, nil
	}
	u, err = s.store.UserByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, false, nil
	}
	if err != nil {
		return storage.User{}, false, storeErr(err, "user")
	}
	return u, true, nil
}

// conversationNamed finds the one conversation that every in: name
// names and that the actor may read: a room by its name (the actor may
// read the room as its history allows, joined or not), #name too, or the
// actor's direct conversation with @user. found is false when the names
// name nothing the actor may read, or different conversations.
func (s *Service) conversationNamed(ctx context.Context, a Actor, names []string) (c storage.Conversation, found bool, err error) {
	// Every room, matched here: the room list reads them all on every
	// load too, rooms are few beside messages, and the store need not
	// grow a lookup by name for it.
	rooms, err := s.store.Rooms(ctx)
	if err != nil {
		return c, false, storeErr(err, "room")
	}
	byName := make(map[string]storage.ID, len(rooms))
	for _, r := range rooms {
		byName[strings.ToLower(r.Name)] = r.ID
	}
	for i, name := range names {
		var this storage.Conversation
		id, isRoom := byName[name]
		if !isRoom && strings.HasPrefix(name, "#") {
			id, isRoom = byName[name[1:]]
		}
		switch {
		case isRoom:
			this = storage.RoomConversation(id)
		case strings.HasPrefix(name, "@"):
			u, found, err := s.userNamed(ctx, name[1:])
			if err != nil || !found {
				return c, false, err
			}
			this = storage.DirectConversation(a.User.ID, u.ID)
		default:
			return c, false, nil
		}
		if i > 0 && this != c {
			return c, false, nil
		}
		c = this
	}
	if c.IsDirect() {
		return c, c.A != c.B, nil
	}
	if err := s.mayRead(ctx, a, c.Room); err != nil {
		if e, ok := AsError(err); ok && (e.Kind == KindNotFound || e.Kind == KindForbidden) {
			return c, false, nil
		}
		return c, false, err
	}
	return c, true, nil
}
