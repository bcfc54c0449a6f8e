package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The failed-login limits (docs/api.md, "Failed logins"). Failures count
// per (username, address) and per address, so that no one can lock an
// account out from elsewhere: the owner, at an address with no recent
// failures, always gets its password checked. One account also gets at
// most AccountFailures failures an hour in all; past that, an address
// that has failed for it recently is refused outright (each further
// address gets one try before it is).
//
// A browser that logged in before carries a device cookie (signed with
// the secret key) and is counted on its own, apart from any address: an
// attacker sharing the owner's address cannot lock that browser out.
const (
	PairFailures    = 10
	PairWindow      = 10 * time.Minute
	AddrFailures    = 50
	AddrWindow      = 10 * time.Minute
	AccountFailures = 100
	AccountWindow   = time.Hour
	// DeviceLifetime is how long a device cookie is honoured.
	DeviceLifetime = 365 * 24 * time.Hour
)

// LoginGuard applies the failed-login limits. The zero value is not
// usable; use NewLoginGuard.
type LoginGuard struct {
	pair, addr, account counter
}

// counter counts failures per key: a Limiter in memory, or a cluster's
// sharedCounter.
type counter interface {
	Blocked(key string) time.Duration
	Fail(key string)
	Count(key string) int
	Reset(key string)
}

// NewSharedLoginGuard returns the guard of a cluster's node: failures are
// counted in st for every node, so that an attacker spreading tries over
// the nodes gets no more than against one.
func NewSharedLoginGuard(st Strikes, now func() time.Time) *LoginGuard {
	return &LoginGuard{
		pair:    &sharedCounter{"pair\x00", PairFailures, PairWindow, st, now},
		addr:    &sharedCounter{"addr\x00", AddrFailures, AddrWindow, st, now},
		account: &sharedCounter{"account\x00", AccountFailures, AccountWindow, st, now},
	}
}

// NewLoginGuard returns a guard with empty counts.
func NewLoginGuard(now func() time.Time) *LoginGuard {
	return &LoginGuard{
		pair:    NewLimiter(PairFailures, PairWindow, now),
		addr:    NewLimiter(AddrFailures, AddrWindow, now),
		account: NewLimiter(AccountFailures, AccountWindow, now),
	}
}

// Attempt is one login try: the username as typed, the client's address
// key (AddrKey), and the id of a device cookie verified for this
// username ("" for none).
type Attempt struct {
	Username, Addr, Device string
}

func (at Attempt) user() string {
	u := strings.ToLower(at.Username)
	if len(u) > 128 {
		u = u[:128]
	}
	return u
}

func (at Attempt) pairKey() string {
	if at.Device != "" {
		return "d\x00" + at.Device + "\x00" + at.user()
	}
	return "p\x00" + at.Addr + "\x00" + at.user()
}

// Wait returns how long the attempt must wait before its password may
// be checked; 0 means check it now.
func (g *LoginGuard) Wait(at Attempt) time.Duration {
	pair := at.pairKey()
	if at.Device != "" {
		return g.pair.Blocked(pair)
	}
	if w := max(g.pair.Blocked(pair), g.addr.Blocked(at.Addr)); w > 0 {
		return w
	}
	if w := g.account.Blocked(at.user()); w > 0 && g.pair.Count(pair) > 0 {
		return w
	}
	return 0
}

// Fail records a wrong password.
func (g *LoginGuard) Fail(at Attempt) {
	g.pair.Fail(at.pairKey())
	if at.Device != "" {
		// The owner's own browser mistyping counts against that browser
		// only.
		return
	}
	g.addr.Fail(at.Addr)
	g.account.Fail(at.user())
}

// Succeed forgets the attempt's own failures after a right password.
func (g *LoginGuard) Succeed(at Attempt) {
	g.pair.Reset(at.pairKey())
}

// AddrKey is the key an address is counted under: the address itself,
// or for IPv6 its /64, which one client usually holds whole.
func AddrKey(host string) string {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Devices issues and checks device cookies: "<id>.<issued>.<mac>", where
// mac is an HMAC-SHA256 under the secret key of the id, the time and the
// folded username. Rotating the secret key voids every device cookie,
// which only puts those browsers back under the address limits.
type Devices struct {
	key []byte
	now func() time.Time
}

// NewDevices returns a device cookie signer; nil (no device cookies)
// when key is empty.
func NewDevices(key string, now func() time.Time) *Devices {
	if key == "" {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Devices{key: []byte(key), now: now}
}

// Issue returns a new device cookie value for username.
func (d *Devices) Issue(username string) string {
	if d == nil {
		return ""
	}
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	issued := strconv.FormatInt(d.now().Unix(), 10)
	return id + "." + issued + "." + d.mac(id, issued, username)
}

// Verify returns the device id of value if it is a cookie this server
// issued for username and it has not expired; "" otherwise.
func (d *Devices) Verify(value, username string) string {
	if d == nil || len(value) > 200 {
		return ""
	}
	id, rest, ok := strings.Cut(value, ".")
	if !ok {
		return ""
	}
	issued, mac, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(d.mac(id, issued, username))) {
		return ""
	}
	at, err := strconv.ParseInt(issued, 10, 64)
	if err != nil || d.now().Sub(time.Unix(at, 0)) > DeviceLifetime {
		return ""
	}
	return id
}

func (d *Devices) mac(id, issued, username string) string {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte("makechat device\x00" + id + "\x00" + issued + "\x00" + strings.ToLower(username)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
