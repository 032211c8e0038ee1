//! Prometheus metrics (`GET /metrics`): requests by route and status, and
//! their latency, kept in memory by each instance.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters of one server instance.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        {
            let mut r = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            *r.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
        }
        let secs = elapsed.as_secs_f64();
        let mut l = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = l.entry(route.to_string()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The text exposition format, with extra gauges appended by the caller.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP mlp_http_requests_total Requêtes HTTP traitées.\n# TYPE mlp_http_requests_total counter\n",
        );
        for ((m, r, s), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ =
                writeln!(out, "mlp_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {n}", escape(r));
        }
        out.push_str("# HELP mlp_http_request_duration_seconds Durée de traitement des requêtes.\n# TYPE mlp_http_request_duration_seconds histogram\n");
        for (r, h) in self.latency.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let r = escape(r);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "mlp_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(out, "mlp_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "mlp_http_request_duration_seconds_sum{{route=\"{r}\"}} {}", h.sum);
            let _ = writeln!(out, "mlp_http_request_duration_seconds_count{{route=\"{r}\"}} {}", h.count);
        }
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/lycees/{uai}", 200, Duration::from_millis(3));
        m.observe("GET", "/lycees/{uai}", 404, Duration::from_millis(30));
        let text = m.render(&[("mlp_lycees", "Lycées au catalogue.", 2090.0)]);
        assert!(text.contains("mlp_http_requests_total{method=\"GET\",route=\"/lycees/{uai}\",status=\"200\"} 1"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
        assert!(text.contains("mlp_lycees 2090"));
    }
}
