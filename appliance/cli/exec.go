package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/makechat/makechat/appliance"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
	"github.com/rs/zerolog"
)

// opTimeout bounds one management operation; a backup may take longer.
const (
	opTimeout     = 30 * time.Second
	backupTimeout = 24 * time.Hour
)

// execOp runs a management operation: on the running server through its
// control socket, or, when no server runs, on the store opened here. The
// embedded store's lock makes the two exclusive: if a server starts in
// between, opening the store fails with a clear message.
func execOp(ctx context.Context, env Env, cfg config.Config, op string, args, result any) error {
	timeout := opTimeout
	if op == control.OpBackup {
		timeout = backupTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := control.Call(ctx, control.SocketPath(cfg.DataDir), op, args, result)
	if !errors.Is(err, control.ErrNoServer) {
		return err
	}
	st, err := appliance.OpenStore(cfg, appliance.StoreOptions{
		LockWait: 2 * time.Second,
		Log:      func(msg string) { fmt.Fprintln(env.Stderr, msg) },
	})
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := appliance.NewChat(ctx, cfg, st, nil, nil, nil)
	if err != nil {
		return err
	}
	backups := appliance.NewBackups(cfg, st, env.Version, zerolog.Nop())
	maint, err := appliance.OpenMaintenance(ctx, cfg, st)
	if err != nil {
		return err
	}
	return control.NewOps(svc, maint, backups).Call(ctx, op, args, result)
}
