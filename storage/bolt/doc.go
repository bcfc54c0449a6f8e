/*
Package bolt implements storage.Store on bbolt (go.etcd.io/bbolt), the
embedded store that makechat uses unless MongoDB is configured.

The whole store is one file. Start from Open, which returns a *Store; the
methods' contract is the one documented on storage.Store, and the shared
suite in storage/storagetest checks it.

# Durability and throughput

Every write runs through the store's group commit (commit.go): one
goroutine commits, and the writes that arrive while a commit is on its way
to disk share the next read-write transaction and therefore one fsync. A write method returns nil only after that commit has
reached the disk, so an acknowledged write survives a crash of the process
or of the machine. NoSync is never used.

The group commit may run a write function twice (once in a group, then alone if
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
	sessions_by_expiry  expiry (8 bytes, Unix ms) + key hash -> (empty)
	tokens            id -> Token
	tokens_by_hash    hash -> token id
	tokens_by_user    user id + token id -> (empty)
	rooms             id -> Room
	rooms_by_name     folded room name -> room id
	members           id -> Member
	members_by_room   room id + user id -> member id
	members_by_user   user id + room id -> member id
	messages          conversation key + message id -> Message
	message_conv      message id -> conversation key
	messages_by_client  sender id + client id -> message id
	direct_partners   user id + partner id -> (empty), both ways
	search            term + 0x00 + message id -> conversation key
	hooks             id -> Hook
	hooks_by_secret   secret hash -> hook id
	hooks_by_room     room id + hook id -> (empty)
	invites           id -> Invite
	invites_by_secret secret hash -> invite id
	invites_by_user   maker id + invite id -> (empty)
	commands          id -> Command
	commands_by_name  folded name -> command id
	files             id -> File
	files_by_owner    owner id + file id -> (empty)
	files_by_room     room id + file id -> (empty), for a room message's files
	files_unattached  file id -> (empty), for files no message carries yet
	meta              "schema" -> schema version, in decimal

The bytes of uploaded files (blobs) are not in the file: they live in a
directory beside it (files/ in the data directory), one file per blob
named by its SHA-256 (files.go says how each is written durably).

# Upgrades

The file carries its schema version. Open brings an older file up to
date by running the migrations it lacks, in order, each in one
transaction with the version it leaves (migrate.go), so a migration cut
short by a crash leaves the file as it was and runs again at the next
Open; each is logged through Options.Log. A file written by a newer
makechat is refused with ErrNewerSchema before anything is written. The
v1 fixture in testdata/upgrade is opened, migrated and served by the
tests of every build.

# Messages

A conversation key is 0x01 + room id for a room, or 0x02 + A + B for the
direct messages between users A < B. Keying messages by it and then by id
makes each conversation a contiguous run in id order, so a page of history
is one cursor Seek and a step per message, whatever the history's length,
and deleting a room removes one run. message_conv finds a message's run
from its id alone (for Message, EditMessage, DeleteMessage), and its last
key is the greatest message id.

The search bucket is an inverted index: one posting per word of a message
(storage.SearchTerms of its text), keyed by word and then message id, so
each word's postings are in id order and a search walks them newest first.
Each posting holds the message's conversation key, so that a search can
skip conversations the caller may not read without loading the message.
A search without words (only a sender, files, dates, rooms) merges the
runs of the conversations it covers from their newest ends instead; it
reads each message it examines, and examines at most a bounded number
per call (storage.SearchQuery.Scan), saying where it stopped.
Every write of a message updates its postings in the same transaction.

Messages and postings are appended at the end of their run; those buckets
split pages at 90% rather than bbolt's 50%, so that the pages left behind
are nearly full. Writing a message changes the last page of its
conversation and the last page of each of its words' runs. With a large
vocabulary those are spread over the index, and a group commit writes one
page for nearly every posting in it: that, not the message itself, is
what bounds posting throughput on a long history (BenchmarkCreateMessage).

The meta bucket's schema version (now 5) lets a later version recognise an
older file and migrate it (see Upgrades).

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
