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

// fromProxy rewrites a request that came through a trusted proxy to what
// the client sent: its address, host and scheme.
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
	// The client is the rightmost address not itself a trusted proxy.
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		hops := strings.Split(xff, ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			remote = a
			if !s.trusted(a) {
				break
			}
		}
		r.RemoteAddr = net.JoinHostPort(remote.String(), "0")
	}
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		r.Host = strings.TrimSpace(strings.Split(h, ",")[0])
	}
	if proto := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]); strings.EqualFold(proto, "https") {
		r = r.WithContext(context.WithValue(r.Context(), forwardedHTTPSKey, true))
	}
	return r
}

// scheme is how the client reached the server: directly, or through a
// trusted proxy that said so.
func (s *Server) scheme(r *http.Request) string {
	if r.TLS != nil || r.Context().Value(forwardedHTTPSKey) == true {
		return "https"
	}
	return "http"
}
