package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// The aes128gcm content coding (RFC 8188) as RFC 8291 restricts it.
const (
	saltLen = 16
	// recordSize is the rs of the header. A push message is one record,
	// and RFC 8291 section 4 only asks that rs exceed that record; 4096
	// is what the RFC's example and the browsers' own senders use.
	recordSize = 4096
	// headerLen is salt, rs (4), idlen (1) and the keyid, the server's
	// ephemeral public key: 86 bytes.
	headerLen = saltLen + 4 + 1 + pointLen
	tagLen    = 16   // AEAD_AES_128_GCM's expansion
	delimiter = 0x02 // the padding delimiter of the last (here, only) record
)

// MaxPayload is the longest plaintext Encrypt takes: 3993 bytes. Push
// services need accept no body over 4096 bytes (RFC 8030 section 7.2),
// and the body carries the 86-byte header, the delimiter and the 16-byte
// tag besides (RFC 8291 section 4).
const MaxPayload = 3993

// The HKDF info strings of RFC 8291 section 3.4 and RFC 8188 section 2.
const (
	keyInfoPrefix = "WebPush: info\x00"
	cekInfo       = "Content-Encoding: aes128gcm\x00"
	nonceInfo     = "Content-Encoding: nonce\x00"
)

// Encrypt seals plaintext for the browser that holds keys, as the body of
// a push message (RFC 8291, aes128gcm): a header of a random salt, the
// record size and a new ephemeral public key, then one record. The error
// of keys that cannot be a browser's wraps ErrBadSubscription; that of a
// plaintext over MaxPayload, ErrPayloadTooLarge.
func Encrypt(keys SubscriptionKeys, plaintext []byte) ([]byte, error) {
	if len(plaintext) > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrPayloadTooLarge, len(plaintext), MaxPayload)
	}
	uaPublic, auth, err := keys.parse()
	if err != nil {
		return nil, err
	}
	// A new key pair and salt for every message (RFC 8291 section 3.1,
	// RFC 8188 section 2.1): no two messages may share a content key and
	// nonce, which in GCM would give both plaintexts away.
	asPrivate, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: generate message key: %w", err)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("webpush: generate salt: %w", err)
	}
	return encrypt(plaintext, uaPublic, auth, asPrivate, salt)
}

// encrypt is Encrypt with the server's key pair and the salt given, as
// the RFC's test vector gives them.
func encrypt(plaintext []byte, uaPublic *ecdh.PublicKey, auth []byte, asPrivate *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	secret, err := asPrivate.ECDH(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("webpush: ECDH: %w", err)
	}
	asPublic := asPrivate.PublicKey().Bytes()
	ks, err := deriveKeys(secret, auth, uaPublic.Bytes(), asPublic, salt)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(ks.cek)
	if err != nil {
		return nil, err
	}
	body := make([]byte, headerLen, headerLen+len(plaintext)+1+tagLen)
	copy(body, salt)
	binary.BigEndian.PutUint32(body[saltLen:], recordSize)
	body[saltLen+4] = pointLen
	copy(body[saltLen+5:], asPublic)
	record := append(append(make([]byte, 0, len(plaintext)+1), plaintext...), delimiter)
	// The nonce is used as derived: it would be XORed with the record's
	// sequence number, and the only record is number 0.
	return gcm.Seal(body, ks.nonce, record, nil), nil
}

// Decrypt opens body, a push message, with the browser's private key and
// auth secret: what a browser does on receiving one. It takes only
// messages of one record, as RFC 8291 section 4 allows a browser to, and
// checks the padding delimiter. Its error wraps ErrUndecryptable.
func Decrypt(body []byte, uaPrivate *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if uaPrivate == nil || uaPrivate.Curve() != ecdh.P256() {
		return nil, fmt.Errorf("%w: the key is not a P-256 key", ErrUndecryptable)
	}
	if len(auth) != authLen {
		return nil, fmt.Errorf("%w: the auth secret is %d bytes, want %d", ErrUndecryptable, len(auth), authLen)
	}
	if len(body) < headerLen {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrUndecryptable, len(body))
	}
	salt := body[:saltLen]
	rs := binary.BigEndian.Uint32(body[saltLen:])
	if idlen := body[saltLen+4]; idlen != pointLen {
		return nil, fmt.Errorf("%w: keyid is %d bytes, want %d", ErrUndecryptable, idlen, pointLen)
	}
	asPublic, err := ecdh.P256().NewPublicKey(body[saltLen+5 : headerLen])
	if err != nil {
		return nil, fmt.Errorf("%w: keyid is not a P-256 point", ErrUndecryptable)
	}
	record := body[headerLen:]
	// RFC 8188 section 2: rs is at least 18 (a tag and a delimiter), and
	// a record is at most rs bytes; one longer than that would be the
	// start of a second record.
	if rs < tagLen+2 {
		return nil, fmt.Errorf("%w: record size %d is below the minimum", ErrUndecryptable, rs)
	}
	if len(record) < tagLen+1 || uint64(len(record)) > uint64(rs) {
		return nil, fmt.Errorf("%w: the record is %d bytes; one record of 17 to %d bytes is taken", ErrUndecryptable, len(record), rs)
	}
	secret, err := uaPrivate.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("%w: ECDH: %v", ErrUndecryptable, err)
	}
	ks, err := deriveKeys(secret, auth, uaPrivate.PublicKey().Bytes(), asPublic.Bytes(), salt)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(ks.cek)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, ks.nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (wrong key or auth secret, or a damaged body)", ErrUndecryptable)
	}
	// Padding is zeros after the delimiter; the last nonzero byte must
	// be the last record's delimiter.
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != delimiter {
		return nil, fmt.Errorf("%w: the record has no last-record delimiter", ErrUndecryptable)
	}
	return plain[:i], nil
}

// keySchedule holds every value RFC 8291 derives, each named as in its
// section 3.4 and Appendix A, so that the test can check them one by one.
type keySchedule struct {
	prkKey  []byte // HKDF-Extract(auth_secret, ecdh_secret)
	keyInfo []byte // "WebPush: info" || 0x00 || ua_public || as_public
	ikm     []byte // HKDF-Expand(PRK_key, key_info, 32)
	prk     []byte // HKDF-Extract(salt, IKM)
	cek     []byte // HKDF-Expand(PRK, cek_info, 16)
	nonce   []byte // HKDF-Expand(PRK, nonce_info, 12)
}

// deriveKeys derives the content encryption key and nonce of a message
// from the ECDH secret, the browser's auth secret, both public keys and
// the salt (RFC 8291 section 3.4, then RFC 8188 section 2.2 and 2.3).
func deriveKeys(ecdhSecret, auth, uaPublic, asPublic, salt []byte) (keySchedule, error) {
	var ks keySchedule
	var err error
	if ks.prkKey, err = hkdf.Extract(sha256.New, ecdhSecret, auth); err != nil {
		return ks, fmt.Errorf("webpush: HKDF: %w", err)
	}
	ks.keyInfo = append(append([]byte(keyInfoPrefix), uaPublic...), asPublic...)
	if ks.ikm, err = hkdf.Expand(sha256.New, ks.prkKey, string(ks.keyInfo), sha256.Size); err != nil {
		return ks, fmt.Errorf("webpush: HKDF: %w", err)
	}
	if ks.prk, err = hkdf.Extract(sha256.New, ks.ikm, salt); err != nil {
		return ks, fmt.Errorf("webpush: HKDF: %w", err)
	}
	if ks.cek, err = hkdf.Expand(sha256.New, ks.prk, cekInfo, 16); err != nil {
		return ks, fmt.Errorf("webpush: HKDF: %w", err)
	}
	if ks.nonce, err = hkdf.Expand(sha256.New, ks.prk, nonceInfo, 12); err != nil {
		return ks, fmt.Errorf("webpush: HKDF: %w", err)
	}
	return ks, nil
}

// newGCM returns AES-128-GCM under key.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("webpush: AES: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("webpush: GCM: %w", err)
	}
	return gcm, nil
}
