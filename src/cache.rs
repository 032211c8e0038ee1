//! A small in-memory cache tied to the catalogue version: every entry of a
//! previous version is dropped at once. Bounded by clearing when full, which
//! is enough for pages whose working set is a few hundred lycées.

use std::collections::HashMap;
use std::sync::RwLock;

/// Values by key, valid for one catalogue version.
#[derive(Debug)]
pub struct VersionedCache<V> {
    capacity: usize,
    inner: RwLock<(i64, HashMap<String, V>)>,
}

impl<V: Clone> VersionedCache<V> {
    pub fn new(capacity: usize) -> Self {
        VersionedCache { capacity, inner: RwLock::new((i64::MIN, HashMap::new())) }
    }

    /// The value stored for `key` at `version`.
    pub fn get(&self, version: i64, key: &str) -> Option<V> {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        if guard.0 != version {
            return None;
        }
        guard.1.get(key).cloned()
    }

    pub fn insert(&self, version: i64, key: String, value: V) {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if guard.0 != version || guard.1.len() >= self.capacity {
            guard.1.clear();
            guard.0 = version;
        }
        guard.1.insert(key, value);
    }

    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).1.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Values by key, each valid while the requests have not changed (a
/// revision counter, [`crate::requests::RequestService::revision`]) and for
/// at most `max_age` (changes made by another instance or the worker). For
/// what is computed from many requests and read often: the public
/// statistics, the coordinators' dashboards. Bounded by clearing when full.
#[derive(Debug)]
pub struct FreshCache<V> {
    capacity: usize,
    max_age: std::time::Duration,
    inner: std::sync::Mutex<HashMap<String, (u64, std::time::Instant, V)>>,
}

impl<V: Clone> FreshCache<V> {
    pub fn new(capacity: usize, max_age: std::time::Duration) -> Self {
        FreshCache { capacity, max_age, inner: std::sync::Mutex::new(HashMap::new()) }
    }

    /// The value of `key` computed at `revision`, if not too old.
    pub fn fresh(&self, key: &str, revision: u64) -> Option<V> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.get(key).filter(|(r, at, _)| *r == revision && at.elapsed() < self.max_age).map(|(_, _, v)| v.clone())
    }

    /// The value of `key` if it is fresh, or else if it was computed less
    /// than `stale_for` ago whatever the revision: what a reader may be
    /// given while another computes the new value.
    pub fn lookup(&self, key: &str, revision: u64, stale_for: std::time::Duration) -> Kept<V> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match guard.get(key) {
            Some((r, at, v)) if *r == revision && at.elapsed() < self.max_age => Kept::Fresh(v.clone()),
            Some((_, at, v)) if at.elapsed() < stale_for => Kept::Stale(v.clone()),
            _ => Kept::Missing,
        }
    }

    /// Keeps `value`, computed from the requests as they were at `revision`
    /// (read before computing: a change during the computation makes it
    /// stale at once). Nothing is kept when `max_age` is zero.
    pub fn insert(&self, key: String, revision: u64, value: V) {
        if self.max_age.is_zero() {
            return;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if guard.len() >= self.capacity {
            guard.clear();
        }
        guard.insert(key, (revision, std::time::Instant::now(), value));
    }
}

/// What [`FreshCache::lookup`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept<V> {
    /// Computed at the current revision, within the maximum age.
    Fresh(V),
    /// Older than that, but recent enough to be shown while a new value is
    /// computed.
    Stale(V),
    Missing,
}

/// A value read from the database, as of a read that began after the
/// caller asked: what pages key their caches with (the change counters of
/// `storage::versions`), so that a change committed by any instance shows
/// at once on every other — no polling window. Concurrent callers share
/// reads: one read at a time, and a caller takes the result of the first
/// read that began after it asked, so that under load an instance makes
/// about one read per read's duration instead of one per request.
#[derive(Debug, Default)]
pub struct Fresh<T> {
    /// Reads begun so far.
    begun: std::sync::atomic::AtomicU64,
    /// The last read completed: its number (1 for the first), value, and
    /// when it began.
    last: tokio::sync::Mutex<(u64, Option<(T, std::time::Instant)>)>,
}

impl<T: Clone> Fresh<T> {
    pub fn new() -> Fresh<T> {
        Fresh { begun: std::sync::atomic::AtomicU64::new(0), last: tokio::sync::Mutex::new((0, None)) }
    }

    /// The value as `read` gives it, from a read begun after this call.
    pub async fn get<E, F>(&self, read: impl FnOnce() -> F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        self.within(std::time::Duration::ZERO, read).await
    }

    /// The value as `read` gives it, from a read begun after this call or
    /// less than `max_age` ago: for figures a reader accepts a little old
    /// (the operators' `/metrics`, scraped every 15 s or more), whose read
    /// costs too much to make at every request.
    pub async fn within<E, F>(&self, max_age: std::time::Duration, read: impl FnOnce() -> F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        use std::sync::atomic::Ordering;
        let asked = self.begun.load(Ordering::Acquire);
        // Fair (first come, first served): those who asked during a read
        // wait for the next one, which the first of them makes.
        let mut last = self.last.lock().await;
        if let Some((v, began)) = &last.1
            && (last.0 > asked || began.elapsed() < max_age)
        {
            return Ok(v.clone());
        }
        let number = self.begun.fetch_add(1, Ordering::AcqRel) + 1;
        let began = std::time::Instant::now();
        let value = read().await?;
        *last = (number, Some((value.clone(), began)));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_for_one_version_and_stay_bounded() {
        let c = VersionedCache::new(2);
        c.insert(1, "a".into(), 1);
        assert_eq!(c.get(1, "a"), Some(1));
        assert_eq!(c.get(2, "a"), None, "another version");
        c.insert(1, "b".into(), 2);
        c.insert(1, "c".into(), 3);
        assert!(c.len() <= 2);
        c.insert(2, "d".into(), 4);
        assert_eq!((c.get(1, "c"), c.get(2, "d")), (None, Some(4)));
    }

    #[tokio::test]
    async fn fresh_reads_begin_after_the_ask() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let fresh: std::sync::Arc<Fresh<u64>> = std::sync::Arc::new(Fresh::new());
        let store = std::sync::Arc::new(AtomicU64::new(1));
        let reads = std::sync::Arc::new(AtomicU64::new(0));
        let read = |store: std::sync::Arc<AtomicU64>, reads: std::sync::Arc<AtomicU64>| async move {
            reads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            Ok::<u64, ()>(store.load(Ordering::SeqCst))
        };
        assert_eq!(fresh.get(|| read(store.clone(), reads.clone())).await, Ok(1));
        // A change committed before the ask is always seen.
        store.store(2, Ordering::SeqCst);
        assert_eq!(fresh.get(|| read(store.clone(), reads.clone())).await, Ok(2));
        // Many callers at once share a few reads, and all see the change.
        store.store(3, Ordering::SeqCst);
        let before = reads.load(Ordering::SeqCst);
        let mut all = Vec::new();
        for _ in 0..50 {
            let (f, s, r) = (fresh.clone(), store.clone(), reads.clone());
            all.push(tokio::spawn(async move { f.get(|| read(s, r)).await }));
        }
        for t in all {
            assert_eq!(t.await.expect("tâche"), Ok(3));
        }
        assert!(reads.load(Ordering::SeqCst) - before <= 3, "{} reads", reads.load(Ordering::SeqCst) - before);
        // A failed read is the caller's error; the next read tries again.
        assert_eq!(fresh.get(|| async { Err::<u64, &str>("base injoignable") }).await, Err("base injoignable"));
        assert_eq!(fresh.get(|| read(store.clone(), reads.clone())).await, Ok(3));
    }

    #[tokio::test]
    async fn fresh_within_an_age_reuses_a_recent_read() {
        let fresh: Fresh<u64> = Fresh::new();
        let reads = std::sync::atomic::AtomicU64::new(0);
        let read = || async { Ok::<u64, ()>(reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) };
        assert_eq!(fresh.within(std::time::Duration::from_secs(60), read).await, Ok(1));
        // Within the age: the same read, whatever was committed since.
        assert_eq!(fresh.within(std::time::Duration::from_secs(60), read).await, Ok(1));
        // No age: a read begun after the ask, as `get` does.
        assert_eq!(fresh.within(std::time::Duration::ZERO, read).await, Ok(2));
        assert_eq!(fresh.get(read).await, Ok(3));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(fresh.within(std::time::Duration::from_millis(10), read).await, Ok(4), "too old: read again");
    }

    #[test]
    fn fresh_values_follow_the_revision_and_age() {
        let c = FreshCache::new(2, std::time::Duration::from_secs(60));
        c.insert("a".into(), 1, 10);
        assert_eq!(c.fresh("a", 1), Some(10));
        assert_eq!(c.fresh("a", 2), None, "the requests changed");
        c.insert("b".into(), 1, 11);
        c.insert("c".into(), 1, 12);
        assert!(c.fresh("a", 1).is_none() || c.fresh("c", 1).is_some());
        let minute = std::time::Duration::from_secs(60);
        assert_eq!(c.lookup("c", 1, minute), Kept::Fresh(12));
        assert_eq!(c.lookup("c", 2, minute), Kept::Stale(12), "changed since, but recent");
        assert_eq!(c.lookup("c", 2, std::time::Duration::ZERO), Kept::Missing, "too old to show");
        assert_eq!(c.lookup("z", 1, minute), Kept::Missing);
        let old = FreshCache::new(2, std::time::Duration::ZERO);
        old.insert("a".into(), 1, 10);
        assert_eq!(old.fresh("a", 1), None, "no age, no cache");
    }
}
