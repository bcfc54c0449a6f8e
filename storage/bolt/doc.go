/*
Package bolt implements storage.Store on bbolt (go.etcd.io/bbolt), the
embedded store that makechat uses unless MongoDB is configured.

The whole store is one file. Start from Open, which returns a *Store; the
methods' contract is the one documented on storage.Store, and the shared
suite in storage/storagetest checks it.

# Durability and throughput

Every write runs through bbolt's DB.Batch: writers that arrive within
Options.MaxBatchDelay of each other share one read-write transaction and
therefore one fsync. A write method returns nil only after that commit has
reached the disk, so an acknowledged write survives a crash of the process
or of the machine. NoSync is never used.

Batch may run a write function twice (once in a group, then alone if
another function in the group failed), so every write function here is
idempotent: it reads what it needs inside the transaction and keeps no
state outside it but its result. A write that must fail (a taken name, a
missing room) returns the storage sentinel error from inside the
transaction, which rolls the transaction back, so nothing of it is written.

# Locking

bbolt holds an exclusive lock on the file while it is open. A second Open
of the same file, from this or another process, waits Options.Timeout for
the lock and then fails with an error wrapping ErrLocked. The command line
uses this to tell that a server is running.

# Layout

Each collection is a bucket keyed by the 12 raw bytes of the object's id, so
a cursor visits objects in id order, which is creation order. Records are
the model structs encoded with encoding/json, whose field names are the
original document field names. Secondary buckets hold the unique indexes
and the lists a cascade has to find:

	users             id -> User
	users_by_name     folded username -> user id
	users_by_email    folded email -> user id
	sessions          key hash -> Session
	sessions_by_user  user id + key hash -> (empty)
	tokens            id -> Token
	tokens_by_hash    hash -> token id
	tokens_by_user    user id + token id -> (empty)
	rooms             id -> Room
	rooms_by_name     folded room name -> room id
	members           id -> Member
	members_by_room   room id + user id -> member id
	members_by_user   user id + room id -> member id
	meta              "schema" -> schema version, in decimal

The meta bucket's schema version (now 1) lets a later version recognise an
older file and migrate it; Open refuses a file of any other version.

# Text

Unique names (usernames, emails, room names) are compared after folding
with strings.ToLower; session and token hashes are compared exactly. The
empty name or hash is not indexed, so it never collides and is never found.
The domain layer rejects empty names anyway.

The store does no validation, and strings round-trip verbatim with one
exception: encoding/json replaces each byte of invalid UTF-8 with U+FFFD.
Index keys are made from that replaced form too, so a string reads back and
is found the same way whichever form the caller uses. Keys longer than
bbolt's MaxKeySize (32 KiB) cannot be stored and give an error.
*/
package bolt
