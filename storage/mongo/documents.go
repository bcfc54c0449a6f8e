package mongo

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/makechat/makechat/storage"
)

// The documents of each collection. Field names are the original
// makechat's (the models' JSON names); the fields after the model's are
// derived by this package and never leave it. Zero ids and times are left
// out, as the original left out what it did not know.

type userDoc struct {
	ID           bson.ObjectID `bson:"_id"`
	Username     string        `bson:"username"`
	Email        string        `bson:"email"`
	PasswordHash string        `bson:"password"`
	IsSuperuser  bool          `bson:"is_superuser"`
	IsDisabled   bool          `bson:"is_disabled"`
	Created      time.Time     `bson:"created,omitempty"`
	UsernameKey  string        `bson:"username_key"`
	EmailKey     string        `bson:"email_key"`
	IsBot        bool          `bson:"is_bot,omitempty"`
	Owner        bson.ObjectID `bson:"owner,omitempty"`
	Avatar       string        `bson:"avatar,omitempty"`
	DisplayName  string        `bson:"display_name,omitempty"`
	Status       *statusDoc    `bson:"status,omitempty"`
	HidePresence bool          `bson:"hide_presence,omitempty"`
	LastSeen     time.Time     `bson:"last_seen,omitempty"`
}

// statusDoc is a user's status; a user without one has none (nil, or
// null once one was cleared).
type statusDoc struct {
	Text    string    `bson:"text"`
	Expires time.Time `bson:"expires,omitempty"`
}

func newStatusDoc(s storage.Status) *statusDoc {
	if s.Text == "" && s.Expires.IsZero() {
		return nil
	}
	return &statusDoc{Text: storage.ValidUTF8(s.Text), Expires: s.Expires}
}

func (d *statusDoc) model() storage.Status {
	if d == nil {
		return storage.Status{}
	}
	return storage.Status{Text: d.Text, Expires: d.Expires}
}

func newUserDoc(u storage.User) userDoc {
	return userDoc{
		ID: oid(u.ID), Username: storage.ValidUTF8(u.Username), Email: storage.ValidUTF8(u.Email), PasswordHash: storage.ValidUTF8(u.PasswordHash),
		IsSuperuser: u.IsSuperuser, IsDisabled: u.IsDisabled, Created: u.Created,
		UsernameKey: nameKey(u.Username, u.ID), EmailKey: nameKey(u.Email, u.ID), IsBot: u.IsBot, Owner: oid(u.Owner),
		Avatar: u.Avatar, DisplayName: storage.ValidUTF8(u.DisplayName), Status: newStatusDoc(u.Status),
		HidePresence: u.HidePresence, LastSeen: u.LastSeen,
	}
}

func (d userDoc) model() storage.User {
	return storage.User{
		ID: storage.ID(d.ID), Username: d.Username, Email: d.Email, PasswordHash: d.PasswordHash,
		IsSuperuser: d.IsSuperuser, IsDisabled: d.IsDisabled, Created: d.Created, IsBot: d.IsBot, Owner: storage.ID(d.Owner), Avatar: d.Avatar,
		DisplayName: d.DisplayName, Status: d.Status.model(), HidePresence: d.HidePresence, LastSeen: d.LastSeen,
	}
}

type sessionDoc struct {
	ID      bson.ObjectID `bson:"_id"`
	KeyHash string        `bson:"key_hash"`
	User    bson.ObjectID `bson:"user"`
	Created time.Time     `bson:"created,omitempty"`
	Expires time.Time     `bson:"expires"`
	Address string        `bson:"address,omitempty"`
	Agent   string        `bson:"agent,omitempty"`
}

func newSessionDoc(s storage.Session) sessionDoc {
	return sessionDoc{
		ID: oid(s.ID), KeyHash: storage.ValidUTF8(s.KeyHash), User: oid(s.User), Created: s.Created, Expires: s.Expires,
		Address: storage.ValidUTF8(s.Address), Agent: storage.ValidUTF8(s.Agent),
	}
}

func (d sessionDoc) model() storage.Session {
	return storage.Session{ID: storage.ID(d.ID), KeyHash: d.KeyHash, User: storage.ID(d.User), Created: d.Created, Expires: d.Expires, Address: d.Address, Agent: d.Agent}
}

type tokenDoc struct {
	ID       bson.ObjectID `bson:"_id"`
	User     bson.ObjectID `bson:"user"`
	Name     string        `bson:"name"`
	Hash     string        `bson:"hash"`
	Created  time.Time     `bson:"created,omitempty"`
	LastUsed time.Time     `bson:"last_used,omitempty"`
	HashKey  string        `bson:"hash_key"`
}

func newTokenDoc(t storage.Token) tokenDoc {
	return tokenDoc{
		ID: oid(t.ID), User: oid(t.User), Name: storage.ValidUTF8(t.Name), Hash: storage.ValidUTF8(t.Hash),
		Created: t.Created, LastUsed: t.LastUsed, HashKey: hashKey(t.Hash, t.ID),
	}
}

func (d tokenDoc) model() storage.Token {
	return storage.Token{ID: storage.ID(d.ID), User: storage.ID(d.User), Name: d.Name, Hash: d.Hash, Created: d.Created, LastUsed: d.LastUsed}
}

type roomDoc struct {
	ID        bson.ObjectID   `bson:"_id"`
	Name      string          `bson:"name"`
	Members   []bson.ObjectID `bson:"members"`
	IsOpen    bool            `bson:"is_open"`
	IsVisible bool            `bson:"is_visible"`
	Topic     string          `bson:"topic,omitempty"`
	Created   time.Time       `bson:"created,omitempty"`
	NameKey   string          `bson:"name_key"`
	// Group is a group conversation's users, GroupKey their unique key
	// ("#" + the id for a room that is no group).
	Group    []bson.ObjectID `bson:"group,omitempty"`
	GroupKey string          `bson:"group_key"`
}

func newRoomDoc(r storage.Room) roomDoc {
	members := make([]bson.ObjectID, len(r.Members))
	for i, id := range r.Members {
		members[i] = oid(id)
	}
	return roomDoc{
		ID: oid(r.ID), Name: storage.ValidUTF8(r.Name), Members: members, IsOpen: r.IsOpen, IsVisible: r.IsVisible,
		Topic: storage.ValidUTF8(r.Topic), Created: r.Created, NameKey: nameKey(r.Name, r.ID),
		Group: mapSlice(r.Group, oid), GroupKey: groupKey(r.Group, r.ID),
	}
}

// groupKey is the group_key of a room with the users group.
func groupKey(group []storage.ID, id storage.ID) string {
	if len(group) == 0 {
		return "#" + id.Hex()
	}
	return "=" + storage.GroupKey(group)
}

// model is the room as stored; Room and Rooms reconcile its Members with
// the members collection (see reconcile).
func (d roomDoc) model() storage.Room {
	members := make([]storage.ID, len(d.Members))
	for i, id := range d.Members {
		members[i] = storage.ID(id)
	}
	return storage.Room{ID: storage.ID(d.ID), Name: d.Name, Members: members, IsOpen: d.IsOpen, IsVisible: d.IsVisible, Topic: d.Topic, Created: d.Created,
		Group: mapSlice(d.Group, func(id bson.ObjectID) storage.ID { return storage.ID(id) })}
}

type memberDoc struct {
	ID         bson.ObjectID `bson:"_id"`
	Room       bson.ObjectID `bson:"room"`
	Profile    bson.ObjectID `bson:"profile"`
	Role       string        `bson:"role"`
	Created    time.Time     `bson:"created,omitempty"`
	LastRead   bson.ObjectID `bson:"last_read,omitempty"`
	Muted      bool          `bson:"muted,omitempty"`
	Notify     string        `bson:"notify,omitempty"`
	MutedUntil time.Time     `bson:"muted_until,omitempty"`
}

func newMemberDoc(m storage.Member) memberDoc {
	return memberDoc{ID: oid(m.ID), Room: oid(m.Room), Profile: oid(m.Profile), Role: storage.ValidUTF8(m.Role), Created: m.Created, LastRead: oid(m.LastRead), Muted: m.Muted,
		Notify: storage.ValidUTF8(m.Notify), MutedUntil: m.MutedUntil}
}

func (d memberDoc) model() storage.Member {
	return storage.Member{ID: storage.ID(d.ID), Room: storage.ID(d.Room), Profile: storage.ID(d.Profile), Role: d.Role, Created: d.Created, LastRead: storage.ID(d.LastRead), Muted: d.Muted,
		Notify: d.Notify, MutedUntil: d.MutedUntil}
}

type messageDoc struct {
	ID        bson.ObjectID `bson:"_id"`
	Text      string        `bson:"text"`
	Sender    bson.ObjectID `bson:"sender"`
	Room      bson.ObjectID `bson:"room,omitempty"`
	Recipient bson.ObjectID `bson:"recipient,omitempty"`
	Hook      bson.ObjectID `bson:"hook,omitempty"`
	Username  string        `bson:"username,omitempty"`
	ClientID  string        `bson:"client_id,omitempty"`
	// Attachments are the message's cards, as documents.
	Attachments []attachmentDoc `bson:"attachments,omitempty"`
	Files       []fileInfoDoc   `bson:"files,omitempty"`
	Preview     *previewDoc     `bson:"preview,omitempty"`
	Thread      bson.ObjectID   `bson:"thread,omitempty"`
	InRoom      bool            `bson:"in_room,omitempty"`
	Created     time.Time       `bson:"created,omitempty"`
	Edited      time.Time       `bson:"edited,omitempty"`
	// Conv names the conversation (convKey); Terms are the words search
	// finds the message by (storage.SearchTerms of Text); ClientKey is
	// unique (clientKey).
	Conv      string   `bson:"conv"`
	Terms     []string `bson:"terms"`
	ClientKey string   `bson:"client_key"`
}

func newMessageDoc(m storage.Message) messageDoc {
	text := storage.ValidUTF8(m.Text)
	return messageDoc{
		ID: oid(m.ID), Text: text, Sender: oid(m.Sender), Room: oid(m.Room), Recipient: oid(m.Recipient),
		Hook: oid(m.Hook), Username: storage.ValidUTF8(m.Username), ClientID: m.ClientID, Created: m.Created, Edited: m.Edited,
		Attachments: mapSlice(m.Attachments, newAttachmentDoc), Files: mapSlice(m.Files, newFileInfoDoc),
		Preview: optPreviewDoc(m.Preview), Thread: oid(m.Thread), InRoom: m.InRoom,
		Conv: convKey(m.Conversation()), Terms: terms(text), ClientKey: clientKey(m),
	}
}

// clientKey is what the unique index on client_key holds for m: its
// sender and client id, "<sender hex>:<client id>", or for a message
// without a client id "#<message id hex>", which no other message has.
// (Every message has one, rather than only those with a client id,
// because a unique index counts a missing field as null, and FerretDB
// has no partial indexes.)
func clientKey(m storage.Message) string {
	if m.ClientID == "" {
		return "#" + m.ID.Hex()
	}
	return m.Sender.Hex() + ":" + m.ClientID
}

func (d messageDoc) model() storage.Message {
	return storage.Message{
		ID: storage.ID(d.ID), Text: d.Text, Sender: storage.ID(d.Sender), Room: storage.ID(d.Room),
		Recipient: storage.ID(d.Recipient), Hook: storage.ID(d.Hook), Username: d.Username,
		ClientID: d.ClientID, Created: d.Created, Edited: d.Edited,
		Attachments: mapSlice(d.Attachments, attachmentDoc.model), Files: mapSlice(d.Files, fileInfoDoc.model),
		Preview: d.Preview.model(), Thread: storage.ID(d.Thread), InRoom: d.InRoom,
	}
}

// previewDoc is a message's link preview, under the same field names.
type previewDoc struct {
	URL         string `bson:"url"`
	Title       string `bson:"title,omitempty"`
	Description string `bson:"description,omitempty"`
	Image       string `bson:"image,omitempty"`
	SiteName    string `bson:"site_name,omitempty"`
	Removed     bool   `bson:"removed,omitempty"`
}

func newPreviewDoc(p storage.LinkPreview) previewDoc {
	v := storage.ValidUTF8
	return previewDoc{URL: v(p.URL), Title: v(p.Title), Description: v(p.Description), Image: v(p.Image), SiteName: v(p.SiteName), Removed: p.Removed}
}

func optPreviewDoc(p *storage.LinkPreview) *previewDoc {
	if p == nil {
		return nil
	}
	d := newPreviewDoc(*p)
	return &d
}

func (d *previewDoc) model() *storage.LinkPreview {
	if d == nil {
		return nil
	}
	return &storage.LinkPreview{URL: d.URL, Title: d.Title, Description: d.Description, Image: d.Image, SiteName: d.SiteName, Removed: d.Removed}
}

// attachmentDoc is a message's card (storage.Attachment) as MongoDB
// keeps it, under the same field names.
type attachmentDoc struct {
	Color      string     `bson:"color,omitempty"`
	Pretext    string     `bson:"pretext,omitempty"`
	AuthorName string     `bson:"author_name,omitempty"`
	AuthorLink string     `bson:"author_link,omitempty"`
	Title      string     `bson:"title,omitempty"`
	TitleLink  string     `bson:"title_link,omitempty"`
	Text       string     `bson:"text,omitempty"`
	Fields     []fieldDoc `bson:"fields,omitempty"`
	ImageURL   string     `bson:"image_url,omitempty"`
	ThumbURL   string     `bson:"thumb_url,omitempty"`
	Footer     string     `bson:"footer,omitempty"`
	TS         int64      `bson:"ts,omitempty"`
}

type fieldDoc struct {
	Title string `bson:"title,omitempty"`
	Value string `bson:"value,omitempty"`
	Short bool   `bson:"short,omitempty"`
}

func newAttachmentDoc(a storage.Attachment) attachmentDoc {
	return attachmentDoc{
		Color: a.Color, Pretext: a.Pretext, AuthorName: a.AuthorName, AuthorLink: a.AuthorLink, Title: a.Title,
		TitleLink: a.TitleLink, Text: a.Text, Fields: mapSlice(a.Fields, func(f storage.Field) fieldDoc { return fieldDoc(f) }),
		ImageURL: a.ImageURL, ThumbURL: a.ThumbURL, Footer: a.Footer, TS: a.TS,
	}
}

func (d attachmentDoc) model() storage.Attachment {
	return storage.Attachment{
		Color: d.Color, Pretext: d.Pretext, AuthorName: d.AuthorName, AuthorLink: d.AuthorLink, Title: d.Title,
		TitleLink: d.TitleLink, Text: d.Text, Fields: mapSlice(d.Fields, func(f fieldDoc) storage.Field { return storage.Field(f) }),
		ImageURL: d.ImageURL, ThumbURL: d.ThumbURL, Footer: d.Footer, TS: d.TS,
	}
}

// mapSlice applies f to each element of s; nil stays nil.
func mapSlice[T, U any](s []T, f func(T) U) []U {
	if s == nil {
		return nil
	}
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// terms are the search words of a (clean) text, never nil, so that the
// field is an array even for a text without words.
func terms(text string) []string {
	t := storage.SearchTerms(text)
	if t == nil {
		t = []string{}
	}
	return t
}

// convKey names a conversation: "r" + the room id, or "d" + A + B for the
// direct messages between users A < B, in hex.
func convKey(c storage.Conversation) string {
	if !c.IsDirect() {
		return "r" + c.Room.Hex()
	}
	a, b := c.A, c.B
	if b.Less(a) {
		a, b = b, a
	}
	return "d" + a.Hex() + b.Hex()
}

type hookDoc struct {
	ID         bson.ObjectID `bson:"_id"`
	Room       bson.ObjectID `bson:"room"`
	Creator    bson.ObjectID `bson:"creator"`
	Name       string        `bson:"name"`
	SecretHash string        `bson:"secret_hash"`
	Created    time.Time     `bson:"created,omitempty"`
	SecretKey  string        `bson:"secret_key"`
	Outgoing   *outgoingDoc  `bson:"outgoing,omitempty"`
	Bot        bson.ObjectID `bson:"bot,omitempty"`
	OwnBot     bool          `bson:"own_bot,omitempty"`
}

type outgoingDoc struct {
	URL      string   `bson:"url"`
	Triggers []string `bson:"triggers,omitempty"`
	Secret   string   `bson:"secret"`
}

func newHookDoc(h storage.Hook) hookDoc {
	return hookDoc{
		ID: oid(h.ID), Room: oid(h.Room), Creator: oid(h.Creator), Name: storage.ValidUTF8(h.Name),
		SecretHash: storage.ValidUTF8(h.SecretHash), Created: h.Created, SecretKey: hashKey(h.SecretHash, h.ID),
		Outgoing: (*outgoingDoc)(h.Outgoing), Bot: oid(h.Bot), OwnBot: h.OwnBot,
	}
}

func (d hookDoc) model() storage.Hook {
	return storage.Hook{ID: storage.ID(d.ID), Room: storage.ID(d.Room), Creator: storage.ID(d.Creator), Name: d.Name, SecretHash: d.SecretHash, Created: d.Created,
		Outgoing: (*storage.Outgoing)(d.Outgoing), Bot: storage.ID(d.Bot), OwnBot: d.OwnBot}
}

// partnerDoc records that User and Partner exchanged direct messages;
// there is one each way.
type partnerDoc struct {
	ID      string        `bson:"_id"`
	User    bson.ObjectID `bson:"user"`
	Partner bson.ObjectID `bson:"partner"`
}

// pendingDoc is a deletion in progress: a user or a room whose document is
// (being) deleted and whose dependents may not all be gone yet.
type pendingDoc struct {
	ID   bson.ObjectID `bson:"_id"`
	Kind string        `bson:"kind"`
}

const (
	pendingUser = "user"
	pendingRoom = "room"
)

type inviteDoc struct {
	ID         bson.ObjectID   `bson:"_id"`
	SecretHash string          `bson:"secret_hash"`
	Rooms      []bson.ObjectID `bson:"rooms"`
	MaxUses    int             `bson:"max_uses"`
	// Uses is not kept here but counted from invite_uses (see UseInvite).
	Expires   time.Time     `bson:"expires,omitempty"`
	CreatedBy bson.ObjectID `bson:"created_by"`
	Created   time.Time     `bson:"created,omitempty"`
	SecretKey string        `bson:"secret_key"`
}

func newInviteDoc(in storage.Invite) inviteDoc {
	rooms := make([]bson.ObjectID, len(in.Rooms))
	for i, id := range in.Rooms {
		rooms[i] = oid(id)
	}
	return inviteDoc{
		ID: oid(in.ID), SecretHash: storage.ValidUTF8(in.SecretHash), Rooms: rooms, MaxUses: in.MaxUses,
		Expires: in.Expires, CreatedBy: oid(in.CreatedBy), Created: in.Created, SecretKey: hashKey(in.SecretHash, in.ID),
	}
}

func (d inviteDoc) model() storage.Invite {
	rooms := make([]storage.ID, len(d.Rooms))
	for i, id := range d.Rooms {
		rooms[i] = storage.ID(id)
	}
	return storage.Invite{
		ID: storage.ID(d.ID), SecretHash: d.SecretHash, Rooms: rooms, MaxUses: d.MaxUses,
		Expires: d.Expires, CreatedBy: storage.ID(d.CreatedBy), Created: d.Created,
	}
}
