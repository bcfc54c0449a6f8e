package webpush

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Keys is the server's VAPID key pair (RFC 8292): a P-256 ECDSA key whose
// public half browsers hold as the applicationServerKey of every
// subscription made through this server. Build it with GenerateKeys or
// by unmarshalling JSON; the zero Keys has no key and Sender refuses it.
//
// It marshals to the JSON object that the web-push tools also print,
//
//	{"publicKey":"<base64url point>","privateKey":"<base64url scalar>"}
//
// so that keys made by another tool can be brought in, and a person
// reading the file sees which applicationServerKey it holds.
type Keys struct {
	private *ecdsa.PrivateKey
	public  []byte // the uncompressed point, 65 bytes
}

// keysJSON is the stored form of Keys.
type keysJSON struct {
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
}

// GenerateKeys makes a new VAPID key pair.
func GenerateKeys() (*Keys, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: generate VAPID keys: %w", err)
	}
	return newKeys(priv)
}

// newKeys wraps priv, a P-256 key.
func newKeys(priv *ecdsa.PrivateKey) (*Keys, error) {
	pub, err := priv.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeys, err)
	}
	return &Keys{private: priv, public: pub}, nil
}

// PublicKey returns the public key as the browser's PushManager.subscribe
// takes it for applicationServerKey, and as the k= of the Authorization
// header: the uncompressed point (65 bytes, 0x04 || x || y), base64url
// without padding. It is "" for the zero Keys.
func (k *Keys) PublicKey() string {
	if k == nil || k.private == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(k.public)
}

// MarshalJSON returns the stored form of k, private key included: the
// file that holds it must be as private as the server's other secrets.
// Its receiver is a value so that Keys held by value in a larger struct
// marshal too, rather than as an empty object that loses the key.
func (k Keys) MarshalJSON() ([]byte, error) {
	if k.private == nil {
		return nil, fmt.Errorf("%w: no key to marshal", ErrBadKeys)
	}
	d, err := k.private.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeys, err)
	}
	return json.Marshal(keysJSON{
		PublicKey:  k.PublicKey(),
		PrivateKey: base64.RawURLEncoding.EncodeToString(d),
	})
}

// UnmarshalJSON reads the stored form of Keys. The private key is
// required; the public key may be left out, and if it is present it must
// be the private key's, so that a file whose halves were mixed up is
// refused rather than silently serving a key browsers do not know.
func (k *Keys) UnmarshalJSON(data []byte) error {
	var j keysJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("%w: %v", ErrBadKeys, err)
	}
	if j.PrivateKey == "" {
		return fmt.Errorf("%w: privateKey is missing", ErrBadKeys)
	}
	d, err := decodeBase64URL(j.PrivateKey, 32)
	if err != nil {
		return fmt.Errorf("%w: privateKey: %v", ErrBadKeys, err)
	}
	if len(d) != 32 {
		return fmt.Errorf("%w: privateKey is %d bytes, want 32", ErrBadKeys, len(d))
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return fmt.Errorf("%w: privateKey is not a P-256 private key: %v", ErrBadKeys, err)
	}
	keys, err := newKeys(priv)
	if err != nil {
		return err
	}
	if j.PublicKey != "" {
		pub, err := decodeBase64URL(j.PublicKey, 65)
		if err != nil {
			return fmt.Errorf("%w: publicKey: %v", ErrBadKeys, err)
		}
		if !bytes.Equal(pub, keys.public) {
			return fmt.Errorf("%w: publicKey is not the public half of privateKey", ErrBadKeys)
		}
	}
	*k = *keys
	return nil
}
