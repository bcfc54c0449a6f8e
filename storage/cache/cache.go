// Package cache keeps in memory the small records that every request
// reads — a token or session by its hash, a user, a room, a membership,
// a room's members and hooks — in front of a storage.Store, so that a
// post does its one write and, in the common case, no read.
//
// Store wraps any storage.Store. Every write that goes through it marks
// what it changes before it starts, sends its reads to the store while
// it runs and forgets the old values when it returns, and a read that
// raced a write keeps nothing (see table): no one is served a value older
// than the store's, so a disabled user, a revoked token or a removed
// member is refused on the very next request. Writes that cascade
// (deleting a user or a room, a restore) mark everything.
//
// Only this process's writes are seen. The embedded store is one
// process's (its file is locked; the command line goes through the
// server's control socket), so its values are kept until forgotten. With
// MongoDB another process may write (a second server, a command run with
// another data_dir): Options.TTL bounds how long a value is trusted.
package cache

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/makechat/makechat/storage"
)

// Options tune a Store.
type Options struct {
	// TTL is how long a value is trusted; 0 keeps it until a write
	// through this Store forgets it.
	TTL time.Duration
	// Max is how many values of each kind are held (DefaultMax if 0).
	Max int
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// DefaultMax is Options.Max's default: plenty for a team, small in bytes.
const DefaultMax = 100_000

type options struct {
	max  int
	ttl  time.Duration
	now  func() time.Time
	vers *atomic.Uint64
}

// Store is a storage.Store with the hot reads served from memory.
type Store struct {
	storage.Store

	users    *table[storage.ID, storage.User]
	tokens   *table[string, storage.Token]
	sessions *table[string, storage.Session]
	rooms    *table[storage.ID, storage.Room]
	memberOf *table[memberKey, storage.Member]
	members  *table[storage.ID, []storage.Member]
	hooks    *table[storage.ID, []storage.Hook]
	where    places // each member seen, by id: its room and user
}

type memberKey struct{ room, user storage.ID }

// Unwrap returns the store underneath, for what it has beyond
// storage.Store (a cluster's storage.Shared), which is not cached.
func (s *Store) Unwrap() storage.Store { return s.Store }

// New returns st with its hot reads cached.
func New(st storage.Store, o Options) *Store {
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	to := options{max: o.Max, ttl: o.TTL, now: o.Now, vers: new(atomic.Uint64)}
	return &Store{
		Store:    st,
		users:    newTable[storage.ID, storage.User](to, nil),
		tokens:   newTable[string, storage.Token](to, nil),
		sessions: newTable[string, storage.Session](to, nil),
		rooms:    newTable[storage.ID](to, cloneRoom),
		memberOf: newTable[memberKey, storage.Member](to, nil),
		members:  newTable[storage.ID](to, slices.Clone[[]storage.Member]),
		hooks:    newTable[storage.ID](to, cloneHooks),
		where:    places{max: o.Max, at: map[storage.ID]memberKey{}},
	}
}

func cloneRoom(r storage.Room) storage.Room {
	r.Members, r.Group = slices.Clone(r.Members), slices.Clone(r.Group)
	return r
}

func cloneHooks(hs []storage.Hook) []storage.Hook {
	hs = slices.Clone(hs)
	for i, h := range hs {
		if h.Outgoing != nil {
			o := *h.Outgoing
			o.Triggers = slices.Clone(o.Triggers)
			hs[i].Outgoing = &o
		}
	}
	return hs
}

// beginAll marks every table as being written: for a write whose
// effects reach further than its arguments say.
func (s *Store) beginAll() (end func()) {
	return ending(
		s.users.beginAll(), s.tokens.beginAll(), s.sessions.beginAll(), s.rooms.beginAll(),
		s.memberOf.beginAll(), s.members.beginAll(), s.hooks.beginAll(),
	)
}

// ending returns a function that calls each of ends.
func ending(ends ...func()) func() {
	return func() {
		for _, end := range ends {
			end()
		}
	}
}

// The cached reads. Each answers as the wrapped store's method does; a
// value is a copy the caller may change.

func (s *Store) User(ctx context.Context, id storage.ID) (storage.User, error) {
	return s.users.get(id, func() (storage.User, error) { return s.Store.User(ctx, id) })
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (storage.Token, error) {
	return s.tokens.get(hash, func() (storage.Token, error) { return s.Store.TokenByHash(ctx, hash) })
}

func (s *Store) SessionByKey(ctx context.Context, keyHash string) (storage.Session, error) {
	return s.sessions.get(keyHash, func() (storage.Session, error) { return s.Store.SessionByKey(ctx, keyHash) })
}

func (s *Store) Room(ctx context.Context, id storage.ID) (storage.Room, error) {
	return s.rooms.get(id, func() (storage.Room, error) { return s.Store.Room(ctx, id) })
}

func (s *Store) MemberOf(ctx context.Context, room, user storage.ID) (storage.Member, error) {
	return s.memberOf.get(memberKey{room, user}, func() (storage.Member, error) {
		m, err := s.Store.MemberOf(ctx, room, user)
		if err == nil {
			s.where.saw(m)
		}
		return m, err
	})
}

func (s *Store) Members(ctx context.Context, room storage.ID) ([]storage.Member, error) {
	return s.members.get(room, func() ([]storage.Member, error) {
		ms, err := s.Store.Members(ctx, room)
		for _, m := range ms {
			s.where.saw(m)
		}
		return ms, err
	})
}

func (s *Store) Hooks(ctx context.Context, room storage.ID) ([]storage.Hook, error) {
	return s.hooks.get(room, func() ([]storage.Hook, error) { return s.Store.Hooks(ctx, room) })
}

// The writes. Each marks what it changes before it starts and forgets
// it when it returns: defer x.begin(k)() runs begin now and its end when
// the write is done.

// Users.

func (s *Store) UpdateUser(ctx context.Context, id storage.ID, p storage.UserPatch) (storage.User, error) {
	defer s.users.begin(id)()
	return s.Store.UpdateUser(ctx, id, p)
}

func (s *Store) DeleteUser(ctx context.Context, id storage.ID) error {
	defer s.beginAll()() // its sessions, tokens, memberships and hooks go too
	return s.Store.DeleteUser(ctx, id)
}

// Sessions and tokens.

func (s *Store) DeleteSession(ctx context.Context, keyHash string) error {
	defer s.sessions.begin(keyHash)()
	return s.Store.DeleteSession(ctx, keyHash)
}

func (s *Store) DeleteUserSessions(ctx context.Context, user storage.ID) (int, error) {
	defer s.sessions.beginWhere(func(_ string, v storage.Session) bool { return v.User == user })()
	return s.Store.DeleteUserSessions(ctx, user)
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	defer s.sessions.beginAll()()
	return s.Store.DeleteExpiredSessions(ctx, now)
}

func (s *Store) TouchToken(ctx context.Context, id storage.ID, at time.Time) error {
	defer s.tokens.beginWhere(tokenIs(id))()
	return s.Store.TouchToken(ctx, id, at)
}

func (s *Store) DeleteToken(ctx context.Context, id storage.ID) error {
	defer s.tokens.beginWhere(tokenIs(id))()
	return s.Store.DeleteToken(ctx, id)
}

func tokenIs(id storage.ID) func(string, storage.Token) bool {
	return func(_ string, v storage.Token) bool { return v.ID == id }
}

func (s *Store) DeleteUserTokens(ctx context.Context, user storage.ID) (int, error) {
	defer s.tokens.beginWhere(func(_ string, v storage.Token) bool { return v.User == user })()
	return s.Store.DeleteUserTokens(ctx, user)
}

// Rooms and members.

// A new room's id may have been asked about (an empty member or hook
// list is an answer, not an error).
func (s *Store) CreateRoom(ctx context.Context, r storage.Room, owner storage.Member) error {
	defer s.beginRoom(r.ID)()
	return s.Store.CreateRoom(ctx, r, owner)
}

func (s *Store) CreateGroup(ctx context.Context, r storage.Room, members []storage.Member) error {
	defer s.beginRoom(r.ID)()
	return s.Store.CreateGroup(ctx, r, members)
}

func (s *Store) beginRoom(id storage.ID) (end func()) {
	return ending(
		s.rooms.begin(id), s.members.begin(id), s.hooks.begin(id),
		s.memberOf.beginWhere(func(k memberKey, _ storage.Member) bool { return k.room == id }),
	)
}

func (s *Store) UpdateRoom(ctx context.Context, id storage.ID, p storage.RoomPatch) (storage.Room, error) {
	defer s.rooms.begin(id)()
	return s.Store.UpdateRoom(ctx, id, p)
}

func (s *Store) DeleteRoom(ctx context.Context, id storage.ID) error {
	defer s.beginAll()() // its members and hooks go too
	return s.Store.DeleteRoom(ctx, id)
}

func (s *Store) AddMember(ctx context.Context, m storage.Member) error {
	defer s.beginMember(m.ID, memberKey{m.Room, m.Profile}, true)()
	return s.Store.AddMember(ctx, m)
}

func (s *Store) DeleteMember(ctx context.Context, id storage.ID) error {
	defer s.beginMemberID(id)()
	return s.Store.DeleteMember(ctx, id)
}

func (s *Store) SetMemberRole(ctx context.Context, id storage.ID, role string) (storage.Member, error) {
	defer s.beginMemberID(id)()
	return s.Store.SetMemberRole(ctx, id, role)
}

func (s *Store) SetReadMarker(ctx context.Context, member, msg storage.ID) (storage.Member, error) {
	defer s.beginMemberID(member)()
	return s.Store.SetReadMarker(ctx, member, msg)
}

func (s *Store) SetMemberMuted(ctx context.Context, member storage.ID, muted bool) (storage.Member, error) {
	defer s.beginMemberID(member)()
	return s.Store.SetMemberMuted(ctx, member, muted)
}

func (s *Store) SetMemberNotify(ctx context.Context, member storage.ID, level string, mutedUntil time.Time) (storage.Member, error) {
	defer s.beginMemberID(member)()
	return s.Store.SetMemberNotify(ctx, member, level, mutedUntil)
}

// beginMemberID marks member id as being written: by its room and user
// when the cache has seen them (they never change), else wherever it
// may be.
func (s *Store) beginMemberID(id storage.ID) (end func()) {
	k, known := s.where.of(id)
	return s.beginMember(id, k, known)
}

// beginMember marks member id (at k when known), its room's member list
// and the room (whose record lists its members) as being written.
func (s *Store) beginMember(id storage.ID, k memberKey, known bool) (end func()) {
	if known {
		return ending(s.memberOf.begin(k), s.members.begin(k.room), s.rooms.begin(k.room))
	}
	return ending(
		s.memberOf.beginWhere(func(_ memberKey, v storage.Member) bool { return v.ID == id }),
		s.members.beginWhere(func(_ storage.ID, ms []storage.Member) bool {
			return slices.ContainsFunc(ms, func(m storage.Member) bool { return m.ID == id })
		}),
		s.rooms.beginWhere(func(_ storage.ID, r storage.Room) bool { return slices.Contains(r.Members, id) }),
	)
}

// Hooks.

func (s *Store) CreateHook(ctx context.Context, h storage.Hook) error {
	defer s.hooks.begin(h.Room)()
	return s.Store.CreateHook(ctx, h)
}

func (s *Store) DeleteHook(ctx context.Context, id storage.ID) error {
	defer s.hooks.beginWhere(func(_ storage.ID, hs []storage.Hook) bool {
		return slices.ContainsFunc(hs, func(h storage.Hook) bool { return h.ID == id })
	})()
	return s.Store.DeleteHook(ctx, id)
}

// Whole-store writes.

func (s *Store) Import(ctx context.Context, recs []storage.Record) error {
	defer s.beginAll()()
	return s.Store.Import(ctx, recs)
}

func (s *Store) Clear(ctx context.Context) error {
	defer s.beginAll()()
	return s.Store.Clear(ctx)
}

// places remembers where each member seen is: a member's room and user
// never change, so what is known stays true.
type places struct {
	mu  sync.Mutex
	max int
	at  map[storage.ID]memberKey
}

func (p *places) saw(m storage.Member) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.at[m.ID]; ok {
		return
	}
	if len(p.at) >= p.max {
		clear(p.at)
	}
	p.at[m.ID] = memberKey{m.Room, m.Profile}
}

func (p *places) of(id storage.ID) (memberKey, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.at[id]
	return k, ok
}

// Changes made elsewhere: another process (a second node) says what it
// changed, and the cache forgets it at once rather than at its TTL.

// ForgetUser forgets user id, and its sessions and tokens.
func (s *Store) ForgetUser(id storage.ID) {
	s.users.begin(id)()
	s.sessions.beginWhere(func(_ string, v storage.Session) bool { return v.User == id })()
	s.tokens.beginWhere(func(_ string, v storage.Token) bool { return v.User == id })()
}

// ForgetMembership forgets user's membership of room, the room's
// member list and the room.
func (s *Store) ForgetMembership(room, user storage.ID) {
	s.memberOf.begin(memberKey{room, user})()
	s.members.begin(room)()
	s.rooms.begin(room)()
}

// ForgetRoom forgets room and everything kept of it.
func (s *Store) ForgetRoom(room storage.ID) { s.beginRoom(room)() }
