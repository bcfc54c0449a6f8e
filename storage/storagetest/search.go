package storagetest

import (
	"fmt"

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
		require.Empty(e, e.find("", lobbyConv), "no terms, no results")
		require.Empty(e, e.find(" ,;! ", lobbyConv), "no terms, no results")
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
			return ids(got, messageID)
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
}
