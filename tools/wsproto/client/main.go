// Opens -n WebSocket connections to -url and holds them idle, answering
// pings with pongs and close frames with close frames. Prints progress.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	n                   = flag.Int("n", 10000, "connections")
	target              = flag.String("url", "ws://127.0.0.1:8080/ws", "ws:// or wss://")
	par                 = flag.Int("par", 50, "parallel dials")
	open, pongs, closes atomic.Int64
)

func frame(op byte, p []byte) []byte {
	b := []byte{0x80 | op, 0x80 | byte(len(p)), 1, 2, 3, 4}
	for i, c := range p {
		b = append(b, c^b[2+i&3])
	}
	return b
}

func dial(u *url.URL) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	if u.Scheme == "wss" {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
		if err := tc.Handshake(); err != nil {
			return nil, nil, err
		}
		c = tc
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host)
	br := bufio.NewReaderSize(c, 512)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, " 101 ") {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %q %v", line, err)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		if l == "\r\n" {
			break
		}
	}
	return c, br, nil
}

func hold(c net.Conn, br *bufio.Reader) {
	defer c.Close()
	defer open.Add(-1)
	var h [10]byte
	for {
		if _, err := io.ReadFull(br, h[:2]); err != nil {
			return
		}
		l := int(h[1] & 0x7F)
		if l == 126 {
			io.ReadFull(br, h[2:4])
			l = int(binary.BigEndian.Uint16(h[2:4]))
		} else if l == 127 {
			io.ReadFull(br, h[2:10])
			l = int(binary.BigEndian.Uint64(h[2:10]))
		}
		p := make([]byte, l)
		if _, err := io.ReadFull(br, p); err != nil {
			return
		}
		switch h[0] & 0x0F {
		case 0x9:
			pongs.Add(1)
			c.Write(frame(0xA, p))
		case 0x8:
			closes.Add(1)
			c.Write(frame(0x8, p[:min(2, len(p))]))
			return
		}
	}
}

func main() {
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, *par)
	var fails atomic.Int64
	t0 := time.Now()
	for i := 0; i < *n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, br, err := dial(u)
			<-sem
			if err != nil {
				if fails.Add(1) < 5 {
					log.Print(err)
				}
				return
			}
			open.Add(1)
			go hold(c, br)
		}()
	}
	wg.Wait()
	log.Printf("OPEN %d (failed %d) in %v", open.Load(), fails.Load(), time.Since(t0))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(5 * time.Second)
	for {
		select {
		case <-sig:
			return
		case <-tick.C:
			log.Printf("open=%d pongs=%d closes=%d", open.Load(), pongs.Load(), closes.Load())
		}
	}
}
