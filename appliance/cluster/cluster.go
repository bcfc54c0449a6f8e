// Package cluster carries the hub's events between makechat nodes over
// NATS, so that a stream on one node sees what was posted on another.
//
// Every event a node's chat service emits is published to its own hub
// and, encoded once, on one NATS subject; each node delivers the events
// of the other nodes to its own hub, with the same audience rules, and
// skips its own (they carry the node's id). One subject rather than one
// per conversation: at the sizes makechat serves, every node has streams
// in nearly every busy room, so a subject per room would add a
// subscription per room to each node and save it almost nothing.
//
// NATS is not the store: a post is durable in MongoDB before its event
// is sent, and a client that missed an event while NATS was away catches
// up by replay (?since=) when it reconnects.
package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/makechat/makechat/appliance/hub"
)

// Subject is where the nodes' events go.
const Subject = "makechat.events"

// Bus publishes a node's hub events to the other nodes and delivers
// theirs to its hub.
type Bus struct {
	node   string
	hub    *hub.Hub
	remote func(hub.Event)
	nc     *nats.Conn
	sub    *nats.Subscription
	log    zerolog.Logger

	sent, received, dropped atomic.Uint64
}

// wire is an event as it travels: the node it comes from, and the event.
type wire struct {
	Node  string    `json:"node"`
	Event hub.Event `json:"event"`
}

// Connect joins the NATS servers at url and starts delivering the other
// nodes' events to h, telling remote (if not nil) of each before this
// node's streams get it: what changed elsewhere (an ended session, new
// rights, a membership) can be forgotten first. It keeps reconnecting
// for as long as the Bus is open, logging once per change of state.
func Connect(url string, h *hub.Hub, remote func(hub.Event), log zerolog.Logger) (*Bus, error) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Bus{node: hex.EncodeToString(id[:]), hub: h, remote: remote, log: log.With().Str("component", "cluster").Logger()}
	nc, err := nats.Connect(url,
		nats.Name("makechat "+b.node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.log.Warn().Err(err).Msg("NATS disconnected: events from other nodes wait; streams catch up by replay")
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			b.log.Info().Str("server", c.ConnectedUrlRedacted()).Msg("NATS reconnected")
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("nats_url: %w", err)
	}
	b.nc = nc
	if b.sub, err = nc.Subscribe(Subject, b.deliver); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats_url: %w", err)
	}
	// The server knows the subscription once a round trip has been made
	// (not yet if NATS is not reachable: it is made on connecting).
	if nc.IsConnected() {
		_ = nc.FlushTimeout(5 * time.Second)
	}
	return b, nil
}

// Node is this node's id in the cluster.
func (b *Bus) Node() string { return b.node }

// Publish delivers e on this node and sends it to the others. An event
// that cannot be sent is counted and dropped: the store has it, and
// other nodes' streams get it by replay.
func (b *Bus) Publish(e hub.Event) {
	b.hub.Publish(e)
	data, err := json.Marshal(wire{Node: b.node, Event: e})
	if err == nil {
		err = b.nc.Publish(Subject, data)
	}
	if err != nil {
		b.dropped.Add(1)
		b.log.Debug().Err(err).Msg("event not sent to the other nodes")
		return
	}
	b.sent.Add(1)
}

// deliver gives another node's event to this node's hub.
func (b *Bus) deliver(m *nats.Msg) {
	var w wire
	if err := json.Unmarshal(m.Data, &w); err != nil {
		b.dropped.Add(1)
		b.log.Warn().Err(err).Msg("an event from another node could not be read")
		return
	}
	if w.Node == b.node {
		return // delivered here when it was published
	}
	b.received.Add(1)
	if b.remote != nil {
		b.remote(w.Event)
	}
	b.hub.Publish(w.Event)
}

// Stats are the Bus's counts since it started.
type Stats struct {
	Connected               bool
	Sent, Received, Dropped uint64
}

// Stats returns the Bus's state and counts.
func (b *Bus) Stats() Stats {
	return Stats{Connected: b.nc.IsConnected(), Sent: b.sent.Load(), Received: b.received.Load(), Dropped: b.dropped.Load()}
}

// Close stops sending and delivering, after what was sent is flushed.
func (b *Bus) Close() error {
	err := b.nc.Drain()
	if errors.Is(err, nats.ErrConnectionClosed) {
		return nil
	}
	return err
}
