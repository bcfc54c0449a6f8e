package cli

import (
	ucli "github.com/urfave/cli/v3"
)

// userCommand groups the user management commands. Their single-dash
// spellings (-u, -p, -e, -admin) are the original makechat's, which
// scripts and the upgrade guide still use.
func userCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "user",
		Usage:     "manage user accounts",
		UsageText: "makechat user [-h] {create,changepass,list,disable,enable} ...",
		Commands: []*ucli.Command{
			userCreateCommand(env),
			userChangepassCommand(env),
			userListCommand(env),
			userSetDisabledCommand(env, true),
			userSetDisabledCommand(env, false),
		},
	}
}

func usernameFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "u", Usage: "specify username", Required: true}
}
