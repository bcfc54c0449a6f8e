package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// Threads (see storage/threads.go): a reply is stored in its
// conversation like any message, and listed in thread_replies under
// conversation key + root id + reply id, so that a thread's replies are
// one range and a deleted conversation's entries another. The root's
// record holds its ThreadSummary, rewritten in the transaction that adds
// or deletes a reply.

// threadKey is the thread_replies prefix of root's replies.
func threadKey(conv []byte, root storage.ID) []byte {
	return append(append(make([]byte, 0, len(conv)+2*len(root)), conv...), root[:]...)
}

// addReply checks m's root (in the same conversation, and no reply
// itself) and records m as its reply.
func (b messageBuckets) addReply(tx *bbolt.Tx, m storage.Message, conv []byte) error {
	root, rootConv, err := b.find(m.Thread)
	if err != nil || !bytes.Equal(rootConv, conv) || root.IsReply() {
		return fmt.Errorf("%w thread root %s", storage.ErrNotFound, m.Thread)
	}
	root.Replies = storage.WithReply(root.Replies, m)
	if err := put(b.messages, messageKey(conv, root.ID), root); err != nil {
		return err
	}
	return tx.Bucket(bucketThreadReplies).Put(messageKey(threadKey(conv, root.ID), m.ID), []byte{})
}

// dropReply forgets m as its root's reply and sums up the replies left.
func (b messageBuckets) dropReply(tx *bbolt.Tx, m storage.Message, conv []byte) error {
	replies := tx.Bucket(bucketThreadReplies)
	prefix := threadKey(conv, m.Thread)
	if err := replies.Delete(messageKey(prefix, m.ID)); err != nil {
		return err
	}
	root, _, err := b.find(m.Thread)
	if err != nil {
		return nil // deleted with its root
	}
	count := 0
	var newest []storage.Message
	cur := replies.Cursor()
	for k, _ := seekBelow(cur, convEnd(prefix)); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Prev() {
		count++
		// The newest few are enough to name the latest repliers.
		if len(newest) < 100 {
			r, err := decodeMessage(k, b.messages.Get(messageKey(conv, messageID(k))))
			if err != nil {
				return err
			}
			newest = append(newest, r)
		}
	}
	root.Replies = storage.SummarizeReplies(count, newest)
	return put(b.messages, messageKey(conv, root.ID), root)
}

// replyIDs lists the ids of root's replies.
func replyIDs(tx *bbolt.Tx, conv []byte, root storage.ID) []storage.ID {
	var out []storage.ID
	prefix := threadKey(conv, root)
	cur := tx.Bucket(bucketThreadReplies).Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		out = append(out, messageID(k))
	}
	return out
}

// threadMessages is Messages for q.Thread: a page of the thread's
// replies, with the same Before/After rules as a conversation's.
func threadMessages(tx *bbolt.Tx, conv []byte, q storage.MessageQuery, limit int) ([]storage.Message, error) {
	prefix := threadKey(conv, q.Thread)
	msgs := tx.Bucket(bucketMessages)
	var ids []storage.ID
	cur := tx.Bucket(bucketThreadReplies).Cursor()
	if q.After.IsZero() {
		end := convEnd(prefix)
		if !q.Before.IsZero() {
			end = messageKey(prefix, q.Before)
		}
		for k, _ := seekBelow(cur, end); k != nil && bytes.HasPrefix(k, prefix) && len(ids) < limit; k, _ = cur.Prev() {
			ids = append(ids, messageID(k))
		}
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
		}
	} else {
		k, _ := cur.Seek(messageKey(prefix, q.After))
		if k != nil && messageID(k) == q.After {
			k, _ = cur.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(ids) < limit; k, _ = cur.Next() {
			if !q.Before.IsZero() && !messageID(k).Less(q.Before) {
				break
			}
			ids = append(ids, messageID(k))
		}
	}
	out := make([]storage.Message, 0, len(ids))
	for _, id := range ids {
		k := messageKey(conv, id)
		m, err := decodeMessage(k, msgs.Get(k))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// replyMark is in the record of every reply (and of no other message,
// unless its attachments use the name): records without it are shown in
// their conversation without being decoded to check.
var replyMark = []byte(`"thread":`)

// shown reports whether the record data, at k, belongs in a
// conversation's history as q selects it.
func shown(q storage.MessageQuery, k, data []byte) (bool, error) {
	if q.AllReplies || !bytes.Contains(data, replyMark) {
		return true, nil
	}
	// Only the two fields that decide; the whole record is decoded once,
	// if it is shown.
	var r struct {
		Thread recordID `json:"thread"`
		InRoom bool     `json:"in_room"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return false, fmt.Errorf("decode message %x: %w", k, err)
	}
	return storage.Message{Thread: storage.ID(r.Thread), InRoom: r.InRoom}.InConversation(), nil
}

// deleteRange deletes every key of b that starts with prefix.
func deleteRange(b *bbolt.Bucket, prefix []byte) error {
	var keys [][]byte
	cur := b.Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
