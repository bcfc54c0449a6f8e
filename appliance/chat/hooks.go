package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

// NewHook is what a room's owner asks for in a webhook: its name, and,
// for an outgoing one, the URL that gets the room's messages and the
// trigger words that choose them (none: every message).
type NewHook struct {
	Name        string
	OutgoingURL string
	Triggers    []string
	// Bot, if set, is a bot the maker answers for, which the hook posts
	// as (and which joins the room); otherwise a bot is made for the hook,
	// named after it, owned by its maker, and deleted with it.
	Bot storage.ID
}

// MadeHook is a new webhook with what is shown only once: the secret of
// its URL and, for an outgoing one, the secret that signs deliveries.
type MadeHook struct {
	storage.Hook
	Secret        string
	SigningSecret string
}

// CreateHook makes a webhook for a room (its owners and administrators
// may). Every hook takes posts at its secret URL; one with an outgoing
// URL also sends the room's messages there, if the outgoing policy
// (Options.CheckURL) lets the server call it.
func (s *Service) CreateHook(ctx context.Context, a Actor, room storage.ID, in NewHook) (MadeHook, error) {
	if err := s.mayManage(ctx, a, room); err != nil {
		return MadeHook{}, err
	}
	if in.Name == "" {
		in.Name = "webhook"
	}
	name, err := cleanName("name", in.Name)
	if err != nil {
		return MadeHook{}, err
	}
	made := MadeHook{Secret: auth.NewToken()}
	made.Hook = storage.Hook{ID: s.ids.New(), Room: room, Creator: a.User.ID, Name: name, SecretHash: auth.HashKey(made.Secret), Created: s.clock()}
	if in.OutgoingURL != "" || len(in.Triggers) > 0 {
		if made.Outgoing, err = s.outgoing(ctx, in); err != nil {
			return MadeHook{}, err
		}
		made.SigningSecret = made.Outgoing.Secret
	}
	var b storage.User
	if in.Bot.IsZero() {
		b, err = s.hookBot(ctx, a, name)
		made.OwnBot = true
	} else if b, err = s.bot(ctx, a, in.Bot); err != nil {
		err = Invalid("bot", "must name a bot you answer for")
	}
	if err != nil {
		return MadeHook{}, err
	}
	if _, err := s.addMember(ctx, room, b.ID, storage.RoleMember); err != nil && !errors.Is(err, ErrAlreadyMember) {
		return MadeHook{}, err
	}
	made.Bot = b.ID
	if err := s.store.CreateHook(ctx, made.Hook); err != nil {
		return MadeHook{}, storeErr(err, "room")
	}
	return made, nil
}

// hookBot makes the bot of a new hook: owned by the hook's maker (whether
// or not the maker may make bots otherwise: it is the hook's identity),
// with the hook's name as its username if that is free, else the first
// free of name-bot, name-2, name-3...
func (s *Service) hookBot(ctx context.Context, a Actor, name string) (storage.User, error) {
	base := strings.Trim(usernameUnsafe.ReplaceAllString(name, "-"), "-")
	if len(base) > 100 {
		base = strings.TrimRight(base[:100], "-")
	}
	if base == "" {
		base = "webhook"
	}
	for i := 1; i <= 100; i++ {
		username := base
		switch {
		case i == 2:
			username += "-bot"
		case i > 2:
			username += fmt.Sprintf("-%d", i-1)
		}
		if _, err := s.store.UserByName(ctx, username); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return storage.User{}, storeErr(err, "user")
		}
		b := storage.User{ID: s.ids.New(), Username: username, IsBot: true, Owner: a.User.ID, Created: s.clock()}
		err := s.store.CreateUser(ctx, b)
		if errors.Is(err, storage.ErrDuplicate) {
			continue
		}
		return b, storeErr(err, "user")
	}
	return storage.User{}, Invalid("name", "gives no free username for the hook's bot: choose another")
}

// outgoing checks the outgoing part of a new hook and gives it a secret.
func (s *Service) outgoing(ctx context.Context, in NewHook) (*storage.Outgoing, error) {
	if in.OutgoingURL == "" {
		return nil, Missing("outgoing_url")
	}
	o := &storage.Outgoing{URL: in.OutgoingURL, Secret: auth.NewToken()}
	if !storage.IsWebLink(o.URL) || !strings.HasPrefix(o.URL, "http") {
		return nil, Invalid("outgoing_url", "must be an http or https URL")
	}
	seen := map[string]bool{}
	for _, t := range in.Triggers {
		t = strings.TrimSpace(t)
		if t != "" && !seen[strings.ToLower(t)] {
			seen[strings.ToLower(t)] = true
			o.Triggers = append(o.Triggers, t)
		}
	}
	if err := storage.CheckOutgoing(o); err != nil {
		return nil, Invalid("triggers", fmt.Sprintf("may hold at most %d words of 1 to %d characters, without spaces", storage.MaxTriggers, storage.MaxTriggerChars))
	}
	if s.opts.CheckURL != nil {
		if err := s.opts.CheckURL(ctx, o.URL); err != nil {
			return nil, Invalid("outgoing_url", "cannot be called: "+err.Error())
		}
	}
	return o, nil
}

// HookInfo is a webhook with what its room's owners need to judge it:
// who made it, and whether that maker may still post through it.
type HookInfo struct {
	storage.Hook
	Maker        string // the maker's username; "" if it was deleted
	MakerCanPost bool
}

// Hooks lists a room's webhooks for its owners and administrators.
func (s *Service) Hooks(ctx context.Context, a Actor, room storage.ID) ([]HookInfo, error) {
	if err := s.mayManage(ctx, a, room); err != nil {
		return nil, err
	}
	hs, err := s.store.Hooks(ctx, room)
	if err != nil {
		return nil, storeErr(err, "hook")
	}
	out := make([]HookInfo, len(hs))
	for i, h := range hs {
		out[i].Hook = h
		maker, err := s.activeUser(ctx, h.Creator)
		if _, ok := AsError(err); ok {
			if u, err := s.store.User(ctx, h.Creator); err == nil {
				out[i].Maker = u.Username // disabled: named, but mute
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].Maker = maker.User.Username
		out[i].MakerCanPost = s.hookMayPost(ctx, maker, h.Room) == nil
	}
	return out, nil
}

// hookMayPost checks that a hook's maker may still write in its room.
func (s *Service) hookMayPost(ctx context.Context, maker Actor, room storage.ID) error {
	if maker.IsAdmin() {
		return nil
	}
	if err := s.mayWrite(ctx, maker, room); err != nil {
		if e, ok := AsError(err); ok && (e.Kind == KindForbidden || e.Kind == KindNotFound) {
			return ErrHookMakerCannotPost
		}
		return err
	}
	return nil
}

// DeleteHook revokes a room's webhook.
func (s *Service) DeleteHook(ctx context.Context, a Actor, room, id storage.ID) error {
	if err := s.mayManage(ctx, a, room); err != nil {
		return err
	}
	h, err := s.store.Hook(ctx, id)
	if err != nil || h.Room != room {
		return ErrNoSuchHook
	}
	if err := s.store.DeleteHook(ctx, id); err != nil {
		return storeErr(err, "hook")
	}
	return s.dropHookBot(ctx, h)
}

// dropHookBot deletes the bot made for a deleted hook, if it had one;
// its messages stay, as a deleted person's do.
func (s *Service) dropHookBot(ctx context.Context, h storage.Hook) error {
	if !h.OwnBot {
		return nil
	}
	if err := s.store.DeleteUser(ctx, h.Bot); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storeErr(err, "user")
	}
	s.notify(Event{End: &Ending{User: h.Bot, Reason: ReasonDeleted}})
	return nil
}

// HookPost is what an incoming webhook posts: the text and cards
// (appliance/slack makes them of Slack's attachments and blocks; the
// text holds a plain rendering). A payload's own username is not taken:
// a hook posts as its bot, so whoever holds its URL cannot pass for
// anyone else.
type HookPost struct {
	Text        string
	Attachments []storage.Attachment
}

// PostByHook posts into a webhook's room as the hook's bot (a hook made
// before hooks had bots posts as its maker under the hook's name). An
// unknown secret is not found. A hook
// speaks for its maker, so it posts only while the maker may: an active
// account that is an administrator or a member of the room that is not a
// guest (checked at each post, so a maker who is demoted or leaves takes
// its hooks' voice with it). Its posts count against the maker's post
// rate.
func (s *Service) PostByHook(ctx context.Context, secret string, p HookPost) (storage.Message, error) {
	if !auth.LooksLikeToken(secret) {
		return storage.Message{}, ErrNoSuchHook
	}
	h, err := s.store.HookBySecret(ctx, auth.HashKey(secret))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Message{}, ErrNoSuchHook
	}
	if err != nil {
		return storage.Message{}, storeErr(err, "hook")
	}
	return s.postAsHook(ctx, h, p)
}

// ReplyByHook posts an outgoing hook's answer into its room, by the
// rules of PostByHook.
func (s *Service) ReplyByHook(ctx context.Context, hook storage.ID, p HookPost) (storage.Message, error) {
	h, err := s.store.Hook(ctx, hook)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Message{}, ErrNoSuchHook
	}
	if err != nil {
		return storage.Message{}, storeErr(err, "hook")
	}
	return s.postAsHook(ctx, h, p)
}

func (s *Service) postAsHook(ctx context.Context, h storage.Hook, p HookPost) (storage.Message, error) {
	// Once the maker is disabled or deleted, the hook is dead too.
	maker, err := s.activeUser(ctx, h.Creator)
	if err != nil {
		if _, ok := AsError(err); ok {
			return storage.Message{}, ErrNoSuchHook
		}
		return storage.Message{}, err
	}
	if err := checkText(p.Text); err != nil {
		return storage.Message{}, err
	}
	if err := storage.CheckAttachments(p.Attachments); err != nil {
		return storage.Message{}, Invalid("attachments", "cannot be shown: "+err.Error())
	}
	if err := s.hookMayPost(ctx, maker, h.Room); err != nil {
		return storage.Message{}, err
	}
	sender, username := h.Creator, h.Name
	if !h.Bot.IsZero() {
		// The bot must still be active and in the room.
		bot, err := s.activeUser(ctx, h.Bot)
		if err != nil {
			if _, ok := AsError(err); ok {
				return storage.Message{}, ErrNoSuchHook
			}
			return storage.Message{}, err
		}
		if err := s.mayWrite(ctx, bot, h.Room); err != nil {
			return storage.Message{}, ErrHookMakerCannotPost
		}
		sender, username = bot.User.ID, bot.User.Username
	}
	if err := s.takePost(maker); err != nil {
		return storage.Message{}, err
	}
	return s.store1(ctx, storage.Message{Text: p.Text, Sender: sender, Room: h.Room, Hook: h.ID, Username: username, Attachments: p.Attachments}, "")
}

// OutgoingHooks returns the outgoing hooks that m, a new message, goes
// to: those of its room whose triggers (if any) include its first word
// and whose maker may still post there. A hook's own messages go nowhere,
// so that hooks cannot answer each other for ever; nor do direct
// messages. The trigger word found is returned with each hook.
func (s *Service) OutgoingHooks(ctx context.Context, m storage.Message) ([]Trigger, error) {
	if m.Room.IsZero() || !m.Hook.IsZero() {
		return nil, nil
	}
	hs, err := s.store.Hooks(ctx, m.Room)
	if err != nil {
		return nil, storeErr(err, "hook")
	}
	var first string
	if words := strings.Fields(m.Text); len(words) > 0 {
		first = words[0]
	}
	var out []Trigger
	for _, h := range hs {
		if h.Outgoing == nil {
			continue
		}
		word, ok := "", len(h.Outgoing.Triggers) == 0
		for _, t := range h.Outgoing.Triggers {
			if strings.EqualFold(t, first) {
				word, ok = t, true
				break
			}
		}
		if !ok {
			continue
		}
		maker, err := s.activeUser(ctx, h.Creator)
		if err != nil || s.hookMayPost(ctx, maker, h.Room) != nil {
			continue
		}
		out = append(out, Trigger{Hook: h, Word: word})
	}
	return out, nil
}

// Trigger is an outgoing hook that a message goes to, and the trigger
// word that chose it ("" for a hook without triggers).
type Trigger struct {
	Hook storage.Hook
	Word string
}

// RoomName is a room's name, for what the server sends out about it.
func (s *Service) RoomName(ctx context.Context, room storage.ID) (string, error) {
	r, err := s.store.Room(ctx, room)
	if err != nil {
		return "", storeErr(err, "room")
	}
	return r.Name, nil
}

// UserName is a user's username, for what the server sends out about it.
func (s *Service) UserName(ctx context.Context, user storage.ID) (string, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return "", storeErr(err, "user")
	}
	return u.Username, nil
}
