package storagetest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// world is a small store's worth of every kind of object, as the store
// should hold it once made.
type world struct {
	alice, bob, gone storage.User
	session          storage.Session
	token            storage.Token
	room, hidden     storage.Room
	owner, bobMember storage.Member
	hook             storage.Hook
	invite           storage.Invite
	said, dm, orphan storage.Message
}

// newWorld fills the store with one of everything, including a direct
// message whose other user has been deleted and a read marker.
func (e *env) newWorld() world {
	e.Helper()
	var w world
	w.alice, w.bob, w.gone = e.newUser("alice"), e.newUser("bob"), e.newUser("gone")
	w.alice = e.setProfile(w.alice, "Alice Martin", storage.Status{Text: "🏖️ Away", Expires: time.Now().Add(time.Hour)})
	w.session = e.newSession(w.alice, time.Now().Add(time.Hour))
	w.token = e.newToken(w.bob, "bot")
	w.room, w.owner = e.newRoom("général", w.alice)
	w.hidden, _ = e.newRoom("hidden", w.bob)
	w.bobMember = e.join(w.room, w.bob)
	w.room.Members = append(w.room.Members, w.bobMember.ID)
	w.hook = e.newHook(w.room, w.alice, "ci")
	w.invite = e.newInvite(w.alice, w.room.ID, w.hidden.ID)
	e.newInvite(w.gone) // goes with its maker
	w.said = e.say(w.room, w.alice, "Été à Zürich")
	w.dm = e.dm(w.alice, w.bob, "psst")
	w.orphan = e.dm(w.gone, w.alice, "bye")
	require.NoError(e, e.s.DeleteUser(e.ctx(), w.gone.ID))
	var err error
	w.bobMember, err = e.s.SetReadMarker(e.ctx(), w.bobMember.ID, w.said.ID)
	require.NoError(e, err)
	return w
}

// export collects everything Export gives, failing the test on error.
func export(e *env, s storage.Store) []storage.Record {
	e.Helper()
	var recs []storage.Record
	require.NoError(e, s.Export(e.ctx(), func(r storage.Record) error {
		recs = append(recs, r)
		return nil
	}))
	return recs
}

// byCollection groups records by collection, checking that each holds
// its collection's model type.
func byCollection(e *env, recs []storage.Record) map[string][]any {
	e.Helper()
	out := map[string][]any{}
	for _, r := range recs {
		var ok bool
		switch r.Collection {
		case storage.CollUsers:
			_, ok = r.Value.(storage.User)
		case storage.CollSessions:
			_, ok = r.Value.(storage.Session)
		case storage.CollTokens:
			_, ok = r.Value.(storage.Token)
		case storage.CollRooms:
			_, ok = r.Value.(storage.Room)
		case storage.CollMembers:
			_, ok = r.Value.(storage.Member)
		case storage.CollMessages:
			_, ok = r.Value.(storage.Message)
		case storage.CollHooks:
			_, ok = r.Value.(storage.Hook)
		case storage.CollInvites:
			_, ok = r.Value.(storage.Invite)
		}
		require.True(e, ok, "record of %q holds a %T", r.Collection, r.Value)
		out[r.Collection] = append(out[r.Collection], r.Value)
	}
	return out
}

var exportScenarios = []scenario{
	{"an empty store exports nothing and counts zero", func(e *env) {
		require.Empty(e, export(e, e.s))
		counts, err := e.s.Counts(e.ctx())
		require.NoError(e, err)
		for _, c := range storage.Collections {
			require.Equal(e, 0, counts[c], c)
		}
	}},
	{"export visits collections in order and counts agree", func(e *env) {
		e.newWorld()
		recs := export(e, e.s)
		order := map[string]int{}
		for i, c := range storage.Collections {
			order[c] = i
		}
		require.True(e, sort.SliceIsSorted(recs, func(i, j int) bool {
			return order[recs[i].Collection] < order[recs[j].Collection]
		}), "collections out of order")
		groups := byCollection(e, recs)
		counts, err := e.s.Counts(e.ctx())
		require.NoError(e, err)
		want := map[string]int{
			storage.CollUsers: 2, storage.CollSessions: 1, storage.CollTokens: 1,
			storage.CollRooms: 2, storage.CollMembers: 3, storage.CollMessages: 3, storage.CollHooks: 1,
			storage.CollInvites: 1,
		}
		for _, c := range storage.Collections {
			require.Equal(e, want[c], len(groups[c]), "exported %s", c)
			require.Equal(e, want[c], counts[c], "counted %s", c)
		}
	}},
	{"import into a fresh store gives back every object and its indexes", func(e *env) {
		w := e.newWorld()
		dst := e.open(e.T)
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		c := e.ctx()

		u, err := dst.UserByName(c, "ALICE")
		require.NoError(e, err)
		same(e, w.alice, u)
		_, err = dst.User(c, w.gone.ID)
		notFound(e, err)
		sess, err := dst.SessionByKey(c, w.session.KeyHash)
		require.NoError(e, err)
		same(e, w.session, sess)
		tok, err := dst.TokenByHash(c, w.token.Hash)
		require.NoError(e, err)
		same(e, w.token, tok)
		toks, err := dst.Tokens(c, w.bob.ID)
		require.NoError(e, err)
		sameList(e, []storage.Token{w.token}, toks)
		r, err := dst.Room(c, w.room.ID)
		require.NoError(e, err)
		same(e, w.room, r)
		m, err := dst.MemberOf(c, w.room.ID, w.bob.ID)
		require.NoError(e, err)
		same(e, w.bobMember, m)
		mine, err := dst.MembershipsOf(c, w.bob.ID)
		require.NoError(e, err)
		require.Len(e, mine, 2)
		h, err := dst.HookBySecret(c, w.hook.SecretHash)
		require.NoError(e, err)
		same(e, w.hook, h)
		got, err := dst.Messages(c, storage.RoomConversation(w.room.ID), storage.MessageQuery{Limit: 10})
		require.NoError(e, err)
		sameList(e, []storage.Message{w.said}, got)
		orphan, err := dst.Message(c, w.orphan.ID)
		require.NoError(e, err)
		same(e, w.orphan, orphan)
		found, err := dst.SearchMessages(c, storage.SearchQuery{Terms: storage.SearchTerms("zurich ete"), Conversations: []storage.Conversation{storage.RoomConversation(w.room.ID)}})
		require.NoError(e, err)
		sameList(e, []storage.Message{w.said}, found.Messages)
		partners, err := dst.DirectPartners(c, w.alice.ID)
		require.NoError(e, err)
		require.ElementsMatch(e, []storage.ID{w.bob.ID, w.gone.ID}, partners)
		last, err := dst.LastMessageID(c)
		require.NoError(e, err)
		require.Equal(e, w.orphan.ID, last)
		admins, err := dst.CountAdmins(c)
		require.NoError(e, err)
		require.Equal(e, 0, admins)

		// The copy is a working store: its unique indexes hold.
		err = dst.CreateUser(c, storage.User{ID: e.ids.New(), Username: "Bob", Email: "new@example.com"})
		duplicate(e, err, "imported username index")
		err = dst.CreateRoom(c, storage.Room{ID: e.ids.New(), Name: "GÉNÉRAL"}, storage.Member{})
		duplicate(e, err, "imported room name index")
		require.Equal(e, export(e, e.s), export(e, dst), "a second export differs")
	}},
	{"import of a taken unique value gives ErrDuplicate", func(e *env) {
		w := e.newWorld()
		clash := storage.User{ID: e.ids.New(), Username: "Alice", Email: "other@example.com"}
		err := e.s.Import(e.ctx(), []storage.Record{{Collection: storage.CollUsers, Value: clash}})
		duplicate(e, err)
		u, err := e.s.UserByName(e.ctx(), "alice")
		require.NoError(e, err)
		same(e, w.alice, u, "the clash changed the stored user")
	}},
	{"import of a value that is not a model gives an error", func(e *env) {
		for _, v := range []any{nil, "user", &storage.User{ID: e.ids.New(), Username: "ptr"}, 42} {
			err := e.s.Import(e.ctx(), []storage.Record{{Collection: storage.CollUsers, Value: v}})
			require.Error(e, err, "%#v", v)
		}
		counts, err := e.s.Counts(e.ctx())
		require.NoError(e, err)
		require.Equal(e, 0, counts[storage.CollUsers])
	}},
	{"clear empties every collection and the store stays usable", func(e *env) {
		w := e.newWorld()
		require.NoError(e, e.s.Clear(e.ctx()))
		require.Empty(e, export(e, e.s))
		_, err := e.s.UserByName(e.ctx(), "alice")
		notFound(e, err)
		_, err = e.s.HookBySecret(e.ctx(), w.hook.SecretHash)
		notFound(e, err)
		found, err := e.s.SearchMessages(e.ctx(), storage.SearchQuery{Terms: []string{"psst"}, Conversations: []storage.Conversation{w.dm.Conversation()}})
		require.NoError(e, err)
		require.Empty(e, found.Messages)
		partners, err := e.s.DirectPartners(e.ctx(), w.alice.ID)
		require.NoError(e, err)
		require.Empty(e, partners)
		e.newWorld()
	}},
	{"an error from fn stops the export and is returned", func(e *env) {
		e.newWorld()
		stop := errors.New("disk full")
		n := 0
		err := e.s.Export(e.ctx(), func(storage.Record) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		require.ErrorIs(e, err, stop)
		require.Equal(e, 3, n)
	}},
	{"an export during writes sees each write whole or not at all", func(e *env) {
		u := e.newUser("writer")
		room, _ := e.newRoom("busy", u)
		// Writers keep adding a member and a message while exports run;
		// each export's rooms must name exactly the members it holds.
		var stop atomic.Bool
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				for j := 0; !stop.Load(); j++ {
					v := storage.User{ID: e.ids.New(), Username: fmt.Sprintf("u%d-%d", i, j), Created: time.Now()}
					if e.s.CreateUser(e.ctx(), v) != nil {
						return
					}
					m := storage.Member{ID: e.ids.New(), Room: room.ID, Profile: v.ID, Role: storage.RoleMember, Created: time.Now()}
					if e.s.AddMember(e.ctx(), m) != nil {
						return
					}
				}
			})
		}
		defer func() { stop.Store(true); wg.Wait() }()
		for range 5 {
			groups := byCollection(e, export(e, e.s))
			members := map[storage.ID]bool{}
			for _, v := range groups[storage.CollMembers] {
				members[v.(storage.Member).ID] = true
			}
			for _, v := range groups[storage.CollRooms] {
				for _, id := range v.(storage.Room).Members {
					require.True(e, members[id], "room names member %s that the export lacks", id)
				}
			}
			require.Len(e, members, len(groups[storage.CollRooms][0].(storage.Room).Members))
		}
	}},
}
