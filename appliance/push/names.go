package push

import (
	"context"
	"strings"

	"github.com/makechat/makechat/storage"
)

// senderName is how a notification names m's sender: the name a webhook
// posted under, or the user's display name, or its username.
func (p *Pusher) senderName(ctx context.Context, m storage.Message) string {
	if !m.Hook.IsZero() && m.Username != "" {
		return m.Username
	}
	return p.userName(ctx, m.Sender)
}

func (p *Pusher) userName(ctx context.Context, id storage.ID) string {
	u, err := p.store.User(ctx, id)
	switch {
	case err != nil:
		return "someone"
	case u.DisplayName != "":
		return u.DisplayName
	}
	return u.Username
}

// conversationName is a notification's title for user: "#room", the
// other users of a group, or the sender of a direct message.
func (p *Pusher) conversationName(ctx context.Context, m storage.Message, user storage.ID, sender string) string {
	if m.Room.IsZero() {
		return sender
	}
	r, err := p.store.Room(ctx, m.Room)
	if err != nil {
		return "makechat"
	}
	if !r.IsGroup() {
		return "#" + r.Name
	}
	var names []string
	for _, u := range r.Group {
		if u != user {
			names = append(names, p.userName(ctx, u))
		}
	}
	return strings.Join(names, ", ")
}
