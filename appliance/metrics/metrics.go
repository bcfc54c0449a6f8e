// Package metrics keeps makechat's Prometheus metrics (through
// github.com/prometheus/client_golang) and serves them in the text
// exposition format.
//
// New registers everything; the API reports each request through
// ObserveRequest, the store each operation through ObserveStore (its
// storage.Observer), and posted messages come through MessagePosted. The
// gauges for open streams and backups read their values, given by
// WatchStreams and WatchBackups, when scraped. The names:
//
//	makechat_http_requests_total{route,method,code}
//	makechat_http_request_duration_seconds{route}
//	makechat_streams_open
//	makechat_messages_posted_total
//	makechat_store_operation_duration_seconds{op}
//	makechat_store_errors_total{op}
//	makechat_backup_last_success_timestamp_seconds
//	makechat_backup_age_seconds
//	makechat_backup_failures_total
//
// plus the Go runtime's and the process's standard metrics.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/makechat/makechat/storage"
)

// Metrics holds the collectors of one server.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	messages    prometheus.Counter
	storeTime   *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
	started     time.Time
}

// New registers the metrics; started is when the server started (the
// backup age counts from it until a backup succeeds).
func New(started time.Time) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "makechat_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "makechat_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern (streams excluded).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "makechat_messages_posted_total",
			Help: "Messages posted (room and direct, by users, bots and webhooks).",
		}),
		storeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "makechat_store_operation_duration_seconds",
			Help:    "Time the store takes per operation, by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"op"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "makechat_store_errors_total",
			Help: "Store operations that failed for a reason other than not found or duplicate, by operation.",
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.messages, m.storeTime, m.storeErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.started = started
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest counts one answered request. route is the pattern that
// matched (never the raw path, so that ids do not multiply the series).
func (m *Metrics) ObserveRequest(route, method string, code int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // clients choose methods: keep the series bounded
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	if route != "/api/stream" {
		m.latency.WithLabelValues(route).Observe(d.Seconds())
	}
}

// WatchStreams makes makechat_streams_open read count when scraped.
func (m *Metrics) WatchStreams(count func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "makechat_streams_open",
		Help: "Open WebSocket streams.",
	}, func() float64 { return float64(count()) }))
}

// WatchBackups makes the backup metrics read status when scraped: when
// the last backup succeeded (zero if none) and how many have failed.
func (m *Metrics) WatchBackups(status func() (lastSuccess time.Time, failures int)) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "makechat_backup_last_success_timestamp_seconds",
			Help: "Unix time of the last successful backup; 0 if none since the server started.",
		}, func() float64 {
			last, _ := status()
			if last.IsZero() {
				return 0
			}
			return float64(last.UnixNano()) / 1e9
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "makechat_backup_age_seconds",
			Help: "Seconds since the last successful backup, or since the server started if none succeeded yet.",
		}, func() float64 {
			last, _ := status()
			if last.IsZero() {
				last = m.started
			}
			return time.Since(last).Seconds()
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "makechat_backup_failures_total",
			Help: "Backups that failed since the server started.",
		}, func() float64 {
			_, failures := status()
			return float64(failures)
		}),
	)
}

// WatchPush makes the Web Push counters read stats when scraped: the
// messages fanned out (each asked whom to notify), the pushes sent and
// the notifications dropped (queue full) since the server started.
func (m *Metrics) WatchPush(stats func() (fanOuts, sent, dropped int64)) {
	counter := func(name, help string, pick func(f, s, d int64) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 {
			return float64(pick(stats()))
		})
	}
	m.reg.MustRegister(
		counter("makechat_push_fanouts_total", "Messages whose Web Push notifications were decided.", func(f, _, _ int64) int64 { return f }),
		counter("makechat_push_sent_total", "Web Push messages accepted by browsers' push services.", func(_, s, _ int64) int64 { return s }),
		counter("makechat_push_dropped_total", "Web Push notifications dropped because the queue was full.", func(_, _, d int64) int64 { return d }),
	)
}

// ClusterStats is what WatchCluster reads of a cluster's bus.
type ClusterStats struct {
	Connected                     bool
	Peers                         int
	Sent, Received, Dropped, Late uint64
}

// WatchCluster reports a cluster node's link to the others: whether NATS
// is connected, how many other nodes it hears, and its event counts.
func (m *Metrics) WatchCluster(stats func() ClusterStats) {
	counter := func(name, help string, pick func(ClusterStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(pick(stats())) })
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "makechat_cluster_nats_connected", Help: "1 while this node is connected to NATS, else 0."}, func() float64 {
			if stats().Connected {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "makechat_cluster_peers", Help: "Other nodes waited for: heard from within three seconds."}, func() float64 { return float64(stats().Peers) }),
		counter("makechat_cluster_events_sent_total", "Events sent to the other nodes.", func(s ClusterStats) uint64 { return s.Sent }),
		counter("makechat_cluster_events_received_total", "Events received from the other nodes.", func(s ClusterStats) uint64 { return s.Received }),
		counter("makechat_cluster_events_dropped_total", "Events that could not be sent or read.", func(s ClusterStats) uint64 { return s.Dropped }),
		counter("makechat_cluster_events_late_total", "Events of a node that was no longer waited for, delivered out of order.", func(s ClusterStats) uint64 { return s.Late }),
	)
}

// ObserveStore records one store operation: its latency, and a fault
// unless its error is an answer (not found, duplicate) or the caller
// going away. It is the stores' storage.Observer.
func (m *Metrics) ObserveStore(op string, took time.Duration, err error) {
	m.storeTime.WithLabelValues(op).Observe(took.Seconds())
	if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrDuplicate) && !errors.Is(err, context.Canceled) {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}

// MessagePosted counts one posted message.
func (m *Metrics) MessagePosted() { m.messages.Inc() }
