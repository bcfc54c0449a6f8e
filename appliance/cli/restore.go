package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/makechat/makechat/appliance"
	"github.com/makechat/makechat/appliance/control"
	"github.com/makechat/makechat/backup"
	"github.com/makechat/makechat/storage"
	ucli "github.com/urfave/cli/v3"
)

// restoreCommand restores a backup into the configured store, which must
// be empty (or --force) and not in use by a server.
func restoreCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "restore",
		Usage:     "restore a backup file into an empty store (stop the server first)",
		UsageText: "makechat restore FILE [--force]",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "force", Usage: "replace everything the store holds"},
		},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageError{fmt.Errorf("restore takes one backup file: makechat restore FILE [--force]")}
			}
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			err = control.Call(ctx, control.SocketPath(cfg.DataDir), control.OpMaintenance, nil, nil)
			if !errors.Is(err, control.ErrNoServer) {
				return fmt.Errorf("a makechat server is running on %s: stop it before restoring", cfg.DataDir)
			}
			start := time.Now()
			var last time.Time
			progress := func(p backup.Progress) {
				if time.Since(last) < time.Second && p.Done < p.Total {
					return
				}
				last = time.Now()
				fmt.Fprintf(env.Stderr, "restoring %s: %d of %d records (%d%%)\n", p.Collection, p.Done, p.Total, 100*p.Done/max(p.Total, 1))
			}
			m, err := appliance.Restore(ctx, cfg, cmd.Args().First(), backup.RestoreOptions{Force: cmd.Bool("force"), Progress: progress})
			if errors.Is(err, backup.ErrNotEmpty) {
				return fmt.Errorf("%w (--force)", err)
			}
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(env.Stdout, "restored %d records (%d messages) from a backup of %s taken %s, in %.1f s\n",
				m.Total(), m.Count(storage.CollMessages), m.Source, m.Created.Format(time.RFC3339), time.Since(start).Seconds()); err != nil {
				return err
			}
			return printLegacy(env.Stdout, m)
		},
	}
}

// maxLegacyLines is how many kept legacy records restore lists; the rest
// are counted.
const maxLegacyLines = 20

// printLegacy lists the records a restore kept that today's rules refuse
// (see package backup), one line each, so that an administrator can find
// and fix them.
func printLegacy(w io.Writer, m backup.Manifest) error {
	if m.LegacyCount == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kept %d records that today's rules refuse but an older makechat allowed:\n", m.LegacyCount)
	shown := m.Legacy[:min(len(m.Legacy), maxLegacyLines)]
	for _, f := range shown {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	if more := m.LegacyCount - len(shown); more > 0 {
		fmt.Fprintf(&b, "  and %d more\n", more)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
