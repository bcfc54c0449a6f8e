package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// httpError is an error with its HTTP answer. Every error the API sends
// goes through writeError, which is the only place that writes one, so the
// seed's error bodies cannot drift.
type httpError struct {
	status      int
	title       string
	description string
	link        *errorLink // the seed's 406 carries a help link
	allow       string     // 405 and OPTIONS: the methods the route supports
	retryAfter  int        // seconds, for 429 and 503
}

func (e *httpError) Error() string { return e.title + ": " + e.description }

type errorLink struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Text string `json:"text"`
}

// errorBody is the seed's error shape; link appears only on 406.
type errorBody struct {
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Link        *errorLink `json:"link,omitempty"`
}

// Errors the HTTP layer itself produces.
var (
	errNotAcceptable = &httpError{
		status:      http.StatusNotAcceptable,
		title:       "Media type not acceptable",
		description: "This API only supports responses encoded as JSON.",
		link: &errorLink{
			Href: "http://docs.examples.com/api/json",
			Rel:  "help",
			Text: "Documentation related to this error",
		},
	}
	errTooLarge = &httpError{
		status:      http.StatusRequestEntityTooLarge,
		title:       "Request body too large",
		description: "The request body must not be larger than 256 KiB.",
	}
	errBodyTimeout = &httpError{
		status:      http.StatusRequestTimeout,
		title:       "Request Timeout",
		description: "The request body did not arrive in time.",
	}
	errUpgradeRequired = &httpError{
		status:      http.StatusUpgradeRequired,
		title:       "Upgrade Required",
		description: "This route is a WebSocket: open it with a WebSocket client (Connection: Upgrade, Upgrade: websocket).",
	}
	errRouteNotFound = &httpError{
		status:      http.StatusNotFound,
		title:       "Not found",
		description: "The requested resource does not exist.",
	}
	errBadHandshake = &httpError{
		status:      http.StatusBadRequest,
		title:       "Bad Request",
		description: "A WebSocket handshake needs GET, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key.",
	}
	errCrossOrigin = &httpError{
		status:      http.StatusForbidden,
		title:       "Permission Denied",
		description: "Cross-origin request refused: a request authenticated by the session cookie must carry this server's Origin header.",
	}
	// errUnavailable answers a request that the store could not serve
	// because it cannot be reached (MongoDB down): the client may retry.
	errUnavailable = &httpError{
		status:      http.StatusServiceUnavailable,
		title:       "Service Unavailable",
		description: "The database does not answer just now; try again shortly.",
		retryAfter:  5,
	}
	errInternal = &httpError{
		status:      http.StatusInternalServerError,
		title:       "Internal Server Error",
		description: "The server could not complete the request; the details are in its log.",
	}
)

func malformed(description string) error {
	return &httpError{status: http.StatusBadRequest, title: "Malformed JSON", description: description}
}

func methodNotAllowed(allow string) error {
	return &httpError{status: http.StatusMethodNotAllowed, allow: allow}
}

// Titles of the domain's error kinds; the 401 and 403 ones are the seed's.
var kindStatus = map[chat.Kind]struct {
	status int
	title  string
}{
	chat.KindInvalid:         {http.StatusBadRequest, "Invalid parameter"},
	chat.KindMissing:         {http.StatusBadRequest, "Missing parameter"},
	chat.KindNotFound:        {http.StatusNotFound, "Not found"},
	chat.KindForbidden:       {http.StatusForbidden, "Permission Denied"},
	chat.KindConflict:        {http.StatusConflict, "Conflict"},
	chat.KindUnauthenticated: {http.StatusUnauthorized, "Not authentificated"},
	chat.KindBadLogin:        {http.StatusUnauthorized, "Bad login attempt"},
	chat.KindRateLimited:     {http.StatusTooManyRequests, "Too many requests"},
	chat.KindUnavailable:     {http.StatusBadGateway, "Bad Gateway"},
	chat.KindTooLarge:        {http.StatusRequestEntityTooLarge, "Request body too large"},
	chat.KindStorageFull:     {http.StatusInsufficientStorage, "Insufficient Storage"},
}

// asHTTPError turns any error into the answer to send.
func asHTTPError(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	if errors.Is(err, storage.ErrUnavailable) {
		return errUnavailable
	}
	if de, ok := chat.AsError(err); ok {
		ks, known := kindStatus[de.Kind]
		if known {
			he := &httpError{status: ks.status, title: ks.title, description: de.Msg}
			if de.RetryAfter > 0 {
				he.retryAfter = int(math.Ceil(de.RetryAfter.Seconds()))
			}
			return he
		}
	}
	return errInternal
}

// writeError sends err as the seed's error shape. Faults (anything that is
// not a known client error) are logged with the request id and answered
// with a generic 500, so no detail of the server leaks.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	he := asHTTPError(err)
	if he == errUnavailable {
		logFor(r, s.log).Warn().Err(err).Msg("request failed: the store is unavailable")
	}
	if he == errInternal {
		if errors.Is(err, context.Canceled) {
			// The client went away; there is no one to answer.
			return
		}
		logFor(r, s.log).Error().Err(err).Msg("request failed")
	}
	h := w.Header()
	if he.allow != "" {
		h.Set("Allow", he.allow)
	}
	if he.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(he.retryAfter))
	}
	if he.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Token realm="makechat"`)
	}
	if he.status == http.StatusMethodNotAllowed {
		// The seed answers 405 with an empty body.
		w.WriteHeader(he.status)
		return
	}
	writeJSON(w, he.status, errorBody{Title: he.title, Description: he.description, Link: he.link})
}

// allowHeader lists methods the way the seed does: "GET, POST, OPTIONS".
func allowHeader(methods []string) string {
	return strings.Join(append(methods, http.MethodOptions), ", ")
}
