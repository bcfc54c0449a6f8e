package cli

import (
	"context"
	"fmt"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

// userSetDisabledCommand is "user disable" (disable true) or "user enable".
func userSetDisabledCommand(env Env, disable bool) *ucli.Command {
	name, op, usage, done := "enable", control.OpUserEnable, "let a disabled user log in again", "enabled"
	if disable {
		name, op, usage, done = "disable", control.OpUserDisable, "lock a user out (sessions and tokens stop working at once)", "disabled"
	}
	return &ucli.Command{
		Name:      name,
		Usage:     usage,
		UsageText: "makechat user " + name + " [-h] -u USERNAME",
		Flags:     []ucli.Flag{usernameFlag()},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			var u control.UserInfo
			if err := execOp(ctx, env, cfg, op, control.UserArgs{Username: cmd.String("u")}, &u); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "%s %s\n", done, u.Username)
			return err
		},
	}
}
