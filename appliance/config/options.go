package config

import (
	"os"
	"strings"
	"time"
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
			Key:  "nats_url",
			Help: "NATS servers (nats:// or tls:// URLs, comma-separated) through which several makechat nodes on one MongoDB pass each other's events; needs mongo_uri (the embedded store belongs to one process).",
			set:  setNATSURL,
		},
		{
			Key:     "nats_embedded",
			Default: "false",
			Help:    "Run a NATS server inside this node instead of using nats_url: the nodes' servers form one NATS cluster (see nats_cluster_peers), so a cluster needs only makechat and MongoDB. Needs mongo_uri.",
			set: func(c *Config, v string) error {
				b, err := parseBool(v)
				c.NATSEmbedded = b
				return err
			},
		},
		{
			Key:     "nats_cluster_listen",
			Default: "0.0.0.0:6222",
			Help:    "With nats_embedded, the host:port where this node's NATS server takes routes from the other nodes' (keep it on a private network: routes authenticate with a key derived from the cluster's secret_key, but are not encrypted).",
			set:     setHostPort(func(c *Config, v string) { c.NATSClusterListen = v }),
		},
		{
			Key:  "nats_cluster_peers",
			Help: "With nats_embedded, the other nodes' nats_cluster_listen addresses (host:port, comma-separated; listing this node too is harmless), so that one list serves every node.",
			set:  setPeers,
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
			set:     func(c *Config, v string) error { return setWho(&c.RoomCreation, v) },
		},
		{
			Key:     "bot_creation",
			Default: "admins",
			Help:    "Who may make bot accounts (which act through API tokens only): admins, or users (anyone with an account, for the bots it owns).",
			set:     func(c *Config, v string) error { return setWho(&c.BotCreation, v) },
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
			Key:     "room_mention_limit",
			Default: "50",
			Help:    "Rooms with more members than this notify everyone with @room (or @here) only when their owners or administrators write it; 0 lets anyone.",
			set:     func(c *Config, v string) error { return setCount(&c.RoomMentionLimit, v) },
		},
		{
			Key:     "typing_per_second",
			Default: "1",
			Help:    "Typing events one user may send per second, across all its streams (with a burst of 3); more are dropped. Administrators are exempt; 0 is no limit.",
			set:     func(c *Config, v string) error { return setRate(&c.TypingPerSecond, v) },
		},
		{
			Key:     "presence_away",
			Default: "5m",
			Help:    "A user whose open streams show no activity for this long is shown away (no stream at all: offline); a Go duration from 30s to 24h.",
			set:     setPresenceAway,
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
			Key:     "upload_max_bytes",
			Default: "25MiB",
			Help:    "Largest file one upload may be; bytes, or with KiB, MiB or GiB. A larger one is refused with 413 as it streams in, and nothing of it is kept. 0 turns uploads off.",
			set:     func(c *Config, v string) error { return setBytes(&c.UploadMaxBytes, v) },
		},
		{
			Key:     "upload_quota",
			Default: "1GiB",
			Help:    "Most that one user's files may take together; past it, uploads are refused with 413. Administrators are exempt; 0 is no quota.",
			set:     func(c *Config, v string) error { return setBytes(&c.UploadQuota, v) },
		},
		{
			Key:     "upload_disk_floor",
			Default: "1GiB",
			Help:    "Free space that data_dir's disk keeps: while less is free, uploads are refused with 507 (the embedded store only; with MongoDB the files are in its database). 0 is no floor.",
			set:     func(c *Config, v string) error { return setBytes(&c.UploadDiskFloor, v) },
		},
		{
			Key:     "link_previews",
			Default: "true",
			Help:    "Fetch the title, description and image of the first link in each message and show them under it (through the outgoing request policy: outgoing_allow applies; true/false).",
			set: func(c *Config, v string) (err error) {
				c.LinkPreviews, err = parseBool(v)
				return err
			},
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
