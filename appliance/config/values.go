package config

// The parsers behind the option table's set functions: each reads one
// value, checks it, and stores it in the Config.

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/makechat/makechat/appliance/egress"
)

func setListen(c *Config, v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("not host:port, e.g. 127.0.0.1:8080 or :8080")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil && checkHostname(host) != nil {
			return fmt.Errorf("host %q is neither an IP address nor a host name", host)
		}
	}
	c.Listen = v
	return nil
}

func setDataDir(c *Config, v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return fmt.Errorf("cannot make it absolute: %w", err)
	}
	c.DataDir = abs
	return nil
}

// setPath stores a file path made absolute, so that a file named relative
// to the directory makechat was started in is found again on a reload.
func setPath(dst *string, v string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return fmt.Errorf("cannot make it absolute: %w", err)
	}
	*dst = abs
	return nil
}

func setMongoURI(c *Config, v string) error {
	if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
		return errors.New("must start with mongodb:// or mongodb+srv://")
	}
	c.MongoURI = v
	return nil
}

// setNATSURL takes what nats.go takes: nats:// or tls:// URLs,
// comma-separated.
func setNATSURL(c *Config, v string) error {
	for u := range strings.SplitSeq(v, ",") {
		if u = strings.TrimSpace(u); v != "" && !strings.HasPrefix(u, "nats://") && !strings.HasPrefix(u, "tls://") {
			return fmt.Errorf("%q: each server must start with nats:// or tls://", u)
		}
	}
	c.NATSURL = v
	return nil
}

// setHostPort takes host:port (the host may be empty: every address).
func setHostPort(set func(*Config, string)) func(*Config, string) error {
	return func(c *Config, v string) error {
		if err := checkHostPort(v); err != nil {
			return err
		}
		set(c, v)
		return nil
	}
}

func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("not host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("the port must be a number from 1 to 65535")
	}
	return nil
}

// setPeers takes host:port addresses, comma-separated.
func setPeers(c *Config, v string) error {
	var peers []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if err := checkHostPort(p); err != nil {
			return fmt.Errorf("%q: %w", p, err)
		}
		peers = append(peers, p)
	}
	c.NATSClusterPeers = peers
	return nil
}

// setSessionTTL takes whole seconds, as the original makechat.conf does,
// or a Go duration.
func setSessionTTL(c *Config, v string) error {
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Compare before multiplying, so that a huge number cannot
		// overflow into an acceptable one.
		if n > int64(maxSessionTTL/time.Second) {
			return errors.New("longer than one year")
		}
		d = time.Duration(n) * time.Second
	} else if pd, err := time.ParseDuration(v); err == nil {
		d = pd
	} else {
		return errors.New("not a number of seconds")
	}
	switch {
	case d <= 0:
		return errors.New("must be more than 0")
	case d > maxSessionTTL:
		return errors.New("longer than one year")
	}
	c.SessionTTL = d
	return nil
}

func setAllowRegistration(c *Config, v string) error {
	b, err := parseBool(v)
	if err != nil {
		return err
	}
	c.AllowRegistration = b
	return nil
}

// parseBool accepts the spellings Python's configparser accepts, so that
// the original makechat.conf keeps its meaning.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, errors.New("not a boolean (true/false, yes/no, on/off, 1/0)")
}

func setDomain(c *Config, v string) error {
	if v != "" {
		if strings.Contains(v, "://") {
			return errors.New("must be a bare host name, without a scheme such as https://")
		}
		if strings.Contains(v, ":") {
			return errors.New("must be a bare host name, without a port")
		}
		if err := checkHostname(v); err != nil {
			return err
		}
	}
	c.Domain = strings.ToLower(v)
	return nil
}

// checkHostname accepts names made of dot-separated labels of letters,
// digits and inner hyphens, as DNS host names are.
func checkHostname(v string) error {
	if len(v) > 253 {
		return errors.New("host name longer than 253 characters")
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("not a host name: each dot-separated part must have 1 to 63 characters")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("not a host name: a part may not begin or end with a hyphen")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("not a host name: %q is not allowed in one", r)
			}
		}
	}
	return nil
}

func setACMEEmail(c *Config, v string) error {
	if v != "" {
		addr, err := mail.ParseAddress(v)
		if err != nil || addr.Name != "" || addr.Address != v {
			return errors.New("not a plain email address such as admin@example.com")
		}
	}
	c.ACMEEmail = v
	return nil
}

func setACMECA(c *Config, v string) error {
	if v != "" {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return errors.New("not an https:// URL")
		}
	}
	c.ACMECA = v
	return nil
}

func setTrustedProxies(c *Config, v string) error {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if _, err := netip.ParsePrefix(item); err != nil {
			if _, err := netip.ParseAddr(item); err != nil {
				return fmt.Errorf("%q is neither an IP address nor a CIDR range", item)
			}
		}
		out = append(out, item)
	}
	c.TrustedProxies = out
	return nil
}

func setOutgoingAllow(c *Config, v string) error {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	if _, err := egress.New(egress.Policy{Allow: out}); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "outgoing_allow: "))
	}
	c.OutgoingAllow = out
	return nil
}

func setBackupInterval(c *Config, v string) error {
	var d time.Duration
	if v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return errors.New("not a duration such as 24h or 30m")
		}
	}
	switch {
	case d < 0:
		return errors.New("must not be negative")
	case d > 0 && d < minBackupInterval:
		return fmt.Errorf("shorter than %v; use 0 to turn scheduled backups off", minBackupInterval)
	}
	c.BackupInterval = d
	return nil
}

func setBackupKeep(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not a whole number")
	}
	if n < 1 {
		return errors.New("must be at least 1")
	}
	c.BackupKeep = n
	return nil
}

func setLogLevel(c *Config, v string) error {
	v = strings.ToLower(v)
	switch v {
	case "trace", "debug", "info", "warn", "error":
		c.LogLevel = v
		return nil
	}
	return errors.New("not one of trace, debug, info, warn, error")
}

func setLogFormat(c *Config, v string) error {
	v = strings.ToLower(v)
	switch v {
	case "", "json", "console":
		c.LogFormat = v
		return nil
	case "auto":
		c.LogFormat = ""
		return nil
	}
	return errors.New("not one of json, console, auto (or empty)")
}

// setMaxConnections takes auto (Load sizes it), 0 for no cap, or a
// number of connections.
func setMaxConnections(c *Config, v string) error {
	if strings.EqualFold(v, "auto") || v == "" {
		c.MaxConnections = -1
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not auto or a whole number")
	}
	if n < 0 {
		return errors.New("must not be negative (0 is no cap)")
	}
	if n > 0 && n < 16 {
		return errors.New("must be at least 16 (0 is no cap)")
	}
	c.MaxConnections = n
	return nil
}

// setCount takes a whole number of at least 0 (0 being no cap).
func setCount(dst *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not a whole number")
	}
	if n < 0 {
		return errors.New("must not be negative (0 is no cap)")
	}
	*dst = n
	return nil
}

// setRate takes events per second, fractions allowed (0.5 is one every
// two seconds), 0 being no limit.
func setRate(dst *float64, v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != f {
		return errors.New("not a number")
	}
	if f < 0 || f > 1e6 {
		return errors.New("must be from 0 (no limit) to 1000000")
	}
	*dst = f
	return nil
}

func setPostBurst(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not a whole number")
	}
	if n < 1 || n > 1e6 {
		return errors.New("must be from 1 to 1000000")
	}
	c.PostBurst = n
	return nil
}

func setPresenceAway(c *Config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("not a duration such as 5m")
	}
	if d < 30*time.Second || d > 24*time.Hour {
		return errors.New("must be from 30s to 24h")
	}
	c.PresenceAway = d
	return nil
}

func setStreamMaxLag(c *Config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("not a duration such as 5s")
	}
	if d < time.Second || d > 5*time.Minute {
		return errors.New("must be from 1s to 5m")
	}
	c.StreamMaxLag = d
	return nil
}

func setStreamMaxBacklog(c *Config, v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	if n < 64<<10 || n > 256<<20 {
		return errors.New("must be from 64KiB to 256MiB")
	}
	c.StreamMaxBacklog = int(n)
	return nil
}

// setBytes reads a byte count for an upload limit.
func setBytes(dst *int64, v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*dst = n
	return nil
}

// parseSize reads a byte count, bare or with a KiB, MiB or GiB suffix.
func parseSize(v string) (int64, error) {
	mult := int64(1)
	num := v
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, errors.New("not a size such as 1048576, 512KiB, 1MiB or 2GiB")
	}
	return n * mult, nil
}

// setWho reads who may do something: admins or users.
func setWho(dst *string, v string) error {
	switch strings.ToLower(v) {
	case "admins", "users":
		*dst = strings.ToLower(v)
		return nil
	}
	return errors.New("not admins or users")
}
