package main

// Minimal server-side RFC 6455 codec: handshake on a hijacked net/http
// connection, unmasked frame encoding (many frames appended into ONE
// buffer => one write(2)), and an incremental parser for small masked
// client frames (no extensions, text/close/ping/pong, fragments refused).

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"strings"
)

const (
	opCont  = 0x0
	opText  = 0x1
	opBin   = 0x2
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

const maxClientFrame = 4 << 10

func tokenIn(h http.Header, name, tok string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), tok) {
				return true
			}
		}
	}
	return false
}

// upgrade answers the handshake itself and returns the raw connection
// (a *net.TCPConn or a *tls.Conn); any bytes the client pipelined after
// the request are returned too. net/http's bufio reader/writer are
// dropped, so nothing per-connection stays allocated but the conn.
func upgrade(w http.ResponseWriter, r *http.Request) (net.Conn, []byte, error) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if r.Method != http.MethodGet || !tokenIn(r.Header, "Connection", "upgrade") ||
		!tokenIn(r.Header, "Upgrade", "websocket") || r.Header.Get("Sec-WebSocket-Version") != "13" || key == "" {
		http.Error(w, "websocket upgrade required", http.StatusUpgradeRequired)
		return nil, nil, errors.New("not an upgrade")
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var extra []byte
	if n := brw.Reader.Buffered(); n > 0 {
		extra, _ = brw.Reader.Peek(n)
		extra = append([]byte(nil), extra...)
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n"
	if _, err := conn.Write([]byte(resp)); err != nil {
		conn.Close()
		return nil, nil, err
	}
	_ = bufio.ErrBufferFull
	return conn, extra, nil
}

// appendFrame appends one unmasked, final frame.
func appendFrame(dst []byte, op byte, p []byte) []byte {
	n := len(p)
	switch {
	case n < 126:
		dst = append(dst, 0x80|op, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 0x80|op, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|op, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, p...)
}

// appendClose appends a close frame with code and reason (reason cut to
// fit the 125-byte control payload).
func appendClose(dst []byte, code uint16, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	p := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(p, code)
	return appendFrame(dst, opClose, append(p, reason...))
}

var errProto = errors.New("websocket protocol error")
var errTooBig = errors.New("websocket frame too big")

// parseFrame parses one complete masked client frame from b. It returns
// the number of bytes consumed (0: need more), the opcode and the
// unmasked payload (in place).
func parseFrame(b []byte) (n int, op byte, payload []byte, err error) {
	if len(b) < 2 {
		return 0, 0, nil, nil
	}
	fin, rsv, op := b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0F
	masked, l := b[1]&0x80 != 0, int(b[1]&0x7F)
	if rsv != 0 || !masked || !fin || op == opCont || (op > opBin && op < opClose) || op > opPong {
		return 0, 0, nil, errProto // no fragments: client frames are tiny
	}
	h := 2
	switch l {
	case 126:
		if len(b) < 4 {
			return 0, 0, nil, nil
		}
		l, h = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		return 0, 0, nil, errTooBig
	}
	if op >= opClose && l > 125 {
		return 0, 0, nil, errProto
	}
	if l > maxClientFrame {
		return 0, 0, nil, errTooBig
	}
	if len(b) < h+4+l {
		return 0, 0, nil, nil
	}
	mask := b[h : h+4]
	payload = b[h+4 : h+4+l]
	for i := range payload {
		payload[i] ^= mask[i&3]
	}
	return h + 4 + l, op, payload, nil
}
