package chat

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

// Login checks a username and password and opens a session. It returns
// the user, the session key for the cookie and its expiry. Failed
// attempts are counted per username and per address (addr); past the
// limit every attempt, right or wrong, is refused until the window moves.
func (s *Service) Login(ctx context.Context, username, password, addr string) (storage.User, string, time.Time, error) {
	if username == "" {
		return storage.User{}, "", time.Time{}, Missing("username")
	}
	if password == "" {
		return storage.User{}, "", time.Time{}, Missing("password")
	}
	userKey := "u:" + strings.ToLower(truncate(username, maxNameChars))
	addrKey := "a:" + addr
	if wait := max(s.limiter.Blocked(userKey), s.limiter.Blocked(addrKey)); wait > 0 {
		return storage.User{}, "", time.Time{}, &Error{Kind: KindRateLimited, RetryAfter: wait,
			Msg: "Too many failed logins; try again later."}
	}
	u, err := s.store.UserByName(ctx, username)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, "", time.Time{}, storeErr(err, "user")
	}
	if !s.hasher.Check(u.PasswordHash, password) {
		s.limiter.Fail(userKey)
		s.limiter.Fail(addrKey)
		return storage.User{}, "", time.Time{}, ErrBadLogin
	}
	if u.IsDisabled {
		return storage.User{}, "", time.Time{}, ErrUnauthenticated
	}
	s.limiter.Reset(userKey)
	key, expires, err := s.openSession(ctx, u.ID)
	if err != nil {
		return storage.User{}, "", time.Time{}, err
	}
	return u, key, expires, nil
}

func (s *Service) openSession(ctx context.Context, user storage.ID) (string, time.Time, error) {
	now := s.clock()
	key := auth.NewSessionKey()
	sess := storage.Session{
		ID:      s.ids.New(),
		KeyHash: auth.HashKey(key),
		User:    user,
		Created: now,
		Expires: now.Add(s.opts.SessionTTL),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", time.Time{}, storeErr(err, "session")
	}
	return key, sess.Expires, nil
}

// Logout ends the session with the given key, if there is one.
func (s *Service) Logout(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	// A read first: unknown keys (anyone may send one) then never reach
	// the shared write queue, where a failing write costs its whole group
	// a retry.
	hash := auth.HashKey(key)
	if _, err := s.store.SessionByKey(ctx, hash); errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return storeErr(err, "session")
	}
	err := s.store.DeleteSession(ctx, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return storeErr(err, "session")
}

// SessionActor returns the actor of a live session key. Unknown and
// expired keys, and sessions of disabled or deleted users, give
// ErrUnauthenticated.
func (s *Service) SessionActor(ctx context.Context, key string) (Actor, error) {
	if key == "" || len(key) > 128 {
		return Actor{}, ErrUnauthenticated
	}
	sess, err := s.store.SessionByKey(ctx, auth.HashKey(key))
	if errors.Is(err, storage.ErrNotFound) {
		return Actor{}, ErrUnauthenticated
	}
	if err != nil {
		return Actor{}, storeErr(err, "session")
	}
	if !s.now().Before(sess.Expires) {
		return Actor{}, ErrUnauthenticated
	}
	return s.activeUser(ctx, sess.User)
}

// TokenActor returns the actor of an API token value. The token's last
// use is recorded at most once a minute, so that a busy bot does not turn
// every read into a disk write.
func (s *Service) TokenActor(ctx context.Context, value string) (Actor, error) {
	if !auth.LooksLikeToken(value) {
		return Actor{}, ErrUnauthenticated
	}
	tok, err := s.store.TokenByHash(ctx, auth.HashKey(value))
	if errors.Is(err, storage.ErrNotFound) {
		return Actor{}, ErrUnauthenticated
	}
	if err != nil {
		return Actor{}, storeErr(err, "token")
	}
	a, err := s.activeUser(ctx, tok.User)
	if err != nil {
		return Actor{}, err
	}
	if now := s.clock(); now.Sub(tok.LastUsed) >= time.Minute {
		if err := s.store.TouchToken(ctx, tok.ID, now); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return Actor{}, storeErr(err, "token")
		}
	}
	return a, nil
}

// Reauthenticate reads the actor's account again: ErrUnauthenticated if
// it has been disabled or deleted meanwhile.
func (s *Service) Reauthenticate(ctx context.Context, a Actor) (Actor, error) {
	if a.System {
		return a, nil
	}
	return s.activeUser(ctx, a.User.ID)
}

func (s *Service) activeUser(ctx context.Context, id storage.ID) (Actor, error) {
	u, err := s.store.User(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return Actor{}, ErrUnauthenticated
	}
	if err != nil {
		return Actor{}, storeErr(err, "user")
	}
	if u.IsDisabled {
		return Actor{}, ErrUnauthenticated
	}
	return Actor{User: u}, nil
}

// ExpireSessions removes expired sessions and returns how many.
func (s *Service) ExpireSessions(ctx context.Context) (int, error) {
	return s.store.DeleteExpiredSessions(ctx, s.now())
}

// Registration is what a newcomer sends to register.
type Registration struct {
	Username, Email, Password1, Password2 string
}

// minRegisterPassword is the shortest password self-registration accepts.
const minRegisterPassword = 8

// Register creates an ordinary user from a self-registration and opens a
// session for it. It is refused unless registration is open.
func (s *Service) Register(ctx context.Context, r Registration) (storage.User, string, time.Time, error) {
	if !s.opts.AllowRegistration {
		return storage.User{}, "", time.Time{}, ErrRegistrationOff
	}
	if err := checkPassword("password1", r.Password1, minRegisterPassword); err != nil {
		return storage.User{}, "", time.Time{}, err
	}
	if r.Password2 == "" {
		return storage.User{}, "", time.Time{}, Missing("password2")
	}
	if r.Password1 != r.Password2 {
		return storage.User{}, "", time.Time{}, Invalid("password2", "must match 'password1'")
	}
	u, err := s.createUser(ctx, NewUser{Username: r.Username, Email: r.Email, Password: r.Password1}, "password1")
	if err != nil {
		return storage.User{}, "", time.Time{}, err
	}
	key, expires, err := s.openSession(ctx, u.ID)
	if err != nil {
		return storage.User{}, "", time.Time{}, err
	}
	return u, key, expires, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
