package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/modelgate/modelgate/server/store"
)

// metrics are the service's Prometheus metrics, in a registry of their
// own so that several servers can live in one process (tests).
type metrics struct {
	reg        *prometheus.Registry
	events     *prometheus.CounterVec
	rejected   *prometheus.CounterVec
	accept     prometheus.Histogram
	commits    *commitMetrics
	scans      *prometheus.CounterVec
	scanTime   prometheus.Histogram
	fetched    prometheus.Counter
	findings   *prometheus.CounterVec
	referrers  *prometheus.CounterVec
	jobsByStat *prometheus.Desc
	queueDepth *prometheus.Desc
	st         store.Store
}

// commitMetrics describe the store's group commits: made before the store
// is opened, which reports to them.
type commitMetrics struct {
	events prometheus.Histogram
	waited prometheus.Histogram
	took   prometheus.Histogram
	failed prometheus.Counter
}

func newCommitMetrics() *commitMetrics {
	return &commitMetrics{
		events: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "modelgate_commit_group_events", Help: "Events stored by one group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		waited: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "modelgate_commit_wait_seconds", Help: "How long a group's longest-waiting event waited for a committer (queueing behind commits in progress).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		took: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "modelgate_commit_duration_seconds", Help: "Duration of a group commit's transaction, its sync to disk included.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "modelgate_commit_failures_total", Help: "Group commits that failed (each of their events was answered 503).",
		}),
	}
}

func (c *commitMetrics) observe(g store.GroupCommit) {
	c.events.Observe(float64(g.Events))
	c.waited.Observe(g.Waited.Seconds())
	c.took.Observe(g.Took.Seconds())
	if g.Failed {
		c.failed.Inc()
	}
}

func newMetrics(st store.Store, commits *commitMetrics) *metrics {
	m := &metrics{
		commits: commits,
		reg:     prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_events_received_total", Help: "Events received, by source and what became of them (queued, duplicate, ignored).",
		}, []string{"source", "result"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_requests_rejected_total", Help: "Requests rejected, by source and reason.",
		}, []string{"source", "reason"}),
		accept: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "modelgate_accept_duration_seconds", Help: "Time to store an event's jobs and answer.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_scans_total", Help: "Scan attempts, by how they ended (done, retry, failed, released).",
		}, []string{"result"}),
		scanTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "modelgate_scan_duration_seconds", Help: "Duration of scan attempts.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
		fetched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "modelgate_fetched_bytes_total", Help: "Bytes of model files scanned.",
		}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_findings_total", Help: "Findings reported by completed scans, by severity.",
		}, []string{"severity"}),
		referrers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_referrers_total", Help: "Referrer pushes to OCI registries, by result.",
		}, []string{"result"}),
		jobsByStat: prometheus.NewDesc("modelgate_jobs", "Jobs in the store, by state.", []string{"state"}, nil),
		queueDepth: prometheus.NewDesc("modelgate_queue_depth", "Jobs waiting to be scanned.", nil, nil),
		st:         st,
	}
	m.reg.MustRegister(m.events, m.rejected, m.accept, m.scans, m.scanTime, m.fetched, m.findings, m.referrers, m,
		commits.events, commits.waited, commits.took, commits.failed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Describe and Collect read the job counts from the store at scrape time,
// so that every replica reports the shared queue.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.jobsByStat
	ch <- m.queueDepth
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := m.st.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(m.jobsByStat, err)
		return
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(m.jobsByStat, prometheus.GaugeValue, float64(n), string(st))
	}
	ch <- prometheus.MustNewConstMetric(m.queueDepth, prometheus.GaugeValue, float64(counts[store.Queued]))
}
