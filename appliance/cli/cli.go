// Package cli is makechat's command line: one small file per command
// (serve.go, user_create.go, ...), built on urfave/cli. Run is the entry
// point; main.go only calls it.
//
// The management commands work whether or not a server runs: they send
// their operation to the running server's control socket, and open the
// store themselves only when no server answers there (see exec.go).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/makechat/makechat/appliance/config"
	ucli "github.com/urfave/cli/v3"
)

// Env is what a command needs from its process: its output streams, the
// environment, and the build's version.
type Env struct {
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool)
	Version        string
}

// usageError marks errors in how a command was called (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Run runs the command line args (args[0] is the program name) and
// returns the process exit status. Errors are printed as one line on
// Stderr, never a stack trace.
//
// The binary is multi-call: run under the name "backup" or "maintenance"
// (through a link, as the Docker image provides), it acts as "makechat
// backup" or "makechat maintenance", so the original upgrade guide's
// commands keep working.
func Run(ctx context.Context, args []string, env Env) int {
	if env.LookupEnv == nil {
		env.LookupEnv = os.LookupEnv
	}
	args = multiCall(args)
	root := newRoot(env)
	err := root.Run(ctx, args)
	if err == nil {
		return 0
	}
	fmt.Fprintf(env.Stderr, "makechat: %s\n", oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// multiCall rewrites "backup ARGS" into "makechat backup ARGS" when the
// program was started under one of its command names.
func multiCall(args []string) []string {
	if len(args) == 0 {
		return []string{"makechat"}
	}
	switch name := filepath.Base(args[0]); name {
	case "backup", "maintenance":
		return append([]string{"makechat", name}, args[1:]...)
	}
	return args
}

func newRoot(env Env) *ucli.Command {
	root := &ucli.Command{
		Name:      "makechat",
		Usage:     "a self-hosted team chat server in one binary",
		Version:   env.Version,
		Writer:    env.Stdout,
		ErrWriter: env.Stderr,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "config", Usage: "read settings from `FILE` (default: ./makechat.conf, ~/makechat.conf, /etc/makechat/makechat.conf)"},
		},
		HideVersion: true,
		Commands: []*ucli.Command{
			serveCommand(env),
			userCommand(env),
			maintenanceCommand(env),
			clusterCommand(env),
			backupCommand(env),
			restoreCommand(env),
			healthCommand(env),
			configCommand(env),
			versionCommand(env),
		},
		// Exit codes are decided by Run, not by the library.
		ExitErrHandler: func(context.Context, *ucli.Command, error) {},
	}
	// The store-locating options are global, so that every command finds
	// the same data as the server does.
	for _, o := range config.Options() {
		if o.Key == "data_dir" || o.Key == "mongo_uri" {
			root.Flags = append(root.Flags, optionFlag(o))
		}
	}
	quietUsage(root)
	return root
}

// quietUsage makes every command report a usage mistake as one line
// instead of printing its help page.
func quietUsage(c *ucli.Command) {
	c.OnUsageError = func(_ context.Context, cmd *ucli.Command, err error, _ bool) error {
		return usageError{fmt.Errorf("%w (see '%s -h')", err, cmd.FullName())}
	}
	if len(c.Commands) > 0 && c.Action == nil {
		// A group run without a subcommand, or with an unknown one.
		c.Action = func(_ context.Context, cmd *ucli.Command) error {
			if cmd.Args().Len() > 0 {
				return usageError{fmt.Errorf("unknown command %q (see '%s -h')", cmd.Args().First(), cmd.FullName())}
			}
			return ucli.ShowSubcommandHelp(cmd)
		}
	}
	for _, sub := range c.Commands {
		quietUsage(sub)
	}
}

// optionFlag turns a configuration option into a flag. Boolean options
// take no value (--allow-registration); the others take one.
func optionFlag(o config.Option) ucli.Flag {
	if o.Default == "true" || o.Default == "false" {
		return &ucli.BoolFlag{Name: o.Flag, Usage: o.Help}
	}
	return &ucli.StringFlag{Name: o.Flag, Usage: o.Help}
}

// loadConfig builds the configuration from the file, the environment and
// the option flags the user set on this command line.
func loadConfig(cmd *ucli.Command, env Env) (config.Config, error) {
	flags := map[string]string{}
	for _, o := range config.Options() {
		if cmd.IsSet(o.Flag) {
			flags[o.Key] = cmd.String(o.Flag)
			if o.Default == "true" || o.Default == "false" {
				flags[o.Key] = fmt.Sprint(cmd.Bool(o.Flag))
			}
		}
	}
	return config.Load(cmd.String("config"), env.LookupEnv, flags)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
