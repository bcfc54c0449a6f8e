package cluster_test

import (
	"io"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/cluster"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/storage"
)

// startNATS runs a NATS server in the test, on port (-1: any).
func startNATS(t *testing.T, port int) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second), "NATS started")
	t.Cleanup(ns.Shutdown)
	return ns
}

// node is one makechat node as far as events go: its hub and its bus.
type node struct {
	hub *hub.Hub
	bus *cluster.Bus
}

func newNode(t *testing.T, url string) node {
	t.Helper()
	h := hub.New(hub.Options{})
	b, err := cluster.Connect(url, h, nil, zerolog.New(io.Discard))
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return node{hub: h, bus: b}
}

// client registers a stream of user in rooms on n.
func (n node) client(t *testing.T, user storage.ID, rooms ...storage.ID) *hub.Client {
	c := hub.NewClient(hub.ClientInfo{User: user, Rooms: rooms})
	require.True(t, n.hub.Register(c, 0))
	return c
}

// next waits for c's next events.
func next(t *testing.T, c *hub.Client) []string {
	t.Helper()
	select {
	case <-c.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	var got []string
	for _, d := range c.Next() {
		got = append(got, string(d))
	}
	c.Written()
	return got
}

// quiet checks that c gets nothing for a while.
func quiet(t *testing.T, c *hub.Client) {
	t.Helper()
	select {
	case <-c.Ready():
		t.Fatalf("unexpected events: %q", c.Next())
	case <-time.After(200 * time.Millisecond):
	}
}

func TestBus_AnEventReachesEveryNodeOnceWithItsAudience(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room, other := ids.New(), ids.New()
	alice, bob, carol := ids.New(), ids.New(), ids.New()
	onA := a.client(t, alice, room)
	onB := b.client(t, bob, room)
	elsewhere := b.client(t, carol, other)
	require.Eventually(t, func() bool { return a.bus.Stats().Connected && b.bus.Stats().Connected }, 10*time.Second, 10*time.Millisecond)

	a.bus.Publish(hub.Event{Data: []byte("hello"), Room: room, Message: ids.New()})
	assert.Equal(t, []string{"hello"}, next(t, onB), "the other node's member")
	assert.Equal(t, []string{"hello"}, next(t, onA), "this node's member, once")
	quiet(t, onA)
	quiet(t, elsewhere)

	// Addressed to a user, and to everyone.
	b.bus.Publish(hub.Event{Data: []byte("to carol"), Users: []storage.ID{carol}})
	b.bus.Publish(hub.Event{Data: []byte("to all"), Everyone: true})
	assert.Equal(t, []string{"to carol", "to all"}, next(t, elsewhere))
	assert.Equal(t, []string{"to all"}, next(t, onA))
}

func TestBus_AMembershipChangeOnOneNodeAppliesOnTheOthers(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room := ids.New()
	bob := ids.New()
	onB := b.client(t, bob)

	// Bob joins on A: his stream on B follows the room from the event
	// that adds him.
	a.bus.Publish(hub.Event{Data: []byte("bob joined"), Room: room, Join: &hub.Membership{User: bob, Room: room}})
	assert.Equal(t, []string{"bob joined"}, next(t, onB))
	a.bus.Publish(hub.Event{Data: []byte("posted"), Room: room})
	assert.Equal(t, []string{"posted"}, next(t, onB))

	// Removed on A: he learns it, then gets nothing more of the room.
	a.bus.Publish(hub.Event{Data: []byte("bob removed"), Room: room, Leave: &hub.Membership{User: bob, Room: room}})
	assert.Equal(t, []string{"bob removed"}, next(t, onB))
	a.bus.Publish(hub.Event{Data: []byte("secret"), Room: room})
	quiet(t, onB)

	// His token revoked on A ends his stream on B.
	a.bus.Publish(hub.Event{End: &hub.Ending{User: bob, Reason: "token revoked"}})
	select {
	case <-onB.Gone():
		assert.Equal(t, "token revoked", onB.Reason())
	case <-time.After(10 * time.Second):
		t.Fatal("the stream on B was not ended")
	}
}

func TestBus_EventsSentWhileNATSIsDownArriveWhenItIsBack(t *testing.T) {
	ns := startNATS(t, -1)
	url := ns.ClientURL()
	a, b := newNode(t, url), newNode(t, url)
	ids := storage.NewIDGen()
	room := ids.New()
	onB := b.client(t, ids.New(), room)
	a.bus.Publish(hub.Event{Data: []byte("before"), Room: room})
	assert.Equal(t, []string{"before"}, next(t, onB))

	addr := ns.Addr().String()
	ns.Shutdown()
	require.Eventually(t, func() bool { return !a.bus.Stats().Connected && !b.bus.Stats().Connected }, 10*time.Second, 10*time.Millisecond)
	a.bus.Publish(hub.Event{Data: []byte("while down"), Room: room}) // posts go on: the store is the truth
	assert.Equal(t, uint64(0), a.bus.Stats().Dropped, "kept to send on reconnect")

	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	startNATS(t, n) // the same address: the nodes find it again
	require.Eventually(t, func() bool { return a.bus.Stats().Connected && b.bus.Stats().Connected }, 20*time.Second, 50*time.Millisecond)
	a.bus.Publish(hub.Event{Data: []byte("after"), Room: room})
	// What was sent while NATS was away reaches B only if B had
	// subscribed again first; streams get it by replay otherwise.
	var got []string
	for !slices.Contains(got, "after") {
		got = append(got, next(t, onB)...)
	}
	t.Logf("after NATS came back, B got %q", got)
}
