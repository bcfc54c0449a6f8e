package hub

import (
	"sync"

	"github.com/makechat/makechat/storage"
)

// QueueSize is how many events a client may fall behind before it is cut
// off.
const QueueSize = 256

// Client is one open stream as the hub sees it: whose it is, which rooms
// it follows, and its queue of encoded events.
type Client struct {
	User  storage.ID
	Admin bool

	rooms map[storage.ID]struct{} // guarded by the hub's lock
	queue chan []byte
	gone  chan struct{}
	once  sync.Once

	// While the stream replays history, live events are held back and
	// checked against what the replay sent (see Hold and Release).
	mu      sync.Mutex
	holding bool
	held    []Event
}

// NewClient returns a client for user, following rooms. A client created
// holding (hold true) queues nothing until Release.
func NewClient(user storage.ID, admin bool, rooms []storage.ID, hold bool) *Client {
	c := &Client{
		User:    user,
		Admin:   admin,
		rooms:   make(map[storage.ID]struct{}, len(rooms)),
		queue:   make(chan []byte, QueueSize),
		gone:    make(chan struct{}),
		holding: hold,
	}
	for _, r := range rooms {
		c.rooms[r] = struct{}{}
	}
	return c
}

// Queue is the client's outgoing events, in order.
func (c *Client) Queue() <-chan []byte { return c.queue }

// Gone closes when the client has been cut off (too slow, or its user
// disabled); its stream should then close.
func (c *Client) Gone() <-chan struct{} { return c.gone }

// cut closes Gone; it reports whether this call did (the first one).
func (c *Client) cut() bool {
	first := false
	c.once.Do(func() {
		close(c.gone)
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

// offer queues e without blocking; false means the queue is full. A
// client already cut off takes nothing more.
func (c *Client) offer(e Event) bool {
	if c.isGone() {
		return true
	}
	c.mu.Lock()
	if c.holding {
		if len(c.held) >= QueueSize*4 {
			c.mu.Unlock()
			return false
		}
		c.held = append(c.held, e)
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	select {
	case c.queue <- e.Data:
		return true
	default:
		return false
	}
}

// Release ends holding: the events held back meanwhile are queued, except
// message.created events for messages that the replay already sent. The
// check is by id, not by "at most the newest replayed id": a message
// that took its id before a replayed one but committed after the replay
// read the store must still come through. It returns false if the queue
// overflowed.
func (c *Client) Release(replayed map[storage.ID]struct{}) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.held {
		if _, sent := replayed[e.Message]; sent && !e.Message.IsZero() {
			continue
		}
		select {
		case c.queue <- e.Data:
		default:
			c.held = nil
			c.holding = false
			return false
		}
	}
	c.held = nil
	c.holding = false
	return true
}
