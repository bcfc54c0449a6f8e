package chat

import (
	"context"
	"errors"

	"github.com/makechat/makechat/storage"
)

// Bots are accounts that act only through API tokens: no password, no
// email, no admin rights, shown with a BOT tag. Each is owned by the
// person who made it, who (with the administrators) manages its tokens
// and may delete it. Administrators make bots; every user may when
// bot_creation is users (Options.UsersCreateBots).

// MayCreateBots reports whether the actor may make bots.
func (s *Service) MayCreateBots(a Actor) bool {
	return a.IsAdmin() || s.opts.UsersCreateBots && !a.User.ID.IsZero()
}

// CreateBot makes a bot owned by the actor.
func (s *Service) CreateBot(ctx context.Context, a Actor, username string) (storage.User, error) {
	if !s.MayCreateBots(a) {
		return storage.User{}, ErrBotsByAdmins
	}
	if a.User.IsBot {
		return storage.User{}, ErrBotsByAdmins
	}
	if err := checkUsername("username", username); err != nil {
		return storage.User{}, err
	}
	if _, err := s.store.UserByName(ctx, username); err == nil {
		return storage.User{}, errUsernameTaken(username)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, storeErr(err, "user")
	}
	b := storage.User{ID: s.ids.New(), Username: username, IsBot: true, Owner: a.User.ID, Created: s.clock()}
	if err := s.store.CreateUser(ctx, b); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return storage.User{}, errUsernameTaken(username)
		}
		return storage.User{}, storeErr(err, "user")
	}
	return b, nil
}

// Bots lists the bots the actor answers for: an administrator's are all
// of them, a user's its own.
func (s *Service) Bots(ctx context.Context, a Actor) ([]storage.User, error) {
	var out []storage.User
	for p := (storage.Page{Limit: 500}); ; p.Offset += p.Limit {
		us, total, err := s.store.Users(ctx, p)
		if err != nil {
			return nil, storeErr(err, "user")
		}
		for _, u := range us {
			if u.IsBot && (a.IsAdmin() || u.Owner == a.User.ID) {
				out = append(out, u)
			}
		}
		if p.Offset+len(us) >= total || len(us) == 0 {
			return out, nil
		}
	}
}

// bot finds a bot the actor answers for; any other id is not found.
func (s *Service) bot(ctx context.Context, a Actor, id storage.ID) (storage.User, error) {
	b, err := s.store.User(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || err == nil && (!b.IsBot || !a.IsAdmin() && b.Owner != a.User.ID) {
		return storage.User{}, ErrNoSuchBot
	}
	return b, storeErr(err, "user")
}

// botActor is the actor a bot's owner acts as on the bot's behalf.
func (s *Service) botActor(ctx context.Context, a Actor, id storage.ID) (Actor, error) {
	b, err := s.bot(ctx, a, id)
	return Actor{User: b}, err
}

// CreateBotToken makes an API token for a bot.
func (s *Service) CreateBotToken(ctx context.Context, a Actor, bot storage.ID, name string) (storage.Token, string, error) {
	ba, err := s.botActor(ctx, a, bot)
	if err != nil {
		return storage.Token{}, "", err
	}
	return s.CreateToken(ctx, ba, name)
}

// BotTokens lists a bot's tokens.
func (s *Service) BotTokens(ctx context.Context, a Actor, bot storage.ID) ([]storage.Token, error) {
	ba, err := s.botActor(ctx, a, bot)
	if err != nil {
		return nil, err
	}
	return s.Tokens(ctx, ba)
}

// DeleteBotToken revokes a bot's token and ends the streams it opened.
func (s *Service) DeleteBotToken(ctx context.Context, a Actor, bot, token storage.ID) error {
	ba, err := s.botActor(ctx, a, bot)
	if err != nil {
		return err
	}
	return s.DeleteToken(ctx, ba, token)
}

// DeleteBot deletes a bot with its tokens and memberships; its messages
// stay, as a deleted person's do.
func (s *Service) DeleteBot(ctx context.Context, a Actor, id storage.ID) error {
	if _, err := s.bot(ctx, a, id); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, id); err != nil {
		return storeErr(err, "user")
	}
	s.notify(Event{End: &Ending{User: id, Reason: ReasonDeleted}})
	return nil
}
