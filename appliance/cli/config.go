package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/makechat/makechat/appliance/config"
	ucli "github.com/urfave/cli/v3"
)

// configCommand prints the effective configuration: what serve would run
// with, given the same file, environment and flags, and where each value
// came from. Secrets are masked.
func configCommand(env Env) *ucli.Command {
	var flags []ucli.Flag
	for _, o := range config.Options() {
		if o.Key != "data_dir" && o.Key != "mongo_uri" {
			flags = append(flags, optionFlag(o))
		}
	}
	return &ucli.Command{
		Name:      "config",
		Usage:     "print the effective configuration and where each value comes from",
		UsageText: "makechat config [--config FILE] [--KEY VALUE ...]",
		Flags:     flags,
		Action: func(_ context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			file := cfg.ConfigFile
			if file == "" {
				file = "none (defaults, environment and flags only)"
			}
			var b strings.Builder
			fmt.Fprintf(&b, "config file: %s\n\n", file)
			tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE\tFROM")
			for _, s := range cfg.Settings() {
				v := s.Value
				if v == "" {
					v = "(empty)"
					if s.Key == "secret_key" {
						v = "(generated and kept in data_dir/secret_key)"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, v, s.Source)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, k := range cfg.Unknown {
				fmt.Fprintf(&b, "\nunknown key %q in %s: ignored\n", k, cfg.ConfigFile)
			}
			_, err = fmt.Fprint(env.Stdout, b.String())
			return err
		},
	}
}
