package api

import (
	"net/http"
	"strings"
	"sync/atomic"
)

// Maintenance mode: while it is on, every /api/ route answers 503 with
// the "Maintenance" error and Retry-After, except to requests that an
// administrator's existing session or token authenticates, so that an
// administrator can check an upgraded server before switching it off.
// Logins and registrations are refused too: no new session starts.

// maintenanceRetry is the Retry-After of maintenance answers, in seconds.
const maintenanceRetry = 60

var errMaintenance = &httpError{
	status:      http.StatusServiceUnavailable,
	title:       "Maintenance",
	description: "makechat is down for maintenance; please try again in a few minutes.",
	retryAfter:  maintenanceRetry,
}

// Maintenance holds the mode; the appliance owns its persistence.
type Maintenance struct{ on atomic.Bool }

// Set switches maintenance mode on or off.
func (m *Maintenance) Set(on bool) { m.on.Store(on) }

// On reports whether maintenance mode is on.
func (m *Maintenance) On() bool { return m.on.Load() }

// maintenanceGate answers 503 for everyone but administrators while the
// mode is on.
func (s *Server) maintenanceGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.maint.On() || s.isAdminRequest(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.writeError(w, r, errMaintenance)
	})
}

// isAdminRequest reports whether an existing session or token of an
// administrator authenticates r (logins never pass).
func (s *Server) isAdminRequest(r *http.Request) bool {
	switch r.URL.Path {
	case "/api/login", "/api/register":
		return false
	}
	a, err := s.identify(r)
	if err != nil && strings.HasPrefix(r.URL.Path, "/api/stream") {
		a, _, err = s.streamAuth(r)
	}
	return err == nil && a.IsAdmin()
}
