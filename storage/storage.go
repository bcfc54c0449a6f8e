// Package storage defines makechat's data model and the Store contract that
// every backend implements.
//
// Start from Store: its comment states what callers may rely on. The model
// types (User, Session, Token, Room, Member) mirror the collections of the
// original makechat, and their JSON field names are the original document
// field names, so that backups and the MongoDB backend share one shape.
// Ids are MongoDB ObjectIds (ID) in every backend.
//
// Backends live in sub-packages: storage/bolt (the embedded default) and
// storage/mongo (when mongo_uri is set). storage/storagetest holds the
// contract suite that each backend runs against itself.
package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors every backend returns (possibly wrapped; test with errors.Is).
var (
	// ErrNotFound: the object named by an id or key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique field (username, email, room name, membership
	// of a user in a room) is already taken. Nothing was written.
	ErrDuplicate = errors.New("duplicate")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store closed")
	// ErrUnavailable: the backend cannot be reached just now (a MongoDB
	// that is down or unreachable). The write may or may not have
	// happened; the caller may retry later. The API answers 503.
	ErrUnavailable = errors.New("store unavailable")
	// ErrNewerSchema: the store was written by a newer makechat, whose
	// schema this one does not know; opening it is refused before
	// anything is written.
	ErrNewerSchema = errors.New("the store was written by a newer makechat")
)

// Roles a member may have in a room.
const (
	RoleOwner  = "owner"
	RoleMember = "member"
	RoleGuest  = "guest"
)

// User is an account. Username and Email are unique, compared without
// regard to case.
type User struct {
	ID           ID        `json:"_id"`
	Username     string    `json:"username"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"password"`
	IsSuperuser  bool      `json:"is_superuser"`
	IsDisabled   bool      `json:"is_disabled"`
	Created      time.Time `json:"created"`
	// IsBot marks a bot: an account without a password or email that
	// acts only through its tokens, made and answered for by Owner (a
	// person; zero if the operator made it).
	IsBot bool `json:"is_bot,omitempty"`
	Owner ID   `json:"owner,omitzero"`
	// Avatar is the blob of the user's picture (a square image the
	// server made), "" for none; a blob it names is in use.
	Avatar string `json:"avatar,omitempty"`
	// DisplayName is the name the user chose to be shown by ("" for
	// none), and Status its status (see Status); both are the user's
	// own, shown to everyone.
	DisplayName string `json:"display_name,omitempty"`
	Status      Status `json:"status,omitzero"`
	// HidePresence keeps the user shown offline to others, without a
	// last-seen time; LastSeen is when its last stream closed.
	HidePresence bool      `json:"hide_presence,omitempty"`
	LastSeen     time.Time `json:"last_seen,omitzero"`
}

// UserPatch names the fields of a user to change; nil fields stay as they are.
type UserPatch struct {
	Email        *string
	PasswordHash *string
	IsSuperuser  *bool
	IsDisabled   *bool
	Avatar       *string // "" removes it
	DisplayName  *string // "" removes it
	Status       *Status // the zero Status removes it
	HidePresence *bool
	LastSeen     *time.Time
}

// Session is a browser login. Only a hash of the cookie value is stored.
type Session struct {
	ID      ID        `json:"_id"`
	KeyHash string    `json:"key_hash"`
	User    ID        `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Address and Agent are the client's address and User-Agent at login,
	// so that a user can tell its sessions apart; either may be empty.
	Address string `json:"address,omitempty"`
	Agent   string `json:"agent,omitempty"`
}

// Token is an API token. Only a hash of its value is stored; Hash is unique.
type Token struct {
	ID       ID        `json:"_id"`
	User     ID        `json:"user"`
	Name     string    `json:"name"`
	Hash     string    `json:"hash"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used"`
}

// Room is a chat room. Name is unique without regard to case. Members holds
// the ids of the room's Member documents (not user ids), in the order they
// joined; the store keeps it in step with the members collection.
type Room struct {
	ID        ID     `json:"_id"`
	Name      string `json:"name"`
	Members   []ID   `json:"members"`
	IsOpen    bool   `json:"is_open"`
	IsVisible bool   `json:"is_visible"`
	// Topic is one line saying what the room is for ("" for none).
	Topic   string    `json:"topic,omitempty"`
	Created time.Time `json:"created"`
	// Group, for a group conversation (see groups.go), is its users in
	// id order; such a room has no name.
	Group []ID `json:"group,omitempty"`
}

// Invite is a link that lets whoever holds it make an account, with open
// registration off, and join Rooms. Only a hash of its secret is stored.
// MaxUses 0 means no limit; a zero Expires means it never expires.
type Invite struct {
	ID         ID        `json:"_id"`
	SecretHash string    `json:"secret_hash"`
	Rooms      []ID      `json:"rooms"`
	MaxUses    int       `json:"max_uses"`
	Uses       int       `json:"uses"`
	Expires    time.Time `json:"expires"`
	CreatedBy  ID        `json:"created_by"`
	Created    time.Time `json:"created"`
}

// Usable reports whether the invite may be used at now: not expired and
// not used up.
func (in Invite) Usable(now time.Time) bool {
	if !in.Expires.IsZero() && !now.Before(in.Expires) {
		return false
	}
	return in.MaxUses == 0 || in.Uses < in.MaxUses
}

// RoomWithOwner is what CreateRoom stores for r and owner, whichever the
// backend: r with its member list set to the owner's member id, and the
// owner tied to r. withOwner is false for the zero owner (a room without
// members, as the system actor makes it).
func RoomWithOwner(r Room, owner Member) (room Room, member Member, withOwner bool) {
	r.Members = []ID{}
	if owner.ID.IsZero() {
		return r, owner, false
	}
	owner.Room = r.ID
	r.Members = []ID{owner.ID}
	return r, owner, true
}

// RoomPatch names the fields of a room to change; nil fields stay as they are.
type RoomPatch struct {
	Name      *string
	IsOpen    *bool
	IsVisible *bool
	Topic     *string
}

// Member ties a user (Profile) to a room with a role. A user is a member of
// a room at most once.
type Member struct {
	ID      ID        `json:"_id"`
	Room    ID        `json:"room"`
	Profile ID        `json:"profile"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	// LastRead is the read marker: the newest message the member has
	// seen (zero if none).
	LastRead ID `json:"last_read"`
	// Muted says the member wants no notifications from the room (its
	// own setting; the web app reads it).
	Muted bool `json:"muted,omitempty"`
	// Notify is the member's notification level in the room (see
	// NotifyLevels; "" for the default) and MutedUntil the end of a
	// mute with an end time (zero for none).
	Notify     string    `json:"notify,omitempty"`
	MutedUntil time.Time `json:"muted_until,omitzero"`
}

// Page selects a slice of a list ordered by id: Offset items are skipped,
// then at most Limit are returned (Limit <= 0 means no limit).
type Page struct {
	Offset int
	Limit  int
}

// Store is the persistence contract shared by every backend.
//
// Concurrency: all methods are safe for concurrent use by many goroutines.
// Each method is atomic: it either applies completely or not at all, and a
// reader never sees half of a write (for example a room without its owner
// member, or a member that its room's Members list does not name).
//
// Durability: when a write method returns nil, the write is on stable
// storage and survives a crash or power loss of the process (the embedded
// store fsyncs, grouping concurrent writers into one commit; MongoDB writes
// with a journaled majority write concern).
//
// Errors: a missing object gives ErrNotFound; a taken unique value gives
// ErrDuplicate and writes nothing; a closed store gives ErrClosed. Other
// errors are faults of the backend (disk, network) and are wrapped with
// context; a backend that cannot reach its server wraps ErrUnavailable
// in them, so that callers can answer "try again" rather than "bug".
// Errors may be wrapped: compare with errors.Is.
//
// Ordering: lists are returned in id order, which is creation order.
// Returned values are copies; callers may modify them freely.
//
// Deletion cascades: deleting a user removes its sessions, tokens,
// memberships and the invites it made (its messages and files stay);
// deleting a room removes its members, messages, their files and its
// hooks (an invite naming it keeps the id, and accepting it skips a room
// that is gone); deleting a message removes its files and reactions.
type Store interface {
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close flushes and closes the store. Later calls give ErrClosed.
	Close() error

	// CreateUser stores u (its ID and Created set by the caller).
	CreateUser(ctx context.Context, u User) error
	User(ctx context.Context, id ID) (User, error)
	// UserByName finds a user by username, without regard to case.
	UserByName(ctx context.Context, username string) (User, error)
	// UserByEmail finds a user by email address, without regard to case.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UsersByPrefix lists at most limit users whose username starts with
	// prefix, without regard to case (every user for ""), in the order of
	// their folded usernames.
	UsersByPrefix(ctx context.Context, prefix string, limit int) ([]User, error)
	// Users lists users in id order and returns the total count.
	Users(ctx context.Context, p Page) ([]User, int, error)
	// UpdateUser applies p and returns the updated user.
	UpdateUser(ctx context.Context, id ID, p UserPatch) (User, error)
	DeleteUser(ctx context.Context, id ID) error
	// CountAdmins counts superusers that are not disabled.
	CountAdmins(ctx context.Context) (int, error)

	CreateSession(ctx context.Context, s Session) error
	SessionByKey(ctx context.Context, keyHash string) (Session, error)
	// Sessions lists a user's sessions in id order.
	Sessions(ctx context.Context, user ID) ([]Session, error)
	DeleteSession(ctx context.Context, keyHash string) error
	// DeleteUserSessions removes every session of a user (after a password
	// change, or when it is disabled) and returns how many it removed.
	DeleteUserSessions(ctx context.Context, user ID) (int, error)
	// DeleteExpiredSessions removes sessions that expired before now and
	// returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	CreateToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// Tokens lists a user's tokens in id order.
	Tokens(ctx context.Context, user ID) ([]Token, error)
	// TouchToken sets a token's LastUsed.
	TouchToken(ctx context.Context, id ID, at time.Time) error
	DeleteToken(ctx context.Context, id ID) error
	// DeleteUserTokens removes every token of a user (a password reset
	// that revokes them) and returns how many it removed.
	DeleteUserTokens(ctx context.Context, user ID) (int, error)

	// CreateRoom stores r together with its first member (normally the
	// owner); r.Members is set by the store to [owner.ID]. The zero Member
	// creates a room without members.
	CreateRoom(ctx context.Context, r Room, owner Member) error
	Room(ctx context.Context, id ID) (Room, error)
	// Rooms lists every room in id order.
	Rooms(ctx context.Context) ([]Room, error)
	// UpdateRoom applies p and returns the updated room.
	UpdateRoom(ctx context.Context, id ID, p RoomPatch) (Room, error)
	DeleteRoom(ctx context.Context, id ID) error

	// AddMember stores m and appends its id to its room's Members.
	// ErrNotFound if the room or the user does not exist; ErrDuplicate if
	// the user is already a member of the room.
	AddMember(ctx context.Context, m Member) error
	Member(ctx context.Context, id ID) (Member, error)
	// MemberOf finds the membership of user in room.
	MemberOf(ctx context.Context, room, user ID) (Member, error)
	// Members lists a room's members in id order.
	Members(ctx context.Context, room ID) ([]Member, error)
	// MembershipsOf lists a user's memberships in id order.
	MembershipsOf(ctx context.Context, user ID) ([]Member, error)
	// SetMemberRole changes a member's role and returns the member.
	SetMemberRole(ctx context.Context, id ID, role string) (Member, error)
	// DeleteMember removes m and its id from its room's Members.
	DeleteMember(ctx context.Context, id ID) error
	// SetReadMarker sets a member's LastRead, never moving it backwards:
	// a marker older than the stored one leaves it as it is. It returns
	// the member as stored.
	SetReadMarker(ctx context.Context, member ID, msg ID) (Member, error)
	// SetMemberMuted sets a member's Muted and returns the member.
	SetMemberMuted(ctx context.Context, member ID, muted bool) (Member, error)
	// SetMemberNotify sets a member's Notify and MutedUntil and returns
	// the member.
	SetMemberNotify(ctx context.Context, member ID, level string, mutedUntil time.Time) (Member, error)

	// CreateMessage stores m. A ClientID its sender already used gives
	// ErrDuplicate. For a room message the room must exist
	// (ErrNotFound otherwise, e.g. when it was deleted meanwhile); for a
	// direct message both users must exist. The message is indexed for
	// search (SearchTerms of its text). Its Files are attached to it:
	// each must be a file of its sender that no message carries yet
	// (ErrNotFound otherwise, and nothing is written).
	CreateMessage(ctx context.Context, m Message) error
	Message(ctx context.Context, id ID) (Message, error)
	// MessageByClientID finds the message sender posted with clientID
	// (see Message.ClientID).
	MessageByClientID(ctx context.Context, sender ID, clientID string) (Message, error)
	// Messages returns one conversation's messages as q selects, oldest
	// first.
	Messages(ctx context.Context, c Conversation, q MessageQuery) ([]Message, error)
	// CountMessagesAfter counts a conversation's messages newer than
	// after, stopping at limit (so a long backlog costs at most limit).
	CountMessagesAfter(ctx context.Context, c Conversation, after ID, limit int) (int, error)
	// EditMessage replaces a message's text, sets Edited, re-indexes it,
	// and returns it.
	EditMessage(ctx context.Context, id ID, text string, edited time.Time) (Message, error)
	DeleteMessage(ctx context.Context, id ID) error
	// SetPreview sets a message's link preview and returns the message.
	// With onlyFirst it does so only if the message has none yet (not
	// even a removed one), and set says whether it did; ErrNotFound if
	// there is no such message.
	SetPreview(ctx context.Context, id ID, p LinkPreview, onlyFirst bool) (m Message, set bool, err error)
	// AddReaction adds r, its user's reaction with its emoji, at the end
	// of a message's Reactions, and returns the message as stored; added
	// is false, and nothing is written, if that user has already
	// reacted with that emoji. A reaction past a limit gives
	// ErrTooManyEmoji, ErrTooManyReactions or ErrReactionsFull (see
	// WithReaction) and writes nothing. It is atomic: of many users
	// reacting at once, none is lost and no limit is passed.
	// ErrNotFound if there is no such message.
	AddReaction(ctx context.Context, id ID, r Reaction) (m Message, added bool, err error)
	// RemoveReaction removes user's reaction with emoji from a message
	// and returns the message as stored; removed is false, and nothing
	// is written, if there was none. ErrNotFound if there is no such
	// message.
	RemoveReaction(ctx context.Context, id ID, emoji string, user ID) (m Message, removed bool, err error)
	// CreateGroup stores a group conversation r (its Group set, see
	// groups.go) with members, one per user of the group, atomically.
	// ErrDuplicate if those users have one already (or r's id is
	// taken): nothing is written.
	CreateGroup(ctx context.Context, r Room, members []Member) error
	// GroupRoom finds the group conversation of users (in any order).
	GroupRoom(ctx context.Context, users []ID) (Room, error)
	// ChangeReadState applies c to the ReadState k names, making it (with
	// a new id) if there is none, in one atomic step, and returns it as
	// stored. ErrNotFound if k's user does not exist.
	ChangeReadState(ctx context.Context, k ReadKey, c ReadChange) (ReadState, error)
	// ReadStates lists a user's ReadStates, in no particular order.
	ReadStates(ctx context.Context, user ID) ([]ReadState, error)
	// SavePushSubscription stores p, replacing the subscription of its
	// endpoint (whoever's it was) and, past MaxPushSubscriptions, the
	// user's oldest. ErrNotFound if p's user does not exist.
	SavePushSubscription(ctx context.Context, p PushSubscription) error
	// AnyPushSubscription reports whether any user has a subscription.
	AnyPushSubscription(ctx context.Context) (bool, error)
	// PushSubscriptions lists a user's subscriptions in id order.
	PushSubscriptions(ctx context.Context, user ID) ([]PushSubscription, error)
	// DeletePushSubscription removes one; ErrNotFound if there is none.
	DeletePushSubscription(ctx context.Context, id ID) error
	// ThreadFollowers lists the users who follow the thread of root.
	ThreadFollowers(ctx context.Context, root ID) ([]ID, error)
	// CountReplies counts the replies of a thread in conversation c newer
	// than after, stopping at limit (limit <= 0 counts them all).
	CountReplies(ctx context.Context, c Conversation, root, after ID, limit int) (int, error)
	// DirectPartners lists the users that user has exchanged direct
	// messages with, in no particular order.
	DirectPartners(ctx context.Context, user ID) ([]ID, error)
	// LastMessageID is the greatest message id stored (NilID if none).
	LastMessageID(ctx context.Context) (ID, error)
	// SearchMessages finds messages as q selects, newest first: by their
	// words through an index kept up to date by every write, by their ids
	// through the conversations' id order. It examines at most q.Scan
	// messages and never reads a whole history; the result's Next says
	// where to go on.
	SearchMessages(ctx context.Context, q SearchQuery) (SearchResult, error)

	// CreateInvite stores in; its secret hash is unique.
	CreateInvite(ctx context.Context, in Invite) error
	Invite(ctx context.Context, id ID) (Invite, error)
	InviteBySecret(ctx context.Context, secretHash string) (Invite, error)
	// Invites lists the invites made by createdBy (every invite for
	// NilID), in id order.
	Invites(ctx context.Context, createdBy ID) ([]Invite, error)
	DeleteInvite(ctx context.Context, id ID) error
	// UseInvite counts one use of the invite, atomically, if it is Usable
	// at now, and returns it as stored; ErrNotFound if it does not exist
	// or is not usable (expired, used up).
	UseInvite(ctx context.Context, id ID, now time.Time) (Invite, error)
	// ReturnInvite gives back a use that UseInvite counted (the account
	// it was for could not be made after all).
	ReturnInvite(ctx context.Context, id ID) error

	// CreateCommand stores c; a name taken (without regard to case)
	// gives ErrDuplicate.
	CreateCommand(ctx context.Context, c Command) error
	// Commands lists the custom commands in name order.
	Commands(ctx context.Context) ([]Command, error)
	// CommandByName finds a command by name, without regard to case.
	CommandByName(ctx context.Context, name string) (Command, error)
	DeleteCommand(ctx context.Context, id ID) error

	// CreateHook stores h; its room must exist.
	CreateHook(ctx context.Context, h Hook) error
	Hook(ctx context.Context, id ID) (Hook, error)
	HookBySecret(ctx context.Context, secretHash string) (Hook, error)
	// Hooks lists a room's hooks in id order.
	Hooks(ctx context.Context, room ID) ([]Hook, error)
	DeleteHook(ctx context.Context, id ID) error

	// PutBlob stores the bytes r gives, named by their SHA-256, and
	// returns that name and their size; the bytes are durable when it
	// returns. Bytes already stored are kept once. More than max bytes
	// give ErrTooLarge, and nothing is kept.
	PutBlob(ctx context.Context, r io.Reader, max int64) (Blob, error)
	// OpenBlob opens a blob for reading; ErrNotFound if there is none of
	// that name (or it is not one: see IsBlobName).
	OpenBlob(ctx context.Context, sha256 string) (BlobReader, error)
	// DeleteUnusedBlobs removes the blobs that no file names (as its
	// bytes or its thumbnail) and no user has as its avatar, and that
	// were stored before before, with
	// what interrupted writes left, and returns how many it removed.
	// Blobs are stored before the file that names them: before must give
	// uploads in flight the time to finish.
	DeleteUnusedBlobs(ctx context.Context, before time.Time) (int, error)

	// CreateFile stores f, carried by no message; its id is unique.
	CreateFile(ctx context.Context, f File) error
	File(ctx context.Context, id ID) (File, error)
	// UnattachedFiles lists at most limit files that no message carries
	// and whose ids were made before before, oldest first.
	UnattachedFiles(ctx context.Context, before time.Time, limit int) ([]File, error)
	DeleteFile(ctx context.Context, id ID) error
	// FilesSize is the total size of the files owner uploaded that are
	// stored.
	FilesSize(ctx context.Context, owner ID) (int64, error)

	// Export calls fn with every object in the store, collection by
	// collection in the order of Collections, as of one moment: a write
	// that lands while Export runs is either wholly in the export or not
	// at all, and is not held up for more than a few milliseconds.
	// (MongoDB without a replica set cannot give one moment across
	// collections; storage/mongo documents what it gives.) Within a
	// collection the order is the backend's. Derived data (indexes, the
	// search postings, direct partners) is not exported: Import rebuilds
	// it. fn's error stops the export and is returned.
	Export(ctx context.Context, fn func(Record) error) error
	// Import stores records exactly as given (ids, hashes, read markers,
	// room member lists) and builds their indexes, as a restore into an
	// empty store needs. It does not check references between records. A
	// unique value that is taken gives ErrDuplicate; what was imported
	// before it in the same call may stay.
	Import(ctx context.Context, recs []Record) error
	// Counts returns how many objects each collection of Collections holds.
	Counts(ctx context.Context) (map[string]int, error)
	// Clear removes every object, leaving an empty store (restore --force).
	Clear(ctx context.Context) error
}

// Collection names, as in the original makechat's MongoDB database.
const (
	CollUsers    = "users"
	CollSessions = "sessions"
	CollTokens   = "tokens"
	CollRooms    = "rooms"
	CollMembers  = "members"
	CollMessages = "messages"
	CollHooks    = "hooks"
	CollInvites  = "invites"
	CollCommands = "commands"
	CollFiles    = "files"
	// CollReadStates holds ReadStates (threads and direct conversations).
	CollReadStates = "read_states"
	// CollPushSubscriptions holds browsers' Web Push subscriptions.
	CollPushSubscriptions = "push_subscriptions"
)

// Collections lists every collection in the order Export visits them and
// a restore writes them: an object comes after those it refers to.
var Collections = []string{CollUsers, CollSessions, CollTokens, CollRooms, CollMembers, CollMessages, CollHooks, CollInvites, CollCommands, CollFiles, CollReadStates, CollPushSubscriptions}

// Observer is told of every operation a store runs: its name (such as
// "create user"), how long it took, and the error the caller gets (nil
// if none). The stores take one in their options, so that metrics are
// kept where every operation already passes, not by wrapping each method.
type Observer func(op string, took time.Duration, err error)

// Record is one object with its collection, as Export produces and Import
// takes it. Value is the model value of that collection: a User, Session,
// Token, Room, Member, Message, Hook, Invite, Command or File (not a
// pointer).
type Record struct {
	Collection string
	Value      any
}

// DecodeRecord decodes one object of collection coll from its JSON (the
// model's, as backups and the embedded store hold it).
func DecodeRecord(coll string, data []byte) (Record, error) {
	var v any
	var err error
	switch coll {
	case CollUsers:
		v, err = decodeAs[User](data)
	case CollSessions:
		v, err = decodeAs[Session](data)
	case CollTokens:
		v, err = decodeAs[Token](data)
	case CollRooms:
		v, err = decodeAs[Room](data)
	case CollMembers:
		v, err = decodeAs[Member](data)
	case CollInvites:
		v, err = decodeAs[Invite](data)
	case CollMessages:
		v, err = decodeAs[Message](data)
	case CollHooks:
		v, err = decodeAs[Hook](data)
	case CollCommands:
		v, err = decodeAs[Command](data)
	case CollFiles:
		v, err = decodeAs[File](data)
	case CollReadStates:
		v, err = decodeAs[ReadState](data)
	case CollPushSubscriptions:
		v, err = decodeAs[PushSubscription](data)
	default:
		return Record{}, fmt.Errorf("unknown collection %q", coll)
	}
	return Record{Collection: coll, Value: v}, err
}

func decodeAs[T any](data []byte) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}

// ID is the id of the record's object; NilID if Value is not a model.
func (r Record) ID() ID {
	switch v := r.Value.(type) {
	case User:
		return v.ID
	case Session:
		return v.ID
	case Token:
		return v.ID
	case Room:
		return v.ID
	case Member:
		return v.ID
	case Message:
		return v.ID
	case Hook:
		return v.ID
	case Invite:
		return v.ID
	case Command:
		return v.ID
	case File:
		return v.ID
	case ReadState:
		return v.ID
	case PushSubscription:
		return v.ID
	}
	return NilID
}
