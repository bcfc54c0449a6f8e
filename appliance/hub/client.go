package hub

import (
	"sync"
	"time"

	"github.com/makechat/makechat/storage"
)

// Why the hub ends a stream; the stream sends the reason in its close
// frame (code 1008).
const (
	ReasonSlow = "too slow: reconnect with ?since= to catch up"
)

// ClientInfo is what a stream tells the hub about itself.
type ClientInfo struct {
	User storage.ID
	// Session or Token is the credential the stream was opened with, so
	// that ending that credential ends the stream.
	Session, Token storage.ID
	Admin          bool
	Rooms          []storage.ID
	// Hold holds live events back until Release (a stream replaying
	// what it missed).
	Hold bool
	// Wake is called when events start waiting and when the client is
	// cut off. It is called with the client's lock held: it must not
	// block, nor call the client back. If nil, Ready is signalled.
	Wake func()
}

// Client is one open stream as the hub sees it: whose it is, by what
// credential, which rooms it follows, and the events waiting for it.
//
// Its backlog is bounded by time and bytes, not by a count: a burst of
// small events from a busy room fills no fixed-size queue, and a client
// that reads is never cut off for the burst itself; one whose oldest
// undelivered event grows older than the hub's MaxLag, or whose backlog
// passes MaxBacklog bytes, is.
type Client struct {
	User           storage.ID
	Session, Token storage.ID

	admin bool                    // guarded by the hub's lock
	rooms map[storage.ID]struct{} // guarded by the hub's lock

	ready chan struct{} // Wake's default (nil when Wake is given)
	wake  func()
	gone  chan struct{}
	once  sync.Once

	mu           sync.Mutex
	reason       string
	pending      [][]byte
	pendingBytes int
	pendingSince time.Time // when pending[0] was queued
	// The batch the stream is writing: its size and age still count.
	writingBytes int
	writingSince time.Time
	// While the stream replays history, live events are held back and
	// checked against what the replay sent (see Release).
	holding   bool
	held      []Event
	heldBytes int
}

// NewClient returns a client for a stream.
func NewClient(info ClientInfo) *Client {
	c := &Client{
		User:    info.User,
		Session: info.Session,
		Token:   info.Token,
		admin:   info.Admin,
		rooms:   make(map[storage.ID]struct{}, len(info.Rooms)),
		wake:    info.Wake,
		gone:    make(chan struct{}),
		holding: info.Hold,
	}
	if c.wake == nil {
		c.ready = make(chan struct{}, 1)
		c.wake = func() {
			select {
			case c.ready <- struct{}{}:
			default:
			}
		}
	}
	for _, r := range info.Rooms {
		c.rooms[r] = struct{}{}
	}
	return c
}

// Ready is signalled when events start waiting, and when the client is
// cut off, unless ClientInfo.Wake is given; take the events with Next.
func (c *Client) Ready() <-chan struct{} { return c.ready }

// Next returns every waiting event, oldest first, and counts them as
// being written until Written.
func (c *Client) Next() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.pending
	c.pending = nil
	c.writingBytes, c.writingSince = c.pendingBytes, c.pendingSince
	c.pendingBytes, c.pendingSince = 0, time.Time{}
	return batch
}

// Written says the batch from Next has been sent.
func (c *Client) Written() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writingBytes, c.writingSince = 0, time.Time{}
}

// Gone closes when the client has been cut off (too slow, or what
// authorised it has ended); its stream should then close, saying Reason.
func (c *Client) Gone() <-chan struct{} { return c.gone }

// Reason says why the client was cut off ("" while it is not).
func (c *Client) Reason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// Cut ends the client for reason; it reports whether this call did (the
// first one).
func (c *Client) Cut(reason string) bool {
	first := false
	c.once.Do(func() {
		c.mu.Lock()
		c.reason = reason
		c.pending, c.held = nil, nil
		close(c.gone)
		c.wake()
		c.mu.Unlock()
		first = true
	})
	return first
}

func (c *Client) isGone() bool {
	select {
	case <-c.gone:
		return true
	default:
		return false
	}
}

// offer queues e without blocking; false means the client is too slow.
// A client already cut off takes nothing more.
func (c *Client) offer(e Event, now time.Time, lim limits) bool {
	if c.isGone() {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holding {
		if c.heldBytes+len(e.Data) > lim.backlog {
			return false
		}
		c.held = append(c.held, e)
		c.heldBytes += len(e.Data)
		return true
	}
	return c.queue(e.Data, now, lim)
}

// queue adds data to the backlog unless the backlog is too old or too
// big; c.mu is held.
func (c *Client) queue(data []byte, now time.Time, lim limits) bool {
	oldest := c.pendingSince
	if !c.writingSince.IsZero() && (oldest.IsZero() || c.writingSince.Before(oldest)) {
		oldest = c.writingSince
	}
	if !oldest.IsZero() && now.Sub(oldest) > lim.lag {
		return false
	}
	if c.pendingBytes+c.writingBytes+len(data) > lim.backlog {
		return false
	}
	if len(c.pending) == 0 {
		c.pendingSince = now
	}
	c.pending = append(c.pending, data)
	c.pendingBytes += len(data)
	if len(c.pending) == 1 {
		c.wake()
	}
	return true
}

// release ends holding: the events held back meanwhile are queued, except
// message.created events for messages that the replay already sent. The
// check is by id, not by "at most the newest replayed id": a message
// that took its id before a replayed one but committed after the replay
// read the store must still come through. It returns false if the
// backlog overflowed.
func (c *Client) release(replayed map[storage.ID]struct{}, seen storage.ID, now time.Time, lim limits) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	held := c.held
	c.held, c.heldBytes, c.holding = nil, 0, false
	for _, e := range held {
		if _, sent := replayed[e.Message]; !e.Message.IsZero() && (sent || !seen.Less(e.Message)) {
			continue
		}
		if !c.queue(e.Data, now, lim) {
			return false
		}
	}
	return true
}
