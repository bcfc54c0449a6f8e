// Package cluster carries the hub's events between makechat nodes over
// NATS, so that a stream on one node sees what was posted on another, in
// the same order on every node.
//
// Every event a node's chat service emits is sent, encoded once, on one
// NATS subject; each node delivers its own events and the other nodes'
// to its hub, with the same audience rules. One subject rather than one
// per conversation: at the sizes makechat serves, every node has streams
// in nearly every busy room, so a subject per room would add a
// subscription per room to each node and save it almost nothing.
//
// Order. Every event has a key: a new message's id, or a stamp from the
// node's id generator for any other event. Each node sends, after its
// events, its frontier — a key below which it will send nothing more —
// and delivers events in key order once every node's frontier has passed
// them. So every stream, on any node, gets messages in id order, and a
// client that resumes with ?since=<the last id it got> on another node
// misses nothing and gets nothing twice. Nodes observe the keys they hear
// of (a Lamport clock), so a node whose clock is behind does not hold the
// others back. A node not heard of for three seconds is no longer waited
// for.
//
// NATS is not the store: a post is durable in MongoDB before its event
// is sent, and a client that missed an event while NATS was away catches
// up by replay (?since=) when it reconnects.
package cluster

import (
	"container/heap"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/storage"
)

// Subject is where the nodes' events and frontiers go.
const Subject = "makechat.events"

const (
	// heartbeat is how often a node sends its frontier when nothing
	// else makes it.
	heartbeat = 100 * time.Millisecond
	// silence is how long a node may go unheard before the others stop
	// waiting for it (it died, or lost NATS). Its events that come after
	// are delivered late, out of order, so it must outlast a busy node's
	// pauses (30 heartbeats); a dead node stalls the others this long.
	silence = 3 * time.Second
)

// Order is what the Bus needs of the node's chat service (chat.Service
// has it): keys for events, and how far its events have gone out.
type Order interface {
	// Frontier is a key below every key of an event not handed to the
	// Bus yet, and of every event to come.
	Frontier() storage.ID
	// Stamp is a key for an event that is not a new message; done is
	// called once it has been handed on.
	Stamp() (key storage.ID, done func())
	// Observe makes later keys greater than id.
	Observe(id storage.ID)
}

// Bus publishes a node's hub events to the other nodes and delivers
// everyone's, in key order, to its hub.
type Bus struct {
	node   string
	hub    *hub.Hub
	order  Order
	remote func(hub.Event)
	nc     *nats.Conn
	sub    *nats.Subscription
	log    zerolog.Logger

	kick chan struct{} // something to send or deliver
	// announce says the others wait for this node's frontier: it sent
	// an event, or received one (whose key its frontier must pass).
	// Frontiers received never set it: two nodes would answer each
	// other's forever.
	announce atomic.Bool
	stop     chan struct{}
	done     chan struct{} // the loop has returned
	closed   chan struct{} // the NATS connection is closed
	start    storage.ID    // the first key this node can have missed

	mu      sync.Mutex
	pending queue            // events waiting for every node's frontier
	peers   map[string]*peer // the other nodes heard of lately
	lost    map[string]bool  // nodes dropped for silence, until heard again
	bound   storage.ID       // every event below it has been delivered

	kept   kept      // what this node sent lately (resync.go)
	reread Recoverer // reads what a dead node stored but never sent (nil: none)
	heard  heard     // what it received lately

	sent, received, dropped, late atomic.Uint64
}

// peer is another node as this one last heard of it.
type peer struct {
	frontier storage.ID
	heard    time.Time
	ids      [4]byte // the node bytes of its ids (from its events' keys)
}

// wire is what travels: an event with its key, or (Event nil) the
// node's frontier.
type wire struct {
	Node  string     `json:"node"`
	Key   storage.ID `json:"key"`
	Event *hub.Event `json:"event,omitempty"`
	// For marks an event sent again for the node it names, which came
	// back (resync.go); Resync is that node's request, with no event:
	// Key is then the first key it can have missed.
	For    string `json:"for,omitempty"`
	Resync bool   `json:"resync,omitempty"`
}

// Connect joins the NATS servers at url and starts delivering events to
// h in key order, telling remote (if not nil) of each other node's event
// as it arrives: what changed elsewhere (an ended session, new rights, a
// membership) can be forgotten first. It keeps reconnecting for as long
// as the Bus is open, logging once per change of state. opts are added
// to the Bus's own (an Embedded server's Option).
func Connect(url string, h *hub.Hub, order Order, remote func(hub.Event), log zerolog.Logger, opts ...nats.Option) (*Bus, error) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Bus{
		node: hex.EncodeToString(id[:]), hub: h, order: order, remote: remote,
		log:  log.With().Str("component", "cluster").Logger(),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), closed: make(chan struct{}),
		peers: map[string]*peer{}, lost: map[string]bool{},
		start: order.Frontier(),
	}
	nc, err := nats.Connect(url, append([]nats.Option{
		nats.Name("makechat " + b.node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			select {
			case <-b.stop:
				return // closing
			default:
			}
			b.log.Warn().Err(err).Msg("NATS disconnected: events from other nodes wait; streams catch up by replay")
			b.forgetPeers()
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			b.log.Info().Str("server", c.ConnectedUrlRedacted()).Msg("NATS reconnected")
			b.askAgain()
		}),
		nats.ConnectHandler(func(c *nats.Conn) {
			// NATS was not there when the node started.
			b.log.Info().Str("server", c.ConnectedUrlRedacted()).Msg("NATS connected")
			b.askAgain()
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			// Messages NATS dropped because this node read too slowly.
			b.dropped.Add(1)
			b.log.Warn().Err(err).Msg("NATS: messages from other nodes dropped; asking them again")
			b.askAgain()
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("nats_url: %w", err)
	}
	b.nc = nc
	if b.sub, err = nc.Subscribe(Subject, b.receive); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats_url: %w", err)
	}
	// The server knows the subscription once a round trip has been made
	// (not yet if NATS is not reachable: it is made on connecting).
	if nc.IsConnected() {
		_ = nc.FlushTimeout(5 * time.Second)
	}
	go b.run()
	return b, nil
}

// sharedPrefix begins the subjects of what nodes share (Share).
const sharedPrefix = "makechat.shared."

// shared is a node's value under a topic.
type shared struct {
	Node  string          `json:"node"`
	Value json.RawMessage `json:"value"`
}

// Share sends v, as JSON, to the other nodes under topic: a node's view
// of something that each node keeps (who is online here, this node's
// version and streams). It is not ordered with the events, and what is
// sent while NATS is away may be lost: share the whole view each time.
func (b *Bus) Share(topic string, v any) {
	value, err := json.Marshal(v)
	if err == nil {
		var data []byte
		if data, err = json.Marshal(shared{Node: b.node, Value: value}); err == nil {
			err = b.nc.Publish(sharedPrefix+topic, data)
		}
	}
	if err != nil {
		b.log.Debug().Err(err).Str("topic", topic).Msg("not shared with the other nodes")
	}
}

// OnShared calls fn with what each other node shares under topic, from
// now on.
func (b *Bus) OnShared(topic string, fn func(node string, value json.RawMessage)) error {
	_, err := b.nc.Subscribe(sharedPrefix+topic, func(m *nats.Msg) {
		var s shared
		if err := json.Unmarshal(m.Data, &s); err != nil || s.Node == b.node {
			return
		}
		fn(s.Node, s.Value)
	})
	return err
}

// Node is this node's id in the cluster.
func (b *Bus) Node() string { return b.node }

// Publish sends e to the other nodes and queues it for this node's hub.
// An event that cannot be sent is counted and dropped: the store has
// it, and other nodes' streams get it by replay.
func (b *Bus) Publish(e hub.Event) {
	key, done := e.Message, func() {}
	if key.IsZero() {
		key, done = b.order.Stamp()
	}
	if !e.Local {
		w := wire{Node: b.node, Key: key, Event: &e}
		err := b.send(w)
		// Kept once sent: a copy sent again always follows the first.
		b.kept.add(w, time.Now())
		if err != nil {
			b.dropped.Add(1)
			b.log.Debug().Err(err).Msg("event not sent to the other nodes")
		} else {
			b.sent.Add(1)
		}
	}
	// Queued before the key stops counting in flight: the frontier
	// that passes it cannot release what follows it first.
	b.mu.Lock()
	heap.Push(&b.pending, item{key: key, event: e})
	b.mu.Unlock()
	done()
	if !e.Local {
		b.announce.Store(true)
	}
	b.poke()
}

// send puts w on the nodes' subject.
func (b *Bus) send(w wire) error {
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return b.nc.Publish(Subject, data)
}

// receive takes another node's event or frontier.
func (b *Bus) receive(m *nats.Msg) {
	var w wire
	if err := json.Unmarshal(m.Data, &w); err != nil {
		b.dropped.Add(1)
		b.log.Warn().Err(err).Msg("a message from another node could not be read")
		return
	}
	if w.Node == b.node {
		return // queued here when it was published
	}
	if w.Resync {
		go b.sendAgain(w.Node, w.Key)
		return
	}
	if w.For != "" && w.For != b.node {
		return // sent again for another node
	}
	if w.Event != nil && !b.heard.first(w.Node, w.Key, w.For != "", time.Now()) {
		return // sent again, and had the first time
	}
	b.order.Observe(w.Key)
	if w.Event != nil {
		b.received.Add(1)
		if b.remote != nil {
			b.remote(*w.Event)
		}
	}
	b.mu.Lock()
	p := b.peers[w.Node]
	if p == nil {
		p = &peer{}
		b.peers[w.Node] = p
		b.log.Info().Str("node", w.Node).Msg("node joined")
		if b.lost[w.Node] {
			// It was silent (a split, a pause): each side may have
			// missed the other's events. It asks too, on hearing us.
			delete(b.lost, w.Node)
			go b.askAgain()
		}
	}
	p.heard = time.Now()
	if w.Event == nil {
		if p.frontier.Less(w.Key) {
			p.frontier = w.Key
		}
	} else {
		p.ids = [4]byte(w.Key[8:12])
		if w.Key.Less(b.bound) {
			b.late.Add(1) // its node was not waited for: delivered out of order
		}
		heap.Push(&b.pending, item{key: w.Key, event: *w.Event})
		b.announce.Store(true)
	}
	b.mu.Unlock()
	b.poke()
}

// run sends this node's frontier when the others wait for it (and every
// heartbeat) and delivers what every node's frontier has passed.
func (b *Bus) run() {
	defer close(b.done)
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	var lastAt time.Time
	for {
		select {
		case <-b.stop:
			return
		case <-b.kick:
		case <-tick.C:
		}
		// The flag first: an event received after it was read is
		// announced at the next turn, with a frontier that passed it.
		announce := b.announce.Swap(false)
		f, now := b.order.Frontier(), time.Now()
		if announce || now.Sub(lastAt) >= heartbeat {
			if b.send(wire{Node: b.node, Key: f}) == nil {
				lastAt = now
			}
		}
		b.release(f, now)
	}
}

// release delivers, in key order, the events below every live node's
// frontier (self is this node's). They are taken from the queue under
// the lock and handed to the hub after it, so that a large fan-out does
// not hold up Publish (and with it every post on this node); only this
// loop delivers, so the order stays the keys'.
func (b *Bus) release(self storage.ID, now time.Time) {
	for _, e := range b.ready(self, now) {
		b.hub.Publish(e)
	}
}

// ready takes from the queue the events below every live node's frontier.
func (b *Bus) ready(self storage.ID, now time.Time) []hub.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	bound := self
	for id, p := range b.peers {
		if now.Sub(p.heard) > silence {
			delete(b.peers, id)
			b.lost[id] = true
			go b.recoverDead(id, *p)
			b.log.Warn().Str("node", id).Msg("node silent: no longer waited for")
			continue
		}
		if p.frontier.Less(bound) {
			bound = p.frontier
		}
	}
	if b.bound.Less(bound) {
		b.bound = bound
	}
	var out []hub.Event
	for len(b.pending) > 0 && b.pending[0].key.Less(b.bound) {
		out = append(out, heap.Pop(&b.pending).(item).event)
	}
	return out
}

// forgetPeers stops waiting for the other nodes: NATS is away, so their
// frontiers cannot come, and this node's own streams must go on.
func (b *Bus) forgetPeers() {
	b.mu.Lock()
	for id := range b.peers {
		b.lost[id] = true
	}
	clear(b.peers)
	b.mu.Unlock()
	b.poke()
}

func (b *Bus) poke() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Delivered is a key below which every event, of any node, has been
// taken for this node's hub (handed to it, or being handed by the loop,
// so that a stream registered now gets it live), or will come late from
// a node that was not waited for: a stream's replay reads the store up
// to it, and drops from the live events what it replayed.
func (b *Bus) Delivered() storage.ID {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bound
}

// Stats are the Bus's state and counts since it started.
type Stats struct {
	Connected                     bool
	Peers                         int // other nodes waited for (heard of lately)
	Waiting                       int // events waiting for the nodes' frontiers
	Sent, Received, Dropped, Late uint64
}

// Stats returns the Bus's state and counts.
func (b *Bus) Stats() Stats {
	b.mu.Lock()
	peers, waiting := len(b.peers), len(b.pending)
	b.mu.Unlock()
	return Stats{Connected: b.nc.IsConnected(), Peers: peers, Waiting: waiting, Sent: b.sent.Load(), Received: b.received.Load(), Dropped: b.dropped.Load(), Late: b.late.Load()}
}

// Close stops sending and delivering, after what was sent is flushed.
func (b *Bus) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	// What was published goes out before the connection closes (Drain
	// alone returns at once), so the last events of a node that stops
	// reach the others.
	_ = b.nc.FlushTimeout(closeWait)
	err := b.nc.Drain()
	if errors.Is(err, nats.ErrConnectionClosed) {
		return nil
	}
	select {
	case <-b.closed:
	case <-time.After(closeWait):
	}
	return err
}

// closeWait bounds how long Close waits for what is sent to go out.
const closeWait = 5 * time.Second

// item is an event waiting in the queue, with its key.
type item struct {
	key   storage.ID
	event hub.Event
}

// queue is a min-heap of items by key.
type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].key.Less(q[j].key) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	old[len(old)-1] = item{}
	*q = old[:len(old)-1]
	return it
}
