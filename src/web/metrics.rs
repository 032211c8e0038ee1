//! Prometheus metrics (`GET /metrics`): requests by route and status, and
//! their latency, kept in memory by each instance, with the gauges read at
//! scrape time appended by the handler.
//!
//! Recorded and rendered by `metrics-exporter-prometheus` (escaping, name
//! sanitising, histograms) rather than our former hand-written text
//! (docs/decisions.md § 29). Each `Metrics` owns its recorder, never the
//! global one: the tests start many servers in one process, each must count
//! only its own requests. We serve `/metrics` ourselves (access rule in
//! `web::may_read_metrics`): the exporter's HTTP listener is not built.

use metrics::{Unit, with_local_recorder};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

const REQUESTS: &str = "mlp_http_requests_total";
const DURATION: &str = "mlp_http_request_duration_seconds";

/// Histogram samples are kept raw until drained into their buckets: drain
/// them every so many requests, so memory stays flat between scrapes (or
/// with no scraper at all).
const UPKEEP_EVERY: u64 = 1024;

/// One gauge read at scrape time, with at most one label.
#[derive(Debug, Clone)]
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub label: Option<(&'static str, String)>,
    pub value: f64,
}

impl Gauge {
    /// A gauge without labels.
    pub fn plain(name: &'static str, help: &'static str, value: f64) -> Gauge {
        Gauge { name, help, label: None, value }
    }

    /// One series of a labelled gauge.
    pub fn labelled(name: &'static str, help: &'static str, label: &'static str, value_of: &str, value: f64) -> Gauge {
        Gauge { name, help, label: Some((label, value_of.to_string())), value }
    }
}

/// Counters of one server instance.
#[derive(Debug)]
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    observed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        with_local_recorder(&recorder, || {
            metrics::describe_counter!(REQUESTS, "Requêtes HTTP traitées.");
            metrics::describe_histogram!(DURATION, Unit::Seconds, "Durée de traitement des requêtes.");
        });
        Metrics { recorder, handle, observed: AtomicU64::new(0) }
    }
}

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        with_local_recorder(&self.recorder, || {
            metrics::counter!(REQUESTS, "method" => method.to_owned(), "route" => route.to_owned(), "status" => status.to_string())
                .increment(1);
            metrics::histogram!(DURATION, "route" => route.to_owned()).record(elapsed.as_secs_f64());
        });
        if self.observed.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY == UPKEEP_EVERY - 1 {
            self.handle.run_upkeep();
        }
    }

    /// The text exposition format, with the gauges read by the caller.
    pub fn render(&self, gauges: &[Gauge]) -> String {
        with_local_recorder(&self.recorder, || {
            for g in gauges {
                metrics::describe_gauge!(g.name, g.help);
                match &g.label {
                    Some((k, v)) => metrics::gauge!(g.name, *k => v.clone()).set(g.value),
                    None => metrics::gauge!(g.name).set(g.value),
                }
            }
        });
        self.handle.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_buckets_and_gauges() {
        let m = Metrics::default();
        m.observe("GET", "/lycees/{uai}", 200, Duration::from_millis(3));
        m.observe("GET", "/lycees/{uai}", 404, Duration::from_millis(30));
        let text = m.render(&[
            Gauge::plain("mlp_lycees", "Lycées au catalogue.", 2090.0),
            Gauge::labelled("mlp_demandes", "Demandes par statut.", "statut", "nouvelle", 0.0),
        ]);
        assert!(
            text.contains("mlp_http_requests_total{method=\"GET\",route=\"/lycees/{uai}\",status=\"200\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("mlp_http_request_duration_seconds_bucket{route=\"/lycees/{uai}\",le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(text.contains("le=\"0.05\"} 2"), "{text}");
        assert!(text.contains("le=\"1\"} 2"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("mlp_http_request_duration_seconds_count{route=\"/lycees/{uai}\"} 2"), "{text}");
        assert!(text.contains("# TYPE mlp_http_request_duration_seconds histogram"), "{text}");
        assert!(text.contains("# HELP mlp_lycees Lycées au catalogue."), "{text}");
        assert!(text.contains("mlp_lycees 2090"), "{text}");
        assert!(text.contains("mlp_demandes{statut=\"nouvelle\"} 0"), "{text}");
    }

    #[test]
    fn upkeep_keeps_counts() {
        let m = Metrics::default();
        for _ in 0..(UPKEEP_EVERY * 2 + 5) {
            m.observe("GET", "/", 200, Duration::from_millis(1));
        }
        let text = m.render(&[]);
        assert!(
            text.contains(&format!("mlp_http_request_duration_seconds_count{{route=\"/\"}} {}", UPKEEP_EVERY * 2 + 5))
        );
    }
}
