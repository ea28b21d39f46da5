//! What every stored record carries: its revision (the etag) and times, and the one rule of
//! what a write over the stored record amounts to. Its own module so that the catalogue and
//! the registry records both use it without importing each other.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Bookkeeping every record carries. `revision` starts at 1 and grows by one per change; it is
/// the optimistic-concurrency token (etag) of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub revision: u64,
    pub create_time: Timestamp,
    pub update_time: Timestamp,
}

impl Meta {
    pub fn new(now: Timestamp) -> Meta {
        Meta {
            revision: 1,
            create_time: now,
            update_time: now,
        }
    }

    /// The meta of the next revision of a record that had `self`.
    pub fn next(&self, now: Timestamp) -> Meta {
        Meta {
            revision: self.revision + 1,
            create_time: self.create_time,
            update_time: now,
        }
    }

    /// The etag clients see: opaque to them, the revision to us.
    pub fn etag(&self) -> String {
        self.revision.to_string()
    }
}

/// What writing a record over the stored one amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    /// Same content: nothing to write, and the revision (etag) stays.
    Unchanged,
}

/// A record with bookkeeping and client-settable content.
pub trait Versioned {
    fn meta(&self) -> &Meta;
    fn meta_mut(&mut self) -> &mut Meta;
    /// Equal in everything a client sets (not meta, not service-maintained fields).
    fn content_eq(&self, other: &Self) -> bool;
}

/// Stamps `new` as the successor of `current` (None: a new record): a new revision when the
/// content differs, the current meta when it doesn't. Every write path goes through here, so
/// "unchanged" means the same everywhere (API updates, imports).
pub fn stamp<T: Versioned>(new: &mut T, current: Option<&T>, now: Timestamp) -> Change {
    match current {
        None => {
            *new.meta_mut() = Meta::new(now);
            Change::Created
        }
        Some(cur) if cur.content_eq(new) => {
            *new.meta_mut() = cur.meta().clone();
            Change::Unchanged
        }
        Some(cur) => {
            *new.meta_mut() = cur.meta().next(now);
            Change::Updated
        }
    }
}
