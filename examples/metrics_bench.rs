//! Cost of recording one answered request in the metrics (issue 14,
//! docs/decisions.md § 27): the `metrics-exporter-prometheus` recorder of
//! `monlyceepro::web::metrics` against the hand-written counters it
//! replaced (kept below, as they were), in the same run.
//!
//! `cargo run --example metrics_bench [OPS]`; build it optimised
//! (`--release`, or `CARGO_PROFILE_DEV_OPT_LEVEL=2` with the dev profile,
//! whose dependencies are already optimised) so that both sides are.

use monlyceepro::web::metrics::Metrics;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The routes and statuses a scrape typically shows.
const ROUTES: [&str; 20] = [
    "/",
    "/recherche",
    "/lycees/{uai}",
    "/api/v1/lycees",
    "/api/v1/lycees/{uai}",
    "/api/v1/communes",
    "/api/v1/metiers",
    "/api/v1/demandes",
    "/api/v1/demandes/{reference}",
    "/demande",
    "/suivi/{token}",
    "/r/{token}/prendre",
    "/espace",
    "/espace/demandes",
    "/espace/demandes/{reference}",
    "/statistiques",
    "/healthz",
    "/livez",
    "/metrics",
    "/static/{*path}",
];
const STATUSES: [u16; 3] = [200, 303, 404];

fn sample(i: usize) -> (&'static str, u16, Duration) {
    (ROUTES[i % ROUTES.len()], STATUSES[(i / 7) % STATUSES.len()], Duration::from_micros((i % 5000) as u64 + 200))
}

/// Records one request (route, status, duration).
type Observe = Arc<dyn Fn(&str, u16, Duration) + Send + Sync>;

/// `ops` recordings split over `threads` threads; nanoseconds per recording.
fn run(threads: usize, ops: usize, observe: Observe) -> f64 {
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let observe = observe.clone();
            std::thread::spawn(move || {
                for i in 0..ops / threads {
                    let (route, status, elapsed) = sample(i * threads + t);
                    observe(black_box(route), black_box(status), black_box(elapsed));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    started.elapsed().as_nanos() as f64 / ops as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let ops: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    println!("{ops} recordings, 20 routes × 3 statuses, median of 5 rounds");
    println!("| threads | hand-written (ns/request) | metrics-exporter-prometheus (ns/request) |");
    println!("|---|---|---|");
    for threads in [1, 2, 4] {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let old = Arc::new(former::Metrics::default());
            ours.push(run(threads, ops, Arc::new(move |r, s, e| old.observe("GET", r, s, e))));
            let new = Arc::new(Metrics::default());
            theirs.push(run(threads, ops, Arc::new(move |r, s, e| new.observe("GET", r, s, e))));
        }
        println!("| {threads} | {:.0} | {:.0} |", median(ours), median(theirs));
    }
    let old = former::Metrics::default();
    let new = Metrics::default();
    for i in 0..100_000 {
        let (r, s, e) = sample(i);
        old.observe("GET", r, s, e);
        new.observe("GET", r, s, e);
    }
    let time_render = |f: &dyn Fn() -> usize| {
        let started = Instant::now();
        let mut bytes = 0;
        for _ in 0..200 {
            bytes = black_box(f());
        }
        (started.elapsed().as_micros() as f64 / 200.0, bytes)
    };
    let (old_us, old_bytes) = time_render(&|| old.render(&[]).len());
    let (new_us, new_bytes) = time_render(&|| new.render(&[]).len());
    println!("render: hand-written {old_us:.0} µs ({old_bytes} bytes), exporter {new_us:.0} µs ({new_bytes} bytes)");
}

/// The hand-written counters of `src/web/metrics.rs` before issue 14.
mod former {
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
                let _ = writeln!(
                    out,
                    "mlp_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {n}",
                    escape(r)
                );
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
                let _ =
                    writeln!(out, "mlp_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}", h.count);
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
}
