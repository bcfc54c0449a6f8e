package storage

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckReactions_StatesTheLimitsARestoreKeeps(t *testing.T) {
	gen := NewIDGen()
	alice, bob := gen.New(), gen.New()
	r := func(user ID, emoji string) Reaction { return Reaction{Emoji: emoji, User: user, Username: "u"} }
	many := func(n int, each func(i int) Reaction) []Reaction {
		out := make([]Reaction, n)
		for i := range out {
			out[i] = each(i)
		}
		return out
	}
	emoji := func(i int) string { return string(rune(0x1F600 + i)) }
	for _, tt := range []struct {
		name string
		rs   []Reaction
		want string // "" for none, else a part of the error
	}{
		{"none", nil, ""},
		{"two users, one emoji", []Reaction{r(alice, "👍"), r(bob, "👍")}, ""},
		{"a reaction without a user", []Reaction{r(NilID, "👍")}, "[0] names no user"},
		{"an empty emoji", []Reaction{r(alice, "")}, "[0] has an emoji that is not 1 to 64 bytes"},
		{"an emoji of 65 bytes", []Reaction{r(alice, strings.Repeat("a", 65))}, "[0] has an emoji"},
		{"invalid UTF-8", []Reaction{r(alice, "\xff")}, "[0] has an emoji"},
		{"a reaction twice", []Reaction{r(alice, "👍"), r(bob, "👍"), r(alice, "👍")}, "[2] repeats"},
		{"20 of one user", many(MaxUserReactions, func(i int) Reaction { return r(alice, emoji(i)) }), ""},
		{"21 of one user", many(MaxUserReactions+1, func(i int) Reaction { return r(alice, emoji(i)) }), "more than 20"},
		{"40 emoji", many(MaxReactionEmoji, func(i int) Reaction { return r(gen.New(), emoji(i)) }), ""},
		{"41 emoji", many(MaxReactionEmoji+1, func(i int) Reaction { return r(gen.New(), emoji(i)) }), "41 different emoji, at most 40"},
		{"1000 reactions", many(MaxReactions, func(i int) Reaction { return r(gen.New(), "👍") }), ""},
		{"1001 reactions", many(MaxReactions+1, func(i int) Reaction { return r(gen.New(), "👍") }), "are 1001, at most 1000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckReactions(tt.rs)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestWithReaction_KeepsOrderOnceAndTheLimits(t *testing.T) {
	gen := NewIDGen()
	alice, bob := gen.New(), gen.New()
	show := func(rs []Reaction) string {
		parts := make([]string, len(rs))
		for i, x := range rs {
			parts[i] = fmt.Sprintf("%s%s", x.Emoji, x.Username)
		}
		return strings.Join(parts, " ")
	}
	var rs []Reaction
	add := func(user ID, name, emoji string) (bool, error) {
		t.Helper()
		next, added, err := WithReaction(rs, Reaction{Emoji: emoji, User: user, Username: name})
		if err == nil {
			rs = next
		}
		return added, err
	}
	for _, step := range []struct {
		user  ID
		name  string
		emoji string
		added bool
		want  string
	}{
		{alice, "a", "👍", true, "👍a"},
		{bob, "b", "🎉", true, "👍a 🎉b"},
		{bob, "b", "👍", true, "👍a 🎉b 👍b"},
		{alice, "a", "👍", false, "👍a 🎉b 👍b"},
	} {
		added, err := add(step.user, step.name, step.emoji)
		if err != nil || added != step.added || show(rs) != step.want {
			t.Fatalf("%s %s: added %v, err %v, now %q; want added %v, %q", step.name, step.emoji, added, err, show(rs), step.added, step.want)
		}
	}
	before := show(rs)
	without, removed := WithoutReaction(rs, "👍", alice)
	if !removed || show(without) != "🎉b 👍b" || show(rs) != before {
		t.Fatalf("removed %v: %q, and the list given became %q", removed, show(without), show(rs))
	}
	if _, removed := WithoutReaction(rs, "🎉", alice); removed {
		t.Fatal("alice's 🎉, which is bob's, was removed")
	}
	// The others keep their order.
	if without, _ := WithoutReaction(rs, "👍", bob); show(without) != "👍a 🎉b" {
		t.Fatalf("bob's 👍: %q", show(without))
	}
	if without, _ := WithoutReaction(rs, "🎉", bob); show(without) != "👍a 👍b" {
		t.Fatalf("bob's 🎉: %q", show(without))
	}
	// Limits: the user's own first, then the message's.
	rs = nil
	for i := range MaxUserReactions {
		if _, err := add(alice, "a", string(rune(0x1F600+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := add(alice, "a", "👍"); err != ErrTooManyReactions {
		t.Fatalf("the 21st of one user: %v", err)
	}
	for i := MaxUserReactions; i < MaxReactionEmoji; i++ {
		if _, err := add(bob, "b", string(rune(0x1F600+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := add(gen.New(), "c", "👍"); err != ErrTooManyEmoji {
		t.Fatalf("the 41st emoji: %v", err)
	}
	if added, err := add(gen.New(), "c", string(rune(0x1F600))); err != nil || !added {
		t.Fatalf("an emoji the message has: %v %v", added, err)
	}
}
