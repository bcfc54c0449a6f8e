package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

func userListCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "list",
		Usage:     "list user accounts",
		UsageText: "makechat user list [-h]",
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			var users []control.UserInfo
			if err := execOp(ctx, env, cfg, control.OpUserList, nil, &users); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USERNAME\tEMAIL\tADMIN\tDISABLED\tCREATED\tID")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Email, yesNo(u.IsSuperuser), yesNo(u.IsDisabled),
					u.Created.UTC().Format(time.DateTime), u.ID)
			}
			return tw.Flush()
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
