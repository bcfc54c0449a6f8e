package appliance

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	autotls "github.com/makechat/makechat/tls"
)

// tlsOverrides holds what only tests change: the addresses of the two
// listeners HTTPS needs (":443" and ":80" when empty) and the roots
// trusted for the ACME directory (the system's when nil). Operators have
// no key for them; see docs/operations.md.
type tlsOverrides struct {
	httpsAddr, httpAddr string
	acmeRoots           *x509.CertPool
}

// web is the HTTP side of a running server: one plain server on listen,
// or, with HTTPS, the HTTPS server and the plain one that answers ACME
// challenges and redirects.
type web struct {
	servers   []*http.Server
	listeners []net.Listener
	tls       *autotls.Manager // nil for plain HTTP
	url       string           // what users open

	// With HTTPS, the bound addresses of its two listeners.
	httpsAddr, httpAddr net.Addr
}

// listenWeb opens the listeners the configuration asks for. Nothing is
// served until serve.
func (a *App) listenWeb(base *http.Server) (*web, error) {
	opts := autotls.Options{
		Domain:   a.cfg.Domain,
		Email:    a.cfg.ACMEEmail,
		CA:       a.cfg.ACMECA,
		DataDir:  a.cfg.DataDir,
		CertFile: a.cfg.TLSCert,
		KeyFile:  a.cfg.TLSKey,
		Roots:    a.tlsOverrides.acmeRoots,
		Log:      a.log.With().Str("component", "tls").Logger(),
	}
	if !opts.Enabled() {
		if a.cfg.ACMECA != "" || a.cfg.ACMEEmail != "" {
			a.log.Warn().Msg("acme_ca and acme_email do nothing without domain; serving plain HTTP")
		}
		ln, err := net.Listen("tcp", a.cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
		}
		return &web{servers: []*http.Server{base}, listeners: []net.Listener{a.conns.wrap(ln)}, url: fmt.Sprintf("http://%s/", ln.Addr())}, nil
	}

	m, err := autotls.New(opts)
	if err != nil {
		return nil, err
	}
	httpsAddr := cmp.Or(a.tlsOverrides.httpsAddr, autotls.DefaultHTTPSAddr)
	httpAddr := cmp.Or(a.tlsOverrides.httpAddr, autotls.DefaultHTTPAddr)
	httpsLn, err := net.Listen("tcp", httpsAddr)
	if err != nil {
		m.Stop()
		return nil, fmt.Errorf("listen for HTTPS on %s: %w%s", httpsAddr, err, portHint(err))
	}
	httpLn, err := net.Listen("tcp", httpAddr)
	if err != nil {
		httpsLn.Close()
		m.Stop()
		return nil, fmt.Errorf("listen for HTTP on %s: %w%s", httpAddr, err, portHint(err))
	}

	if m.Automatic() {
		a.log.Info().Str("domain", a.cfg.Domain).Str("ca", m.CA()).Str("certificates", m.StorageDir()).
			Str("https", httpsLn.Addr().String()).Str("http", httpLn.Addr().String()).
			Msg("HTTPS with automatic certificates; the HTTP port answers ACME challenges and redirects to HTTPS (listen is not used)")
	} else {
		leaf := m.Leaf()
		a.log.Info().Str("tls_cert", a.cfg.TLSCert).Strs("names", leaf.DNSNames).Time("not_after", leaf.NotAfter).
			Str("https", httpsLn.Addr().String()).Str("http", httpLn.Addr().String()).
			Msg("HTTPS with the certificate of tls_cert (SIGHUP rereads it); the HTTP port redirects to HTTPS (listen is not used)")
	}
	base.Handler = autotls.HSTS(base.Handler)
	redirect := &http.Server{
		Handler:           m.HTTPHandler(a.plainHandler(autotls.Redirect(a.cfg.Domain, httpsLn.Addr().(*net.TCPAddr).Port))),
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       requestTimeout,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          base.ErrorLog,
		BaseContext:       base.BaseContext,
		ConnState:         base.ConnState,
	}
	return &web{
		servers:   []*http.Server{base, redirect},
		listeners: []net.Listener{tls.NewListener(a.conns.wrap(httpsLn), m.TLSConfig()), a.conns.wrap(httpLn)},
		tls:       m,
		url:       m.URL(httpsLn.Addr()),
		httpsAddr: httpsLn.Addr(),
		httpAddr:  httpLn.Addr(),
	}, nil
}

// plainHandler is what the plain-HTTP port serves besides ACME
// challenges: /healthz, so that a health check works before the first
// certificate arrives and when it cannot be had, and the redirect to
// HTTPS for everything else.
func (a *App) plainHandler(redirect http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/healthz", a.api.Handler())
	mux.Handle("/", redirect)
	return a.api.Middleware(mux)
}

// serve serves every listener; each server's end is sent to errc.
func (w *web) serve(errc chan<- error) {
	for i, srv := range w.servers {
		go func() { errc <- srv.Serve(w.listeners[i]) }()
	}
}

// start begins certificate management once the listeners accept
// connections, so that ACME challenges can be answered.
func (w *web) start(ctx context.Context) error {
	if w.tls == nil {
		return nil
	}
	return w.tls.Start(ctx, w.httpAddr, w.httpsAddr)
}

// shutdown stops accepting on every server and waits, up to ctx, for the
// requests in flight; then it ends certificate management.
func (w *web) shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range w.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	if w.tls != nil {
		w.tls.Stop()
	}
	return errors.Join(errs...)
}

// close releases the listeners when serving never started.
func (w *web) close() {
	for _, ln := range w.listeners {
		ln.Close()
	}
	if w.tls != nil {
		w.tls.Stop()
	}
}

// hangups starts catching SIGHUP, before the server is ready, so that a
// SIGHUP never meets its default action (ending the process); stop
// undoes it.
func hangups() (hup <-chan os.Signal, stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return ch, func() { signal.Stop(ch) }
}

// reloadOnHangup rereads tls_cert and tls_key on each SIGHUP until ctx
// ends. A server without them logs that there is nothing to reload.
func (a *App) reloadOnHangup(ctx context.Context, hup <-chan os.Signal, m *autotls.Manager) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			a.reloadTLS(m)
		}
	}
}

// reloadTLS rereads the certificate files and logs the outcome.
func (a *App) reloadTLS(m *autotls.Manager) {
	if m == nil || m.Automatic() {
		a.log.Info().Msg("SIGHUP: nothing to reload (only tls_cert and tls_key are reread)")
		return
	}
	if err := m.Reload(); err != nil {
		a.log.Error().Err(err).Msg("SIGHUP: certificate not reloaded; still serving the previous one")
		return
	}
	leaf := m.Leaf()
	a.log.Info().Strs("names", leaf.DNSNames).Time("not_after", leaf.NotAfter).Msg("SIGHUP: certificate reloaded")
}

// portHint explains the usual reason a non-root server cannot listen on
// :80 or :443.
func portHint(err error) string {
	if errors.Is(err, os.ErrPermission) {
		return " (ports below 1024 need root or CAP_NET_BIND_SERVICE; see docs/operations.md)"
	}
	return ""
}
