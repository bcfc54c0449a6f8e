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
	"net/url"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/makechat/makechat/appliance/api"
	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/cluster"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
	"github.com/makechat/makechat/appliance/egress"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/makechat/makechat/appliance/metrics"
	"github.com/makechat/makechat/appliance/outgoing"
	"github.com/makechat/makechat/appliance/presence"
	"github.com/makechat/makechat/appliance/preview"
	"github.com/makechat/makechat/appliance/push"
	"github.com/makechat/makechat/appliance/webpush"
	webfs "github.com/makechat/makechat/embed"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
	"github.com/makechat/makechat/storage/cache"
	"github.com/makechat/makechat/storage/mongo"
	"github.com/rs/zerolog"
)

// StoreFile is the embedded store's file name inside data_dir.
const StoreFile = "makechat.db"

// shutdownGrace bounds how long in-flight requests may run after a stop.
const shutdownGrace = 10 * time.Second

// Deadlines of a connection. A request's header must arrive within
// headerTimeout and the whole request, body included, within
// requestTimeout (JSON bodies are at most 256 KiB: 30 s is ample even
// for a slow phone); a kept-alive connection may wait idleTimeout for its
// next request. A stream leaves all three behind at its upgrade (the
// server clears a hijacked connection's deadlines) and is watched by
// its pings instead.
const (
	headerTimeout  = 10 * time.Second
	requestTimeout = 30 * time.Second
	idleTimeout    = 2 * time.Minute
)

// App is a configured makechat server.
type App struct {
	cfg     config.Config
	log     zerolog.Logger
	store   storage.Store
	chat    *chat.Service
	api     *api.Server
	backups *Backups
	maint   *maintenance.Switch
	// outgoing delivers messages to outgoing webhooks; Run closes it
	// before the store.
	outgoing *outgoing.Sender
	push     *push.Pusher
	presence *presence.Tracker
	bus      *cluster.Bus      // events to and from other nodes (nil: one node)
	nats     *cluster.Embedded // the NATS server inside this node (nats_embedded)
	peers    *peers            // the other nodes as the bus heard of them
	conns    *connLimit        // set by Run
	version  string
	started  time.Time
	streams  func() int // open streams on this node

	tlsOverrides tlsOverrides // tests only; see web.go
}

// StoreOptions tune OpenStore.
type StoreOptions struct {
	// LockWait is how long the embedded store waits for another process
	// to release its file.
	LockWait time.Duration
	// Log, if not nil, is told of each migration as the store opens.
	Log func(msg string)
	// Observe, if not nil, is told of every store operation (metrics).
	Observe storage.Observer
}

// OpenStore opens the store the configuration names: MongoDB when
// mongo_uri is set, else the embedded store in data_dir. An older store
// is migrated as it opens, a newer one refused (storage.ErrNewerSchema).
// An unreachable MongoDB fails within mongo.DefaultTimeout (5 s) with one
// line naming its hosts; several processes may share one MongoDB.
func OpenStore(cfg config.Config, o StoreOptions) (storage.Store, error) {
	if cfg.MongoURI != "" {
		st, err := mongo.Open(context.Background(), cfg.MongoURI, mongo.Options{Observe: o.Observe, Log: o.Log})
		if err != nil {
			return nil, err
		}
		// Another process may write to the same database.
		return cache.New(st, cache.Options{TTL: mongoCacheTTL}), nil
	}
	path := filepath.Join(cfg.DataDir, StoreFile)
	st, err := bolt.Open(path, bolt.Options{Timeout: o.LockWait, Log: o.Log, Observe: o.Observe})
	if errors.Is(err, bolt.ErrLocked) {
		return nil, fmt.Errorf("data_dir %s is in use by another makechat server (its store %s is locked)", cfg.DataDir, path)
	}
	if err != nil {
		return nil, err
	}
	return cache.New(st, cache.Options{}), nil
}

// mongoCacheTTL is how long a cached token, user, room or membership is
// trusted on MongoDB, where a write may come from another process.
const mongoCacheTTL = time.Second

// NewChat builds the domain service over a store; notify receives its
// events (nil for none, as on the command line), and out, if not nil,
// makes its outgoing calls (hooks, commands) and says which URLs they may
// call; log, if not nil, hears of failures no request answers for.
func NewChat(ctx context.Context, cfg config.Config, st storage.Store, notify chat.Notifier, out *outgoing.Sender, log *zerolog.Logger) (*chat.Service, error) {
	var checkURL func(context.Context, string) error
	var callCommand func(context.Context, storage.Command, url.Values) ([]byte, error)
	var linkPreview func(context.Context, string) (storage.LinkPreview, error)
	if out != nil {
		checkURL, callCommand = out.Check, out.CallCommand
		var err error
		if linkPreview, err = linkPreviews(cfg); err != nil {
			return nil, err
		}
	}
	var warn func(string, error)
	if log != nil {
		warn = func(what string, err error) { log.Warn().Err(err).Msg(what) }
	}
	var strikes auth.Strikes
	if shared, ok := sharedState(st); ok && cfg.Clustered() {
		strikes = shared
	}
	svc := chat.New(st, chat.Options{
		Strikes:           strikes,
		Warn:              warn,
		SessionTTL:        cfg.SessionTTL,
		AllowRegistration: cfg.AllowRegistration,
		Notify:            notify,
		PostsPerSecond:    cfg.PostsPerSecond,
		PostBurst:         cfg.PostBurst,
		RoomMentionLimit:  cfg.RoomMentionLimit,
		TypingPerSecond:   cfg.TypingPerSecond,
		SecretKey:         cfg.SecretKey,
		UsersCreateRooms:  cfg.RoomCreation == "users",
		UsersCreateBots:   cfg.BotCreation == "users",
		InvitesByOwners:   cfg.InvitesByOwners,
		CheckURL:          checkURL,
		CallCommand:       callCommand,
		UploadMaxBytes:    cfg.UploadMaxBytes,
		UploadQuota:       cfg.UploadQuota,
		DiskFloor:         cfg.UploadDiskFloor,
		FreeSpace:         freeSpace(cfg),
		LinkPreview:       linkPreview,
	})
	return svc, svc.Init(ctx)
}

// New opens the store and builds the server; Run serves it. version is
// the build's, recorded in backups. The parts are made in the order they
// need each other: metrics (which the store reports to), the store, the
// hub, the domain service (whose events go to the hub), the maintenance
// switch and backups, then the HTTP API over all of them.
func New(cfg config.Config, log zerolog.Logger, version string) (*App, error) {
	if err := checkRestoreMarker(cfg); err != nil {
		return nil, err
	}
	if err := cfg.EnsureSecret(); err != nil {
		return nil, err
	}
	if cfg.Clustered() && cfg.MongoURI == "" {
		key := "nats_url"
		if cfg.NATSEmbedded {
			key = "nats_embedded"
		}
		return nil, errors.New(key + " needs mongo_uri: the embedded store belongs to one process, so several nodes cannot share it")
	}
	m := metrics.New(time.Now())
	st, err := OpenStore(cfg, StoreOptions{
		LockWait: time.Second,
		Log:      func(msg string) { log.Info().Msg(msg) },
		Observe:  m.ObserveStore,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Clustered() {
		if err := shareSecrets(context.Background(), &cfg, st, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	h := hub.New(hub.Options{
		MaxLag:     cfg.StreamMaxLag,
		MaxBacklog: cfg.StreamMaxBacklog,
		Dropped:    func(*hub.Client) { log.Info().Msg("stream cut off: its client did not keep up") },
	})
	m.WatchStreams(h.Count)
	publish := h.Publish // to the other nodes too once the bus is up, at the end
	client, err := egress.New(egress.Policy{Allow: cfg.OutgoingAllow})
	if err != nil {
		st.Close()
		return nil, err
	}
	out := outgoing.New(client, log, outgoing.Options{})
	keys, err := push.LoadOrCreateKeys(cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	pushes, err := webpush.NewSender(keys, pushSubject(cfg), client)
	if err != nil {
		st.Close()
		return nil, err
	}
	var pusher *push.Pusher // made once the service it asks exists
	svc, err := NewChat(context.Background(), cfg, st, func(e chat.Event) {
		if e.Name == chat.EventMessageCreated {
			m.MessagePosted()
			out.Message(*e.Message)
			if pusher != nil {
				pusher.Message(*e.Message)
			}
		}
		publish(api.HubEvent(e))
	}, out, &log)
	if err != nil {
		st.Close()
		return nil, err
	}
	pusher = push.New(st, svc, pushes, log, push.Options{})
	m.WatchPush(pusher.Stats)
	out.Start(svc)
	pusher.Start()
	proxies, err := api.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		st.Close()
		return nil, err
	}
	maint, err := OpenMaintenance(context.Background(), cfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	if maint.On() {
		log.Warn().Msg("maintenance mode is on: users get 503 until 'makechat maintenance off'")
	}
	backups := NewBackups(cfg, st, version, log)
	m.WatchBackups(func() (time.Time, int) {
		s := backups.Status()
		return s.LastSuccess, s.Failures
	})
	tracker := presence.New(cfg.PresenceAway, nil)
	var bus *cluster.Bus
	var embedded *cluster.Embedded
	var delivered func() storage.ID
	if cfg.Clustered() {
		// Nothing has published yet: the service serves no one before Run.
		if bus, embedded, err = joinCluster(cfg, h, svc, st, log); err != nil {
			st.Close()
			return nil, err
		}
		publish, delivered = bus.Publish, bus.Delivered
		shared, _ := sharedState(st) // there: a cluster needs mongo_uri
		backups.shareWith(shared, bus.Node())
	}
	srv := api.New(svc, h, log, api.Options{
		Proxies:           proxies,
		MaxStreamsPerUser: cfg.MaxStreamsPerUser,
		Maintenance:       maint,
		Observer:          m,
		Metrics:           m.Handler(),
		Deliveries:        out.Deliveries,
		PushKey:           keys.PublicKey(),
		Viewer:            pusher,
		Presence:          tracker,
		Delivered:         delivered,
	})
	srv.AddHealthDetail("backup", backups.healthDetail)
	if bus != nil {
		m.WatchCluster(func() metrics.ClusterStats {
			st := bus.Stats()
			return metrics.ClusterStats{Connected: st.Connected, Peers: st.Peers, Sent: st.Sent, Received: st.Received, Dropped: st.Dropped, Late: st.Late}
		})
		srv.AddHealthDetail("nats", func() any {
			st := bus.Stats()
			detail := map[string]any{"connected": st.Connected, "node": bus.Node(), "peers": st.Peers, "waiting": st.Waiting, "sent": st.Sent, "received": st.Received, "dropped": st.Dropped, "late": st.Late}
			if embedded != nil {
				detail["routes"] = embedded.Routes()
			}
			return detail
		})
	}
	a := &App{
		cfg: cfg, log: log, store: st, chat: svc, api: srv, backups: backups, maint: maint, outgoing: out, push: pusher, presence: tracker,
		bus: bus, nats: embedded, peers: &peers{nodes: map[string]control.ClusterNode{}}, version: version, started: time.Now(), streams: h.Count,
	}
	if bus != nil {
		if err := a.listenToPeers(); err != nil {
			a.leaveCluster()
			st.Close()
			return nil, err
		}
	}
	return a, nil
}

// presenceEvery is how often presence changes are published, batched.
const presenceEvery = 5 * time.Second

// publishPresence publishes, every presenceEvery until ctx ends, the
// presence changes the streams made since the last time. A cluster's
// node shares its own view and state with the others first.
func (a *App) publishPresence(ctx context.Context) {
	t := time.NewTicker(presenceEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.shareWithPeers()
		changes := a.presence.Flush()
		if len(changes) == 0 {
			continue
		}
		out := make([]chat.Presence, len(changes))
		for i, c := range changes {
			out[i] = chat.Presence{User: c.User, Status: c.Status, LastSeen: c.LastSeen}
		}
		if err := a.chat.PresenceChanged(ctx, out); err != nil {
			a.log.Warn().Err(err).Msg("publish presence")
		}
	}
}

// pushSubject is the contact push services see in the VAPID token: the
// site, or the certificate contact, or a placeholder.
func pushSubject(cfg config.Config) string {
	switch {
	case cfg.Domain != "":
		return "https://" + cfg.Domain
	case cfg.ACMEEmail != "":
		return "mailto:" + cfg.ACMEEmail
	}
	return "mailto:makechat@localhost"
}

// Handler is the whole site: the API, /healthz and the web app (the chat
// at /, /login and /register, the admin at /makechat/admin, and their
// files), every page behind the maintenance page.
func (a *App) Handler() http.Handler {
	site, err := webfs.Open(a.cfg.WebCustomDir)
	if err != nil {
		a.log.Error().Err(err).Str("web_custom_dir", a.cfg.WebCustomDir).Msg("web_custom_dir cannot be read: serving the built-in web app only")
		site, _ = webfs.Open("")
	}
	api := a.api.Handler()
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/metrics", api)
	mux.Handle("/", maintenancePage(a.cfg, a.maint, a.api.IsAdminRequest, site))
	return a.api.Middleware(mux)
}

// Run serves HTTP on cfg.Listen, or with domain or tls_cert HTTPS and a
// redirecting HTTP port (see web.go), and the control socket until ctx
// ends; then it stops accepting, lets in-flight requests finish (bounded
// by shutdownGrace), and closes the store. ready, if not nil, is called
// with the URL users open once the server accepts connections.
func (a *App) Run(ctx context.Context, ready func(url string)) error {
	defer a.store.Close()
	defer a.leaveCluster() // after the last events (of link previews too) are out
	defer a.chat.Wait()    // link previews being fetched, before the store closes
	defer a.outgoing.Close()
	defer a.push.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       requestTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          newStdLogger(a.log),
	}
	maxConns := a.cfg.MaxConnections
	if maxConns < 0 {
		maxConns = DefaultMaxConnections()
	}
	a.conns = newConnLimit(maxConns, a.log)
	srv.ConnState = a.conns.connState
	a.log.Debug().Int("max_connections", maxConns).Msg("connection cap (0: none)")
	web, err := a.listenWeb(srv)
	if err != nil {
		return err
	}
	sock, err := control.Listen(control.SocketPath(a.cfg.DataDir))
	if err != nil {
		web.close()
		return err
	}
	// Certificates are obtained in the background; the listeners are
	// bound, so the CA's challenges wait in their backlogs until served.
	if err := web.start(ctx); err != nil {
		web.close()
		sock.Close()
		return fmt.Errorf("automatic HTTPS: %w", err)
	}
	var wg sync.WaitGroup
	ops := control.NewOps(a.chat, a.maint, a.backups)
	if a.bus != nil {
		ops.WithCluster(a.clusterInfo)
	}
	wg.Go(func() { control.Serve(ctx, sock, ops, a.log) })
	wg.Go(func() { a.backups.Schedule(ctx) })
	wg.Go(func() {
		a.maint.Follow(ctx, maintenanceFollow, func(on bool) {
			a.log.Info().Bool("on", on).Msg("maintenance mode switched on another node")
		})
	})
	wg.Go(func() { a.expireSessions(ctx) })
	wg.Go(func() { a.publishPresence(ctx) })
	hup, stopHup := hangups()
	defer stopHup()
	wg.Go(func() { a.reloadOnHangup(ctx, hup, web.tls) })
	serveErr := make(chan error, len(web.servers))
	web.serve(serveErr)
	if ready != nil {
		ready(web.url)
	}
	select {
	case err := <-serveErr:
		cancel()
		web.close()
		wg.Wait()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info().Msg("shutting down")
	shutCtx, done := context.WithTimeout(context.Background(), shutdownGrace)
	defer done()
	a.api.CloseStreams(shutCtx)
	err = web.shutdown(shutCtx)
	// Streams whose handshake began while the first pass ran (the HTTP
	// server let their handlers finish): closed with 1001 and waited for.
	a.api.CloseStreams(shutCtx)
	cancel()
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

// linkPreviews is the fetcher of link previews (nil when link_previews
// is off): appliance/preview over a client of the outgoing policy with
// the previews' own limits (5 s, 1 MB, 3 redirects).
func linkPreviews(cfg config.Config) (func(context.Context, string) (storage.LinkPreview, error), error) {
	if !cfg.LinkPreviews {
		return nil, nil
	}
	client, err := egress.New(preview.Policy(egress.Policy{Allow: cfg.OutgoingAllow}))
	if err != nil {
		return nil, err
	}
	f := preview.New(client, preview.Options{})
	return func(ctx context.Context, link string) (storage.LinkPreview, error) {
		p, err := f.Fetch(ctx, link)
		return storage.LinkPreview{URL: p.URL, Title: p.Title, Description: p.Description, Image: p.Image, SiteName: p.SiteName}, err
	}, nil
}

// freeSpace says how much room data_dir's disk has for the embedded
// store's files; with MongoDB, files are in the database: nil.
func freeSpace(cfg config.Config) func() (int64, error) {
	if cfg.MongoURI != "" {
		return nil
	}
	return func() (int64, error) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(cfg.DataDir, &st); err != nil {
			return 0, err
		}
		return int64(st.Bavail) * int64(st.Bsize), nil
	}
}

// expireSessions removes expired sessions, and uploads that no message
// took with the bytes no file uses, every ten minutes.
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
			if files, blobs, err := a.chat.SweepFiles(ctx); err != nil {
				a.log.Warn().Err(err).Msg("sweep files")
			} else if files+blobs > 0 {
				a.log.Info().Int("files", files).Int("blobs", blobs).Msg("unused uploads removed")
			}
		}
	}
}
