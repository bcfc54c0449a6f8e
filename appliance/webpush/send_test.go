package webpush

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// received is one request as the stand-in push service saw it.
type received struct {
	method, path string
	header       http.Header
	body         []byte
}

// pushService starts a TLS push service that answers every request with
// status, header and body, and hands each request it gets to the test.
func pushService(t *testing.T, status int, header http.Header, body string) (*httptest.Server, <-chan received) {
	t.Helper()
	got := make(chan received, 8)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("push service: read body: %v", err)
		}
		select {
		case got <- received{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: b}:
		default:
			t.Errorf("push service: more requests than expected")
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func receive(t *testing.T, got <-chan received) received {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the push service got no request")
		return received{}
	}
}

const endpointPath = "/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV"

func TestSend_PostsAnEncryptedSignedMessageWithItsHeaders(t *testing.T) {
	srv, got := pushService(t, http.StatusCreated, nil, "")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, srv.Client(), &now)
	ua, auth, keys := newBrowser(t)
	payload := []byte(`{"room":"general","text":"lunch?"}`)

	err := s.Send(context.Background(), Subscription{Endpoint: srv.URL + endpointPath, Keys: keys}, Message{
		Payload: payload,
		TTL:     90*time.Second + 900*time.Millisecond,
		Urgency: UrgencyHigh,
		Topic:   TopicOf("room:general"),
	})
	require.NoError(t, err)

	r := receive(t, got)
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, endpointPath, r.path)
	assert.Equal(t, "90", r.header.Get("TTL"), "whole seconds")
	assert.Equal(t, "high", r.header.Get("Urgency"))
	assert.Equal(t, "-3lTykPCi1jGyoCik3jMcGKgZ5vK7dZ6", r.header.Get("Topic"))
	assert.Equal(t, "aes128gcm", r.header.Get("Content-Encoding"))
	assert.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))
	assert.Equal(t, strconv.Itoa(len(r.body)), r.header.Get("Content-Length"))

	tok := verifyAuthorization(t, r.header.Get("Authorization"))
	assert.Equal(t, s.keys.PublicKey(), tok.key)
	assert.Equal(t, srv.URL, tok.claims["aud"], "the audience is the push service's origin")
	assert.Equal(t, "mailto:admin@chat.example.com", tok.claims["sub"])

	plain, err := Decrypt(r.body, ua, auth)
	require.NoError(t, err)
	assert.Equal(t, payload, plain)
}

func TestSend_LeavesOutUrgencyAndTopicWhenUnset(t *testing.T) {
	srv, got := pushService(t, http.StatusCreated, nil, "")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, srv.Client(), &now)
	ua, auth, keys := newBrowser(t)

	require.NoError(t, s.Send(context.Background(), Subscription{Endpoint: srv.URL + endpointPath, Keys: keys}, Message{}))
	r := receive(t, got)
	assert.Equal(t, "0", r.header.Get("TTL"))
	assert.NotContains(t, r.header, "Urgency")
	assert.NotContains(t, r.header, "Topic")
	plain, err := Decrypt(r.body, ua, auth)
	require.NoError(t, err)
	assert.Empty(t, plain)
}

func TestSend_ClassifiesThePushServicesAnswer(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	scenarios := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		ok         bool
		is         error // the sentinel errors.Is finds, if any
		retryAfter time.Duration
		inError    string
	}{
		{name: "201 Created", status: 201, ok: true},
		{name: "200 OK", status: 200, ok: true},
		{name: "202 Accepted", status: 202, ok: true},
		{name: "404 is gone", status: 404, is: ErrGone},
		{name: "410 is gone", status: 410, is: ErrGone, body: `{"errno":106,"message":"Request did not validate"}`, inError: "Request did not validate"},
		{name: "429 with delay-seconds", status: 429, header: http.Header{"Retry-After": {"30"}}, is: ErrRateLimited, retryAfter: 30 * time.Second, inError: "retry after 30s"},
		{name: "429 with an HTTP-date", status: 429, header: http.Header{"Retry-After": {now.Add(2 * time.Minute).Format(http.TimeFormat)}}, is: ErrRateLimited, retryAfter: 2 * time.Minute},
		{name: "429 without Retry-After", status: 429, is: ErrRateLimited},
		{name: "413", status: 413, is: ErrPayloadTooLarge},
		{name: "403 bad VAPID", status: 403, body: "invalid JWT\n\x1b[31m", inError: "403 Forbidden: invalid JWT"},
		{name: "400", status: 400, inError: "400 Bad Request"},
		{name: "503 with Retry-After", status: 503, header: http.Header{"Retry-After": {"120"}}, retryAfter: 2 * time.Minute},
	}
	sentinels := []error{ErrGone, ErrRateLimited, ErrPayloadTooLarge}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			srv, got := pushService(t, sc.status, sc.header, sc.body)
			s := newTestSender(t, srv.Client(), &now)
			_, _, keys := newBrowser(t)

			err := s.Send(context.Background(), Subscription{Endpoint: srv.URL + endpointPath, Keys: keys}, Message{Payload: []byte("x")})
			receive(t, got)
			if sc.ok {
				require.NoError(t, err)
				return
			}
			var se *StatusError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, sc.status, se.StatusCode)
			assert.Equal(t, srv.URL, se.Origin)
			assert.Equal(t, sc.retryAfter, se.RetryAfter)
			for _, sentinel := range sentinels {
				assert.Equal(t, sentinel == sc.is, errors.Is(err, sentinel), "errors.Is(err, %v)", sentinel)
			}
			assert.Contains(t, err.Error(), sc.inError)
			assert.NotContains(t, err.Error(), endpointPath, "the endpoint is a secret")
			assert.NotContains(t, se.Body, "\x1b", "control characters are cleaned")
		})
	}
}

func TestSend_TransportErrorsNameTheServiceNotTheEndpoint(t *testing.T) {
	srv, _ := pushService(t, http.StatusCreated, nil, "")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, srv.Client(), &now)
	_, _, keys := newBrowser(t)
	srv.Close()

	err := s.Send(context.Background(), Subscription{Endpoint: srv.URL + endpointPath, Keys: keys}, Message{})
	require.Error(t, err)
	var se *StatusError
	assert.False(t, errors.As(err, &se))
	assert.Contains(t, err.Error(), srv.URL)
	assert.NotContains(t, err.Error(), endpointPath)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Send(ctx, Subscription{Endpoint: srv.URL + endpointPath, Keys: keys}, Message{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestSend_RefusesBadInputWithoutSending(t *testing.T) {
	srv, got := pushService(t, http.StatusCreated, nil, "")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, srv.Client(), &now)
	_, _, keys := newBrowser(t)
	good := Subscription{Endpoint: srv.URL + endpointPath, Keys: keys}
	scenarios := []struct {
		name string
		sub  Subscription
		msg  Message
		is   error
		want string
	}{
		{"http endpoint", Subscription{Endpoint: "http" + strings.TrimPrefix(good.Endpoint, "https"), Keys: keys}, Message{}, ErrBadSubscription, "https"},
		{"bad p256dh", Subscription{Endpoint: good.Endpoint, Keys: SubscriptionKeys{P256dh: "x", Auth: keys.Auth}}, Message{}, ErrBadSubscription, "p256dh"},
		{"negative TTL", good, Message{TTL: -time.Second}, ErrBadMessage, "TTL"},
		{"unknown urgency", good, Message{Urgency: "urgent"}, ErrBadMessage, "urgency"},
		{"topic of 33 characters", good, Message{Topic: strings.Repeat("a", 33)}, ErrBadMessage, "33 characters"},
		{"topic outside the alphabet", good, Message{Topic: "room.general"}, ErrBadMessage, "base64url alphabet"},
		{"payload too large", good, Message{Payload: make([]byte, MaxPayload+1)}, ErrPayloadTooLarge, "more than 3993"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			err := s.Send(context.Background(), sc.sub, sc.msg)
			require.ErrorIs(t, err, sc.is)
			assert.Contains(t, err.Error(), sc.want)
		})
	}
	select {
	case r := <-got:
		t.Fatalf("a request was sent: %s %s", r.method, r.path)
	default:
	}
}

func TestTopicOf_FitsAnyNameIntoATopic(t *testing.T) {
	// The oracle: base64url of the first 24 bytes of SHA-256("room:general").
	assert.Equal(t, "-3lTykPCi1jGyoCik3jMcGKgZ5vK7dZ6", TopicOf("room:general"))
	for _, name := range []string{"", "room:general", strings.Repeat("é", 1000)} {
		topic := TopicOf(name)
		assert.Len(t, topic, MaxTopicLen)
		assert.NoError(t, Message{Topic: topic}.check(), name)
	}
	assert.NotEqual(t, TopicOf("room:a"), TopicOf("room:b"))
}

func TestRetryAfter_ReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                     0,
		"0":                    0,
		" 45 ":                 45 * time.Second,
		"-5":                   0,
		"1.5":                  0,
		"soon":                 0,
		"99999999999999999999": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		assert.Equal(t, want, retryAfter(v, now), "%q", v)
	}
}
