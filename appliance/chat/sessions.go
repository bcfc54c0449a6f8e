package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

// Client is where a login or registration comes from: the address it is
// counted under, the User-Agent (kept with the session so its owner can
// tell sessions apart), and the device cookie it carries, if any.
type Client struct {
	Addr, Agent, Device string
}

// LoginResult is an opened session: the user, the cookie's key and
// expiry, and a device cookie to set when the client has none yet.
type LoginResult struct {
	User    storage.User
	Key     string
	Expires time.Time
	Device  string
}

// Login checks a username and password and opens a session. Failed
// attempts are limited by auth.LoginGuard: per (username, address), per
// address, and per account, so that no one can lock another out.
func (s *Service) Login(ctx context.Context, username, password string, c Client) (LoginResult, error) {
	if username == "" {
		return LoginResult{}, Missing("username")
	}
	if password == "" {
		return LoginResult{}, Missing("password")
	}
	at := auth.Attempt{Username: username, Addr: auth.AddrKey(c.Addr), Device: s.devices.Verify(c.Device, username)}
	if wait := s.logins.Wait(at); wait > 0 {
		return LoginResult{}, retryAfter(ErrTooManyLogins, wait)
	}
	u, err := s.store.UserByName(ctx, username)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return LoginResult{}, storeErr(err, "user")
	}
	if !s.hasher.Check(u.PasswordHash, password) {
		s.logins.Fail(at)
		return LoginResult{}, ErrBadLogin
	}
	if u.IsDisabled {
		return LoginResult{}, ErrUnauthenticated
	}
	s.logins.Succeed(at)
	key, expires, err := s.openSession(ctx, u.ID, c)
	if err != nil {
		return LoginResult{}, err
	}
	res := LoginResult{User: u, Key: key, Expires: expires}
	if at.Device == "" {
		res.Device = s.devices.Issue(username)
	}
	return res, nil
}

// DeviceLifetime is how long a device cookie is honoured.
func (s *Service) DeviceLifetime() time.Duration { return auth.DeviceLifetime }

// Most bytes of a User-Agent kept with a session.
const maxAgentBytes = 200

func (s *Service) openSession(ctx context.Context, user storage.ID, c Client) (string, time.Time, error) {
	now := s.clock()
	key := auth.NewSessionKey()
	agent := strings.ToValidUTF8(c.Agent, "")
	for len(agent) > maxAgentBytes {
		_, size := utf8.DecodeLastRuneInString(agent)
		agent = agent[:len(agent)-size]
	}
	sess := storage.Session{
		ID:      s.ids.New(),
		KeyHash: auth.HashKey(key),
		User:    user,
		Created: now,
		Expires: now.Add(s.opts.SessionTTL),
		Address: c.Addr,
		Agent:   strings.Map(dropControl, agent),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", time.Time{}, storeErr(err, "session")
	}
	return key, sess.Expires, nil
}

func dropControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

// Logout ends the session with the given key, if there is one, and the
// streams it opened.
func (s *Service) Logout(ctx context.Context, key string) error {
	if key == "" || len(key) > maxSessionKey {
		return nil
	}
	// A read first: unknown keys (anyone may send one) then never reach
	// the shared write queue, where a failing write costs its whole group
	// a retry.
	hash := auth.HashKey(key)
	sess, err := s.store.SessionByKey(ctx, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return storeErr(err, "session")
	}
	err = s.store.DeleteSession(ctx, hash)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storeErr(err, "session")
	}
	s.notify(Event{End: &Ending{User: sess.User, Session: sess.ID, Reason: ReasonLoggedOut}})
	return nil
}

// maxSessionKey bounds the cookie values worth a lookup.
const maxSessionKey = 128

// SessionActor returns the actor of a live session key. Unknown and
// expired keys, and sessions of disabled or deleted users, give
// ErrUnauthenticated.
func (s *Service) SessionActor(ctx context.Context, key string) (Actor, error) {
	if key == "" || len(key) > maxSessionKey {
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
	a, err := s.activeUser(ctx, sess.User)
	if err != nil {
		return Actor{}, err
	}
	a.Session, a.SessionExpires = sess.ID, sess.Expires
	return a, nil
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
	a.Token = tok.ID
	if now := s.clock(); now.Sub(tok.LastUsed) >= time.Minute {
		if err := s.store.TouchToken(ctx, tok.ID, now); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return Actor{}, storeErr(err, "token")
		}
	}
	return a, nil
}

// Reauthenticate reads the actor's account and credential again:
// ErrUnauthenticated if the account has been disabled or deleted, or the
// session or token ended, meanwhile. The actor returned has the
// account's rights as they are now.
func (s *Service) Reauthenticate(ctx context.Context, a Actor) (Actor, error) {
	if a.System {
		return a, nil
	}
	fresh, err := s.activeUser(ctx, a.User.ID)
	if err != nil {
		return Actor{}, err
	}
	fresh.Session, fresh.SessionExpires, fresh.Token = a.Session, a.SessionExpires, a.Token
	switch {
	case !a.Session.IsZero():
		err = s.ownsSession(ctx, a.User.ID, a.Session)
	case !a.Token.IsZero():
		err = s.ownsToken(ctx, a.User.ID, a.Token)
	}
	if err != nil {
		return Actor{}, err
	}
	return fresh, nil
}

func (s *Service) ownsSession(ctx context.Context, user, id storage.ID) error {
	sessions, err := s.store.Sessions(ctx, user)
	if err != nil {
		return storeErr(err, "session")
	}
	for _, sess := range sessions {
		if sess.ID == id && s.now().Before(sess.Expires) {
			return nil
		}
	}
	return ErrUnauthenticated
}

func (s *Service) ownsToken(ctx context.Context, user, id storage.ID) error {
	tokens, err := s.store.Tokens(ctx, user)
	if err != nil {
		return storeErr(err, "token")
	}
	for _, t := range tokens {
		if t.ID == id {
			return nil
		}
	}
	return ErrUnauthenticated
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

// Sessions lists the actor's own live sessions.
func (s *Service) Sessions(ctx context.Context, a Actor) ([]storage.Session, error) {
	all, err := s.store.Sessions(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "session")
	}
	live := all[:0]
	for _, sess := range all {
		if s.now().Before(sess.Expires) {
			live = append(live, sess)
		}
	}
	return live, nil
}

// EndSession ends one of the actor's own sessions, and its streams.
// Another user's session is not found, so session ids reveal nothing.
func (s *Service) EndSession(ctx context.Context, a Actor, id storage.ID) error {
	all, err := s.store.Sessions(ctx, a.User.ID)
	if err != nil {
		return storeErr(err, "session")
	}
	for _, sess := range all {
		if sess.ID != id {
			continue
		}
		if err := s.store.DeleteSession(ctx, sess.KeyHash); err != nil {
			return storeErr(err, "session")
		}
		s.notify(Event{End: &Ending{User: a.User.ID, Session: id, Reason: ReasonSessionEnded}})
		return nil
	}
	return ErrNoSuchSession
}

// ChangePassword sets the actor's own password, which it must prove it
// knows. Its other sessions end (the one it uses stays), and so do its
// open streams; its API tokens stay, since the user changed its
// password, not an administrator after a compromise (see UpdateUser).
// Wrong current passwords count as failed logins from c.
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next string, c Client) error {
	if a.System || a.User.ID.IsZero() {
		return ErrUnauthenticated
	}
	if current == "" {
		return Missing("current_password")
	}
	if err := checkPassword("new_password", next, minRegisterPassword); err != nil {
		return err
	}
	at := auth.Attempt{Username: a.User.Username, Addr: auth.AddrKey(c.Addr), Device: s.devices.Verify(c.Device, a.User.Username)}
	if wait := s.logins.Wait(at); wait > 0 {
		return retryAfter(ErrTooManyPasswordTries, wait)
	}
	u, err := s.store.User(ctx, a.User.ID)
	if err != nil {
		return storeErr(err, "user")
	}
	if !s.hasher.Check(u.PasswordHash, current) {
		s.logins.Fail(at)
		return ErrNotYourPassword
	}
	s.logins.Succeed(at)
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return err
	}
	if _, err := s.store.UpdateUser(ctx, u.ID, storage.UserPatch{PasswordHash: &hash}); err != nil {
		return storeErr(err, "user")
	}
	sessions, err := s.store.Sessions(ctx, u.ID)
	if err != nil {
		return storeErr(err, "session")
	}
	for _, sess := range sessions {
		if sess.ID == a.Session {
			continue
		}
		if err := s.store.DeleteSession(ctx, sess.KeyHash); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return storeErr(err, "session")
		}
	}
	s.notify(Event{End: &Ending{User: u.ID, Reason: ReasonPasswordChanged}})
	return nil
}

// Registration is what a newcomer sends to register.
type Registration struct {
	Username, Email, Password1, Password2 string
}

// minRegisterPassword is the shortest password a user may choose for
// itself (an administrator setting one may choose shorter).
const minRegisterPassword = 8

// Register creates an ordinary user from a self-registration and opens a
// session for it. It is refused unless registration is open, and each
// address may try only so often, since every try that gets as far as
// hashing the password costs real CPU.
func (s *Service) Register(ctx context.Context, r Registration, c Client) (LoginResult, error) {
	if !s.opts.AllowRegistration {
		return LoginResult{}, ErrRegistrationOff
	}
	if ok, wait := s.register.Take(auth.AddrKey(c.Addr)); !ok {
		return LoginResult{}, retryAfter(ErrTooManyRegistrations, wait)
	}
	if err := checkPassword("password1", r.Password1, minRegisterPassword); err != nil {
		return LoginResult{}, err
	}
	if r.Password2 == "" {
		return LoginResult{}, Missing("password2")
	}
	if r.Password1 != r.Password2 {
		return LoginResult{}, ErrPasswordsDiffer
	}
	u, err := s.createUser(ctx, NewUser{Username: r.Username, Email: r.Email, Password: r.Password1}, "password1")
	if err != nil {
		return LoginResult{}, err
	}
	key, expires, err := s.openSession(ctx, u.ID, c)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{User: u, Key: key, Expires: expires, Device: s.devices.Issue(u.Username)}, nil
}
