package storagetest

import (
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

var searchScenarios = []scenario{
	{"Search ignores case and accents", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		c := storage.RoomConversation(r.ID)
		m := e.say(r, alice, "Un CAFÉ crème, s'il vous plaît")
		for _, q := range []string{"cafe", "Café", "CAFE", "creme", "plait", "s il", "café CRÈME"} {
			require.Equal(e, []storage.ID{m.ID}, e.find(q, c), "query %q", q)
		}
		require.Empty(e, e.find("caf", c), "words match whole, not by prefix")
	}},
	{"Search requires every term", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		c := storage.RoomConversation(r.ID)
		both := e.say(r, alice, "red apples")
		red := e.say(r, alice, "red pears")
		apples := e.say(r, alice, "green apples")
		require.Equal(e, []storage.ID{both.ID}, e.find("apples red", c))
		require.Equal(e, []storage.ID{red.ID, both.ID}, e.find("red", c))
		require.Equal(e, []storage.ID{apples.ID, both.ID}, e.find("apples apples", c))
		require.Empty(e, e.find("red green", c))
		require.Empty(e, e.find("red bananas", c), "a term nobody wrote finds nothing")
	}},
	{"Search looks only in the given conversations", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		lobby, _ := e.newRoom("lobby", alice)
		secret, _ := e.newRoom("secret", bob)
		inLobby := e.say(lobby, alice, "launch date")
		e.say(secret, bob, "launch date, secretly")
		direct := e.dm(alice, bob, "launch date, directly")
		lobbyConv := storage.RoomConversation(lobby.ID)
		require.Equal(e, []storage.ID{inLobby.ID}, e.find("launch", lobbyConv))
		require.Equal(e, []storage.ID{direct.ID, inLobby.ID}, e.find("launch", lobbyConv, storage.DirectConversation(bob.ID, alice.ID)))
		require.Empty(e, e.find("launch"), "no conversations, no results")
		require.Empty(e, e.find("launch", storage.RoomConversation(e.ids.New())))
		require.Equal(e, []storage.ID{inLobby.ID}, e.find("", lobbyConv), "no terms: every message")
		require.Equal(e, []storage.ID{inLobby.ID}, e.find(" ,;! ", lobbyConv), "no terms: every message")
	}},
	{"Search returns newest first, pages with Before and stops at Limit", func(e *env) {
		alice := e.newUser("alice")
		lobby, _ := e.newRoom("lobby", alice)
		hall, _ := e.newRoom("hall", alice)
		convs := []storage.Conversation{storage.RoomConversation(lobby.ID), storage.RoomConversation(hall.ID)}
		// Matches alternate between two rooms, between messages that do
		// not match.
		var want []storage.ID
		for i := range 60 {
			room := []storage.Room{lobby, hall}[i%2]
			m := e.say(room, alice, fmt.Sprintf("status report %d", i))
			e.say(room, alice, "nothing to see")
			want = append(want, m.ID)
		}
		want = reversed(want)
		search := func(before storage.ID, limit int) []storage.ID {
			got, err := e.s.SearchMessages(e.ctx(), storage.SearchQuery{
				Terms: []string{"status", "report"}, Conversations: convs, Before: before, Limit: limit,
			})
			require.NoError(e, err)
			return ids(got.Messages, messageID)
		}
		require.Equal(e, want[:defaultLimit], search(storage.NilID, 0), "50 when Limit is not set")
		require.Equal(e, want[:7], search(storage.NilID, 7))
		var paged []storage.ID
		for before, n := storage.NilID, 0; ; n++ {
			require.Less(e, n, 10, "paging does not end")
			page := search(before, 25)
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			before = page[len(page)-1]
		}
		require.Equal(e, want, paged)
		require.Equal(e, want[11:14], search(want[10], 3))
	}},
	{"Search of a long history finds the few messages holding every term", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		c := storage.RoomConversation(r.ID)
		// "rare" is in every 40th message, "common" in most; the result is
		// their intersection, whichever term comes first.
		msgs := e.sayMany(r, alice, 400, func(i int) string {
			text := "filler"
			if i%3 != 0 {
				text += " common"
			}
			if i%40 == 1 {
				text += " rare"
			}
			return text
		})
		var want []storage.ID
		for i, m := range msgs {
			if i%3 != 0 && i%40 == 1 {
				want = append(want, m.ID)
			}
		}
		want = reversed(want)
		require.Equal(e, want, e.find("common rare", c))
		require.Equal(e, want, e.find("rare common", c))
		require.Equal(e, want, e.find("rare filler common", c))
	}},
	{"Search with no terms lists the conversations' messages newest first", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		lobby, _ := e.newRoom("lobby", alice)
		hall, _ := e.newRoom("hall", alice)
		other, _ := e.newRoom("other", bob)
		convs := []storage.Conversation{storage.RoomConversation(lobby.ID), storage.DirectConversation(alice.ID, bob.ID), storage.RoomConversation(hall.ID)}
		var want []storage.ID
		for i := range 12 {
			switch i % 4 {
			case 0:
				want = append(want, e.say(lobby, alice, fmt.Sprint("lobby ", i)).ID)
			case 1:
				want = append(want, e.dm(bob, alice, fmt.Sprint("direct ", i)).ID)
			case 2:
				want = append(want, e.say(hall, alice, fmt.Sprint("hall ", i)).ID)
			default:
				e.say(other, bob, fmt.Sprint("elsewhere ", i))
			}
		}
		want = reversed(want)
		found, next := e.search(storage.SearchQuery{Conversations: convs})
		require.Equal(e, want, found)
		require.Equal(e, storage.NilID, next, "nothing older is left")
		found, next = e.search(storage.SearchQuery{Conversations: convs, Limit: 4})
		require.Equal(e, want[:4], found)
		require.Equal(e, want[3], next, "a full page goes on after its last message")
		found, _ = e.search(storage.SearchQuery{Conversations: convs, Before: next, Limit: 4})
		require.Equal(e, want[4:8], found)
		found, _ = e.search(storage.SearchQuery{Conversations: append(convs, convs...), Before: want[5]})
		require.Equal(e, want[6:], found, "a conversation given twice is walked once")
	}},
	{"Search by Sender finds that sender's messages only, with or without terms", func(e *env) {
		alice, bob, carol := e.newUser("alice"), e.newUser("bob"), e.newUser("carol")
		r, _ := e.newRoom("lobby", alice)
		c := storage.RoomConversation(r.ID)
		var fromBob, fromBobAboutLunch []storage.ID
		for i := range 9 {
			switch i % 3 {
			case 0:
				e.say(r, alice, "lunch soon?")
			case 1:
				m := e.say(r, bob, "lunch at noon")
				fromBob, fromBobAboutLunch = append(fromBob, m.ID), append(fromBobAboutLunch, m.ID)
			default:
				fromBob = append(fromBob, e.say(r, bob, "deploy done").ID)
			}
		}
		direct := e.dm(bob, alice, "lunch, privately")
		found, _ := e.search(storage.SearchQuery{Conversations: []storage.Conversation{c}, Sender: bob.ID})
		require.Equal(e, reversed(fromBob), found)
		found, _ = e.search(storage.SearchQuery{Terms: []string{"lunch"}, Conversations: []storage.Conversation{c}, Sender: bob.ID})
		require.Equal(e, reversed(fromBobAboutLunch), found)
		found, _ = e.search(storage.SearchQuery{Terms: []string{"lunch"}, Conversations: []storage.Conversation{c, direct.Conversation()}, Sender: bob.ID, Limit: 2})
		require.Equal(e, []storage.ID{direct.ID, fromBobAboutLunch[2]}, found)
		found, next := e.search(storage.SearchQuery{Conversations: []storage.Conversation{c}, Sender: carol.ID})
		require.Empty(e, found, "a sender who said nothing there")
		require.Equal(e, storage.NilID, next)
	}},
	{"Search with HasFile finds the messages that carry files", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		c := []storage.Conversation{storage.RoomConversation(r.ID)}
		e.say(r, alice, "the report, soon")
		withFile, err := e.sayWithFiles(r, alice, "the report", e.newFile(alice, "report.pdf", []byte("pdf")))
		require.NoError(e, err)
		e.say(r, bob, "thanks for the report")
		onlyFiles, err := e.sayWithFiles(r, bob, "", e.newFile(bob, "a.png", []byte("png")), e.newFile(bob, "b.png", []byte("png2")))
		require.NoError(e, err)
		e.say(r, bob, "nice pictures")
		found, _ := e.search(storage.SearchQuery{Conversations: c, HasFile: true})
		require.Equal(e, []storage.ID{onlyFiles.ID, withFile.ID}, found)
		found, _ = e.search(storage.SearchQuery{Terms: []string{"report"}, Conversations: c, HasFile: true})
		require.Equal(e, []storage.ID{withFile.ID}, found)
		found, _ = e.search(storage.SearchQuery{Conversations: c, HasFile: true, Sender: bob.ID})
		require.Equal(e, []storage.ID{onlyFiles.ID}, found)
		found, _ = e.search(storage.SearchQuery{Terms: []string{"thanks"}, Conversations: c, HasFile: true})
		require.Empty(e, found)
	}},
	{"Search between ids finds the messages of a span of days", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		c := []storage.Conversation{storage.RoomConversation(r.ID)}
		day := func(d int) time.Time { return time.Date(2025, time.November, d, 0, 0, 0, 0, time.UTC) }
		lastOfOct := e.sayAt(r, alice, "news of october", day(1).Add(-time.Second))
		firstOfNov := e.sayAt(r, alice, "news of november", day(1))
		midNov := e.sayAt(r, alice, "more news", day(15).Add(13*time.Hour))
		lastOfNov := e.sayAt(r, alice, "last news of november", day(31).Add(-time.Second))
		firstOfDec := e.sayAt(r, alice, "news of december", day(31))
		since, before := storage.FirstIDAt(day(1)), storage.FirstIDAt(day(31))
		found, _ := e.search(storage.SearchQuery{Conversations: c, Since: since, Before: before})
		require.Equal(e, []storage.ID{lastOfNov.ID, midNov.ID, firstOfNov.ID}, found, "November, from its first second to its last")
		found, _ = e.search(storage.SearchQuery{Terms: []string{"news"}, Conversations: c, Since: since})
		require.Equal(e, []storage.ID{firstOfDec.ID, lastOfNov.ID, midNov.ID, firstOfNov.ID}, found)
		found, _ = e.search(storage.SearchQuery{Terms: []string{"news"}, Conversations: c, Before: since})
		require.Equal(e, []storage.ID{lastOfOct.ID}, found)
		found, _ = e.search(storage.SearchQuery{Terms: []string{"news"}, Conversations: c, Since: before, Before: since})
		require.Empty(e, found, "an empty span")
		found, next := e.search(storage.SearchQuery{Conversations: c, Since: since, Limit: 2})
		require.Equal(e, []storage.ID{firstOfDec.ID, lastOfNov.ID}, found)
		found, next = e.search(storage.SearchQuery{Conversations: c, Since: since, Before: next, Limit: 2})
		require.Equal(e, []storage.ID{midNov.ID, firstOfNov.ID}, found)
		found, _ = e.search(storage.SearchQuery{Conversations: c, Since: since, Before: next, Limit: 2})
		require.Empty(e, found, "paging stops at Since")
	}},
	{"Search examines at most Scan messages and says where it stopped", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		c := []storage.Conversation{storage.RoomConversation(r.ID)}
		// Newest first, bob's messages are the 3rd, 6th, 9th... of the
		// room's 24; "rare" is in the second oldest, alice's.
		var all, fromBob []storage.ID
		for i := range 24 {
			from, text := alice, "status ok"
			if i%3 == 0 {
				from = bob
			}
			if i == 1 {
				text = "status rare"
			}
			m := e.say(r, from, text)
			all = append(all, m.ID)
			if from == bob {
				fromBob = append(fromBob, m.ID)
			}
		}
		all, fromBob = reversed(all), reversed(fromBob)
		found, next := e.search(storage.SearchQuery{Conversations: c, Sender: bob.ID, Scan: 6})
		require.Equal(e, fromBob[:2], found, "bob's among the 6 newest")
		require.Equal(e, all[5], next, "the last message examined")
		found, next = e.search(storage.SearchQuery{Conversations: c, Sender: alice.ID, Scan: 6, Limit: 2})
		require.Equal(e, all[:2], found)
		require.Equal(e, all[1], next, "a full page goes on after its last message")
		found, next = e.search(storage.SearchQuery{Conversations: c, Sender: bob.ID, Scan: 2})
		require.Empty(e, found, "nothing of bob's among the 2 newest")
		require.Equal(e, all[1], next, "but there may be more before")
		found, next = e.search(storage.SearchQuery{Terms: []string{"status"}, Conversations: c, Scan: 3, Limit: 10})
		require.Equal(e, all[:3], found, "without a filter, Scan bounds the page too")
		require.Equal(e, all[2], next)
		found, next = e.search(storage.SearchQuery{Terms: []string{"rare"}, Conversations: c, Sender: bob.ID, Scan: 1})
		require.Empty(e, found)
		require.Equal(e, all[22], next, "the scan counts the messages the terms let through")
		found, next = e.search(storage.SearchQuery{Terms: []string{"rare"}, Conversations: c, Sender: bob.ID, Scan: 1, Before: next})
		require.Empty(e, found)
		require.Equal(e, storage.NilID, next, "nothing older is left")

		// Paging by Next, five messages examined at a time, finds what one
		// search that examines them all finds.
		var paged []storage.ID
		before := storage.NilID
		for n := 0; ; n++ {
			require.Less(e, n, 10, "paging does not end")
			found, next := e.search(storage.SearchQuery{Conversations: c, Sender: bob.ID, Before: before, Scan: 5})
			paged = append(paged, found...)
			if next.IsZero() {
				break
			}
			before = next
		}
		require.Equal(e, fromBob, paged)
	}},
}
