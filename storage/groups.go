package storage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Group conversations: a direct conversation among MinGroup to MaxGroup
// users is a Room with Group set to those users (in id order) and no
// name. Its members are those users, fixed: a different set is a
// different conversation, and one set has at most one (the stores keep
// GroupKey unique). Everything a room has (history, threads, reactions,
// files, read markers, search) works in it unchanged.

// Sizes of a group conversation, its users included.
const (
	MinGroup = 3
	MaxGroup = 8
)

// GroupKey is the unique key of a set of users: their ids in order,
// joined by commas; "" for a room that is no group.
func GroupKey(users []ID) string {
	if len(users) == 0 {
		return ""
	}
	sorted := slices.SortedFunc(slices.Values(users), func(a, b ID) int { return strings.Compare(a.Hex(), b.Hex()) })
	parts := make([]string, len(sorted))
	for i, u := range sorted {
		parts[i] = u.Hex()
	}
	return strings.Join(parts, ",")
}

// SortedGroup is users in id order, each once.
func SortedGroup(users []ID) []ID {
	out := slices.SortedFunc(slices.Values(users), func(a, b ID) int { return strings.Compare(a.Hex(), b.Hex()) })
	return slices.Compact(out)
}

// IsGroup reports whether r is a group conversation.
func (r Room) IsGroup() bool { return len(r.Group) > 0 }

// CheckGroup states the rule for a group's users: MinGroup to MaxGroup
// different users, in id order.
func CheckGroup(users []ID) error {
	switch {
	case len(users) < MinGroup || len(users) > MaxGroup:
		return fmt.Errorf("has %d users, %d to %d", len(users), MinGroup, MaxGroup)
	case !slices.Equal(users, SortedGroup(users)):
		return errors.New("is not a set of different users in id order")
	case slices.Contains(users, NilID):
		return errors.New("names no user")
	}
	return nil
}
