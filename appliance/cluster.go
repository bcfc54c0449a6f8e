package appliance

// What a node of a cluster shares with the others (docs/scaling.md):
// secrets, the maintenance flag, what other nodes' events change in the
// cache, presence and the nodes' own state.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/makechat/makechat/appliance/api"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/cluster"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/makechat/makechat/appliance/presence"
	"github.com/makechat/makechat/appliance/push"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/cache"
)

// joinCluster connects this node's bus to NATS: nats_url's servers, or
// with nats_embedded a NATS server started inside this node, which joins
// the other nodes' by routes.
func joinCluster(cfg config.Config, h *hub.Hub, svc *chat.Service, st storage.Store, log zerolog.Logger) (*cluster.Bus, *cluster.Embedded, error) {
	var e *cluster.Embedded
	url, opts := cfg.NATSURL, []nats.Option(nil)
	if cfg.NATSEmbedded {
		var err error
		if e, err = cluster.Embed(cluster.EmbedOptions{Listen: cfg.NATSClusterListen, Peers: cfg.NATSClusterPeers, Secret: cfg.SecretKey}, log); err != nil {
			return nil, nil, err
		}
		url, opts = e.URL(), e.Options()
	}
	bus, err := cluster.Connect(url, h, svc, remoteHook(st, svc), log, opts...)
	if err != nil {
		if e != nil {
			e.Shutdown()
		}
		return nil, nil, err
	}
	if shared, ok := sharedState(st); ok {
		bus.RecoverWith(func(ctx context.Context, from storage.ID) ([]hub.Event, error) {
			ms, err := shared.MessagesFrom(ctx, from, recoverMost)
			events := make([]hub.Event, len(ms))
			for i, m := range ms {
				events[i] = api.HubEvent(svc.CreatedEvent(ctx, m))
			}
			return events, err
		})
	}
	return bus, e, nil
}

// recoverMost bounds the messages read after a node's death: those of
// the seconds before it (more would be a replay's job).
const recoverMost = 1000

// leaveCluster closes the bus, then the NATS server inside this node.
func (a *App) leaveCluster() {
	if a.bus != nil {
		a.bus.Close()
	}
	if a.nats != nil {
		a.nats.Shutdown()
	}
}

// shareSecrets makes a cluster's nodes use one secret key (device
// cookies) and one pair of Web Push keys (subscriptions): the first
// node's, kept in MongoDB. A node that brought its own uses the
// cluster's, and says so once.
func shareSecrets(ctx context.Context, cfg *config.Config, st storage.Store, log zerolog.Logger) error {
	shared, ok := sharedState(st)
	if !ok {
		return errors.New("this store cannot keep a cluster's state")
	}
	keep := func(name string) func([]byte) ([]byte, error) {
		return func(v []byte) ([]byte, error) { return shared.Keep(ctx, name, v) }
	}
	key, err := keep("secret_key")([]byte(cfg.SecretKey))
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	if string(key) != cfg.SecretKey {
		log.Info().Msg("this node uses the cluster's secret_key (kept in MongoDB), not its own")
		cfg.SecretKey = string(key)
	}
	replaced, err := push.ShareKeys(cfg.DataDir, keep("vapid"))
	if replaced {
		log.Info().Msg("this node's Web Push keys were replaced by the cluster's")
	}
	return err
}

// maintenanceFollow is how often a cluster's node reads the shared
// maintenance flag: a switch on one node applies everywhere within it.
const maintenanceFollow = 500 * time.Millisecond

// OpenMaintenance returns the maintenance switch: the file in data_dir,
// or on a cluster's node (nats_url or nats_embedded) the flag every node
// shares in MongoDB, so that the CLI and the admin switch it for all from
// any node.
func OpenMaintenance(ctx context.Context, cfg config.Config, st storage.Store) (*maintenance.Switch, error) {
	if !cfg.Clustered() {
		return maintenance.Open(cfg.DataDir), nil
	}
	shared, ok := sharedState(st)
	if !ok {
		return nil, errors.New("maintenance: this store cannot keep a cluster's state")
	}
	return maintenance.OpenShared(ctx, shared)
}

// sharedState returns the cluster state st keeps, if it keeps any (only
// MongoDB does).
func sharedState(st storage.Store) (storage.Shared, bool) {
	if c, ok := st.(*cache.Store); ok {
		st = c.Unwrap()
	}
	sh, ok := st.(storage.Shared)
	return sh, ok
}

// remoteHook is told of each other node's event before this node's
// streams get it. It makes st's cache forget what the event says changed
// there — an ended session or token, a disabled or deleted account, new
// rights, a profile, a membership or a member's role, a room's settings,
// a deleted room — so that this node refuses on the very next request
// what the other refused, rather than after the cache's TTL; and it
// charges a message's sender's post limit here, so that posting through
// several nodes gets no more than through one.
func remoteHook(st storage.Store, svc *chat.Service) func(hub.Event) {
	c, _ := st.(*cache.Store)
	return func(e hub.Event) {
		if !e.Sender.IsZero() {
			svc.ChargePost(e.Sender)
		}
		if c == nil {
			return
		}
		if e.End != nil {
			c.ForgetUser(e.End.User)
		}
		if e.Access != nil {
			c.ForgetUser(e.Access.User)
		}
		for _, m := range []*hub.Membership{e.Join, e.Leave} {
			if m != nil {
				c.ForgetMembership(m.Room, m.User)
			}
		}
		if !e.DropRoom.IsZero() {
			c.ForgetRoom(e.DropRoom)
		}
		if ch := e.Changed; ch != nil {
			if !ch.User.IsZero() {
				c.ForgetUser(ch.User)
			}
			if !ch.Room.IsZero() {
				c.ForgetRoom(ch.Room)
			}
			if ch.Member != nil {
				c.ForgetMembership(ch.Member.Room, ch.Member.User)
			}
		}
	}
}

// nodeInfo is what a cluster's node tells the others of itself.
type nodeInfo struct {
	Version string    `json:"version"`
	Streams int       `json:"streams"`
	Started time.Time `json:"started"`
}

// peers are the other nodes as this one heard of them.
type peers struct {
	mu    sync.Mutex
	nodes map[string]control.ClusterNode
}

// listenToPeers takes what the other nodes share: their users' presence
// and their own state.
func (a *App) listenToPeers() error {
	err := a.bus.OnShared("presence", func(node string, v json.RawMessage) {
		var cs []presence.Change
		if json.Unmarshal(v, &cs) == nil {
			a.presence.Heard(node, cs)
		}
	})
	if err != nil {
		return fmt.Errorf("nats_url: %w", err)
	}
	err = a.bus.OnShared("node", func(node string, v json.RawMessage) {
		var ni nodeInfo
		if json.Unmarshal(v, &ni) != nil {
			return
		}
		a.peers.mu.Lock()
		defer a.peers.mu.Unlock()
		a.peers.nodes[node] = control.ClusterNode{Node: node, Version: ni.Version, Streams: ni.Streams, Started: ni.Started, Heard: time.Now()}
	})
	if err != nil {
		return fmt.Errorf("nats_url: %w", err)
	}
	return nil
}

// shareWithPeers sends the other nodes this node's view of presence and
// its own state (nothing on a node of its own).
func (a *App) shareWithPeers() {
	if a.bus == nil {
		return
	}
	a.bus.Share("presence", a.presence.Local())
	a.bus.Share("node", nodeInfo{Version: a.version, Streams: a.streams(), Started: a.started})
}

// clusterInfo is this node and those it heard of within presence.RemoteTTL.
func (a *App) clusterInfo() control.ClusterInfo {
	nodes := []control.ClusterNode{{Node: a.bus.Node(), Version: a.version, Streams: a.streams(), Started: a.started, Self: true}}
	a.peers.mu.Lock()
	for id, n := range a.peers.nodes {
		if time.Since(n.Heard) < presence.RemoteTTL {
			nodes = append(nodes, n)
		} else {
			delete(a.peers.nodes, id)
		}
	}
	a.peers.mu.Unlock()
	slices.SortFunc(nodes[1:], func(x, y control.ClusterNode) int { return strings.Compare(x.Node, y.Node) })
	return control.ClusterInfo{NATSConnected: a.bus.Stats().Connected, Nodes: nodes}
}
