// Command ferretdb runs FerretDB (its sqlite handler) embedded, as a
// stand-in MongoDB for trying makechat's MongoDB store and for the load
// tool's MongoDB figures on a machine without mongod:
//
//	go run ./tools/ferretdb -dir /tmp/ferretdb -listen 127.0.0.1:27017
//
// It prints the connection string on its first line of output and serves
// until it is interrupted. FerretDB is not MongoDB: it stores documents in
// SQLite files under -dir, without replication or journaling of its own,
// so figures measured on it say little about a real MongoDB.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/makechat/makechat/storage/mongo/mongotest"
)

func main() {
	dir := flag.String("dir", "", "directory of FerretDB's SQLite files (created if missing; required)")
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	verbose := flag.Bool("v", false, "log FerretDB's warnings to stderr")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: ferretdb -dir DIR [-listen HOST:PORT] [-v]")
		os.Exit(2)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	var log *slog.Logger
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	f, err := mongotest.StartIn(*dir, *listen, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	fmt.Println(f.URI())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	f.Stop()
}
