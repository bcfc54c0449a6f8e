package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// target is a server to drive: its base URL, an administrator's token
// and a room that administrator belongs to.
type target struct {
	base  string // http://127.0.0.1:PORT
	token string
	room  string // the room's id, 24 hex digits
	srv   *server
}

// checkLoopback refuses any URL whose host is not a loopback address:
// the tool sends load to this machine only.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("target %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("target %q: only http:// on a loopback address is supported", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("target %q: not a loopback address (127.0.0.0/8 or ::1)", raw)
	}
	return nil
}

// newHTTPClient returns a keep-alive client that may hold conns idle
// connections to one host, so that every poster keeps its connection.
func newHTTPClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// request sends one API request with a JSON body (if any) and returns the
// status and the whole answer.
func request(ctx context.Context, hc *http.Client, method, url string, body []byte, h http.Header) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

func tokenHeader(token string) http.Header { return http.Header{"X-Auth-Token": {token}} }

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings are encoded here
	}
	return b
}

// loginToken logs in and makes an API token with the session.
func loginToken(ctx context.Context, hc *http.Client, base, user, pass string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/login",
		bytes.NewReader(jsonBody(map[string]string{"username": user, "password": pass})))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: %d %s", resp.StatusCode, b)
	}
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			session = c.Value
		}
	}
	if session == "" {
		return "", errors.New("login: no session cookie")
	}
	h := http.Header{"Cookie": {"session=" + session}, "Origin": {base}}
	status, b, _, err := request(ctx, hc, http.MethodPost, base+"/api/tokens", jsonBody(map[string]string{"name": "loadtest"}), h)
	if err != nil {
		return "", fmt.Errorf("make a token: %w", err)
	}
	if status != http.StatusCreated {
		return "", fmt.Errorf("make a token: %d %s", status, b)
	}
	var tok struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.Value == "" {
		return "", fmt.Errorf("make a token: no value in %s", b)
	}
	return tok.Value, nil
}

// createRoom creates a room (its creator becomes the owner) and returns
// its id.
func createRoom(ctx context.Context, hc *http.Client, base, token, name string) (string, error) {
	status, b, _, err := request(ctx, hc, http.MethodPost, base+"/api/rooms", jsonBody(map[string]string{"name": name}), tokenHeader(token))
	if err != nil {
		return "", fmt.Errorf("create a room: %w", err)
	}
	if status != http.StatusCreated {
		return "", fmt.Errorf("create a room: %d %s", status, b)
	}
	var room struct {
		ID struct {
			OID string `json:"$oid"`
		} `json:"_id"`
	}
	if err := json.Unmarshal(b, &room); err != nil || len(room.ID.OID) != 24 {
		return "", fmt.Errorf("create a room: no id in %s", b)
	}
	return room.ID.OID, nil
}

// remoteTarget prepares a running server: the token must work, and a
// fresh room is made for the run.
func remoteTarget(ctx context.Context, base, token string) (*target, error) {
	base = strings.TrimSuffix(base, "/")
	hc := newHTTPClient(4)
	defer hc.CloseIdleConnections()
	status, b, _, err := request(ctx, hc, http.MethodGet, base+"/api/ping", nil, tokenHeader(token))
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("ping with the token: %d %s", status, b)
	}
	room, err := createRoom(ctx, hc, base, token, fmt.Sprintf("loadtest-%d", time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	return &target{base: base, token: token, room: room}, nil
}

// postBody is the JSON of a message to room. text must need no escaping
// (the tool writes only letters, digits, spaces and '|').
func postBody(room, text string) []byte {
	b := make([]byte, 0, 48+len(room)+len(text))
	b = append(b, `{"room": "`...)
	b = append(b, room...)
	b = append(b, `", "text": "`...)
	b = append(b, text...)
	return append(b, `"}`...)
}

// post sends one message and returns the status, with the answer's body
// only when it is not 201.
func post(ctx context.Context, hc *http.Client, t *target, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/api/messages", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", t.token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, "", err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, string(b), nil
}

// streamClient is the HTTP client WebSocket handshakes go through; the
// library wants no client timeout (the context bounds each dial).
func streamClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:       nil,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	}}
}

// dialStream opens one /api/stream WebSocket with the token.
func dialStream(ctx context.Context, hc *http.Client, t *target) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(t.base, "http") + "/api/stream"
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: tokenHeader(t.token)})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("stream: %d: %w", resp.StatusCode, err)
		}
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return c, nil
}

// dialMany opens n streams, parallel at a time, and returns those that
// opened, how many failed and the first failure.
func dialMany(ctx context.Context, t *target, n, parallel int) ([]*websocket.Conn, int, error) {
	hc := streamClient()
	conns := make([]*websocket.Conn, n)
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				c, err := dialStream(ctx, hc, t)
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	open := conns[:0]
	for _, c := range conns {
		if c != nil {
			open = append(open, c)
		}
	}
	return open, int(failed.Load()), firstErr
}

// closeAll drops connections at once, in parallel.
func closeAll(conns []*websocket.Conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { _ = c.CloseNow() })
	}
	wg.Wait()
}
