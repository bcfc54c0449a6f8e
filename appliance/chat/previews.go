package chat

import (
	"context"
	"time"

	"github.com/makechat/makechat/appliance/preview"
	"github.com/makechat/makechat/storage"
)

// Link previews: after a post is stored and answered, the page at its
// text's first link is fetched (Options.LinkPreview, through the
// outgoing request policy) and what it says of itself is added to the
// message, announced as message.updated. A sender may take the preview
// off its message; a fetch that ends after that adds nothing.

// previewTimeout bounds a preview's fetch and store, beyond the
// fetcher's own limits.
const previewTimeout = 20 * time.Second

// previewLater fetches the preview of m's first link, if previews are
// on and it has one, in the background.
func (s *Service) previewLater(m storage.Message) {
	if s.opts.LinkPreview == nil || !m.Hook.IsZero() {
		return
	}
	link := preview.FirstLink(m.Text)
	if link == "" {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), previewTimeout)
		defer cancel()
		p, err := s.opts.LinkPreview(ctx, link)
		if err != nil {
			return // no preview: the page is not there, refused, or says nothing
		}
		s.setPreview(ctx, m, p, true)
	}()
}

// setPreview stores p on m and announces the change, in the order of m's
// conversation's events.
func (s *Service) setPreview(ctx context.Context, m storage.Message, p storage.LinkPreview, onlyFirst bool) (storage.Message, error) {
	name := s.senderName(ctx, m)
	conv := m.Conversation()
	_, slot := s.seq.take(conv, false)
	got, set, err := s.store.SetPreview(ctx, m.ID, p, onlyFirst)
	if err != nil || !set {
		s.seq.finish(conv, slot)
		return got, storeErr(err, "message")
	}
	s.seq.finish(conv, slot, s.messageEvent(EventMessageUpdated, got, name))
	return got, nil
}

// RemovePreview takes the link preview off a message: its sender may.
func (s *Service) RemovePreview(ctx context.Context, a Actor, id storage.ID) (storage.Message, error) {
	m, err := s.readableMessage(ctx, a, id)
	if err != nil {
		return storage.Message{}, err
	}
	if m.Sender != a.User.ID || !m.Hook.IsZero() {
		return storage.Message{}, ErrSenderEditsOnly
	}
	url := ""
	if m.Preview != nil {
		url = m.Preview.URL
	}
	return s.setPreview(ctx, m, storage.LinkPreview{URL: url, Removed: true}, false)
}

// Wait waits for the work the service does in the background (link
// previews) to end; the caller stops new work first.
func (s *Service) Wait() { s.background.Wait() }
