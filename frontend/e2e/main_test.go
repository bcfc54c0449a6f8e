package e2e

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestMain makes the servers the tests start trust the certificate of
// httptest's TLS servers (one for all of them), as an operator trusts an
// internal CA: SSL_CERT_FILE names the roots Go's TLS clients use. The
// tests' own push services (webpush_test.go) are such servers.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "makechat-e2e-roots")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	roots := filepath.Join(dir, "roots.pem")
	err = os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	srv.Close()
	if err == nil {
		err = os.Setenv("SSL_CERT_FILE", roots)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
