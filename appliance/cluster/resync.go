package cluster

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/storage"
)

// Catching up after NATS was away. Events a node sends while another
// node is cut off from NATS never reach it, and those it sends while
// itself cut off may be lost when it flushes them before the others
// have subscribed again. So each node keeps what it sent in the last
// keepFor; a node whose connection comes back (or that hears again a
// node it had stopped waiting for) asks the others (Resync) to send
// theirs again, marked For it and from the first key it can have missed
// (its start), and drops those it had already.
// The streams get what they missed without reconnecting, late (out of
// key order: the merge had stopped waiting for the nodes it could not
// hear).

const (
	// keepFor is how long a node keeps what it sent, to send it again.
	keepFor = 10 * time.Second
	// keepMost bounds what is kept (older is dropped first).
	keepMost = 50_000
)

// kept is what this node sent lately, oldest first (from items[start]).
type kept struct {
	mu    sync.Mutex
	items []keptItem
	start int
}

type keptItem struct {
	at time.Time
	w  wire
}

func (k *kept) add(w wire, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.items = append(k.items, keptItem{now, w})
	k.prune(now)
}

// prune drops what is too old or too much; k.mu is held. The slice is
// compacted once half of it is dropped, so each add costs O(1) on average.
func (k *kept) prune(now time.Time) {
	for k.start < len(k.items) && (now.Sub(k.items[k.start].at) > keepFor || len(k.items)-k.start > keepMost) {
		k.items[k.start] = keptItem{}
		k.start++
	}
	if k.start > len(k.items)/2 {
		k.items = append(k.items[:0:0], k.items[k.start:]...)
		k.start = 0
	}
}

func (k *kept) all(now time.Time) []wire {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.prune(now)
	out := make([]wire, 0, len(k.items)-k.start)
	for _, it := range k.items[k.start:] {
		out = append(out, it.w)
	}
	return out
}

// heard is what this node received from the others lately, to drop an
// event sent Again that it had already.
type heard struct {
	mu    sync.Mutex
	ring  []heardItem // oldest first, from ring[start]
	start int
	set   map[nodeKey]struct{}
	built time.Time // when set was made from ring (zero: none)
}

type nodeKey struct {
	node string
	key  storage.ID
}

type heardItem struct {
	at time.Time
	k  nodeKey
}

// first records an event and reports whether it is the first time: the
// common case appends to the ring; an event sent Again is looked up in a
// set made from the ring when a catch-up begins.
func (h *heard) first(node string, key storage.ID, again bool, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := nodeKey{node, key}
	if again {
		if h.set == nil || now.Sub(h.built) > time.Second {
			h.set = make(map[nodeKey]struct{}, len(h.ring)-h.start)
			for _, it := range h.ring[h.start:] {
				h.set[it.k] = struct{}{}
			}
			h.built = now
		}
		if _, dup := h.set[k]; dup {
			return false
		}
		h.set[k] = struct{}{}
	} else if h.set != nil {
		if now.Sub(h.built) > time.Minute {
			h.set = nil // no catch-up lately: let it go
		} else {
			h.set[k] = struct{}{} // a catch-up may still send it again
		}
	}
	h.ring = append(h.ring, heardItem{now, k})
	for h.start < len(h.ring) && (now.Sub(h.ring[h.start].at) > 2*keepFor || len(h.ring)-h.start > 4*keepMost) {
		h.start++
	}
	if h.start > len(h.ring)/2 {
		h.ring = append(h.ring[:0:0], h.ring[h.start:]...)
		h.start = 0
	}
	return true
}

// askAgain asks the other nodes for what this one may have missed.
func (b *Bus) askAgain() {
	_ = b.send(wire{Node: b.node, Key: b.start, Resync: true})
}

// sendAgain sends node again what this node sent within keepFor, from
// the key from on (before it, node was not running).
func (b *Bus) sendAgain(node string, from storage.ID) {
	n := 0
	for _, w := range b.kept.all(time.Now()) {
		if w.Key.Less(from) {
			continue
		}
		w.For = node
		if b.send(w) == nil {
			n++
		}
	}
	b.log.Info().Str("node", node).Int("events", n).Msg("a node came back: sent it again what it may have missed")
}

// Recoverer reads from the store the message.created events of messages
// with ids from from on (up to some limit), as their posts emitted them.
type Recoverer func(ctx context.Context, from storage.ID) ([]hub.Event, error)

// RecoverWith sets how the bus reads what a node that died had stored
// but not sent: a message answered 201 by a node killed before its event
// left it. Call it before the node serves.
func (b *Bus) RecoverWith(r Recoverer) { b.reread = r }

// recoverDead delivers, late, the messages a node dropped for silence
// stored from its last frontier on that this node never received.
func (b *Bus) recoverDead(node string, p peer) {
	if b.reread == nil || p.frontier.IsZero() || p.ids == [4]byte{} {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	events, err := b.reread(ctx, p.frontier)
	if err != nil {
		b.log.Warn().Err(err).Str("node", node).Msg("could not read what a silent node stored")
		return
	}
	n := 0
	for _, e := range events {
		k := e.Message
		if [4]byte(k[8:12]) != p.ids || !b.heard.first(node, k, true, time.Now()) {
			continue // another node's, or received
		}
		b.mu.Lock()
		heap.Push(&b.pending, item{key: k, event: e})
		b.mu.Unlock()
		b.late.Add(1)
		n++
	}
	if n > 0 {
		b.log.Info().Str("node", node).Int("messages", n).Msg("delivered what a silent node had stored but not sent")
		b.poke()
	}
}
