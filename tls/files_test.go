package autotls_test

import (
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	autotls "github.com/makechat/makechat/tls"
	"github.com/makechat/makechat/tls/tlstest"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// servedSerial connects to addr as name and returns the serial of the
// certificate served.
func servedSerial(t *testing.T, addr string, name string, roots *x509.CertPool) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: name, RootCAs: roots})
	require.NoError(t, err)
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

func TestFiles_ServesTheFilesAndReloadSwapsThem(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := tlstest.SelfSigned(t, "chat.example.org", time.Now().Add(24*time.Hour))
	first.Write(t, certFile, keyFile)

	m, err := autotls.New(autotls.Options{CertFile: certFile, KeyFile: keyFile, Log: zerolog.Nop()})
	require.NoError(t, err)
	assert.False(t, m.Automatic())
	assert.Empty(t, m.CA())
	assert.Empty(t, m.StorageDir())
	assert.Equal(t, first.Leaf.SerialNumber, m.Leaf().SerialNumber)
	require.NoError(t, m.Start(t.Context(), nil, nil), "nothing to start with files")
	t.Cleanup(m.Stop)

	ln, err := tls.Listen("tcp", "127.0.0.1:0", m.TLSConfig())
	require.NoError(t, err)
	srv := &http.Server{Handler: autotls.HSTS(http.NotFoundHandler())}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()
	assert.Equal(t, "https://chat.example.org:"+portOf(ln.Addr())+"/", m.URL(ln.Addr()))

	assert.Equal(t, first.Leaf.SerialNumber, servedSerial(t, addr, "chat.example.org", first.Roots))
	resp, err := tlstest.Client(first.Roots).Get("https://chat.example.org:" + portOf(ln.Addr()) + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, autotls.HSTSValue, resp.Header.Get("Strict-Transport-Security"))

	second := tlstest.SelfSigned(t, "chat.example.org", time.Now().Add(48*time.Hour))
	second.Write(t, certFile, keyFile)
	require.NoError(t, m.Reload())
	assert.Equal(t, second.Leaf.SerialNumber, servedSerial(t, addr, "chat.example.org", second.Roots))

	// Bad files on reload keep the certificate served so far.
	expired := tlstest.SelfSigned(t, "chat.example.org", time.Now().Add(-time.Minute))
	bad := []struct {
		name       string
		cert, key  []byte
		wantInErr  string
		removeCert bool
	}{
		{name: "garbage certificate", cert: []byte("not a certificate"), key: second.KeyPEM, wantInErr: "tls_cert"},
		{name: "key of another certificate", cert: second.CertPEM, key: first.KeyPEM, wantInErr: "private key does not match"},
		{name: "empty key", cert: second.CertPEM, key: nil, wantInErr: "tls_cert"},
		{name: "expired certificate", cert: expired.CertPEM, key: expired.KeyPEM, wantInErr: "expired"},
		{name: "certificate file gone", removeCert: true, key: second.KeyPEM, wantInErr: "tls_cert"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if tc.removeCert {
				require.NoError(t, os.Remove(certFile))
			} else {
				require.NoError(t, os.WriteFile(certFile, tc.cert, 0o600))
			}
			if tc.key != nil {
				require.NoError(t, os.WriteFile(keyFile, tc.key, 0o600))
			}
			err := m.Reload()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantInErr)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Equal(t, second.Leaf.SerialNumber, servedSerial(t, addr, "chat.example.org", second.Roots))
			assert.Equal(t, second.Leaf.SerialNumber, m.Leaf().SerialNumber)
		})
	}
}

func TestFiles_BadFilesStopStartUpNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	good := tlstest.SelfSigned(t, "chat.example.org", time.Now().Add(time.Hour))
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	good.Write(t, certFile, keyFile)
	huge := filepath.Join(dir, "huge.pem")
	require.NoError(t, os.WriteFile(huge, []byte(strings.Repeat("A", 2<<20)), 0o600))

	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"missing certificate", filepath.Join(dir, "nope.pem"), keyFile, "tls_cert"},
		{"missing key", certFile, filepath.Join(dir, "nope.pem"), "tls_key"},
		{"key not set", certFile, "", "tls_key"},
		{"directory as certificate", dir, keyFile, "tls_cert"},
		{"oversized certificate", huge, keyFile, "larger than"},
		{"certificate and key swapped", keyFile, certFile, "tls_cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := autotls.New(autotls.Options{CertFile: tc.cert, KeyFile: tc.key})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}

	t.Run("domain and files together", func(t *testing.T) {
		_, err := autotls.New(autotls.Options{Domain: "chat.example.org", CertFile: certFile, KeyFile: keyFile})
		require.Error(t, err)
	})
	t.Run("neither", func(t *testing.T) {
		_, err := autotls.New(autotls.Options{})
		require.Error(t, err)
		assert.False(t, autotls.Options{}.Enabled())
	})
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}
