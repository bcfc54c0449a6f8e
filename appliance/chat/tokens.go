package chat

import (
	"context"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

// maxTokens bounds how many tokens one user may hold.
const maxTokens = 100

// CreateToken makes an API token for the actor and returns it with its
// value, which is never shown again.
func (s *Service) CreateToken(ctx context.Context, a Actor, name string) (storage.Token, string, error) {
	name, err := cleanName("name", name)
	if err != nil {
		return storage.Token{}, "", err
	}
	have, err := s.store.Tokens(ctx, a.User.ID)
	if err != nil {
		return storage.Token{}, "", storeErr(err, "token")
	}
	if len(have) >= maxTokens {
		return storage.Token{}, "", ErrTooManyTokens
	}
	value := auth.NewToken()
	t := storage.Token{
		ID:      s.ids.New(),
		User:    a.User.ID,
		Name:    name,
		Hash:    auth.HashKey(value),
		Created: s.clock(),
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return storage.Token{}, "", storeErr(err, "token")
	}
	return t, value, nil
}

// Tokens lists the actor's own tokens.
func (s *Service) Tokens(ctx context.Context, a Actor) ([]storage.Token, error) {
	ts, err := s.store.Tokens(ctx, a.User.ID)
	return ts, storeErr(err, "token")
}

// DeleteToken revokes one of the actor's tokens, and ends the streams
// opened with it. Another user's token is
// reported as not found, so token ids reveal nothing.
func (s *Service) DeleteToken(ctx context.Context, a Actor, id storage.ID) error {
	ts, err := s.store.Tokens(ctx, a.User.ID)
	if err != nil {
		return storeErr(err, "token")
	}
	for _, t := range ts {
		if t.ID == id {
			if err := s.store.DeleteToken(ctx, id); err != nil {
				return storeErr(err, "token")
			}
			s.notify(Event{End: &Ending{User: a.User.ID, Token: id, Reason: ReasonTokenRevoked}})
			return nil
		}
	}
	return ErrNoSuchToken
}
