package cluster

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// Embedded is a NATS server inside this node (nats_embedded): the nodes'
// servers are one NATS cluster, joined by routes, so that a cluster
// needs no NATS service of its own. The node's Bus reaches it in process.
type Embedded struct {
	ns    *server.Server
	token string
}

// EmbedOptions say where the embedded server takes routes and which
// other nodes' servers it joins.
type EmbedOptions struct {
	Listen string   // host:port for routes
	Peers  []string // the other nodes' Listen (this node's may be among them)
	// Secret is the cluster's secret key: routes authenticate with a
	// password derived from it, so only nodes of this cluster join.
	Secret string
}

// routeUser is the user name routes authenticate with.
const routeUser = "makechat"

// Embed starts a NATS server inside this node. Its client port is on
// loopback only, behind a token (routes need it open: nats-server starts
// them once its clients' listener is up); the node's Bus reaches it in
// process (Option).
func Embed(o EmbedOptions, log zerolog.Logger) (*Embedded, error) {
	host, portText, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("nats_cluster_listen: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("nats_cluster_listen: %w", err)
	}
	mac := hmac.New(sha256.New, []byte(o.Secret))
	mac.Write([]byte("makechat NATS routes"))
	password := hex.EncodeToString(mac.Sum(nil))
	var routes []*url.URL
	for _, p := range o.Peers {
		routes = append(routes, &url.URL{Scheme: "nats-route", User: url.UserPassword(routeUser, password), Host: p})
	}
	opts := &server.Options{
		ServerName:    "makechat-" + o.Listen,
		Host:          "127.0.0.1",
		Port:          server.RANDOM_PORT,
		Authorization: password,
		NoSigs:        true,
		Cluster: server.ClusterOpts{
			Name: "makechat", Host: host, Port: port,
			Username: routeUser, Password: password,
		},
		Routes: routes,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats_embedded: %w", err)
	}
	ns.SetLoggerV2(natsLog{log.With().Str("component", "nats").Logger()}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("nats_embedded: the NATS server did not start within 10s (is nats_cluster_listen " + o.Listen + " free?)")
	}
	return &Embedded{ns: ns, token: password}, nil
}

// Options make a Bus connect to the embedded server in process.
func (e *Embedded) Options() []nats.Option {
	return []nats.Option{nats.InProcessServer(e.ns), nats.Token(e.token)}
}

// URL is the embedded server's address for nats.Connect (not dialled:
// see Option).
func (e *Embedded) URL() string { return e.ns.ClientURL() }

// Routes is how many routes to other nodes' servers are up.
func (e *Embedded) Routes() int { return e.ns.NumRoutes() }

// Shutdown stops the server.
func (e *Embedded) Shutdown() {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
}

// natsLog writes the embedded server's warnings and errors to the node's
// log; its notices (routes coming and going), and its failed tries to
// reach a peer that is down (once a second, for as long as it is), at
// debug level: cluster status and /healthz say which nodes are there.
type natsLog struct{ log zerolog.Logger }

func (l natsLog) Noticef(format string, v ...any) { l.log.Debug().Msgf(format, v...) }
func (l natsLog) Warnf(format string, v ...any)   { l.log.Warn().Msgf(format, v...) }
func (l natsLog) Fatalf(format string, v ...any)  { l.log.Error().Msgf(format, v...) }
func (l natsLog) Errorf(format string, v ...any) {
	if strings.HasPrefix(format, "Error trying to connect to route") {
		l.log.Debug().Msgf(format, v...)
		return
	}
	l.log.Error().Msgf(format, v...)
}
func (l natsLog) Debugf(format string, v ...any) {}
func (l natsLog) Tracef(format string, v ...any) {}
