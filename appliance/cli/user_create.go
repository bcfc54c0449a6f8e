package cli

import (
	"context"
	"fmt"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

func userCreateCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "create",
		Usage:     "create a new user",
		UsageText: "makechat user create [-h] -u USERNAME -p PASSWORD -e EMAIL [-admin]",
		Flags: []ucli.Flag{
			usernameFlag(),
			&ucli.StringFlag{Name: "p", Usage: "specify password", Required: true},
			&ucli.StringFlag{Name: "e", Usage: "specify email address", Required: true},
			&ucli.BoolFlag{Name: "admin", Usage: "is superuser?"},
		},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			args := control.UserArgs{Username: cmd.String("u"), Password: cmd.String("p"), Email: cmd.String("e"), Admin: cmd.Bool("admin")}
			var u control.UserInfo
			if err := execOp(ctx, env, cfg, control.OpUserCreate, args, &u); err != nil {
				return err
			}
			role := "user"
			if u.IsSuperuser {
				role = "administrator"
			}
			_, err = fmt.Fprintf(env.Stdout, "created %s %s (id %s)\n", role, u.Username, u.ID)
			return err
		},
	}
}
