package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binary is the makechat binary built once for these tests: the command
// line is tested by running it for real.
var binary string

func TestMain(m *testing.M) {
	// Under -short every test skips (see newSite): there is no need of
	// the binary. testing.Short reads the flags, which m.Run would parse
	// only later.
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "makechat-cli-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "makechat")
	build := exec.Command("go", "build", "-o", binary, "github.com/makechat/makechat")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build makechat: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is a data directory and the environment that points at it.
type site struct {
	t       *testing.T
	dataDir string
	env     []string
	// wrap, if set, runs serve through another command (such as a shell
	// that lowers a limit first), which is given the binary's path and
	// arguments.
	wrap []string
}

// newSite makes a site for t. Under go test -short it skips the test:
// these tests build and run the real binary, and are slow.
func newSite(t *testing.T) *site {
	if testing.Short() {
		t.Skip("-short: skips the command line's tests, which run the built binary; run without -short for them")
	}
	home := t.TempDir()
	dataDir := filepath.Join(t.TempDir(), "data")
	return &site{t: t, dataDir: dataDir, env: []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"MAKECHAT_DATA_DIR=" + dataDir,
		"MAKECHAT_LISTEN=127.0.0.1:0",
		"MAKECHAT_LOG_FORMAT=json",
	}}
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary with args and waits for it.
func (s *site) run(args ...string) result {
	s.t.Helper()
	return s.runAs(binary, args...)
}

// runAs runs the binary through path (a link giving it another name).
func (s *site) runAs(path string, args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = s.env
	cmd.Dir = s.t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(s.t, err)
	}
	return result{code, out.String(), errb.String()}
}

// server is a running "makechat serve".
type server struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed when the process has exited
	err    error         // its exit error, once exited is closed

	logMu  sync.Mutex
	logBuf strings.Builder // what it has logged so far
}

// log is what the server has logged so far.
func (srv *server) log() string {
	srv.logMu.Lock()
	defer srv.logMu.Unlock()
	return srv.logBuf.String()
}

// serve starts the server and waits until it says it is ready.
func (s *site) serve(extra ...string) *server {
	s.t.Helper()
	args := append([]string{binary, "serve"}, extra...)
	if s.wrap != nil {
		args = append(append([]string{}, s.wrap...), args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = s.env
	stderr, err := cmd.StderrPipe()
	require.NoError(s.t, err)
	require.NoError(s.t, cmd.Start())
	srv := &server{cmd: cmd, exited: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			srv.logMu.Lock()
			srv.logBuf.Write(sc.Bytes())
			srv.logBuf.WriteByte('\n')
			srv.logMu.Unlock()
			var line struct {
				URL string `json:"url"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.URL != "" {
				urls <- line.URL
			}
		}
		srv.err = cmd.Wait()
		close(srv.exited)
	}()
	s.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-srv.exited:
		case <-time.After(exitTimeout):
			s.t.Errorf("the server did not exit within %s of SIGKILL", exitTimeout)
		}
	})
	select {
	case srv.url = <-urls:
	case <-srv.exited:
		s.t.Fatalf("server exited before it was ready: %v", srv.err)
	case <-time.After(30 * time.Second):
		s.t.Fatal("server not ready after 30s")
	}
	srv.url = strings.TrimSuffix(srv.url, "/")
	return srv
}

// exitTimeout bounds the wait for a signalled server to exit.
const exitTimeout = 30 * time.Second

// signal sends sig to the server and waits for it to exit, failing t if
// it has not after exitTimeout.
func (srv *server) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	require.NoError(t, srv.cmd.Process.Signal(sig))
	select {
	case <-srv.exited:
	case <-time.After(exitTimeout):
		t.Fatalf("the server did not exit within %s of %v", exitTimeout, sig)
	}
}

// client is the tests' HTTP client: every call has a deadline, so a
// server that never answers fails the test instead of hanging it.
var client = &http.Client{Timeout: 30 * time.Second}

// tryPost posts body to path and returns the status and body. It fails
// no test, so any goroutine may use it.
func (srv *server) tryPost(path, token, body string) (int, string, error) {
	req, err := http.NewRequest("POST", srv.url+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	return send(req)
}

func (srv *server) post(t *testing.T, path, token, body string) (int, string) {
	t.Helper()
	code, b, err := srv.tryPost(path, token, body)
	require.NoError(t, err)
	return code, b
}

func (srv *server) get(t *testing.T, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.url+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	code, b, err := send(req)
	require.NoError(t, err)
	return code, b
}

// send sends req with the tests' client and reads the whole answer.
func send(req *http.Request) (int, string, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// loginToken logs in and makes an API token, returning its value.
func (srv *server) loginToken(t *testing.T, username, password string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.url+"/api/login", strings.NewReader(`{"username": "`+username+`", "password": "`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			session = c.Value
		}
	}
	req, _ = http.NewRequest("POST", srv.url+"/api/tokens", strings.NewReader(`{"name": "test"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", srv.url)
	req.AddCookie(&http.Cookie{Name: "session", Value: session})
	resp, err = client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	var tok struct {
		Value string `json:"value"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	return tok.Value
}

func TestUserCreate_WithoutAServerOpensTheStoreItself(t *testing.T) {
	s := newSite(t)
	r := s.run("user", "create", "-u", "test_user", "-p", "test_pass", "-e", "test@example.com")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "created user test_user")
	r = s.run("user", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "test_user")
	assert.Contains(t, r.stdout, "test@example.com")
}

func TestUserCreate_AdminAgainstARunningServer(t *testing.T) {
	s := newSite(t)
	srv := s.serve()
	// The seed's command, verbatim, while serve holds the store's lock.
	r := s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "created administrator admin")

	token := srv.loginToken(t, "admin", "admin_pass")
	code, body := srv.post(t, "/api/rooms", token, `{"name": "room1"}`)
	require.Equal(t, 201, code, body)

	r = s.run("user", "changepass", "-u", "admin", "-p", "new_pass")
	require.Equal(t, 0, r.code, r.stderr)
	code, _ = srv.post(t, "/api/login", "", `{"username": "admin", "password": "admin_pass"}`)
	assert.Equal(t, 401, code)
	code, _ = srv.post(t, "/api/login", "", `{"username": "admin", "password": "new_pass"}`)
	assert.Equal(t, 200, code)

	r = s.run("user", "create", "-u", "bob", "-p", "bob_pass", "-e", "bob@example.com")
	require.Equal(t, 0, r.code, r.stderr)
	bobToken := srv.loginToken(t, "bob", "bob_pass")
	r = s.run("user", "disable", "-u", "bob")
	require.Equal(t, 0, r.code, r.stderr)
	code, _ = srv.get(t, "/api/ping", bobToken)
	assert.Equal(t, 401, code, "a disabled user is locked out at once")
	r = s.run("user", "enable", "-u", "bob")
	require.Equal(t, 0, r.code, r.stderr)
	code, _ = srv.get(t, "/api/ping", bobToken)
	assert.Equal(t, 200, code)

	r = s.run("user", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "admin@example.com")
	assert.Contains(t, r.stdout, "bob@example.com")
}

func TestUserCommands_BadInputIsOneLineAndNonZero(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "taken", "-p", "pw", "-e", "taken@example.com").code)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing username", []string{"user", "create", "-p", "x", "-e", "a@example.com"}, 2, `"u"`},
		{"unknown flag", []string{"user", "create", "-u", "a", "-p", "x", "-e", "a@example.com", "-bogus"}, 2, "bogus"},
		{"unknown command", []string{"user", "frobnicate"}, 2, "frobnicate"},
		{"bad email", []string{"user", "create", "-u", "a", "-p", "x", "-e", "nope"}, 1, "email"},
		{"empty username", []string{"user", "create", "-u", "", "-p", "x", "-e", "a@example.com"}, 1, "username"},
		{"huge username", []string{"user", "create", "-u", strings.Repeat("a", 10000), "-p", "x", "-e", "a@example.com"}, 1, "username"},
		{"hostile username", []string{"user", "create", "-u", `{"$ne": 1}`, "-p", "x", "-e", "a@example.com"}, 1, "username"},
		{"taken username", []string{"user", "create", "-u", "TAKEN", "-p", "x", "-e", "other@example.com"}, 1, "already taken"},
		{"taken email", []string{"user", "create", "-u", "other", "-p", "x", "-e", "taken@example.com"}, 1, "already in use"},
		{"password over 72 bytes", []string{"user", "create", "-u", "long", "-p", strings.Repeat("p", 73), "-e", "l@example.com"}, 1, "72 bytes"},
		{"changepass of nobody", []string{"user", "changepass", "-u", "ghost", "-p", "x"}, 1, "No such user"},
		{"disable nobody", []string{"user", "disable", "-u", "ghost"}, 1, "No such user"},
		{"bad config value", []string{"--config", "/nonexistent/makechat.conf", "user", "list"}, 1, "makechat.conf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.run(c.args...)
			assert.Equal(t, c.code, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, c.want)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
			assert.True(t, strings.HasPrefix(r.stderr, "makechat: "), r.stderr)
			assert.NotContains(t, r.stderr, "goroutine")
		})
	}
	r := s.run("user", "list")
	assert.Equal(t, 1, strings.Count(r.stdout, "taken@example.com"), "the stored user is intact")
	assert.Equal(t, 2, strings.Count(r.stdout, "\n"), "and nothing else was stored: %s", r.stdout)
}

func TestHelp_HasTheSeedsSpellings(t *testing.T) {
	s := newSite(t)
	r := s.run("user", "create", "-h")
	require.Equal(t, 0, r.code, r.stderr)
	for _, w := range []string{"makechat user create [-h] -u USERNAME -p PASSWORD -e EMAIL [-admin]", "specify username", "specify password", "specify email address", "is superuser?"} {
		assert.Contains(t, r.stdout, w)
	}
	r = s.run("user", "changepass", "-h")
	assert.Contains(t, r.stdout, "specify new password")
	r = s.run("user", "-h")
	assert.Contains(t, r.stdout, "create")
	assert.Contains(t, r.stdout, "changepass")
}

func TestServe_ASecondServerOnTheSameDataDirExitsClearly(t *testing.T) {
	s := newSite(t)
	s.serve()
	r := s.run("serve")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "in use by another makechat server")
}

func TestServe_BadConfigStopsStartUpNamingTheKey(t *testing.T) {
	s := newSite(t)
	s.env = append(s.env, "MAKECHAT_SESSION_TTL=soon")
	r := s.run("serve")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "session_ttl")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
}

func TestServe_AnAcknowledgedWriteSurvivesKill9(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	srv := s.serve()
	token := srv.loginToken(t, "admin", "admin_pass")
	var ids []string
	for i := range 20 {
		code, body := srv.post(t, "/api/rooms", token, fmt.Sprintf(`{"name": "room %d"}`, i))
		require.Equal(t, 201, code, body)
		ids = append(ids, body[strings.Index(body, `"$oid": "`)+9:][:24])
	}
	// A file, uploaded and sent with a message.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", "minutes.txt")
	require.NoError(t, err)
	_, _ = part.Write([]byte("the minutes of the meeting\n"))
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", srv.url+"/api/uploads", &buf)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, body, err := send(req)
	require.NoError(t, err)
	require.Equal(t, 201, code, body)
	file := body[strings.Index(body, `"$oid": "`)+9:][:24]
	code, body = srv.post(t, "/api/messages", token, `{"room": "`+ids[0]+`", "text": "", "files": ["`+file+`"]}`)
	require.Equal(t, 201, code, body)
	r := s.run("user", "create", "-u", "late", "-p", "late_pass", "-e", "late@example.com")
	require.Equal(t, 0, r.code, r.stderr)
	// SIGKILL right after the last 2xx: no chance to flush anything.
	srv.signal(t, syscall.SIGKILL)

	srv = s.serve()
	token = srv.loginToken(t, "admin", "admin_pass")
	for _, id := range ids {
		code, body := srv.get(t, "/api/rooms/"+id, token)
		assert.Equal(t, 200, code, body)
	}
	code, body = srv.get(t, "/api/files/"+file, token)
	assert.Equal(t, 200, code)
	assert.Equal(t, "the minutes of the meeting\n", body)
	code, _ = srv.post(t, "/api/login", "", `{"username": "late", "password": "late_pass"}`)
	assert.Equal(t, 200, code)
}

func TestServe_SIGTERMClosesStreamsAndExitsCleanly(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	srv := s.serve()
	token := srv.loginToken(t, "admin", "admin_pass")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.url, "http")+"/api/stream?token="+token, nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	_, _, err = conn.Read(ctx)
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "the stream is closed as going away: %v", err)
	select {
	case <-srv.exited:
		assert.NoError(t, srv.err, "exit status 0 after SIGTERM")
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20s of SIGTERM")
	}
}

func TestVersion_Prints(t *testing.T) {
	r := newSite(t).run("version")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "makechat ")
}

func TestMaintenance_SwitchesARunningServerAndPersists(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	require.Equal(t, 0, s.run("user", "create", "-u", "bob", "-p", "bob_pass", "-e", "bob@example.com").code)
	srv := s.serve()
	admin := srv.loginToken(t, "admin", "admin_pass")
	bob := srv.loginToken(t, "bob", "bob_pass")

	// The seed's spelling, through the multi-call name.
	link := filepath.Join(t.TempDir(), "maintenance")
	require.NoError(t, os.Symlink(binary, link))
	r := s.runAs(link, "on")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "maintenance on\n", r.stdout)
	code, body := srv.get(t, "/api/rooms", bob)
	assert.Equal(t, 503, code)
	assert.Contains(t, body, `"title": "Maintenance"`)
	code, _ = srv.get(t, "/api/rooms", admin)
	assert.Equal(t, 200, code, "an administrator still gets in")
	code, body = srv.get(t, "/", "")
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "Back in a few minutes")

	srv.signal(t, syscall.SIGTERM)
	srv = s.serve()
	code, _ = srv.get(t, "/api/rooms", bob)
	assert.Equal(t, 503, code, "maintenance survives a restart")
	r = s.run("maintenance", "off")
	require.Equal(t, 0, r.code, r.stderr)
	code, _ = srv.get(t, "/api/rooms", bob)
	assert.Equal(t, 200, code)

	r = s.run("maintenance", "sideways")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "use on, off or status")
}

func TestMaintenance_WorksWithoutAServer(t *testing.T) {
	s := newSite(t)
	r := s.run("maintenance", "on")
	require.Equal(t, 0, r.code, r.stderr)
	r = s.run("maintenance", "status")
	assert.Equal(t, "maintenance on\n", r.stdout)
	r = s.run("maintenance", "off")
	assert.Equal(t, "maintenance off\n", r.stdout)
}
