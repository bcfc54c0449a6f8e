package storage

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Reactions are emoji that users put on a message. A message keeps them
// in Message.Reactions, one Reaction per user and emoji, in the order
// they were made; a user reacts with a given emoji at most once. The
// store knows nothing of what an emoji is (appliance/chat checks that):
// to it, Emoji is a short string compared byte for byte.

// Reaction is one user's emoji on a message. Username is the user's
// name when it reacted, so that the reaction still shows a name once the
// user is gone.
type Reaction struct {
	Emoji    string    `json:"emoji"`
	User     ID        `json:"user"`
	Username string    `json:"username"`
	At       time.Time `json:"at"`
}

// Limits of a message's reactions, which every backend enforces as it
// adds one.
const (
	// MaxReactionEmoji is how many different emoji one message may have.
	MaxReactionEmoji = 40
	// MaxUserReactions is how many reactions one user may have on one
	// message.
	MaxUserReactions = 20
	// MaxReactions is how many reactions one message may have in all:
	// the message is rewritten with each change and sent whole to
	// clients, so its size is bounded.
	MaxReactions = 1000
	// MaxEmojiBytes is the longest emoji, in bytes (the longest emoji
	// sequences, families and subdivision flags, take about 30).
	MaxEmojiBytes = 64
)

// Errors of AddReaction: nothing was written.
var (
	// ErrTooManyEmoji: the message has MaxReactionEmoji different emoji
	// and this one is not among them.
	ErrTooManyEmoji = errors.New("the message has as many different emoji as it may")
	// ErrTooManyReactions: the user has MaxUserReactions reactions on the
	// message already.
	ErrTooManyReactions = errors.New("the user has as many reactions on the message as it may")
	// ErrReactionsFull: the message has MaxReactions reactions already.
	ErrReactionsFull = errors.New("the message has as many reactions as it may")
)

// WithReaction is what AddReaction stores, whichever the backend: rs
// with r at its end, and true; or rs unchanged and false when r's user
// has already reacted with r's emoji; or the limit's error when r would
// pass one. Strings are compared and kept as stores keep them (see
// ValidUTF8).
func WithReaction(rs []Reaction, r Reaction) ([]Reaction, bool, error) {
	r.Emoji, r.Username = ValidUTF8(r.Emoji), ValidUTF8(r.Username)
	mine := 0
	seen := false
	emoji := map[string]bool{}
	for _, x := range rs {
		if x.User == r.User {
			if x.Emoji == r.Emoji {
				return rs, false, nil
			}
			mine++
		}
		seen = seen || x.Emoji == r.Emoji
		emoji[x.Emoji] = true
	}
	switch {
	case mine >= MaxUserReactions:
		return rs, false, ErrTooManyReactions
	case !seen && len(emoji) >= MaxReactionEmoji:
		return rs, false, ErrTooManyEmoji
	case len(rs) >= MaxReactions:
		return rs, false, ErrReactionsFull
	}
	out := make([]Reaction, len(rs), len(rs)+1)
	copy(out, rs)
	return append(out, r), true, nil
}

// WithoutReaction is what RemoveReaction stores: rs without user's
// reaction with emoji, and true; or rs unchanged and false if there is
// none. The others keep their order, so an emoji whose first reaction
// goes now stands where its next one is.
func WithoutReaction(rs []Reaction, emoji string, user ID) ([]Reaction, bool) {
	emoji = ValidUTF8(emoji)
	i := slices.IndexFunc(rs, func(x Reaction) bool { return x.User == user && x.Emoji == emoji })
	if i < 0 {
		return rs, false
	}
	return slices.Delete(slices.Clone(rs), i, i+1), true
}

// CheckReactions states the rule for a message's reactions: each names
// a user and an emoji of 1 to MaxEmojiBytes bytes of UTF-8, a user reacts
// with an emoji once, and the limits above hold.
func CheckReactions(rs []Reaction) error {
	if len(rs) > MaxReactions {
		return fmt.Errorf("are %d, at most %d", len(rs), MaxReactions)
	}
	type key struct {
		user  ID
		emoji string
	}
	seen := map[key]bool{}
	perUser := map[ID]int{}
	emoji := map[string]bool{}
	for i, r := range rs {
		switch {
		case r.User.IsZero():
			return fmt.Errorf("[%d] names no user", i)
		case r.Emoji == "" || len(r.Emoji) > MaxEmojiBytes || !utf8.ValidString(r.Emoji):
			return fmt.Errorf("[%d] has an emoji that is not 1 to %d bytes of UTF-8", i, MaxEmojiBytes)
		case seen[key{r.User, r.Emoji}]:
			return fmt.Errorf("[%d] repeats a reaction of its user", i)
		}
		seen[key{r.User, r.Emoji}] = true
		perUser[r.User]++
		emoji[r.Emoji] = true
		if perUser[r.User] > MaxUserReactions {
			return fmt.Errorf("give one user more than %d", MaxUserReactions)
		}
	}
	if len(emoji) > MaxReactionEmoji {
		return fmt.Errorf("have %d different emoji, at most %d", len(emoji), MaxReactionEmoji)
	}
	return nil
}
