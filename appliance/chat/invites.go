package chat

import (
	"context"
	"errors"
	"time"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

// Limits of invites.
const (
	// DefaultInviteExpiry is how long an invite lasts when its maker
	// does not say: long enough to pass a link around a team, short
	// enough that a forgotten one does not stay open.
	DefaultInviteExpiry = 7 * 24 * time.Hour
	maxInviteExpiry     = 365 * 24 * time.Hour
	maxInviteUses       = 1000
	maxInviteRooms      = 50
)

// NewInvite is an invite to make: the rooms it joins (none: an account
// only), how many accounts it may make (0: no limit), and how long it
// lasts (nil: DefaultInviteExpiry; 0: forever).
type NewInvite struct {
	Rooms     []storage.ID
	MaxUses   int
	ExpiresIn *time.Duration
}

// CanInvite reports whether the actor may make invites at all:
// administrators may, and room owners when invites_by_owners is on.
func (s *Service) CanInvite(ctx context.Context, a Actor) (bool, error) {
	if a.IsAdmin() {
		return true, nil
	}
	if !s.opts.InvitesByOwners {
		return false, nil
	}
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return false, storeErr(err, "member")
	}
	for _, m := range ms {
		if m.Role == storage.RoleOwner {
			return true, nil
		}
	}
	return false, nil
}

// CreateInvite makes an invite and returns it with its secret, shown
// this once. Administrators may invite to any rooms; a room owner, when
// invites_by_owners is on, only to rooms it owns, and to one at least
// (an owner brings people into its rooms, not onto the server).
func (s *Service) CreateInvite(ctx context.Context, a Actor, n NewInvite) (storage.Invite, string, error) {
	if !a.IsAdmin() && !s.opts.InvitesByOwners {
		return storage.Invite{}, "", ErrAdminRequired
	}
	if len(n.Rooms) > maxInviteRooms {
		return storage.Invite{}, "", ErrTooManyInviteRooms
	}
	if n.MaxUses < 0 || n.MaxUses > maxInviteUses {
		return storage.Invite{}, "", ErrInviteUses
	}
	expiry := DefaultInviteExpiry
	if n.ExpiresIn != nil {
		expiry = *n.ExpiresIn
	}
	if expiry < 0 || expiry > maxInviteExpiry || expiry > 0 && expiry < time.Minute {
		return storage.Invite{}, "", ErrInviteExpiry
	}
	if !a.IsAdmin() && len(n.Rooms) == 0 {
		return storage.Invite{}, "", Missing("rooms")
	}
	rooms := make([]storage.ID, 0, len(n.Rooms))
	seen := map[storage.ID]bool{}
	for _, id := range n.Rooms {
		if seen[id] {
			continue
		}
		seen[id] = true
		if a.IsAdmin() {
			if _, err := s.Room(ctx, a, id); err != nil {
				return storage.Invite{}, "", err
			}
		} else if err := s.mayManage(ctx, a, id); err != nil {
			return storage.Invite{}, "", err
		}
		rooms = append(rooms, id)
	}
	secret := auth.NewToken()
	now := s.clock()
	in := storage.Invite{
		ID: s.ids.New(), SecretHash: auth.HashKey(secret), Rooms: rooms, MaxUses: n.MaxUses,
		CreatedBy: a.User.ID, Created: now,
	}
	if expiry > 0 {
		in.Expires = now.Add(expiry)
	}
	if err := s.store.CreateInvite(ctx, in); err != nil {
		return storage.Invite{}, "", storeErr(err, "invite")
	}
	return in, secret, nil
}

// Invites lists invites: every one for an administrator, one's own for
// others.
func (s *Service) Invites(ctx context.Context, a Actor) ([]storage.Invite, error) {
	by := a.User.ID
	if a.IsAdmin() {
		by = storage.NilID
	}
	ins, err := s.store.Invites(ctx, by)
	return ins, storeErr(err, "invite")
}

// DeleteInvite revokes an invite: its maker or an administrator may.
// Another user's invite is not found, so invite ids reveal nothing.
func (s *Service) DeleteInvite(ctx context.Context, a Actor, id storage.ID) error {
	in, err := s.store.Invite(ctx, id)
	if err != nil {
		return storeErr(err, "invite")
	}
	if in.CreatedBy != a.User.ID && !a.IsAdmin() {
		return ErrNoSuchInvite
	}
	return storeErr(s.store.DeleteInvite(ctx, id), "invite")
}

// InvitePreview is what the person holding an invite link sees before
// accepting it.
type InvitePreview struct {
	Invite    storage.Invite
	RoomNames []string // the rooms it joins that still exist
	Inviter   string   // the maker's username
}

// PreviewInvite tells the holder of a secret what accepting it does. An
// unknown, used-up, expired or revoked invite is not found.
func (s *Service) PreviewInvite(ctx context.Context, secret string) (InvitePreview, error) {
	in, err := s.usableInvite(ctx, secret)
	if err != nil {
		return InvitePreview{}, err
	}
	p := InvitePreview{Invite: in}
	for _, id := range in.Rooms {
		if r, err := s.store.Room(ctx, id); err == nil {
			p.RoomNames = append(p.RoomNames, r.Name)
		}
	}
	if u, err := s.store.User(ctx, in.CreatedBy); err == nil {
		p.Inviter = u.Username
	}
	return p, nil
}

func (s *Service) usableInvite(ctx context.Context, secret string) (storage.Invite, error) {
	if !auth.LooksLikeToken(secret) {
		return storage.Invite{}, ErrNoSuchInvite
	}
	in, err := s.store.InviteBySecret(ctx, auth.HashKey(secret))
	if errors.Is(err, storage.ErrNotFound) || err == nil && !in.Usable(s.now()) {
		return storage.Invite{}, ErrNoSuchInvite
	}
	if err != nil {
		return storage.Invite{}, storeErr(err, "invite")
	}
	return in, nil
}

// AcceptInvite makes an account from an invite, whether or not open
// registration is on, joins it to the invite's rooms that still exist,
// and logs it in. The use is counted before the account is made (so two
// people cannot both take an invite's last use) and given back if the
// account cannot be made. Each address may try only so often, as with
// registration.
func (s *Service) AcceptInvite(ctx context.Context, secret string, n NewUser, c Client) (LoginResult, error) {
	if ok, wait := s.register.Take(auth.AddrKey(c.Addr)); !ok {
		return LoginResult{}, retryAfter(ErrTooManyRegistrations, wait)
	}
	in, err := s.usableInvite(ctx, secret)
	if err != nil {
		return LoginResult{}, err
	}
	if err := checkPassword("password", n.Password, minRegisterPassword); err != nil {
		return LoginResult{}, err
	}
	if err := s.checkNewUser(ctx, n); err != nil {
		return LoginResult{}, err
	}
	if _, err := s.store.UseInvite(ctx, in.ID, s.now()); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return LoginResult{}, ErrNoSuchInvite
		}
		return LoginResult{}, storeErr(err, "invite")
	}
	u, err := s.createUser(ctx, NewUser{Username: n.Username, Email: n.Email, Password: n.Password}, "password")
	if err != nil {
		if rerr := s.store.ReturnInvite(ctx, in.ID); rerr != nil && !errors.Is(rerr, storage.ErrNotFound) {
			return LoginResult{}, errors.Join(err, rerr)
		}
		return LoginResult{}, err
	}
	for _, room := range in.Rooms {
		_, err := s.addMember(ctx, room, u.ID, storage.RoleMember)
		if err != nil && !errors.Is(err, ErrAlreadyMember) {
			if e, ok := AsError(err); ok && e.Kind == KindNotFound {
				continue // the room was deleted since
			}
			return LoginResult{}, err
		}
	}
	key, expires, err := s.openSession(ctx, u.ID, c)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{User: u, Key: key, Expires: expires, Device: s.devices.Issue(u.Username)}, nil
}
