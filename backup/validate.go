package backup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
)

// The longest line (newline included) each collection's file may hold.
// Each is several times what the largest record any makechat writes takes
// even with every character \u-escaped (12 bytes for a character outside
// the Basic Multilingual Plane), so that no real backup comes near them
// and a hostile one cannot make a restore hold more.
const (
	// maxSmallRecord bounds users, sessions, tokens, members and hooks:
	// ids, times, flags, hashes, a name or username of at most 150
	// characters, an email of at most 320 bytes and a password hash of
	// at most 255 take under 6 KiB, fully escaped.
	maxSmallRecord = 16 << 10
	// maxMessageRecord bounds messages: 10,000 characters of text take at
	// most 120,000 bytes escaped, the name a hook posts under 1,440, the
	// cards storage.MaxAttachmentBytes (256 KiB), the ids and times a few
	// hundred, and each of storage.MaxReactions reactions under 2.5 KiB
	// (an emoji of 64 bytes and a username of 150 characters escaped,
	// a user id and a time).
	maxMessageRecord = 4 << 20
	// maxRoomRecord bounds rooms, which list their members' ids (36 bytes
	// each): 4 MiB holds over 110,000 members, ten times the connections
	// one small server carries.
	maxRoomRecord = 4 << 20
)

// maxRecord is the longest line of coll's file.
func maxRecord(coll string) int {
	switch coll {
	case storage.CollMessages:
		return maxMessageRecord
	case storage.CollRooms:
		return maxRoomRecord
	}
	return maxSmallRecord
}

// recentWindow is how many of a file's latest record ids are remembered
// to refuse a repeated one. A small file that inflates to a huge one
// repeats itself within deflate's 32 KiB reach, and no record is shorter
// than 40 bytes, so such a file repeats a record within its last 820:
// remembering 1024 refuses it at the first repeat instead of after
// inflating all of it. (The store's own unique keys catch any other
// repeated id when it is imported.)
const recentWindow = 1024

// Finding names one record of a backup and what is irregular about it.
type Finding struct {
	File string     // the collection's file, such as "users.jsonl"
	Line int        // its line in the file, from 1
	ID   storage.ID // NilID when the record has none, or could not be read
	// What says what is irregular, field first, such as `email "x" has
	// no '@'`; several faults of one record are joined by "; ".
	What string
}

// String is the finding as one line: `users.jsonl line 3 (_id …): …`.
func (f Finding) String() string {
	id := ""
	if !f.ID.IsZero() {
		id = " (_id " + f.ID.Hex() + ")"
	}
	return fmt.Sprintf("%s line %d%s: %s", f.File, f.Line, id, f.What)
}

// RecordError refuses a backup for the first record in it that no
// makechat ever wrote (or that the stores cannot work with). It wraps
// ErrCorrupt: such a file is damaged, or was not written by makechat.
type RecordError struct{ Finding }

func (e *RecordError) Error() string { return e.Finding.String() }

// Unwrap makes errors.Is(err, ErrCorrupt) hold.
func (e *RecordError) Unwrap() error { return ErrCorrupt }

// check decodes one line of coll's file and applies storage's rules to it
// (storage/validate.go). It returns the record, what in it only an older
// makechat allowed, and the first fault that refuses it ("" if none).
func check(coll string, line []byte) (rec storage.Record, legacy []string, bad string) {
	if !utf8.Valid(line) {
		return rec, nil, "the record is not valid UTF-8"
	}
	rec, err := storage.DecodeRecord(coll, line)
	if err != nil {
		return rec, nil, decodeFault(err)
	}
	var c checker
	c.ref("_id", rec.ID())
	switch v := rec.Value.(type) {
	case storage.User:
		c.field("username", v.Username, storage.CheckUsername(v.Username))
		if v.IsBot {
			c.field("email", v.Email, storage.CheckBotEmpty(v.Email))
			c.hidden("password", storage.CheckBotEmpty(v.PasswordHash))
		} else {
			c.field("email", v.Email, storage.CheckEmail(v.Email))
			c.hidden("password", storage.CheckPasswordHash(v.PasswordHash))
		}
		if v.Avatar != "" && !storage.IsBlobName(v.Avatar) {
			c.fail("avatar is not a SHA-256 in hex")
		}
		c.field("display_name", v.DisplayName, storage.CheckDisplayName(v.DisplayName))
		c.field("status.text", v.Status.Text, storage.CheckStatusText(v.Status.Text))
		if v.Status.Text == "" && !v.Status.Expires.IsZero() {
			c.fail("status has an expiry but no text")
		}
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Session:
		c.ref("user", v.User)
		c.hidden("key_hash", storage.CheckKeyHash(v.KeyHash))
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Token:
		c.ref("user", v.User)
		c.field("name", v.Name, storage.CheckName(v.Name))
		c.hidden("hash", storage.CheckTokenHash(v.Hash))
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Room:
		if v.IsGroup() {
			if err := storage.CheckGroup(v.Group); err != nil {
				c.fail("group " + err.Error())
			}
			if v.Name != "" {
				c.fail("a group conversation has a name")
			}
		} else {
			c.field("name", v.Name, storage.CheckName(v.Name))
		}
		if v.Topic != "" {
			c.field("topic", v.Topic, storage.CheckTopic(v.Topic))
		}
		for i, id := range v.Members {
			if id.IsZero() {
				c.fail(fmt.Sprintf("members[%d] is missing", i))
			}
		}
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Member:
		c.ref("room", v.Room)
		c.ref("profile", v.Profile)
		c.field("role", v.Role, storage.CheckRole(v.Role))
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Message:
		c.ref("sender", v.Sender)
		switch {
		case v.Room.IsZero() && v.Recipient.IsZero():
			c.fail("the message has neither a room nor a recipient")
		case !v.Room.IsZero() && !v.Recipient.IsZero():
			c.fail("the message has both a room and a recipient")
		}
		if v.Text != "" || len(v.Files) == 0 {
			c.hidden("text", storage.CheckMessageText(v.Text))
		}
		if len(v.Files) > storage.MaxFilesPerMessage {
			c.fail(fmt.Sprintf("the message carries %d files, at most %d", len(v.Files), storage.MaxFilesPerMessage))
		}
		if p := v.Preview; p != nil && (p.URL != "" && !storage.IsWebLink(p.URL) || p.Image != "" && !storage.IsWebLink(p.Image)) {
			c.fail("preview has a url or image that is not a web link")
		}
		for i, f := range v.Files {
			if f.ID.IsZero() || !storage.IsBlobName(f.SHA256) {
				c.fail(fmt.Sprintf("files[%d] has no id or no SHA-256", i))
			}
		}
		if v.ClientID != "" {
			c.field("client_id", v.ClientID, storage.CheckClientID(v.ClientID))
		}
		if !v.Hook.IsZero() || v.Username != "" {
			c.field("username", v.Username, storage.CheckName(v.Username))
		}
		c.hidden("attachments", storage.CheckAttachments(v.Attachments))
		c.hidden("reactions", storage.CheckReactions(v.Reactions))
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Hook:
		c.ref("room", v.Room)
		c.ref("creator", v.Creator)
		c.field("name", v.Name, storage.CheckName(v.Name))
		c.hidden("secret_hash", storage.CheckKeyHash(v.SecretHash))
		c.hidden("outgoing", storage.CheckOutgoing(v.Outgoing))
		if !v.Bot.IsZero() {
			c.ref("bot", v.Bot)
		}
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.PushSubscription:
		c.ref("user", v.User)
		if err := storage.CheckPushSubscription(v); err != nil {
			c.fail("the push subscription " + err.Error())
		}
	case storage.ReadState:
		c.ref("user", v.User)
		if err := storage.CheckReadKey(v.Key()); err != nil {
			c.fail("the read state " + err.Error())
		}
	case storage.File:
		c.ref("owner", v.Owner)
		c.field("name", v.Name, storage.CheckFileName(v.Name))
		c.hidden("file", storage.CheckFile(v))
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Command:
		c.field("name", v.Name, storage.CheckCommandName(v.Name))
		if !storage.IsWebLink(v.URL) || strings.HasPrefix(v.URL, "mailto:") {
			c.fail("url is not an http or https URL")
		}
		c.hidden("token", storage.CheckSecret(v.Token))
		c.hidden("created", storage.CheckCreated(v.Created))
	case storage.Invite:
		c.ref("created_by", v.CreatedBy)
		c.hidden("secret_hash", storage.CheckKeyHash(v.SecretHash))
		for i, id := range v.Rooms {
			if id.IsZero() {
				c.fail(fmt.Sprintf("rooms[%d] is missing", i))
			}
		}
		if v.MaxUses < 0 || v.Uses < 0 {
			c.fail("max_uses and uses must not be negative")
		}
		c.hidden("created", storage.CheckCreated(v.Created))
	}
	return rec, c.legacy, c.bad
}

// checker gathers what storage's rules say of one record's fields.
type checker struct {
	bad    string   // the first fault that refuses the record
	legacy []string // the values only an older makechat allowed
}

// field notes err, a rule's verdict on the named field, quoting its
// value in what it reports.
func (c *checker) field(name, value string, err error) {
	if err != nil {
		c.note(name+" "+quote(value), err)
	}
}

// hidden notes err for a field whose value a report must not show (a
// hash) or would gain nothing by showing (a text of 10,000 characters,
// a missing time).
func (c *checker) hidden(name string, err error) {
	if err != nil {
		c.note(name, err)
	}
}

// note files a fault of subject as legacy or as the record's refusal.
func (c *checker) note(subject string, err error) {
	switch {
	case c.bad != "":
	case errors.Is(err, storage.ErrLegacy):
		c.legacy = append(c.legacy, subject+" "+err.Error())
	default:
		c.bad = subject + " " + err.Error()
	}
}

// ref refuses a zero id where every record has one.
func (c *checker) ref(name string, id storage.ID) {
	if id.IsZero() {
		c.fail(name + " is missing")
	}
}

func (c *checker) fail(what string) {
	if c.bad == "" {
		c.bad = what
	}
}

// decodeFault says why a line did not decode, naming the field of a
// value of the wrong type.
func decodeFault(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s is a JSON %s, not %s", te.Field, te.Value, te.Type)
	}
	return "the record does not decode: " + err.Error()
}

// quote is s in Go syntax, so that control and invisible characters show
// as escapes, cut to its first 40 characters.
func quote(s string) string {
	const most = 40
	i := 0
	for n := 0; n < most && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if i < len(s) {
		return strconv.Quote(s[:i]) + "…"
	}
	return strconv.Quote(s)
}

// leadingID is the id a line starts with in the form backups write
// ({"_id":{"$oid":"…"}), so that a record refused before it decodes can
// still be named; NilID otherwise.
func leadingID(line []byte) storage.ID {
	const oidLen = len(`{"$oid":"0123456789abcdef01234567"}`)
	var id storage.ID
	rest, ok := bytes.CutPrefix(line, []byte(`{"_id":`))
	if !ok || len(rest) < oidLen || id.UnmarshalJSON(rest[:oidLen]) != nil {
		return storage.NilID
	}
	return id
}

// recentIDs remembers the ids of a file's latest recentWindow records.
type recentIDs struct {
	ring [recentWindow]storage.ID
	line map[storage.ID]int
	next int
}

// add remembers that line holds id and returns the line of a recent
// record with the same id, or 0.
func (r *recentIDs) add(id storage.ID, line int) int {
	if r.line == nil {
		r.line = make(map[storage.ID]int, recentWindow)
	}
	if prev, ok := r.line[id]; ok {
		return prev
	}
	if len(r.line) == recentWindow {
		delete(r.line, r.ring[r.next])
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % recentWindow
	r.line[id] = line
	return 0
}

// uniques refuses, before anything is written, a record that repeats a
// value the stores keep unique: an id, a username or email, a room name,
// a session, token or hook hash, a user's membership of a room. Without
// it a restore --force would clear the store for a file whose import
// then fails on the duplicate. It remembers a 64-bit hash of each value
// of the small collections (about 40 bytes each: users, sessions,
// tokens, rooms, members and hooks, and the client ids of messages);
// message ids, which every makechat backup writes in id order, need only
// the last one.
type uniques struct {
	seed        maphash.Seed
	seen        map[uint64]int // hash of file, kind and value → its line
	lastMessage storage.ID
}

func newUniques() *uniques {
	return &uniques{seed: maphash.MakeSeed(), seen: map[uint64]int{}}
}

// check returns why r repeats a unique value ("" if it does not).
func (u *uniques) check(file string, r record) string {
	if m, ok := r.Value.(storage.Message); ok {
		if !u.lastMessage.Less(m.ID) {
			return "_id is not after the previous message's: a makechat backup writes messages in id order, each once"
		}
		u.lastMessage = m.ID
		if m.ClientID == "" {
			return ""
		}
	}
	keys := []struct{ kind, value string }{{"_id", r.ID().Hex()}}
	switch v := r.Value.(type) {
	case storage.Message:
		keys = []struct{ kind, value string }{{"sender and client_id", v.Sender.Hex() + v.ClientID}}
	case storage.User:
		keys = append(keys, struct{ kind, value string }{"username", strings.ToLower(v.Username)})
		if v.Email != "" {
			keys = append(keys, struct{ kind, value string }{"email", strings.ToLower(v.Email)})
		}
	case storage.Session:
		keys = append(keys, struct{ kind, value string }{"key_hash", v.KeyHash})
	case storage.Token:
		if v.Hash != "" {
			keys = append(keys, struct{ kind, value string }{"hash", v.Hash})
		}
	case storage.Room:
		if v.IsGroup() {
			keys = append(keys, struct{ kind, value string }{"group", storage.GroupKey(v.Group)})
		} else {
			keys = append(keys, struct{ kind, value string }{"name", strings.ToLower(v.Name)})
		}
	case storage.Command:
		keys = append(keys, struct{ kind, value string }{"name", strings.ToLower(v.Name)})
	case storage.Member:
		keys = append(keys, struct{ kind, value string }{"room and profile", v.Room.Hex() + v.Profile.Hex()})
	case storage.Hook:
		keys = append(keys, struct{ kind, value string }{"secret_hash", v.SecretHash})
	case storage.PushSubscription:
		keys = append(keys, struct{ kind, value string }{"endpoint", storage.EndpointKey(v.Endpoint)})
	case storage.ReadState:
		keys = append(keys, struct{ kind, value string }{"user with thread or peer", v.User.Hex() + v.Thread.Hex() + v.Peer.Hex()})
	case storage.Invite:
		keys = append(keys, struct{ kind, value string }{"secret_hash", v.SecretHash})
	}
	for _, k := range keys {
		h := maphash.String(u.seed, file+"\x00"+k.kind+"\x00"+k.value)
		if prev, ok := u.seen[h]; ok {
			return fmt.Sprintf("%s repeats that of line %d, which must be unique", k.kind, prev)
		}
		u.seen[h] = r.line
	}
	return ""
}
