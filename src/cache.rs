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
}
