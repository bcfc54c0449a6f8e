package tlstest

import (
	"strings"
	"sync"
)

// Logs collects log lines (a zerolog writer) for assertions; it is safe
// for the concurrent writers certmagic's goroutines are.
type Logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(string(p)))
	return len(p), nil
}

// With returns the lines that contain every one of parts (all lines for
// none).
func (l *Logs) With(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, line := range l.lines {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}
