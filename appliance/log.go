package appliance

import (
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/makechat/makechat/appliance/config"
	"github.com/rs/zerolog"
)

// NewLogger builds the logger the configuration asks for: JSON lines, or
// coloured console lines; by default console on a terminal and JSON
// otherwise (under systemd or Docker).
func NewLogger(cfg config.Config, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil || cfg.LogLevel == "" {
		level = zerolog.InfoLevel
	}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "console"
		}
	}
	out := w
	if format == "console" {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newStdLogger routes net/http's own complaints (TLS handshakes, bad
// requests) into the structured log.
func newStdLogger(l zerolog.Logger) *log.Logger {
	return log.New(lineWriter{l}, "", 0)
}

type lineWriter struct{ l zerolog.Logger }

func (w lineWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	ev := w.l.Warn()
	if strings.Contains(msg, "TLS handshake error") {
		// Scanners, old clients and clients that distrust the
		// certificate cause these all day on a public port; nothing to act on.
		ev = w.l.Debug()
	}
	ev.Str("source", "net/http").Msg(msg)
	return len(p), nil
}
