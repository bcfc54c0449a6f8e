package chat

import (
	"errors"
	"fmt"
	"time"
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

// Errors with fixed wording; the first three carry the seed's text.
var (
	ErrAdminRequired   = &Error{Kind: KindForbidden, Msg: "Admin required."}
	ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Msg: "Please provide an auth token or login."}
	ErrBadLogin        = &Error{Kind: KindBadLogin, Msg: "Invalid username or password."}
	ErrOwnerRequired   = &Error{Kind: KindForbidden, Msg: "Room owner or admin required."}
	ErrRegistrationOff = &Error{Kind: KindForbidden, Msg: "Registration is disabled on this server."}
	// ErrHookMakerCannotPost answers a webhook whose maker may no longer
	// write in its room (demoted to guest, or gone from the room).
	ErrHookMakerCannotPost = &Error{Kind: KindForbidden, Msg: "The maker of this webhook may no longer post in its room."}
)
