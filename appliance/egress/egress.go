// Package egress makes the server's own outgoing HTTP requests (outgoing
// webhooks, slash commands, link previews) without letting a URL
// that a user typed reach inside: the loopback, private, link-local,
// CGNAT, multicast and reserved addresses of the server's own network.
//
// Start from New, which returns a Client for a Policy. Every connection
// resolves its host itself and checks every address before dialling one
// of them, so a name that resolves to an inside address (or that changes
// its answer between a check and the dial, DNS rebinding) is refused at
// the dial; redirects are followed only to http and https URLs without a
// user name or password, a few times (Policy.MaxRedirects), and each is
// dialled through the same check. Requests have a time limit, and Read
// bounds what a response may make the server hold.
//
// Administrators may allow listed hosts and ranges inside (an on-premise
// Jenkins): Policy.Allow.
package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Defaults of a Policy left at zero.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBytes     = 1 << 20
	DefaultMaxRedirects = 5
)

// Policy says where a Client may go.
type Policy struct {
	// Allow lists what may be reached although it is inside: IP
	// addresses, CIDR ranges and host names (a name allows whatever it
	// resolves to).
	Allow []string
	// Timeout bounds each request, redirects included; 0 is
	// DefaultTimeout.
	Timeout time.Duration
	// MaxBytes bounds what Read takes of a response body; 0 is
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxRedirects is the most redirects a request follows; 0 is
	// DefaultMaxRedirects and a negative value follows none.
	MaxRedirects int
	// Resolver resolves host names; nil is net.DefaultResolver.
	Resolver Resolver
}

// Resolver resolves host names, as *net.Resolver does.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ErrRefused is wrapped by the error of a request to a place the policy
// forbids.
var ErrRefused = errors.New("refused by the outgoing request policy")

// Client makes outgoing requests under a policy. It is safe for
// concurrent use.
type Client struct {
	http     *http.Client
	maxBytes int64
	allow    allowList
	resolver Resolver
}

// New returns a Client for p; an entry of p.Allow that is neither an
// address, a range nor a host name is an error.
func New(p Policy) (*Client, error) {
	allow, err := parseAllow(p.Allow)
	if err != nil {
		return nil, err
	}
	c := &Client{maxBytes: p.MaxBytes, allow: allow, resolver: p.Resolver}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, past the check
		DialContext:            c.dial,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	maxRedirects := p.MaxRedirects
	switch {
	case maxRedirects == 0:
		maxRedirects = DefaultMaxRedirects
	case maxRedirects < 0:
		maxRedirects = 0
	}
	c.http = &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: checkRedirect(maxRedirects)}
	return c, nil
}

// MaxBytes returns the most that Read takes of a response body, for a
// caller that reads a body as a stream and stops there itself.
func (c *Client) MaxBytes() int64 {
	return c.maxBytes
}

// Do sends req (an http or https URL) under the policy. Its errors that
// come from the policy wrap ErrRefused.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := CheckURL(req.URL); err != nil {
		return nil, err
	}
	return c.http.Do(req)
}

// Read reads a response body up to the policy's MaxBytes and closes it;
// a longer body is an error.
func (c *Client) Read(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > c.maxBytes {
		return nil, fmt.Errorf("the response is longer than %d bytes", c.maxBytes)
	}
	return b, nil
}

// Check resolves rawURL's host and says whether the policy lets a request
// go there now (for a form that takes a URL to say so at once; Do checks
// again at each dial).
func (c *Client) Check(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: not a URL", ErrRefused)
	}
	if err := CheckURL(u); err != nil {
		return err
	}
	_, err = c.addresses(ctx, u.Hostname())
	return err
}

// CheckURL says whether u has the form of a URL a Client may call: http
// or https, with a host and without a user name or password. It looks at
// the URL alone; where its host leads is checked at each dial.
func CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: only http and https URLs may be called", ErrRefused)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: the URL has no host", ErrRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: the URL must not hold a user name or password", ErrRefused)
	}
	return nil
}

// checkRedirect returns the http.Client's CheckRedirect for a client
// that follows at most limit redirects; via holds the requests already
// made, so the nth redirect comes with n of them.
func checkRedirect(limit int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > limit {
			return fmt.Errorf("%w: more than %d redirects", ErrRefused, limit)
		}
		return CheckURL(req.URL)
	}
}

// dial resolves addr's host, checks every address it has, and dials the
// first that answers: the addresses dialled are the ones checked.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := c.addresses(ctx, host)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var errs []error
	for _, ip := range ips {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// addresses resolves host and returns its addresses if the policy allows
// every one of them (a name with one inside address among outside ones is
// refused: which one a dial gets is not ours to choose).
func (c *Client) addresses(ctx context.Context, host string) ([]netip.Addr, error) {
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ips, err = c.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for i, ip := range ips {
		ip = ip.Unmap()
		ips[i] = ip
		if inside(ip) && !c.allow.has(host, ip) {
			return nil, fmt.Errorf("%w: %s is an address inside this server's network (%s); an administrator may allow it with outgoing_allow", ErrRefused, host, ip)
		}
	}
	return ips, nil
}

// insideRanges are the ranges that netip's predicates leave out.
var insideRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: an IPv4 address inside an IPv6 one
	netip.MustParsePrefix("64:ff9b:1::/48"), // local NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4: likewise
	netip.MustParsePrefix("2001::/32"),      // Teredo: likewise
	netip.MustParsePrefix("100::/64"),       // discard
}

// inside reports whether ip is an address a request from outside has no
// business reaching through the server.
func inside(ip netip.Addr) bool {
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return true
	}
	for _, p := range insideRanges {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// allowList is Policy.Allow, read.
type allowList struct {
	prefixes []netip.Prefix
	hosts    map[string]bool
}

func parseAllow(entries []string) (allowList, error) {
	a := allowList{hosts: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return a, fmt.Errorf("outgoing_allow: %q is not a CIDR range", e)
			}
			a.prefixes = append(a.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(e); err == nil {
				a.prefixes = append(a.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if !isHostName(e) {
				return a, fmt.Errorf("outgoing_allow: %q is not an address, a CIDR range or a host name", e)
			}
			a.hosts[strings.ToLower(strings.TrimSuffix(e, "."))] = true
		}
	}
	return a, nil
}

func (a allowList) has(host string, ip netip.Addr) bool {
	if a.hosts[strings.ToLower(strings.TrimSuffix(host, "."))] {
		return true
	}
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// isHostName reports whether s is a DNS name of letters, digits, hyphens
// and dots.
func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
