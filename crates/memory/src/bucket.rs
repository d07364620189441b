//! One bucket's objects, indexed for both point operations and ordered listings.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::time::SystemTime;

use crate::object::StoredObject;

/// One bucket's objects.
///
/// Objects live in a slab of slots. Point operations (put, get, head, delete) find the slot
/// through a hash map: one hash and a probe, where an ordered map over 100k keys compares the
/// key against a dozen others, each behind its own pointer. Listings walk an ordered map from
/// key to slot, so they read objects without hashing. Both maps share each key's allocation.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    /// Each key's slot, for point operations. Hashed with foldhash, which costs a fraction
    /// of the standard SipHash on every get, head and put. It is seeded at random per map,
    /// so colliding keys cannot be computed in advance: the minimal resistance to flooding
    /// foldhash promises, enough for a fake S3 that `stowage serve` binds to 127.0.0.1.
    by_key: HashMap<Arc<str>, usize, foldhash::fast::RandomState>,
    /// The same keys in S3's listing order (UTF-8 byte order).
    in_order: BTreeMap<Arc<str>, usize>,
    /// The objects; `None` in a slot emptied by a delete.
    slots: Vec<Option<StoredObject>>,
    /// Slots emptied by deletes, reused by the next new keys.
    free: Vec<usize>,
    /// When the bucket was created, as ListBuckets reports it.
    created: Option<SystemTime>,
}

impl Bucket {
    /// An empty bucket created at `created`.
    pub(crate) fn created_at(created: SystemTime) -> Self {
        Self {
            created: Some(created),
            ..Self::default()
        }
    }

    /// When the bucket was created.
    pub(crate) fn created(&self) -> Option<SystemTime> {
        self.created
    }

    /// Number of objects.
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
    }

    /// The object under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&StoredObject> {
        self.by_key
            .get(key)
            .and_then(|&slot| self.slots[slot].as_ref())
    }

    /// Stores `object` under `key`; returns the object it replaced.
    pub(crate) fn put(&mut self, key: &str, object: StoredObject) -> Option<StoredObject> {
        if let Some(&slot) = self.by_key.get(key) {
            // Overwrite in place: no new key allocation, the order is unchanged.
            return self.slots[slot].replace(object);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(object);
                slot
            }
            None => {
                self.slots.push(Some(object));
                self.slots.len() - 1
            }
        };
        let key: Arc<str> = Arc::from(key);
        self.in_order.insert(Arc::clone(&key), slot);
        self.by_key.insert(key, slot);
        None
    }

    /// Removes the object under `key`, returning it.
    pub(crate) fn remove(&mut self, key: &str) -> Option<StoredObject> {
        let slot = self.by_key.remove(key)?;
        self.in_order.remove(key);
        self.free.push(slot);
        self.slots[slot].take()
    }

    /// Every object whose key starts with `prefix` and, when `after` is given, sorts
    /// strictly after it; in key order.
    pub(crate) fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a str, &'a StoredObject)> + 'a {
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        self.in_order
            .range::<str, _>((start, Bound::Unbounded))
            .take_while(move |(key, _)| key.starts_with(prefix))
            .filter_map(|(key, &slot)| Some((&**key, self.slots[slot].as_ref()?)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use bytes::Bytes;
    use stowage_core::PutOptions;

    use super::Bucket;
    use crate::object::StoredObject;

    /// An object with `body`, written at the epoch.
    fn object(body: &'static str) -> StoredObject {
        StoredObject::new(
            Bytes::from_static(body.as_bytes()),
            PutOptions::new(),
            SystemTime::UNIX_EPOCH,
        )
    }

    /// Keys and bodies under `prefix`, in listing order.
    fn listing(bucket: &Bucket, prefix: &str) -> Vec<(String, Bytes)> {
        bucket
            .with_prefix(prefix, None)
            .map(|(key, object)| (key.to_owned(), object.data.clone()))
            .collect()
    }

    /// Keys under `prefix` strictly after `after`, in listing order.
    fn keys_after<'a>(bucket: &'a Bucket, prefix: &'a str, after: &'a str) -> Vec<&'a str> {
        bucket
            .with_prefix(prefix, Some(after))
            .map(|(key, _)| key)
            .collect()
    }

    #[test]
    fn lists_strictly_after_a_bound() {
        let mut bucket = Bucket::default();
        for key in ["a", "b/1", "b/2", "b/3", "c"] {
            bucket.put(key, object(key));
        }
        assert_eq!(keys_after(&bucket, "b/", "b/1"), ["b/2", "b/3"]);
        assert_eq!(keys_after(&bucket, "b/", "b/15"), ["b/2", "b/3"]);
        assert_eq!(keys_after(&bucket, "b/", "a"), ["b/1", "b/2", "b/3"]);
        assert_eq!(keys_after(&bucket, "b/", "b/3"), [] as [&str; 0]);
        assert_eq!(keys_after(&bucket, "b/", "c"), [] as [&str; 0]);
        assert_eq!(keys_after(&bucket, "", "b/3"), ["c"]);
    }

    #[test]
    fn keeps_both_indexes_and_reuses_freed_slots() {
        let mut bucket = Bucket::default();
        assert!(bucket.put("b/2", object("two")).is_none());
        assert!(bucket.put("a/1", object("one")).is_none());
        assert!(bucket.put("b/1", object("three")).is_none());
        let replaced = bucket.put("b/2", object("TWO")).expect("b/2 existed");
        assert_eq!(replaced.data, "two");
        assert_eq!(bucket.len(), 3);
        assert_eq!(
            listing(&bucket, "b/"),
            [("b/1".into(), "three".into()), ("b/2".into(), "TWO".into())]
        );

        assert_eq!(bucket.remove("a/1").expect("a/1 existed").data, "one");
        assert!(bucket.remove("a/1").is_none());
        assert!(bucket.get("a/1").is_none());
        let slots = bucket.slots.len();
        assert!(bucket.put("c", object("four")).is_none());
        assert_eq!(bucket.slots.len(), slots, "the freed slot is reused");
        assert_eq!(bucket.get("c").expect("c stored").data, "four");
        assert_eq!(
            listing(&bucket, ""),
            [
                ("b/1".into(), "three".into()),
                ("b/2".into(), "TWO".into()),
                ("c".into(), "four".into())
            ]
        );
    }
}
