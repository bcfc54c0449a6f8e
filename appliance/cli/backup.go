package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

// backupCommand writes a backup of the store, as the original's
// "docker exec makechat backup" did (the binary answers to the name
// "backup" too). With a server running, the server writes it; the store
// keeps serving meanwhile.
func backupCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "backup",
		Usage:     "write a backup of the whole store into one file, while the server runs",
		UsageText: "makechat backup [--out DIR]",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "out", Usage: "write the backup into `DIR` (default: backup_dir)"},
		},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			if cmd.Args().Len() > 0 {
				return usageError{fmt.Errorf("backup takes no arguments; use --out DIR to choose where it goes")}
			}
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			var args control.BackupArgs
			if out := cmd.String("out"); out != "" {
				// The server may run in another directory: send it a
				// path that means the same there.
				if args.Dir, err = filepath.Abs(out); err != nil {
					return err
				}
			}
			var info control.BackupInfo
			if err := execOp(ctx, env, cfg, control.OpBackup, args, &info); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "backup written: %s (%d records, %d messages, %s, %.1f s)\n",
				info.Path, info.Records, info.Messages, size(info.Bytes), info.Seconds)
			return err
		},
	}
}

// size formats a byte count for people.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
