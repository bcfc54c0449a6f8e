package bolt

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// termEnd ends the term in a posting key. SearchTerms makes words of
// letters and digits only, so no term contains it, and the postings of
// one term are exactly the keys that start with term + termEnd.
const termEnd = 0x00

// messageTerms are the words a message is indexed under. They are made
// from the text as it reads back from its record, so that an edit or a
// delete, which start from the record, remove exactly what was added.
func messageTerms(text string) []string {
	return storage.SearchTerms(storage.ValidUTF8(text))
}

// postingKey is the key of the posting of term for message id:
// term + termEnd + id. The postings of a term are in id order.
func postingKey(term string, id storage.ID) []byte {
	k := make([]byte, 0, len(term)+1+len(id))
	k = append(k, term...)
	k = append(k, termEnd)
	return append(k, id[:]...)
}

// indexTerms adds the postings of message id for terms, each pointing at
// the message's conversation key conv.
func indexTerms(search *bbolt.Bucket, terms []string, id storage.ID, conv []byte) error {
	for _, t := range terms {
		if err := search.Put(postingKey(t, id), conv); err != nil {
			return err
		}
	}
	return nil
}

// unindexTerms removes the postings of message id for terms.
func unindexTerms(search *bbolt.Bucket, terms []string, id storage.ID) error {
	for _, t := range terms {
		if err := search.Delete(postingKey(t, id)); err != nil {
			return err
		}
	}
	return nil
}

// SearchMessages finds the messages of q.Conversations that q selects,
// newest first, examining at most q.Scan of them (see storage.SearchQuery).
//
// With terms, it intersects the terms' posting lists from the newest end
// with one cursor per term, leapfrogging: the first term proposes its
// newest posting in range whose conversation is wanted, each other term
// answers with its newest posting at or below that id, and an answer
// below the proposal becomes the next bound for every list. So a rare
// term makes the walk short whichever position it has in the query, and
// the cost depends on the postings of the query's terms, never on all
// messages. Without terms, it merges the conversations' runs of messages
// from their newest ends (convWalk). Either way, Sender and HasFile are
// checked on each message the walk yields, which is what Scan bounds.
func (s *Store) SearchMessages(ctx context.Context, q storage.SearchQuery) (storage.SearchResult, error) {
	limit, scan := storage.LimitOr(q.Limit), storage.ScanOr(q.Scan)
	var res storage.SearchResult
	err := s.view(ctx, "search messages", func(tx *bbolt.Tx) error {
		res = storage.SearchResult{Messages: make([]storage.Message, 0)}
		if len(q.Conversations) == 0 {
			return nil
		}
		walk, ok := newWalk(tx, q)
		if !ok {
			return nil
		}
		messages := tx.Bucket(bucketMessages)
		for examined := 1; ; examined++ {
			id, conv, ok := walk.next()
			if !ok || id.Less(q.Since) {
				return nil
			}
			k := messageKey(conv, id)
			data := messages.Get(k)
			if data == nil {
				return fmt.Errorf("search posting of missing message %s", id)
			}
			admitted, err := admits(q, k, data)
			if err != nil {
				return err
			}
			if admitted {
				m, err := decodeMessage(k, data)
				if err != nil {
					return err
				}
				res.Messages = append(res.Messages, m)
			}
			if len(res.Messages) == limit || examined == scan {
				res.Next = id
				return nil
			}
		}
	})
	if err != nil {
		return storage.SearchResult{}, err
	}
	return res, nil
}

// A walk yields the messages a search examines, newest first, as their
// ids and conversation keys; ok is false when there are no more.
type walk interface {
	next() (id storage.ID, conv []byte, ok bool)
}

// newWalk is the walk for q: over the postings of its terms, or over its
// conversations' messages when it has none. It is not ok when no message
// can match (a term that nothing is indexed under).
func newWalk(tx *bbolt.Tx, q storage.SearchQuery) (walk, bool) {
	bound := maxID
	if !q.Before.IsZero() {
		bound = previousID(q.Before)
	}
	if len(q.Terms) == 0 {
		return newConvWalk(tx.Bucket(bucketMessages), q.Conversations, q.Before), true
	}
	wanted := make(map[string]bool, len(q.Conversations))
	for _, c := range q.Conversations {
		wanted[string(convKey(c))] = true
	}
	terms := slices.Compact(slices.Sorted(slices.Values(q.Terms)))
	w := &termWalk{lists: make([]*postings, len(terms)), wanted: wanted, bound: bound, floor: q.Since}
	for i, t := range terms {
		if t == "" || strings.IndexByte(t, termEnd) >= 0 {
			// No message is indexed under such a term.
			return nil, false
		}
		w.lists[i] = newPostings(tx.Bucket(bucketSearch), t)
	}
	return w, true
}

// admits reports whether the message record data passes q's Sender and
// HasFile; without them it does not decode the record.
func admits(q storage.SearchQuery, k, data []byte) (bool, error) {
	if !q.Filters() {
		return true, nil
	}
	var r struct {
		Sender recordID          `json:"sender"`
		Files  []json.RawMessage `json:"files"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return false, fmt.Errorf("decode message %x: %w", k, err)
	}
	return q.Admits(storage.ID(r.Sender), len(r.Files) > 0), nil
}

// termWalk yields the messages holding every term, in the wanted
// conversations, at or below bound and not below floor.
type termWalk struct {
	lists        []*postings
	wanted       map[string]bool
	bound, floor storage.ID
	done         bool
}

func (w *termWalk) next() (storage.ID, []byte, bool) {
	if w.done {
		return storage.NilID, nil, false
	}
	id, conv, ok := nextMatch(w.lists, w.wanted, w.bound, w.floor)
	if !ok {
		w.done = true
		return storage.NilID, nil, false
	}
	if id.IsZero() {
		w.done = true
	} else {
		w.bound = previousID(id)
	}
	return id, conv, true
}

// nextMatch finds the newest message at or below bound, and not below
// floor, that has a posting in every list and whose conversation is
// wanted, and returns its id and conversation key.
func nextMatch(lists []*postings, wanted map[string]bool, bound, floor storage.ID) (storage.ID, []byte, bool) {
	for {
		id, conv, ok := lists[0].atMost(bound)
		if !ok || id.Less(floor) {
			return storage.NilID, nil, false
		}
		if wanted[string(conv)] {
			agreed := id
			for _, p := range lists[1:] {
				other, _, ok := p.atMost(id)
				if !ok {
					return storage.NilID, nil, false
				}
				if other != id {
					agreed = other
					break
				}
			}
			if agreed == id {
				return id, conv, true
			}
			// No message between agreed and id has every term.
			bound = agreed
			continue
		}
		if id.IsZero() {
			return storage.NilID, nil, false
		}
		bound = previousID(id)
	}
}

// convWalk merges the runs of several conversations in the messages
// bucket, newest first: a cursor per conversation stands on its newest
// message not yet yielded, and a heap, greatest id on top, picks the
// next.
type convWalk []convHead

type convHead struct {
	cur  *bbolt.Cursor
	conv []byte
	k    []byte // the key cur stands on
}

// newConvWalk starts a walk of convs' messages below before (all of them
// if before is NilID).
func newConvWalk(messages *bbolt.Bucket, convs []storage.Conversation, before storage.ID) *convWalk {
	w := make(convWalk, 0, len(convs))
	seen := make(map[string]bool, len(convs))
	for _, c := range convs {
		conv := convKey(c)
		if seen[string(conv)] {
			continue
		}
		seen[string(conv)] = true
		end := convEnd(conv)
		if !before.IsZero() {
			end = messageKey(conv, before)
		}
		cur := messages.Cursor()
		if k, _ := seekBelow(cur, end); k != nil && bytes.HasPrefix(k, conv) {
			w = append(w, convHead{cur: cur, conv: conv, k: k})
		}
	}
	heap.Init(&w)
	return &w
}

func (w *convWalk) next() (storage.ID, []byte, bool) {
	if len(*w) == 0 {
		return storage.NilID, nil, false
	}
	top := &(*w)[0]
	id, conv := messageID(top.k), top.conv
	if k, _ := top.cur.Prev(); k != nil && bytes.HasPrefix(k, conv) {
		top.k = k
		heap.Fix(w, 0)
	} else {
		heap.Pop(w)
	}
	return id, conv, true
}

// The heap's methods (container/heap), greatest id first.
func (w convWalk) Len() int           { return len(w) }
func (w convWalk) Less(i, j int) bool { return messageID(w[j].k).Less(messageID(w[i].k)) }
func (w convWalk) Swap(i, j int)      { w[i], w[j] = w[j], w[i] }
func (w *convWalk) Push(x any)        { *w = append(*w, x.(convHead)) }
func (w *convWalk) Pop() any {
	old := *w
	h := old[len(old)-1]
	*w = old[:len(old)-1]
	return h
}

// maxID is the greatest id, the bound of a search without Before.
var maxID = storage.ID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// previousID is id minus one, as a 96-bit big-endian number; id must not
// be NilID.
func previousID(id storage.ID) storage.ID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]--
		if id[i] != 0xff {
			break
		}
	}
	return id
}

// postings walks the posting list of one term, newest first.
type postings struct {
	cur    *bbolt.Cursor
	prefix int    // length of term + termEnd
	seek   []byte // term + termEnd + an id, rewritten for each Seek
	// at is the posting cur stands on, or nil before the first move and
	// once the list is exhausted.
	at, conv []byte
}

func newPostings(search *bbolt.Bucket, term string) *postings {
	seek := postingKey(term, storage.NilID)
	return &postings{cur: search.Cursor(), prefix: len(term) + 1, seek: seek}
}

// isPosting reports whether k is a posting of this term.
func (p *postings) isPosting(k []byte) bool {
	return len(k) == len(p.seek) && bytes.Equal(k[:p.prefix], p.seek[:p.prefix])
}

// atMost moves to the posting with the greatest id <= bound and returns
// that id and the conversation key the posting holds; ok is false when
// there is none. Bounds must never increase from one call to the next,
// which lets the walk reuse where it stands: a posting at or below the
// new bound is still the answer, and the posting just before it often is.
func (p *postings) atMost(bound storage.ID) (id storage.ID, conv []byte, ok bool) {
	if p.at != nil {
		if bytes.Compare(p.at[p.prefix:], bound[:]) <= 0 {
			return messageID(p.at), p.conv, true
		}
		k, v := p.cur.Prev()
		if !p.isPosting(k) {
			// The list's oldest posting is above the bound.
			p.at = nil
			return storage.NilID, nil, false
		}
		if bytes.Compare(k[p.prefix:], bound[:]) <= 0 {
			p.at, p.conv = k, v
			return messageID(k), v, true
		}
	}
	copy(p.seek[p.prefix:], bound[:])
	k, v := p.cur.Seek(p.seek)
	switch {
	case k == nil:
		k, v = p.cur.Last()
	case !bytes.Equal(k, p.seek):
		k, v = p.cur.Prev()
	}
	if !p.isPosting(k) {
		p.at = nil
		return storage.NilID, nil, false
	}
	p.at, p.conv = k, v
	return messageID(k), v, true
}
