package config

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envOf returns a lookup function over m, with HOME set to a fresh
// temporary directory unless m sets it, so that no test reads the real
// home directory.
func envOf(t *testing.T, m map[string]string) lookupFunc {
	t.Helper()
	all := map[string]string{"HOME": t.TempDir()}
	for k, v := range m {
		all[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := all[k]
		return v, ok
	}
}

// writeFile writes a config file into a temporary directory.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "makechat.conf")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// loadT loads with no searched paths, so the machine's own files do not
// leak in.
func loadT(t *testing.T, file string, env map[string]string, flags map[string]string) (Config, error) {
	t.Helper()
	return load(file, envOf(t, env), flags, nil)
}

func TestDefaults_MatchTheDesign(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	c, err := load("", envOf(t, map[string]string{"HOME": home}), nil, nil)
	require.NoError(t, err)

	assert.Equal(t, "127.0.0.1:8080", c.Listen)
	assert.Equal(t, filepath.Join(home, ".local", "share", "makechat"), c.DataDir)
	assert.Equal(t, time.Hour, c.SessionTTL)
	assert.False(t, c.AllowRegistration)
	assert.Equal(t, filepath.Join(c.DataDir, "backups"), c.BackupDir)
	assert.Zero(t, c.BackupInterval)
	assert.Equal(t, 7, c.BackupKeep)
	assert.Equal(t, "info", c.LogLevel)
	assert.Empty(t, c.LogFormat)
	assert.Empty(t, c.MongoURI)
	assert.Empty(t, c.SecretKey)
	assert.Empty(t, c.Domain)
	assert.Empty(t, c.TrustedProxies)
	assert.Empty(t, c.ConfigFile)
	assert.Empty(t, c.Unknown)
	assert.Equal(t, -1, c.MaxConnections, "auto: sized from the open-file limit")
	assert.Equal(t, 32, c.MaxStreamsPerUser)
	assert.Equal(t, 10.0, c.PostsPerSecond)
	assert.Equal(t, 50, c.PostBurst)
	assert.Equal(t, 1.0, c.TypingPerSecond)
	assert.Equal(t, 5*time.Second, c.StreamMaxLag)
	assert.Equal(t, 4<<20, c.StreamMaxBacklog)
	assert.Equal(t, int64(25<<20), c.UploadMaxBytes)
	assert.Equal(t, int64(1<<30), c.UploadQuota)
	assert.Equal(t, int64(1<<30), c.UploadDiskFloor)
	assert.True(t, c.LinkPreviews)
	assert.Equal(t, "admins", c.RoomCreation)
	assert.Equal(t, "admins", c.BotCreation)
	assert.Empty(t, c.OutgoingAllow)
	assert.False(t, c.InvitesByOwners)
}

func TestDefaults_LeavesBackupDirToLoad(t *testing.T) {
	t.Parallel()
	c := Defaults()
	assert.Equal(t, "127.0.0.1:8080", c.Listen)
	assert.True(t, filepath.IsAbs(c.DataDir))
	assert.Empty(t, c.BackupDir)
}

func TestOptions_TableIsConsistent(t *testing.T) {
	t.Parallel()
	opts := Options()
	seen := map[string]bool{}
	for _, o := range opts {
		assert.False(t, seen[o.Key], "duplicate key %s", o.Key)
		seen[o.Key] = true
		assert.Equal(t, "MAKECHAT_"+strings.ToUpper(o.Key), o.Env)
		assert.Equal(t, strings.ReplaceAll(o.Key, "_", "-"), o.Flag)
		assert.True(t, strings.HasSuffix(o.Help, "."), "help of %s is not a sentence", o.Key)
		assert.NotNil(t, o.set, "option %s cannot be set", o.Key)
		var c Config
		assert.NoError(t, o.set(&c, o.Default), "default of %s", o.Key)
	}
	assert.True(t, seen["secret_key"] && seen["mongo_uri"])
	for _, o := range opts {
		assert.Equal(t, o.Key == "secret_key" || o.Key == "mongo_uri", o.Secret, "secret flag of %s", o.Key)
	}
	// Every field of Config but ConfigFile, Unknown and Origins is an
	// option.
	assert.Len(t, opts, reflect.TypeFor[Config]().NumField()-3)
}

func TestLoad_Precedence(t *testing.T) {
	t.Parallel()
	file := "[DEFAULT]\nsession_ttl = 100\nlisten = 127.0.0.1:1001\n"
	tests := []struct {
		name       string
		file       string
		env        map[string]string
		flags      map[string]string
		wantTTL    time.Duration
		wantListen string
	}{
		{name: "defaults without anything", wantTTL: time.Hour, wantListen: "127.0.0.1:8080"},
		{name: "file beats defaults", file: file, wantTTL: 100 * time.Second, wantListen: "127.0.0.1:1001"},
		{
			name: "env beats file", file: file,
			env:     map[string]string{"MAKECHAT_SESSION_TTL": "200"},
			wantTTL: 200 * time.Second, wantListen: "127.0.0.1:1001",
		},
		{
			name: "flags beat env", file: file,
			env:     map[string]string{"MAKECHAT_SESSION_TTL": "200", "MAKECHAT_LISTEN": ":2002"},
			flags:   map[string]string{"session_ttl": "300"},
			wantTTL: 300 * time.Second, wantListen: ":2002",
		},
		{
			name: "flag spelled with dashes", file: file,
			flags:   map[string]string{"session-ttl": "400"},
			wantTTL: 400 * time.Second, wantListen: "127.0.0.1:1001",
		},
		{
			name: "empty env counts as unset", file: file,
			env:     map[string]string{"MAKECHAT_SESSION_TTL": ""},
			wantTTL: 100 * time.Second, wantListen: "127.0.0.1:1001",
		},
		{
			name: "config flag is left to the file argument", file: file,
			flags:   map[string]string{"config": "/elsewhere"},
			wantTTL: 100 * time.Second, wantListen: "127.0.0.1:1001",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			c, err := loadT(t, path, tt.env, tt.flags)
			require.NoError(t, err)
			assert.Equal(t, tt.wantTTL, c.SessionTTL)
			assert.Equal(t, tt.wantListen, c.Listen)
			assert.Equal(t, path, c.ConfigFile)
		})
	}
}

func TestLoad_EmptyFlagOverridesFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "domain = chat.example.com\n")
	c, err := loadT(t, path, nil, map[string]string{"domain": ""})
	require.NoError(t, err)
	assert.Empty(t, c.Domain)
}

func TestLoad_ReadsOriginalMakechatConf(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `[DEFAULT]
mongo_uri = mongodb://makechat-mongo:27017/makechat
secret_key = 0b6f5ec7c1f1478e8d2a0c4d5e6f7a8b
session_ttl = 3600
`)
	c, err := loadT(t, path, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "mongodb://makechat-mongo:27017/makechat", c.MongoURI)
	assert.Equal(t, "0b6f5ec7c1f1478e8d2a0c4d5e6f7a8b", c.SecretKey)
	assert.Equal(t, time.Hour, c.SessionTTL)
	assert.Empty(t, c.Unknown)
}

func TestLoad_FileSyntax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		listen string
		domain string
	}{
		{"colon separator", "[DEFAULT]\nlisten: 127.0.0.1:1\n", "127.0.0.1:1", ""},
		{"keys before any section", "listen = :2\n", ":2", ""},
		{"comments and blank lines", "; a comment\n# another\n\n  \n[DEFAULT]\n  listen = :3  \n", ":3", ""},
		{"double quotes are stripped", "listen = \":4\"\n", ":4", ""},
		{"single quotes are stripped", "listen = ':5'\n", ":5", ""},
		{"makechat section beats DEFAULT whatever the order", "[makechat]\nlisten = :6\n[DEFAULT]\nlisten = :7\n", ":6", ""},
		{"other sections are ignored", "[other]\nlisten = :8\nwhatever = 1\n", "127.0.0.1:8080", ""},
		{"CRLF line ends and a BOM", "\ufeff[DEFAULT]\r\nlisten = :9\r\ndomain = a.example\r\n", ":9", "a.example"},
		{"keys are case-insensitive and may use dashes", "LISTEN = :10\nDomain = b.example\n", ":10", "b.example"},
		{"later line wins", "listen = :11\nlisten = :12\n", ":12", ""},
		{"section names are case-insensitive", "[default]\nlisten = :13\n", ":13", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadT(t, writeFile(t, tt.file), nil, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.listen, c.Listen)
			assert.Equal(t, tt.domain, c.Domain)
			assert.Empty(t, c.Unknown)
		})
	}
}

func TestLoad_BadFileLineNamesFileAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		line int
	}{
		{"bare word", "[DEFAULT]\nlisten = :1\njust words\n", 3},
		{"unclosed section", "[DEFAULT\n", 1},
		{"empty key", "= value\n", 1},
		{"key with spaces", "\n\nmy key = value\n", 3},
		{"NUL in key", "list\x00en = :1\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tt.file)
			_, err := loadT(t, path, nil, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("%s:%d:", path, tt.line))
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestLoad_BadValueNamesKeyAndSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value, want string
	}{
		{"listen", "8080", "not host:port"},
		{"listen", "127.0.0.1:99999", "not a number from 0 to 65535"},
		{"listen", "127.0.0.1:http", "not a number from 0 to 65535"},
		{"listen", "bad host:80", "neither an IP address nor a host name"},
		{"data_dir", "", "must not be empty"},
		{"session_ttl", "abc", "not a number of seconds"},
		{"session_ttl", "0", "must be more than 0"},
		{"nats_url", "http://nats:4222", "must start with nats:// or tls://"},
		{"nats_url", "nats://a:4222,localhost:4222", `"localhost:4222": each server must start with nats:// or tls://`},
		{"session_ttl", "-5", "must be more than 0"},
		{"session_ttl", "31536001", "longer than one year"},
		{"session_ttl", "9999h", "longer than one year"},
		{"session_ttl", "99999999999999999999", "not a number of seconds"},
		{"allow_registration", "maybe", "not a boolean"},
		{"domain", "https://chat.example.com", "without a scheme"},
		{"domain", "chat.example.com:443", "without a port"},
		{"domain", "chat example.com", "not a host name"},
		{"domain", "-chat.example.com", "not a host name"},
		{"domain", "chat..example.com", "not a host name"},
		{"acme_email", "not-an-address", "not a plain email address"},
		{"acme_email", "Admin <admin@example.com>", "not a plain email address"},
		{"acme_ca", "http://ca.example/dir", "not an https:// URL"},
		{"acme_ca", "https://", "not an https:// URL"},
		{"trusted_proxies", "10.0.0.1, nonsense", `"nonsense" is neither an IP address nor a CIDR range`},
		{"trusted_proxies", "10.0.0.0/33", "neither an IP address nor a CIDR range"},
		{"backup_interval", "24", "not a duration"},
		{"backup_interval", "-1h", "must not be negative"},
		{"backup_interval", "5s", "shorter than 1m0s"},
		{"backup_keep", "0", "must be at least 1"},
		{"backup_keep", "seven", "not a whole number"},
		{"log_level", "verbose", "not one of trace, debug, info, warn, error"},
		{"room_creation", "everyone", "not admins or users"},
		{"bot_creation", "everyone", "not admins or users"},
		{"outgoing_allow", "10.0.0.0/99", "is not a CIDR range"},
		{"outgoing_allow", "a b", "is not an address, a CIDR range or a host name"},
		{"invites_by_owners", "maybe", "not a boolean"},
		{"max_connections", "lots", "not auto or a whole number"},
		{"max_connections", "-5", "must not be negative"},
		{"max_connections", "3", "at least 16"},
		{"max_streams_per_user", "-1", "must not be negative"},
		{"max_streams_per_user", "1.5", "not a whole number"},
		{"posts_per_second", "fast", "not a number"},
		{"posts_per_second", "-1", "from 0"},
		{"posts_per_second", "NaN", "not a number"},
		{"post_burst", "0", "from 1"},
		{"typing_per_second", "1e9", "from 0"},
		{"stream_max_lag", "5", "not a duration"},
		{"stream_max_lag", "10ms", "from 1s to 5m"},
		{"stream_max_backlog", "1GiB", "from 64KiB to 256MiB"},
		{"stream_max_backlog", "1TiB", "not a size"},
		{"upload_max_bytes", "lots", "not a size"},
		{"link_previews", "sometimes", "true"},
		{"upload_quota", "-1", "not a size"},
		{"upload_disk_floor", "1.5GiB", "not a size"},
		{"stream_max_backlog", "1KiB", "from 64KiB"},
		{"log_format", "xml", "not one of json, console"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			env := "MAKECHAT_" + strings.ToUpper(tt.key)
			flag := strings.ReplaceAll(tt.key, "_", "-")

			// An empty environment variable counts as unset, so empty
			// values are tried through the file and the flags only.
			if tt.value != "" {
				_, err := loadT(t, "", map[string]string{env: tt.value}, nil)
				assertNamesKey(t, err, tt.key, tt.value, env, tt.want)
			}

			path := writeFile(t, "[DEFAULT]\n\n"+tt.key+" = "+tt.value+"\n")
			_, err := loadT(t, path, nil, nil)
			assertNamesKey(t, err, tt.key, tt.value, path+":3", tt.want)

			_, err = loadT(t, "", nil, map[string]string{tt.key: tt.value})
			assertNamesKey(t, err, tt.key, tt.value, "--"+flag, tt.want)

			var cerr *Error
			require.ErrorAs(t, err, &cerr)
			assert.Equal(t, tt.key, cerr.Key)
		})
	}
}

// assertNamesKey checks that err is one line that starts by naming the key,
// the value and its source, and then says what is wrong.
func assertNamesKey(t *testing.T, err error, key, value, source, want string) {
	t.Helper()
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, fmt.Sprintf("config: %s = %q (from %s): ", key, value, source)), "got %s", msg)
	assert.Contains(t, msg, want)
	assert.NotContains(t, msg, "\n")
}

func TestLoad_GoodValuesAreAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value string
		check      func(t *testing.T, c Config)
	}{
		{"listen", ":8080", func(t *testing.T, c Config) { assert.Equal(t, ":8080", c.Listen) }},
		{"listen", "[::1]:0", func(t *testing.T, c Config) { assert.Equal(t, "[::1]:0", c.Listen) }},
		{"listen", "localhost:8080", func(t *testing.T, c Config) { assert.Equal(t, "localhost:8080", c.Listen) }},
		{"session_ttl", "7200", func(t *testing.T, c Config) { assert.Equal(t, 2*time.Hour, c.SessionTTL) }},
		{"session_ttl", "1h30m", func(t *testing.T, c Config) { assert.Equal(t, 90*time.Minute, c.SessionTTL) }},
		{"session_ttl", "31536000", func(t *testing.T, c Config) { assert.Equal(t, 365*24*time.Hour, c.SessionTTL) }},
		{"allow_registration", "YES", func(t *testing.T, c Config) { assert.True(t, c.AllowRegistration) }},
		{"allow_registration", "on", func(t *testing.T, c Config) { assert.True(t, c.AllowRegistration) }},
		{"allow_registration", "1", func(t *testing.T, c Config) { assert.True(t, c.AllowRegistration) }},
		{"allow_registration", "Off", func(t *testing.T, c Config) { assert.False(t, c.AllowRegistration) }},
		{"nats_url", "nats://a:4222, tls://b:4222", func(t *testing.T, c Config) { assert.Equal(t, "nats://a:4222, tls://b:4222", c.NATSURL) }},
		{"mongo_uri", "mongodb+srv://u:p@cluster.example/db", func(t *testing.T, c Config) {
			assert.Equal(t, "mongodb+srv://u:p@cluster.example/db", c.MongoURI)
		}},
		{"domain", "Chat.Example.com", func(t *testing.T, c Config) { assert.Equal(t, "chat.example.com", c.Domain) }},
		{"acme_email", "admin@example.com", func(t *testing.T, c Config) { assert.Equal(t, "admin@example.com", c.ACMEEmail) }},
		{"acme_ca", "https://127.0.0.1:14000/dir", func(t *testing.T, c Config) {
			assert.Equal(t, "https://127.0.0.1:14000/dir", c.ACMECA)
		}},
		{"trusted_proxies", " 10.0.0.0/8, ::1 ,,192.168.1.1", func(t *testing.T, c Config) {
			assert.Equal(t, []string{"10.0.0.0/8", "::1", "192.168.1.1"}, c.TrustedProxies)
		}},
		{"backup_interval", "24h", func(t *testing.T, c Config) { assert.Equal(t, 24*time.Hour, c.BackupInterval) }},
		{"backup_interval", "0", func(t *testing.T, c Config) { assert.Zero(t, c.BackupInterval) }},
		{"backup_keep", "30", func(t *testing.T, c Config) { assert.Equal(t, 30, c.BackupKeep) }},
		{"log_level", "DEBUG", func(t *testing.T, c Config) { assert.Equal(t, "debug", c.LogLevel) }},
		{"log_format", "auto", func(t *testing.T, c Config) { assert.Empty(t, c.LogFormat) }},
		{"log_format", "json", func(t *testing.T, c Config) { assert.Equal(t, "json", c.LogFormat) }},
		{"backup_dir", "/srv/backups", func(t *testing.T, c Config) { assert.Equal(t, "/srv/backups", c.BackupDir) }},
		{"room_creation", "Users", func(t *testing.T, c Config) { assert.Equal(t, "users", c.RoomCreation) }},
		{"bot_creation", "USERS", func(t *testing.T, c Config) { assert.Equal(t, "users", c.BotCreation) }},
		{"outgoing_allow", " 10.0.0.5, jenkins.internal ,10.1.0.0/16", func(t *testing.T, c Config) {
			assert.Equal(t, []string{"10.0.0.5", "jenkins.internal", "10.1.0.0/16"}, c.OutgoingAllow)
		}},
		{"invites_by_owners", "yes", func(t *testing.T, c Config) { assert.True(t, c.InvitesByOwners) }},
		{"max_connections", "0", func(t *testing.T, c Config) { assert.Zero(t, c.MaxConnections) }},
		{"max_connections", "AUTO", func(t *testing.T, c Config) { assert.Equal(t, -1, c.MaxConnections) }},
		{"max_connections", "5000", func(t *testing.T, c Config) { assert.Equal(t, 5000, c.MaxConnections) }},
		{"max_streams_per_user", "0", func(t *testing.T, c Config) { assert.Zero(t, c.MaxStreamsPerUser) }},
		{"upload_max_bytes", "2GiB", func(t *testing.T, c Config) { assert.Equal(t, int64(2<<30), c.UploadMaxBytes) }},
		{"upload_max_bytes", "0", func(t *testing.T, c Config) { assert.Zero(t, c.UploadMaxBytes) }},
		{"upload_quota", "512MiB", func(t *testing.T, c Config) { assert.Equal(t, int64(512<<20), c.UploadQuota) }},
		{"posts_per_second", "0.5", func(t *testing.T, c Config) { assert.Equal(t, 0.5, c.PostsPerSecond) }},
		{"posts_per_second", "0", func(t *testing.T, c Config) { assert.Zero(t, c.PostsPerSecond) }},
		{"post_burst", "200", func(t *testing.T, c Config) { assert.Equal(t, 200, c.PostBurst) }},
		{"typing_per_second", "0", func(t *testing.T, c Config) { assert.Zero(t, c.TypingPerSecond) }},
		{"stream_max_lag", "30s", func(t *testing.T, c Config) { assert.Equal(t, 30*time.Second, c.StreamMaxLag) }},
		{"stream_max_backlog", "4MiB", func(t *testing.T, c Config) { assert.Equal(t, 4<<20, c.StreamMaxBacklog) }},
		{"stream_max_backlog", "524288", func(t *testing.T, c Config) { assert.Equal(t, 512<<10, c.StreamMaxBacklog) }},
		{"stream_max_backlog", "512KiB", func(t *testing.T, c Config) { assert.Equal(t, 512<<10, c.StreamMaxBacklog) }},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			c, err := loadT(t, "", nil, map[string]string{tt.key: tt.value})
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestLoad_SecretValuesAreNotEchoed(t *testing.T) {
	t.Parallel()
	_, err := loadT(t, "", map[string]string{"MAKECHAT_MONGO_URI": "postgres://user:hunter2@db/x"}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Contains(t, err.Error(), "mongo_uri")
	assert.Contains(t, err.Error(), "MAKECHAT_MONGO_URI")

	_, err = loadT(t, "", map[string]string{"MAKECHAT_SECRET_KEY": "hunter2\x00"}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Contains(t, err.Error(), "secret_key")
}

func TestLoad_TLSCertAndKeyGoTogether(t *testing.T) {
	t.Parallel()
	_, err := loadT(t, "", nil, map[string]string{"tls_cert": "/etc/cert.pem"})
	require.Error(t, err)
	assert.Equal(t, `config: tls_cert = "/etc/cert.pem" (from --tls-cert): tls_key must be set too (both or neither)`, err.Error())

	_, err = loadT(t, "", map[string]string{"MAKECHAT_TLS_KEY": "/etc/key.pem"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "config: tls_key = \"/etc/key.pem\" (from MAKECHAT_TLS_KEY): tls_cert must be set too")

	c, err := loadT(t, "", nil, map[string]string{"tls_cert": "/etc/cert.pem", "tls_key": "/etc/key.pem"})
	require.NoError(t, err)
	assert.Equal(t, "/etc/cert.pem", c.TLSCert)
	assert.Equal(t, "/etc/key.pem", c.TLSKey)
}

func TestLoad_UnknownKeysAreCollected(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "[DEFAULT]\nmongo_uri = mongodb://m/db\nworkers = 4\nstatic_root = /srv\nworkers = 8\n[makechat]\nthreads = 2\n[other]\nignored = 1\n")
	c, err := loadT(t, path, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"workers", "static_root", "threads"}, c.Unknown)
	assert.Equal(t, "mongodb://m/db", c.MongoURI)
}

func TestLoad_MissingExplicitFileIsError(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.conf")
	_, err := loadT(t, missing, nil, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), missing)
}

func TestLoad_SearchesPathsInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := filepath.Join(dir, "first.conf")
	second := filepath.Join(dir, "second.conf")
	require.NoError(t, os.WriteFile(second, []byte("listen = :2\n"), 0o600))

	c, err := load("", envOf(t, nil), nil, []string{first, second})
	require.NoError(t, err)
	assert.Equal(t, ":2", c.Listen)
	assert.Equal(t, second, c.ConfigFile)

	require.NoError(t, os.WriteFile(first, []byte("listen = :1\n"), 0o600))
	c, err = load("", envOf(t, nil), nil, []string{first, second})
	require.NoError(t, err)
	assert.Equal(t, ":1", c.Listen)
	assert.Equal(t, first, c.ConfigFile)

	c, err = load("", envOf(t, nil), nil, []string{filepath.Join(dir, "none.conf")})
	require.NoError(t, err)
	assert.Empty(t, c.ConfigFile)
}

func TestLoad_SearchesHomeDirectory(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "makechat.conf"), []byte("listen = :3\n"), 0o600))
	paths := defaultConfigPaths(home)
	assert.Equal(t, []string{"makechat.conf", filepath.Join(home, "makechat.conf"), "/etc/makechat/makechat.conf"}, paths)

	c, err := load("", envOf(t, map[string]string{"HOME": home}), nil, paths[1:2])
	require.NoError(t, err)
	assert.Equal(t, ":3", c.Listen)
}

func TestLoad_ExportedLoadReadsExplicitFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "listen = :4\n")
	c, err := Load(path, envOf(t, nil), map[string]string{"log-level": "debug"})
	require.NoError(t, err)
	assert.Equal(t, ":4", c.Listen)
	assert.Equal(t, "debug", c.LogLevel)
	assert.Equal(t, path, c.ConfigFile)
}

func TestLoad_UnknownFlagIsError(t *testing.T) {
	t.Parallel()
	_, err := loadT(t, "", nil, map[string]string{"no-such-option": "x"})
	require.Error(t, err)
	assert.Equal(t, "config: --no-such-option is not an option", err.Error())
}

func TestLoad_BackupDirFollowsDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := loadT(t, "", map[string]string{"MAKECHAT_DATA_DIR": dir}, nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "backups"), c.BackupDir)
}

func TestLoad_RelativeDataDirBecomesAbsolute(t *testing.T) {
	t.Parallel()
	c, err := loadT(t, "", nil, map[string]string{"data_dir": "rel/data"})
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "rel", "data"), c.DataDir)
}

func TestLoad_HostileValuesAreRejectedOnOneLine(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"10,000 characters": strings.Repeat("a", 10000),
		"NUL byte":          "a\x00b",
		"non-UTF-8":         "\xff\xfe\xfd",
		"newline":           "a\nb",
		"escape sequence":   "\x1b[31mred",
	}
	for _, o := range Options() {
		for name, v := range values {
			t.Run(o.Key+"/"+name, func(t *testing.T) {
				t.Parallel()
				for _, try := range []struct {
					env   map[string]string
					flags map[string]string
				}{
					{env: map[string]string{o.Env: v}},
					{flags: map[string]string{o.Key: v}},
				} {
					_, err := loadT(t, "", try.env, try.flags)
					require.Error(t, err)
					msg := err.Error()
					assert.NotContains(t, msg, "\n")
					assert.NotContains(t, msg, "\x00")
					assert.NotContains(t, msg, "\x1b")
					assert.Less(t, len(msg), 400)
					assert.Contains(t, msg, o.Key)
				}
			})
		}
	}
}

func TestLoad_HostileFilesDoNotPanic(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"long value":       "listen = " + strings.Repeat("9", 10000) + "\n",
		"long key":         strings.Repeat("k", 10000) + " = 1\n",
		"long line":        strings.Repeat("x", 100000),
		"NUL bytes":        "\x00\x00\x00",
		"NUL in value":     "domain = a\x00b\n",
		"non-UTF-8":        "[DEFAULT]\n\xff\xfe = \xfd\n",
		"non-UTF-8 value":  "web_custom_dir = \xff\n",
		"only a bracket":   "[",
		"empty section":    "[]\nlisten = :1\n",
		"lone quote value": "listen = \"\n",
		"huge file":        strings.Repeat("# comment\n", 200000),
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, content)
			assert.NotPanics(t, func() {
				_, err := loadT(t, path, nil, nil)
				if err != nil {
					assert.NotContains(t, err.Error(), "\n")
					assert.Less(t, len(err.Error()), 400+len(path))
				}
			})
		})
	}
}

func FuzzParseINI(f *testing.F) {
	f.Add("[DEFAULT]\nmongo_uri = mongodb://m:27017/db\nsession_ttl = 3600\n")
	f.Add("listen: ':1'\n; c\n# c\n[makechat]\nx=y")
	f.Add("[\n=\n\x00\xff")
	f.Fuzz(func(t *testing.T, text string) {
		entries, err := parseINI("fuzz.conf", text)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !validKey(e.key) || e.line < 1 {
				t.Fatalf("bad entry %+v", e)
			}
		}
	})
}

func TestDefaultDataDir_FollowsXDG(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"XDG_DATA_HOME first", map[string]string{"XDG_DATA_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/makechat"},
		{"relative XDG_DATA_HOME is ignored", map[string]string{"XDG_DATA_HOME": "xdg", "HOME": "/home/u"}, "/home/u/.local/share/makechat"},
		{"HOME next", map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/makechat"},
		{"working directory last", map[string]string{}, "makechat-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := defaultDataDir(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDefaultDataDir_ReadsTheEnvironment(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg-test")
	assert.Equal(t, "/xdg-test/makechat", DefaultDataDir())
}

func TestLoad_DomainAndTLSCertExcludeEachOther(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "domain = chat.example.com\n")
	_, err := loadT(t, path, nil, map[string]string{"tls_cert": "/etc/cert.pem", "tls_key": "/etc/key.pem"})
	require.Error(t, err)
	assert.Equal(t, `config: tls_cert = "/etc/cert.pem" (from --tls-cert): domain is set too (from `+path+`:1); use domain for automatic certificates or tls_cert/tls_key for your own, not both`, err.Error())

	// Unsetting one of them from a higher source is the way out.
	c, err := loadT(t, path, nil, map[string]string{"domain": "", "tls_cert": "/etc/cert.pem", "tls_key": "/etc/key.pem"})
	require.NoError(t, err)
	assert.Empty(t, c.Domain)
	assert.Equal(t, "/etc/cert.pem", c.TLSCert)
}

func TestLoad_TLSFilesBecomeAbsolute(t *testing.T) {
	t.Parallel()
	c, err := loadT(t, "", nil, map[string]string{"tls_cert": "cert.pem", "tls_key": "keys/key.pem"})
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "cert.pem"), c.TLSCert)
	assert.Equal(t, filepath.Join(wd, "keys", "key.pem"), c.TLSKey)
}

func TestSettings_SayWhereEachValueCameFromAndMaskSecrets(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "[DEFAULT]\nsession_ttl = 7200\nsecret_key = s3cret\nlisten = :1\n")
	c, err := loadT(t, path, map[string]string{
		"MAKECHAT_LISTEN":    ":2",
		"MAKECHAT_MONGO_URI": "mongodb://bob:hunter2@db.example:27017/chat",
	}, map[string]string{"posts-per-second": "3"})
	require.NoError(t, err)
	got := map[string]Setting{}
	var order []string
	for _, s := range c.Settings() {
		got[s.Key] = s
		order = append(order, s.Key)
	}
	var want []string
	for _, o := range Options() {
		want = append(want, o.Key)
	}
	assert.Equal(t, want, order, "every option, in the table's order")
	assert.Equal(t, Setting{"session_ttl", "7200", path + ":2"}, got["session_ttl"])
	assert.Equal(t, Setting{"listen", ":2", "MAKECHAT_LISTEN"}, got["listen"], "the environment beats the file")
	assert.Equal(t, Setting{"posts_per_second", "3", "--posts-per-second"}, got["posts_per_second"])
	assert.Equal(t, Setting{"post_burst", "50", "default"}, got["post_burst"])
	assert.Equal(t, "****", got["secret_key"].Value)
	assert.Equal(t, "mongodb://bob:****@db.example:27017/chat", got["mongo_uri"].Value)
	assert.Equal(t, filepath.Join(c.DataDir, "backups"), got["backup_dir"].Value)
	for _, s := range c.Settings() {
		assert.NotContains(t, s.Value, "hunter2")
		assert.NotContains(t, s.Value, "s3cret")
	}
}
