//! Per-client rate limit of public writes (requests, sign-in links):
//! `MLP_RATE_LIMIT_PER_MINUTE` per IP address, and for partner platforms
//! `MLP_API_KEY_RATE_LIMIT_PER_MINUTE` per API key; per instance (each
//! instance counts alone: with N instances a client may write N times the
//! figure).
//!
//! `governor`'s GCRA rather than our former fixed window: no double burst
//! across a window's edge, and a well-tested, lock-sharded keyed store
//! (docs/decisions.md § 29).

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter as Gcra};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

/// Forgets the clients back to a full allowance every so many checks, so
/// that the memory follows the recent clients, not every address ever seen.
const PRUNE_EVERY: u64 = 4096;

/// governor's keyed limiter over a clock (a fake one in the unit tests).
type KeyedGcra<K, C> = Gcra<K, DashMapStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A GCRA limiter keyed by client (its address, or a partner's key): a
/// burst of the per-minute figure, then one write every `60 / per_minute`
/// seconds.
#[derive(Debug)]
pub struct RateLimiter<K: Hash + Eq + Clone = IpAddr, C: Clock = DefaultClock> {
    gcra: Option<KeyedGcra<K, C>>,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `0` disables the limit (benchmarks).
    pub fn new(per_minute: u32) -> RateLimiter<K> {
        RateLimiter::with_clock(per_minute, DefaultClock::default())
    }
}

impl<K: Hash + Eq + Clone, C: Clock> RateLimiter<K, C> {
    fn with_clock(per_minute: u32, clock: C) -> RateLimiter<K, C> {
        let gcra =
            NonZeroU32::new(per_minute).map(|n| Gcra::dashmap_with_clock(Quota::per_minute(n).allow_burst(n), clock));
        RateLimiter { gcra, checks: AtomicU64::new(0) }
    }

    /// Counts one write of `client`; `Err(seconds)` to wait (at least 1,
    /// for `Retry-After`) when over the limit.
    pub fn check(&self, client: K) -> Result<(), u64> {
        let Some(gcra) = &self.gcra else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            gcra.retain_recent();
            gcra.shrink_to_fit();
        }
        gcra.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(gcra.clock().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }

    /// Clients currently remembered.
    #[cfg(test)]
    fn clients(&self) -> usize {
        self.gcra.as_ref().map_or(0, |g| g.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    #[test]
    fn limits_per_client_with_a_burst_of_the_minute_figure() {
        let clock = FakeRelativeClock::default();
        let r: RateLimiter<IpAddr, _> = RateLimiter::with_clock(2, clock.clone());
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "127.0.0.2".parse().expect("ip");
        assert!(r.check(a).is_ok());
        assert!(r.check(a).is_ok());
        assert_eq!(r.check(a), Err(30), "one write back every 30 s");
        assert!(r.check(b).is_ok(), "per client");
        clock.advance(Duration::from_secs(29));
        assert_eq!(r.check(a), Err(1));
        clock.advance(Duration::from_secs(1));
        assert!(r.check(a).is_ok(), "replenished");
        assert!(r.check(a).is_err());
        assert!(RateLimiter::<IpAddr>::new(0).check(a).is_ok());
    }

    #[test]
    fn forgets_clients_back_to_a_full_allowance() {
        let clock = FakeRelativeClock::default();
        let r: RateLimiter<IpAddr, _> = RateLimiter::with_clock(60, clock.clone());
        for i in 0..1000u32 {
            assert!(r.check(IpAddr::from(i.to_be_bytes())).is_ok());
        }
        assert_eq!(r.clients(), 1000);
        clock.advance(Duration::from_secs(61));
        for _ in 0..PRUNE_EVERY {
            let _ = r.check("10.0.0.1".parse().expect("ip"));
        }
        assert!(r.clients() < 10, "{} clients remembered", r.clients());
    }
}
