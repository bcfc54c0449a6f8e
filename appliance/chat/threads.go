package chat

import (
	"context"

	"github.com/makechat/makechat/storage"
)

// Threads: a reply names a message it may read as its thread; a reply to
// a reply goes to that reply's root, so threads are one level deep. A
// reply is posted in its root's conversation by whoever may post there,
// and announced like any message (message.created, with thread set):
// clients update the root's summary from those events, so no second
// event goes out per reply. The conversation's history leaves replies
// out unless they were also sent to it (InRoom); History with Thread
// lists them, and a stream catching up gets every reply.

// threadRoot finds the root of the thread that id names: the message
// itself, or its root if it is a reply. Both must be readable.
func (s *Service) threadRoot(ctx context.Context, a Actor, id storage.ID) (storage.Message, error) {
	m, err := s.readableMessage(ctx, a, id)
	if err != nil || !m.IsReply() {
		return m, err
	}
	return s.readableMessage(ctx, a, m.Thread)
}

// replyTarget sets n's conversation to its thread root's, which it must
// match if given, and returns the root.
func (s *Service) replyTarget(ctx context.Context, a Actor, n *NewMessage) (storage.Message, error) {
	root, err := s.threadRoot(ctx, a, n.Thread)
	if err != nil {
		return storage.Message{}, err
	}
	room, recipient := root.Room, storage.ID{}
	if room.IsZero() {
		// A direct thread: the actor must be one of the two.
		switch a.User.ID {
		case root.Sender:
			recipient = root.Recipient
		case root.Recipient:
			recipient = root.Sender
		default:
			return storage.Message{}, ErrNoSuchMessage
		}
	}
	if !n.Room.IsZero() && n.Room != room || !n.Recipient.IsZero() && n.Recipient != recipient {
		return storage.Message{}, ErrThreadElsewhere
	}
	n.Room, n.Recipient = room, recipient
	return root, nil
}
