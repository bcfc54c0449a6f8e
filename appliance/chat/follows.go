package chat

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/makechat/makechat/storage"
)

// Following threads: a thread's root author, everyone who replies and
// everyone a reply mentions (who may read it) follow it automatically,
// once: whoever unfollows by hand stays unfollowed. A user's followed
// threads, each with its count of replies after the user's read marker,
// make the "Threads" view. Changes of one's own follow or read marker go
// to one's own streams as thread.updated, so every open browser agrees.

// EventThreadUpdated tells a user its state in a thread changed.
const EventThreadUpdated = "thread.updated"

// Thread is a user's view of a thread: its root (with the summary of its
// replies), whether the user follows it, where it has read to, and how
// many replies it has not read (up to maxUnread).
type Thread struct {
	Root      storage.Message
	Following bool
	LastRead  storage.ID
	Unread    int
}

// maxThreads is how many followed threads the Threads view lists: the
// ones with the newest replies.
const maxThreads = 200

// maxMentionFollows bounds the users one reply makes follow by mention.
const maxMentionFollows = 10

// followCache remembers which users have chosen, or been given, whether
// they follow which thread, so that a reply makes no store write for
// them. It forgets everything when full.
type followCache struct {
	mu   sync.Mutex
	seen map[storage.ReadKey]struct{}
}

const followCacheSize = 100_000

func (c *followCache) has(k storage.ReadKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[k]
	return ok
}

func (c *followCache) add(k storage.ReadKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= followCacheSize {
		c.seen = map[storage.ReadKey]struct{}{}
	}
	c.seen[k] = struct{}{}
}

// followReply makes the root's author, the replier and the users reply
// mentions follow its thread, unless they chose otherwise before. The
// reply is stored already: a failure here is logged by the caller, not
// the poster's.
func (s *Service) followReply(ctx context.Context, root, reply storage.Message) error {
	users := []storage.ID{reply.Sender, root.Sender}
	for _, name := range mentionedNames(reply.Text, maxMentionFollows) {
		u, err := s.store.UserByName(ctx, name)
		if err != nil || u.IsDisabled || slices.Contains(users, u.ID) {
			continue
		}
		if s.mayReadMessage(ctx, Actor{User: u}, root) == nil {
			users = append(users, u.ID)
		}
	}
	follow := true
	fresh := false // root is as it was before the reply until read again
	for _, u := range slices.Compact(users) {
		k := storage.ReadKey{User: u, Thread: root.ID}
		if u.IsZero() || s.follows.has(k) {
			continue
		}
		r, err := s.store.ChangeReadState(ctx, k, storage.ReadChange{Follow: &follow, OnlyIfNew: true, NewID: s.ids.New(), At: s.clock()})
		if err != nil {
			return storeErr(err, "thread")
		}
		s.follows.add(k)
		if !r.Following {
			continue
		}
		if !fresh {
			if now, err := s.store.Message(ctx, root.ID); err == nil {
				root, fresh = now, true
			}
		}
		s.notifyThread(ctx, u, root, r)
	}
	return nil
}

// mentionedNames lists the @usernames in text, lower case, each once, at
// most limit.
func mentionedNames(text string, limit int) []string {
	var out []string
	lower := strings.ToLower(text)
	for i := strings.IndexByte(lower, '@'); i >= 0 && len(out) < limit; {
		end := i + 1
		for end < len(lower) && isUsernameByte(lower[end]) {
			end++
		}
		if name := lower[i+1 : end]; name != "" && (i == 0 || !isUsernameByte(lower[i-1])) && !slices.Contains(out, name) {
			out = append(out, name)
		}
		next := strings.IndexByte(lower[end:], '@')
		if next < 0 {
			break
		}
		i = end + next
	}
	return out
}

// Threads lists the threads the actor follows and may still read, those
// with the newest replies first.
func (s *Service) Threads(ctx context.Context, a Actor) ([]Thread, error) {
	states, err := s.store.ReadStates(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "thread")
	}
	out := []Thread{}
	for _, r := range states {
		if r.Thread.IsZero() || !r.Following {
			continue
		}
		root, err := s.readableMessage(ctx, a, r.Thread)
		if err != nil {
			continue // deleted, or no longer readable
		}
		t, err := s.threadOf(ctx, a.User.ID, root, r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(x, y Thread) int { return cmp.Compare(lastReply(y), lastReply(x)) })
	if len(out) > maxThreads {
		out = out[:maxThreads]
	}
	return out, nil
}

// lastReply orders threads: the newest reply's id, or the root's.
func lastReply(t Thread) string {
	if t.Root.Replies != nil {
		return t.Root.Replies.LastID.Hex()
	}
	return t.Root.ID.Hex()
}

// threadOf is root seen by user with read state r. Its unread replies
// are others': one's own are left out when there are at most
// maxMentionRun (read to tell), as in conversations (unreadIn). It counts
// even when root shows no replies: a root read before its first reply
// does not.
func (s *Service) threadOf(ctx context.Context, user storage.ID, root storage.Message, r storage.ReadState) (Thread, error) {
	t := Thread{Root: root, Following: r.Following, LastRead: r.LastRead}
	n, err := s.store.CountReplies(ctx, root.Conversation(), root.ID, r.LastRead, maxUnread)
	if err != nil {
		return t, storeErr(err, "thread")
	}
	t.Unread = n
	if n > 0 && n <= maxMentionRun {
		replies, err := s.store.Messages(ctx, root.Conversation(), storage.MessageQuery{Thread: root.ID, After: r.LastRead, Limit: n})
		if err != nil {
			return t, storeErr(err, "thread")
		}
		for _, m := range replies {
			if m.Sender == user && m.Hook.IsZero() {
				t.Unread--
			}
		}
	}
	return t, nil
}

// ThreadChange is what the actor changes of its state in a thread.
type ThreadChange struct {
	Follow   *bool
	LastRead storage.ID
}

// ChangeThread follows or unfollows a thread the actor may read, or moves
// its read marker there (never back), and returns the actor's view of it.
// id may name the root or any reply.
func (s *Service) ChangeThread(ctx context.Context, a Actor, id storage.ID, c ThreadChange) (Thread, error) {
	root, err := s.threadRoot(ctx, a, id)
	if err != nil {
		return Thread{}, err
	}
	k := storage.ReadKey{User: a.User.ID, Thread: root.ID}
	r, err := s.store.ChangeReadState(ctx, k, storage.ReadChange{Follow: c.Follow, LastRead: c.LastRead, NewID: s.ids.New(), At: s.clock()})
	if err != nil {
		return Thread{}, storeErr(err, "thread")
	}
	if r.FollowSet {
		s.follows.add(k) // (a read alone leaves automatic following to come)
	}
	return s.notifyThread(ctx, a.User.ID, root, r), nil
}

// ThreadOf is the actor's view of the thread id names.
func (s *Service) ThreadOf(ctx context.Context, a Actor, id storage.ID) (Thread, error) {
	root, err := s.threadRoot(ctx, a, id)
	if err != nil {
		return Thread{}, err
	}
	var state storage.ReadState
	states, err := s.store.ReadStates(ctx, a.User.ID)
	if err != nil {
		return Thread{}, storeErr(err, "thread")
	}
	for _, r := range states {
		if r.Thread == root.ID {
			state = r
		}
	}
	return s.threadOf(ctx, a.User.ID, root, state)
}

// notifyThread tells user's streams its state in root's thread, and
// returns that state.
func (s *Service) notifyThread(ctx context.Context, user storage.ID, root storage.Message, r storage.ReadState) Thread {
	t, err := s.threadOf(ctx, user, root, r)
	if err != nil {
		t = Thread{Root: root, Following: r.Following, LastRead: r.LastRead}
	}
	s.notify(Event{Name: EventThreadUpdated, Thread: &t, ToUsers: []storage.ID{user}})
	return t
}
