package autotls

import (
	"crypto/x509"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// HSTSValue is the Strict-Transport-Security header HSTS sends: browsers
// use HTTPS only for this host for a year. It leaves out
// includeSubDomains and preload, which would bind other names of the
// domain that makechat does not serve.
const HSTSValue = "max-age=31536000"

// HSTS adds the Strict-Transport-Security header to responses sent over
// TLS. Browsers ignore the header unless the connection's certificate
// was valid, so it takes effect only once HTTPS really works.
func HSTS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", HSTSValue)
		}
		next.ServeHTTP(w, r)
	})
}

// Redirect sends a plain-HTTP request to the same path and query over
// HTTPS: 301 for GET and HEAD, 308 for other methods, which keeps the
// method and body (an API client's POST still arrives as a POST).
//
// host is the name to redirect to; when it is "" the request's own host
// is used (without its port). httpsPort is added to the URL unless it is
// 443.
func Redirect(host string, httpsPort int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := host
		if h == "" {
			h = hostOnly(r.Host)
		}
		if h == "" {
			http.Error(w, "Use HTTPS.", http.StatusBadRequest)
			return
		}
		if httpsPort != 443 && httpsPort != 0 {
			h = net.JoinHostPort(h, strconv.Itoa(httpsPort))
		} else if strings.Contains(h, ":") {
			h = "[" + h + "]" // an IPv6 address
		}
		code := http.StatusPermanentRedirect
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			code = http.StatusMovedPermanently
		}
		// Nothing more is read from this plain connection.
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, "https://"+h+r.URL.RequestURI(), code)
	})
}

// hostOnly is the host of a Host header, without port or IPv6 brackets;
// "" if it is not a plausible host.
func hostOnly(hostport string) string {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" || strings.ContainsAny(h, "/\\@?#% ") {
		return ""
	}
	return h
}

// URL is the address users open: https://NAME/, with the port unless it
// is 443. NAME is the domain, else the certificate's first DNS name that
// is not a wildcard, else the listener's host.
func (m *Manager) URL(httpsAddr net.Addr) string {
	host, port := splitAddr(httpsAddr)
	switch {
	case m.opts.Domain != "":
		host = m.opts.Domain
	case m.files != nil && certName(m.files.leaf()) != "":
		host = certName(m.files.leaf())
	case host == "":
		host = "localhost"
	}
	if port != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "https://" + host + "/"
}

// certName is the first DNS name of c that is not a wildcard, or "".
func certName(c *x509.Certificate) string {
	for _, n := range c.DNSNames {
		if !strings.HasPrefix(n, "*") {
			return n
		}
	}
	return ""
}
