package cli

import (
	"context"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/makechat/makechat/appliance"
	"github.com/makechat/makechat/appliance/config"
	ucli "github.com/urfave/cli/v3"
)

func serveCommand(env Env) *ucli.Command {
	var flags []ucli.Flag
	for _, o := range config.Options() {
		if o.Key != "data_dir" && o.Key != "mongo_uri" {
			flags = append(flags, optionFlag(o))
		}
	}
	return &ucli.Command{
		Name:   "serve",
		Usage:  "run the chat server",
		Flags:  flags,
		Action: func(ctx context.Context, cmd *ucli.Command) error { return serve(ctx, cmd, env) },
	}
}

func serve(ctx context.Context, cmd *ucli.Command, env Env) error {
	start := time.Now()
	cfg, err := loadConfig(cmd, env)
	if err != nil {
		return err
	}
	log := appliance.NewLogger(cfg, env.Stderr)
	if cfg.ConfigFile != "" {
		log.Info().Str("file", cfg.ConfigFile).Msg("configuration read")
	}
	for _, k := range cfg.Unknown {
		log.Warn().Str("key", k).Msg("unknown configuration key ignored")
	}
	app, err := appliance.New(cfg, log, env.Version)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return app.Run(ctx, func(url string) {
		msg := "makechat ready (HTTPS)"
		if strings.HasPrefix(url, "http:") {
			msg = "makechat ready (plain HTTP: set domain for automatic HTTPS)"
		}
		log.Info().
			Str("url", url).
			Str("data_dir", cfg.DataDir).
			Dur("startup", time.Since(start)).
			Msg(msg)
		if app.NeedsAdmin(ctx) {
			log.Info().Msg("no administrator yet; create one with: makechat user create -u admin -p PASSWORD -e EMAIL -admin")
		}
	})
}
