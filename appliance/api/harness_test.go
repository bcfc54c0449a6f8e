package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makechat/makechat/appliance/api"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/makechat/makechat/storage"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// env is a real server (real bbolt file, real HTTP) with an administrator
// and an ordinary user, each holding an API token.
type env struct {
	t          testing.TB
	srv        *httptest.Server
	store      storage.Store
	chat       *chat.Service
	api        *api.Server
	maint      *maintenance.Switch
	adminToken string
	userToken  string
	admin      storage.User
	user       storage.User
}

// envConfig is what a test may change about its server.
type envConfig struct {
	chat.Options
	proxies    []netip.Prefix
	hub        hub.Options
	maxStreams int
	// readTimeout, if set, is the server's deadline for a whole request.
	readTimeout time.Duration
	// maintDir is where the maintenance switch keeps its file (a new
	// temporary directory if empty).
	maintDir string
	// store opens the store; nil means openTestStore (see store_test.go).
	store func(testing.TB) storage.Store
}

type envOption func(*envConfig)

func withRegistration(o *envConfig) { o.AllowRegistration = true }

func withProductionCost(o *envConfig) { o.BcryptCost = bcrypt.DefaultCost }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	o := envConfig{Options: chat.Options{SessionTTL: time.Hour, BcryptCost: bcrypt.MinCost}, store: openTestStore}
	for _, opt := range opts {
		opt(&o)
	}
	st := o.store(t)
	var err error
	h := hub.New(o.hub)
	o.Notify = func(e chat.Event) { h.Publish(api.HubEvent(e)) }
	svc := chat.New(st, o.Options)
	require.NoError(t, svc.Init(context.Background()))
	if o.maintDir == "" {
		o.maintDir = t.TempDir()
	}
	maint := maintenance.Open(o.maintDir)
	a := api.New(svc, h, zerolog.New(io.Discard), api.Options{Proxies: o.proxies, MaxStreamsPerUser: o.maxStreams, Maintenance: maint})
	srv := httptest.NewUnstartedServer(a.Middleware(a.Handler()))
	srv.Config.ReadTimeout = o.readTimeout
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	e := &env{t: t, srv: srv, store: st, chat: svc, api: a, maint: maint}
	ctx := context.Background()
	e.admin, err = svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "admin", Email: "admin@example.com", Password: "admin_pass", IsSuperuser: true})
	require.NoError(t, err)
	e.user, err = svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "test_user", Email: "test@example.com", Password: "test_pass"})
	require.NoError(t, err)
	_, e.adminToken, err = svc.CreateToken(ctx, chat.Actor{User: e.admin}, "admin bot")
	require.NoError(t, err)
	_, e.userToken, err = svc.CreateToken(ctx, chat.Actor{User: e.user}, "user bot")
	require.NoError(t, err)
	return e
}

// request is one HTTP call.
type request struct {
	method  string
	path    string
	body    string
	token   string            // sent as X-Auth-Token
	headers map[string]string // extra headers; "Content-Type" defaults to JSON when there is a body
	client  *http.Client
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(r.body), v), "body: %s", r.body)
}

func (e *env) do(req request) response {
	e.t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	hr, err := http.NewRequest(req.method, e.srv.URL+req.path, body)
	require.NoError(e.t, err)
	if req.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.method == http.MethodPost || req.method == http.MethodPut || req.method == http.MethodPatch {
		if hr.Header.Get("Content-Type") == "" {
			hr.Header.Set("Content-Type", "application/json")
		}
	}
	if req.token != "" {
		hr.Header.Set("X-Auth-Token", req.token)
	}
	for k, v := range req.headers {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	c := req.client
	if c == nil {
		c = e.srv.Client()
	}
	resp, err := c.Do(hr)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// browser returns a client with a cookie jar, logged in as username.
func (e *env) browser(username, password string) *http.Client {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	c := &http.Client{Jar: jar}
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "` + username + `", "password": "` + password + `"}`, client: c})
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	return c
}

// origin is this server's own Origin header value.
func (e *env) origin() map[string]string { return map[string]string{"Origin": e.srv.URL} }

// scenario is one row of an API table test.
type scenario struct {
	name    string
	req     request
	status  int
	want    []string          // substrings the body must contain
	exact   string            // the whole body, when it must match byte for byte
	headers map[string]string // response headers that must be set to these values
}

func (e *env) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := e.do(sc.req)
			assert.Equal(t, sc.status, r.status, "body: %s", r.body)
			for _, w := range sc.want {
				assert.Contains(t, r.body, w)
			}
			if sc.exact != "" {
				assert.Equal(t, sc.exact, r.body)
			}
			for k, v := range sc.headers {
				assert.Equal(t, v, r.header.Get(k), "header %s", k)
			}
			if r.status >= 500 && r.status != sc.status {
				t.Errorf("server fault: %s", r.body)
			}
		})
	}
}

// createRoom makes a room as the admin and returns its id.
func (e *env) createRoom(name string, extra string) string {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "` + name + `"` + extra + `}`})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	var room struct {
		ID struct {
			OID string `json:"$oid"`
		} `json:"_id"`
	}
	r.json(e.t, &room)
	return room.ID.OID
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sessionValue is the session cookie a browser holds.
func sessionValue(t *testing.T, e *env, b *http.Client) string {
	t.Helper()
	u, _ := url.Parse(e.srv.URL)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}
