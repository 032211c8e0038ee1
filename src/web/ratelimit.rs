//! Per-client rate limit of public writes (requests, sign-in links):
//! `MLP_RATE_LIMIT_PER_MINUTE` per IP address and minute, per instance.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// A fixed one-minute window per client.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    clients: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// `0` disables the limit (benchmarks).
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, clients: Mutex::new(HashMap::new()) }
    }

    /// Counts one write of `client`; `Err(seconds)` to wait when over the
    /// limit.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() > 100_000 {
            clients.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = clients.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let wait = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_client_and_minute() {
        let r = RateLimiter::new(2);
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "127.0.0.2".parse().expect("ip");
        let t = Instant::now();
        assert!(r.check_at(a, t).is_ok());
        assert!(r.check_at(a, t).is_ok());
        assert!(r.check_at(a, t).is_err());
        assert!(r.check_at(b, t).is_ok(), "per client");
        assert!(r.check_at(a, t + WINDOW).is_ok(), "a new minute");
        assert!(RateLimiter::new(0).check_at(a, t).is_ok());
    }
}
