package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/makechat/makechat/appliance/control"
	ucli "github.com/urfave/cli/v3"
)

// clusterCommand shows the cluster as the node on this machine sees it.
func clusterCommand(env Env) *ucli.Command {
	return &ucli.Command{
		Name:  "cluster",
		Usage: "show the nodes of a cluster: their versions and open streams",
		Commands: []*ucli.Command{{
			Name:      "status",
			Usage:     "list the nodes the server on this machine heard of in the last 15 seconds",
			UsageText: "makechat cluster status",
			Action: func(ctx context.Context, cmd *ucli.Command) error {
				if cmd.Args().Len() > 0 {
					return usageError{fmt.Errorf("cluster status takes no arguments")}
				}
				cfg, err := loadConfig(cmd, env)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(ctx, opTimeout)
				defer cancel()
				var info control.ClusterInfo
				err = control.Call(ctx, control.SocketPath(cfg.DataDir), control.OpCluster, nil, &info)
				if errors.Is(err, control.ErrNoServer) {
					return fmt.Errorf("no makechat server runs with data_dir %s: cluster status asks the node on this machine", cfg.DataDir)
				}
				if err != nil {
					return err
				}
				return printCluster(env, info)
			},
		}},
	}
}

func printCluster(env Env, info control.ClusterInfo) error {
	nats := "connected"
	if !info.NATSConnected {
		nats = "NOT connected"
	}
	fmt.Fprintf(env.Stdout, "NATS: %s; %d node(s)\n", nats, len(info.Nodes))
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tVERSION\tSTREAMS\tUP\tLAST HEARD")
	for _, n := range info.Nodes {
		heard := "(this node)"
		if !n.Self {
			heard = time.Since(n.Heard).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", n.Node, n.Version, n.Streams, time.Since(n.Started).Round(time.Second), heard)
	}
	return w.Flush()
}
