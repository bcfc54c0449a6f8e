package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	mopts "go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
	"github.com/makechat/makechat/storage/mongo"
)

// openStore opens the store of the server that runs on dataDir: its
// embedded store, or with -mongo-uri the MongoDB database of storeEnv.
func (r *runner) openStore(ctx context.Context, dataDir string) (storage.Store, error) {
	if r.opts.mongoURI == "" {
		return bolt.Open(filepath.Join(dataDir, storeFile), bolt.Options{})
	}
	uri, err := r.mongoDatabase(dataDir)
	if err != nil {
		return nil, err
	}
	return mongo.Open(ctx, uri, mongo.Options{})
}

// storeEnv is the setting that points the server on dataDir at its
// store: nothing for the embedded store, or with -mongo-uri a database of
// its own, named after the work and data directories, so that every
// server the tool starts begins empty.
func (r *runner) storeEnv(dataDir string) []string {
	if r.opts.mongoURI == "" {
		return nil
	}
	uri, err := r.mongoDatabase(dataDir)
	if err != nil {
		// parseFlags checked the URI; keep the server on its own store
		// rather than guess.
		return nil
	}
	return []string{"MAKECHAT_MONGO_URI=" + uri}
}

// mongoDatabase is -mongo-uri with its path naming dataDir's database.
func (r *runner) mongoDatabase(dataDir string) (string, error) {
	u, err := url.Parse(r.opts.mongoURI)
	if err != nil {
		return "", fmt.Errorf("-mongo-uri: %w", err)
	}
	u.Path = "/loadtest_" + filepath.Base(r.work) + "_" + filepath.Base(dataDir)
	return u.String(), nil
}

// checkMongoLoopback accepts a mongodb:// URI of one loopback host and
// no database (each server gets its own).
func checkMongoLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mongodb" {
		return fmt.Errorf("-mongo-uri %q: want mongodb://HOST:PORT on a loopback address", raw)
	}
	if err := checkLoopback("http://" + u.Host); err != nil {
		return fmt.Errorf("-mongo-uri: %w", err)
	}
	return nil
}

// dropDatabases drops the databases that this run's servers used, as the
// work directory is removed for the embedded store.
func (r *runner) dropDatabases() error {
	if r.opts.mongoURI == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := driver.Connect(mopts.Client().ApplyURI(r.opts.mongoURI))
	if err != nil {
		return err
	}
	defer func() { _ = c.Disconnect(ctx) }()
	names, err := c.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return err
	}
	prefix := "loadtest_" + filepath.Base(r.work) + "_"
	for _, name := range names {
		if strings.HasPrefix(name, prefix) {
			if err := c.Database(name).Drop(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
