package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeys_RoundTripThroughJSON(t *testing.T) {
	keys, err := GenerateKeys()
	require.NoError(t, err)
	data, err := json.Marshal(keys)
	require.NoError(t, err)

	var stored map[string]string
	require.NoError(t, json.Unmarshal(data, &stored))
	assert.Equal(t, keys.PublicKey(), stored["publicKey"])
	assert.Len(t, b64(t, stored["privateKey"]), 32)

	var back Keys
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, keys.PublicKey(), back.PublicKey())
	again, err := json.Marshal(struct{ VAPID Keys }{back})
	require.NoError(t, err)
	assert.JSONEq(t, `{"VAPID":`+string(data)+`}`, string(again), "Keys held by value marshal too")
}

func TestKeys_PublicKeyIsTheUncompressedPointOfThePrivateKey(t *testing.T) {
	// RFC 8291's application server key pair serves as a known P-256
	// pair: its public point is printed in the RFC.
	var keys Keys
	require.NoError(t, json.Unmarshal([]byte(`{"privateKey":"`+rfcASPrivate+`"}`), &keys))
	assert.Equal(t, rfcASPublic, keys.PublicKey())

	generated, err := GenerateKeys()
	require.NoError(t, err)
	point := b64(t, generated.PublicKey())
	require.Len(t, point, 65)
	assert.Equal(t, byte(0x04), point[0])
	_, err = ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	assert.NoError(t, err)
}

func TestKeys_UnmarshalRefusesBrokenFiles(t *testing.T) {
	other, err := GenerateKeys()
	require.NoError(t, err)
	for name, sc := range map[string]struct{ json, want string }{
		"private not a string":   {`{"privateKey":5}`, "bad VAPID keys"},
		"no private key":         {`{"publicKey":"` + rfcASPublic + `"}`, "privateKey is missing"},
		"private not base64url":  {`{"privateKey":"a+b/"}`, "privateKey: not base64url"},
		"private of 30 bytes":    {`{"privateKey":"` + rfcASPrivate[:40] + `"}`, "privateKey is 30 bytes, want 32"},
		"private zero":           {`{"privateKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, "not a P-256 private key"},
		"private past the order": {`{"privateKey":"__________________________________________8"}`, "not a P-256 private key"},
		"halves of two pairs":    {`{"publicKey":"` + other.PublicKey() + `","privateKey":"` + rfcASPrivate + `"}`, "not the public half"},
		"public not base64url":   {`{"publicKey":"!","privateKey":"` + rfcASPrivate + `"}`, "publicKey: not base64url"},
	} {
		t.Run(name, func(t *testing.T) {
			var keys Keys
			err := json.Unmarshal([]byte(sc.json), &keys)
			require.ErrorIs(t, err, ErrBadKeys)
			assert.Contains(t, err.Error(), sc.want)
			assert.Empty(t, keys.PublicKey(), "nothing was kept")
		})
	}
}

func TestKeys_ZeroKeysNeitherMarshalNorSend(t *testing.T) {
	_, err := json.Marshal(Keys{})
	require.ErrorIs(t, err, ErrBadKeys)
	_, err = NewSender(&Keys{}, "mailto:a@example.com", http.DefaultClient)
	require.ErrorIs(t, err, ErrBadKeys)
	_, err = NewSender(nil, "mailto:a@example.com", http.DefaultClient)
	require.ErrorIs(t, err, ErrBadKeys)
}

func TestNewSender_TakesAMailtoOrHTTPSSubjectOnly(t *testing.T) {
	keys, err := GenerateKeys()
	require.NoError(t, err)
	for _, ok := range []string{"mailto:admin@chat.example.com", "https://chat.example.com/contact"} {
		_, err := NewSender(keys, ok, http.DefaultClient)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "admin@chat.example.com", "mailto:", "http://chat.example.com", "https://", "https:///x", "%"} {
		_, err := NewSender(keys, bad, http.DefaultClient)
		assert.Error(t, err, bad)
	}
	_, err = NewSender(keys, "mailto:a@example.com", nil)
	assert.ErrorContains(t, err, "no HTTP client")
}

// token is a VAPID Authorization header taken apart and checked the way
// a push service would: with crypto/ecdsa, against the k= key.
type token struct {
	header map[string]string
	claims map[string]any
	key    string
}

func verifyAuthorization(t *testing.T, authorization string) token {
	t.Helper()
	rest, ok := strings.CutPrefix(authorization, "vapid t=")
	require.True(t, ok, authorization)
	jwt, key, ok := strings.Cut(rest, ", k=")
	require.True(t, ok, authorization)

	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	var tok token
	tok.key = key
	require.NoError(t, json.Unmarshal(b64(t, parts[0]), &tok.header))
	require.NoError(t, json.Unmarshal(b64(t, parts[1]), &tok.claims))

	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b64(t, key))
	require.NoError(t, err)
	sig := b64(t, parts[2])
	require.Len(t, sig, 64, "ES256 is r || s, not ASN.1")
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	require.True(t, ecdsa.Verify(pub, digest[:], r, s), "the signature verifies against k")
	return tok
}

func newTestSender(t *testing.T, client Doer, now *time.Time) *Sender {
	t.Helper()
	keys, err := GenerateKeys()
	require.NoError(t, err)
	s, err := NewSender(keys, "mailto:admin@chat.example.com", client)
	require.NoError(t, err)
	s.now = func() time.Time { return *now }
	return s
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func TestAuthorization_IsAnES256TokenForTheEndpointsOrigin(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, http.DefaultClient, &now)

	auth, err := s.authorization(mustURL(t, "https://Push.Example.net:443/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV"), now)
	require.NoError(t, err)
	tok := verifyAuthorization(t, auth)

	assert.Equal(t, map[string]string{"typ": "JWT", "alg": "ES256"}, tok.header)
	assert.Equal(t, s.keys.PublicKey(), tok.key)
	assert.Equal(t, "https://push.example.net", tok.claims["aud"])
	assert.Equal(t, "mailto:admin@chat.example.com", tok.claims["sub"])
	exp := int64(tok.claims["exp"].(float64))
	assert.Equal(t, now.Add(12*time.Hour).Unix(), exp)
	assert.LessOrEqual(t, exp-now.Unix(), int64(24*60*60), "RFC 8292 section 2")
	assert.Len(t, tok.claims, 3)
}

func TestAuthorization_IsReusedPerAudienceUntilNearExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, http.DefaultClient, &now)
	fcm := mustURL(t, "https://fcm.googleapis.com/fcm/send/one")
	fcm2 := mustURL(t, "https://fcm.googleapis.com/fcm/send/two")
	mozilla := mustURL(t, "https://updates.push.services.mozilla.com/wpush/v2/x")

	first, err := s.authorization(fcm, now)
	require.NoError(t, err)
	same, err := s.authorization(fcm2, now.Add(10*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, first, same, "one token per origin, reused while young")

	other, err := s.authorization(mozilla, now)
	require.NoError(t, err)
	assert.NotEqual(t, first, other)
	assert.Equal(t, "https://updates.push.services.mozilla.com", verifyAuthorization(t, other).claims["aud"])

	later := now.Add(11 * time.Hour)
	renewed, err := s.authorization(fcm, later)
	require.NoError(t, err)
	assert.NotEqual(t, first, renewed, "renewed an hour before it expires")
	exp := int64(verifyAuthorization(t, renewed).claims["exp"].(float64))
	assert.Equal(t, later.Add(12*time.Hour).Unix(), exp)
}

func TestAuthorization_CacheStaysBounded(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, http.DefaultClient, &now)
	for i := range maxTokens + 10 {
		_, err := s.authorization(mustURL(t, fmt.Sprintf("https://push%d.example.net/x", i)), now)
		require.NoError(t, err)
		require.LessOrEqual(t, len(s.tokens.tokens), maxTokens)
	}
}

func TestAuthorization_IsSafeForConcurrentSenders(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newTestSender(t, http.DefaultClient, &now)
	endpoint := mustURL(t, "https://push.example.net/x")
	const workers = 8
	headers := make(chan string, workers)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			h, err := s.authorization(endpoint, now)
			if err != nil {
				errs <- err
				return
			}
			headers <- h
		}()
	}
	seen := map[string]bool{}
	for range workers {
		select {
		case h := <-headers:
			seen[h] = true
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(5 * time.Second):
			t.Fatal("a worker did not finish")
		}
	}
	assert.Len(t, seen, 1, "one token for one origin")
}
