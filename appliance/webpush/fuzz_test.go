package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"testing"
)

// The fuzz targets run their seeds in every `go test`; run them longer
// with, for example,
//
//	go test ./appliance/webpush/ -run '^$' -fuzz FuzzDecrypt -fuzztime 1m

// FuzzDecrypt feeds Decrypt bodies made from the RFC's message: it must
// refuse every one it cannot authenticate with an error, never a panic,
// and can only open one holding the RFC's plaintext.
func FuzzDecrypt(f *testing.F) {
	body, _ := base64.RawURLEncoding.DecodeString(rfcBody)
	f.Add(body)
	f.Add(body[:headerLen])
	f.Add(body[:headerLen+tagLen])
	f.Add(body[:20])
	f.Add([]byte{})
	f.Add(append(append([]byte{}, body...), 0, 0, 0))
	long := append([]byte{}, body...)
	long[20] = 0xff
	f.Add(long)

	d, _ := base64.RawURLEncoding.DecodeString(rfcUAPrivate)
	ua, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		f.Fatal(err)
	}
	auth, _ := base64.RawURLEncoding.DecodeString(rfcAuth)
	f.Fuzz(func(t *testing.T, body []byte) {
		plain, err := Decrypt(body, ua, auth)
		if err != nil {
			if !errors.Is(err, ErrUndecryptable) {
				t.Fatalf("error %v does not wrap ErrUndecryptable", err)
			}
			return
		}
		if string(plain) != rfcPlaintext {
			t.Fatalf("opened a body into %q", plain)
		}
	})
}

// FuzzSubscriptionKeys feeds the parser of a browser's keys: it must
// refuse with ErrBadSubscription or give a P-256 point and a 16-byte
// secret that Encrypt takes.
func FuzzSubscriptionKeys(f *testing.F) {
	f.Add(rfcUAPublic, rfcAuth)
	f.Add(rfcUAPublic+"=", rfcAuth+"==")
	f.Add("", "")
	f.Add(rfcUAPublic[:86], rfcAuth[:21])
	f.Add("BA", "\n\r")
	f.Add(rfcUAPublic, "BTBZMqHH6r4Tts7J_aSIgh")
	f.Add("BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", rfcAuth)
	f.Fuzz(func(t *testing.T, p256dh, auth string) {
		keys := SubscriptionKeys{P256dh: p256dh, Auth: auth}
		pub, secret, err := keys.parse()
		if err != nil {
			if !errors.Is(err, ErrBadSubscription) {
				t.Fatalf("error %v does not wrap ErrBadSubscription", err)
			}
			return
		}
		if len(pub.Bytes()) != pointLen || len(secret) != authLen {
			t.Fatalf("accepted a %d-byte key and a %d-byte secret", len(pub.Bytes()), len(secret))
		}
		if _, err := Encrypt(keys, []byte("x")); err != nil {
			t.Fatalf("Encrypt refused keys parse took: %v", err)
		}
	})
}
