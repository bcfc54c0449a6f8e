// Package control is the management channel between the makechat command
// line and a running server: a Unix socket in data_dir (mode 0600, and the
// peer must be the same OS user), one JSON request and one JSON answer per
// connection.
//
// Ops holds the operations (user create, changepass, list, disable,
// enable). The server serves them on the socket with Serve; the command
// line sends them with Call, or, when no server runs, runs the same Ops
// over a store it opened itself, so both paths apply the same rules.
package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// SocketName is the control socket's file name inside data_dir.
const SocketName = "makechat.sock"

// SocketPath returns the control socket's path for a data directory.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, SocketName) }

// ErrNoServer means no server listens on the socket: the caller may open
// the store itself.
var ErrNoServer = errors.New("no running server")

// maxRequest bounds one request on the socket.
const maxRequest = 1 << 20

type request struct {
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args"`
}

type response struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Listen creates the control socket at path, replacing a stale one left by
// a server that died (the caller holds the store's lock, so no live server
// owns it), and restricts it to the current user.
func Listen(path string) (net.Listener, error) {
	if len(path) > 104 {
		return nil, fmt.Errorf("control socket path %s is too long for a Unix socket; use a shorter data_dir", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale control socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return ln, nil
}

// Serve answers requests on ln with ops until ctx ends or ln is closed,
// and returns only once every request it took has been answered (or has
// seen ctx end): the caller closes the store after Serve returns, never
// under a running backup.
func Serve(ctx context.Context, ln net.Listener, ops *Ops, log zerolog.Logger) {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var handlers sync.WaitGroup
	defer handlers.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				log.Error().Err(err).Msg("control socket: accept")
			}
			return
		}
		handlers.Go(func() { handle(ctx, conn.(*net.UnixConn), ops, log) })
	}
}

func handle(ctx context.Context, conn *net.UnixConn, ops *Ops, log zerolog.Logger) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	enc := json.NewEncoder(conn)
	if err := samePeer(conn); err != nil {
		_ = enc.Encode(response{Error: err.Error()})
		log.Warn().Err(err).Msg("control socket: refused a peer")
		return
	}
	var req request
	if err := json.NewDecoder(io.LimitReader(conn, maxRequest)).Decode(&req); err != nil {
		_ = enc.Encode(response{Error: "malformed control request"})
		return
	}
	// An operation may run long (a backup of a large store); the client
	// bounds its own wait.
	_ = conn.SetDeadline(time.Time{})
	result, err := ops.Do(ctx, req.Op, req.Args)
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	if err != nil {
		_ = enc.Encode(response{Error: Message(err)})
		return
	}
	b, err := json.Marshal(result)
	if err != nil {
		_ = enc.Encode(response{Error: "internal error: " + err.Error()})
		return
	}
	log.Info().Str("op", req.Op).Msg("control request")
	_ = enc.Encode(response{Result: b})
}

// samePeer refuses connections from other OS users (root excepted). The
// socket's mode already keeps them out; this is the second lock.
func samePeer(conn *net.UnixConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if credErr != nil {
		return credErr
	}
	if uid := uint32(os.Getuid()); cred.Uid != uid && cred.Uid != 0 {
		return fmt.Errorf("control socket: uid %d is not the server's user", cred.Uid)
	}
	return nil
}

// Call sends one operation to the server at socket path and decodes its
// result into result. It returns ErrNoServer when nothing listens there.
func Call(ctx context.Context, path, op string, args, result any) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return ErrNoServer
		}
		return fmt.Errorf("cannot reach the running server at %s: %w", path, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	a, err := json.Marshal(args)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(conn).Encode(request{Op: op, Args: a}); err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	var resp response
	if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&resp); err != nil {
		return fmt.Errorf("control socket: no answer from the server: %w", err)
	}
	if resp.Error != "" {
		return errors.New(resp.Error)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(resp.Result, result)
}
