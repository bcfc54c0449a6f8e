package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The administrator that the tool creates on the servers it starts.
const (
	adminUser  = "loadtest"
	adminPass  = "loadtest-password"
	adminEmail = "loadtest@example.com"
)

// Bounds on waiting for a server.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 20 * time.Second
)

// binaryPath returns the makechat binary to run: the one named, made
// absolute, or one built from the module root into work.
func binaryPath(ctx context.Context, named, work string) (string, error) {
	if named != "" {
		abs, err := filepath.Abs(named)
		if err != nil {
			return "", err
		}
		st, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("binary: %w", err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("binary %s is not an executable file", abs)
		}
		return abs, nil
	}
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root (go env GOMOD): %w", err)
	}
	mod := strings.TrimSpace(string(gomod))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the makechat module or pass -binary")
	}
	out := filepath.Join(work, "makechat")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = filepath.Dir(mod)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, b)
	}
	return out, nil
}

// server is a makechat serve process that the tool started. Its log goes
// to a file, so that reading it costs the measurement nothing.
type server struct {
	cmd     *exec.Cmd
	dataDir string
	logPath string
	started time.Time // just before exec

	exited  chan struct{} // closed when the process has ended
	waitErr error         // set before exited closes

	url     string        // from the ready line, without the trailing slash
	startup time.Duration // the "startup" the ready line reports
}

// startServer runs `binary serve` on dataDir, listening on listen, with
// extra settings in env (see runner.storeEnv).
func startServer(binary, dataDir, listen string, env ...string) (*server, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	logPath := dataDir + ".log"
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(binary, "serve")
	cmd.Env = serverEnv(dataDir, append([]string{"MAKECHAT_LISTEN=" + listen, "MAKECHAT_LOG_FORMAT=json"}, env...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &server{cmd: cmd, dataDir: dataDir, logPath: logPath, exited: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// serverEnv is this process's environment without any makechat setting
// of the caller's, plus the data directory and extra.
func serverEnv(dataDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAKECHAT_") {
			env = append(env, kv)
		}
	}
	env = append(env, "MAKECHAT_DATA_DIR="+dataDir)
	return append(env, extra...)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls the log for the ready line and takes the URL and the
// start-up time it reports.
func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		if line := findLogLine(s.logPath, `"url"`); line != nil {
			var ready struct {
				URL     string  `json:"url"`
				Startup float64 `json:"startup"` // milliseconds, zerolog's default
			}
			if err := json.Unmarshal(line, &ready); err != nil {
				return fmt.Errorf("read the ready line %q: %w", line, err)
			}
			s.url = strings.TrimSuffix(ready.URL, "/")
			s.startup = time.Duration(ready.Startup * float64(time.Millisecond))
			return checkLoopback(s.url)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready (%v); its log:\n%s", s.waitErr, tail(s.logPath, 2000))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %s; its log:\n%s", readyTimeout, tail(s.logPath, 2000))
		}
	}
}

// findLogLine returns the first line of the file that contains substr.
func findLogLine(path, substr string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	for line := range bytes.Lines(b) {
		if bytes.Contains(line, []byte(substr)) && bytes.HasSuffix(line, []byte("\n")) {
			return line
		}
	}
	return nil
}

// tail returns the last n bytes of a file, for error messages.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// stop sends SIGTERM and waits for the process to end (killing it after
// stopTimeout). It returns the exit error, if any.
func (s *server) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("server had already exited: %v", s.waitErr)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("server did not stop within %s of SIGTERM; killed", stopTimeout)
	}
}

// runCLI runs a makechat command against dataDir (the running server
// answers it through its control socket).
func runCLI(ctx context.Context, binary, dataDir string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = serverEnv(dataDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("makechat %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// freePort returns a loopback address with a port that was free a moment
// ago, for a server whose address must be known before it starts.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// logSummary is what a server's log says about a run: problems, not
// the traffic.
type logSummary struct {
	lines     int
	levels    map[string]int
	status5xx int
	cutOff    int            // streams cut off for not keeping up
	problems  map[string]int // warning and error messages, by text
}

// summarizeLog reads a server's JSON log after it has stopped.
func summarizeLog(path string) (logSummary, error) {
	sum := logSummary{levels: map[string]int{}, problems: map[string]int{}}
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		sum.lines++
		var e struct {
			Level   string `json:"level"`
			Message string `json:"message"`
			Status  int    `json:"status"`
			Error   string `json:"error"`
			Path    string `json:"path"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			sum.levels["not json"]++
			sum.problems["not JSON: "+clip(sc.Text(), 160)]++
			continue
		}
		sum.levels[e.Level]++
		if e.Status >= 500 {
			sum.status5xx++
			sum.problems[fmt.Sprintf("%d answer on %s", e.Status, e.Path)]++
		}
		if strings.HasPrefix(e.Message, "stream cut off") {
			sum.cutOff++
		}
		switch e.Level {
		case "warn", "error", "fatal", "panic":
			msg := e.Level + ": " + e.Message
			if e.Error != "" {
				msg += ": " + e.Error
			}
			sum.problems[clip(msg, 200)]++
		}
	}
	return sum, sc.Err()
}

// String is one paragraph for the report.
func (l logSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s lines (", thousands(int64(l.lines)))
	levels := make([]string, 0, len(l.levels))
	for k := range l.levels {
		levels = append(levels, k)
	}
	sort.Strings(levels)
	for i, k := range levels {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", thousands(int64(l.levels[k])), k)
	}
	fmt.Fprintf(&b, "); %d answers 5xx; %d streams cut off as too slow", l.status5xx, l.cutOff)
	msgs := make([]string, 0, len(l.problems))
	for m := range l.problems {
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool { return l.problems[msgs[i]] > l.problems[msgs[j]] })
	for i, m := range msgs {
		if i == 8 {
			fmt.Fprintf(&b, "\n    … and %d other kinds", len(msgs)-i)
			break
		}
		fmt.Fprintf(&b, "\n    %6d × %s", l.problems[m], m)
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// startTarget starts a server on a fresh data directory under the work
// directory and prepares it: an administrator, a token and a room.
func (r *runner) startTarget(ctx context.Context, name string) (*target, error) {
	dir := filepath.Join(r.work, name)
	srv, err := startServer(r.binary, dir, "127.0.0.1:0", r.storeEnv(dir)...)
	if err != nil {
		return nil, err
	}
	t := &target{srv: srv}
	if err := r.prepare(ctx, t); err != nil {
		_ = srv.stop()
		return nil, err
	}
	return t, nil
}

func (r *runner) prepare(ctx context.Context, t *target) error {
	if err := t.srv.waitReady(ctx); err != nil {
		return err
	}
	t.base = t.srv.url
	if err := runCLI(ctx, r.binary, t.srv.dataDir, "user", "create", "-u", adminUser, "-p", adminPass, "-e", adminEmail, "-admin"); err != nil {
		return err
	}
	hc := newHTTPClient(4)
	defer hc.CloseIdleConnections()
	var err error
	if t.token, err = loginToken(ctx, hc, t.base, adminUser, adminPass); err != nil {
		return err
	}
	t.room, err = createRoom(ctx, hc, t.base, t.token, "loadtest")
	return err
}

// stopTarget stops a server the tool started and prints what its log
// says.
func (r *runner) stopTarget(t *target, what string) {
	stopErr := t.srv.stop()
	sum, err := summarizeLog(t.srv.logPath)
	fmt.Fprintf(r.out, "server log (%s): ", what)
	if err != nil {
		fmt.Fprintf(r.out, "unreadable: %v\n", err)
	} else {
		fmt.Fprintln(r.out, sum)
	}
	if stopErr != nil {
		fmt.Fprintf(r.out, "server stop (%s): %v\n", what, stopErr)
	} else {
		fmt.Fprintf(r.out, "server stop (%s): exit 0 after SIGTERM\n", what)
	}
	fmt.Fprintln(r.out)
}
