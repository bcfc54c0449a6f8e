package webpush

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubscriptionKeys_RefuseHostileInputsNamingTheKey(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	point := b64(t, rfcUAPublic)
	with := func(f func(p []byte)) string {
		p := append([]byte(nil), point...)
		f(p)
		return enc(p)
	}
	megabyte := strings.Repeat("A", 1<<20)
	scenarios := []struct {
		name, p256dh, auth, want string
	}{
		{"empty p256dh", "", rfcAuth, "p256dh: empty"},
		{"p256dh not base64", "not base64!", rfcAuth, "p256dh: not base64url"},
		{"p256dh in standard base64", base64.StdEncoding.EncodeToString(point), rfcAuth, "p256dh: not base64url"},
		{"p256dh with a line break", rfcUAPublic[:40] + "\n" + rfcUAPublic[40:], rfcAuth, "p256dh: not base64url"},
		{"p256dh with a space", " " + rfcUAPublic, rfcAuth, "p256dh: not base64url"},
		{"p256dh with bad padding", rfcUAPublic + "==", rfcAuth, "p256dh: not base64url"},
		{"p256dh with padding inside", rfcUAPublic[:4] + "=" + rfcUAPublic[4:], rfcAuth, "p256dh: not base64url"},
		{"p256dh of 64 bytes", enc(point[:64]), rfcAuth, "p256dh is 64 bytes, want 65"},
		{"p256dh of 66 bytes", enc(append(point, 0)), rfcAuth, "p256dh is 66 bytes, want 65"},
		{"p256dh compressed (33 bytes)", enc(append([]byte{0x02}, point[1:33]...)), rfcAuth, "p256dh is 33 bytes"},
		{"p256dh of 65 bytes not starting 0x04", with(func(p []byte) { p[0] = 0x05 }), rfcAuth, "not an uncompressed point"},
		{"p256dh off the curve", with(func(p []byte) { p[64] ^= 1 }), rfcAuth, "p256dh is not a point on P-256"},
		{"p256dh all zeros", with(func(p []byte) { clear(p[1:]) }), rfcAuth, "p256dh is not a point on P-256"},
		{"p256dh coordinates past the field", with(func(p []byte) {
			for i := 1; i < len(p); i++ {
				p[i] = 0xff
			}
		}), rfcAuth, "p256dh is not a point on P-256"},
		{"p256dh of 1 MB", megabyte, rfcAuth, "p256dh: 1048576 characters, too long"},
		{"empty auth", rfcUAPublic, "", "auth: empty"},
		{"auth not base64", rfcUAPublic, "%%%%", "auth: not base64url"},
		{"auth with stray bits", rfcUAPublic, rfcAuth[:21] + "h", "auth: not base64url"},
		{"auth of 15 bytes", rfcUAPublic, enc(make([]byte, 15)), "auth is 15 bytes, want 16"},
		{"auth of 17 bytes", rfcUAPublic, enc(make([]byte, 17)), "auth is 17 bytes, want 16"},
		{"auth of 1 MB", rfcUAPublic, megabyte, "auth: 1048576 characters, too long"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			keys := SubscriptionKeys{P256dh: sc.p256dh, Auth: sc.auth}
			_, _, err := keys.parse()
			require.ErrorIs(t, err, ErrBadSubscription)
			assert.Contains(t, err.Error(), sc.want)

			_, err = Encrypt(keys, []byte("x"))
			require.ErrorIs(t, err, ErrBadSubscription, "Encrypt")
			err = Subscription{Endpoint: "https://push.example.net/x", Keys: keys}.Validate()
			require.ErrorIs(t, err, ErrBadSubscription, "Validate")
		})
	}
}

func TestSubscriptionKeys_AcceptTheBrowsersFormAndPaddedBase64url(t *testing.T) {
	for _, keys := range []SubscriptionKeys{
		rfcKeys(),
		{P256dh: rfcUAPublic + "=", Auth: rfcAuth + "=="},
	} {
		pub, auth, err := keys.parse()
		require.NoError(t, err, keys)
		assert.Equal(t, b64(t, rfcUAPublic), pub.Bytes())
		assert.Equal(t, b64(t, rfcAuth), auth)
	}
}

func TestCheckEndpoint_TakesAbsoluteHTTPSURLsOnly(t *testing.T) {
	long := "https://push.example.net/"
	long += strings.Repeat("a", MaxEndpointLen-len(long))
	for _, ok := range []string{
		"https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
		"https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
		"https://web.push.apple.com/QGuQyavXutnMH1jJIjk",
		"HTTPS://Push.Example.net/x",
		"https://[2001:db8::1]:8443/push",
		long,
	} {
		assert.NoError(t, CheckEndpoint(ok), ok)
	}
	scenarios := []struct{ name, endpoint, want string }{
		{"empty", "", "endpoint is empty"},
		{"too long", long + "a", "endpoint is 2049 bytes, more than 2048"},
		{"1 MB", "https://x/" + strings.Repeat("a", 1<<20), "more than 2048"},
		{"plain http", "http://push.example.net/x", "must be an https URL"},
		{"relative", "push.example.net/x", "must be an https URL"},
		{"scheme-relative", "//push.example.net/x", "must be an https URL"},
		{"javascript", "javascript:alert(1)", "must be an https URL"},
		{"no host", "https:///x", "endpoint has no host"},
		{"opaque", "https:push.example.net", "endpoint has no host"},
		{"port only", "https://:443/x", "endpoint has no host"},
		{"user info", "https://user:secret@push.example.net/x", "must not hold a user name or password"},
		{"user name", "https://user@push.example.net/x", "must not hold a user name or password"},
		{"control character", "https://push.example.net/\x00", "endpoint is not a URL"},
		{"space in the host", "https://push example.net/", "endpoint is not a URL"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			err := CheckEndpoint(sc.endpoint)
			require.ErrorIs(t, err, ErrBadSubscription)
			assert.Contains(t, err.Error(), sc.want)
			assert.Less(t, len(err.Error()), 200, "the error does not quote the endpoint")
		})
	}
}

func TestSubscription_ValidateChecksEndpointThenKeys(t *testing.T) {
	good := Subscription{Endpoint: "https://push.example.net/x", Keys: rfcKeys()}
	require.NoError(t, good.Validate())

	bad := good
	bad.Endpoint = "http://push.example.net/x"
	require.ErrorContains(t, bad.Validate(), "https")
	bad = good
	bad.Keys.Auth = ""
	require.ErrorContains(t, bad.Validate(), "auth: empty")
}

func TestOrigin_IsTheEndpointsSerializedOrigin(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://fcm.googleapis.com/fcm/send/abc":  "https://fcm.googleapis.com",
		"https://Push.Example.NET/x?y=1":           "https://push.example.net",
		"https://push.example.net:443/x":           "https://push.example.net",
		"https://push.example.net:8443/x":          "https://push.example.net:8443",
		"https://127.0.0.1:40123/push/abc":         "https://127.0.0.1:40123",
		"https://[2001:DB8::1]/push":               "https://[2001:db8::1]",
		"https://[2001:db8::1]:8443/push":          "https://[2001:db8::1]:8443",
		"https://push.example.net/deep/path/#frag": "https://push.example.net",
	} {
		u, err := url.Parse(endpoint)
		require.NoError(t, err)
		assert.Equal(t, want, origin(u), endpoint)
	}
}
