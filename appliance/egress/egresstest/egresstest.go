// Package egresstest helps tests of code that dials out through egress:
// a resolver of names the test makes up, so that a test can point a
// public-looking name at the loopback and see the guard refuse it.
package egresstest

import (
	"context"
	"net"
	"net/netip"
)

// Names is a resolver (egress.Resolver) of a few names a test makes up,
// each to its addresses; every other name does not resolve.
type Names map[string][]string

// LookupNetIP gives host's addresses, or a "no such host" error.
func (n Names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	list, ok := n[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}
