package bolt

import (
	"bytes"
	"context"
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

// SearchMessages finds the messages that hold every one of q.Terms in one
// of q.Conversations, newest first, older than q.Before if it is set. A
// Limit <= 0 means storage.DefaultLimit. No terms or no conversations
// find nothing.
//
// It intersects the terms' posting lists from the newest end with one
// cursor per term, leapfrogging: the first term proposes its newest
// posting in range whose conversation is wanted, each other term answers
// with its newest posting at or below that id, and an answer below the
// proposal becomes the next bound for every list. So a rare term makes
// the walk short whichever position it has in the query, and the cost
// depends on the postings of the query's terms, never on all messages.
func (s *Store) SearchMessages(ctx context.Context, q storage.SearchQuery) ([]storage.Message, error) {
	limit := storage.LimitOr(q.Limit)
	var out []storage.Message
	err := s.view(ctx, "search messages", func(tx *bbolt.Tx) error {
		out = make([]storage.Message, 0)
		if len(q.Terms) == 0 || len(q.Conversations) == 0 {
			return nil
		}
		wanted := make(map[string]bool, len(q.Conversations))
		for _, c := range q.Conversations {
			wanted[string(convKey(c))] = true
		}
		terms := slices.Compact(slices.Sorted(slices.Values(q.Terms)))
		lists := make([]*postings, len(terms))
		for i, t := range terms {
			if t == "" || strings.IndexByte(t, termEnd) >= 0 {
				// No message is indexed under such a term.
				return nil
			}
			lists[i] = newPostings(tx.Bucket(bucketSearch), t)
		}

		bound := maxID
		if !q.Before.IsZero() {
			bound = previousID(q.Before)
		}
		messages := tx.Bucket(bucketMessages)
		for len(out) < limit {
			id, conv, ok := nextMatch(lists, wanted, bound)
			if !ok {
				return nil
			}
			k := messageKey(conv, id)
			data := messages.Get(k)
			if data == nil {
				return fmt.Errorf("search posting of missing message %s", id)
			}
			m, err := decodeMessage(k, data)
			if err != nil {
				return err
			}
			out = append(out, m)
			if id.IsZero() {
				return nil
			}
			bound = previousID(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nextMatch finds the newest message at or below bound that has a
// posting in every list and whose conversation is wanted, and returns its
// id and conversation key.
func nextMatch(lists []*postings, wanted map[string]bool, bound storage.ID) (storage.ID, []byte, bool) {
	for {
		id, conv, ok := lists[0].atMost(bound)
		if !ok {
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
