package appliance

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/makechat/makechat/appliance/config"
	autotls "github.com/makechat/makechat/tls"
	"github.com/makechat/makechat/tls/tlstest"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDomain = "chat.makechat.test"

// waitLimit bounds waits for background work (a certificate, a reload);
// it guards against hangs and is not a speed requirement.
const waitLimit = 2 * time.Minute

// running is a server started by startApp.
type running struct {
	url                 string
	httpsPort, httpPort int
	logs                *tlstest.Logs
	stop                func() error
}

// startApp runs the whole appliance with HTTPS on two free loopback
// ports; edit changes the configuration first.
func startApp(t *testing.T, edit func(*config.Config), overrides *tlsOverrides) *running {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.BackupDir = filepath.Join(cfg.DataDir, "backups")
	cfg.Listen = "127.0.0.1:0"
	edit(&cfg)
	logs := &tlstest.Logs{}
	app, err := New(cfg, zerolog.New(logs).Level(zerolog.InfoLevel), "test")
	require.NoError(t, err)
	r := &running{logs: logs}
	if overrides != nil {
		app.tlsOverrides = *overrides
	}
	r.httpsPort, r.httpPort = port(app.tlsOverrides.httpsAddr), port(app.tlsOverrides.httpAddr)

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, func(url string) { ready <- url }) }()
	select {
	case r.url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run ended before it was ready: %v", err)
	case <-time.After(waitLimit):
		cancel()
		t.Fatalf("Run not ready after %s", waitLimit)
	}
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(waitLimit):
				runErr = fmt.Errorf("the app did not return from Run within %s of its context's end", waitLimit)
				t.Error(runErr)
			}
		})
		return runErr
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// port is the port of host:port, 0 if there is none.
func port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

// freeAddrs picks the loopback addresses of the HTTPS and HTTP listeners.
func freeAddrs(t *testing.T) tlsOverrides {
	return tlsOverrides{
		httpsAddr: fmt.Sprintf("127.0.0.1:%d", tlstest.FreePort(t)),
		httpAddr:  fmt.Sprintf("127.0.0.1:%d", tlstest.FreePort(t)),
	}
}

func TestRun_DomainGetsACertificateFromPebbleAndServesTheAPIOverHTTPS(t *testing.T) {
	addrs := freeAddrs(t)
	httpsPort, httpPort := port(addrs.httpsAddr), port(addrs.httpAddr)
	pebble := tlstest.StartPebble(t, tlstest.PebbleConfig{HTTPPort: httpPort, TLSPort: httpsPort})
	addrs.acmeRoots = pebble.DirectoryRoots

	srv := startApp(t, func(c *config.Config) {
		c.Domain = testDomain
		c.ACMEEmail = "admin@makechat.test"
		c.ACMECA = pebble.DirectoryURL
		c.AllowRegistration = true
	}, &addrs)
	base := fmt.Sprintf("https://%s:%d", testDomain, httpsPort)
	assert.Equal(t, base+"/", srv.url, "ready gets the https URL")
	assert.Equal(t, 1, len(srv.logs.With("HTTPS with automatic certificates")))

	client := tlstest.Client(pebble.IssuedRoots)
	var resp *http.Response
	require.Eventually(t, func() bool {
		r, err := client.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp = r
		return true
	}, waitLimit, 50*time.Millisecond, "no certificate was issued")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"status": "ok"`)
	assert.Equal(t, autotls.HSTSValue, resp.Header.Get("Strict-Transport-Security"))
	assert.Equal(t, []string{testDomain}, resp.TLS.PeerCertificates[0].DNSNames)
	assert.Contains(t, resp.TLS.PeerCertificates[0].Issuer.CommonName, "Pebble")
	assert.Equal(t, 1, len(srv.logs.With("HTTPS certificate obtained")))

	// A session cookie made over HTTPS is Secure, and works.
	reg, err := client.Post(base+"/api/register", "application/json",
		strings.NewReader(`{"username": "alice", "email": "alice@makechat.test", "password1": "a long password", "password2": "a long password"}`))
	require.NoError(t, err)
	reg.Body.Close()
	require.Equal(t, http.StatusCreated, reg.StatusCode)
	cookie := reg.Header.Get("Set-Cookie")
	assert.Contains(t, cookie, "session=")
	assert.Contains(t, cookie, "Secure")
	assert.Equal(t, autotls.HSTSValue, reg.Header.Get("Strict-Transport-Security"))
	req, _ := http.NewRequest(http.MethodGet, base+"/api/ping", nil)
	req.Header.Set("Cookie", strings.Split(cookie, ";")[0])
	ping, err := client.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(ping.Body)
	ping.Body.Close()
	assert.Equal(t, http.StatusOK, ping.StatusCode)
	assert.Contains(t, string(body), `"username": "alice"`)

	// The WebSocket stream works over HTTPS (HTTP/1.1 upgrade, though the
	// listener offers HTTP/2), with the Secure cookie and a same-origin check.
	wsCtx, wsCancel := context.WithCancel(context.Background())
	defer wsCancel()
	ws, wsResp, err := websocket.Dial(wsCtx, "wss://"+strings.TrimPrefix(base, "https://")+"/api/stream", &websocket.DialOptions{
		HTTPClient: client,
		HTTPHeader: http.Header{"Cookie": {strings.Split(cookie, ";")[0]}, "Origin": {base}},
	})
	require.NoError(t, err)
	assert.Equal(t, autotls.HSTSValue, wsResp.Header.Get("Strict-Transport-Security"))
	ws.Close(websocket.StatusNormalClosure, "")

	// Plain HTTP redirects to the same path over HTTPS, except /healthz.
	plain := fmt.Sprintf("http://%s:%d", testDomain, httpPort)
	r, err := client.Get(plain + "/api/ping?x=1")
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMovedPermanently, r.StatusCode)
	assert.Equal(t, base+"/api/ping?x=1", r.Header.Get("Location"))
	r, err = client.Post(plain+"/api/login", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusPermanentRedirect, r.StatusCode)
	assert.Equal(t, base+"/api/login", r.Header.Get("Location"))
	r, err = client.Get(plain + "/healthz")
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Empty(t, r.Header.Get("Strict-Transport-Security"))

	require.NoError(t, srv.stop(), "a clean shutdown of both servers")
	assert.Equal(t, 1, len(srv.logs.With("shutting down")))
}

func TestRun_UnreachableCAStillStartsAndAnswersHealthOverHTTP(t *testing.T) {
	addrs := freeAddrs(t)
	srv := startApp(t, func(c *config.Config) {
		c.Domain = testDomain
		c.ACMECA = fmt.Sprintf("https://127.0.0.1:%d/dir", tlstest.FreePort(t)) // nothing listens there
	}, &addrs)
	require.Eventually(t, func() bool { return len(srv.logs.With("could not get an HTTPS certificate")) == 1 },
		waitLimit, 20*time.Millisecond)

	client := tlstest.Client(nil)
	r, err := client.Get(fmt.Sprintf("http://%s:%d/healthz", testDomain, srv.httpPort))
	require.NoError(t, err)
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, string(body), `"status": "ok"`)
	r, err = client.Get(fmt.Sprintf("http://%s:%d/", testDomain, srv.httpPort))
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMovedPermanently, r.StatusCode)

	require.NoError(t, srv.stop(), "shutdown does not wait for the retries")
}

func TestRun_TLSFilesAreServedAndSIGHUPReloadsThem(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := tlstest.SelfSigned(t, "files.makechat.test", time.Now().Add(24*time.Hour))
	first.Write(t, certFile, keyFile)
	addrs := freeAddrs(t)
	srv := startApp(t, func(c *config.Config) {
		c.TLSCert, c.TLSKey = certFile, keyFile
	}, &addrs)
	base := fmt.Sprintf("https://files.makechat.test:%d", srv.httpsPort)
	assert.Equal(t, base+"/", srv.url)

	served := func(roots *tlstest.Cert) (string, error) {
		r, err := tlstest.Client(roots.Roots).Get(base + "/healthz")
		if err != nil {
			return "", err
		}
		r.Body.Close()
		assert.Equal(t, autotls.HSTSValue, r.Header.Get("Strict-Transport-Security"))
		return r.TLS.PeerCertificates[0].SerialNumber.String(), nil
	}
	got, err := served(&first)
	require.NoError(t, err)
	assert.Equal(t, first.Leaf.SerialNumber.String(), got)

	second := tlstest.SelfSigned(t, "files.makechat.test", time.Now().Add(48*time.Hour))
	second.Write(t, certFile, keyFile)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return len(srv.logs.With("SIGHUP: certificate reloaded")) == 1 }, waitLimit, 10*time.Millisecond)
	got, err = served(&second)
	require.NoError(t, err)
	assert.Equal(t, second.Leaf.SerialNumber.String(), got)

	// A broken file on the next SIGHUP: logged, and the second
	// certificate stays.
	require.NoError(t, os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\ngarbage\n"), 0o600))
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return len(srv.logs.With("SIGHUP: certificate not reloaded")) == 1 }, waitLimit, 10*time.Millisecond)
	got, err = served(&second)
	require.NoError(t, err)
	assert.Equal(t, second.Leaf.SerialNumber.String(), got)

	require.NoError(t, srv.stop())
}

func TestRun_BadTLSFilesStopStartUpWithOneLine(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.BackupDir = filepath.Join(cfg.DataDir, "backups")
	cfg.TLSCert = filepath.Join(cfg.DataDir, "missing.pem")
	cfg.TLSKey = filepath.Join(cfg.DataDir, "missing-key.pem")
	app, err := New(cfg, zerolog.Nop(), "test")
	require.NoError(t, err)
	app.tlsOverrides = freeAddrs(t)
	err = app.Run(context.Background(), func(string) { t.Error("must not get ready") })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tls_cert")
	assert.Contains(t, err.Error(), "missing.pem")
	assert.NotContains(t, err.Error(), "\n")
}

func TestRun_PlainHTTPSaysSoAndIgnoresSIGHUP(t *testing.T) {
	srv := startApp(t, func(*config.Config) {}, nil)
	assert.True(t, strings.HasPrefix(srv.url, "http://127.0.0.1:"), srv.url)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return len(srv.logs.With("SIGHUP: nothing to reload")) == 1 }, waitLimit, 10*time.Millisecond)
	r, err := http.Get(srv.url + "healthz")
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Empty(t, r.Header.Get("Strict-Transport-Security"))
	require.NoError(t, srv.stop())
}

func TestStdLogger_TLSHandshakeErrorsAreDebugOnly(t *testing.T) {
	var logs tlstest.Logs
	std := newStdLogger(zerolog.New(&logs).Level(zerolog.InfoLevel))
	std.Print("http: TLS handshake error from 192.0.2.1:4711: EOF")
	assert.Zero(t, len(logs.With("handshake")), "not at info")
	std.Print("http: Accept error: too many open files")
	assert.Equal(t, 1, len(logs.With(`"level":"warn"`)))
}

func TestRun_ATakenHTTPPortStopsStartUpAndReleasesTheHTTPSPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	dir := t.TempDir()
	cert := tlstest.SelfSigned(t, "files.makechat.test", time.Now().Add(time.Hour))
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.BackupDir = filepath.Join(dir, "backups")
	cfg.TLSCert, cfg.TLSKey = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert.Write(t, cfg.TLSCert, cfg.TLSKey)
	app, err := New(cfg, zerolog.Nop(), "test")
	require.NoError(t, err)
	addrs := freeAddrs(t)
	addrs.httpAddr = taken.Addr().String()
	app.tlsOverrides = addrs

	err = app.Run(context.Background(), func(string) { t.Error("must not get ready") })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen for HTTP on "+taken.Addr().String())
	ln, err := net.Listen("tcp", addrs.httpsAddr)
	require.NoError(t, err, "the HTTPS listener was closed")
	ln.Close()
}
