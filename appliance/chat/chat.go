// Package chat is makechat's domain: who may do what to users, rooms,
// tokens and sessions. Each rule lives here once, so the HTTP API, the web
// app and the command line cannot disagree.
//
// Start from Service, built with New over a storage.Store. Every method
// takes the Actor on whose behalf it runs and returns either a result or
// an *Error whose Kind the callers map to their own way of saying it.
package chat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/rate"
	"github.com/makechat/makechat/storage"
	"golang.org/x/crypto/bcrypt"
)

// Actor is who a call acts for: a logged-in user, or the system itself
// (the command line and control socket, which act as an administrator).
// Session or Token names the credential a user's request came with, so
// that what it opens (a stream) can end with it.
type Actor struct {
	User   storage.User
	System bool

	Session        storage.ID
	SessionExpires time.Time
	Token          storage.ID
}

// SystemActor acts with full rights on behalf of the operator.
var SystemActor = Actor{System: true}

// IsAdmin reports whether the actor has administrator rights.
func (a Actor) IsAdmin() bool { return a.System || a.User.IsSuperuser }

// Options tune a Service.
type Options struct {
	// SessionTTL is how long a login session lasts.
	SessionTTL time.Duration
	// AllowRegistration opens /api/register to anyone.
	AllowRegistration bool
	// BcryptCost is the password hashing cost (bcrypt.DefaultCost if 0).
	BcryptCost int
	// Now is the clock (time.Now if nil); tests move it.
	Now func() time.Time
	// Notify receives events for the real-time streams (nil: dropped).
	Notify Notifier
	// Strikes, if not nil, is where a cluster's nodes count failed
	// logins and registrations per address, so that tries spread over
	// the nodes count as on one (nil: each process counts its own).
	Strikes auth.Strikes

	// Per-user limits; administrators are exempt and 0 is no limit.
	// PostsPerSecond messages a second over time, after a burst of
	// PostBurst; TypingPerSecond typing events a second (burst 3).
	PostsPerSecond  float64
	PostBurst       int
	TypingPerSecond float64
	// SecretKey signs device cookies (see auth.Devices); empty: none.
	SecretKey string
	// UsersCreateRooms lets every user create rooms (room_creation =
	// users); otherwise only administrators may, as in the original.
	UsersCreateRooms bool
	// InvitesByOwners lets room owners make invites to their rooms.
	InvitesByOwners bool
	// UsersCreateBots lets every user make bots (bot_creation = users);
	// otherwise only administrators may.
	UsersCreateBots bool
	// CheckURL says whether the server may call a URL (the outgoing
	// request policy, appliance/egress); nil lets every URL through.
	CheckURL func(ctx context.Context, url string) error
	// CallCommand calls a custom slash command's URL with a form and
	// returns its answer's body (appliance/outgoing does, through the
	// outgoing policy); nil: custom commands cannot run.
	CallCommand func(ctx context.Context, c storage.Command, form url.Values) ([]byte, error)

	// Uploads: UploadMaxBytes is the largest file (0: uploads are off);
	// UploadQuota the most one user's files may take (0: no quota;
	// administrators have none); uploads are refused while FreeSpace
	// (nil: not known, as with MongoDB) says less than DiskFloor bytes
	// are free.
	UploadMaxBytes int64
	UploadQuota    int64
	DiskFloor      int64
	FreeSpace      func() (int64, error)

	// LinkPreview fetches the preview of a link (appliance/preview,
	// through the outgoing policy); nil turns link previews off.
	LinkPreview func(ctx context.Context, url string) (storage.LinkPreview, error)

	// RoomMentionLimit is the size of room past which only its owners
	// and administrators notify everyone with @room (0: anyone may).
	RoomMentionLimit int

	// Warn is told of a failure that its request does not answer for,
	// such as following a thread after the reply is stored (nil: none).
	Warn func(what string, err error)
}

// Service applies makechat's rules over a store.
type Service struct {
	store    storage.Store
	ids      *storage.IDGen
	hasher   *auth.Hasher
	logins   *auth.LoginGuard
	devices  *auth.Devices
	posts    *rate.Limiter // per user
	typing   *rate.Limiter // per user
	reacts   *rate.Limiter // per user
	register taker         // per address
	now      func() time.Time
	opts     Options
	seq      *sequencer
	notify   Notifier
	// adminMu serialises changes that could remove the last administrator.
	adminMu sync.Mutex
	// reacting serialises the reaction changes of each message.
	reacting messageLocks
	// follows remembers who has a state in which thread (follows.go).
	follows followCache
	// thumbs holds a token per thumbnail being made (maxThumbnailing).
	thumbs chan struct{}
	// background counts the link previews being fetched (see Wait).
	background sync.WaitGroup
}

// taker hands out tries per key (rate.Limiter, or a cluster's
// auth.SharedWindow).
type taker interface {
	Take(key string) (bool, time.Duration)
}

// maxThumbnailing is how many thumbnails are made at once: decoding an
// image takes memory in proportion to its pixels (up to ~200 MB for the
// largest accepted), and the machine's cores are shared with the rest.
const maxThumbnailing = 2

// Self-registration costs a bcrypt hash: each address may try
// registerBurst times at once, then once every registerEvery.
const (
	registerBurst = 20
	registerEvery = 3 * time.Second
	typingBurst   = 3
)

// New returns a Service over store.
func New(store storage.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = time.Hour
	}
	if opts.Notify == nil {
		opts.Notify = func(Event) {}
	}
	ids := storage.NewIDGen()
	logins := auth.NewLoginGuard(opts.Now)
	var register taker = rate.New(1/registerEvery.Seconds(), registerBurst, opts.Now)
	if opts.Strikes != nil {
		logins = auth.NewSharedLoginGuard(opts.Strikes, opts.Now)
		register = auth.NewSharedWindow(opts.Strikes, "register\x00", registerBurst, registerBurst*registerEvery, opts.Now)
	}
	return &Service{
		store:    store,
		ids:      ids,
		hasher:   auth.NewHasher(opts.BcryptCost),
		logins:   logins,
		devices:  auth.NewDevices(opts.SecretKey, opts.Now),
		posts:    rate.New(opts.PostsPerSecond, opts.PostBurst, opts.Now),
		typing:   rate.New(opts.TypingPerSecond, typingBurst, opts.Now),
		reacts:   rate.New(reactionBurst/reactionWindow.Seconds(), reactionBurst, opts.Now),
		register: register,
		now:      opts.Now,
		opts:     opts,
		seq:      &sequencer{ids: ids, lines: map[storage.Conversation][]*slot{}, notify: opts.Notify},
		thumbs:   make(chan struct{}, maxThumbnailing),
		notify:   opts.Notify,
	}
}

// Init prepares the service over a store that may hold data: new ids
// will sort after every stored message, even if the last process wrote
// some within the current second.
func (s *Service) Init(ctx context.Context) error {
	last, err := s.store.LastMessageID(ctx)
	if err != nil {
		return fmt.Errorf("read the last message id: %w", err)
	}
	s.ids.Observe(last)
	return nil
}

// Frontier returns a key below which this node will emit no more events:
// every message it is storing has a greater id, and every event it emits
// from now on a greater key (a new message's id, or a Stamp). Nodes of a
// cluster exchange frontiers to deliver everyone's events in key order.
func (s *Service) Frontier() storage.ID { return s.seq.frontier() }

// Stamp returns a key for an event that is not a new message, above every
// id made so far; done must be called once the event has been handed on.
func (s *Service) Stamp() (key storage.ID, done func()) { return s.seq.stamp() }

// Observe makes every later id and key greater than id: a cluster's node
// observes the keys it hears of from the others.
func (s *Service) Observe(id storage.ID) { s.ids.Observe(id) }

// Ping checks that the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// RegistrationOpen reports whether anyone may register.
func (s *Service) RegistrationOpen() bool { return s.opts.AllowRegistration }

// SessionTTL is how long new sessions last.
func (s *Service) SessionTTL() time.Duration { return s.opts.SessionTTL }

// clock returns the current time at millisecond precision, which is what
// Extended JSON dates carry, so what is stored is what clients see.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// storeErr turns the store's sentinel errors into domain errors; what
// names the object for ErrNotFound. Other errors pass through as faults.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return NotFound(what)
	case errors.Is(err, storage.ErrDuplicate):
		return Conflict("That %s already exists.", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}
