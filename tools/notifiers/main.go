// Command notifiers records what real notifiers send to a Slack incoming
// webhook, by running their own code against a local receiver, into
// appliance/slack/testdata: makechat's tests then post those bodies to a
// hook. Today: Prometheus Alertmanager's Slack notifier, with the
// configuration of docs/integrations.md, for a firing and a resolved
// group of alerts.
//
// It is a module of its own so that Alertmanager never enters makechat's
// go.mod. Run it after changing the Alertmanager version or the config:
//
//	cd tools/notifiers && go run . ../../appliance/slack/testdata
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/notify"
	amslack "github.com/prometheus/alertmanager/notify/slack"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
)

// alertmanagerYML is docs/integrations.md's receiver; the URL is the
// local receiver's, filled in at run time.
const alertmanagerYML = `
route:
  receiver: makechat
receivers:
  - name: makechat
    slack_configs:
      - api_url: %s
        send_resolved: true
        title: '{{ template "slack.default.title" . }}'
        text: '{{ range .Alerts }}*{{ .Annotations.summary }}*{{ "\n" }}{{ .Annotations.description }}{{ "\n" }}{{ end }}'
        actions:
          - type: button
            text: 'Runbook'
            url: '{{ (index .Alerts 0).Annotations.runbook_url }}'
`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: notifiers <testdata directory>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "notifiers:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	cfg, err := config.Load(fmt.Sprintf(alertmanagerYML, srv.URL+"/api/hooks/x"))
	if err != nil {
		return err
	}
	tmpl, err := template.FromGlobs(nil)
	if err != nil {
		return err
	}
	tmpl.ExternalURL, _ = url.Parse("http://alertmanager.example.com:9093")
	n, err := amslack.New(cfg.Receivers[0].SlackConfigs[0], tmpl, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	for _, state := range []string{"firing", "resolved"} {
		var alerts []*alert.Alert
		for _, host := range []string{"node-1:9100", "node-2:9100"} {
			a := model.Alert{
				Labels: model.LabelSet{"alertname": "InstanceDown", "instance": model.LabelValue(host), "job": "node", "severity": "critical"},
				Annotations: model.LabelSet{
					"summary":     model.LabelValue("Instance " + host + " down"),
					"description": model.LabelValue(host + " of job node has been down for more than 5 minutes."),
					"runbook_url": "https://runbooks.example.com/InstanceDown",
				},
				StartsAt: now.Add(-10 * time.Minute),
			}
			if state == "resolved" {
				a.EndsAt = now.Add(-time.Minute)
			}
			alerts = append(alerts, alert.New(a, now, false))
		}
		ctx := notify.WithGroupKey(context.Background(), "{}:{alertname=\"InstanceDown\"}")
		ctx = notify.WithReceiverName(ctx, "makechat")
		ctx = notify.WithGroupLabels(ctx, model.LabelSet{"alertname": "InstanceDown"})
		ctx = notify.WithNow(ctx, now)
		if err := n.Notify(ctx, alerts...).Err(); err != nil {
			return fmt.Errorf("notify (%s): %w", state, err)
		}
		body := <-bodies
		path := filepath.Join(dir, "alertmanager-real-"+state+".json")
		if err := os.WriteFile(path, append([]byte(strings.TrimSpace(string(body))), '\n'), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}
