package chat

import (
	"context"
	"errors"

	"github.com/makechat/makechat/storage"
)

// NewUser is an account to create.
type NewUser struct {
	Username, Email, Password string
	IsSuperuser               bool
}

// UserChanges names the fields of a user to change; nil fields stay.
type UserChanges struct {
	Email       *string
	Password    *string
	IsSuperuser *bool
	IsDisabled  *bool
	// RevokeTokens, with a new Password, says whether the user's API
	// tokens are revoked too; nil means yes (see UpdateUser).
	RevokeTokens *bool
}

// CreateUser makes an account. Only administrators may.
func (s *Service) CreateUser(ctx context.Context, a Actor, n NewUser) (storage.User, error) {
	if !a.IsAdmin() {
		return storage.User{}, ErrAdminRequired
	}
	return s.createUser(ctx, n, "password")
}

// createUser validates and stores n; passwordField names the password
// parameter in errors (it differs between the API routes).
func (s *Service) createUser(ctx context.Context, n NewUser, passwordField string) (storage.User, error) {
	if err := checkUsername("username", n.Username); err != nil {
		return storage.User{}, err
	}
	if err := checkEmail("email", n.Email); err != nil {
		return storage.User{}, err
	}
	if err := checkPassword(passwordField, n.Password, 1); err != nil {
		return storage.User{}, err
	}
	if err := s.namesFree(ctx, n); err != nil {
		return storage.User{}, err
	}
	hash, err := s.hasher.Hash(n.Password)
	if err != nil {
		return storage.User{}, err
	}
	u := storage.User{
		ID:           s.ids.New(),
		Username:     n.Username,
		Email:        n.Email,
		PasswordHash: hash,
		IsSuperuser:  n.IsSuperuser,
		Created:      s.clock(),
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			// The username was free a moment ago: either the email is
			// taken, or a concurrent request took the name.
			if _, err := s.store.UserByName(ctx, n.Username); err == nil {
				return storage.User{}, errUsernameTaken(n.Username)
			}
			return storage.User{}, errEmailInUse(n.Email)
		}
		return storage.User{}, storeErr(err, "user")
	}
	return u, nil
}

// checkNewUser checks a new account's username and email, and that both
// are free.
func (s *Service) checkNewUser(ctx context.Context, n NewUser) error {
	if err := checkUsername("username", n.Username); err != nil {
		return err
	}
	if err := checkEmail("email", n.Email); err != nil {
		return err
	}
	return s.namesFree(ctx, n)
}

// namesFree checks that a new account's username and email are free. It
// runs before the password is hashed, so that probing for taken names
// costs a read, not a bcrypt round.
func (s *Service) namesFree(ctx context.Context, n NewUser) error {
	if _, err := s.store.UserByName(ctx, n.Username); err == nil {
		return errUsernameTaken(n.Username)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storeErr(err, "user")
	}
	if _, err := s.store.UserByEmail(ctx, n.Email); err == nil {
		return errEmailInUse(n.Email)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storeErr(err, "user")
	}
	return nil
}

// Users lists accounts for an administrator, with the total count.
func (s *Service) Users(ctx context.Context, a Actor, p storage.Page) ([]storage.User, int, error) {
	if !a.IsAdmin() {
		return nil, 0, ErrAdminRequired
	}
	users, total, err := s.store.Users(ctx, p)
	return users, total, storeErr(err, "user")
}

// User returns one account to an administrator.
func (s *Service) User(ctx context.Context, a Actor, id storage.ID) (storage.User, error) {
	if !a.IsAdmin() {
		return storage.User{}, ErrAdminRequired
	}
	u, err := s.store.User(ctx, id)
	return u, storeErr(err, "user")
}

// UserByName finds an account by username, for administrators.
func (s *Service) UserByName(ctx context.Context, a Actor, username string) (storage.User, error) {
	if !a.IsAdmin() {
		return storage.User{}, ErrAdminRequired
	}
	if username == "" {
		return storage.User{}, Missing("username")
	}
	u, err := s.store.UserByName(ctx, username)
	return u, storeErr(err, "user")
}

// UpdateUser changes an account. Only administrators may; the last
// active administrator cannot be demoted or disabled, so the server never
// locks its operators out.
//
// A new password (an administrator's reset) ends the user's sessions and
// streams and, unless RevokeTokens says no, revokes its API tokens: a
// reset is how an administrator answers a compromised account, and a
// token left behind would keep the intruder in. Keeping them (a user who
// only forgot its password, with bots to keep running) is the choice to
// make on purpose.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id storage.ID, c UserChanges) (storage.User, error) {
	if !a.IsAdmin() {
		return storage.User{}, ErrAdminRequired
	}
	var p storage.UserPatch
	if c.Email != nil {
		if err := checkEmail("email", *c.Email); err != nil {
			return storage.User{}, err
		}
		p.Email = c.Email
	}
	if c.Password != nil {
		if err := checkPassword("password", *c.Password, 1); err != nil {
			return storage.User{}, err
		}
		hash, err := s.hasher.Hash(*c.Password)
		if err != nil {
			return storage.User{}, err
		}
		p.PasswordHash = &hash
	}
	p.IsSuperuser, p.IsDisabled = c.IsSuperuser, c.IsDisabled
	// Checking that an admin remains and making the change happen under
	// one lock, so that two admins demoting each other cannot both pass.
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	cur, err := s.store.User(ctx, id)
	if err != nil {
		return storage.User{}, storeErr(err, "user")
	}
	if cur.IsBot && (c.Password != nil || c.Email != nil || c.IsSuperuser != nil && *c.IsSuperuser) {
		return storage.User{}, ErrBotNoPassword
	}
	losesAdmin := cur.IsSuperuser && !cur.IsDisabled &&
		(c.IsSuperuser != nil && !*c.IsSuperuser || c.IsDisabled != nil && *c.IsDisabled)
	if losesAdmin {
		if err := s.keepAnAdmin(ctx); err != nil {
			return storage.User{}, err
		}
	}
	clearExpired(&p, cur, s.clock())
	u, err := s.store.UpdateUser(ctx, id, p)
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.User{}, errEmailInUse(*c.Email)
	}
	if err != nil {
		return storage.User{}, storeErr(err, "user")
	}
	if p.PasswordHash != nil || c.IsDisabled != nil && *c.IsDisabled {
		// A new password or a disabled account ends every open session.
		if _, err := s.store.DeleteUserSessions(ctx, id); err != nil {
			return storage.User{}, storeErr(err, "session")
		}
	}
	if p.PasswordHash != nil && (c.RevokeTokens == nil || *c.RevokeTokens) {
		if _, err := s.store.DeleteUserTokens(ctx, id); err != nil {
			return storage.User{}, storeErr(err, "token")
		}
	}
	// Open streams end with the sessions, for the same reasons; a change
	// of rights reaches them at once.
	switch {
	case u.IsDisabled:
		s.notify(Event{End: &Ending{User: id, Reason: ReasonDisabled}})
	case p.PasswordHash != nil:
		s.notify(Event{End: &Ending{User: id, Reason: ReasonPasswordChanged}})
	}
	if u.IsSuperuser != cur.IsSuperuser {
		s.notify(Event{Access: &Access{User: id, Admin: u.IsSuperuser}})
	}
	return u, nil
}

// DeleteUser removes an account with its sessions, tokens and
// memberships. The last active administrator cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, a Actor, id storage.ID) error {
	if !a.IsAdmin() {
		return ErrAdminRequired
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	cur, err := s.store.User(ctx, id)
	if err != nil {
		return storeErr(err, "user")
	}
	if cur.IsSuperuser && !cur.IsDisabled {
		if err := s.keepAnAdmin(ctx); err != nil {
			return err
		}
	}
	if err := s.store.DeleteUser(ctx, id); err != nil {
		return storeErr(err, "user")
	}
	s.notify(Event{End: &Ending{User: id, Reason: ReasonDeleted}})
	return nil
}

func (s *Service) keepAnAdmin(ctx context.Context) error {
	n, err := s.store.CountAdmins(ctx)
	if err != nil {
		return storeErr(err, "user")
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// Profile is what /api/ping tells a user about itself.
type Profile struct {
	User     storage.User
	HasRooms bool
}

// Profile returns the actor's own account and whether it belongs to any
// room.
func (s *Service) Profile(ctx context.Context, a Actor) (Profile, error) {
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return Profile{}, storeErr(err, "member")
	}
	return Profile{User: a.User, HasRooms: len(ms) > 0}, nil
}

// Limits of the people directory.
const (
	defaultPeople = 20
	maxPeople     = 50
)

// People finds active users whose username starts with q (without
// regard to case), for starting direct messages and adding members: any
// user may look, and sees usernames only, never emails. Disabled users
// are left out.
func (s *Service) People(ctx context.Context, a Actor, q string, limit int) ([]storage.User, error) {
	if a.User.ID.IsZero() && !a.System {
		return nil, ErrUnauthenticated
	}
	if len(q) > maxNameChars {
		return nil, Invalid("q", "must be at most 120 characters")
	}
	if limit <= 0 {
		limit = defaultPeople
	}
	limit = min(limit, maxPeople)
	// Disabled users are skipped after the read: read twice the page,
	// and more while they fill it, until it is full or the names run out.
	for n := 2 * limit; ; n *= 4 {
		us, err := s.store.UsersByPrefix(ctx, q, n)
		if err != nil {
			return nil, storeErr(err, "user")
		}
		out := make([]storage.User, 0, limit)
		for _, u := range us {
			if !u.IsDisabled && len(out) < limit {
				out = append(out, u)
			}
		}
		if len(out) == limit || len(us) < n {
			return out, nil
		}
	}
}
