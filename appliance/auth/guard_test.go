package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginGuard_FailuresElsewhereNeverLockTheOwnerOut(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := NewLoginGuard(func() time.Time { return now })
	// The review's attack: wrong passwords for alice from many addresses.
	for i := range AccountFailures * 2 {
		at := Attempt{Username: "alice", Addr: fmt.Sprintf("198.51.100.%d", i%250)}
		if g.Wait(at) == 0 {
			g.Fail(at)
		}
	}
	assert.Zero(t, g.Wait(Attempt{Username: "Alice", Addr: "203.0.113.9"}), "the owner at a clean address gets its password checked")
	assert.Positive(t, g.Wait(Attempt{Username: "alice", Addr: "198.51.100.1"}), "past the account's hourly cap, an address that failed is refused")
	assert.Zero(t, g.Wait(Attempt{Username: "bob", Addr: "198.51.100.1"}), "other accounts are not affected by alice's cap")
	now = now.Add(AccountWindow)
	assert.Zero(t, g.Wait(Attempt{Username: "alice", Addr: "198.51.100.1"}), "an hour later the cap has moved on")
}

func TestLoginGuard_APairIsBlockedAfterItsFailures(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := NewLoginGuard(func() time.Time { return now })
	at := Attempt{Username: "alice", Addr: "192.0.2.1"}
	for i := range PairFailures {
		require.Zero(t, g.Wait(at), "try %d", i+1)
		g.Fail(at)
	}
	assert.Equal(t, PairWindow, g.Wait(at), "the right password from that address waits too")
	assert.Zero(t, g.Wait(Attempt{Username: "alice", Addr: "192.0.2.2"}))
	assert.Zero(t, g.Wait(Attempt{Username: "bob", Addr: "192.0.2.1"}))
	g.Succeed(Attempt{Username: "alice", Addr: "192.0.2.2"})
	assert.Positive(t, g.Wait(at), "a success elsewhere does not clear this pair")
}

func TestLoginGuard_AnAddressSprayingUsernamesIsBlocked(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := NewLoginGuard(func() time.Time { return now })
	for i := range AddrFailures {
		g.Fail(Attempt{Username: fmt.Sprint("user", i), Addr: "192.0.2.1"})
	}
	assert.Positive(t, g.Wait(Attempt{Username: "carol", Addr: "192.0.2.1"}))
	assert.Zero(t, g.Wait(Attempt{Username: "carol", Addr: "192.0.2.2"}))
}

func TestLoginGuard_AKnownDeviceIsCountedApart(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := NewLoginGuard(func() time.Time { return now })
	shared := "192.0.2.1"
	for range AddrFailures {
		g.Fail(Attempt{Username: "alice", Addr: shared})
	}
	require.Positive(t, g.Wait(Attempt{Username: "alice", Addr: shared}))
	device := Attempt{Username: "alice", Addr: shared, Device: "dev1"}
	assert.Zero(t, g.Wait(device), "the owner's browser is not locked out by failures at its address")
	for range PairFailures {
		g.Fail(device)
	}
	assert.Positive(t, g.Wait(device), "the device has its own limit")
	assert.Zero(t, g.Wait(Attempt{Username: "alice", Addr: "192.0.2.9"}), "and its failures count nowhere else")
}

func TestDevices_IssueAndVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	d := NewDevices("secret one", func() time.Time { return now })
	v := d.Issue("Alice")
	id := d.Verify(v, "alice")
	require.NotEmpty(t, id, "usernames compare without case")
	assert.Empty(t, d.Verify(v, "bob"), "bound to its username")
	assert.Empty(t, NewDevices("secret two", nil).Verify(v, "alice"), "another key (a rotated one) voids it")
	// Its MAC's last character changed: to "A", unless it is "A" already
	// (one value in sixteen), when "A" would change nothing.
	changed := "A"
	if strings.HasSuffix(v, "A") {
		changed = "E"
	}
	assert.Empty(t, d.Verify(v[:len(v)-1]+changed, "alice"), "a changed MAC")
	assert.Empty(t, d.Verify("", "alice"))
	assert.Empty(t, d.Verify("a.b", "alice"))
	assert.Empty(t, d.Verify(strings.Repeat("x", 1000), "alice"))
	assert.NotEqual(t, v, d.Issue("alice"), "each login has its own device id")
	now = now.Add(DeviceLifetime + time.Second)
	assert.Empty(t, d.Verify(v, "alice"), "expired")
	var none *Devices = NewDevices("", nil)
	assert.Empty(t, none.Issue("alice"))
	assert.Empty(t, none.Verify(v, "alice"))
}

func TestAddrKey_GroupsIPv6ByItsSlash64(t *testing.T) {
	assert.Equal(t, "192.0.2.1", AddrKey("192.0.2.1"))
	assert.Equal(t, "192.0.2.1", AddrKey("::ffff:192.0.2.1"))
	assert.Equal(t, "2001:db8:1:2::/64", AddrKey("2001:db8:1:2:aaaa::1"))
	assert.Equal(t, AddrKey("2001:db8:1:2::1"), AddrKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
	assert.Equal(t, "not an address", AddrKey("not an address"))
}
