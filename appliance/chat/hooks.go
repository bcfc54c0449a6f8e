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

// Hooks lists a room's webhooks for its owners and administrators.
func (s *Service) Hooks(ctx context.Context, a Actor, room storage.ID) ([]storage.Hook, error) {
	if err := s.mayManage(ctx, a, room); err != nil {
		return nil, err
	}
	hs, err := s.store.Hooks(ctx, room)
	return hs, storeErr(err, "hook")
}

// DeleteHook revokes a room's webhook.
func (s *Service) DeleteHook(ctx context.Context, a Actor, room, id storage.ID) error {
	if err := s.mayManage(ctx, a, room); err != nil {
		return err
	}
	h, err := s.store.Hook(ctx, id)
	if err != nil || h.Room != room {
		return NotFound("hook")
	}
	return storeErr(s.store.DeleteHook(ctx, id), "hook")
}

// PostByHook posts text into a webhook's room, under username if given
// (else the hook's name). An unknown secret is not found.
func (s *Service) PostByHook(ctx context.Context, secret, text, username string) (storage.Message, error) {
	if !auth.LooksLikeToken(secret) {
		return storage.Message{}, NotFound("hook")
	}
	h, err := s.store.HookBySecret(ctx, auth.HashKey(secret))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Message{}, NotFound("hook")
	}
	if err != nil {
		return storage.Message{}, storeErr(err, "hook")
	}
	// A hook speaks for its maker: once the maker is disabled or deleted,
	// the hook is dead too.
	if _, err := s.activeUser(ctx, h.Creator); err != nil {
		if _, ok := AsError(err); ok {
			return storage.Message{}, NotFound("hook")
		}
		return storage.Message{}, err
	}
	if err := checkText(text); err != nil {
		return storage.Message{}, err
	}
	if username == "" {
		username = h.Name
	}
	if username, err = cleanName("username", username); err != nil {
		return storage.Message{}, err
	}
	return s.store1(ctx, storage.Message{Text: text, Sender: h.Creator, Room: h.Room, Hook: h.ID, Username: username})
}
