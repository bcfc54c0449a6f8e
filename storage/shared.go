package storage

import (
	"context"
	"time"
)

// Shared is state that the nodes of a cluster keep as one: named flags
// (maintenance mode), turns (which node takes a scheduled job), kept
// values (the secret key and the Web Push keys every node must use) and
// strikes (failed logins, counted for the cluster). Only
// the MongoDB store has it: the embedded store belongs to one process.
type Shared interface {
	// Flag reads a named flag; one never set is off.
	Flag(ctx context.Context, name string) (bool, error)
	// SetFlag sets a named flag for every node.
	SetFlag(ctx context.Context, name string, on bool) error
	// Claim gives turn of name to holder unless it was claimed already:
	// each turn goes to one holder only, the first to ask. True means
	// holder has it. Only the latest turns are remembered: turns are
	// meant to follow the clock (a backup interval's number).
	Claim(ctx context.Context, name string, turn int64, holder string) (bool, error)
	// Keep stores value under name unless a value is stored there
	// already, and returns the stored one: of several nodes starting
	// with their own secret, all end up with the first one's.
	Keep(ctx context.Context, name string, value []byte) ([]byte, error)
	// Strike records a failure under key at a time.
	Strike(ctx context.Context, key string, at time.Time) error
	// Strikes returns key's failures at or after since, newest first,
	// at most limit of them. Failures older than two hours are gone.
	Strikes(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error)
	// ClearStrikes forgets key's failures.
	ClearStrikes(ctx context.Context, key string) error
	// MessagesFrom returns up to limit messages of every conversation
	// with ids from from on, in id order: a node recovers what a node
	// that died had stored but not yet sent to the others.
	MessagesFrom(ctx context.Context, from ID, limit int) ([]Message, error)
}
