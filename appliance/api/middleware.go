package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

type ctxKey int

// Context keys, all in one place so that none collides with another.
const (
	requestIDKey ctxKey = iota
	// forwardedHTTPSKey marks a request a trusted proxy says came over
	// HTTPS (see proxy.go).
	forwardedHTTPSKey
	routeKey
)

// routeHolder receives the pattern of the API route that served a
// request, for the metrics (see route in router.go).
type routeHolder struct{ pattern string }

// Observer receives a report of every answered request: the route
// pattern that matched (or "other"), method, status and duration.
type Observer interface {
	ObserveRequest(route, method string, code int, d time.Duration)
}

// logFor returns log with the request's id attached.
func logFor(r *http.Request, log zerolog.Logger) *zerolog.Logger {
	l := log
	if id, ok := r.Context().Value(requestIDKey).(string); ok {
		l = log.With().Str("request_id", id).Logger()
	}
	return &l
}

// statusWriter remembers the status and size of a response for the
// access log, and whether anything was written yet.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (for
// flushing and hijacking WebSocket connections).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware wraps the whole site: a request id (X-Request-Id), the
// access log line, security headers, and recovery from panics into the
// generic 500, so no stack trace ever reaches a client.
func (s *Server) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = s.fromProxy(r)
		id := newRequestID()
		holder := &routeHolder{}
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(context.WithValue(ctx, routeKey, holder))
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logFor(r, s.log).Error().Interface("panic", p).Str("path", loggedPath(r)).Msg("handler panicked")
				if sw.status == 0 {
					s.writeError(sw, r, errInternal)
				}
			}
			s.log.Info().
				Str("request_id", id).
				Str("method", r.Method).
				Str("path", loggedPath(r)).
				Int("status", sw.status).
				Int("bytes", sw.bytes).
				Dur("duration", time.Since(start)).
				Str("remote", r.RemoteAddr).
				Msg("request")
			if s.observer != nil {
				route := holder.pattern
				if route == "" {
					route = r.Pattern
				}
				if route == "" {
					route = "other"
				}
				s.observer.ObserveRequest(route, r.Method, sw.status, time.Since(start))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// loggedPath is the request path fit for a log: a webhook's secret is a
// credential and is masked.
func loggedPath(r *http.Request) string {
	if p := r.URL.Path; strings.HasPrefix(p, "/api/hooks/") {
		return "/api/hooks/…"
	}
	return r.URL.Path
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
