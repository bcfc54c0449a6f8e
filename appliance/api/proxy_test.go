package api_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withLoopbackProxy(o *envConfig) {
	o.proxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

func TestProxy_ATrustedProxysHeadersAreBelieved(t *testing.T) {
	e := newEnv(t, withLoopbackProxy)
	behind := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example.com", "X-Forwarded-For": "203.0.113.7"}
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`, headers: merge(behind, map[string]string{"Origin": "https://chat.example.com"})})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.header.Get("Set-Cookie"), "Secure", "the client used HTTPS")
	session := strings.SplitN(strings.TrimPrefix(r.header.Get("Set-Cookie"), "session="), ";", 2)[0]
	r = e.do(request{method: "POST", path: "/api/rooms", body: `{"name": "proxied"}`, headers: merge(behind, map[string]string{"Origin": "https://chat.example.com", "Cookie": "session=" + session})})
	assert.Equal(t, 201, r.status, "the browser's own origin passes the same-origin check: %s", r.body)

	// Failed logins count against the forwarded client, not the proxy.
	for i := range auth.AddrFailures {
		e.do(request{method: "POST", path: "/api/login", body: fmt.Sprintf(`{"username": "nobody%d", "password": "x"}`, i), headers: map[string]string{"X-Forwarded-For": "203.0.113.99"}})
	}
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`, headers: map[string]string{"X-Forwarded-For": "203.0.113.99"}})
	assert.Equal(t, 429, r.status)
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`, headers: map[string]string{"X-Forwarded-For": "198.51.100.1"}})
	assert.Equal(t, 200, r.status, "another client behind the same proxy is not blocked")
}

func TestProxy_HeadersFromOthersAreIgnored(t *testing.T) {
	e := newEnv(t) // no trusted proxies
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`, headers: map[string]string{"X-Forwarded-Proto": "https"}})
	require.Equal(t, 200, r.status)
	assert.NotContains(t, r.header.Get("Set-Cookie"), "Secure")
	for i := range auth.AddrFailures {
		e.do(request{method: "POST", path: "/api/login", body: fmt.Sprintf(`{"username": "nobody%d", "password": "x"}`, i), headers: map[string]string{"X-Forwarded-For": "203.0.113.1"}})
	}
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`, headers: map[string]string{"X-Forwarded-For": "198.51.100.2"}})
	assert.Equal(t, 429, r.status, "a forged X-Forwarded-For does not escape the address limit")
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
