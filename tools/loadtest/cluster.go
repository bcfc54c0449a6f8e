package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cluster measures delivery across nodes (docs/scaling.md): for each
// count of nodes in -nodes, the same subscribers and the same paced posts
// (-rate for -duration), both spread over the nodes in turn, on one
// MongoDB database. One node runs alone (no NATS): the baseline; more
// run with NATS inside each (nats_embedded), joined by routes, as
// compose.cluster.yaml runs them. It reports delivery latency and the
// servers' CPU per delivered event, whose growth over one node is what
// NATS and the merge of the nodes' events cost.
func (r *runner) cluster(ctx context.Context) error {
	if r.opts.mongoURI == "" {
		fmt.Fprintf(r.out, "== cluster: skipped (needs -mongo-uri: the nodes share one MongoDB)\n\n")
		return nil
	}
	d := r.opts.duration
	tbl := newTable(fmt.Sprintf("cluster: %d WebSocket subscribers of one room, %d posts/s for %s, both spread over the nodes", r.opts.subscribers, r.opts.rate, d),
		"nodes", "posts/s", "deliveries/s", "missing", "dup", "p50", "p99", "max", "server CPU/delivery")
	for _, n := range r.opts.nodes {
		res, err := r.clusterStep(ctx, n)
		if err != nil {
			return fmt.Errorf("%d nodes: %w", n, err)
		}
		perDelivery := "-"
		if res.delivered > 0 {
			perDelivery = fmt.Sprintf("%.2f µs", res.cpu.Seconds()*1e6/float64(res.delivered))
		}
		tbl.add(strconv.Itoa(n), fmtRate(res.postRate), fmtRate(res.deliveryRate), thousands(res.missing), thousands(res.dup),
			fmtDur(res.lat.p50), fmtDur(res.lat.p99), fmtDur(res.lat.max), perDelivery)
		for _, e := range res.errs {
			tbl.note("%d nodes: error: %s", n, e)
		}
	}
	tbl.note("latency is post sent to frame received, across nodes when they differ; server CPU is every node's (NATS runs inside them)")
	tbl.print(r.out)
	return nil
}

// clusterResult is one count of nodes' figures.
type clusterResult struct {
	phaseResult
	cpu time.Duration // the servers' CPU time during the paced phase
}

func (r *runner) clusterStep(ctx context.Context, n int) (clusterResult, error) {
	targets, err := r.startCluster(ctx, n)
	defer func() {
		for i, t := range targets {
			r.stopTarget(t, fmt.Sprintf("cluster of %d, node %d", n, i+1))
		}
	}()
	if err != nil {
		return clusterResult{}, err
	}
	run := &fanoutRun{targets: targets}
	defer run.close()
	paced := int(math.Ceil(float64(r.opts.rate) * r.opts.duration.Seconds()))
	for i, t := range targets {
		share := r.opts.subscribers / n
		if i < r.opts.subscribers%n {
			share++
		}
		conns, failed, err := dialMany(ctx, t, share, 32)
		if failed > 0 {
			return clusterResult{}, fmt.Errorf("node %d: %d subscribers could not connect: %v", i+1, failed, err)
		}
		for _, c := range conns {
			s := &subscriber{conn: c, done: make(chan struct{}), seen: make([]uint64, (paced+63)/64)}
			s.lat[phasePaced] = make([]time.Duration, 0, paced)
			run.subs = append(run.subs, s)
			go s.read(run)
		}
	}
	if err := run.warmUp(ctx); err != nil {
		return clusterResult{}, err
	}
	cpu := func() (ticks int64) {
		for _, t := range targets {
			ticks += procTicks(strconv.Itoa(t.srv.pid()), false)
		}
		return ticks
	}
	before := cpu()
	run.phase.Store(phasePaced)
	res := clusterResult{phaseResult: run.paced(ctx, r.opts.rate, paced)}
	res.cpu = time.Duration(cpu()-before) * time.Second / userHZ
	return res, nil
}

// startCluster starts n servers on one MongoDB database; more than one
// with NATS inside each, every one given all the others as peers. The
// first gets the administrator and the room; all share them.
func (r *runner) startCluster(ctx context.Context, n int) ([]*target, error) {
	base := filepath.Join(r.work, fmt.Sprintf("cluster%d", n))
	uri, err := r.mongoDatabase(base)
	if err != nil {
		return nil, err
	}
	routes := make([]string, n)
	for i := range routes {
		if routes[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	var targets []*target
	for i := range n {
		env := []string{"MAKECHAT_MONGO_URI=" + uri}
		if n > 1 {
			env = append(env, "MAKECHAT_NATS_EMBEDDED=true", "MAKECHAT_NATS_CLUSTER_LISTEN="+routes[i], "MAKECHAT_NATS_CLUSTER_PEERS="+strings.Join(routes, ","))
		}
		srv, err := startServer(r.binary, fmt.Sprintf("%s-node%d", base, i+1), "127.0.0.1:0", env...)
		if err != nil {
			return targets, err
		}
		targets = append(targets, &target{srv: srv})
	}
	if err := r.prepare(ctx, targets[0]); err != nil {
		return targets, err
	}
	for _, t := range targets[1:] {
		if err := t.srv.waitReady(ctx); err != nil {
			return targets, err
		}
		t.base, t.token, t.room = t.srv.url, targets[0].token, targets[0].room
	}
	return targets, nil
}
