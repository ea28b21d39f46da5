//! Shared service state and the helpers every RPC goes through: blocking store access off the
//! async threads, the one write path (audited, idempotent), paging, catalogue loading.
//!
//! Every write of the service goes through [`write_audited`] (or [`commit_audited`] for an
//! import's batches under one lock): the audit entry of what it wrote is added to the same
//! transaction, so no writer can forget it. [`AppState::write`] adds idempotency on top.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use jiff::Timestamp;
use peerlift_domain::access::{AuditEntry, AuditHead};
use peerlift_domain::{Catalog, CatalogEntry, Municipality};
use peerlift_store::{key, prefix, Batch, IdempotencyEntry, Record, Store, TreeId};
use prost::Message;

use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};

/// A source of "now"; tests may pin it.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Municipalities with a rematch in progress in this process (single flight).
pub type Running = Arc<Mutex<BTreeSet<String>>>;

/// State shared by all services.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub clock: Clock,
    /// Municipalities whose rematch is in progress (single flight).
    pub rematch_running: Running,
    /// Tokens revoked while the server runs (shared with the auth layer).
    pub revoked: Arc<crate::caller::Revoked>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store.path())
            .finish()
    }
}

impl AppState {
    pub fn new(store: Arc<Store>) -> AppState {
        AppState {
            store,
            clock: Arc::new(Timestamp::now),
            rematch_running: Arc::default(),
            revoked: Arc::default(),
        }
    }

    /// Runs a bounded read (a record, a page of a list) right here on the async worker. sled
    /// answers these from its cache in microseconds, and the hand-off to the blocking pool
    /// (two thread wake-ups per call) cost more than the read itself: the load test went from
    /// about 5,400 to the figures in BENCHMARKS.md. Unbounded work (reports, matching,
    /// exports) goes through [`AppState::read`].
    pub async fn read_now<T>(&self, f: impl FnOnce(&Store) -> ApiResult<T>) -> ApiResult<T> {
        f(&self.store)
    }

    /// Runs a read on the blocking pool: sled may touch the disk.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))?
    }

    /// Runs a write under the store's write lock, on the blocking pool, idempotently.
    ///
    /// With a non-empty `request_id`, the first successful response is stored with the write in
    /// the same transaction; a retry with the same id and the same request gets that response
    /// back and writes nothing; the same id with a different request is INVALID_ARGUMENT.
    /// `request` is the encoded request (its fingerprint); `f` gets the store (to read and
    /// check), the batch (to fill) and "now".
    /// The write is recorded in the audit log in the same transaction, as the caller's.
    pub async fn write<Resp>(
        &self,
        caller: &Caller,
        scope: &str,
        method: &'static str,
        request_id: &str,
        request: Vec<u8>,
        f: impl FnOnce(&Store, &mut Batch, Timestamp) -> ApiResult<Resp> + Send + 'static,
    ) -> ApiResult<Resp>
    where
        Resp: Message + Default + 'static,
    {
        check_request_id(request_id)?;
        let fingerprint = fingerprint(method, &request);
        let store = self.store.clone();
        let now = (self.clock)();
        let scope = scope.to_string();
        let request_id = request_id.to_string();
        let caller = caller.clone();
        let revoked = self.revoked.clone();
        tokio::task::spawn_blocking(move || {
            write_audited(
                &store,
                &caller,
                &scope,
                method,
                &request_id,
                now,
                |s, batch| {
                    // Under the lock: a call admitted before its token was revoked, and
                    // waiting for the lock since, writes nothing.
                    revoked.check(&caller)?;
                    let idem_key = key(&[&scope, method, &request_id]);
                    if !request_id.is_empty() {
                        if let Some(prev) = s.get::<IdempotencyEntry>(&idem_key)? {
                            if prev.fingerprint != fingerprint {
                                return Err(ApiError::invalid(
                                    "request_id",
                                    "was already used for a different request",
                                ));
                            }
                            tracing::debug!(method, request_id = %request_id, "replayed idempotent write");
                            // A replay writes nothing (and so adds no audit entry).
                            return Resp::decode(prev.response.as_slice()).map_err(|e| {
                                ApiError::Internal(format!("stored response unreadable: {e}"))
                            });
                        }
                    }
                    let resp = f(s, batch, now)?;
                    if !request_id.is_empty() {
                        batch.put(&IdempotencyEntry {
                            municipality_id: scope.clone(),
                            method: method.to_string(),
                            request_id: request_id.clone(),
                            fingerprint,
                            create_time: now,
                            response: resp.encode_to_vec(),
                        })?;
                    }
                    tracing::info!(method, municipality = %scope, writes = batch.len(), "write");
                    Ok(resp)
                },
            )
        })
        .await
        .map_err(|e| {
            ApiError::Internal(format!(
                "the write failed inside the server ({e}); nothing was written. This is a bug: the server's log has it"
            ))
        })?
    }
}

/// The one write path (blocking: call it off the async threads). Under the store's write lock,
/// `f` reads, checks and fills the batch; the audit entry of what the batch writes, as
/// `caller`'s call of `method`, joins it; the whole is committed atomically and flushed. A
/// failing `f` writes nothing.
pub fn write_audited<T>(
    store: &Store,
    caller: &Caller,
    scope: &str,
    method: &str,
    request_id: &str,
    now: Timestamp,
    f: impl FnOnce(&Store, &mut Batch) -> ApiResult<T>,
) -> ApiResult<T> {
    store.write(|s, batch| {
        // Fault injection (tests): a panic inside a write, before anything is committed.
        fail::fail_point!("write-closure");
        let out = f(s, batch)?;
        audit(s, batch, caller, scope, method, request_id, now)?;
        Ok(out)
    })
}

/// [`write_audited`] for a writer that already holds the store's lock across several batches
/// (the bulk importer commits one per file): adds the audit entry and commits.
pub fn commit_audited(
    store: &Store,
    mut batch: Batch,
    caller: &Caller,
    scope: &str,
    method: &str,
    request_id: &str,
    now: Timestamp,
) -> ApiResult<()> {
    audit(store, &mut batch, caller, scope, method, request_id, now)?;
    store.commit_locked(batch)?;
    Ok(())
}

impl AppState {
    /// The stored answer of an earlier identical write with this request id, if any, so an
    /// expensive call (a match run) can answer a retry without recomputing. A request id
    /// reused for a different request is INVALID_ARGUMENT, as in [`AppState::write`].
    pub async fn replay<Resp: Message + Default + 'static>(
        &self,
        scope: &str,
        method: &'static str,
        request_id: &str,
        request: &[u8],
    ) -> ApiResult<Option<Resp>> {
        if request_id.is_empty() {
            return Ok(None);
        }
        check_request_id(request_id)?;
        let fp = fingerprint(method, request);
        let k = key(&[scope, method, request_id]);
        self.read(move |s| match s.get::<IdempotencyEntry>(&k)? {
            None => Ok(None),
            Some(prev) if prev.fingerprint != fp => Err(ApiError::invalid(
                "request_id",
                "was already used for a different request",
            )),
            Some(prev) => Resp::decode(prev.response.as_slice())
                .map(Some)
                .map_err(|e| ApiError::Internal(format!("stored response unreadable: {e}"))),
        })
        .await
    }
}

/// Adds the audit entry of a write to its batch (nothing for a write that changes nothing).
/// Installation-wide writes (empty scope) are filed under the municipality they change. A
/// region's write (an approved region run, a region rematch) is filed under the region and,
/// with the records that touched it, under each member municipality it changed: a
/// municipality's coordinator, who may not read the region's log, sees every write to its data.
fn audit(
    s: &Store,
    batch: &mut Batch,
    caller: &Caller,
    scope: &str,
    method: &str,
    request_id: &str,
    now: Timestamp,
) -> ApiResult<()> {
    const SHOWN: usize = 50;
    #[derive(Default)]
    struct Filed {
        changes: Vec<String>,
        count: u64,
    }
    impl Filed {
        fn add(&mut self, shown: &str) {
            self.count += 1;
            if self.changes.len() < SHOWN {
                self.changes.push(shown.to_string());
            }
        }
    }
    let region = scope.starts_with("region:");
    let mut municipality = scope.to_string();
    let mut all = Filed::default();
    let mut members: std::collections::BTreeMap<String, Filed> = Default::default();
    for (tree, shown) in batch.changes() {
        if matches!(
            tree,
            TreeId::Idempotency | TreeId::Audit | TreeId::AuditChain
        ) {
            continue;
        }
        // `tree/first/...`: ids never contain '/', a region's name may.
        let rest = shown
            .strip_prefix(tree.name())
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or_default();
        let first = rest.split('/').next().unwrap_or_default();
        if municipality.is_empty() && tree == TreeId::Municipalities {
            municipality = first.to_string();
        }
        let own = rest == scope || rest.starts_with(&format!("{scope}/"));
        if region && tree != TreeId::Tokens && !own && !first.is_empty() {
            members.entry(first.to_string()).or_default().add(&shown);
        }
        all.add(&shown);
    }
    if all.count == 0 {
        return Ok(());
    }
    // Under the store's write lock: the head read here is the newest, and the entries of
    // this write join the chain in seq order.
    let mut head = s.get::<AuditHead>(peerlift_store::AUDIT_HEAD)?;
    let mut entry = |municipality_id: String, filed: Filed| -> ApiResult<AuditEntry> {
        let mut e = AuditEntry {
            municipality_id,
            time: now,
            seq: s.generate_id()?,
            token_id: caller.id.clone(),
            role: caller.role.code().to_string(),
            method: method.to_string(),
            request_id: request_id.to_string(),
            changes: filed.changes,
            change_count: filed.count,
            prev_hash: String::new(),
            hash: String::new(),
        };
        head = Some(e.link(head.as_ref()));
        Ok(e)
    };
    batch.put(&entry(municipality, all)?)?;
    for (m, filed) in members {
        batch.put(&entry(m, filed)?)?;
    }
    if let Some(h) = head {
        batch.put(&h)?;
    }
    Ok(())
}

pub(crate) fn check_request_id(id: &str) -> ApiResult<()> {
    if id.len() > 128 || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "request_id",
            "must be at most 128 printable ASCII characters (a UUID is typical)",
        ));
    }
    Ok(())
}

/// FNV-1a over the method and the encoded request: stable across runs and builds, which a
/// stored fingerprint needs (std's hashers are randomly seeded).
pub fn fingerprint(method: &str, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in method.as_bytes().iter().chain([0u8].iter()).chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Loads a municipality or fails with NOT_FOUND; every scoped call starts here.
pub fn municipality(store: &Store, id: &str) -> ApiResult<Municipality> {
    if id.is_empty() {
        return Err(ApiError::invalid("municipality_id", "must be set"));
    }
    store
        .get::<Municipality>(&key(&[id]))?
        .ok_or_else(|| ApiError::NotFound {
            kind: "municipality",
            id: id.to_string(),
        })
}

/// The catalogue in force for a municipality.
pub fn catalog(store: &Store, municipality_id: &str) -> ApiResult<Catalog> {
    let custom = store
        .scan::<CatalogEntry>(&prefix(&[municipality_id]), None)
        .map(|e| e.map(|e| (e.kind, e.code)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Catalog::with_custom(custom))
}

/// Today's date in the municipality's time zone (UTC if the zone is unknown here).
pub fn today(m: &Municipality, now: Timestamp) -> Date {
    let tz = jiff::tz::TimeZone::get(&m.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    now.to_zoned(tz).date()
}

/// Checks an optional etag against the current revision.
/// Deletes the record of a municipality named `id` when `etag` (if given) is current, and
/// answers it (for a last check of the caller's); `missing` is its not-found error.
pub fn delete_checked<R: peerlift_store::Record + peerlift_domain::Versioned>(
    s: &Store,
    b: &mut peerlift_store::Batch,
    (municipality_id, id): (&str, &str),
    etag: &str,
    kind: &'static str,
    missing: fn(&str) -> ApiError,
) -> ApiResult<R> {
    municipality(s, municipality_id)?;
    let k = key(&[municipality_id, id]);
    let cur = s.get::<R>(&k)?.ok_or_else(|| missing(id))?;
    check_etag(kind, id, etag, cur.meta())?;
    b.delete::<R>(k);
    Ok(cur)
}

/// Writes `new` over the stored record of its key when `etag` (if given) is current and
/// `check` lets it: a record left unchanged keeps its revision and writes nothing. Answers
/// the record as it now is.
pub fn replace_checked<R: peerlift_store::Record + peerlift_domain::Versioned + Clone>(
    s: &Store,
    b: &mut peerlift_store::Batch,
    mut new: R,
    (kind, id, etag): (&'static str, &str, &str),
    missing: fn(&str) -> ApiError,
    check: impl FnOnce(&Store, &R) -> ApiResult<()>,
    now: Timestamp,
) -> ApiResult<R> {
    let cur = s.get::<R>(&new.key())?.ok_or_else(|| missing(id))?;
    check_etag(kind, id, etag, cur.meta())?;
    if peerlift_domain::stamp(&mut new, Some(&cur), now) == peerlift_domain::Change::Unchanged {
        return Ok(cur);
    }
    check(s, &new)?;
    b.put(&new)?;
    Ok(new)
}

pub fn check_etag(
    kind: &'static str,
    id: &str,
    given: &str,
    current: &peerlift_domain::Meta,
) -> ApiResult<()> {
    if !given.is_empty() && given != current.etag() {
        return Err(ApiError::StaleEtag {
            kind,
            id: id.to_string(),
            given: given.to_string(),
            current: current.etag(),
        });
    }
    Ok(())
}

/// Page size: default 100, at most 1000.
pub fn page_size(requested: i32) -> ApiResult<usize> {
    match requested {
        0 => Ok(100),
        1..=1000 => Ok(requested as usize),
        _ => Err(ApiError::invalid(
            "page_size",
            "must be between 0 (default 100) and 1000",
        )),
    }
}

/// The tags of page tokens: one per list walk in the whole API, so a token is accepted only
/// by the list (and the index) that issued it. With a tag per call site alone, a token of the
/// teacher list passed to the school list had the right tag and prefix, and resumed at a
/// foreign key: a wrong page instead of an error.
pub mod walk {
    pub const MUNICIPALITIES: u8 = 0x01;
    pub const SCHOOLS: u8 = 0x02;
    pub const TEACHERS: u8 = 0x03;
    pub const TEACHERS_BY_SCHOOL: u8 = 0x04;
    pub const PROFILES: u8 = 0x05;
    pub const DIAGNOSTICS: u8 = 0x06;
    pub const DIAGNOSTICS_BY_TEACHER: u8 = 0x07;
    pub const MENTORSHIPS: u8 = 0x08;
    pub const SESSIONS_BY_MENTORSHIP: u8 = 0x09;
    pub const SESSIONS_BY_PARTICIPANT: u8 = 0x0a;
    pub const SESSIONS_BY_SCHOOL: u8 = 0x0b;
    pub const SESSIONS_BY_START: u8 = 0x0c;
    pub const AUDIT: u8 = 0x0d;
    pub const CURATORS: u8 = 0x0e;
    pub const EVENTS: u8 = 0x0f;
    pub const ASSOCIATIONS: u8 = 0x10;
    pub const PLATFORMS: u8 = 0x11;
    pub const PROGRAMMES: u8 = 0x12;
    pub const RESULTS: u8 = 0x13;
    pub const PLANS: u8 = 0x14;
    pub const DOCUMENTS: u8 = 0x15;
}

/// One list walk: which index it walks ([`walk`]) and a fingerprint of its filters, so a
/// page token is accepted only by the list, and with the filters, that issued it (AIP-158).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    pub tag: u8,
    pub print: u64,
}

impl Walk {
    /// `filters`: every filter of the call, as the call received them (their `Debug` form is
    /// stable within a release, which a page token need not outlive).
    pub fn new(tag: u8, filters: &impl std::fmt::Debug) -> Walk {
        Walk {
            tag,
            print: fingerprint("walk", format!("{filters:?}").as_bytes()),
        }
    }
}

/// Page tokens are opaque (AIP-158): version 2 is the walk's tag, its filters' fingerprint
/// and the last key a page walked, masked with a keystream and hex-encoded, so a client
/// reads nothing of the store's keys and cannot make a token. The next page resumes right
/// after that key even when records were added or removed in between.
pub fn encode_token(walk: Walk, last_key: &[u8]) -> String {
    let mut plain = vec![walk.tag];
    plain.extend_from_slice(&walk.print.to_be_bytes());
    plain.extend_from_slice(last_key);
    mask(&mut plain);
    let mut s = String::with_capacity(2 + plain.len() * 2);
    s.push_str("p2");
    for b in plain {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Decodes a page token for `walk`; the key must lie under `expected_prefix`.
pub fn decode_token(token: &str, walk: Walk, expected_prefix: &[u8]) -> ApiResult<Option<Vec<u8>>> {
    if token.is_empty() {
        return Ok(None);
    }
    let bad = || {
        ApiError::invalid(
            "page_token",
            "is not a page token of this list call (with these filters): start again without one",
        )
    };
    let hex = token.strip_prefix("p2").ok_or_else(bad)?;
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    mask(&mut bytes);
    if bytes.len() < 9 || bytes[0] != walk.tag || bytes[1..9] != walk.print.to_be_bytes() {
        return Err(bad());
    }
    let key = &bytes[9..];
    if !key.starts_with(expected_prefix) {
        return Err(bad());
    }
    Ok(Some(key.to_vec()))
}

/// XORs `bytes` with a fixed keystream (SHA-256 in counter mode): opacity, not secrecy; what
/// a token may reach is decided by the scope check, never by the token.
fn mask(bytes: &mut [u8]) {
    use sha2::Digest;
    for (i, chunk) in bytes.chunks_mut(32).enumerate() {
        let block = sha2::Sha256::new()
            .chain_update(b"peerlift page token v2")
            .chain_update((i as u64).to_be_bytes())
            .finalize();
        for (b, k) in chunk.iter_mut().zip(block.iter()) {
            *b ^= k;
        }
    }
}

/// Walks an index whose keys end in a record id, yielding (index key, record) in index order:
/// the input of [`page`] when a list filters by the index's leading component.
pub fn index_walk<'a, R: Record + 'a>(
    s: &'a Store,
    index: TreeId,
    prefix: &[u8],
    after: Option<&[u8]>,
    municipality_id: &'a str,
) -> impl Iterator<Item = ApiResult<(Vec<u8>, R)>> + 'a {
    s.scan_index(index, prefix, after).filter_map(move |k| {
        let k = match k {
            Ok(k) => k,
            Err(e) => return Some(Err(ApiError::from(e))),
        };
        let id = peerlift_store::split_key(&k).pop().unwrap_or_default();
        match s.get::<R>(&key(&[municipality_id, &id])) {
            Ok(Some(r)) => Some(Ok((k, r))),
            // The index and the records change in one transaction; a miss is a concurrent
            // delete between the two reads, and the record is simply gone.
            Ok(None) => None,
            Err(e) => Some(Err(e.into())),
        }
    })
}

/// Collects one page from a key-ordered iterator of (key, item), keeping items that pass the
/// filter; returns the items and the next token (empty when there is no more).
pub fn page<T>(
    iter: impl Iterator<Item = ApiResult<(Vec<u8>, T)>>,
    size: usize,
    walk: Walk,
    keep: impl Fn(&T) -> bool,
) -> ApiResult<(Vec<T>, String)> {
    let mut out = Vec::with_capacity(size.min(1000));
    let mut last_key = Vec::new();
    for item in iter {
        let (k, t) = item?;
        if !keep(&t) {
            continue;
        }
        if out.len() == size {
            // One more match exists: there is a next page, starting after the last returned.
            return Ok((out, encode_token(walk, &last_key)));
        }
        last_key = k;
        out.push(t);
    }
    Ok((out, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_roundtrip_and_reject_foreign_walks_filters_and_prefixes() {
        let w = Walk::new(1, &("math", Some(true)));
        let t = encode_token(w, b"m\0t42");
        assert_eq!(
            decode_token(&t, w, b"m\0").unwrap(),
            Some(b"m\0t42".to_vec())
        );
        // Opaque: nothing of the key shows.
        assert!(!t.contains(
            &"t42"
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ));
        assert!(decode_token(&t, Walk::new(2, &("math", Some(true))), b"m\0").is_err());
        assert!(decode_token(&t, Walk::new(1, &("history", Some(true))), b"m\0").is_err());
        assert!(decode_token(&t, w, b"other\0").is_err());
        assert!(decode_token("zz", w, b"").is_err());
    }

    #[test]
    fn fingerprints_are_stable() {
        // The published FNV-1a 64 test vector for one zero byte: stored fingerprints must not
        // change between builds.
        assert_eq!(fingerprint("", b""), 0xaf63_bd4c_8601_b7df);
        assert_ne!(fingerprint("A", b"x"), fingerprint("B", b"x"));
    }
}
