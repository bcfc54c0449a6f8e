package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/makechat/makechat/appliance/egress"
)

// Option is one setting of the table that [Options] returns. The loader,
// the command line's help and the docs are all derived from it, so a new
// setting is added here and nowhere else.
type Option struct {
	// Key is the name in the config file, e.g. "session_ttl".
	Key string
	// Env is the environment variable, e.g. "MAKECHAT_SESSION_TTL".
	Env string
	// Flag is the command-line flag without dashes in front, e.g.
	// "session-ttl". The loader also accepts the key spelled with
	// underscores.
	Flag string
	// Default is the value used when nothing else sets it, as text.
	Default string
	// Help is one sentence for --help and the docs.
	Help string
	// Secret marks values that must never be echoed, in errors or logs.
	Secret bool

	// docDefault, when not empty, replaces Default in the docs, for
	// defaults that depend on the machine (data_dir) or on another option.
	docDefault string
	// set parses and validates one value and stores it in the Config.
	set func(*Config, string) error
}

// Limits that keep a hostile or mistaken value from going further than the
// loader.
const (
	// maxValueLen bounds every value; it is PATH_MAX on Linux, ample for
	// any path, URI or key.
	maxValueLen = 4096
	// maxSessionTTL is the longest session_ttl accepted.
	maxSessionTTL = 365 * 24 * time.Hour
	// minBackupInterval keeps a typo such as "24s" from running a backup
	// every few seconds.
	minBackupInterval = time.Minute
)

// Options returns the option table, in the order the docs list it. Each
// call builds a fresh slice, so callers may modify it.
func Options() []Option {
	return options(os.LookupEnv)
}

// options builds the table; env is consulted only for the default data
// directory, so that tests can keep the real home directory out of it.
func options(env lookupFunc) []Option {
	opts := []Option{
		{
			Key:     "listen",
			Default: "127.0.0.1:8080",
			Help:    "Address and port the HTTP server listens on (host:port; the packages and the Docker image set :8080); not used when domain or tls_cert is set, which serve HTTPS on :443 and HTTP on :80.",
			set:     setListen,
		},
		{
			Key:        "data_dir",
			Default:    defaultDataDir(env),
			docDefault: "`$XDG_DATA_HOME/makechat`, else `~/.local/share/makechat`, else `./makechat-data`",
			Help:       "Directory for the embedded store, certificates, the secret key and the control socket.",
			set:        setDataDir,
		},
		{
			Key:    "mongo_uri",
			Help:   "MongoDB connection string (mongodb:// or mongodb+srv://); when set, MongoDB is the store instead of the embedded one.",
			Secret: true,
			set:    setMongoURI,
		},
		{
			Key:        "secret_key",
			docDefault: "generated once and kept in `<data_dir>/secret_key`",
			Help:       "Key that signs device cookies (a browser that logged in before is not locked out by others' failed logins); leave it unset to have one generated and kept in the data directory.",
			Secret:     true,
			set:        func(c *Config, v string) error { c.SecretKey = v; return nil },
		},
		{
			Key:     "session_ttl",
			Default: "3600",
			Help:    "Seconds a login session lasts (a Go duration such as 1h is accepted too), at most one year.",
			set:     setSessionTTL,
		},
		{
			Key:     "allow_registration",
			Default: "false",
			Help:    "Let anyone create an account from the login page (true/false, yes/no, on/off, 1/0).",
			set:     setAllowRegistration,
		},
		{
			Key:     "room_creation",
			Default: "admins",
			Help:    "Who may create rooms: admins (as in the original) or users (anyone with an account).",
			set:     setRoomCreation,
		},
		{
			Key:     "bot_creation",
			Default: "admins",
			Help:    "Who may make bot accounts (which act through API tokens only): admins, or users (anyone with an account, for the bots it owns).",
			set: func(c *Config, v string) error {
				switch strings.ToLower(v) {
				case "admins", "users":
					c.BotCreation = strings.ToLower(v)
					return nil
				}
				return errors.New("must be admins or users")
			},
		},
		{
			Key:     "invites_by_owners",
			Default: "false",
			Help:    "Let room owners make invite links to the rooms they own (administrators always may).",
			set: func(c *Config, v string) error {
				b, err := parseBool(v)
				c.InvitesByOwners = b
				return err
			},
		},
		{
			Key:  "domain",
			Help: "Public host name; when set, makechat serves HTTPS on :443 (and HTTP on :80 for the ACME challenge and the redirect to HTTPS) with a certificate it gets and renews automatically.",
			set:  setDomain,
		},
		{
			Key:  "acme_email",
			Help: "Email address given to the certificate authority for expiry and account notices.",
			set:  setACMEEmail,
		},
		{
			Key:  "acme_ca",
			Help: "ACME directory URL (https://) to get certificates from; empty means Let's Encrypt's production CA; e.g. Let's Encrypt staging or a private CA.",
			set:  setACMECA,
		},
		{
			Key:  "tls_cert",
			Help: "PEM certificate (chain) file to serve HTTPS with on :443 instead of automatic certificates; needs tls_key, excludes domain, reread on SIGHUP.",
			set:  func(c *Config, v string) error { return setPath(&c.TLSCert, v) },
		},
		{
			Key:  "tls_key",
			Help: "PEM private key file that goes with tls_cert, reread with it on SIGHUP.",
			set:  func(c *Config, v string) error { return setPath(&c.TLSKey, v) },
		},
		{
			Key:  "trusted_proxies",
			Help: "Comma-separated IP addresses or CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed.",
			set:  setTrustedProxies,
		},
		{
			Key:  "outgoing_allow",
			Help: "Comma-separated addresses, CIDR ranges and host names inside this server's network (loopback, private, link-local) that outgoing webhooks and commands may call; everything inside is refused otherwise.",
			set:  setOutgoingAllow,
		},
		{
			Key:        "max_connections",
			Default:    "auto",
			docDefault: "`auto`: nine tenths of the open-file limit",
			Help:       "Most client connections open at once (HTTP, HTTPS and streams together); past it new ones wait in the kernel's queue. auto sizes it from the open-file limit; 0 is no cap.",
			set:        setMaxConnections,
		},
		{
			Key:     "max_streams_per_user",
			Default: "32",
			Help:    "Most live streams (WebSockets) one user may have open at once; one more is closed with 1008. Administrators are exempt; 0 is no cap.",
			set:     func(c *Config, v string) error { return setCount(&c.MaxStreamsPerUser, v) },
		},
		{
			Key:     "posts_per_second",
			Default: "10",
			Help:    "Messages one user (or the webhooks it made) may post per second over time, beyond post_burst; past it, 429 with Retry-After. Administrators are exempt; 0 is no limit.",
			set:     func(c *Config, v string) error { return setRate(&c.PostsPerSecond, v) },
		},
		{
			Key:     "post_burst",
			Default: "50",
			Help:    "Messages one user may post at once before posts_per_second applies.",
			set:     setPostBurst,
		},
		{
			Key:     "typing_per_second",
			Default: "1",
			Help:    "Typing events one user may send per second, across all its streams (with a burst of 3); more are dropped. Administrators are exempt; 0 is no limit.",
			set:     func(c *Config, v string) error { return setRate(&c.TypingPerSecond, v) },
		},
		{
			Key:     "stream_max_lag",
			Default: "5s",
			Help:    "A stream whose oldest undelivered event is older than this is too slow and is dropped (its client resumes with ?since=); a Go duration from 1s to 5m.",
			set:     setStreamMaxLag,
		},
		{
			Key:     "stream_max_backlog",
			Default: "4MiB",
			Help:    "A stream whose undelivered events pass this many bytes is too slow and is dropped; bytes, or with KiB or MiB, from 64KiB to 256MiB. Events are shared between streams, so this bounds how far behind a stream may fall more than memory.",
			set:     setStreamMaxBacklog,
		},
		{
			Key:  "web_custom_dir",
			Help: "Directory whose files override the embedded web app's files of the same path.",
			set:  func(c *Config, v string) error { c.WebCustomDir = v; return nil },
		},
		{
			Key:        "backup_dir",
			docDefault: "`<data_dir>/backups`",
			Help:       "Directory that scheduled backups are written to.",
			set:        func(c *Config, v string) error { c.BackupDir = v; return nil },
		},
		{
			Key:     "backup_interval",
			Default: "0",
			Help:    "Time between scheduled backups as a Go duration such as 24h, at least 1m; 0 or empty turns them off.",
			set:     setBackupInterval,
		},
		{
			Key:     "backup_keep",
			Default: "7",
			Help:    "Number of scheduled backups kept; older ones are deleted.",
			set:     setBackupKeep,
		},
		{
			Key:     "log_level",
			Default: "info",
			Help:    "Least severe log level written: trace, debug, info, warn or error.",
			set:     setLogLevel,
		},
		{
			Key:        "log_format",
			docDefault: "auto",
			Help:       "Log format: json or console; empty or auto picks console on a terminal and json otherwise.",
			set:        setLogFormat,
		},
	}
	for i := range opts {
		opts[i].Env = "MAKECHAT_" + strings.ToUpper(opts[i].Key)
		opts[i].Flag = strings.ReplaceAll(opts[i].Key, "_", "-")
	}
	return opts
}

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

// parseSize reads a byte count, bare or with a KiB or MiB suffix.
func parseSize(v string) (int64, error) {
	mult := int64(1)
	num := v
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}} {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, errors.New("not a size such as 1048576, 512KiB or 1MiB")
	}
	return n * mult, nil
}

func setRoomCreation(c *Config, v string) error {
	switch strings.ToLower(v) {
	case "admins", "users":
		c.RoomCreation = strings.ToLower(v)
		return nil
	}
	return errors.New("not admins or users")
}
