package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Config is makechat's whole configuration. Load fills it; the rest of the
// application reads it and never looks at the environment itself.
type Config struct {
	Listen            string        // listen
	DataDir           string        // data_dir, always absolute after Load
	MongoURI          string        // mongo_uri
	NATSURL           string        // nats_url
	NATSEmbedded      bool          // nats_embedded
	NATSClusterListen string        // nats_cluster_listen: host:port of the embedded server's routes
	NATSClusterPeers  []string      // nats_cluster_peers: host:port of the other nodes' routes
	SecretKey         string        // secret_key; see EnsureSecret
	SessionTTL        time.Duration // session_ttl
	AllowRegistration bool          // allow_registration
	RoomCreation      string        // room_creation: "admins" or "users"
	BotCreation       string        // bot_creation: "admins" or "users"
	InvitesByOwners   bool          // invites_by_owners
	Domain            string        // domain
	ACMEEmail         string        // acme_email
	ACMECA            string        // acme_ca
	TLSCert           string        // tls_cert
	TLSKey            string        // tls_key
	TrustedProxies    []string      // trusted_proxies: IPs and CIDR ranges
	OutgoingAllow     []string      // outgoing_allow: inside addresses, ranges and hosts outgoing requests may reach
	WebCustomDir      string        // web_custom_dir
	BackupDir         string        // backup_dir; Load sets DataDir/backups when empty
	BackupInterval    time.Duration // backup_interval; 0 means no scheduled backups
	BackupKeep        int           // backup_keep
	LogLevel          string        // log_level: trace, debug, info, warn or error
	LogFormat         string        // log_format: "" (auto), "json" or "console"

	// Limits that keep one client or account from taking the server; a
	// cap of 0 is off. Administrators are exempt from the per-user ones.
	MaxConnections    int           // max_connections; -1 is auto: the server sizes it from its open-file limit
	MaxStreamsPerUser int           // max_streams_per_user
	PostsPerSecond    float64       // posts_per_second, per user
	PostBurst         int           // post_burst
	RoomMentionLimit  int           // room_mention_limit
	TypingPerSecond   float64       // typing_per_second, per user
	StreamMaxLag      time.Duration // stream_max_lag: a stream this far behind is dropped
	PresenceAway      time.Duration // presence_away
	StreamMaxBacklog  int           // stream_max_backlog, bytes
	UploadMaxBytes    int64         // upload_max_bytes; 0 turns uploads off
	UploadQuota       int64         // upload_quota, bytes per user; 0 is none
	UploadDiskFloor   int64         // upload_disk_floor, bytes free below which uploads are refused
	LinkPreviews      bool          // link_previews

	// ConfigFile is the file that was read, "" if none.
	ConfigFile string
	// Origins says, for each option key, the value as it was given and
	// where it came from (see Setting); Load fills it.
	Origins map[string]Origin
	// Unknown lists the keys of the config file that no option has, in the
	// order first met, so that the caller can warn about them. They are not
	// an error because the original makechat.conf may hold keys that this
	// version does not use.
	Unknown []string
}

// Origin is where an option's value came from: "default", the config
// file and line ("/etc/makechat/makechat.conf:4"), an environment
// variable ("MAKECHAT_LISTEN") or a flag ("--listen"), with the value as
// it was written there.
type Origin struct {
	Value  string
	Source string
}

// lookupFunc reads one environment variable, as os.LookupEnv does.
type lookupFunc = func(string) (string, bool)

// defaultConfigPaths lists, in order, the files Load tries when no file is
// given; home is the user's home directory ("" to skip that entry).
func defaultConfigPaths(home string) []string {
	paths := []string{"makechat.conf"}
	if home != "" {
		paths = append(paths, filepath.Join(home, "makechat.conf"))
	}
	return append(paths, "/etc/makechat/makechat.conf")
}

// DefaultDataDir returns the data directory used when data_dir is not set:
// $XDG_DATA_HOME/makechat, else $HOME/.local/share/makechat, else
// ./makechat-data.
func DefaultDataDir() string {
	return defaultDataDir(os.LookupEnv)
}

func defaultDataDir(env lookupFunc) string {
	// The XDG base directory spec says to ignore a relative XDG_DATA_HOME.
	if xdg, _ := env("XDG_DATA_HOME"); filepath.IsAbs(xdg) {
		return filepath.Join(xdg, "makechat")
	}
	if home, _ := env("HOME"); home != "" {
		return filepath.Join(home, ".local", "share", "makechat")
	}
	return filepath.Join(".", "makechat-data")
}

// Defaults returns a Config with every option at its default. BackupDir is
// left empty, its default, because it follows DataDir; Load resolves it.
func Defaults() Config {
	c, _ := defaults(Options())
	return c
}

// defaults applies every option's default. The only default that can fail
// is data_dir, when the working directory is gone and it is relative.
func defaults(opts []Option) (Config, error) {
	var c Config
	for _, o := range opts {
		if err := o.set(&c, o.Default); err != nil {
			return c, &Error{Key: o.Key, Value: o.Default, Source: "default", Secret: o.Secret, Err: err}
		}
	}
	return c, nil
}

// Load builds the configuration from, lowest to highest: the defaults, the
// config file, the environment and the flags.
//
// file is the path given with --config; when it is "", the first of
// ./makechat.conf, ~/makechat.conf and /etc/makechat/makechat.conf that
// exists is read, and none is fine. An explicit file that does not exist is
// an error.
//
// env looks up an environment variable (os.LookupEnv in production). A
// variable set to the empty string counts as unset, so that a compose
// file's "MAKECHAT_X=${X}" with X unset does not override the config file.
//
// flags maps option keys (underscores or dashes) to the values of the flags
// the user set; an empty value there does count. A "config" entry is
// ignored, since file carries it.
//
// The first bad value stops loading with an *Error, whose message is one
// line naming the key and where the value came from; the Config returned
// with any error is the zero Config.
func Load(file string, env func(string) (string, bool), flags map[string]string) (Config, error) {
	home, _ := env("HOME")
	return load(file, env, flags, defaultConfigPaths(home))
}

// load is Load with the searched paths given, so that tests do not depend
// on files of the machine they run on.
func load(file string, env lookupFunc, flags map[string]string, search []string) (Config, error) {
	opts := options(env)
	byKey := make(map[string]*Option, len(opts))
	for i := range opts {
		byKey[opts[i].Key] = &opts[i]
	}

	c, err := defaults(opts)
	if err != nil {
		return Config{}, err
	}
	// Where each value came from, for `makechat config` and for errors
	// that involve two keys.
	c.Origins = make(map[string]Origin, len(opts))
	for _, o := range opts {
		c.Origins[o.Key] = Origin{Value: o.Default, Source: "default"}
	}
	sources := func(key string) string { return c.Origins[key].Source }

	apply := func(o *Option, value, source string) error {
		err := checkValue(value)
		if err == nil {
			err = o.set(&c, value)
		}
		if err != nil {
			return &Error{Key: o.Key, Value: value, Source: source, Secret: o.Secret, Err: err}
		}
		c.Origins[o.Key] = Origin{Value: value, Source: source}
		return nil
	}

	path, err := findFile(file, search)
	if err != nil {
		return Config{}, err
	}
	if path != "" {
		entries, err := readFile(path)
		if err != nil {
			return Config{}, err
		}
		c.ConfigFile = path
		for _, e := range entries {
			o, ok := byKey[e.key]
			if !ok {
				if !slices.Contains(c.Unknown, e.key) {
					c.Unknown = append(c.Unknown, e.key)
				}
				continue
			}
			if err := apply(o, e.value, fmt.Sprintf("%s:%d", path, e.line)); err != nil {
				return Config{}, err
			}
		}
	}

	for i := range opts {
		o := &opts[i]
		if v, ok := env(o.Env); ok && v != "" {
			if err := apply(o, v, o.Env); err != nil {
				return Config{}, err
			}
		}
	}

	// Sorted, so that the same flags always give the same first error.
	for _, k := range slices.Sorted(maps.Keys(flags)) {
		key := strings.ReplaceAll(strings.ToLower(k), "-", "_")
		if key == "config" {
			continue
		}
		o, ok := byKey[key]
		if !ok {
			return Config{}, fmt.Errorf("config: --%s is not an option", sanitize(k))
		}
		if err := apply(o, flags[k], "--"+o.Flag); err != nil {
			return Config{}, err
		}
	}

	if (c.TLSCert == "") != (c.TLSKey == "") {
		set, unset := "tls_cert", "tls_key"
		value := c.TLSCert
		if c.TLSCert == "" {
			set, unset, value = unset, set, c.TLSKey
		}
		return Config{}, &Error{Key: set, Value: value, Source: sources(set), Err: fmt.Errorf("%s must be set too (both or neither)", unset)}
	}
	if c.Domain != "" && c.TLSCert != "" {
		return Config{}, &Error{Key: "tls_cert", Value: c.TLSCert, Source: sources("tls_cert"),
			Err: fmt.Errorf("domain is set too (from %s); use domain for automatic certificates or tls_cert/tls_key for your own, not both", sanitize(sources("domain")))}
	}
	if c.NATSEmbedded && c.NATSURL != "" {
		return Config{}, &Error{Key: "nats_embedded", Value: "true", Source: sources("nats_embedded"),
			Err: fmt.Errorf("nats_url is set too (from %s): run NATS inside each node or use NATS servers, not both", sanitize(sources("nats_url")))}
	}
	if len(c.NATSClusterPeers) > 0 && !c.NATSEmbedded {
		return Config{}, &Error{Key: "nats_cluster_peers", Value: strings.Join(c.NATSClusterPeers, ","), Source: sources("nats_cluster_peers"),
			Err: errors.New("needs nats_embedded = true: the peers are those of the NATS server inside each node")}
	}
	if c.BackupDir == "" {
		c.BackupDir = filepath.Join(c.DataDir, "backups")
		c.Origins["backup_dir"] = Origin{Value: c.BackupDir, Source: "default (data_dir/backups)"}
	}
	c.Origins["data_dir"] = Origin{Value: c.DataDir, Source: c.Origins["data_dir"].Source}
	return c, nil
}

// Clustered reports whether this node is one of several on one MongoDB,
// passing events over NATS (nats_url or nats_embedded).
func (c Config) Clustered() bool { return c.NATSURL != "" || c.NATSEmbedded }

// Setting is one option's line of the effective configuration.
type Setting struct {
	Key, Value, Source string
}

// Settings lists the effective configuration in the option table's order:
// each option's value as given and where it came from. Secret values
// (secret_key, the password in mongo_uri) are masked.
func (c Config) Settings() []Setting {
	var out []Setting
	for _, o := range Options() {
		origin, ok := c.Origins[o.Key]
		if !ok {
			continue
		}
		v := origin.Value
		if o.Secret && v != "" {
			v = mask(o.Key, v)
		}
		out = append(out, Setting{Key: o.Key, Value: v, Source: origin.Source})
	}
	return out
}

// mask hides a secret value: a MongoDB URI keeps all but its password,
// which helps to tell which server it names; anything else shows nothing
// but that it is set.
func mask(key, v string) string {
	if key == "mongo_uri" {
		u, err := url.Parse(v)
		if err != nil {
			return "****"
		}
		if u.User == nil {
			return v
		}
		if _, has := u.User.Password(); !has {
			return v
		}
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		return strings.Replace(u.String(), ":xxxxx@", ":****@", 1)
	}
	return "****"
}

// checkValue holds back what no option accepts, before any option parses
// it: over-long values, invalid UTF-8 and control characters such as NUL,
// which would otherwise reach file names, URLs and logs.
func checkValue(v string) error {
	switch {
	case len(v) > maxValueLen:
		return fmt.Errorf("longer than %d bytes", maxValueLen)
	case !utf8.ValidString(v):
		return errors.New("not valid UTF-8")
	case strings.ContainsFunc(v, unicode.IsControl):
		return errors.New("contains a control character")
	}
	return nil
}

// findFile returns the config file to read: the explicit one, which must
// exist, or the first of search that exists, or "" for none.
func findFile(file string, search []string) (string, error) {
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("config: config file: %w", err)
		}
		return absPath(file)
	}
	for _, p := range search {
		_, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			// A file that is there but cannot be read is reported rather
			// than skipped, so that its settings are not silently lost.
			return "", fmt.Errorf("config: config file: %w", err)
		}
		return absPath(p)
	}
	return "", nil
}

func absPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("config: config file %s: %w", p, err)
	}
	return abs, nil
}
