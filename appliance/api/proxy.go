package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a reverse proxy (nginx, Caddy, a load balancer) every request
// comes from the proxy's address over plain HTTP. Only for proxies named
// in trusted_proxies are the X-Forwarded-* headers believed: the client's
// address (for failed-login limits and logs), the scheme it used (for the
// same-origin check and the cookie's Secure flag), and the host it asked
// for. From anyone else they are ignored, so they cannot be forged.

// ParseProxies reads trusted_proxies entries: IP addresses or CIDR ranges.
func ParseProxies(entries []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR range", e)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (s *Server) trusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range s.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// hop is one proxy's report of who connected to it: the address, and
// the scheme and host that client used (empty when not said).
type hop struct {
	addr        netip.Addr // invalid when the report is not an address
	proto, host string
}

// fromProxy rewrites a request that came through a trusted proxy to what
// the client sent: its address, host and scheme. The client is the
// right-most address of the chain that is not itself a trusted proxy:
// every header line is read (a proxy that appends its own line leaves
// the client's forged ones first), and everything left of the client is
// the client's own say, so ignored. Forwarded (RFC 7239) is read when
// present, else X-Forwarded-For with X-Forwarded-Proto and -Host.
func (s *Server) fromProxy(r *http.Request) *http.Request {
	if len(s.proxies) == 0 {
		return r
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r
	}
	remote, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(remote) {
		return r
	}
	hops := forwardedHops(r.Header)
	if hops == nil {
		return r
	}
	// Walk from the proxy next to us towards the client.
	client := hop{addr: remote}
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		if !h.addr.IsValid() {
			break
		}
		client = h
		if !s.trusted(h.addr) {
			break
		}
	}
	if client.addr != remote {
		r.RemoteAddr = net.JoinHostPort(client.addr.Unmap().String(), "0")
	}
	if client.host != "" {
		r.Host = client.host
	}
	if strings.EqualFold(client.proto, "https") {
		r = r.WithContext(context.WithValue(r.Context(), forwardedHTTPSKey, true))
	}
	return r
}

// forwardedHops reads the chain of hops a request's proxies reported,
// client first; nil when there is none.
func forwardedHops(h http.Header) []hop {
	if lines := h.Values("Forwarded"); len(lines) > 0 {
		var hops []hop
		for _, line := range lines {
			for _, elem := range splitList(line) {
				hops = append(hops, parseForwarded(elem))
			}
		}
		return hops
	}
	var hops []hop
	for _, line := range h.Values("X-Forwarded-For") {
		for _, a := range splitList(line) {
			hops = append(hops, hop{addr: parseNodeAddr(a)})
		}
	}
	if len(hops) == 0 {
		return nil
	}
	// X-Forwarded-Proto and -Host are set whole by most proxies and
	// appended by some: one value per hop lines up with the chain,
	// otherwise the right-most (the nearest proxy's) holds for the client.
	for _, name := range []string{"X-Forwarded-Proto", "X-Forwarded-Host"} {
		var vals []string
		for _, line := range h.Values(name) {
			vals = append(vals, splitList(line)...)
		}
		if len(vals) == 0 {
			continue
		}
		for i := range hops {
			v := vals[len(vals)-1]
			if len(vals) == len(hops) {
				v = vals[i]
			}
			if name == "X-Forwarded-Proto" {
				hops[i].proto = v
			} else {
				hops[i].host = v
			}
		}
	}
	return hops
}

// parseForwarded reads one element of a Forwarded header:
// for=...;proto=...;host=..., values optionally quoted.
func parseForwarded(elem string) hop {
	var h hop
	for pair := range strings.SplitSeq(elem, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "for":
			h.addr = parseNodeAddr(v)
		case "proto":
			h.proto = v
		case "host":
			h.host = v
		}
	}
	return h
}

// parseNodeAddr reads an address as proxies write it: bare, with a port,
// or an IPv6 address in brackets with or without one. "unknown" and
// obfuscated names give an invalid address.
func parseNodeAddr(v string) netip.Addr {
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil {
		return a
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr()
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")); err == nil {
		return a
	}
	return netip.Addr{}
}

// splitList splits a comma-separated header value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// scheme is how the client reached the server: directly, or through a
// trusted proxy that said so.
func (s *Server) scheme(r *http.Request) string {
	if r.TLS != nil || r.Context().Value(forwardedHTTPSKey) == true {
		return "https"
	}
	return "http"
}
