package storagetest

import (
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

func (e *env) pushSub(u storage.User, endpoint string) storage.PushSubscription {
	return storage.PushSubscription{ID: e.ids.New(), User: u.ID, Endpoint: endpoint, P256dh: "BP256dh-key", Auth: "auth-secret", Created: time.Now()}
}

func (e *env) endpoints(u storage.User) []string {
	e.Helper()
	ps, err := e.s.PushSubscriptions(e.ctx(), u.ID)
	require.NoError(e, err)
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Endpoint)
	}
	return out
}

var pushScenarios = []scenario{
	{"An endpoint has one subscription, a user at most ten, and they go with their user", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		anyPush := func() bool {
			any, err := e.s.AnyPushSubscription(e.ctx())
			require.NoError(e, err)
			return any
		}
		require.False(e, anyPush())
		require.NoError(e, e.s.SavePushSubscription(e.ctx(), e.pushSub(alice, "https://push.example/a")))
		require.True(e, anyPush())
		require.NoError(e, e.s.SavePushSubscription(e.ctx(), e.pushSub(alice, "https://push.example/b")))
		require.Equal(e, []string{"https://push.example/a", "https://push.example/b"}, e.endpoints(alice))

		// The same browser subscribes again, now for bob: it is his.
		require.NoError(e, e.s.SavePushSubscription(e.ctx(), e.pushSub(bob, "https://push.example/a")))
		require.Equal(e, []string{"https://push.example/b"}, e.endpoints(alice))
		require.Equal(e, []string{"https://push.example/a"}, e.endpoints(bob))

		for i := range storage.MaxPushSubscriptions {
			require.NoError(e, e.s.SavePushSubscription(e.ctx(), e.pushSub(alice, fmt.Sprintf("https://push.example/n%d", i))))
		}
		got := e.endpoints(alice)
		require.Len(e, got, storage.MaxPushSubscriptions)
		require.NotContains(e, got, "https://push.example/b", "the oldest went")

		ps, err := e.s.PushSubscriptions(e.ctx(), bob.ID)
		require.NoError(e, err)
		require.NoError(e, e.s.DeletePushSubscription(e.ctx(), ps[0].ID))
		require.ErrorIs(e, e.s.DeletePushSubscription(e.ctx(), ps[0].ID), storage.ErrNotFound)
		require.Empty(e, e.endpoints(bob))

		require.ErrorIs(e, e.s.SavePushSubscription(e.ctx(), e.pushSub(storage.User{ID: e.ids.New()}, "https://push.example/x")), storage.ErrNotFound)
		require.Error(e, e.s.SavePushSubscription(e.ctx(), storage.PushSubscription{ID: e.ids.New(), User: alice.ID}))

		dst := e.open(e.T)
		require.NoError(e, dst.Import(e.ctx(), export(e, e.s)))
		before := e.endpoints(alice)
		e.s = dst
		require.Equal(e, before, e.endpoints(alice), "through Export and Import")
		require.NoError(e, e.s.DeleteUser(e.ctx(), alice.ID))
		require.Empty(e, e.endpoints(alice))
	}},
}
