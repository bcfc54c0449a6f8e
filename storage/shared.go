package storage

import "context"

// Shared is state that the nodes of a cluster keep as one: named flags
// (maintenance mode) and turns (which node takes a scheduled job). Only
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
}
