package storage

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Message is one message in a room, or a direct message between two
// users. Exactly one of Room and Recipient is set. Text is stored
// verbatim.
type Message struct {
	ID        ID     `json:"_id"`
	Text      string `json:"text"`
	Sender    ID     `json:"sender"`
	Room      ID     `json:"room"`
	Recipient ID     `json:"recipient"`
	// ClientID, if set, is the id its sender's client gave the message,
	// unique per sender: posting again with the same one finds the first
	// (a client that resends what it is not sure was stored).
	ClientID string `json:"client_id,omitempty"`
	// Hook is the incoming webhook that posted the message, if any, and
	// Username the name it posted under; for a user's message, Username
	// is its username when it posted (empty in messages stored before
	// that was kept).
	Hook     ID     `json:"hook"`
	Username string `json:"username,omitempty"`
	// Attachments are cards shown under the text (a hook's Slack-style
	// attachments and blocks); the text holds a plain rendering of them.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Files are the uploads the message carries (see File), at most
	// MaxFilesPerMessage.
	Files []FileInfo `json:"files,omitempty"`
	// Preview is what the page at the text's first link says of itself,
	// once the server has fetched it (see SetPreview).
	Preview *LinkPreview `json:"preview,omitempty"`
	// Reactions are the emoji users put on the message, in the order
	// they were added (see Reaction and AddReaction).
	Reactions []Reaction `json:"reactions,omitempty"`
	// Thread is the root of the thread the message replies to; zero for
	// a message of the conversation itself (see Threads). InRoom marks a
	// reply also shown in the conversation ("also send to the room").
	Thread ID   `json:"thread,omitzero"`
	InRoom bool `json:"in_room,omitempty"`
	// Replies sums up the replies to a thread's root; nil for a message
	// without replies. The store keeps it; it is not written by callers.
	Replies *ThreadSummary `json:"replies,omitempty"`
	Created time.Time      `json:"created"`
	// Edited is when the text was last changed; zero if never.
	Edited time.Time `json:"edited"`
}

// LinkPreview is a page's own title, description, image and site name
// (its OpenGraph or Twitter card tags), shown under the message that
// links to it.
type LinkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Image       string `json:"image,omitempty"`
	SiteName    string `json:"site_name,omitempty"`
	// Removed says the sender took the preview off its message: none is
	// shown, and none is fetched again.
	Removed bool `json:"removed,omitempty"`
}

// Conversation names a stream of messages: a room, or the direct
// messages between two users (A < B, whichever wrote).
type Conversation struct {
	Room ID
	A, B ID
}

// RoomConversation is the conversation of a room.
func RoomConversation(room ID) Conversation { return Conversation{Room: room} }

// DirectConversation is the conversation between two users.
func DirectConversation(u, v ID) Conversation {
	if v.Less(u) {
		u, v = v, u
	}
	return Conversation{A: u, B: v}
}

// IsDirect reports whether c is a direct conversation.
func (c Conversation) IsDirect() bool { return c.Room.IsZero() }

// Conversation returns the conversation m belongs to.
func (m Message) Conversation() Conversation {
	if !m.Room.IsZero() {
		return RoomConversation(m.Room)
	}
	return DirectConversation(m.Sender, m.Recipient)
}

// MessageQuery selects messages of one conversation, always returned
// oldest first. With neither Before nor After, the newest Limit messages;
// with Before, the Limit messages just before it; with After, the Limit
// messages just after it. Before and After may name messages that no
// longer exist: they are positions, not lookups.
//
// Which messages: those of the conversation itself and the replies shown
// in it too (InRoom), unless Thread names a root, which selects that
// thread's replies (in the root's conversation), or AllReplies is set,
// which adds every reply (a client catching up on everything).
type MessageQuery struct {
	Before, After ID
	Limit         int // DefaultLimit if <= 0
	Thread        ID
	AllReplies    bool
}

// DefaultLimit is how many messages Messages and SearchMessages return
// when the query does not say: a screenful, never a whole history, which
// could hold millions.
const DefaultLimit = 50

// LimitOr is limit, or DefaultLimit when limit is not positive.
func LimitOr(limit int) int {
	if limit <= 0 {
		return DefaultLimit
	}
	return limit
}

// SearchQuery finds messages in any of Conversations, newest first:
// those holding every one of Terms (as made by SearchTerms; with no terms,
// every message), sent by Sender if it is set, carrying files if HasFile
// is set, with ids below Before and at or above Since when those are set
// (ids begin with their creation time, so these bound dates too; see
// FirstIDAt).
//
// Terms are served by an index; Sender and HasFile are checked on each
// message that the terms and bounds let through. So that a filter that
// matches little cannot make one call read a whole history, a search
// examines at most Scan of those messages, newest first, and says where
// it stopped (SearchResult.Next).
type SearchQuery struct {
	Terms         []string
	Conversations []Conversation
	Sender        ID
	HasFile       bool
	Before        ID
	Since         ID
	Limit         int // DefaultLimit if <= 0
	Scan          int // DefaultScan if <= 0
}

// DefaultScan is how many messages a search examines at most (see
// SearchQuery) when the query does not say.
const DefaultScan = 5000

// ScanOr is scan, or DefaultScan when scan is not positive.
func ScanOr(scan int) int {
	if scan <= 0 {
		return DefaultScan
	}
	return scan
}

// Filters reports whether q checks messages beyond their terms and ids,
// so that some messages it examines may not be found.
func (q SearchQuery) Filters() bool { return !q.Sender.IsZero() || q.HasFile }

// Admits reports whether a message sent by sender, carrying files or not,
// passes q's Sender and HasFile. Both backends check with it.
func (q SearchQuery) Admits(sender ID, hasFiles bool) bool {
	return (q.Sender.IsZero() || sender == q.Sender) && (!q.HasFile || hasFiles)
}

// SearchResult is one page of a search: the messages found, newest first,
// and Next, the Before of the page after it. Next is the last message
// found when the page is full (Limit messages); otherwise, when the search
// stopped after examining Scan messages, the last message it examined
// (there may be more to find before it, even when it found none); and
// NilID when nothing older is left to examine.
type SearchResult struct {
	Messages []Message
	Next     ID
}

// Hook is a room's webhook. Incoming: whoever holds its secret URL may
// post into Room as Name; only a hash of the secret is stored. Outgoing,
// if set: the room's new messages are sent to a URL, and its answers are
// posted as the hook.
type Hook struct {
	ID         ID        `json:"_id"`
	Room       ID        `json:"room"`
	Creator    ID        `json:"creator"`
	Name       string    `json:"name"`
	SecretHash string    `json:"secret_hash"`
	Created    time.Time `json:"created"`
	Outgoing   *Outgoing `json:"outgoing,omitempty"`
	// Bot is the bot account the hook posts as. Hooks made before hooks
	// had bots have none, and post as their creator under Name.
	Bot ID `json:"bot,omitzero"`
	// OwnBot says that Bot was made for the hook, and goes with it.
	OwnBot bool `json:"own_bot,omitzero"`
}

// Outgoing is where a hook sends its room's messages.
type Outgoing struct {
	// URL receives each new message as a signed POST (http or https).
	URL string `json:"url"`
	// Triggers, if any, limit the messages sent to those whose first
	// word is one of them.
	Triggers []string `json:"triggers,omitempty"`
	// Secret signs each delivery. It is kept as it is, since signing
	// needs it (as Slack keeps its apps' signing secrets).
	Secret string `json:"secret"`
}

// maxTermBytes bounds one indexed word.
const maxTermBytes = 64

// SearchTerms splits text into the words that search indexes and
// matches: letters and digits, lower-cased, accents removed ("Été" and
// "ete" are the same word), each word at most 64 bytes and listed once.
// Every backend indexes with this function, and queries go through it
// too, so that what is found does not depend on the store.
func SearchTerms(text string) []string {
	folded := foldAccents(text)
	seen := map[string]bool{}
	var terms []string
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		w = strings.ToLower(w)
		if len(w) > maxTermBytes {
			w = w[:maxTermBytes]
			for len(w) > 0 && !utf8.ValidString(w) {
				w = w[:len(w)-1]
			}
		}
		if w != "" && !seen[w] {
			seen[w] = true
			terms = append(terms, w)
		}
	}
	return terms
}

// foldAccents decomposes text and drops combining marks.
func foldAccents(s string) string {
	d := norm.NFKD.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}

// ValidUTF8 is s as a store keeps it: each byte of invalid UTF-8 replaced
// by U+FFFD, as encoding/json (the embedded store's records) does. Both
// backends store strings and make index keys in this form, so that a
// string reads back and is found the same way in either.
func ValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
