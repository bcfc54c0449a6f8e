package push_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/push"
	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
)

// BenchmarkFanOut_OneMentionTo1000Users measures the time from one
// @room in a room of 1,000 members, each with one browser subscribed, to
// the last of the 1,000 encrypted pushes arriving at a push service on
// loopback (TLS). Issue 16's target: within 5 s.
func BenchmarkFanOut_OneMentionTo1000Users(b *testing.B) {
	const users = 1000
	ctx := context.Background()
	var arrived atomic.Int64
	done := make(chan struct{}, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		if arrived.Add(1)%users == 0 {
			done <- struct{}{}
		}
	}))
	defer srv.Close()
	st, err := bolt.Open(filepath.Join(b.TempDir(), "makechat.db"), bolt.Options{})
	require.NoError(b, err)
	defer st.Close()
	var pusher *push.Pusher
	svc := chat.New(st, chat.Options{BcryptCost: bcrypt.MinCost, Notify: func(e chat.Event) {
		if e.Name == chat.EventMessageCreated && pusher != nil {
			pusher.Message(*e.Message)
		}
	}})
	require.NoError(b, svc.Init(ctx))
	keys, err := webpush.GenerateKeys()
	require.NoError(b, err)
	sender, err := webpush.NewSender(keys, "mailto:bench@example.com", srv.Client())
	require.NoError(b, err)
	admin, err := svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "admin", Email: "a@example.com", Password: "admin password", IsSuperuser: true})
	require.NoError(b, err)
	boss := chat.Actor{User: admin}
	room, err := svc.CreateRoom(ctx, boss, chat.NewRoom{Name: "all-hands"})
	require.NoError(b, err)
	for i := range users {
		u, err := svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: fmt.Sprintf("user%04d", i), Email: fmt.Sprintf("u%d@example.com", i), Password: "a password"})
		require.NoError(b, err)
		_, err = svc.AddMember(ctx, boss, room.ID, u.ID, storage.RoleMember)
		require.NoError(b, err)
		key, err := ecdh.P256().GenerateKey(rand.Reader)
		require.NoError(b, err)
		auth := make([]byte, 16)
		_, _ = rand.Read(auth)
		require.NoError(b, st.SavePushSubscription(ctx, storage.PushSubscription{
			ID: storage.NewIDGen().New(), User: u.ID, Endpoint: fmt.Sprintf("%s/push/%d", srv.URL, i),
			P256dh: base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()), Auth: base64.RawURLEncoding.EncodeToString(auth), Created: time.Now(),
		}))
	}
	pusher = push.New(st, svc, sender, zerolog.New(io.Discard), push.Options{})
	pusher.Start()
	defer pusher.Close()
	b.ResetTimer()
	for range b.N {
		_, err := svc.Post(ctx, boss, chat.NewMessage{Room: room.ID, Text: "@room all hands in 5"})
		require.NoError(b, err)
		select {
		case <-done:
		case <-time.After(time.Minute):
			b.Fatalf("only %d of %d pushes arrived", arrived.Load()%users, users)
		}
	}
	b.StopTimer()
	_, sent, dropped := pusher.Stats()
	b.ReportMetric(float64(dropped), "dropped")
	b.ReportMetric(float64(sent)/float64(b.N), "pushes/op")
}
