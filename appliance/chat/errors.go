package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/makechat/makechat/storage"
)

// Kind classifies a domain error; the API turns each kind into one HTTP
// status and the CLI into one line of text.
type Kind int

// The kinds of domain errors.
const (
	KindInvalid         Kind = iota + 1 // a value is wrong (400)
	KindMissing                         // a required value is absent or empty (400)
	KindNotFound                        // no such object, or not visible to the actor (404)
	KindForbidden                       // the actor may not do this (403)
	KindConflict                        // a unique value is taken, or the change would break an invariant (409)
	KindUnauthenticated                 // no valid credentials (401)
	KindBadLogin                        // wrong username or password (401)
	KindRateLimited                     // too many failed logins (429)
	KindUnavailable                     // a service the server called did not answer as it should (502)
	KindTooLarge                        // an upload past a size limit or quota (413)
	KindStorageFull                     // the server's disk is nearly full (507)
)

// Error is a domain error: what went wrong, in words fit for the user.
type Error struct {
	Kind Kind
	// Field names the parameter at fault, for KindInvalid and KindMissing.
	Field string
	// Msg is a full sentence for the user.
	Msg string
	// RetryAfter is set for KindRateLimited.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Msg }

// AsError returns err as a domain *Error if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Missing reports a required parameter that is absent or empty.
func Missing(field string) error {
	return &Error{Kind: KindMissing, Field: field, Msg: fmt.Sprintf("The '%s' parameter is required.", field)}
}

// Invalid reports a parameter with a bad value; why completes the
// sentence "The 'field' parameter ...".
func Invalid(field, why string) error {
	return &Error{Kind: KindInvalid, Field: field, Msg: fmt.Sprintf("The '%s' parameter %s.", field, why)}
}

// NotFound reports a missing object of the given kind ("room", "user").
func NotFound(what string) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf("No such %s.", what)}
}

// Conflict reports a taken unique value or a broken invariant.
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, args...)}
}

// Forbidden reports an action the actor may not take.
func Forbidden(msg string) error {
	return &Error{Kind: KindForbidden, Msg: msg}
}

// The domain's errors, each once, by name (as ntfy's errors.go): tests
// and docs refer to these names, and a sentence is changed in one place.
// The first three carry the seed's text. Errors about one parameter come
// from Missing and Invalid, whose sentences are the seed's template; the
// rules of validate.go fill in what is wrong.
var (
	ErrAdminRequired   = &Error{Kind: KindForbidden, Msg: "Admin required."}
	ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Msg: "Please provide an auth token or login."}
	ErrBadLogin        = &Error{Kind: KindBadLogin, Msg: "Invalid username or password."}
	ErrOwnerRequired   = &Error{Kind: KindForbidden, Msg: "Room owner or admin required."}
	ErrGroupFixed      = &Error{Kind: KindForbidden, Msg: "A group conversation's members and settings are fixed: start a new one with other people."}
	ErrRegistrationOff = &Error{Kind: KindForbidden, Msg: "Registration is disabled on this server."}

	// Rooms and members.
	ErrMembersListOnly   = &Error{Kind: KindForbidden, Msg: "Only the room's members may list them."}
	ErrRoomClosed        = &Error{Kind: KindForbidden, Msg: "This room is closed: ask one of its owners for an invitation."}
	ErrJoinAsMember      = &Error{Kind: KindForbidden, Msg: "Joining gives the role 'member'; an owner may change it."}
	ErrAlreadyMember     = &Error{Kind: KindConflict, Msg: "That user is already a member of this room."}
	ErrOwnReadMarkerOnly = &Error{Kind: KindForbidden, Msg: "Only the member itself may move its read marker."}
	ErrOwnMuteOnly       = &Error{Kind: KindForbidden, Msg: "Only the member itself may mute or unmute a room."}
	ErrNoSuchUserToAdd   = Invalid("user", "must name an existing user")

	// Files.
	ErrNoSuchFile = NotFound("file")
	ErrUploadsOff = &Error{Kind: KindForbidden, Msg: "File uploads are turned off on this server."}
	ErrEmptyFile  = Invalid("file", "must not be empty")
	ErrDiskFull   = &Error{Kind: KindStorageFull, Msg: "The server's disk is nearly full: uploads are refused until an administrator frees space."}

	// Messages.
	ErrJoinToPost         = &Error{Kind: KindForbidden, Msg: "Join the room to post in it."}
	ErrGuestsCannotPost   = &Error{Kind: KindForbidden, Msg: "Guests may read this room but not post in it."}
	ErrMembersReadOnly    = &Error{Kind: KindForbidden, Msg: "Only the room's members may read it."}
	ErrSenderEditsOnly    = &Error{Kind: KindForbidden, Msg: "Only its sender may edit a message."}
	ErrDirectDeleteDenied = &Error{Kind: KindForbidden, Msg: "Only its sender or an administrator may delete a message."}
	ErrRoomDeleteDenied   = &Error{Kind: KindForbidden, Msg: "Only its sender, the room's owners or an administrator may delete a message."}
	ErrTextNotUTF8        = Invalid("text", "must be valid UTF-8 text")
	ErrTextTooLong        = Invalid("text", "must be 1 to 10000 characters long")
	ErrTextBlank          = Invalid("text", "must not be blank")
	ErrRoomAndRecipient   = Invalid("recipient", "cannot be given together with 'room'")
	ErrRecipientSelf      = Invalid("recipient", "must be another user")
	ErrThreadElsewhere    = Invalid("thread", "is a message of another conversation")
	ErrGroupSize          = Invalid("users", "must name 2 to 7 other users (3 to 8 with you)")
	ErrGroupRepeats       = Invalid("users", "must not name a user twice, nor yourself")
	ErrGroupUser          = Invalid("users", "must name existing users whose accounts are not disabled")
	ErrNoSuchRecipient    = Invalid("recipient", "must name an existing user")
	ErrWithSelf           = Invalid("with", "must be another user")
	ErrQueryTooLong       = Invalid("q", "must be at most 1000 bytes of text")
	ErrClientIDReused     = &Error{Kind: KindConflict, Field: "client_id", Msg: "This client_id was used for another message; use a new one for each message."}

	// Reactions.
	ErrNotAnEmoji       = Invalid("emoji", "must be exactly one emoji")
	ErrTooManyEmoji     = &Error{Kind: KindInvalid, Field: "emoji", Msg: fmt.Sprintf("This message already has %d different emoji; react with one of those.", storage.MaxReactionEmoji)}
	ErrTooManyReactions = &Error{Kind: KindInvalid, Field: "emoji", Msg: fmt.Sprintf("You already have %d reactions on this message; remove one first.", storage.MaxUserReactions)}
	ErrReactionsFull    = &Error{Kind: KindInvalid, Field: "emoji", Msg: fmt.Sprintf("This message already has %d reactions, as many as a message may have.", storage.MaxReactions)}

	// Webhooks: a hook whose maker may no longer write in its room
	// (demoted to guest, or gone from the room) is mute.
	ErrHookMakerCannotPost = &Error{Kind: KindForbidden, Msg: "The maker of this webhook may no longer post in its room."}

	// Accounts.
	ErrLastAdmin       = &Error{Kind: KindConflict, Msg: "This is the last active administrator; make another one first."}
	ErrTooManyTokens   = &Error{Kind: KindConflict, Msg: fmt.Sprintf("You already have %d tokens; revoke one first.", maxTokens)}
	ErrNotYourPassword = Invalid("current_password", "is not your password")
	ErrPasswordsDiffer = Invalid("password2", "must match 'password1'")
	ErrNoSuchHook      = NotFound("hook")
	ErrNoSuchMember    = NotFound("member")
	ErrNoSuchMessage   = NotFound("message")
	ErrNoSuchSession   = NotFound("session")
	ErrNoSuchToken     = NotFound("token")

	// Profiles.
	ErrDisplayNameText   = Invalid("display_name", "must be printable text on one line")
	ErrDisplayNameFormat = Invalid("display_name", "must not contain invisible formatting characters (bidi controls, zero-width characters)")
	ErrDisplayNameLong   = Invalid("display_name", fmt.Sprintf("must be at most %d characters long", storage.MaxDisplayNameChars))
	ErrStatusText        = Invalid("status.text", "must be printable text on one line")
	ErrStatusFormat      = Invalid("status.text", "must not contain invisible formatting characters (bidi controls, zero-width characters) outside an emoji")
	ErrStatusLong        = Invalid("status.text", fmt.Sprintf("must be at most %d characters long", storage.MaxStatusChars))
	ErrStatusExpired     = Invalid("status.expires", "must be a time in the future")

	// Invites.
	ErrNoSuchInvite       = NotFound("invite")
	ErrTooManyInviteRooms = Invalid("rooms", fmt.Sprintf("must name at most %d rooms", maxInviteRooms))
	ErrInviteUses         = Invalid("max_uses", fmt.Sprintf("must be from 0 (no limit) to %d", maxInviteUses))
	ErrInviteExpiry       = Invalid("expires_in", "must be 0 (never) or from 60 seconds to one year")

	// Bots.
	ErrBotsByAdmins  = &Error{Kind: KindForbidden, Msg: "Only administrators may make bots."}
	ErrNoSuchBot     = NotFound("bot")
	ErrBotNoPassword = &Error{Kind: KindConflict, Msg: "A bot has no password or email and cannot be an administrator; give it tokens."}

	// Slash commands.
	ErrNotAMember    = &Error{Kind: KindForbidden, Msg: "You are not a member of this room."}
	ErrNotACommand   = Invalid("text", "must start with a slash command, such as /me or /topic")
	ErrMeWithoutAct  = Invalid("text", "needs an action after /me, such as /me waves")
	ErrNoSuchCommand = NotFound("command")

	// Limits: each is answered with how long to wait (see retryAfter).
	ErrTooManyLogins        = &Error{Kind: KindRateLimited, Msg: "Too many failed logins; try again later."}
	ErrTooManyPasswordTries = &Error{Kind: KindRateLimited, Msg: "Too many wrong passwords; try again later."}
	ErrTooManyRegistrations = &Error{Kind: KindRateLimited, Msg: "Too many registrations from your address; try again later."}
	ErrPostingTooFast       = &Error{Kind: KindRateLimited, Msg: "You are posting too fast; try again in a moment."}
	ErrTypingTooOften       = &Error{Kind: KindRateLimited, Msg: "Typing too often."}
	ErrReactingTooFast      = &Error{Kind: KindRateLimited, Msg: "You are changing reactions too fast; try again in a moment."}
)

// Errors that name what is taken.

func errUsernameTaken(name string) error {
	return Conflict("The username '%s' is already taken.", name)
}

func errEmailInUse(email string) error {
	return Conflict("The email address '%s' is already in use.", email)
}

func errNoSuchCommand(name string) error {
	if r := []rune(name); len(r) > 32 {
		name = string(r[:32]) + "…"
	}
	return &Error{Kind: KindInvalid, Field: "text", Msg: "There is no command /" + name + ". Type / to see the commands, or start the text with a space to send it as a message."}
}

func errCommandTaken(name string) error {
	return Conflict("A command named '/%s' already exists.", name)
}

// errCommandFailed says that a custom command's receiver did not answer
// as it should; the caller sees why (its own command, its own words).
func errCommandFailed(name string, err error) error {
	return &Error{Kind: KindUnavailable, Msg: "The command /" + name + " did not answer: " + strings.TrimSuffix(err.Error(), ".") + "."}
}

// errSearchFilter says that a search filter's value cannot be right;
// want completes "must be".
func errSearchFilter(name, want string) error {
	return &Error{Kind: KindInvalid, Field: "q", Msg: "The 'q' parameter's " + name + ": filter must be " + want + "."}
}

func errRoomNameTaken(name string) error {
	return Conflict("A room named '%s' already exists.", name)
}

// retryAfter is one of the limits' errors with how long to wait.
func retryAfter(e *Error, wait time.Duration) error {
	c := *e
	c.RetryAfter = wait
	return &c
}
