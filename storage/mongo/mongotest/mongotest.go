// Package mongotest gives tests a wire-protocol server to run
// storage/mongo against: FerretDB (github.com/FerretDB/FerretDB, its
// sqlite handler in a temporary directory) embedded in the test binary,
// and a real MongoDB as well when MAKECHAT_TEST_MONGO_URI names one.
//
// A test binary starts FerretDB once, in TestMain, and each test gets a
// database of its own, dropped when it ends:
//
//	func TestMain(m *testing.M) { os.Exit(mongotest.Main(m)) }
//
//	for _, srv := range mongotest.Servers(t) {
//		t.Run(srv.Name, func(t *testing.T) { uri := srv.NewDatabase(t) ... })
//	}
//
// Main passes FerretDB's address to the tests through the environment
// variable EnvFerretDB, so that there is no package state, and child
// processes that a test starts (a second makechat, say) can use it too.
//
// Under go test -short, Main starts no FerretDB and Servers, FerretDBURI
// and SkipIfShort skip the test: the MongoDB store's tests are among the
// slow ones that -short leaves out.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Environment variables that name servers.
const (
	// EnvMongoDB names a real MongoDB to test against besides FerretDB.
	// The tests create databases named makechat_test_* in it and drop
	// them when they end.
	EnvMongoDB = "MAKECHAT_TEST_MONGO_URI"
	// EnvFerretDB is set by Main to the URI of its FerretDB.
	EnvFerretDB = "MAKECHAT_TEST_FERRETDB_URI"
)

// FerretDB is a running embedded FerretDB.
type FerretDB struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	dir    string
}

// Start starts FerretDB with the sqlite handler in a new temporary
// directory, listening on a free port of 127.0.0.1. Its log is
// discarded.
func Start() (*FerretDB, error) {
	dir, err := os.MkdirTemp("", "makechat-ferretdb-")
	if err != nil {
		return nil, err
	}
	return StartIn(dir, "127.0.0.1:0", nil)
}

// StartIn starts FerretDB keeping its sqlite files in dir (which Stop
// removes only if Start made it) and listening on addr.
// A nil log discards FerretDB's log.
func StartIn(dir, addr string, log *slog.Logger) (*FerretDB, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Opaque: dir + "/"}).String(),
		Logger:    log,
	})
	if err != nil {
		return nil, fmt.Errorf("start FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &FerretDB{cancel: cancel, done: make(chan struct{}), dir: dir}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx)
	}()
	s.uri = f.MongoDBURI()
	return s, nil
}

// URI is the connection string of the server, without a database.
func (s *FerretDB) URI() string { return s.uri }

// Stop stops the server.
func (s *FerretDB) Stop() {
	s.cancel()
	<-s.done
}

// Main starts FerretDB, sets EnvFerretDB, runs the tests and stops
// FerretDB, removing its files. It returns the exit code for os.Exit.
// Under -short it only runs the tests.
func Main(m *testing.M) int {
	// testing.Short reads the flags, which m.Run would parse only later.
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	f, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mongotest:", err)
		return 2
	}
	defer func() {
		f.Stop()
		_ = os.RemoveAll(f.dir)
	}()
	if err := os.Setenv(EnvFerretDB, f.URI()); err != nil {
		fmt.Fprintln(os.Stderr, "mongotest:", err)
		return 2
	}
	return m.Run()
}

// Server is a server to test against.
type Server struct {
	// Name is "ferretdb" or "mongodb", for subtest names.
	Name string
	// URI is its connection string, without a database.
	URI string
}

// SkipIfShort skips t under go test -short, saying why. Servers and
// FerretDBURI call it; a test that starts a FerretDB of its own, or waits
// out the driver's timeouts, calls it first.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips the MongoDB store's tests (FerretDB, the driver's timeouts); run without -short for them")
	}
}

// Servers lists FerretDB (started by Main) and the MongoDB that
// EnvMongoDB names, if it is set. It fails t if Main did not run, and
// skips it under -short.
func Servers(t testing.TB) []Server {
	t.Helper()
	out := []Server{{Name: "ferretdb", URI: FerretDBURI(t)}}
	if uri := os.Getenv(EnvMongoDB); uri != "" {
		out = append(out, Server{Name: "mongodb", URI: uri})
	}
	return out
}

// FerretDBURI is the URI of the FerretDB that Main started. It skips t
// under -short.
func FerretDBURI(t testing.TB) string {
	t.Helper()
	SkipIfShort(t)
	uri := os.Getenv(EnvFerretDB)
	if uri == "" {
		t.Fatalf("mongotest: %s is not set; call mongotest.Main from TestMain", EnvFerretDB)
	}
	return uri
}

// NewDatabase returns the server's URI naming a new database, which is
// dropped when t ends.
func (s Server) NewDatabase(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "makechat_test_" + hex.EncodeToString(b[:])
	uri, err := WithDatabase(s.URI, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := mongo.Connect(options.Client().ApplyURI(s.URI))
		if err != nil {
			t.Errorf("mongotest: drop %s: %v", name, err)
			return
		}
		defer func() { _ = c.Disconnect(ctx) }()
		if err := c.Database(name).Drop(ctx); err != nil {
			t.Errorf("mongotest: drop %s: %v", name, err)
		}
	})
	return uri
}

// WithDatabase returns uri with its path set to /db, keeping its query.
func WithDatabase(uri, db string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("mongotest: parse %q: %w", uri, err)
	}
	u.Path = "/" + strings.TrimPrefix(db, "/")
	return u.String(), nil
}
