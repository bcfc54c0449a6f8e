package api

import (
	"net/http"
	"strings"

	"github.com/makechat/makechat/appliance/chat"
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

// maintenanceView is the body of GET and PUT /api/maintenance.
type maintenanceView struct {
	Maintenance bool `json:"maintenance"`
}

func (s *Server) getMaintenance(w http.ResponseWriter, _ *http.Request, a chat.Actor) error {
	writeJSON(w, http.StatusOK, maintenanceView{s.maint.On()})
	return nil
}

// putMaintenance switches the mode; it answers once the change is durable.
func (s *Server) putMaintenance(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Maintenance *bool `json:"maintenance"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Maintenance == nil {
		return chat.Missing("maintenance")
	}
	// Set answers once the change is durable, exactly as "makechat
	// maintenance on|off" does.
	if err := s.maint.Set(*in.Maintenance); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, maintenanceView{s.maint.On()})
	return nil
}

// maintenanceGate answers 503 for everyone but administrators while the
// mode is on.
func (s *Server) maintenanceGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.maint.On() || s.IsAdminRequest(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.writeError(w, r, errMaintenance)
	})
}

// IsAdminRequest reports whether an existing session or token of an
// administrator authenticates r (logins never pass). The maintenance gate
// lets such requests through, and so do the web app's pages, so that an
// administrator can check an upgraded server and switch maintenance off
// from the admin.
func (s *Server) IsAdminRequest(r *http.Request) bool {
	switch r.URL.Path {
	case "/api/login", "/api/register":
		return false
	}
	a, err := s.identify(r)
	if err != nil && strings.HasPrefix(r.URL.Path, "/api/stream") {
		a, err = s.streamAuth(r)
	}
	return err == nil && a.IsAdmin()
}
