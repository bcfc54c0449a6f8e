package autotls

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newACME sets up certmagic with its own cache and storage, so that
// nothing of it is shared through certmagic's package-level defaults.
func newACME(opts Options) *Manager {
	m := &Manager{opts: opts}
	zl := zap.New(debugCore{log: opts.Log})
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		Logger:           zl,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: filepath.Join(opts.DataDir, certDir)},
		Logger:  zl,
		OnEvent: m.event,
		// Only the events logged below are built.
		ShouldEmitFunc:    func(name string) bool { return strings.HasPrefix(name, "cert_") },
		DefaultServerName: opts.Domain, // for clients that send no SNI
	})
	ca := opts.CA
	if ca == "" {
		ca = LetsEncrypt
	}
	m.issuer = certmagic.NewACMEIssuer(m.magic, certmagic.ACMEIssuer{
		CA:           ca,
		Email:        opts.Email,
		Agreed:       true, // the operator agrees by setting domain; see docs/operations.md
		TrustedRoots: opts.Roots,
		Logger:       zl,
	})
	m.magic.Issuers = []certmagic.Issuer{m.issuer}
	return m
}

// event turns certmagic's events into one log line each: these are what
// an operator needs to see at the default level. certmagic's own, more
// detailed lines go to the debug level (debugCore).
func (m *Manager) event(_ context.Context, name string, data map[string]any) error {
	log := m.opts.Log
	switch name {
	case "cert_obtaining":
		ev := log.Info().Any("domain", data["identifier"]).Str("ca", m.issuer.CA)
		if renewal, _ := data["renewal"].(bool); renewal {
			left, _ := data["remaining"].(time.Duration)
			ev.Str("remaining", left.Round(time.Second).String()).Msg("renewing the HTTPS certificate")
		} else {
			ev.Msg("requesting an HTTPS certificate")
		}
	case "cert_obtained":
		log.Info().Any("domain", data["identifier"]).Any("renewal", data["renewal"]).
			Str("ca", m.issuer.CA).Msg("HTTPS certificate obtained")
	case "cert_failed":
		err, _ := data["error"].(error)
		msg := "could not get an HTTPS certificate; retrying in the background with backoff (until then HTTPS fails for this name, the HTTP port keeps redirecting)"
		if renewal, _ := data["renewal"].(bool); renewal {
			msg = "could not renew the HTTPS certificate; still serving the current one and retrying in the background with backoff"
		}
		log.Error().Err(err).Any("domain", data["identifier"]).Any("renewal", data["renewal"]).
			Str("ca", m.issuer.CA).Msg(msg)
	case "cert_ocsp_revoked":
		log.Error().Any("domain", data["subjects"]).Msg("the HTTPS certificate was revoked; getting a new one")
	}
	return nil
}

// debugCore is a zapcore.Core that writes certmagic's zap log entries to
// zerolog at the debug level, whatever their zap level: at the default
// level an operator sees the lines of Manager.event instead, one per
// event, rather than three lines for one failure.
type debugCore struct {
	log    zerolog.Logger
	fields []zapcore.Field
}

func (c debugCore) Enabled(zapcore.Level) bool {
	return c.log.GetLevel() <= zerolog.DebugLevel && zerolog.GlobalLevel() <= zerolog.DebugLevel
}

func (c debugCore) With(fields []zapcore.Field) zapcore.Core {
	return debugCore{log: c.log, fields: append(slices.Clone(c.fields), fields...)}
}

func (c debugCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c debugCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	for k, v := range enc.Fields {
		// zerolog writes a Duration as a number; keep it readable.
		if d, ok := v.(time.Duration); ok {
			enc.Fields[k] = d.String()
		}
	}
	c.log.Debug().Str("component", "certmagic").Str("zap_level", e.Level.String()).
		Fields(enc.Fields).Msg(e.Message)
	return nil
}

func (debugCore) Sync() error { return nil }
