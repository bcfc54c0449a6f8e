package main

// makechat today: coder/websocket, the handler goroutine writes (events,
// pings every 30 s with a pong timeout), a second goroutine reads.

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

type coderS struct {
	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}
	stop  chan struct{}
}

func newCoder() *coderS {
	return &coderS{conns: map[*websocket.Conn]struct{}{}, stop: make(chan struct{})}
}

func (s *coderS) serve(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	nOpen.Add(1)
	defer nOpen.Add(-1)
	conn.SetReadLimit(maxClientFrame)
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(r.Context()))
	defer stopReading()
	readDone := make(chan error, 1)
	go func() {
		for {
			if _, _, err := conn.Read(readCtx); err != nil {
				readDone <- err
				return
			}
		}
	}()
	ready := make(chan struct{}, 1) // stands for hub.Client.Ready()
	ping := time.NewTicker(*pingIv)
	defer ping.Stop()
	for {
		select {
		case <-ready:
		case <-ping.C:
			pctx, cancel := context.WithTimeout(r.Context(), *pongTO)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				conn.CloseNow()
				return
			}
		case <-readDone:
			conn.Close(websocket.StatusNormalClosure, "")
			return
		case <-s.stop:
			conn.Close(websocket.StatusGoingAway, "server shutting down")
			return
		}
	}
}

func (s *coderS) shutdown() {
	close(s.stop)
	for i := 0; i < 500 && nOpen.Load() > 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
}
