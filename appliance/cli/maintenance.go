package cli

import (
	"context"
	"fmt"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

// maintenanceCommand switches maintenance mode, as the original's
// "docker exec makechat-web maintenance on|off" did (the binary answers
// to the name "maintenance" too).
func maintenanceCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "maintenance",
		Usage:     "switch maintenance mode: users get 503 and a maintenance page, administrators still get in",
		UsageText: "makechat maintenance on|off|status",
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			var args control.MaintenanceArgs
			switch word := cmd.Args().First(); {
			case cmd.Args().Len() > 1:
				return usageError{fmt.Errorf("maintenance takes one word: on, off or status")}
			case word == "on" || word == "off":
				on := word == "on"
				args.On = &on
			case word == "status" || word == "":
			default:
				return usageError{fmt.Errorf("unknown maintenance mode %q: use on, off or status", word)}
			}
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			var info control.MaintenanceInfo
			if err := execOp(ctx, env, cfg, control.OpMaintenance, args, &info); err != nil {
				return err
			}
			state := "off"
			if info.On {
				state = "on"
			}
			_, err = fmt.Fprintf(env.Stdout, "maintenance %s\n", state)
			return err
		},
	}
}
