package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"github.com/makechat/makechat/appliance/egress"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/makechat/makechat/appliance/outgoing"
	"github.com/makechat/makechat/appliance/presence"
	"github.com/makechat/makechat/appliance/preview"
	"github.com/makechat/makechat/appliance/push"
	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/cache"
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
	pusher     *push.Pusher
	presence   *presence.Tracker
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
	// outgoingAllow is the egress policy's allow list (outgoing_allow).
	outgoingAllow []string
	// previews turns link previews on, fetched as the server does.
	previews bool
	// pushClient, if set, is what Web Push sends go through (a test's TLS
	// push endpoint); otherwise the egress client.
	pushClient webpush.Doer
}

type envOption func(*envConfig)

func withRegistration(o *envConfig) { o.AllowRegistration = true }

func withProductionCost(o *envConfig) { o.BcryptCost = bcrypt.DefaultCost }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	o := envConfig{Options: chat.Options{SessionTTL: time.Hour, BcryptCost: bcrypt.MinCost, UploadMaxBytes: 1 << 20}, store: openTestStore}
	for _, opt := range opts {
		opt(&o)
	}
	// The API runs on the cached store, as the server does (e.store is
	// it too, so that a test's own writes forget what they change).
	st := storage.Store(cache.New(o.store(t), cache.Options{}))
	h := hub.New(o.hub)
	// Outgoing hooks are delivered as the server does, with short waits
	// between attempts.
	client, err := egress.New(egress.Policy{Allow: o.outgoingAllow, Timeout: 5 * time.Second})
	require.NoError(t, err)
	out := outgoing.New(client, zerolog.New(io.Discard), outgoing.Options{Retries: []time.Duration{20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}})
	keys, err := webpush.GenerateKeys()
	require.NoError(t, err)
	var pushVia webpush.Doer = client
	if o.pushClient != nil {
		pushVia = o.pushClient
	}
	sender, err := webpush.NewSender(keys, "mailto:test@example.com", pushVia)
	require.NoError(t, err)
	var pusher *push.Pusher
	o.Notify = func(e chat.Event) {
		if e.Name == chat.EventMessageCreated {
			out.Message(*e.Message)
			pusher.Message(*e.Message)
		}
		h.Publish(api.HubEvent(e))
	}
	o.CheckURL, o.CallCommand = out.Check, out.CallCommand
	if o.previews {
		pc, err := egress.New(preview.Policy(egress.Policy{Allow: o.outgoingAllow}))
		require.NoError(t, err)
		f := preview.New(pc, preview.Options{})
		o.LinkPreview = func(ctx context.Context, link string) (storage.LinkPreview, error) {
			p, err := f.Fetch(ctx, link)
			return storage.LinkPreview{URL: p.URL, Title: p.Title, Description: p.Description, Image: p.Image, SiteName: p.SiteName}, err
		}
	}
	svc := chat.New(st, o.Options)
	pusher = push.New(st, svc, sender, zerolog.New(io.Discard), push.Options{})
	require.NoError(t, svc.Init(context.Background()))
	out.Start(svc)
	pusher.Start()
	if o.maintDir == "" {
		o.maintDir = t.TempDir()
	}
	maint := maintenance.Open(o.maintDir)
	tracker := presence.New(5*time.Minute, nil)
	a := api.New(svc, h, zerolog.New(io.Discard), api.Options{Proxies: o.proxies, MaxStreamsPerUser: o.maxStreams, Maintenance: maint, Deliveries: out.Deliveries,
		PushKey: keys.PublicKey(), Viewer: pusher, Presence: tracker})
	srv := httptest.NewUnstartedServer(a.Middleware(a.Handler()))
	srv.Config.ReadTimeout = o.readTimeout
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		a.CloseStreams(ctx)
		cancel()
		srv.Close()
		out.Close()
		pusher.Close()
		svc.Wait()
		st.Close()
	})
	e := &env{t: t, srv: srv, store: st, chat: svc, api: a, maint: maint, pusher: pusher, presence: tracker}
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

// in is the same server for another test: what its helpers require
// fails t. A subtest uses it, so that a failure stops that subtest only.
func (e *env) in(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// requestTimeout bounds every call a test makes, so that a server that
// never answers fails the test instead of hanging it.
const requestTimeout = 30 * time.Second

// send makes one HTTP call and returns its response, or what kept it
// from being made. It fails no test, so any goroutine may use it.
func (e *env) send(req request) (response, error) {
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.method, e.srv.URL+req.path, body)
	if err != nil {
		return response{}, err
	}
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
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read the body: %w", req.method, req.path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// do is send for the test's own goroutine: a call that cannot be made
// fails the test.
func (e *env) do(req request) response {
	e.t.Helper()
	r, err := e.send(req)
	require.NoError(e.t, err)
	return r
}

// sendAll sends the requests at once, each from a goroutine of its own,
// and returns their responses in order once all have answered. A call
// that could not be made fails the test, from the test's goroutine.
func (e *env) sendAll(reqs ...request) []response {
	e.t.Helper()
	rs := make([]response, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() { rs[i], errs[i] = e.send(req) })
	}
	wg.Wait() // each send ends within requestTimeout
	require.NoError(e.t, errors.Join(errs...))
	return rs
}

// postConcurrently makes n posts from the given number of goroutines,
// each making its share one after another, and returns their errors; post
// makes the i-th. Each post must end (tryPost ends within requestTimeout).
func postConcurrently(goroutines, n int, post func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := g; i < n; i += goroutines {
				if err := post(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
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

// scenario is one row of an API table test (pocketbase's ApiScenario).
//
// Each row stands alone, so that `go test -run 'TestX/row_name'` runs
// one: it sends req to the table's server, where the test made before
// the table what the rows read, and no row changes anything another
// row reads. A row that changes something (renames, deletes) makes its
// own object in setup.
//
// The body is always checked: a row gives the whole of it in exact, or
// fragments of it in want; a row that gives neither expects an empty
// body, as pocketbase's scenarios do.
type scenario struct {
	name string
	// setup, if set, makes on the server what this row alone needs and
	// returns the request to send; the row then has no req.
	setup   func(e *env) request
	req     request
	status  int
	exact   string            // the whole body, byte for byte ("" is an empty body)
	want    []string          // substrings the body must contain, instead of exact
	notWant []string          // substrings the body must not contain
	headers map[string]string // response headers that must be set to these values
}

func (e *env) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.setup != nil && sc.req.method != "" {
				t.Fatal("the row has both setup and req: setup returns the request")
			}
			if sc.exact != "" && len(sc.want) > 0 {
				t.Fatal("the row has both exact and want: say what the body is one way")
			}
			e := e.in(t)
			req := sc.req
			if sc.setup != nil {
				req = sc.setup(e)
			}
			r := e.do(req)
			assert.Equal(t, sc.status, r.status, "body: %s", r.body)
			for _, w := range sc.want {
				assert.Contains(t, r.body, w)
			}
			for _, w := range sc.notWant {
				assert.NotContains(t, r.body, w)
			}
			switch {
			case len(sc.want) > 0:
				// The fragments above are what the row expects.
			case sc.exact == "":
				assert.Empty(t, r.body, "the row gives no exact or want: the body must be empty")
			default:
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

// newUser makes an ordinary user (password username+"_pass") and
// returns its id.
func (e *env) newUser(username string) string {
	e.t.Helper()
	u, err := e.chat.CreateUser(context.Background(), chat.SystemActor, chat.NewUser{Username: username, Email: username + "@example.com", Password: username + "_pass"})
	require.NoError(e.t, err)
	return u.ID.Hex()
}

// newToken makes an API token for the user that token authenticates and
// returns the new token's id and value.
func (e *env) newToken(token, name string) (id, value string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/tokens", token: token, body: `{"name": "` + name + `"}`})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	var made struct {
		ID    map[string]string `json:"_id"`
		Value string            `json:"value"`
	}
	r.json(e.t, &made)
	return made.ID["$oid"], made.Value
}

// newHook makes a webhook in room as the admin and returns its id and
// the URL it posts to.
func (e *env) newHook(room, name string) (id, postURL string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "` + name + `"}`})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	var hook struct {
		ID  map[string]string `json:"_id"`
		URL string            `json:"url"`
	}
	r.json(e.t, &hook)
	return hook.ID["$oid"], hook.URL
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
