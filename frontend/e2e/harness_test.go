package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/makechat/makechat/appliance"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/storage"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

const chromiumPath = "/usr/bin/chromium"

// serverTimeout bounds the server's start and stop.
const serverTimeout = 30 * time.Second

// world is a seeded data directory and the server running on it: an
// administrator (alice), a user (bob), both in the room "general" (unless
// withoutRoom), and API tokens for both.
type world struct {
	t          *testing.T
	cfg        config.Config
	url        string // http://127.0.0.1:port
	admin, bob storage.User
	room       storage.ID
	adminToken string
	bobToken   string
	stop       func()
}

// chromium returns the browser's path, or skips the test when it is
// missing and MAKECHAT_E2E is not set (CI sets it, so CI cannot skip).
// Under go test -short it skips the test: the browser tests are the
// slowest part that -short leaves out.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips the browser tests (Chromium); run without -short for them")
	}
	path, err := exec.LookPath(chromiumPath)
	if err != nil {
		if os.Getenv("MAKECHAT_E2E") == "" {
			t.Skip("chromium is not installed (apt-get install chromium, or run scripts/test); set MAKECHAT_E2E=1 to make this a failure")
		}
		t.Fatalf("MAKECHAT_E2E is set but %s is missing: %v", chromiumPath, err)
	}
	return path
}

// worldOption changes the world newWorld makes.
type worldOption func(*worldSetup)

type worldSetup struct {
	noRoom bool
	config []func(*config.Config)
}

// withoutRoom leaves out the room "general": a server on its first day.
func withoutRoom() worldOption { return func(s *worldSetup) { s.noRoom = true } }

// withConfig changes the server's configuration before it starts.
func withConfig(f func(*config.Config)) worldOption {
	return func(s *worldSetup) { s.config = append(s.config, f) }
}

// newWorld seeds a data directory with seed (which may add to it), then
// starts the server.
func newWorld(t *testing.T, seed func(ctx context.Context, w *world, svc *chat.Service), opts ...worldOption) *world {
	t.Helper()
	chromium(t)
	var setup worldSetup
	for _, o := range opts {
		o(&setup)
	}
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "MAKECHAT_DATA_DIR": filepath.Join(dir, "data"), "MAKECHAT_LISTEN": "127.0.0.1:0"}
	cfg, err := config.Load("", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
	require.NoError(t, err)
	require.NoError(t, cfg.EnsureSecret())
	// Seeds post hundreds of messages as bob in a moment; the per-user
	// post rate would refuse them.
	cfg.PostsPerSecond = 0
	for _, f := range setup.config {
		f(&cfg)
	}
	w := &world{t: t, cfg: cfg}
	w.offline(func(ctx context.Context, svc *chat.Service) {
		w.admin, err = svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "alice", Email: "alice@example.com", Password: "alice-password", IsSuperuser: true})
		require.NoError(t, err)
		w.bob, err = svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "bob", Email: "bob@example.com", Password: "bob-password"})
		require.NoError(t, err)
		if !setup.noRoom {
			room, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "general"})
			require.NoError(t, err)
			w.room = room.ID
			_, err = svc.AddMember(ctx, chat.Actor{User: w.admin}, room.ID, w.bob.ID, "member")
			require.NoError(t, err)
		}
		_, w.adminToken, err = svc.CreateToken(ctx, chat.Actor{User: w.admin}, "e2e")
		require.NoError(t, err)
		_, w.bobToken, err = svc.CreateToken(ctx, chat.Actor{User: w.bob}, "e2e")
		require.NoError(t, err)
		if seed != nil {
			seed(ctx, w, svc)
		}
	})
	w.start()
	t.Cleanup(func() { w.stop() })
	return w
}

// offline opens the store while no server runs, as the command line does.
func (w *world) offline(f func(ctx context.Context, svc *chat.Service)) {
	st, err := appliance.OpenStore(w.cfg, appliance.StoreOptions{LockWait: 5 * time.Second})
	require.NoError(w.t, err)
	defer st.Close()
	svc, err := appliance.NewChat(context.Background(), w.cfg, st, nil, nil, nil)
	require.NoError(w.t, err)
	f(context.Background(), svc)
}

// start runs the server on cfg.Listen; the first start picks a port and
// keeps it, so a restart comes back at the same address.
func (w *world) start() {
	w.t.Helper()
	log := zerolog.New(io.Discard)
	if os.Getenv("MAKECHAT_E2E_LOG") != "" {
		log = zerolog.New(zerolog.NewTestWriter(w.t))
	}
	app, err := appliance.New(w.cfg, log, "e2e")
	require.NoError(w.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, func(url string) { ready <- url }) }()
	select {
	case u := <-ready:
		w.url = strings.TrimSuffix(u, "/")
		w.cfg.Listen = strings.TrimPrefix(w.url, "http://")
	case err := <-done:
		cancel()
		w.t.Fatalf("server did not start: %v", err)
	case <-time.After(serverTimeout):
		cancel()
		w.t.Fatalf("server not ready after %s", serverTimeout)
	}
	w.stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				w.t.Errorf("server stopped with: %v", err)
			}
		case <-time.After(serverTimeout):
			w.t.Errorf("server did not stop within %s", serverTimeout)
		}
		w.stop = func() {}
	}
}

// restartOn stops the server and starts it on addr (with the same data).
func (w *world) restartOn(addr string) {
	w.stop()
	w.cfg.Listen = addr
	w.start()
}

// call is one API request with a token; it returns the status and body.
func (w *world) call(token, method, path string, body any) (int, string) {
	w.t.Helper()
	if body == nil {
		return w.send(token, method, path, "", nil)
	}
	b, err := json.Marshal(body)
	require.NoError(w.t, err)
	return w.send(token, method, path, "application/json", strings.NewReader(string(b)))
}

// send is one API request with a token and a body of type ctype (none
// when ""); it returns the status and body.
func (w *world) send(token, method, path, ctype string, body io.Reader) (int, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.url+path, body)
	require.NoError(w.t, err)
	req.Header.Set("X-Auth-Token", token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, string(b)
}

// post sends a message to the room through the API.
func (w *world) post(token, text string) {
	w.t.Helper()
	status, body := w.call(token, "POST", "/api/messages", map[string]string{"room": w.room.Hex(), "text": text})
	require.Equal(w.t, 201, status, body)
}

// browser is a fresh Chromium with its own profile; viewport w×h.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first Run starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))))
	// Every test also checks that no script threw and that the page broke
	// no rule of its Content-Security-Policy.
	var mu sync.Mutex
	var problems []string
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		var p string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = "script error: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				p += " " + e.ExceptionDetails.Exception.Description
			}
		case *cdplog.EventEntryAdded:
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				p = "CSP violation: " + e.Entry.Text
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
	})
	return ctx
}

// step runs actions with a bound, so a broken page fails instead of hanging.
func step(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(sctx, actions...))
}

// click clicks the element sel finds, again if the page replaced it
// between the query and the click.
func click[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) {
	t.Helper()
	var err error
	for range 20 {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = chromedp.Do(sctx, chromedp.Click(sel))
		cancel()
		if err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
	}
	require.NoError(t, err)
}

// eval returns the value of a JavaScript expression.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// until waits until a JavaScript expression is truthy.
func until(t *testing.T, ctx context.Context, js string, what string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var err error
	for {
		_, err = chromedp.Run(sctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond)))
		// A page that navigates meanwhile ends the poll: poll the new one.
		if err == nil || sctx.Err() != nil || !strings.Contains(err.Error(), "navigated") && !strings.Contains(err.Error(), "context") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ''`))
		t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, js, err, body)
	}
}

// login opens /login and logs in; it returns when the chat is shown.
func (w *world) login(t *testing.T, ctx context.Context, username, password string) {
	t.Helper()
	step(t, ctx, chromedp.Navigate(w.url+"/login"), chromedp.WaitVisible(chromedp.ID("login-username")),
		typeInto("#login-username", username),
		typeInto("#login-password", password+"\r"))
	until(t, ctx, `!document.getElementById('app').hidden && document.body.dataset.ready`, "the chat after login")
}

// messageTexts is the JS for the texts of the message bodies shown.
const messageTexts = `[...document.querySelectorAll('#messages .msg .body')].map(b => b.textContent)`

// hasMessage is the JS predicate "a message with exactly this text is shown".
func hasMessage(text string) string {
	b, _ := json.Marshal(text)
	return fmt.Sprintf(`%s.includes(%s)`, messageTexts, b)
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// screenshot writes a PNG of the page when MAKECHAT_SCREENSHOTS is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("MAKECHAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// typeInto waits for the element that the CSS selector sel finds, focuses
// it from the page and types text into it as key events ("\r" is Enter).
// It stands in for chromedp.SendKeys, which reads the node's attributes
// in the test's process without the lock that chromedp's own DOM event
// handler holds when it writes them: a data race under -race whenever
// the page changes an attribute while one types (a combobox's
// aria-expanded, say).
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	focus := fmt.Sprintf(`(e => e ? (e.focus(), true) : false)(document.querySelector(%q))`, sel)
	kept := fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			// The focus must stay put a moment: a page that is still
			// showing itself may move it (the login form focuses its
			// first field), and keys would go to the wrong field.
			found, err := chromedp.Evaluate[bool](focus)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			if found {
				time.Sleep(100 * time.Millisecond)
				stayed, err := chromedp.Evaluate[bool](kept)(ctx, tg)
				if err != nil {
					return chromedp.Void{}, err
				}
				if stayed {
					break
				}
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("typing into %s: %w", sel, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
		return chromedp.KeyEvent(text)(ctx, tg)
	}
}
