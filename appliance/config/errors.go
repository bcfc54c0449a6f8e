package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a value that did not validate. Its message is one line, e.g.
//
//	config: session_ttl = "abc" (from MAKECHAT_SESSION_TTL): not a number of seconds
//
// so that start-up can print it as it is.
type Error struct {
	Key    string // the option's key, e.g. "session_ttl"
	Value  string // the value as given
	Source string // "default", "FILE:LINE", the environment variable or "--flag"
	Secret bool   // the value is not shown
	Err    error  // what is wrong with it
}

// maxShown bounds how much of a value an error shows, so that a huge value
// still gives a readable line.
const maxShown = 64

func (e *Error) Error() string {
	value := "(hidden)"
	if !e.Secret {
		value = quote(e.Value)
	}
	return fmt.Sprintf("config: %s = %s (from %s): %v", e.Key, value, sanitize(e.Source), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// quote shows a value on one line, shortened to maxShown bytes.
func quote(v string) string {
	if len(v) <= maxShown {
		return strconv.Quote(v)
	}
	return strconv.Quote(v[:maxShown]) + "..."
}

// sanitize keeps text that came from outside, such as a file name or a
// flag, on one line and printable.
func sanitize(s string) string {
	q := strconv.Quote(s)
	if q[1:len(q)-1] == s && !strings.ContainsAny(s, " \t") {
		return s
	}
	return q
}
