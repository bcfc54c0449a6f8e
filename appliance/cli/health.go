package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/makechat/makechat/appliance/config"
	ucli "github.com/urfave/cli/v3"
)

// healthCommand asks the local server's /healthz and exits 0 only if it
// answers 200: the Docker image's HEALTHCHECK, which has no curl.
func healthCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:      "health",
		Usage:     "check that the server on this machine answers (exit 0) or not (exit 1)",
		UsageText: "makechat health",
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			url := healthURL(cfg)
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			// A redirect would mean the port is not makechat's plain
			// one; report it rather than follow it.
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				return fmt.Errorf("no answer from %s: %w", url, err)
			}
			defer resp.Body.Close()
			var body struct {
				Status string `json:"status"`
				Detail string `json:"detail"`
			}
			_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s answered %d: %s %s", url, resp.StatusCode, body.Status, body.Detail)
			}
			_, err = fmt.Fprintf(env.Stdout, "%s: %s\n", url, body.Status)
			return err
		},
	}
}

// healthURL is where this machine's server answers /healthz: with HTTPS,
// its plain HTTP port, which answers /healthz (and redirects the rest)
// from the first second, before any certificate exists; otherwise the
// listen address.
func healthURL(cfg config.Config) string {
	if cfg.Domain != "" || cfg.TLSCert != "" {
		return "http://127.0.0.1:80/healthz"
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		host, port = "127.0.0.1", "8080"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
