package storage

import (
	"errors"
	"strings"
	"time"
)

// Command is a custom slash command: an administrator maps /Name to URL,
// which is called with the command's text and answers what to say.
// Name is unique without regard to case.
type Command struct {
	ID   ID     `json:"_id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Help is one line the composer shows beside the name.
	Help string `json:"help,omitempty"`
	// Token is sent with each call, as Mattermost's commands send theirs,
	// so that the receiver can tell makechat's calls from others. It is
	// kept as it is, since it is sent.
	Token   string    `json:"token"`
	Creator ID        `json:"creator"`
	Created time.Time `json:"created"`
}

// MaxCommandChars is the longest command name.
const MaxCommandChars = 32

// CheckCommandName states the rule for a command's name: 1 to 32
// lower-case ASCII letters, digits, '-' and '_'.
func CheckCommandName(s string) error {
	if s == "" || len(s) > MaxCommandChars {
		return errors.New("is not 1 to 32 characters long")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') }) {
		return errors.New("may hold only lower-case letters, digits, '-' and '_'")
	}
	return nil
}
