package chat

import (
	"context"
	"errors"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

// CreateHook makes an incoming webhook for a room (its owners and
// administrators may) and returns it with its secret, shown this once.
func (s *Service) CreateHook(ctx context.Context, a Actor, room storage.ID, name string) (storage.Hook, string, error) {
	if err := s.mayManage(ctx, a, room); err != nil {
		return storage.Hook{}, "", err
	}
	if name == "" {
		name = "webhook"
	}
	name, err := cleanName("name", name)
	if err != nil {
		return storage.Hook{}, "", err
	}
	secret := auth.NewToken()
	h := storage.Hook{ID: s.ids.New(), Room: room, Creator: a.User.ID, Name: name, SecretHash: auth.HashKey(secret), Created: s.clock()}
	if err := s.store.CreateHook(ctx, h); err != nil {
		return storage.Hook{}, "", storeErr(err, "room")
	}
	return h, secret, nil
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
	return storeErr(s.store.DeleteHook(ctx, id), "hook")
}

// HookPost is what an incoming webhook posts: the text, the name to post
// under ("" for the hook's own), and cards (appliance/slack makes them
// of Slack's attachments and blocks; the text holds a plain rendering).
type HookPost struct {
	Text        string
	Username    string
	Attachments []storage.Attachment
}

// PostByHook posts into a webhook's room, under the post's username if
// given (else the hook's name). An unknown secret is not found. A hook speaks
// for its maker, so it posts only while the maker may: an active account
// that is an administrator or a member of the room that is not a guest
// (checked at each post, so a maker who is demoted or leaves takes its
// hooks' voice with it). Its posts count against the maker's post rate.
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
	if err := s.takePost(maker); err != nil {
		return storage.Message{}, err
	}
	username := p.Username
	if username == "" {
		username = h.Name
	}
	if username, err = cleanName("username", username); err != nil {
		return storage.Message{}, err
	}
	return s.store1(ctx, storage.Message{Text: p.Text, Sender: h.Creator, Room: h.Room, Hook: h.ID, Username: username, Attachments: p.Attachments})
}
