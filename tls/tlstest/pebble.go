// Package tlstest runs Let's Encrypt's Pebble test CA in-process on
// loopback, for tests that obtain real certificates over ACME.
//
// Start from StartPebble. Pebble's validation authority resolves every
// name to 127.0.0.1 through a small DNS server of the test's own, and
// checks HTTP-01 and TLS-ALPN-01 challenges on the ports given, so any
// test domain (e.g. chat.makechat.test) works without touching the
// machine's DNS or needing ports 80 and 443.
package tlstest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// Pebble is a running Pebble ACME server.
type Pebble struct {
	// DirectoryURL is the ACME directory (https://127.0.0.1:PORT/dir).
	DirectoryURL string
	// DirectoryRoots trusts the directory's own HTTPS certificate; give
	// it to the ACME client.
	DirectoryRoots *x509.CertPool
	// IssuedRoots trusts the certificates Pebble issues; give it to the
	// HTTPS clients of the server under test.
	IssuedRoots *x509.CertPool
}

// PebbleConfig says where Pebble's validation authority connects and how
// long the certificates it issues last.
type PebbleConfig struct {
	HTTPPort int // 127.0.0.1:HTTPPort is checked for HTTP-01 challenges
	TLSPort  int // 127.0.0.1:TLSPort is checked for TLS-ALPN-01 challenges
	// Validity of issued certificates, in whole seconds; 0 for Pebble's
	// default (years). A few seconds let a test see renewal; under 4
	// seconds Pebble's renewal window is too short for ACME clients,
	// which then retry for seconds.
	Validity time.Duration
}

// StartPebble starts Pebble for the test; it stops when the test ends.
// Pebble's log is printed if the test fails. Under go test -short it
// skips the test: ACME issuance is one of the slow parts -short leaves
// out.
//
// It sets PEBBLE_VA_NOSLEEP (no random wait before each validation) and
// PEBBLE_WFE_NONCEREJECT=0 for the test, so the test may not be parallel.
func StartPebble(t testing.TB, cfg PebbleConfig) *Pebble {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips the tests that get certificates from Pebble (ACME); run without -short for them")
	}
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")

	var logBuf syncBuffer
	logger := log.New(&logBuf, "pebble ", log.Lmicroseconds)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Pebble's log:\n%s", logBuf.String())
		}
	})

	resolver := startDNS(t)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{
		"default": {Description: "test profile", ValidityPeriod: uint64(cfg.Validity / time.Second)},
	})
	validator := va.New(logger, cfg.HTTPPort, cfg.TLSPort, false, resolver, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	srv := httptest.NewTLSServer(front.Handler())
	t.Cleanup(srv.Close)

	directoryRoots := x509.NewCertPool()
	directoryRoots.AddCert(srv.Certificate())
	issuedRoots := x509.NewCertPool()
	issuedRoots.AddCert(authority.GetRootCert(0).Cert)
	return &Pebble{
		DirectoryURL:   srv.URL + wfe.DirectoryPath,
		DirectoryRoots: directoryRoots,
		IssuedRoots:    issuedRoots,
	}
}

// startDNS serves DNS over TCP on loopback (Pebble's resolver client uses
// TCP), answering 127.0.0.1 to every A question and nothing to others;
// it returns the server's address.
func startDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns listener: %v", err)
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		resp := new(dns.Msg)
		resp.SetReply(req)
		for _, q := range req.Question {
			if q.Qtype == dns.TypeA {
				resp.Answer = append(resp.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(127, 0, 0, 1),
				})
			}
		}
		_ = w.WriteMsg(resp)
	})
	started := make(chan struct{})
	srv := &dns.Server{Listener: ln, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	done := make(chan struct{})
	var serveErr error
	go func() {
		defer close(done)
		serveErr = srv.ActivateAndServe()
	}()
	select {
	case <-started:
	case <-done:
		t.Fatalf("dns server: %v", serveErr)
	case <-time.After(10 * time.Second):
		t.Fatal("dns server not started after 10 s")
	}
	t.Cleanup(func() {
		_ = srv.Shutdown()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("dns server not stopped after 10 s")
		}
	})
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for Pebble's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago,
// for servers that must be told their port before they listen (Pebble's
// validation authority needs it at start). Another process could take it
// in between; on loopback in a test run that does not happen in practice.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Client returns an HTTPS client that trusts roots, connects every
// address to 127.0.0.1 on the port given in the URL and follows no
// redirects.
func Client(roots *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
