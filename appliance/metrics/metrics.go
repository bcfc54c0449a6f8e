// Package metrics keeps makechat's Prometheus metrics (through
// github.com/prometheus/client_golang) and serves them in the text
// exposition format.
//
// New registers everything; the API reports each request through
// ObserveRequest, the chat service's events go through Event, and Store
// wraps the store so that every call's latency is measured. The gauges
// for open streams and backups read their values when scraped. The names:
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
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Sources are the values the gauges read when scraped.
type Sources struct {
	// Streams is the number of open WebSocket streams.
	Streams func() int
	// Backups is when the last backup succeeded (zero if none) and how
	// many have failed.
	Backups func() (lastSuccess time.Time, failures int)
}

// Metrics holds the collectors of one server.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	messages    prometheus.Counter
	storeTime   *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
}

// New registers the metrics; started is when the server started (the
// backup age counts from it until a backup succeeds).
func New(src Sources, started time.Time) *Metrics {
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
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "makechat_streams_open",
			Help: "Open WebSocket streams.",
		}, func() float64 { return float64(src.Streams()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "makechat_backup_last_success_timestamp_seconds",
			Help: "Unix time of the last successful backup; 0 if none since the server started.",
		}, func() float64 {
			last, _ := src.Backups()
			if last.IsZero() {
				return 0
			}
			return float64(last.UnixNano()) / 1e9
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "makechat_backup_age_seconds",
			Help: "Seconds since the last successful backup, or since the server started if none succeeded yet.",
		}, func() float64 {
			last, _ := src.Backups()
			if last.IsZero() {
				last = started
			}
			return time.Since(last).Seconds()
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "makechat_backup_failures_total",
			Help: "Backups that failed since the server started.",
		}, func() float64 {
			_, failures := src.Backups()
			return float64(failures)
		}),
	)
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

// MessagePosted counts one posted message.
func (m *Metrics) MessagePosted() { m.messages.Inc() }
