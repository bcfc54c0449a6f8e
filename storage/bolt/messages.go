package bolt

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// Leading bytes of conversation keys. They are never 0xff, so the key
// just past a conversation (convEnd) always exists.
const (
	convRoom   = 0x01
	convDirect = 0x02
)

// appendFillPercent is how full bbolt leaves a page it splits in the
// message buckets. New entries go to the end of a conversation's or a
// term's range, so the left half of a split is never written again; the
// default of one half would leave most of those pages half empty.
const appendFillPercent = 0.9

// convKey is the key prefix of a conversation's messages: 0x01 + room id,
// or 0x02 + A + B for a direct conversation (A < B, whatever order the
// caller gave them in).
func convKey(c storage.Conversation) []byte {
	if !c.IsDirect() {
		return append([]byte{convRoom}, c.Room[:]...)
	}
	a, b := c.A, c.B
	if b.Less(a) {
		a, b = b, a
	}
	k := make([]byte, 0, 1+2*len(a))
	k = append(k, convDirect)
	k = append(k, a[:]...)
	return append(k, b[:]...)
}

// convEnd is the first key after every key that starts with prefix: the
// prefix plus one, as a big-endian number. Leading bytes of conversation
// keys are below 0xff, so it never overflows.
func convEnd(prefix []byte) []byte {
	k := bytes.Clone(prefix)
	for i := len(k) - 1; i >= 0; i-- {
		k[i]++
		if k[i] != 0 {
			break
		}
	}
	return k
}

// messageKey is the key of a message in the messages bucket: its
// conversation key + its id, so that a conversation's messages are
// contiguous and in id order.
func messageKey(conv []byte, id storage.ID) []byte {
	k := make([]byte, 0, len(conv)+len(id))
	return append(append(k, conv...), id[:]...)
}

// messageID reads the id at the end of a messages key.
func messageID(k []byte) storage.ID {
	var id storage.ID
	copy(id[:], k[len(k)-len(id):])
	return id
}

// decodeMessage decodes a message record. History and search decode
// dozens per call, so it goes through messageRecord.
func decodeMessage(k, data []byte) (storage.Message, error) {
	var r messageRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return storage.Message{}, fmt.Errorf("decode message %x: %w", k, err)
	}
	m := r.Message
	m.ID, m.Sender, m.Room, m.Recipient, m.Hook, m.Thread = storage.ID(r.ID), storage.ID(r.Sender), storage.ID(r.Room), storage.ID(r.Recipient), storage.ID(r.Hook), storage.ID(r.Thread)
	m.Reactions = nil
	if r.Reactions != nil {
		m.Reactions = make([]storage.Reaction, len(r.Reactions))
		for i, x := range r.Reactions {
			m.Reactions[i] = storage.Reaction{Emoji: x.Emoji, User: storage.ID(x.User), Username: x.Username, At: x.At}
		}
	}
	m.Replies = nil
	if x := r.Replies; x != nil {
		m.Replies = &storage.ThreadSummary{Count: x.Count, Last: x.Last, LastID: storage.ID(x.LastID)}
		if x.Repliers != nil {
			m.Replies.Repliers = make([]storage.ID, len(x.Repliers))
			for i, id := range x.Repliers {
				m.Replies.Repliers[i] = storage.ID(id)
			}
		}
	}
	return m, nil
}

// messageRecord decodes a message record in about a third of the time
// that storage.Message alone takes, most of which goes to its ids (those
// of its reactions and thread summary too). Its fields shadow the
// embedded Message's of the same name (encoding/json prefers the field
// nearer the top) and decode their ids without reflection; every other
// field, including any that Message gains later, decodes into Message.
type messageRecord struct {
	storage.Message
	ID        recordID         `json:"_id"`
	Sender    recordID         `json:"sender"`
	Room      recordID         `json:"room"`
	Recipient recordID         `json:"recipient"`
	Hook      recordID         `json:"hook"`
	Thread    recordID         `json:"thread"`
	Reactions []reactionRecord `json:"reactions"`
	Replies   *summaryRecord   `json:"replies"`
}

// reactionRecord is a storage.Reaction as messageRecord reads it.
type reactionRecord struct {
	Emoji    string    `json:"emoji"`
	User     recordID  `json:"user"`
	Username string    `json:"username"`
	At       time.Time `json:"at"`
}

// summaryRecord is a storage.ThreadSummary as messageRecord reads it.
type summaryRecord struct {
	Count    int        `json:"count"`
	Last     time.Time  `json:"last"`
	LastID   recordID   `json:"last_id"`
	Repliers []recordID `json:"repliers"`
}

// recordID is a storage.ID that reads the form storage.ID.MarshalJSON
// writes, {"$oid":"<24 hex digits>"}, directly, and leaves any other
// form to storage.ID.
type recordID storage.ID

func (id *recordID) UnmarshalJSON(b []byte) error {
	const head, tail = `{"$oid":"`, `"}`
	if len(b) == len(head)+2*len(id)+len(tail) && string(b[:len(head)]) == head && string(b[len(b)-len(tail):]) == tail {
		if _, err := hex.Decode(id[:], b[len(head):len(b)-len(tail)]); err == nil {
			return nil
		}
	}
	return (*storage.ID)(id).UnmarshalJSON(b)
}

// messageBuckets are the buckets that a message write changes.
type messageBuckets struct {
	messages, conv, byClient, search *bbolt.Bucket
}

// writeMessageBuckets opens the message buckets for writing, with the
// fill percent that suits appends.
func writeMessageBuckets(tx *bbolt.Tx) messageBuckets {
	b := messageBuckets{
		messages: tx.Bucket(bucketMessages),
		conv:     tx.Bucket(bucketMessageConv),
		byClient: tx.Bucket(bucketMessagesByClient),
		search:   tx.Bucket(bucketSearch),
	}
	b.messages.FillPercent = appendFillPercent
	b.conv.FillPercent = appendFillPercent
	b.search.FillPercent = appendFillPercent
	return b
}

// find finds a message and its conversation key by id.
func (b messageBuckets) find(id storage.ID) (storage.Message, []byte, error) {
	conv := b.conv.Get(key(id))
	if conv == nil {
		return storage.Message{}, nil, storage.ErrNotFound
	}
	// The value lives in the transaction's pages; copy it before the
	// caller changes the buckets.
	conv = bytes.Clone(conv)
	k := messageKey(conv, id)
	data := b.messages.Get(k)
	if data == nil {
		return storage.Message{}, nil, fmt.Errorf("message %s is indexed but missing", id)
	}
	m, err := decodeMessage(k, data)
	return m, conv, err
}

// CreateMessage stores m in its conversation, indexes its words and, for
// a direct message, records the two users as partners.
func (s *Store) CreateMessage(ctx context.Context, m storage.Message) error {
	return s.update(ctx, "create message", func(tx *bbolt.Tx) error {
		return createMessage(tx, m)
	})
}

// createMessage is CreateMessage inside a transaction.
func createMessage(tx *bbolt.Tx, m storage.Message) error {
	c := m.Conversation()
	if c.IsDirect() {
		users := tx.Bucket(bucketUsers)
		if users.Get(key(c.A)) == nil || users.Get(key(c.B)) == nil {
			return fmt.Errorf("%w user of direct message", storage.ErrNotFound)
		}
	} else if tx.Bucket(bucketRooms).Get(key(c.Room)) == nil {
		return fmt.Errorf("%w room %s", storage.ErrNotFound, c.Room)
	}
	if err := attachFiles(tx, &m); err != nil {
		return err
	}
	return insertMessage(tx, m)
}

// insertMessage stores m and its index entries, without checking the
// room or users it names.
func insertMessage(tx *bbolt.Tx, m storage.Message) error {
	c := m.Conversation()
	b := writeMessageBuckets(tx)
	if b.conv.Get(key(m.ID)) != nil {
		return fmt.Errorf("%w message id %s", storage.ErrDuplicate, m.ID)
	}
	if m.ClientID != "" {
		if err := b.claimClientID(m); err != nil {
			return err
		}
	}
	conv := convKey(c)
	// A root's summary is the store's own: it counts the replies as they
	// come (a restore brings them after their root).
	m.Replies = nil
	if m.IsReply() {
		if err := b.addReply(tx, m, conv); err != nil {
			return err
		}
	}
	if err := put(b.messages, messageKey(conv, m.ID), m); err != nil {
		return err
	}
	if err := b.conv.Put(key(m.ID), conv); err != nil {
		return err
	}
	if err := indexTerms(b.search, messageTerms(m.Text), m.ID, conv); err != nil {
		return err
	}
	if c.IsDirect() {
		partners := tx.Bucket(bucketDirectPartners)
		if err := partners.Put(pair(c.A, key(c.B)), []byte{}); err != nil {
			return err
		}
		return partners.Put(pair(c.B, key(c.A)), []byte{})
	}
	return nil
}

// clientKey is the messages_by_client key of a sender's client id.
func clientKey(sender storage.ID, clientID string) []byte {
	return pair(sender, []byte(clientID))
}

// claimClientID records m's ClientID as its sender's, or gives
// ErrDuplicate if the sender has a message with it. An entry whose
// message is gone (deleted with its room) is taken over.
func (b messageBuckets) claimClientID(m storage.Message) error {
	k := clientKey(m.Sender, m.ClientID)
	if id := b.byClient.Get(k); id != nil && b.conv.Get(id) != nil {
		return fmt.Errorf("%w client id %q of sender %s", storage.ErrDuplicate, m.ClientID, m.Sender)
	}
	return b.byClient.Put(k, key(m.ID))
}

// releaseClientID removes the messages_by_client entry of the message id
// sent by sender with clientID, if it still names that message.
func (b messageBuckets) releaseClientID(sender storage.ID, clientID string, id storage.ID) error {
	if clientID == "" {
		return nil
	}
	k := clientKey(sender, clientID)
	if !bytes.Equal(b.byClient.Get(k), key(id)) {
		return nil
	}
	return b.byClient.Delete(k)
}

// Message finds a message by id.
func (s *Store) Message(ctx context.Context, id storage.ID) (storage.Message, error) {
	var m storage.Message
	err := s.view(ctx, "get message", func(tx *bbolt.Tx) (err error) {
		m, _, err = messageBuckets{
			messages: tx.Bucket(bucketMessages),
			conv:     tx.Bucket(bucketMessageConv),
		}.find(id)
		return err
	})
	return m, err
}

// MessageByClientID finds the message sender posted with clientID.
func (s *Store) MessageByClientID(ctx context.Context, sender storage.ID, clientID string) (storage.Message, error) {
	var m storage.Message
	err := s.view(ctx, "get message by client id", func(tx *bbolt.Tx) (err error) {
		id := tx.Bucket(bucketMessagesByClient).Get(clientKey(sender, clientID))
		if id == nil || clientID == "" {
			return storage.ErrNotFound
		}
		mid, err := toID(id)
		if err != nil {
			return err
		}
		m, _, err = messageBuckets{
			messages: tx.Bucket(bucketMessages),
			conv:     tx.Bucket(bucketMessageConv),
		}.find(mid)
		return err
	})
	return m, err
}

// Messages returns a slice of one conversation's history, oldest first,
// with a cursor that seeks to one end of the slice and steps to the other:
// its cost depends on q.Limit, not on the length of the history.
//
// A Limit <= 0 means storage.DefaultLimit. With neither Before nor
// After, the newest Limit messages; with Before only, the Limit messages
// just before it; with After only, the Limit messages just after it. With
// both, the messages strictly between them, at most Limit of them,
// starting just after After (so that a client catching up from After
// pages forward without skipping any).
func (s *Store) Messages(ctx context.Context, c storage.Conversation, q storage.MessageQuery) ([]storage.Message, error) {
	limit := storage.LimitOr(q.Limit)
	prefix := convKey(c)
	var out []storage.Message
	err := s.view(ctx, "list messages", func(tx *bbolt.Tx) (err error) {
		if !q.Thread.IsZero() {
			out, err = threadMessages(tx, prefix, q, limit)
			return err
		}
		out = make([]storage.Message, 0, min(limit, storage.DefaultLimit))
		cur := tx.Bucket(bucketMessages).Cursor()
		add := func(k, data []byte) error {
			if ok, err := shown(q, k, data); !ok || err != nil {
				return err
			}
			m, err := decodeMessage(k, data)
			out = append(out, m)
			return err
		}
		if q.After.IsZero() {
			end := convEnd(prefix)
			if !q.Before.IsZero() {
				end = messageKey(prefix, q.Before)
			}
			for k, data := seekBelow(cur, end); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, data = cur.Prev() {
				if err := add(k, data); err != nil {
					return err
				}
			}
			slices.Reverse(out)
			return nil
		}
		k, data := cur.Seek(messageKey(prefix, q.After))
		if k != nil && messageID(k) == q.After {
			k, data = cur.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, data = cur.Next() {
			if !q.Before.IsZero() && !messageID(k).Less(q.Before) {
				break
			}
			if err := add(k, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// seekBelow moves cur to the last key before k.
func seekBelow(cur *bbolt.Cursor, k []byte) ([]byte, []byte) {
	if found, _ := cur.Seek(k); found == nil {
		return cur.Last()
	}
	return cur.Prev()
}

// CountMessagesAfter counts a conversation's messages newer than after by
// stepping a cursor from it, stopping at limit. A limit <= 0 means no
// limit, as for storage.Page.
func (s *Store) CountMessagesAfter(ctx context.Context, c storage.Conversation, after storage.ID, limit int) (int, error) {
	prefix := convKey(c)
	var n int
	err := s.view(ctx, "count messages", func(tx *bbolt.Tx) error {
		n = 0
		cur := tx.Bucket(bucketMessages).Cursor()
		k, data := cur.Seek(messageKey(prefix, after))
		if k != nil && messageID(k) == after {
			k, data = cur.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && (limit <= 0 || n < limit); k, data = cur.Next() {
			ok, err := shown(storage.MessageQuery{}, k, data)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// EditMessage replaces a message's text, sets Edited and moves its search
// postings from the words it lost to the words it gained.
func (s *Store) EditMessage(ctx context.Context, id storage.ID, text string, edited time.Time) (storage.Message, error) {
	var out storage.Message
	err := s.update(ctx, "edit message", func(tx *bbolt.Tx) error {
		b := writeMessageBuckets(tx)
		m, conv, err := b.find(id)
		if err != nil {
			return err
		}
		before, after := messageTerms(m.Text), messageTerms(text)
		gone := slices.DeleteFunc(slices.Clone(before), func(t string) bool { return slices.Contains(after, t) })
		added := slices.DeleteFunc(slices.Clone(after), func(t string) bool { return slices.Contains(before, t) })
		if err := unindexTerms(b.search, gone, id); err != nil {
			return err
		}
		if err := indexTerms(b.search, added, id, conv); err != nil {
			return err
		}
		m.Text, m.Edited = text, edited
		out = m
		return put(b.messages, messageKey(conv, id), m)
	})
	return out, err
}

// SetPreview rewrites the message with its preview.
func (s *Store) SetPreview(ctx context.Context, id storage.ID, p storage.LinkPreview, onlyFirst bool) (out storage.Message, set bool, err error) {
	err = s.update(ctx, "set preview", func(tx *bbolt.Tx) error {
		b := writeMessageBuckets(tx)
		m, conv, err := b.find(id)
		if err != nil {
			return err
		}
		out, set = m, false
		if onlyFirst && m.Preview != nil {
			return nil
		}
		m.Preview = &p
		out, set = m, true
		return put(b.messages, messageKey(conv, id), m)
	})
	return out, set, err
}

// DeleteMessage removes a message and its search postings; a reply
// leaves its root's summary, and a root takes its replies with it.
func (s *Store) DeleteMessage(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete message", func(tx *bbolt.Tx) error {
		b := writeMessageBuckets(tx)
		m, conv, err := b.find(id)
		if err != nil {
			return err
		}
		if m.IsReply() {
			if err := b.dropReply(tx, m, conv); err != nil {
				return err
			}
		} else if m.Replies != nil {
			for _, r := range replyIDs(tx, conv, id) {
				reply, _, err := b.find(r)
				if err == nil {
					err = b.deleteOne(tx, reply, conv)
				}
				if err != nil {
					return err
				}
				if err := tx.Bucket(bucketThreadReplies).Delete(messageKey(threadKey(conv, id), r)); err != nil {
					return err
				}
			}
		}
		return b.deleteOne(tx, m, conv)
	})
}

// deleteOne removes m, at conv, with its postings, client id and files.
func (b messageBuckets) deleteOne(tx *bbolt.Tx, m storage.Message, conv []byte) error {
	if err := unindexTerms(b.search, messageTerms(m.Text), m.ID); err != nil {
		return err
	}
	if err := b.messages.Delete(messageKey(conv, m.ID)); err != nil {
		return err
	}
	if err := b.releaseClientID(m.Sender, m.ClientID, m.ID); err != nil {
		return err
	}
	if err := deleteFilesOf(tx, m); err != nil {
		return err
	}
	return b.conv.Delete(key(m.ID))
}

// deleteConversation removes every message of the conversation whose key
// is prefix, with their postings, for DeleteRoom. It reads only the text
// of each message. It collects a slice of the run before it deletes,
// since deleting under a bbolt cursor makes it skip entries, and a slice
// at a time, so that a long history does not have to fit in memory twice.
func deleteConversation(tx *bbolt.Tx, prefix []byte) error {
	const slice = 10_000
	b := writeMessageBuckets(tx)
	type doomed struct {
		key      []byte
		terms    []string
		sender   storage.ID
		clientID string
	}
	for {
		var gone []doomed
		cur := b.messages.Cursor()
		for k, data := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(gone) < slice; k, data = cur.Next() {
			var m struct {
				Text     string   `json:"text"`
				Sender   recordID `json:"sender"`
				ClientID string   `json:"client_id"`
			}
			if err := json.Unmarshal(data, &m); err != nil {
				return fmt.Errorf("decode message %x: %w", k, err)
			}
			gone = append(gone, doomed{bytes.Clone(k), messageTerms(m.Text), storage.ID(m.Sender), m.ClientID})
		}
		if len(gone) == 0 {
			return deleteRange(tx.Bucket(bucketThreadReplies), prefix)
		}
		for _, d := range gone {
			id := messageID(d.key)
			if err := unindexTerms(b.search, d.terms, id); err != nil {
				return err
			}
			if err := b.messages.Delete(d.key); err != nil {
				return err
			}
			if err := b.releaseClientID(d.sender, d.clientID, id); err != nil {
				return err
			}
			if err := b.conv.Delete(key(id)); err != nil {
				return err
			}
		}
	}
}

// DirectPartners lists the users that user has exchanged direct messages
// with, in id order. A partner stays listed when the messages are deleted:
// the list says who talked, not what is left of it.
func (s *Store) DirectPartners(ctx context.Context, user storage.ID) ([]storage.ID, error) {
	var out []storage.ID
	err := s.view(ctx, "list direct partners", func(tx *bbolt.Tx) error {
		out = make([]storage.ID, 0)
		for _, e := range prefixed(tx.Bucket(bucketDirectPartners), user) {
			id, err := toID(e.key[len(user):])
			if err != nil {
				return err
			}
			out = append(out, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LastMessageID is the last key of message_conv, which is keyed by id.
func (s *Store) LastMessageID(ctx context.Context) (storage.ID, error) {
	var id storage.ID
	err := s.view(ctx, "last message id", func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bucketMessageConv).Cursor().Last()
		if k == nil {
			id = storage.NilID
			return nil
		}
		var err error
		id, err = toID(k)
		return err
	})
	return id, err
}
