package storage

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"time"
)

// ID is a 12-byte MongoDB ObjectId. Ids made here hold a 4-byte
// big-endian Unix time in seconds (the ObjectId's timestamp), 4 bytes of
// the fraction of that second (units of 2^-32 s) and 4 random bytes fixed
// per generator: ids sort in creation order across processes as well as
// their clocks agree, and a generator that has seen another's id (Observe)
// makes only greater ones. Both backends use it, so a backup of one
// restores into the other.
type ID [12]byte

// NilID is the zero ID; it never names a stored object.
var NilID ID

// ErrInvalidID is returned by ParseID for text that is not 24 hex digits.
var ErrInvalidID = errors.New("not an ObjectId")

// IDGen makes ObjectIds that strictly increase: each id is greater than
// every id it made before, every id passed to Observe and every floor it
// gave (Floor), even when the clock steps back. Message order relies on
// this. The zero value is not ready; use NewIDGen.
type IDGen struct {
	node [4]byte
	now  func() time.Time

	mu   sync.Mutex
	last uint64 // the time part (seconds and fraction) of the last id or floor
}

// NewIDGen returns a generator with a random node part.
func NewIDGen() *IDGen {
	g := &IDGen{now: time.Now}
	_, _ = rand.Read(g.node[:])
	return g
}

// New returns a fresh ObjectId.
func (g *IDGen) New() ID {
	var id ID
	binary.BigEndian.PutUint64(id[0:8], g.advance())
	copy(id[8:], g.node[:])
	return id
}

// Floor returns an id below every id this generator will make from now
// on (and above every one it made): an id's place in time that no later
// id of this generator can take. Nodes of a cluster send their floors so
// that the others know which events can no longer be overtaken.
func (g *IDGen) Floor() ID {
	var id ID
	binary.BigEndian.PutUint64(id[0:8], g.advance())
	return id
}

// advance returns a time part greater than every one given before.
func (g *IDGen) advance() uint64 {
	t := g.now()
	sec, frac := uint64(t.Unix()), uint64(t.Nanosecond())<<32/1e9
	v := sec<<32 | frac
	g.mu.Lock()
	defer g.mu.Unlock()
	if v <= g.last {
		v = g.last + 1
	}
	g.last = v
	return v
}

// Observe makes every later id greater than id: a store calls it with
// the greatest id it holds, so that ids made after a restart still sort
// after those made before it, and a cluster's node with every id it
// hears of from the others.
func (g *IDGen) Observe(id ID) {
	v := binary.BigEndian.Uint64(id[0:8])
	g.mu.Lock()
	defer g.mu.Unlock()
	if v > g.last {
		g.last = v
	}
}

// Less reports whether id sorts before other (creation order).
func (id ID) Less(other ID) bool { return bytes.Compare(id[:], other[:]) < 0 }

// ParseID reads 24 hex digits (either case).
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 24 {
		return id, ErrInvalidID
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, ErrInvalidID
	}
	return id, nil
}

// Hex returns the 24 lowercase hex digits of the id.
func (id ID) Hex() string { return hex.EncodeToString(id[:]) }

// String is Hex, for logs and error messages.
func (id ID) String() string { return id.Hex() }

// IsZero reports whether id is NilID.
func (id ID) IsZero() bool { return id == NilID }

// Time is the creation time encoded in the id, to the second.
func (id ID) Time() time.Time {
	return time.Unix(int64(binary.BigEndian.Uint32(id[0:4])), 0).UTC()
}

// FirstIDAt is the smallest id of the second t falls in, or of the next
// second if t is not a whole second: ids made before t sort before it,
// and ids made from t on sort at or after it. A t at or before 1970 gives
// NilID; one past the last second an id can hold (in 2106), the greatest
// id.
func FirstIDAt(t time.Time) ID {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	var id ID
	switch {
	case sec <= 0:
		return NilID
	case sec > math.MaxUint32:
		for i := range id {
			id[i] = 0xff
		}
		return id
	}
	binary.BigEndian.PutUint32(id[0:4], uint32(sec))
	return id
}

// MarshalJSON renders the id as Extended JSON: {"$oid": "<hex>"}.
func (id ID) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 35)
	b = append(b, `{"$oid":"`...)
	b = hex.AppendEncode(b, id[:])
	return append(b, `"}`...), nil
}

// UnmarshalJSON accepts {"$oid": "<hex>"} and, for convenience of API
// clients, a bare "<hex>" string.
func (id *ID) UnmarshalJSON(b []byte) error {
	// The exact form MarshalJSON writes is read without the JSON decoder:
	// stored records hold several ids each, and this is their hot path.
	const prefix, suffix = `{"$oid":"`, `"}`
	if len(b) == len(prefix)+24+len(suffix) && string(b[:len(prefix)]) == prefix && string(b[len(b)-2:]) == suffix {
		var parsed ID
		if _, err := hex.Decode(parsed[:], b[len(prefix):len(prefix)+24]); err == nil {
			*id = parsed
			return nil
		}
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		var ext struct {
			OID *string `json:"$oid"`
		}
		if err := json.Unmarshal(b, &ext); err != nil || ext.OID == nil {
			return ErrInvalidID
		}
		s = *ext.OID
	}
	parsed, err := ParseID(s)
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}
