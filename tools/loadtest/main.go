// Command loadtest measures a makechat server under load and prints the
// figures as plain text tables, one per scenario.
//
//	go run ./tools/loadtest -binary ./makechat [-scenario all|floor|publish|fanout|idle|startup|history] [-duration 5s]
//
// It starts the binary itself on a temporary data directory (building it
// first when -binary is empty), creates an administrator with the command
// line, logs in, makes a token and a room, runs the scenarios, and stops
// the server with SIGTERM. With -target and -token it drives a server that
// is already running instead; the scenarios that need the server's
// process or its store (idle, startup, history) are then skipped.
//
// The scenarios, each in its own file:
//
//   - floor: bare bbolt Batch commits, the ceiling for durable writes on
//     this disk (floor.go).
//   - publish: concurrent posters to one room, beside the floor
//     (publish.go).
//   - fanout: WebSocket subscribers of one room, at a paced rate and
//     saturated (fanout.go).
//   - idle: the server's memory per open idle stream (idle.go).
//   - startup: exec to the first healthy answer, empty and with a large
//     store filled directly through storage/bolt (startup.go).
//   - history: newest page and search over that large store (history.go).
//   - cluster: delivery across 1, 2 and 3 nodes on one MongoDB, with NATS
//     inside each (cluster.go; needs -mongo-uri).
//
// Around them, server.go starts and stops the binary and reads its log,
// api.go speaks the HTTP API and opens streams, bigstore.go fills the
// large store, stats.go computes percentiles, and report.go and cpu.go
// print the header, the tables and how busy other processes kept the
// machine meanwhile.
//
// With -mongo-uri the servers it starts keep their data in that MongoDB
// (loopback only), each in a database of its own that the tool drops at
// the end, and history's large store is filled through storage/mongo.
//
// Every loop is bounded in time or count, and only loopback addresses are
// ever contacted. The tool shares the machine's cores with the server it
// measures, which the figures include.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// scenarios in the order "all" runs them.
var scenarios = []string{"floor", "publish", "mix", "fanout", "idle", "startup", "history", "cluster"}

// options are the command line's settings.
type options struct {
	binary      string
	target      string
	token       string
	scenario    string
	dir         string
	duration    time.Duration
	writers     []int
	subscribers int
	posters     int
	rate        int
	idle        int
	messages    int
	starts      int
	nodes       []int // cluster: the counts of nodes measured in turn
	// mongoURI, when set, makes the servers the tool starts use MongoDB
	// (a database of their own under it) instead of the embedded store.
	mongoURI string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	// Raised before any server is started, so that the server inherits
	// the higher limit too: thousands of streams need thousands of files.
	if err := raiseFileLimit(); err != nil {
		fmt.Fprintln(stderr, "loadtest: raise the open file limit:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	printHeader(stdout, append([]string{"loadtest"}, args...))
	r, err := newRunner(ctx, opts, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	defer r.close()
	failed := false
	todo := r.selected()
	for i, name := range todo {
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(stderr, "loadtest: interrupted")
			return 1
		}
		if r.opts.mongoURI != "" && name == "startup" {
			fmt.Fprintf(stdout, "== %s: skipped (it measures the embedded store)\n\n", name)
			continue
		}
		if r.opts.target != "" && needsProcess(name) {
			fmt.Fprintf(stdout, "== %s: skipped (it needs the server's process or store, not a -target)\n\n", name)
			continue
		}
		before := sampleCPU(r.livePIDs()...)
		err := r.scenario(ctx, name)
		if !slices.Contains(todo[i+1:], "publish") && !slices.Contains(todo[i+1:], "fanout") {
			// Nothing later drives the shared server: stop it now, so
			// that it does not share the machine with what follows.
			r.releaseMain()
		}
		after := sampleCPU(r.livePIDs()...)
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %s: %v\n", name, err)
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "(%s took %s; %s)\n\n", name, after.at.Sub(before.at).Round(time.Millisecond), cpuNote(before, after))
	}
	if failed {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.binary, "binary", "", "makechat binary to start; empty builds one from the module root")
	fs.StringVar(&o.target, "target", "", "drive a running server at this loopback URL (http://127.0.0.1:PORT) instead of starting one")
	fs.StringVar(&o.token, "token", "", "an administrator's API token for -target")
	fs.StringVar(&o.scenario, "scenario", "all", "all, or one of "+strings.Join(scenarios, ", "))
	fs.StringVar(&o.dir, "dir", os.TempDir(), "parent directory of the temporary data directories (the disk measured)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each timed step runs")
	writers := fs.String("writers", "1,8,32,256", "concurrent writers for floor and publish, comma-separated")
	nodes := fs.String("nodes", "1,2,3", "counts of nodes for cluster, comma-separated (needs -mongo-uri)")
	fs.IntVar(&o.subscribers, "subscribers", 1000, "WebSocket subscribers for fanout")
	fs.IntVar(&o.rate, "rate", 100, "posts per second in fanout's paced phase")
	fs.IntVar(&o.posters, "posters", 8, "posters in fanout's saturated phase (each posts as fast as answers come)")
	fs.IntVar(&o.idle, "idle", 10000, "idle streams to open for idle")
	fs.IntVar(&o.messages, "messages", 1_000_000, "messages in the large store of startup and history")
	fs.IntVar(&o.starts, "starts", 5, "starts timed per store in startup (the median is reported)")
	fs.StringVar(&o.mongoURI, "mongo-uri", "", "run the servers on this MongoDB (mongodb://host:port), one new database each, instead of the embedded store")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: loadtest [-binary PATH | -target URL -token T] [-scenario NAME] [-duration D] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.scenario != "all" && !slices.Contains(scenarios, o.scenario) {
		return o, fmt.Errorf("unknown scenario %q (want all or one of %s)", o.scenario, strings.Join(scenarios, ", "))
	}
	if (o.target == "") != (o.token == "") {
		return o, errors.New("-target and -token go together")
	}
	if o.target != "" {
		if err := checkLoopback(o.target); err != nil {
			return o, err
		}
	}
	if o.mongoURI != "" {
		if err := checkMongoLoopback(o.mongoURI); err != nil {
			return o, err
		}
	}
	for _, f := range strings.Split(*writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4096 {
			return o, fmt.Errorf("-writers: %q is not a number from 1 to 4096", f)
		}
		o.writers = append(o.writers, n)
	}
	for _, f := range strings.Split(*nodes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 16 {
			return o, fmt.Errorf("-nodes: %q is not a number from 1 to 16", f)
		}
		o.nodes = append(o.nodes, n)
	}
	switch {
	case o.duration < 100*time.Millisecond || o.duration > time.Hour:
		return o, errors.New("-duration must be from 100ms to 1h")
	case o.subscribers < 1 || o.subscribers > 100_000:
		return o, errors.New("-subscribers must be from 1 to 100000")
	case o.rate < 1 || o.rate > 100_000:
		return o, errors.New("-rate must be from 1 to 100000")
	case o.posters < 1 || o.posters > 10_000:
		return o, errors.New("-posters must be from 1 to 10000")
	case o.idle < 1 || o.idle > 1_000_000:
		return o, errors.New("-idle must be from 1 to 1000000")
	case o.messages < 1 || o.messages > 100_000_000:
		return o, errors.New("-messages must be from 1 to 100000000")
	case o.starts < 1 || o.starts > 100:
		return o, errors.New("-starts must be from 1 to 100")
	}
	return o, nil
}

// raiseFileLimit lifts the soft limit on open files to the hard limit.
// Calling Setrlimit explicitly also makes os/exec pass the raised limit
// on to the server instead of restoring the original one.
func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// runner holds what the scenarios share: the work directory, the binary,
// the server that publish and fanout drive, the floor figures that
// publish compares with, and the large store of startup and history.
type runner struct {
	opts     options
	out, err io.Writer
	work     string // temporary directory, removed by close
	binary   string

	main   *target
	floors map[int]floorResult
	big    *bigStore
}

func newRunner(ctx context.Context, opts options, out, errw io.Writer) (*runner, error) {
	work, err := os.MkdirTemp(opts.dir, "makechat-loadtest-")
	if err != nil {
		return nil, err
	}
	r := &runner{opts: opts, out: out, err: errw, work: work, floors: map[int]floorResult{}}
	if opts.target == "" {
		r.binary, err = binaryPath(ctx, opts.binary, work)
		if err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

// selected lists the scenarios to run, in order.
func (r *runner) selected() []string {
	if r.opts.scenario == "all" {
		return scenarios
	}
	return []string{r.opts.scenario}
}

// needsProcess reports whether a scenario needs the server's process or
// store, which a -target does not give.
func needsProcess(name string) bool {
	return name == "idle" || name == "startup" || name == "history" || name == "cluster"
}

func (r *runner) scenario(ctx context.Context, name string) error {
	switch name {
	case "floor":
		return r.floor(ctx)
	case "publish":
		return r.publish(ctx)
	case "mix":
		return r.mix(ctx)
	case "fanout":
		return r.fanout(ctx)
	case "idle":
		return r.idle(ctx)
	case "startup":
		return r.startup(ctx)
	case "history":
		return r.history(ctx)
	case "cluster":
		return r.cluster(ctx)
	}
	return fmt.Errorf("unknown scenario %q", name)
}

// mainTarget returns the server that publish and fanout share, starting
// it (or connecting to -target) on first use.
func (r *runner) mainTarget(ctx context.Context) (*target, error) {
	if r.main != nil {
		return r.main, nil
	}
	var err error
	if r.opts.target != "" {
		r.main, err = remoteTarget(ctx, r.opts.target, r.opts.token)
	} else {
		r.main, err = r.startTarget(ctx, "main")
	}
	return r.main, err
}

// releaseMain stops the shared server, if the tool started it, and
// reports what its log says.
func (r *runner) releaseMain() {
	if r.main != nil && r.main.srv != nil {
		r.stopTarget(r.main, "publish, fanout")
	}
	r.main = nil
}

// close stops the shared server and removes the work directory.
func (r *runner) close() {
	r.releaseMain()
	if err := r.dropDatabases(); err != nil {
		fmt.Fprintln(r.err, "loadtest: drop the MongoDB databases:", err)
	}
	if err := os.RemoveAll(r.work); err != nil {
		fmt.Fprintln(r.err, "loadtest: remove work directory:", err)
	}
}
