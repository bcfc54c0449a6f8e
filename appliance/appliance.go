// Package appliance wires makechat together: it opens the store named by
// the configuration, builds the domain service and the HTTP API, and
// serves them, with the control socket, until its context ends.
//
// Start from New and Run. OpenStore and NewChat are exported for the
// command line, which builds the same parts when no server runs.
package appliance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/makechat/makechat/appliance/api"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
	"github.com/rs/zerolog"
)

// StoreFile is the embedded store's file name inside data_dir.
const StoreFile = "makechat.db"

// shutdownGrace bounds how long in-flight requests may run after a stop.
const shutdownGrace = 10 * time.Second

// App is a configured makechat server.
type App struct {
	cfg   config.Config
	log   zerolog.Logger
	store storage.Store
	chat  *chat.Service
	api   *api.Server
}

// OpenStore opens the store the configuration names. The embedded store
// waits at most lockWait for another process to release its file.
func OpenStore(cfg config.Config, lockWait time.Duration) (storage.Store, error) {
	if cfg.MongoURI != "" {
		return nil, errors.New("mongo_uri is set, but this build of makechat has no MongoDB store yet; unset mongo_uri to use the embedded store")
	}
	path := filepath.Join(cfg.DataDir, StoreFile)
	st, err := bolt.Open(path, bolt.Options{Timeout: lockWait})
	if errors.Is(err, bolt.ErrLocked) {
		return nil, fmt.Errorf("data_dir %s is in use by another makechat server (its store %s is locked)", cfg.DataDir, path)
	}
	return st, err
}

// NewChat builds the domain service over a store; notify receives its
// events (nil for none, as on the command line).
func NewChat(ctx context.Context, cfg config.Config, st storage.Store, notify chat.Notifier) (*chat.Service, error) {
	svc := chat.New(st, chat.Options{SessionTTL: cfg.SessionTTL, AllowRegistration: cfg.AllowRegistration, Notify: notify})
	return svc, svc.Init(ctx)
}

// New opens the store and builds the server; Run serves it.
func New(cfg config.Config, log zerolog.Logger) (*App, error) {
	if err := cfg.EnsureSecret(); err != nil {
		return nil, err
	}
	st, err := OpenStore(cfg, time.Second)
	if err != nil {
		return nil, err
	}
	h := hub.New(func(*hub.Client) { log.Info().Msg("stream cut off: its client did not keep up") })
	// The service announces events through the API server, which encodes
	// them for the hub; the server needs the service in turn.
	var srv *api.Server
	svc, err := NewChat(context.Background(), cfg, st, func(e chat.Event) { srv.Publish(e) })
	if err != nil {
		st.Close()
		return nil, err
	}
	proxies, err := api.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		st.Close()
		return nil, err
	}
	srv = api.New(svc, h, log, proxies)
	if NewMaintenance(cfg).On() {
		srv.Maintenance().Set(true)
		log.Warn().Msg("maintenance mode is on: users get 503 until 'makechat maintenance off'")
	}
	return &App{cfg: cfg, log: log, store: st, chat: svc, api: srv}, nil
}

// Handler is the whole site: the API, /healthz and the start page.
func (a *App) Handler() http.Handler {
	api := a.api.Handler()
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/{$}", maintenancePage(a.cfg, a.api.Maintenance(), http.HandlerFunc(startPage)))
	return a.api.Middleware(mux)
}

// Run serves HTTP on cfg.Listen and the control socket until ctx ends,
// then stops accepting, lets in-flight requests finish (bounded by
// shutdownGrace), and closes the store. ready, if not nil, is called once
// the server accepts connections.
func (a *App) Run(ctx context.Context, ready func(addr net.Addr)) error {
	defer a.store.Close()
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
	}
	sock, err := control.Listen(control.SocketPath(a.cfg.DataDir))
	if err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          newStdLogger(a.log),
	}
	var wg sync.WaitGroup
	maint := maintenance{path: filepath.Join(a.cfg.DataDir, MaintenanceFile), live: a.api.Maintenance()}
	wg.Go(func() { control.Serve(ctx, sock, control.NewOps(a.chat, maint), a.log) })
	wg.Go(func() { a.expireSessions(ctx) })
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-serveErr:
		cancel()
		wg.Wait()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info().Msg("shutting down")
	shutCtx, done := context.WithTimeout(context.Background(), shutdownGrace)
	defer done()
	err = srv.Shutdown(shutCtx)
	// Ending the base context closes the streams with "going away".
	cancel()
	a.api.WaitStreams(shutCtx)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// NeedsAdmin reports whether the store has no active administrator yet,
// so that start-up can say how to make one.
func (a *App) NeedsAdmin(ctx context.Context) bool {
	n, err := a.store.CountAdmins(ctx)
	return err == nil && n == 0
}

// expireSessions removes expired sessions every ten minutes.
func (a *App) expireSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.chat.ExpireSessions(ctx); err != nil {
				a.log.Warn().Err(err).Msg("expire sessions")
			} else if n > 0 {
				a.log.Debug().Int("count", n).Msg("expired sessions removed")
			}
		}
	}
}
