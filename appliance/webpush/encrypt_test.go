package webpush

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RFC 8291's example (section 5) and the intermediate values of its
// Appendix A, with the RFC's line breaks taken out.
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"

	rfcECDHSecret = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
	rfcPRKKey     = "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k"
	rfcKeyInfo    = "V2ViUHVzaDogaW5mbwAEJXGyvs3942BVGq8e0PTNNmwRzr5VX4m8t7GGpTM5FzFo7OLr4BhZe9MEebhuPI-OztV3" +
		"ylkYfpJGmQ22ggCLDgT-M_SrDepxkU21WCP3O1SUj0EwbZIHMtu5pZpTKGSCIA5Zent7wmC6HCJ5mFgJkuk5cwAv" +
		"MBKiiujwa7t45ewP"
	rfcIKM        = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
	rfcPRK        = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc"
	rfcCEKInfo    = "Q29udGVudC1FbmNvZGluZzogYWVzMTI4Z2NtAA"
	rfcCEK        = "oIhVW04MRdy2XN9CiKLxTg"
	rfcNonceInfo  = "Q29udGVudC1FbmNvZGluZzogbm9uY2UA"
	rfcNonce      = "4h_95klXJ5E_qnoN"
	rfcHeader     = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcPadded     = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24C"
	rfcCiphertext = "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUoEsbI_0LpXMuGvnzQ"
	rfcBody       = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err, s)
	return b
}

func rfcKey(t testing.TB, private, public string) *ecdh.PrivateKey {
	t.Helper()
	key, err := ecdh.P256().NewPrivateKey(b64(t, private))
	require.NoError(t, err)
	require.Equal(t, b64(t, public), key.PublicKey().Bytes(), "the RFC's public key is its private key's")
	return key
}

func rfcKeys() SubscriptionKeys {
	return SubscriptionKeys{P256dh: rfcUAPublic, Auth: rfcAuth}
}

func TestDeriveKeys_GivesEveryIntermediateValueOfRFC8291(t *testing.T) {
	as := rfcKey(t, rfcASPrivate, rfcASPublic)
	ua := rfcKey(t, rfcUAPrivate, rfcUAPublic)

	secret, err := as.ECDH(ua.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, b64(t, rfcECDHSecret), secret, "ecdh_secret, server side")
	secret, err = ua.ECDH(as.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, b64(t, rfcECDHSecret), secret, "ecdh_secret, browser side")

	ks, err := deriveKeys(secret, b64(t, rfcAuth), ua.PublicKey().Bytes(), as.PublicKey().Bytes(), b64(t, rfcSalt))
	require.NoError(t, err)
	assert.Equal(t, b64(t, rfcPRKKey), ks.prkKey, "PRK_key")
	assert.Equal(t, b64(t, rfcKeyInfo), ks.keyInfo, "key_info")
	assert.Equal(t, b64(t, rfcIKM), ks.ikm, "IKM")
	assert.Equal(t, b64(t, rfcPRK), ks.prk, "PRK")
	assert.Equal(t, string(b64(t, rfcCEKInfo)), cekInfo, "cek_info")
	assert.Equal(t, b64(t, rfcCEK), ks.cek, "CEK")
	assert.Equal(t, string(b64(t, rfcNonceInfo)), nonceInfo, "nonce_info")
	assert.Equal(t, b64(t, rfcNonce), ks.nonce, "NONCE")

	// The RFC's ciphertext is AES-GCM of the padded plaintext under its
	// CEK and nonce, checked here with the standard library alone.
	assert.Equal(t, append([]byte(rfcPlaintext), 0x02), b64(t, rfcPadded), "padded plaintext")
	block, err := aes.NewCipher(b64(t, rfcCEK))
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	assert.Equal(t, b64(t, rfcCiphertext), gcm.Seal(nil, b64(t, rfcNonce), b64(t, rfcPadded), nil), "ciphertext")
}

func TestEncrypt_ReproducesTheRFC8291ExampleByteForByte(t *testing.T) {
	as := rfcKey(t, rfcASPrivate, rfcASPublic)
	uaPublic, auth, err := rfcKeys().parse()
	require.NoError(t, err)

	body, err := encrypt([]byte(rfcPlaintext), uaPublic, auth, as, b64(t, rfcSalt))
	require.NoError(t, err)
	assert.Equal(t, b64(t, rfcHeader), body[:headerLen], "header")
	assert.Equal(t, b64(t, rfcCiphertext), body[headerLen:], "ciphertext")
	assert.Equal(t, rfcBody, base64.RawURLEncoding.EncodeToString(body))
}

func TestDecrypt_OpensTheRFC8291Example(t *testing.T) {
	ua := rfcKey(t, rfcUAPrivate, rfcUAPublic)
	plain, err := Decrypt(b64(t, rfcBody), ua, b64(t, rfcAuth))
	require.NoError(t, err)
	assert.Equal(t, rfcPlaintext, string(plain))
}

// newBrowser makes what a browser keeps for a subscription: its private
// key and auth secret, and the keys it gives the server.
func newBrowser(t testing.TB) (*ecdh.PrivateKey, []byte, SubscriptionKeys) {
	t.Helper()
	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, authLen)
	_, err = rand.Read(auth)
	require.NoError(t, err)
	return ua, auth, SubscriptionKeys{
		P256dh: base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()),
		Auth:   base64.RawURLEncoding.EncodeToString(auth),
	}
}

func TestEncrypt_RoundTripsWithRandomKeys(t *testing.T) {
	ua, auth, keys := newBrowser(t)
	for _, size := range []int{0, 1, 100, MaxPayload} {
		plain := make([]byte, size)
		_, err := rand.Read(plain)
		require.NoError(t, err)

		body, err := Encrypt(keys, plain)
		require.NoError(t, err, size)
		assert.Equal(t, headerLen+size+1+tagLen, len(body), size)
		assert.Equal(t, uint32(4096), binary.BigEndian.Uint32(body[16:20]), "rs")
		assert.Equal(t, byte(65), body[20], "idlen")
		got, err := Decrypt(body, ua, auth)
		require.NoError(t, err, size)
		assert.Equal(t, plain, got, size)
	}
}

func TestEncrypt_FillsA4096ByteBodyAtMaxPayload(t *testing.T) {
	_, _, keys := newBrowser(t)
	assert.Equal(t, 4096-headerLen-1-tagLen, MaxPayload, "RFC 8291 section 4")
	body, err := Encrypt(keys, make([]byte, MaxPayload))
	require.NoError(t, err)
	assert.Len(t, body, 4096)
}

func TestEncrypt_UsesANewKeyAndSaltForEveryMessage(t *testing.T) {
	_, _, keys := newBrowser(t)
	a, err := Encrypt(keys, []byte("same"))
	require.NoError(t, err)
	b, err := Encrypt(keys, []byte("same"))
	require.NoError(t, err)
	assert.NotEqual(t, a[:saltLen], b[:saltLen], "salt")
	assert.NotEqual(t, a[saltLen+5:headerLen], b[saltLen+5:headerLen], "keyid")
	assert.NotEqual(t, a[headerLen:], b[headerLen:], "ciphertext")
}

func TestEncrypt_RefusesAPayloadOverMaxPayload(t *testing.T) {
	_, _, keys := newBrowser(t)
	_, err := Encrypt(keys, make([]byte, MaxPayload+1))
	require.ErrorIs(t, err, ErrPayloadTooLarge)
	assert.Contains(t, err.Error(), "3994 bytes, more than 3993")
}

// seal makes a body of one record holding exactly record (delimiter and
// padding included), for the cases Encrypt never makes.
func seal(t *testing.T, ua *ecdh.PrivateKey, auth, record []byte, rs uint32) []byte {
	t.Helper()
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	secret, err := as.ECDH(ua.PublicKey())
	require.NoError(t, err)
	salt := make([]byte, saltLen)
	ks, err := deriveKeys(secret, auth, ua.PublicKey().Bytes(), as.PublicKey().Bytes(), salt)
	require.NoError(t, err)
	gcm, err := newGCM(ks.cek)
	require.NoError(t, err)
	header := binary.BigEndian.AppendUint32(salt, rs)
	header = append(append(header, pointLen), as.PublicKey().Bytes()...)
	return gcm.Seal(header, ks.nonce, record, nil)
}

func TestDecrypt_StripsPaddingAfterTheDelimiter(t *testing.T) {
	ua, auth, _ := newBrowser(t)
	got, err := Decrypt(seal(t, ua, auth, []byte("hi\x02\x00\x00\x00"), 4096), ua, auth)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(got))
	got, err = Decrypt(seal(t, ua, auth, []byte("\x02"), 4096), ua, auth)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestDecrypt_RefusesWhatIsNotOneAuthenticRecord(t *testing.T) {
	ua, auth, keys := newBrowser(t)
	other, otherAuth, _ := newBrowser(t)
	good, err := Encrypt(keys, []byte("hello"))
	require.NoError(t, err)
	edit := func(f func(b []byte) []byte) []byte {
		return f(bytes.Clone(good))
	}
	scenarios := []struct {
		name string
		body []byte
		key  *ecdh.PrivateKey
		auth []byte
		want string
	}{
		{"empty body", nil, ua, auth, "shorter than the header"},
		{"header cut short", good[:headerLen-1], ua, auth, "shorter than the header"},
		{"no record", good[:headerLen], ua, auth, "the record is 0 bytes"},
		{"record shorter than a tag", good[:headerLen+tagLen], ua, auth, "the record is 16 bytes"},
		{"keyid of 64 bytes", edit(func(b []byte) []byte { b[20] = 64; return b }), ua, auth, "keyid is 64 bytes"},
		{"keyid off the curve", edit(func(b []byte) []byte { b[headerLen-1] ^= 1; return b }), ua, auth, "keyid is not a P-256 point"},
		{"record size below 18", edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[16:], 17); return b }), ua, auth, "record size 17"},
		{"record longer than rs", edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[16:], 18); return b }), ua, auth, "one record of 17 to 18 bytes"},
		{"tag damaged", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ua, auth, "authentication failed"},
		{"salt changed", edit(func(b []byte) []byte { b[0] ^= 1; return b }), ua, auth, "authentication failed"},
		{"another browser's key", good, other, auth, "authentication failed"},
		{"another auth secret", good, ua, otherAuth, "authentication failed"},
		{"auth of 15 bytes", good, ua, auth[:15], "auth secret is 15 bytes"},
		{"no key", good, nil, auth, "not a P-256 key"},
		{"delimiter 0x01 (not the last record)", seal(t, ua, auth, []byte("hi\x01"), 4096), ua, auth, "no last-record delimiter"},
		{"only zeros", seal(t, ua, auth, []byte("\x00\x00"), 4096), ua, auth, "no last-record delimiter"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got, err := Decrypt(sc.body, sc.key, sc.auth)
			require.ErrorIs(t, err, ErrUndecryptable)
			assert.Contains(t, err.Error(), sc.want)
			assert.Nil(t, got)
		})
	}
}

func TestDecrypt_RefusesAKeyOfAnotherCurve(t *testing.T) {
	_, auth, _ := newBrowser(t)
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, err = Decrypt(b64(t, rfcBody), x, auth)
	require.ErrorIs(t, err, ErrUndecryptable)
	assert.True(t, strings.Contains(err.Error(), "not a P-256 key"))
}
