// Prototype stream servers for makechat issue 17: a net/http server whose
// only route /ws upgrades and keeps the stream idle with pings.
//
//	-mode coder : github.com/coder/websocket, reader + writer goroutine per conn (makechat today)
//	-mode gor   : own codec, ONE goroutine per conn blocked in Read (header-sized buffer), writes from outside
//	-mode epoll : own codec, conn dup'd off the Go netpoller onto our own epoll (plain TCP only)
//	-mode nbio  : lesismal/nbio Upgrader.UpgradeAndTransferConnToPoller (std net/http hijack)
//
// GET /stats runs GC + FreeOSMemory and reports VmRSS, goroutines, conns.
// SIGTERM: close every stream with 1001 and print how long it took.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	mode    = flag.String("mode", "coder", "coder|gor|epoll|nbio")
	addr    = flag.String("addr", "127.0.0.1:8080", "listen address")
	useTLS  = flag.Bool("tls", false, "serve over crypto/tls (self-signed)")
	pingIv  = flag.Duration("ping", 30*time.Second, "ping interval")
	pongTO  = flag.Duration("pongtimeout", 10*time.Second, "pong timeout")
	nOpen   atomic.Int64
	started = time.Now()
)

func vmRSS() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
		}
	}
	return "?"
}

func stats(w http.ResponseWriter, r *http.Request) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	json.NewEncoder(w).Encode(map[string]any{
		"mode": *mode, "tls": *useTLS, "conns": nOpen.Load(), "goroutines": runtime.NumGoroutine(),
		"vmrss": vmRSS(), "heapInuseKiB": ms.HeapInuse >> 10, "stackInuseKiB": ms.StackInuse >> 10,
		"sysKiB": ms.Sys >> 10,
	})
}

// streamer is what each mode provides.
type streamer interface {
	serve(w http.ResponseWriter, r *http.Request)
	shutdown() // close all streams with 1001
}

func main() {
	flag.Parse()
	log.SetFlags(log.Lmicroseconds)
	var s streamer
	switch *mode {
	case "coder":
		s = newCoder()
	case "gor", "gorh":
		s = newGor()
	case "epoll":
		s = newEpoll()
	case "nbio":
		s = newNbio()
	default:
		log.Fatal("bad mode")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serve)
	mux.HandleFunc("/stats", stats)
	mux.Handle("/debug/pprof/", http.DefaultServeMux)
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *useTLS {
		ln = tls.NewListener(ln, selfSigned())
	}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		t0 := time.Now()
		n := nOpen.Load()
		s.shutdown()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		log.Printf("shutdown of %d streams took %v", n, time.Since(t0))
		os.Exit(0)
	}()
	log.Printf("mode=%s tls=%v listening on %s", *mode, *useTLS, ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	select {} // the signal goroutine exits
}

func selfSigned() *tls.Config {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		NextProtos: []string{"http/1.1"}, DynamicRecordSizingDisabled: true}
}

var _ = fmt.Sprint
