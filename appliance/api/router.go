package api

import (
	"mime"
	"net/http"
	"strings"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
)

// handlerFunc is an API handler: it writes a success response itself and
// returns an error for writeError to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a chat.Actor) error

// access says who may call a method.
type access int

const (
	public access = iota // anyone; the handler gets the zero Actor
	user                 // any logged-in, enabled user (rights beyond that are chat's)
	// admin: an administrator, checked before the body is read, so a
	// non-admin learns only that it may not, not what it got wrong (as in
	// the seed). The domain checks again: chat keeps the rules; the table
	// shows who may call each route.
	admin
)

type method struct {
	name   string
	access access
	h      handlerFunc
}

func get(a access, h handlerFunc) method   { return method{http.MethodGet, a, h} }
func post(a access, h handlerFunc) method  { return method{http.MethodPost, a, h} }
func put(a access, h handlerFunc) method   { return method{http.MethodPut, a, h} }
func patch(a access, h handlerFunc) method { return method{http.MethodPatch, a, h} }
func del(a access, h handlerFunc) method   { return method{http.MethodDelete, a, h} }

// route serves one path pattern: OPTIONS and unsupported methods are
// answered here (the seed's 405 with Allow), then the caller is
// authenticated and the method's handler runs.
func (s *Server) route(methods ...method) http.Handler {
	names := make([]string, len(methods))
	for i, m := range methods {
		names[i] = m.name
	}
	allow := allowHeader(names)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := r.Context().Value(routeKey).(*routeHolder); ok {
			h.pattern = r.Pattern
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Allow", allow)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		for _, m := range methods {
			if m.name == r.Method || m.name == http.MethodGet && r.Method == http.MethodHead {
				s.serve(w, r, m)
				return
			}
		}
		s.writeError(w, r, methodNotAllowed(allow))
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, m method) {
	var a chat.Actor
	if m.access != public {
		var err error
		if a, err = s.authenticate(r); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if m.access == admin && !a.IsAdmin() {
		s.writeError(w, r, chat.ErrAdminRequired)
		return
	}
	if err := m.h(w, r, a); err != nil {
		s.writeError(w, r, err)
	}
}

// authenticate finds the caller: an API token (X-Auth-Token, or an
// Authorization: Bearer header) or the session cookie. A state-changing
// request authenticated by cookie must come from this server's own
// origin, which is what stops cross-site request forgery.
func (s *Server) authenticate(r *http.Request) (chat.Actor, error) {
	a, err := s.identify(r)
	if err != nil {
		return chat.Actor{}, err
	}
	if bearer(r) == "" && changesState(r.Method) && !auth.SameOrigin(r, s.scheme(r)) {
		return chat.Actor{}, errCrossOrigin
	}
	return a, nil
}

// identify finds who a token or session cookie belongs to, without the
// same-origin check.
func (s *Server) identify(r *http.Request) (chat.Actor, error) {
	if tok := bearer(r); tok != "" {
		return s.chat.TokenActor(r.Context(), tok)
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return chat.Actor{}, chat.ErrUnauthenticated
	}
	return s.chat.SessionActor(r.Context(), c.Value)
}

func bearer(r *http.Request) string {
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		return strings.TrimSpace(tok)
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// negotiate enforces the seed's media rules on everything under /api/
// before routing: the client must accept JSON, and a POST, PUT or PATCH
// must send JSON (except where anyBody says the route takes another body
// or none).
func (s *Server) negotiate(next http.Handler, anyBody func(path string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsJSON(r.Header.Values("Accept")) {
			s.writeError(w, r, errNotAcceptable)
			return
		}
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			if !anyBody(r.URL.Path) && !isJSON(r.Header.Get("Content-Type")) {
				s.writeError(w, r, errNotAcceptable)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// acceptsJSON reports whether Accept headers allow an application/json
// answer. No header means anything goes.
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q := params["q"]; q == "0" || q == "0.0" || q == "0.00" || q == "0.000" {
				continue
			}
			switch mt {
			case "*/*", "application/*", "application/json":
				return true
			}
		}
	}
	return false
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
