package storage

import (
	"slices"
	"time"
)

// Threads: a reply is a message whose Thread names its root, a message of
// the same conversation that is itself no reply. Replies live in their
// conversation like any message, and are found by MessageQuery.Thread;
// the conversation's history leaves them out unless InRoom. The root
// carries a ThreadSummary of its replies, which the store keeps as
// replies are created and deleted; deleting a root deletes its replies.

// ThreadSummary is what a thread's root shows of its replies.
type ThreadSummary struct {
	// Count is how many replies the thread has.
	Count int `json:"count"`
	// Last is when the newest reply was created, and LastID its id.
	Last   time.Time `json:"last"`
	LastID ID        `json:"last_id"`
	// Repliers are the senders of the newest replies, newest first, each
	// once, at most MaxRepliers.
	Repliers []ID `json:"repliers"`
}

// MaxRepliers is how many repliers a ThreadSummary names.
const MaxRepliers = 3

// IsReply reports whether m replies to a thread.
func (m Message) IsReply() bool { return !m.Thread.IsZero() }

// InConversation reports whether m shows in its conversation's history:
// every message but the replies not also sent there.
func (m Message) InConversation() bool { return m.Thread.IsZero() || m.InRoom }

// WithReply is s (nil for none yet) after the reply r: one more, and r's
// sender first among the repliers. A reply older than the newest (as a
// restore may bring them) counts without changing the rest.
func WithReply(s *ThreadSummary, r Message) *ThreadSummary {
	out := ThreadSummary{}
	if s != nil {
		out = *s
		out.Repliers = slices.Clone(s.Repliers)
	}
	out.Count++
	if !out.LastID.IsZero() && r.ID.Less(out.LastID) {
		return &out
	}
	out.Last, out.LastID = r.Created, r.ID
	out.Repliers = slices.DeleteFunc(out.Repliers, func(u ID) bool { return u == r.Sender })
	out.Repliers = slices.Insert(out.Repliers, 0, r.Sender)
	if len(out.Repliers) > MaxRepliers {
		out.Repliers = out.Repliers[:MaxRepliers]
	}
	return &out
}

// SummarizeReplies is the summary of a thread whose replies are rs,
// newest first (at least the newest few and the count: count is the
// number of all of them); nil when there are none.
func SummarizeReplies(count int, newestFirst []Message) *ThreadSummary {
	if count == 0 || len(newestFirst) == 0 {
		return nil
	}
	s := &ThreadSummary{Count: count, Last: newestFirst[0].Created, LastID: newestFirst[0].ID}
	for _, r := range newestFirst {
		if len(s.Repliers) == MaxRepliers {
			break
		}
		if !slices.Contains(s.Repliers, r.Sender) {
			s.Repliers = append(s.Repliers, r.Sender)
		}
	}
	return s
}
