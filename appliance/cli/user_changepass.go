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
		UsageText: "makechat user changepass [-h] -u USERNAME -p NEW_PASSWORD [--keep-tokens]",
		Description: "A reset: the user's sessions and streams end, and its API tokens are revoked\n" +
			"unless --keep-tokens is given (keep them only if the account was not compromised).",
		Flags: []ucli.Flag{
			usernameFlag(),
			&ucli.StringFlag{Name: "p", Usage: "specify new password", Required: true},
			&ucli.BoolFlag{Name: "keep-tokens", Usage: "leave the user's API tokens working"},
		},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			var u control.UserInfo
			keep := cmd.Bool("keep-tokens")
			args := control.UserArgs{Username: cmd.String("u"), Password: cmd.String("p"), KeepTokens: keep}
			if err := execOp(ctx, env, cfg, control.OpUserChangepass, args, &u); err != nil {
				return err
			}
			tokens := "its API tokens were revoked"
			if keep {
				tokens = "its API tokens still work"
			}
			_, err = fmt.Fprintf(env.Stdout, "password of %s changed; its sessions were ended and %s\n", u.Username, tokens)
			return err
		},
	}
}
