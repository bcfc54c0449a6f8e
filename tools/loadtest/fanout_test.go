package main

import (
	"math"
	"testing"
	"time"
)

func TestParseMark_ReadsWhatMarkedTextWrote(t *testing.T) {
	sent := time.Unix(0, math.MaxInt64-1)
	frame := []byte(`{"event": "message.created", "data": {"text": "` + markedText(phasePaced, 4321, sent, "paced") + `"}}`)
	phase, seq, ns, ok := parseMark(frame)
	if !ok || phase != phasePaced || seq != 4321 || ns != sent.UnixNano() {
		t.Fatalf("parseMark = %d, %d, %d, %v; want %d, 4321, %d, true", phase, seq, ns, ok, phasePaced, sent.UnixNano())
	}
}

func TestParseMark_RejectsOtherFrames(t *testing.T) {
	for _, frame := range []string{
		`{"event": "member.added", "data": {}}`,
		`{"text": "LT|1|2|"}`,
		`{"text": "LT|1|x|3|"}`,
		`{"text": "LT|1|2|99999999999999999999|"}`,
	} {
		if _, _, _, ok := parseMark([]byte(frame)); ok {
			t.Errorf("parseMark(%s) accepted it", frame)
		}
	}
}
