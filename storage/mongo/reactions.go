package mongo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// Reactions are kept in their message's document, which every read
// returns as it is. They change through numbered changes, one document
// each in message_reactions, whose unique _id ("<message id>:<number>")
// lets only one writer have each number, as invite_uses does for the
// uses of an invite. A change:
//
//  1. reads the newest change of the message (or, if there is none yet,
//     the message's own reactions, as a restore writes them);
//  2. applies the rule (storage.WithReaction, the limits included) to
//     it;
//  3. inserts the change numbered one past it; if the number is taken,
//     another writer got there first: it waits a little and starts again
//     from 1;
//  4. copies the newest change into the message, unless another writer
//     is copying (see settleReactions).
//
// One Store makes the changes of a message one at a time (reacting):
// its own writers then never lose a number to each other, which on a
// busy message would cost each of them a round per change made before
// its own. The numbers are for several servers on one database.
//
// So of many users reacting at once none is lost and no limit is passed,
// even on a server whose single-document updates are not atomic: FerretDB
// 1.24 reads a document, changes it and writes it back whole, so there a
// guarded $push loses concurrent adds, and two copies at once could land
// in the wrong order. Hence one copier at a time, who holds the message's
// lease ("<message id>!lease", made with a unique insert too) and looks
// again once it has let go of it, for changes made meanwhile by writers
// that found the lease taken.
//
// Only the newest change is ever read. The copier empties the older ones
// of their reactions, and deletes what is left of them once they are
// keepChanges old. Until then their numbers stay taken: a writer that
// read its base before a number was passed, and is slow to write, must
// not take that number again (that would fork the line of changes and
// lose the ones after it), and a writer never writes on a base older
// than maxBaseAge.

// How long a passed change's number stays taken, and how old a base a
// writer may still build on; see above. The one is much longer than the
// other, as orphanAge is for members. A lease older than leaseTimeout is
// a copier's that stopped (a crash), and is taken over.
const (
	keepChanges  = 10 * time.Minute
	maxBaseAge   = time.Minute
	leaseTimeout = 30 * time.Second
)

// reactionDoc is a reaction as a message document holds it.
type reactionDoc struct {
	Emoji    string        `bson:"emoji"`
	User     bson.ObjectID `bson:"user"`
	Username string        `bson:"username"`
	At       time.Time     `bson:"at"`
}

func newReactionDoc(r storage.Reaction) reactionDoc {
	return reactionDoc{Emoji: storage.ValidUTF8(r.Emoji), User: oid(r.User), Username: storage.ValidUTF8(r.Username), At: r.At}
}

func (d reactionDoc) model() storage.Reaction {
	return storage.Reaction{Emoji: d.Emoji, User: storage.ID(d.User), Username: d.Username, At: d.At}
}

// reactionsDoc is one numbered change of a message's reactions: the
// whole list after it (until it is passed), and when it was made; or a
// message's lease, with Seq 0. Conv is the message's, for DeleteRoom.
type reactionsDoc struct {
	ID        string        `bson:"_id"`
	Message   bson.ObjectID `bson:"message"`
	Conv      string        `bson:"conv"`
	Seq       int64         `bson:"seq"`
	At        time.Time     `bson:"at"`
	Reactions []reactionDoc `bson:"reactions,omitempty"`
}

// reactionsKey is the _id of a message's change number seq; numbers are
// zero-padded, so that the order of the keys is the order of the numbers.
func reactionsKey(msg storage.ID, seq int64) string {
	return fmt.Sprintf("%s:%019d", msg.Hex(), seq)
}

// leaseKey is the _id of a message's lease, outside the range of its
// changes' keys ('!' sorts before ':').
func leaseKey(msg storage.ID) string { return msg.Hex() + "!lease" }

// reactionsOf selects the changes of a message numbered below before
// (every change for 0).
func reactionsOf(msg storage.ID, before int64) bson.D {
	end := msg.Hex() + ";" // ';' follows ':'
	if before > 0 {
		end = reactionsKey(msg, before)
	}
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: msg.Hex() + ":"}, {Key: "$lt", Value: end}}}}
}

// allReactionsOf selects a message's changes and its lease.
func allReactionsOf(msg storage.ID) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: msg.Hex() + "!"}, {Key: "$lt", Value: msg.Hex() + ";"}}}}
}

// maxReactionRounds bounds how often one change starts again because
// others took its number. Each round lost is another writer's change
// made, so only hundreds of writers on one message at once come near it.
const maxReactionRounds = 1000

// AddReaction adds r as the package's numbered changes do (see above).
func (s *Store) AddReaction(ctx context.Context, id storage.ID, r storage.Reaction) (storage.Message, bool, error) {
	return s.changeReactions(ctx, "add reaction", id, func(rs []storage.Reaction) ([]storage.Reaction, bool, error) {
		return storage.WithReaction(rs, r)
	})
}

// RemoveReaction removes user's reaction with emoji the same way.
func (s *Store) RemoveReaction(ctx context.Context, id storage.ID, emoji string, user storage.ID) (storage.Message, bool, error) {
	return s.changeReactions(ctx, "remove reaction", id, func(rs []storage.Reaction) ([]storage.Reaction, bool, error) {
		rs, ok := storage.WithoutReaction(rs, emoji, user)
		return rs, ok, nil
	})
}

// changeReactions runs steps 1 to 4 until its change has a number, and
// answers with the message as it is after its change.
func (s *Store) changeReactions(ctx context.Context, op string, id storage.ID, change func([]storage.Reaction) ([]storage.Reaction, bool, error)) (m storage.Message, changed bool, err error) {
	err = s.do(ctx, op, func(ctx context.Context) error {
		unlock := s.reacting.lock(id)
		defer unlock()
		d, err := findOne[messageDoc](ctx, s.messages, byID(id))
		if err != nil {
			return err
		}
		for round := range maxReactionRounds {
			if round > 0 {
				if err := backoff(ctx, round); err != nil {
					return err
				}
			}
			start := time.Now()
			base, seq := d.Reactions, d.ReactionsSeq
			newest, err := s.newestReactions(ctx, id, 0)
			switch {
			case err == nil && newest.Seq >= seq:
				base, seq = newest.Reactions, newest.Seq
			case err != nil && !errors.Is(err, storage.ErrNotFound):
				return err
			}
			rs, ok, err := change(mapSlice(base, reactionDoc.model))
			if err != nil {
				return err
			}
			if !ok {
				m = d.model()
				m.Reactions = mapSlice(base, reactionDoc.model)
				return nil
			}
			if time.Since(start) > maxBaseAge {
				continue
			}
			next := reactionsDoc{ID: reactionsKey(id, seq+1), Message: d.ID, Conv: d.Conv, Seq: seq + 1, At: time.Now(), Reactions: mapSlice(rs, newReactionDoc)}
			if _, err := s.reactions.InsertOne(ctx, next); duplicateKey(err) {
				continue
			} else if err != nil {
				return err
			}
			m, changed = d.model(), true
			m.Reactions = rs
			settled, copied, err := s.settleReactions(ctx, id, d.Conv)
			if copied {
				m = settled.model()
			}
			return err
		}
		return fmt.Errorf("%d other changes of the message's reactions came first; try again", maxReactionRounds)
	})
	return m, changed, err
}

// backoff waits a random while before round (from 1) of a change,
// longer the more rounds it has lost, up to 64 ms: writers racing for one
// message then take turns rather than all trying again at once. (Within
// one Store the changes of a message are made one at a time, so writers
// race only across servers on one database.)
func backoff(ctx context.Context, round int) error {
	t := time.NewTimer(rand.N(time.Millisecond << min(round, 6)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newestReactions finds the newest change of a message numbered past
// after; ErrNotFound if there is none.
func (s *Store) newestReactions(ctx context.Context, id storage.ID, after int64) (reactionsDoc, error) {
	return findOne[reactionsDoc](ctx, s.reactions, bson.D{{Key: "_id", Value: bson.D{
		{Key: "$gt", Value: reactionsKey(id, after)}, {Key: "$lt", Value: id.Hex() + ";"},
	}}}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}))
}

// settleReactions copies the newest change of a message's reactions into
// it, if it can take the message's lease, and returns the message as it
// then is; copied is false if another writer holds the lease (that one
// looks again for changes once it lets go, so this one's change is
// copied too). A message that is gone takes its changes with it:
// ErrNotFound.
func (s *Store) settleReactions(ctx context.Context, id storage.ID, conv string) (d messageDoc, copied bool, err error) {
	for range maxReactionRounds {
		taken, err := s.takeLease(ctx, id, conv)
		if err != nil || !taken {
			return d, copied, err
		}
		d, err = s.copyReactions(ctx, id)
		if rerr := s.dropLease(id); err == nil {
			err = rerr
		}
		if err != nil {
			return d, false, err
		}
		copied = true
		// A writer that found the lease taken left its copy to us.
		if _, err := s.newestReactions(ctx, id, d.ReactionsSeq); errors.Is(err, storage.ErrNotFound) {
			return d, true, nil
		} else if err != nil {
			return d, true, err
		}
	}
	return d, copied, fmt.Errorf("the message's reactions changed %d times while they were copied; try again", maxReactionRounds)
}

// copyReactions copies the newest change into the message, with the
// lease held, empties the changes before it and deletes the old ones.
func (s *Store) copyReactions(ctx context.Context, id storage.ID) (messageDoc, error) {
	d, err := s.reactingMessage(ctx, id)
	if err != nil {
		return d, err
	}
	newest, err := s.newestReactions(ctx, id, d.ReactionsSeq)
	if errors.Is(err, storage.ErrNotFound) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	filter := bson.D{{Key: "_id", Value: d.ID}, {Key: "reactions_seq", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gte", Value: newest.Seq}}}}}}
	set := bson.D{{Key: "reactions", Value: newest.Reactions}, {Key: "reactions_seq", Value: newest.Seq}}
	d, err = updateOne[messageDoc](ctx, s.messages, filter, set)
	if errors.Is(err, storage.ErrNotFound) {
		// Deleted meanwhile, or (a lease taken over from a copier that
		// was only slow) copied already.
		d, err = s.reactingMessage(ctx, id)
	}
	if err != nil {
		return d, err
	}
	passed := append(reactionsOf(id, newest.Seq), bson.E{Key: "reactions", Value: bson.D{{Key: "$exists", Value: true}}})
	if _, err := s.reactions.UpdateMany(ctx, passed, bson.D{{Key: "$unset", Value: bson.D{{Key: "reactions", Value: ""}}}}); err != nil {
		return d, err
	}
	old := append(reactionsOf(id, newest.Seq), bson.E{Key: "at", Value: bson.D{{Key: "$lt", Value: time.Now().Add(-keepChanges)}}})
	_, err = s.reactions.DeleteMany(ctx, old)
	return d, err
}

// reactingMessage reads a message whose reactions change; if it is
// gone, its changes go too.
func (s *Store) reactingMessage(ctx context.Context, id storage.ID) (messageDoc, error) {
	d, err := findOne[messageDoc](ctx, s.messages, byID(id))
	if errors.Is(err, storage.ErrNotFound) {
		ctx, cancel := cleanupContext()
		defer cancel()
		_, _ = s.reactions.DeleteMany(ctx, allReactionsOf(id))
	}
	return d, err
}

// takeLease takes a message's lease; taken is false if another writer
// holds it. A lease leaseTimeout old is taken over.
func (s *Store) takeLease(ctx context.Context, id storage.ID, conv string) (taken bool, err error) {
	for range 2 {
		now := time.Now()
		_, err := s.reactions.InsertOne(ctx, reactionsDoc{ID: leaseKey(id), Message: oid(id), Conv: conv, At: now})
		if !duplicateKey(err) {
			return err == nil, err
		}
		stale := bson.D{{Key: "_id", Value: leaseKey(id)}, {Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-leaseTimeout)}}}}
		res, err := s.reactions.DeleteOne(ctx, stale)
		if err != nil || res.DeletedCount == 0 {
			return false, err
		}
	}
	return false, nil
}

// dropLease lets go of a message's lease, even if ctx has ended.
func (s *Store) dropLease(id storage.ID) error {
	ctx, cancel := cleanupContext()
	defer cancel()
	_, err := s.reactions.DeleteOne(ctx, bson.D{{Key: "_id", Value: leaseKey(id)}})
	return err
}

// messageLocks holds a lock per message while its reactions change in
// this process; a lock is forgotten when no one holds or waits for it.
// The zero value is ready to use.
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
