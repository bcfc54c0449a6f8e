// Command upgradefixture makes the upgrade fixture: a small store and a
// backup written by an older makechat, which every later build must
// open, migrate and serve (appliance/cli's upgrade tests, run in CI).
//
// It was run once, against the binary of the commit that first shipped
// storage schema 1 and backup format 1:
//
//	git worktree add /tmp/v1 7907cb7 && (cd /tmp/v1 && CGO_ENABLED=0 go build -o /tmp/makechat-v1 .)
//	go run ./tools/upgradefixture -binary /tmp/makechat-v1 -out testdata/upgrade/v1
//
// A fixture is never made again for the same version: it stands for the
// data of servers in the field. A new schema or format version gets a new
// fixture beside the old ones.
//
// It starts the binary on a fresh data directory, makes users, rooms,
// members, messages (edited, deleted, direct, by a webhook), a token, a
// hook and a long-lived session through the CLI and the HTTP API, takes
// a backup, stops the server with SIGTERM, and writes the store as
// makechat.db.gz (the file byte for byte, gzipped: bbolt preallocates 16
// MiB of mostly zeros), the backup as backup.zip and fixture.json (what
// a test needs to check the data: ids, counts, and the test-only
// credentials it made).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Fixture is fixture.json.
type Fixture struct {
	MadeBy        string            `json:"made_by"` // the binary's `makechat version`
	AdminUser     string            `json:"admin_user"`
	AdminPassword string            `json:"admin_password"`
	BobUser       string            `json:"bob_user"`
	BobPassword   string            `json:"bob_password"`
	AdminToken    string            `json:"admin_token"`
	HookURL       string            `json:"hook_url"`
	Session       string            `json:"session"` // bob's session cookie, valid for a year
	Rooms         map[string]string `json:"rooms"`   // name → id
	Messages      map[string]int    `json:"messages"`
	DirectTexts   []string          `json:"direct_texts"`
}

func main() {
	binary := flag.String("binary", "", "the older makechat binary")
	out := flag.String("out", "", "directory to write the fixture to")
	flag.Parse()
	if *binary == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: upgradefixture -binary PATH -out DIR")
		os.Exit(2)
	}
	if err := run(*binary, *out); err != nil {
		fmt.Fprintln(os.Stderr, "upgradefixture:", err)
		os.Exit(1)
	}
}

func run(binary, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	work, err := os.MkdirTemp("", "upgradefixture")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	env := append(os.Environ(),
		"HOME="+work,
		"MAKECHAT_DATA_DIR="+filepath.Join(work, "data"),
		"MAKECHAT_LISTEN=127.0.0.1:0",
		"MAKECHAT_LOG_FORMAT=json",
		"MAKECHAT_SESSION_TTL=31536000",
	)
	cli := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, binary, args...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("makechat %s: %w: %s", strings.Join(args, " "), err, b)
		}
		return string(b), nil
	}
	f := Fixture{
		AdminUser: "admin", AdminPassword: "fixture admin password",
		BobUser: "bob", BobPassword: "fixture bob password",
		Rooms: map[string]string{}, Messages: map[string]int{},
	}
	if f.MadeBy, err = cli("version"); err != nil {
		return err
	}
	f.MadeBy = strings.TrimSpace(f.MadeBy)
	if _, err := cli("user", "create", "-u", f.AdminUser, "-p", f.AdminPassword, "-e", "admin@example.com", "-admin"); err != nil {
		return err
	}

	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	base, err := readyURL(stderr)
	if err != nil {
		return err
	}
	go io.Copy(io.Discard, stderr)
	c := &client{base: base}

	adminSession, err := c.login(f.AdminUser, f.AdminPassword)
	if err != nil {
		return err
	}
	var tok struct{ Value string }
	if err := c.call("POST", "/api/tokens", adminSession, "", `{"name": "fixture bot"}`, 201, &tok); err != nil {
		return err
	}
	f.AdminToken = tok.Value
	var bob struct {
		ID oid `json:"_id"`
	}
	if err := c.call("POST", "/api/users", "", f.AdminToken, `{"username": "bob", "email": "bob@example.com", "password": "`+f.BobPassword+`"}`, 201, &bob); err != nil {
		return err
	}
	for _, r := range []struct{ name, body string }{
		{"general", `{"name": "general"}`},
		{"secret plans", `{"name": "secret plans", "is_open": false, "is_visible": false}`},
		{"Café ☕ 日本", `{"name": "Café ☕ 日本"}`},
	} {
		var room struct {
			ID oid `json:"_id"`
		}
		if err := c.call("POST", "/api/rooms", "", f.AdminToken, r.body, 201, &room); err != nil {
			return err
		}
		f.Rooms[r.name] = room.ID.OID
	}
	if f.Session, err = c.login(f.BobUser, f.BobPassword); err != nil {
		return err
	}
	if err := c.call("POST", "/api/members", f.Session, "", `{"room": "`+f.Rooms["general"]+`"}`, 201, nil); err != nil {
		return err
	}
	if err := c.call("POST", "/api/members", "", f.AdminToken, `{"room": "`+f.Rooms["secret plans"]+`", "user": "`+bob.ID.OID+`", "role": "guest"}`, 201, nil); err != nil {
		return err
	}
	post := func(session, token, room, text string) (string, error) {
		var m struct {
			ID oid `json:"_id"`
		}
		err := c.call("POST", "/api/messages", session, token, fmt.Sprintf(`{"room": %q, "text": %q}`, room, text), 201, &m)
		return m.ID.OID, err
	}
	for i := range 30 {
		if _, err := post("", f.AdminToken, f.Rooms["general"], fmt.Sprintf("general message %02d", i)); err != nil {
			return err
		}
	}
	edited, err := post(f.Session, "", f.Rooms["general"], "bob's first try")
	if err != nil {
		return err
	}
	if err := c.call("PATCH", "/api/messages/"+edited, f.Session, "", `{"text": "bob's message, edited"}`, 200, nil); err != nil {
		return err
	}
	deleted, err := post("", f.AdminToken, f.Rooms["general"], "this one is deleted")
	if err != nil {
		return err
	}
	if err := c.call("DELETE", "/api/messages/"+deleted, "", f.AdminToken, "", 200, nil); err != nil {
		return err
	}
	f.Messages["general"] = 31
	if _, err := post("", f.AdminToken, f.Rooms["secret plans"], "the plan, with <b>markup</b> & \"quotes\""); err != nil {
		return err
	}
	if _, err := post("", f.AdminToken, f.Rooms["Café ☕ 日本"], "héllo wörld 👋 مرحبا"); err != nil {
		return err
	}
	var hook struct{ URL string }
	if err := c.call("POST", "/api/rooms/"+f.Rooms["secret plans"]+"/hooks", "", f.AdminToken, `{"name": "CI"}`, 201, &hook); err != nil {
		return err
	}
	f.HookURL = hook.URL
	if err := c.call("POST", hook.URL, "", "", `{"text": "build 7 passed"}`, 200, nil); err != nil {
		return err
	}
	f.Messages["secret plans"] = 2
	f.Messages["Café ☕ 日本"] = 1
	f.DirectTexts = []string{"hi bob, a direct message", "hi admin"}
	if err := c.call("POST", "/api/messages", "", f.AdminToken, `{"recipient": "`+bob.ID.OID+`", "text": "`+f.DirectTexts[0]+`"}`, 201, nil); err != nil {
		return err
	}
	var admin struct {
		ID oid `json:"_id"`
	}
	if err := c.call("GET", "/api/me", "", f.AdminToken, "", 200, &admin); err != nil {
		return err
	}
	if err := c.call("POST", "/api/messages", f.Session, "", `{"recipient": "`+admin.ID.OID+`", "text": "`+f.DirectTexts[1]+`"}`, 201, nil); err != nil {
		return err
	}

	backups := filepath.Join(work, "backups")
	if _, err := cli("backup", "--out", backups); err != nil {
		return err
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("serve did not exit cleanly: %w", err)
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := gzipFile(filepath.Join(work, "data", "makechat.db"), filepath.Join(out, "makechat.db.gz")); err != nil {
		return err
	}
	zips, _ := filepath.Glob(filepath.Join(backups, "makechat-backup-*.zip"))
	if len(zips) != 1 {
		return fmt.Errorf("want one backup, found %v", zips)
	}
	if err := copyFile(zips[0], filepath.Join(out, "backup.zip")); err != nil {
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "fixture.json"), append(b, '\n'), 0o644)
}

type oid struct {
	OID string `json:"$oid"`
}

// readyURL reads the server's log until it says where it listens.
func readyURL(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var line struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.URL != "" {
			return strings.TrimSuffix(line.URL, "/"), nil
		}
	}
	return "", errors.New("the server stopped before it was ready")
}

type client struct{ base string }

// login returns the session cookie of a new login.
func (c *client) login(user, password string) (string, error) {
	resp, err := http.Post(c.base+"/api/login", "application/json", strings.NewReader(fmt.Sprintf(`{"username": %q, "password": %q}`, user, password)))
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "session" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("login %s: %s, no session cookie", user, resp.Status)
}

// call makes one request, by session cookie or token, and decodes the
// answer into v when it is not nil.
func (c *client) call(method, path, session, token, body string, want int, v any) error {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "session", Value: session})
		req.Header.Set("Origin", c.base)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}

func gzipFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(to, buf.Bytes(), 0o644)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
