package chat

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/makechat/makechat/storage"
)

// Reactions: whoever may read a message may put an emoji on it (see
// emoji.go for what an emoji is) and take its own off again. A change is
// announced as message.updated with the whole message, to the message's
// usual audience, and changes nothing else about it (not Edited). The
// store keeps the per-message limits (storage.MaxReactionEmoji and the
// others) atomically; the service limits how fast each user changes
// reactions.

// Reaction changes per user: reactionBurst at once, then reactionBurst
// per reactionWindow. Administrators are exempt, as for posting.
const (
	reactionBurst  = 60
	reactionWindow = 10 * time.Second
)

// React adds the actor's reaction with emoji to a message it may read
// and returns the message. Reacting again with the same emoji changes
// nothing and gives the same answer.
func (s *Service) React(ctx context.Context, a Actor, id storage.ID, emoji string) (storage.Message, error) {
	return s.changeReaction(ctx, a, id, emoji, func(ctx context.Context) (storage.Message, bool, error) {
		r := storage.Reaction{Emoji: emoji, User: a.User.ID, Username: a.User.Username, At: s.clock()}
		return s.store.AddReaction(ctx, id, r)
	})
}

// Unreact removes the actor's reaction with emoji from a message it may
// read and returns the message; without such a reaction it changes
// nothing and gives the same answer.
func (s *Service) Unreact(ctx context.Context, a Actor, id storage.ID, emoji string) (storage.Message, error) {
	return s.changeReaction(ctx, a, id, emoji, func(ctx context.Context) (storage.Message, bool, error) {
		return s.store.RemoveReaction(ctx, id, emoji, a.User.ID)
	})
}

// changeReaction checks the emoji, the actor's right to read the message
// and its rate, then runs change and announces what it changed.
//
// The changes of one message run one at a time, each in its place in
// its conversation's line of events: the events then carry the
// message's reactions in the order the store changed them, so the last
// a client receives is the message as stored.
func (s *Service) changeReaction(ctx context.Context, a Actor, id storage.ID, emoji string, change func(context.Context) (storage.Message, bool, error)) (storage.Message, error) {
	if err := checkEmoji(emoji); err != nil {
		return storage.Message{}, err
	}
	m, err := s.readableMessage(ctx, a, id)
	if err != nil {
		return storage.Message{}, err
	}
	if !a.IsAdmin() {
		if ok, wait := s.reacts.Take(a.User.ID.Hex()); !ok {
			return storage.Message{}, retryAfter(ErrReactingTooFast, wait)
		}
	}
	name := s.senderName(ctx, m)
	unlock := s.reacting.lock(id)
	defer unlock()
	conv := m.Conversation()
	_, slot := s.seq.take(conv, false)
	got, changed, err := change(ctx)
	if err != nil || !changed {
		s.seq.finish(conv, slot)
		return got, reactionErr(err)
	}
	s.seq.finish(conv, slot, s.messageEvent(EventMessageUpdated, got, name))
	return got, nil
}

// reactionErr turns the store's limits into the domain's errors.
func reactionErr(err error) error {
	switch {
	case errors.Is(err, storage.ErrTooManyEmoji):
		return ErrTooManyEmoji
	case errors.Is(err, storage.ErrTooManyReactions):
		return ErrTooManyReactions
	case errors.Is(err, storage.ErrReactionsFull):
		return ErrReactionsFull
	}
	return storeErr(err, "message")
}

// messageLocks holds a lock per message while something changes it; a
// lock is forgotten when no one holds or waits for it. The zero value is
// ready to use.
type messageLocks struct {
	mu    sync.Mutex
	locks map[storage.ID]*messageLock
}

type messageLock struct {
	sync.Mutex
	users int // holding or waiting; guarded by messageLocks.mu
}

// lock waits for the lock of message id and returns its unlock.
func (l *messageLocks) lock(id storage.ID) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[storage.ID]*messageLock{}
	}
	ml := l.locks[id]
	if ml == nil {
		ml = &messageLock{}
		l.locks[id] = ml
	}
	ml.users++
	l.mu.Unlock()
	ml.Lock()
	return func() {
		ml.Unlock()
		l.mu.Lock()
		if ml.users--; ml.users == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
}
