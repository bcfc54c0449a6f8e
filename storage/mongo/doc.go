/*
Package mongo implements storage.Store on MongoDB with the official driver
(go.mongodb.org/mongo-driver/v2). makechat uses it when mongo_uri is set.

Start from Open, which returns a *Store; the methods' contract is the one
documented on storage.Store, and the shared suite in storage/storagetest
checks it (mongo_test.go runs it on FerretDB, and on a real MongoDB when
MAKECHAT_TEST_MONGO_URI is set).

# Layout

The collections and field names are the original makechat's: users,
sessions, tokens, rooms, members, messages and hooks, whose documents are
the model structs under their JSON names, with ObjectIds as _id and as
references. Each document also holds the fields this package derives, and
four collections hold derived data only:

	users            username_key, email_key: the folded unique keys
	tokens           hash_key: the unique key of the hash
	rooms            name_key: the folded unique key
	messages         conv: the conversation; terms: the search words;
	                 client_key: the unique key of the sender's client id
	hooks            secret_key: the unique key of the secret's hash
	invites          secret_key: the unique key of the secret's hash
	direct_partners  {user, partner}, one document each way per pair
	invite_uses      {_id: "<invite id>:<n>"}, one per use of an invite
	files            uploaded files (storage.File), by the same names
	blobs.files,     the GridFS bucket "blobs": the bytes of uploaded
	blobs.chunks     files, each named by its SHA-256 (files.go)
	pending_deletes  {_id, kind}: a DeleteUser or DeleteRoom under way
	makechat_meta    {_id: "schema", version: 4}

A reply's document names its root in thread, and in_room when it is
shown in the conversation too; a root's summary of replies is summed up
as it is read (threads.go).

Messages' reactions (storage.Reaction) are kept apart from them, one
document per user and emoji in message_reactions, {_id: "<message
id>/<user id>/<emoji>", message, conv, emoji, user, username, at, seq},
and attached to the messages as they are read (reactions.go).

Read states (storage.ReadState: threads followed, direct conversations
read) are documents of read_states with the model's fields and key,
"<user id>t<root id>" or "<user id>d<peer id>" (readstates.go).

A name key is "=" + the name folded with strings.ToLower, so that names
are unique without regard to case, as in the embedded store; a hash key is
"=" + the hash. An empty name or hash gets "#" + the document's id
instead, so that it is never found and never collides: unique indexes
that skip a value would need partial indexes, which FerretDB lacks.
conv is "r" + the room id, or "d" + the two user ids in order for direct
messages. client_key is "<sender id>:<client id>", or "#" + the
message's id for a message without a client id. terms is storage.SearchTerms of the text, the same function the
embedded store indexes with, so that a search finds the same messages in
both.

Strings are stored with each byte of invalid UTF-8 replaced by U+FFFD, as
the embedded store's JSON does. Filters are always built from typed values
(bson.D with strings and ObjectIds), never from a caller's map, so a value
such as {"$ne": null} or "profile.$.name" is only ever a string.

# Indexes

	users            username_key (unique), email_key (unique), avatar
	sessions         key_hash (unique), user, expires
	tokens           hash_key (unique), (user, _id)
	rooms            name_key (unique)
	members          (room, profile) (unique), (profile, _id)
	messages         (conv, _id): history pages and counts, and
	                 searches without words (from:, in:, has:, dates);
	                 (terms, _id desc), multikey: search by words;
	                 client_key (unique): resent posts;
	                 (thread, _id): a thread's replies and summary
	hooks            secret_key (unique), (room, _id)
	invites          secret_key (unique), (created_by, _id)
	commands         name_key (unique)
	files            owner, (message, _id), room, sha256, thumb
	direct_partners  user
	message_reactions (message, at, seq): a page's reactions, in order;
	                 conv: a deleted room's
	read_states      key (unique), user, thread
	push_subscriptions endpoint_key (unique), (user, _id)

A unique index refusing a write gives storage.ErrDuplicate. Open creates
the indexes that are missing, and only those.

# Atomicity without transactions

MongoDB updates one document atomically; several documents need a
transaction, which needs a replica set, and FerretDB, on which this is
tested, has none. So there is one code path, without transactions, in
which every write is a sequence of single-document steps ordered so that
readers never see a broken state and a crash between two steps leaves
nothing that changes behaviour:

  - The member documents are the truth about who is in a room. A room's
    members array keeps the join order; Room and Rooms reconcile it with
    the member documents (ids without a member are dropped, members the
    array lacks are appended), so AddMember (member, then $push) and
    DeleteMember (delete, then $pull) look atomic.
  - Member, MemberOf, Members and MembershipsOf skip members of rooms that
    do not exist, and HookBySecret and Hook hooks of such rooms. So
    CreateRoom writes the owner member first and the room second (the
    room appears with its owner), and DeleteRoom deletes the room first
    (its members and hooks vanish with it) and then, idempotently, its
    members, messages and hooks.
  - DeleteUser removes the user's memberships, sessions and tokens, then
    the user, then those again in case one was added meanwhile.
  - DeleteUser and DeleteRoom first record the deletion in
    pending_deletes and drop the record when done; Open finishes any
    recorded deletion a crash interrupted. Open also removes members
    older than ten minutes whose room does not exist (a crash inside
    CreateRoom).
  - CreateMessage (room), CreateHook and AddMember check what they refer
    to after writing as well as before: if a DeleteRoom or DeleteUser ran
    meanwhile and its cascade missed the new document, they remove it and
    answer ErrNotFound.
  - UpdateUser, UpdateRoom, SetMemberRole, EditMessage and SetReadMarker
    change one document with one findAndModify ($max for the read marker).
  - AddReaction and RemoveReaction insert and delete one reaction by its
    unique _id, so that none is lost even where single-document updates
    are not atomic (FerretDB); the limits are checked after the insert,
    which is taken back if it passed one (reactions.go).

Two Stores, in one process or several (a server and the command line, or
several servers), may share one database: nothing is cached, and every
step above is safe to run concurrently.

# Durability and consistency

Writes use write concern majority with journaling (w: "majority", j:
true): a write method returns nil only once a majority of the replica set
has the write in its journal, so an acknowledged write survives the loss
of the primary or a crash of every server. Reads use read concern
majority, so nothing that could be rolled back is ever returned. On a
standalone server both mean "on this server's journal".

Export reads in a snapshot session when the server is a replica set or a
sharded cluster (it says so in its hello answer), so the export is one
moment. A standalone server (and FerretDB) keeps no snapshots: Export then
reads the collections one after the other, and keeps the export
consistent by references: it leaves out sessions and tokens of users it
did not export, and members, room messages and hooks of rooms it did not
export, and reconciles each room's members array with the members it
exports. A write that lands meanwhile may then be in the export or not,
collection by collection. Import writes in batches of 1,000 documents;
Clear deletes collection by collection (rooms and users first).

# Failures

Open fails within Options.Timeout (5 s) with one line naming the hosts and
the reason when no server answers. Later, each call waits at most that long
for a server and then gives an error wrapping storage.ErrUnavailable,
which the API answers with 503; the driver reconnects by itself when the
server returns. A write that failed that way may or may not have happened,
as for any database client; one that returned nil did.

# Older documents

A database without the schema record (the original makechat's, or one
written by another program) is brought up to date by Open, once:
documents get their derived fields (the original's users, rooms, members
and messages then work as they are, passwords included), and sessions
without a key_hash are deleted (this program cannot match them to a
cookie, so their users log in again). Documents are decoded leniently:
missing fields are zero values; a field of the wrong type makes the read
that meets the document fail with an error naming it, never a panic.
Unique indexes fail to build, and Open says so, if two users' names or
emails, or two rooms' names, differ only in case.
*/
package mongo
