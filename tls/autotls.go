package autotls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/rs/zerolog"
)

// Default addresses of the two listeners when HTTPS is on. The design's
// config table leaves no room for others: with a domain, browsers come to
// 443, and Let's Encrypt's HTTP-01 challenge always comes to port 80.
const (
	DefaultHTTPSAddr = ":443"
	DefaultHTTPAddr  = ":80"
)

// LetsEncrypt is the production ACME directory used when Options.CA is
// empty.
const LetsEncrypt = certmagic.LetsEncryptProductionCA

// certDir is the folder under the data directory that holds certmagic's
// storage.
const certDir = "certmagic"

// Options says how to serve HTTPS. Domain and CertFile are mutually
// exclusive (the config package checks that); with neither, HTTPS is off.
type Options struct {
	Domain  string // the name to get certificates for
	Email   string // ACME account contact, may be empty
	CA      string // ACME directory URL; empty for Let's Encrypt
	DataDir string // certificates are kept in DataDir/certmagic

	CertFile string // PEM certificate (chain) to serve instead
	KeyFile  string // its PEM private key

	// Roots, if not nil, are the only roots trusted when talking to the
	// ACME directory (a private CA, or Pebble in tests); nil means the
	// system's roots.
	Roots *x509.CertPool

	Log zerolog.Logger
}

// Enabled reports whether the options ask for HTTPS at all.
func (o Options) Enabled() bool { return o.Domain != "" || o.CertFile != "" }

// Manager provides the certificates of one server.
type Manager struct {
	opts  Options
	files *keyPair // files mode

	// ACME mode
	cache    *certmagic.Cache
	magic    *certmagic.Config
	issuer   *certmagic.ACMEIssuer
	stopOnce sync.Once
}

// New prepares HTTPS as the options say. With files it loads them now, so
// that a missing or bad file stops start-up with an error naming it. With
// a domain it sets up certmagic without touching the network: Start does
// that.
func New(opts Options) (*Manager, error) {
	switch {
	case opts.Domain != "" && opts.CertFile != "":
		return nil, errors.New("domain and tls_cert are both set; use one")
	case opts.CertFile != "":
		kp, err := loadKeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, err
		}
		return &Manager{opts: opts, files: kp}, nil
	case opts.Domain != "":
		return newACME(opts), nil
	}
	return nil, errors.New("neither domain nor tls_cert is set")
}

// Automatic reports whether certificates come from an ACME CA (rather than
// from files).
func (m *Manager) Automatic() bool { return m.files == nil }

// CA is the ACME directory certificates come from ("" with files).
func (m *Manager) CA() string {
	if m.issuer == nil {
		return ""
	}
	return m.issuer.CA
}

// StorageDir is where certificates and the ACME account are kept ("" with
// files).
func (m *Manager) StorageDir() string {
	if m.files != nil {
		return ""
	}
	return filepath.Join(m.opts.DataDir, certDir)
}

// TLSConfig is the configuration for the HTTPS listener: HTTP/2 and
// HTTP/1.1, TLS 1.2 at least, and (with a domain) the TLS-ALPN-01
// challenge.
func (m *Manager) TLSConfig() *tls.Config {
	var c *tls.Config
	if m.files != nil {
		c = &tls.Config{GetCertificate: m.files.get}
	} else {
		c = m.magic.TLSConfig()
	}
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = append([]string{"h2", "http/1.1"}, c.NextProtos...)
	return c
}

// HTTPHandler wraps the plain-HTTP server's handler so that it answers
// ACME HTTP-01 challenges first; next gets everything else.
func (m *Manager) HTTPHandler(next http.Handler) http.Handler {
	if m.issuer == nil {
		return next
	}
	return m.issuer.HTTPChallengeHandler(next)
}

// Start begins to obtain (or load from storage) and renew the domain's
// certificate in the background, until ctx ends or Stop is called.
// httpAddr and httpsAddr are the listeners' bound addresses: certmagic
// finds them taken and leaves the challenges to HTTPHandler and
// TLSConfig. It returns at once; failures are logged and retried.
func (m *Manager) Start(ctx context.Context, httpAddr, httpsAddr net.Addr) error {
	if m.issuer == nil {
		return nil
	}
	host, httpPort := splitAddr(httpAddr)
	_, httpsPort := splitAddr(httpsAddr)
	m.issuer.ListenHost = host
	m.issuer.AltHTTPPort = httpPort
	m.issuer.AltTLSALPNPort = httpsPort
	// ManageAsync loads a stored certificate in a goroutine of its own,
	// so the first handshakes after a restart would find none: load it
	// here first (storage only; OCSP stapling may use the network, hence
	// the bound). A missing certificate is obtained by ManageAsync.
	// One that is due for renewal is left to ManageAsync, which renews
	// what it loads itself.
	loadCtx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	cert, err := m.magic.CacheManagedCertificate(loadCtx, m.opts.Domain)
	switch {
	case err == nil && cert.NeedsRenewal(m.magic):
		m.cache.Remove([]string{cert.Hash()})
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		m.opts.Log.Warn().Err(err).Str("domain", m.opts.Domain).Msg("the stored HTTPS certificate could not be loaded; a new one will be requested")
	}
	return m.magic.ManageAsync(ctx, []string{m.opts.Domain})
}

// loadTimeout bounds loading a stored certificate at start.
const loadTimeout = 10 * time.Second

// Stop ends certificate maintenance. Calling it again does nothing.
func (m *Manager) Stop() {
	if m.cache != nil {
		m.stopOnce.Do(m.cache.Stop)
	}
}

// Reload reads tls_cert and tls_key again. On any error the certificate
// served so far stays in use. With a domain there is nothing to reload.
func (m *Manager) Reload() error {
	if m.files == nil {
		return nil
	}
	return m.files.reload()
}

// Leaf is the certificate served from files, for logs; nil with a
// domain.
func (m *Manager) Leaf() *x509.Certificate {
	if m.files == nil {
		return nil
	}
	return m.files.leaf()
}

// splitAddr returns the host to listen on ("" for every address) and the
// port of a bound TCP address.
func splitAddr(a net.Addr) (string, int) {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "", 0
	}
	n, _ := strconv.Atoi(port)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = ""
	}
	return host, n
}
