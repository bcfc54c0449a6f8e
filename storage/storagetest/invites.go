package storagetest

import (
	"errors"
	"sync"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

var inviteScenarios = []scenario{
	{"CreateInvite then Invite and InviteBySecret return it", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		in := storage.Invite{ID: e.ids.New(), SecretHash: "h1", Rooms: []storage.ID{r.ID}, MaxUses: 3, Expires: time.Now().Add(time.Hour), CreatedBy: alice.ID, Created: time.Now()}
		require.NoError(e, e.s.CreateInvite(e.ctx(), in))
		got, err := e.s.Invite(e.ctx(), in.ID)
		require.NoError(e, err)
		same(e, in, got)
		got, err = e.s.InviteBySecret(e.ctx(), "h1")
		require.NoError(e, err)
		same(e, in, got)
		_, err = e.s.InviteBySecret(e.ctx(), "h2")
		notFound(e, err)
		_, err = e.s.InviteBySecret(e.ctx(), "")
		notFound(e, err)
		duplicate(e, e.s.CreateInvite(e.ctx(), storage.Invite{ID: e.ids.New(), SecretHash: "h1", Rooms: []storage.ID{}, CreatedBy: alice.ID, Created: time.Now()}), "a secret names one invite")
	}},
	{"Invites lists one maker's, or all, in id order", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		a1, b1, a2 := e.newInvite(alice), e.newInvite(bob), e.newInvite(alice)
		got, err := e.s.Invites(e.ctx(), alice.ID)
		require.NoError(e, err)
		sameList(e, []storage.Invite{a1, a2}, got)
		got, err = e.s.Invites(e.ctx(), storage.NilID)
		require.NoError(e, err)
		sameList(e, []storage.Invite{a1, b1, a2}, got)
		got, err = e.s.Invites(e.ctx(), e.ids.New())
		require.NoError(e, err)
		require.Empty(e, got)
	}},
	{"UseInvite counts uses up to MaxUses and refuses an expired one", func(e *env) {
		alice := e.newUser("alice")
		now := time.Now()
		limited := storage.Invite{ID: e.ids.New(), SecretHash: "limited", Rooms: []storage.ID{}, MaxUses: 2, CreatedBy: alice.ID, Created: now}
		expiring := storage.Invite{ID: e.ids.New(), SecretHash: "expiring", Rooms: []storage.ID{}, Expires: now.Add(time.Minute), CreatedBy: alice.ID, Created: now}
		require.NoError(e, e.s.CreateInvite(e.ctx(), limited))
		require.NoError(e, e.s.CreateInvite(e.ctx(), expiring))
		for want := 1; want <= 2; want++ {
			got, err := e.s.UseInvite(e.ctx(), limited.ID, now)
			require.NoError(e, err)
			require.Equal(e, want, got.Uses)
		}
		_, err := e.s.UseInvite(e.ctx(), limited.ID, now)
		notFound(e, err, "used up")
		require.NoError(e, e.s.ReturnInvite(e.ctx(), limited.ID))
		got, err := e.s.UseInvite(e.ctx(), limited.ID, now)
		require.NoError(e, err, "a returned use can be used again")
		require.Equal(e, 2, got.Uses)

		_, err = e.s.UseInvite(e.ctx(), expiring.ID, now)
		require.NoError(e, err)
		_, err = e.s.UseInvite(e.ctx(), expiring.ID, now.Add(time.Minute))
		notFound(e, err, "expired")
		_, err = e.s.UseInvite(e.ctx(), e.ids.New(), now)
		notFound(e, err)
		notFound(e, e.s.ReturnInvite(e.ctx(), e.ids.New()))
	}},
	{"UseInvite under concurrent use never passes MaxUses", func(e *env) {
		alice := e.newUser("alice")
		in := storage.Invite{ID: e.ids.New(), SecretHash: "race", Rooms: []storage.ID{}, MaxUses: 5, CreatedBy: alice.ID, Created: time.Now()}
		require.NoError(e, e.s.CreateInvite(e.ctx(), in))
		var mu sync.Mutex
		used := 0
		errs := Together(20, func(int) error {
			_, err := e.s.UseInvite(e.ctx(), in.ID, time.Now())
			if err == nil {
				mu.Lock()
				used++
				mu.Unlock()
			}
			if errors.Is(err, storage.ErrNotFound) {
				return nil
			}
			return err
		})
		require.NoError(e, errors.Join(errs...))
		require.Equal(e, 5, used)
		got, err := e.s.Invite(e.ctx(), in.ID)
		require.NoError(e, err)
		require.Equal(e, 5, got.Uses)
	}},
	{"DeleteInvite removes it and frees its secret; deleting its maker removes it", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		gone, kept := e.newInvite(alice), e.newInvite(bob)
		require.NoError(e, e.s.DeleteInvite(e.ctx(), gone.ID))
		_, err := e.s.InviteBySecret(e.ctx(), gone.SecretHash)
		notFound(e, err)
		notFound(e, e.s.DeleteInvite(e.ctx(), gone.ID), "a second delete finds nothing")
		require.NoError(e, e.s.CreateInvite(e.ctx(), storage.Invite{ID: e.ids.New(), SecretHash: gone.SecretHash, Rooms: []storage.ID{}, CreatedBy: alice.ID, Created: time.Now()}))

		require.NoError(e, e.s.DeleteUser(e.ctx(), bob.ID))
		_, err = e.s.Invite(e.ctx(), kept.ID)
		notFound(e, err, "a deleted user's invites go with it")
	}},
}
