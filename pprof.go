//go:build pprof

// Profiling for measurements: a binary built with -tags pprof serves
// net/http/pprof on MAKECHAT_PPROF (e.g. 127.0.0.1:6060). Release
// builds leave it out.
package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("MAKECHAT_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
