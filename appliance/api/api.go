// Package api is makechat's HTTP interface: the /api/ routes of API.md and
// /healthz. Handlers are thin: decode the request, call package chat, and
// encode the answer; every error goes out through writeError.
//
// Start from New, whose Handler serves everything under /api/ plus
// /healthz; the appliance mounts it beside the web app.
package api

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/makechat/makechat/appliance/outgoing"
	"github.com/makechat/makechat/appliance/presence"
	"github.com/makechat/makechat/appliance/ws"
	"github.com/makechat/makechat/storage"
	"github.com/rs/zerolog"
)

// Server holds what the handlers need.
type Server struct {
	chat    *chat.Service
	hub     *hub.Hub
	log     zerolog.Logger
	proxies []netip.Prefix // trusted reverse proxies (see proxy.go)
	// maxStreams caps a user's open streams (0: none); administrators
	// are exempt.
	maxStreams int
	maint      *maintenance.Switch
	ws         *ws.Server // the open streams
	// details add named entries to the /healthz body (AddHealthDetail).
	details []healthDetail
	// observer and metrics, if set, count requests and serve /metrics.
	observer Observer
	metrics  http.Handler
	// deliveries is an outgoing hook's recent log (nil: none kept).
	deliveries func(hook storage.ID) []outgoing.Delivery
	// pushKey is the VAPID public key ("": Web Push off); viewer hears
	// what each stream shows; streamSeq numbers streams for it.
	pushKey   string
	viewer    Viewer
	streamSeq atomic.Uint64
	presence  *presence.Tracker
	delivered func() storage.ID // see Options.Delivered (nil: one node)
}

// serveMetrics serves the metrics to administrators only: counts of
// users' activity are not for everyone's eyes.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	s.metrics.ServeHTTP(w, r)
	return nil
}

type healthDetail struct {
	name string
	fn   func() any
}

// AddHealthDetail makes /healthz report fn's value under name whenever
// fn returns non-nil, such as the state of scheduled backups. Call it
// before serving.
func (s *Server) AddHealthDetail(name string, fn func() any) {
	s.details = append(s.details, healthDetail{name, fn})
}

// Options tune a Server.
type Options struct {
	// Proxies are the trusted reverse proxies, whose X-Forwarded-* and
	// Forwarded headers are believed.
	Proxies []netip.Prefix
	// MaxStreamsPerUser caps a user's open streams (0: no cap);
	// administrators are exempt.
	MaxStreamsPerUser int
	// Maintenance is the maintenance switch (required): the gate reads
	// it, and the admin's PUT /api/maintenance sets it.
	Maintenance *maintenance.Switch
	// Observer, if not nil, is told of every answered request, and
	// Metrics, if not nil, is served at /metrics to administrators.
	Observer Observer
	Metrics  http.Handler
	// Deliveries, if not nil, gives an outgoing hook's recent log.
	Deliveries func(hook storage.ID) []outgoing.Delivery
	// PushKey is the VAPID public key browsers subscribe to ("": Web
	// Push is off), and Viewer, if not nil, hears what streams show.
	PushKey string
	Viewer  Viewer
	// Presence, if not nil, hears streams open, close and show activity.
	Presence *presence.Tracker
	// Stream tunes the streams' WebSocket layer (pings; zero values are
	// its defaults, a write's wait at most the hub's MaxLag).
	Stream ws.Options
	// Delivered, if not nil, is a cluster's key below which every
	// node's events have reached h (cluster.Bus.Delivered): the hub then
	// gets events in key order, and a stream's replay reads the store up
	// to that key only, leaving the rest to the live events, so that it
	// is exact across nodes.
	Delivered func() storage.ID
}

// New returns the API over a chat service, whose streams are fed by h
// (see HubEvent for what the service's events become).
func New(svc *chat.Service, h *hub.Hub, log zerolog.Logger, o Options) *Server {
	if o.Stream.WriteWait <= 0 {
		o.Stream.WriteWait = min(writeTimeout, h.MaxLag())
	}
	return &Server{
		chat: svc, hub: h, log: log, proxies: o.Proxies, maxStreams: o.MaxStreamsPerUser,
		maint: o.Maintenance, observer: o.Observer, metrics: o.Metrics, deliveries: o.Deliveries,
		pushKey: o.PushKey, viewer: o.Viewer, presence: o.Presence, ws: ws.New(o.Stream), delivered: o.Delivered,
	}
}

// CloseStreams closes every stream with 1001 ("going away") and waits
// until they have closed, or ctx ends. Streams opened afterwards are
// closed at once.
func (s *Server) CloseStreams(ctx context.Context) { s.ws.Shutdown(ctx) }

// Handler returns the API's routes wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/login", s.route(post(public, s.login)))
	mux.Handle("/api/logout", s.route(post(public, s.logout), get(public, s.logout)))
	mux.Handle("/api/register", s.route(get(public, s.registration), post(public, s.register)))
	mux.Handle("/api/invites", s.route(get(user, s.listInvites), post(user, s.createInvite)))
	mux.Handle("/api/invites/{id}", s.route(del(user, s.deleteInvite)))
	mux.Handle("/api/invites/{secret}/accept", s.route(get(public, s.previewInvite), post(public, s.acceptInvite)))
	mux.Handle("/api/people", s.route(get(user, s.people)))
	mux.Handle("/api/ping", s.route(get(user, s.ping)))
	mux.Handle("/api/me", s.route(get(user, s.me), patch(user, s.updateProfile)))
	mux.Handle("/api/me/password", s.route(post(user, s.changePassword)))
	mux.Handle("/api/sessions", s.route(get(user, s.listSessions)))
	mux.Handle("/api/sessions/{id}", s.route(del(user, s.endSession)))
	mux.Handle("/api/tokens", s.route(get(user, s.listTokens), post(user, s.createToken)))
	mux.Handle("/api/tokens/{id}", s.route(del(user, s.deleteToken)))
	mux.Handle("/api/users", s.route(get(admin, s.listUsers), post(admin, s.createUser)))
	mux.Handle("/api/users/{id}", s.route(get(admin, s.getUser), patch(admin, s.updateUser), del(admin, s.deleteUser)))
	mux.Handle("/api/rooms", s.route(get(user, s.listRooms), post(user, s.createRoom)))
	mux.Handle("/api/rooms/{id}", s.route(get(user, s.getRoom), put(user, s.updateRoom), patch(user, s.updateRoom), del(user, s.deleteRoom)))
	mux.Handle("/api/rooms/{id}/hooks", s.route(get(user, s.listHooks), post(user, s.createHook)))
	mux.Handle("/api/rooms/{id}/hooks/{hook}", s.route(del(user, s.deleteHook)))
	mux.Handle("/api/rooms/{id}/hooks/{hook}/deliveries", s.route(get(user, s.listDeliveries)))
	mux.Handle("/api/hooks/{secret}", s.route(post(public, s.postByHook)))
	mux.Handle("/api/bots", s.route(get(user, s.listBots), post(user, s.createBot)))
	mux.Handle("/api/bots/{bot}", s.route(del(user, s.deleteBot)))
	mux.Handle("/api/bots/{bot}/tokens", s.route(get(user, s.listBotTokens), post(user, s.createBotToken)))
	mux.Handle("/api/bots/{bot}/tokens/{token}", s.route(del(user, s.deleteBotToken)))
	mux.Handle("/api/commands", s.route(get(user, s.listCommands), post(user, s.runCommand)))
	mux.Handle("/api/custom-commands", s.route(get(admin, s.listCustomCommands), post(admin, s.createCustomCommand)))
	mux.Handle("/api/custom-commands/{id}", s.route(del(admin, s.deleteCustomCommand)))
	mux.Handle("/api/members", s.route(get(user, s.listMembers), post(user, s.addMember)))
	mux.Handle("/api/members/{id}", s.route(patch(user, s.updateMember), del(user, s.removeMember)))
	mux.Handle("/api/messages", s.route(get(user, s.listMessages), post(user, s.postMessage)))
	mux.Handle("/api/messages/{id}", s.route(patch(user, s.editMessage), del(user, s.deleteMessage)))
	mux.Handle("/api/messages/{id}/preview", s.route(del(user, s.removePreview)))
	mux.Handle("/api/messages/{id}/reactions/{emoji...}", s.route(put(user, s.react), del(user, s.unreact)))
	mux.Handle("/api/threads", s.route(get(user, s.listThreads)))
	mux.Handle("/api/mentions", s.route(get(user, s.listMentions)))
	mux.Handle("/api/push", s.route(get(user, s.getPush)))
	mux.Handle("/api/presence", s.route(get(user, s.getPresence)))
	mux.Handle("/api/push/subscriptions", s.route(post(user, s.subscribePush)))
	mux.Handle("/api/push/subscriptions/{id}", s.route(del(user, s.unsubscribePush)))
	mux.Handle("/api/threads/{id}", s.route(get(user, s.getThread), patch(user, s.changeThread)))
	mux.Handle("/api/stream", s.route(get(public, s.stream)))
	mux.Handle("/api/maintenance", s.route(get(admin, s.getMaintenance), put(admin, s.putMaintenance)))
	mux.Handle("/api/directs", s.route(get(user, s.listDirects)))
	mux.Handle("/api/directs/{id}", s.route(patch(user, s.markDirect)))
	mux.Handle("/api/groups", s.route(get(user, s.listGroups), post(user, s.openGroup)))
	mux.Handle("/api/read-all", s.route(post(user, s.readAll)))
	mux.Handle("/api/uploads", s.route(post(user, s.upload)))
	mux.Handle("/api/me/avatar", s.route(put(user, s.setAvatar), del(user, s.removeAvatar)))
	mux.Handle("/api/users/{id}/avatar", s.route(get(user, s.serveAvatar)))
	mux.Handle("/api/files/{id}", s.route(get(user, s.serveFile(false, false))))
	mux.Handle("/api/files/{id}/thumb", s.route(get(user, s.serveFile(true, false))))
	mux.Handle("/api/files/{id}/download/{name...}", s.route(get(user, s.serveFile(false, true))))
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errRouteNotFound)
	}))
	// Logout and reactions take no body; webhooks also take Slack's
	// form-encoded posts, and uploads multipart bodies.
	api := s.negotiate(mux, func(path string) bool {
		return path == "/api/logout" || path == "/api/uploads" || path == "/api/me/avatar" || strings.HasPrefix(path, "/api/hooks/") ||
			strings.HasPrefix(path, "/api/messages/") && strings.Contains(path, "/reactions/")
	})

	root := http.NewServeMux()
	root.Handle("/api/", noStore(s.maintenanceGate(api)))
	root.Handle("/healthz", http.HandlerFunc(s.health))
	if s.metrics != nil {
		root.Handle("/metrics", noStore(s.route(get(admin, s.serveMetrics))))
	}
	return root
}

// noStore keeps API answers out of caches: they are private and live.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// health answers /healthz: 200 when the store answers, 503 otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := s.chat.Ping(r.Context()); err != nil {
		logFor(r, s.log).Warn().Err(err).Msg("health check: store does not answer")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": "the store does not answer"})
		return
	}
	body := map[string]any{"status": "ok"}
	if s.maint.On() {
		// Healthy, but closed to users: say so without failing the check.
		body["maintenance"] = true
	}
	for _, d := range s.details {
		if v := d.fn(); v != nil {
			body[d.name] = v
		}
	}
	writeJSON(w, http.StatusOK, body)
}
