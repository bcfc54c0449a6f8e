package autotls_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	autotls "github.com/makechat/makechat/tls"
	"github.com/makechat/makechat/tls/tlstest"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDomain = "chat.makechat.test"

// waitLimit bounds how long a test waits for something that happens in
// the background; it is a hang guard, not a speed requirement.
const waitLimit = 2 * time.Minute

// site is what a test serves: HTTPS with the manager's certificates and
// HSTS, and plain HTTP with challenges and the redirect.
type site struct {
	https, http net.Listener
}

func (s site) httpsPort() int { return s.https.Addr().(*net.TCPAddr).Port }
func (s site) httpPort() int  { return s.http.Addr().(*net.TCPAddr).Port }

func listenSite(t *testing.T) site {
	t.Helper()
	var s site
	var err error
	s.https, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.http, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return s
}

// serve runs the two servers until the test ends.
func (s site) serve(t *testing.T, m *autotls.Manager, domain string) {
	t.Helper()
	app := http.NewServeMux()
	app.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	quiet := log.New(io.Discard, "", 0) // handshakes fail until there is a certificate
	httpsSrv := &http.Server{Handler: autotls.HSTS(app), ErrorLog: quiet}
	httpSrv := &http.Server{Handler: m.HTTPHandler(autotls.Redirect(domain, s.httpsPort())), ErrorLog: quiet}
	go httpsSrv.Serve(tls.NewListener(s.https, m.TLSConfig()))
	go httpSrv.Serve(s.http)
	t.Cleanup(func() {
		httpsSrv.Close()
		httpSrv.Close()
	})
}

func TestACME_PebbleIssuesACertificateThatHTTPSServes(t *testing.T) {
	s := listenSite(t)
	pebble := tlstest.StartPebble(t, tlstest.PebbleConfig{HTTPPort: s.httpPort(), TLSPort: s.httpsPort()})
	var logs tlstest.Logs
	dataDir := t.TempDir()
	m, err := autotls.New(autotls.Options{
		Domain:  testDomain,
		Email:   "admin@makechat.test",
		CA:      pebble.DirectoryURL,
		DataDir: dataDir,
		Roots:   pebble.DirectoryRoots,
		Log:     zerolog.New(&logs).Level(zerolog.InfoLevel),
	})
	require.NoError(t, err)
	assert.True(t, m.Automatic())
	assert.Equal(t, pebble.DirectoryURL, m.CA())
	s.serve(t, m, testDomain)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		m.Stop()
	})
	require.NoError(t, m.Start(ctx, s.http.Addr(), s.https.Addr()))

	client := tlstest.Client(pebble.IssuedRoots)
	url := fmt.Sprintf("https://%s:%d/healthz", testDomain, s.httpsPort())
	var resp *http.Response
	require.Eventually(t, func() bool {
		r, err := client.Get(url)
		if err != nil {
			return false
		}
		resp = r
		return true
	}, waitLimit, 50*time.Millisecond, "no certificate; log: %v", logs.With())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "ok", string(body))
	assert.Equal(t, autotls.HSTSValue, resp.Header.Get("Strict-Transport-Security"))
	leaf := resp.TLS.PeerCertificates[0]
	assert.Equal(t, []string{testDomain}, leaf.DNSNames)
	assert.Contains(t, leaf.Issuer.CommonName, "Pebble")
	assert.Equal(t, "h2", resp.TLS.NegotiatedProtocol, "HTTP/2 is offered")
	assert.Len(t, logs.With(`"level":"info"`, "HTTPS certificate obtained", testDomain), 1)
	assert.Empty(t, logs.With("could not get"))

	// The certificate is kept under data_dir.
	var pems []string
	require.NoError(t, filepath.WalkDir(filepath.Join(dataDir, "certmagic"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, testDomain+".crt") {
			pems = append(pems, p)
		}
		return err
	}))
	assert.Len(t, pems, 1)

	// Plain HTTP redirects to HTTPS, path and query kept.
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d/api/ping?x=1", testDomain, s.httpPort()), nil)
	r, err := client.Do(req)
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMovedPermanently, r.StatusCode)
	assert.Equal(t, fmt.Sprintf("https://%s:%d/api/ping?x=1", testDomain, s.httpsPort()), r.Header.Get("Location"))
	assert.Empty(t, r.Header.Get("Strict-Transport-Security"), "no HSTS over plain HTTP")

	t.Run("a restart serves the stored certificate without asking the CA", func(t *testing.T) {
		s2 := listenSite(t)
		var logs2 tlstest.Logs
		m2, err := autotls.New(autotls.Options{
			Domain:  testDomain,
			CA:      pebble.DirectoryURL,
			DataDir: dataDir,
			Roots:   pebble.DirectoryRoots,
			Log:     zerolog.New(&logs2).Level(zerolog.InfoLevel),
		})
		require.NoError(t, err)
		s2.serve(t, m2, testDomain)
		require.NoError(t, m2.Start(ctx, s2.http.Addr(), s2.https.Addr()))
		t.Cleanup(m2.Stop)
		// ManageAsync loads a stored certificate before it returns.
		r, err := client.Get(fmt.Sprintf("https://%s:%d/healthz", testDomain, s2.httpsPort()))
		require.NoError(t, err)
		r.Body.Close()
		assert.Equal(t, leaf.SerialNumber, r.TLS.PeerCertificates[0].SerialNumber)
		assert.Empty(t, logs2.With("requesting an HTTPS certificate"))
	})
}

func TestACME_UnreachableCAIsLoggedAndHTTPKeepsServing(t *testing.T) {
	s := listenSite(t)
	// A port where nothing listens: the CA is down.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "https://" + dead.Addr().String() + "/dir"
	dead.Close()

	var logs tlstest.Logs
	m, err := autotls.New(autotls.Options{
		Domain:  testDomain,
		CA:      deadURL,
		DataDir: t.TempDir(),
		Log:     zerolog.New(&logs).Level(zerolog.InfoLevel),
	})
	require.NoError(t, err)
	s.serve(t, m, testDomain)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		m.Stop()
	})
	require.NoError(t, m.Start(ctx, s.http.Addr(), s.https.Addr()), "start-up does not wait for the CA")

	require.Eventually(t, func() bool {
		return len(logs.With("could not get an HTTPS certificate")) > 0
	}, waitLimit, 20*time.Millisecond)
	line := logs.With("could not get an HTTPS certificate")[0]
	assert.Contains(t, line, `"level":"error"`)
	assert.Contains(t, line, testDomain)
	assert.Contains(t, line, deadURL)
	assert.Contains(t, line, "connection refused")
	assert.Empty(t, logs.With(`"component":"certmagic"`), "certmagic's own lines stay at debug")

	// The redirect port still answers.
	client := tlstest.Client(nil)
	r, err := client.Get(fmt.Sprintf("http://%s:%d/", testDomain, s.httpPort()))
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMovedPermanently, r.StatusCode)

	// HTTPS fails the handshake at once rather than hanging.
	_, err = client.Get(fmt.Sprintf("https://%s:%d/healthz", testDomain, s.httpsPort()))
	require.Error(t, err)
	var alert tls.AlertError
	var recErr tls.RecordHeaderError
	assert.True(t, errors.As(err, &alert) || errors.As(err, &recErr) || strings.Contains(err.Error(), "tls"), "%v", err)

	// Stopping ends the retries without waiting for the backoff.
	cancel()
	m.Stop()
}

func TestACME_AnExpiringStoredCertificateIsRenewed(t *testing.T) {
	s := listenSite(t)
	// Certificates that last seconds. (Fewer than 4 makes Pebble's renewal
	// window too short for the ACME client, which then retries for seconds.)
	pebble := tlstest.StartPebble(t, tlstest.PebbleConfig{HTTPPort: s.httpPort(), TLSPort: s.httpsPort(), Validity: 4 * time.Second})
	var logs tlstest.Logs
	opts := autotls.Options{
		Domain:  testDomain,
		CA:      pebble.DirectoryURL,
		DataDir: t.TempDir(),
		Roots:   pebble.DirectoryRoots,
		Log:     zerolog.New(&logs).Level(zerolog.InfoLevel),
	}
	// The site serves with whichever manager is current, so that a
	// restart of the manager keeps the ports Pebble validates.
	var current atomic.Pointer[autotls.Manager]
	quiet := log.New(io.Discard, "", 0)
	httpsSrv := &http.Server{Handler: http.NotFoundHandler(), ErrorLog: quiet}
	httpSrv := &http.Server{ErrorLog: quiet, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		current.Load().HTTPHandler(http.NotFoundHandler()).ServeHTTP(w, r)
	})}
	go httpsSrv.Serve(tls.NewListener(s.https, &tls.Config{
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return current.Load().TLSConfig(), nil },
	}))
	go httpSrv.Serve(s.http)
	t.Cleanup(func() {
		httpsSrv.Close()
		httpSrv.Close()
	})

	m, err := autotls.New(opts)
	require.NoError(t, err)
	current.Store(m)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, m.Start(ctx, s.http.Addr(), s.https.Addr()))
	// The log line comes just before the certificate is in the cache.
	var first *x509.Certificate
	require.Eventually(t, func() bool {
		first, err = servedLeaf(s)
		return err == nil
	}, waitLimit, 20*time.Millisecond)
	assert.Len(t, logs.With("HTTPS certificate obtained", `"renewal":false`), 1)
	cancel()
	m.Stop()
	// Let the certificate run out, as it would over weeks of downtime.
	require.Eventually(t, func() bool { return time.Now().After(first.NotAfter) }, waitLimit, 100*time.Millisecond)

	// A restart on the same data_dir finds the stored certificate due and
	// renews it in the background, then serves the new one.
	m2, err := autotls.New(opts)
	require.NoError(t, err)
	current.Store(m2)
	ctx2, cancel2 := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel2()
		m2.Stop()
	})
	require.NoError(t, m2.Start(ctx2, s.http.Addr(), s.https.Addr()))
	require.Eventually(t, func() bool {
		leaf, err := servedLeaf(s)
		return err == nil && leaf.SerialNumber.Cmp(first.SerialNumber) != 0
	}, waitLimit, 20*time.Millisecond, "log: %v", logs.With())
	assert.Len(t, logs.With("renewing the HTTPS certificate", testDomain), 1)
	assert.Len(t, logs.With("HTTPS certificate obtained", `"renewal":true`), 1)
}

// servedLeaf is the certificate the site serves now, unverified (the test
// certificates expire on purpose).
func servedLeaf(s site) (*x509.Certificate, error) {
	conn, err := tls.Dial("tcp", s.https.Addr().String(), &tls.Config{ServerName: testDomain, InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}
