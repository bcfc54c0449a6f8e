package autotls_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	autotls "github.com/makechat/makechat/tls"
	"github.com/stretchr/testify/assert"
)

func TestRedirect_SendsEveryRequestToTheSamePathOverHTTPS(t *testing.T) {
	for _, tc := range []struct {
		name         string
		host         string // configured domain
		port         int
		method, url  string
		reqHost      string
		wantCode     int
		wantLocation string
	}{
		{"GET to the domain", "chat.example.org", 443, "GET", "/api/ping?x=1&y=%20", "chat.example.org", 301, "https://chat.example.org/api/ping?x=1&y=%20"},
		{"HEAD", "chat.example.org", 443, "HEAD", "/", "chat.example.org", 301, "https://chat.example.org/"},
		{"POST keeps its method", "chat.example.org", 443, "POST", "/api/rooms", "chat.example.org", 308, "https://chat.example.org/api/rooms"},
		{"domain wins over a forged Host", "chat.example.org", 443, "GET", "/a", "evil.example", 301, "https://chat.example.org/a"},
		{"another HTTPS port", "chat.example.org", 8443, "GET", "/a", "chat.example.org", 301, "https://chat.example.org:8443/a"},
		{"request's host without its port", "", 443, "GET", "/a", "files.example.org:80", 301, "https://files.example.org/a"},
		{"IPv6 request host", "", 443, "GET", "/a", "[::1]:80", 301, "https://[::1]/a"},
		{"IPv6 request host and port", "", 8443, "GET", "/a", "[::1]", 301, "https://[::1]:8443/a"},
		{"no host at all", "", 443, "GET", "/a", "", 400, ""},
		{"hostile host", "", 443, "GET", "/a", "evil.example/@x", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.url, nil)
			req.Host = tc.reqHost
			w := httptest.NewRecorder()
			autotls.Redirect(tc.host, tc.port).ServeHTTP(w, req)
			assert.Equal(t, tc.wantCode, w.Code)
			assert.Equal(t, tc.wantLocation, w.Header().Get("Location"))
		})
	}
}

func TestHSTS_OnlyOverTLS(t *testing.T) {
	h := autotls.HSTS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))

	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, httptest.NewRequest("GET", "/", nil))
	assert.Empty(t, plain.Header().Get("Strict-Transport-Security"))

	secure := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.TLS = &tls.ConnectionState{}
	h.ServeHTTP(secure, req)
	v := secure.Header().Get("Strict-Transport-Security")
	assert.Equal(t, autotls.HSTSValue, v)
	assert.True(t, strings.HasPrefix(v, "max-age="))
	assert.NotContains(t, v, "includeSubDomains")
}
