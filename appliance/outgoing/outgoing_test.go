package outgoing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/egress"
	"github.com/makechat/makechat/storage"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSign_IsSlacksSchemeOverTimestampAndBody(t *testing.T) {
	// Computed independently: printf 'v0:1700000000:{"text":"hi"}' | openssl dgst -sha256 -hmac secret
	assert.Equal(t, "v0=8e749b31007b91a17a0c34f6466f5ee6aa8bf6901cf66b9a1e5dbd5da9477e44", Sign("secret", "1700000000", []byte(`{"text":"hi"}`)))
	a := Sign("secret", "1700000000", []byte(`{"text":"hi"}`))
	assert.Len(t, a, 3+64)
	assert.NotEqual(t, a, Sign("secret", "1700000001", []byte(`{"text":"hi"}`)), "the timestamp is signed")
	assert.NotEqual(t, a, Sign("secret", "1700000000", []byte(`{"text":"ho"}`)), "the body is signed")
	assert.NotEqual(t, a, Sign("other", "1700000000", []byte(`{"text":"hi"}`)), "under the secret")
}

// oneHook is a domain of one room with one outgoing hook.
type oneHook struct{ hook storage.Hook }

func (o oneHook) OutgoingHooks(context.Context, storage.Message) ([]chat.Trigger, error) {
	return []chat.Trigger{{Hook: o.hook}}, nil
}
func (oneHook) ReplyByHook(context.Context, storage.ID, chat.HookPost) (storage.Message, error) {
	return storage.Message{}, nil
}
func (oneHook) RoomName(context.Context, storage.ID) (string, error) { return "ops", nil }
func (oneHook) UserName(context.Context, storage.ID) (string, error) { return "ann", nil }

func TestClose_DropsRetriesThatWaitAndSaysSo(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	client, err := egress.New(egress.Policy{Allow: []string{"127.0.0.1"}})
	require.NoError(t, err)
	ids := storage.NewIDGen()
	h := storage.Hook{ID: ids.New(), Outgoing: &storage.Outgoing{URL: srv.URL, Secret: "0123456789abcdef"}}
	s := New(client, zerolog.Nop(), Options{Retries: []time.Duration{time.Hour}})
	s.Start(oneHook{h})
	s.Message(storage.Message{ID: ids.New(), Room: ids.New(), Sender: ids.New(), Text: "x"})
	require.Eventually(t, func() bool { d := s.Deliveries(h.ID); return len(d) == 1 && d[0].Attempts == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "pending", s.Deliveries(h.ID)[0].State, "a 503 waits for its next attempt")
	s.Close()
	d := s.Deliveries(h.ID)[0]
	assert.Equal(t, "failed", d.State)
	assert.Contains(t, d.Error, "the server stopped")
	assert.Equal(t, int32(1), calls.Load())
}
