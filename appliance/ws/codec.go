package ws

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Opcodes (RFC 6455 §5.2).
const (
	opContinue = 0x0
	opText     = 0x1
	opBinary   = 0x2
	opClose    = 0x8
	opPing     = 0x9
	opPong     = 0xA
)

// Close codes (RFC 6455 §7.4.1).
const (
	CloseNormal      = 1000
	CloseGoingAway   = 1001
	CloseProtocol    = 1002
	CloseUnsupported = 1003
	CloseInvalidData = 1007
	ClosePolicy      = 1008
	CloseTooBig      = 1009
)

// MaxClientFrame is the largest message a client may send, in one frame
// or in fragments: clients send only small events. A bigger one closes
// the stream with 1009.
const MaxClientFrame = 4 << 10

// ErrHandshake is Upgrade's error for a request that is not a version 13
// WebSocket handshake.
var ErrHandshake = errors.New("websocket: not a version 13 handshake with a key")

// IsUpgrade reports whether r asks for a WebSocket (RFC 6455: Connection
// holds the token "upgrade", Upgrade the token "websocket").
func IsUpgrade(r *http.Request) bool {
	return hasToken(r.Header, "Connection", "upgrade") && hasToken(r.Header, "Upgrade", "websocket")
}

func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// CheckHandshake returns ErrHandshake unless r is a GET asking for a
// version 13 WebSocket with a key (16 bytes in base64): what Upgrade
// needs before it answers. A refusal should say Sec-WebSocket-Version:
// 13 (RFC 6455 §4.4).
func CheckHandshake(r *http.Request) error {
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	if r.Method != http.MethodGet || !IsUpgrade(r) || r.Header.Get("Sec-WebSocket-Version") != "13" || err != nil || len(key) != 16 {
		return ErrHandshake
	}
	return nil
}

// Upgrade answers a handshake that CheckHandshake accepted and returns
// the connection, taken from net/http with nothing of its buffers kept,
// and any bytes the client sent after its request.
func Upgrade(w http.ResponseWriter, r *http.Request) (net.Conn, []byte, error) {
	if err := CheckHandshake(r); err != nil {
		return nil, nil, err
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		early = append([]byte(nil), b...)
	}
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	h := w.Header() // what the middleware set (HSTS, …) goes too
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Accept", base64.StdEncoding.EncodeToString(sum[:]))
	answer := bytes.NewBufferString("HTTP/1.1 101 Switching Protocols\r\n")
	_ = h.Write(answer)
	answer.WriteString("\r\n")
	if _, err := nc.Write(answer.Bytes()); err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, early, nil
}

// AppendText appends p as one final, unmasked text frame.
func AppendText(dst, p []byte) []byte { return appendFrame(dst, opText, p) }

func appendFrame(dst []byte, op byte, p []byte) []byte {
	switch n := len(p); {
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

// frameSize is the size of p's frame.
func frameSize(p []byte) int {
	switch n := len(p); {
	case n < 126:
		return 2 + n
	case n <= 0xFFFF:
		return 4 + n
	default:
		return 10 + n
	}
}

// appendClose appends a close frame with code and reason, the reason
// cut to fit a control frame's 125 bytes at a character boundary.
func appendClose(dst []byte, code int, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	return appendFrame(dst, opClose, append(p, reason...))
}

// Why a client's frame is refused.
var (
	errProtocol = errors.New("websocket: protocol error")
	errTooBig   = errors.New("websocket: frame too big")
)

// parseFrame parses one masked client frame at the start of b: it
// returns how many bytes it took (0: b holds only part of it), whether
// it ends its message, its opcode and its payload, unmasked in place.
func parseFrame(b []byte) (n int, fin bool, op byte, payload []byte, err error) {
	if len(b) < 2 {
		return 0, false, 0, nil, nil
	}
	fin, rsv, op := b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0F
	masked, size := b[1]&0x80 != 0, int(b[1]&0x7F)
	control := op >= opClose
	switch {
	case rsv != 0 || !masked:
		return 0, false, 0, nil, errProtocol
	case op > opBinary && op < opClose, op > opPong:
		return 0, false, 0, nil, errProtocol
	case control && (size > 125 || !fin):
		return 0, false, 0, nil, errProtocol
	}
	head := 2
	switch size {
	case 126:
		if len(b) < 4 {
			return 0, false, 0, nil, nil
		}
		size, head = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		return 0, false, 0, nil, errTooBig
	}
	if size > MaxClientFrame {
		return 0, false, 0, nil, errTooBig
	}
	if len(b) < head+4+size {
		return 0, false, 0, nil, nil
	}
	mask := b[head : head+4]
	payload = b[head+4 : head+4+size]
	for i := range payload {
		payload[i] ^= mask[i&3]
	}
	return head + 4 + size, fin, op, payload, nil
}

// checkClose says what is wrong with a client's close frame's payload,
// as the close code to answer with (0: nothing).
func checkClose(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	if len(p) == 1 {
		return CloseProtocol
	}
	switch code := int(binary.BigEndian.Uint16(p)); {
	case code < 1000, code >= 1004 && code <= 1006, code >= 1012 && code < 3000, code >= 5000:
		return CloseProtocol
	}
	if !utf8.Valid(p[2:]) {
		return CloseInvalidData
	}
	return 0
}
