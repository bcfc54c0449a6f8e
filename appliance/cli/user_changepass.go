package cli

import (
	"context"
	"fmt"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

func userChangepassCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "changepass",
		Usage:     "change user password",
		UsageText: "makechat user changepass [-h] -u USERNAME -p NEW_PASSWORD",
		Flags: []ucli.Flag{
			usernameFlag(),
			&ucli.StringFlag{Name: "p", Usage: "specify new password", Required: true},
		},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			var u control.UserInfo
			args := control.UserArgs{Username: cmd.String("u"), Password: cmd.String("p")}
			if err := execOp(ctx, env, cfg, control.OpUserChangepass, args, &u); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "password of %s changed; its sessions were ended\n", u.Username)
			return err
		},
	}
}
