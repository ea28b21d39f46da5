//! Persistence of the peerlift registry on sled.
//!
//! * One sled tree per record kind, plus index trees the store maintains itself (callers never
//!   write an index, so an index can't disagree with its records).
//! * Keys are ids joined by 0x00 (`municipality \0 id`), which ids can't contain, so a prefix
//!   scan of `municipality \0` lists exactly one municipality in id order.
//! * Values are `[encoding version byte] ++ postcard(record)`; see [`codec`].
//! * A schema version in the `meta` tree is checked at open: a store written by a newer binary is
//!   refused rather than misread.
//! * Every write goes through [`Store::write`]: the caller reads and validates under the write
//!   lock, fills a [`Batch`], and the batch is applied as one multi-tree sled transaction and
//!   flushed before the call returns. A closure that fails writes nothing.

pub mod backup;
pub mod codec;
mod keys;
pub mod legacy;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use peerlift_domain::access::{AuditEntry, AuditHead, Token};
use peerlift_domain::{
    CatalogEntry, Diagnostic, MatchRun, MentorProfile, Mentorship, Municipality, RematchPolicy,
    RematchRecord, ScheduleProposal, ScheduleSettings, School, Session, Teacher, Veto,
};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

pub use codec::Record;
pub use keys::{key, prefix, split_key};

/// The schema this binary reads and writes. Bump it (and add a migration in [`Store::open`])
/// when a tree's layout or a record's meaning changes.
///
/// 2: match runs carry a certificate and unmatched demands their municipality and school; the
/// candidate limit became opt-in (records of schema 1 are upgraded as they are read, see
/// [`legacy`]).
/// 3: audit entries are hash-chained (`prev_hash`, `hash`; the head in tree `audit_chain`);
/// entries written before read with empty hashes and count as before the chain.
pub const SCHEMA_VERSION: u32 = 3;

const SCHEMA_KEY: &[u8] = b"schema_version";
const ID_FLOOR_KEY: &[u8] = b"id_floor";

/// The one error type of the store crate.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} has schema version {found}, but this peerlift binary supports at most \
         version {supported}; run a newer peerlift (or restore a backup made for this version)"
    )]
    SchemaTooNew {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("the directory {path} holds data that is not a peerlift store (no schema version)")]
    NotAStore { path: String },
    #[error(
        "the store at {path} is in use by another process (is a peerlift server running on it?)"
    )]
    Locked { path: String },
    #[error("corrupt record in tree {tree}: {reason}")]
    Corrupt { tree: &'static str, reason: String },
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("backup line {line}: {reason}")]
    Backup { line: usize, reason: String },
    #[error("{0}")]
    Restore(String),
    /// The write is applied but its flush to disk failed.
    #[error("the write was applied but not confirmed on disk ({0})")]
    Unflushed(String),
}

impl StoreError {
    /// Whether the disk (or the file system under it) failed, rather than the data: the call
    /// may succeed later, nothing is wrong with the request.
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            StoreError::Io(_) | StoreError::Sled(sled::Error::Io(_)) | StoreError::Unflushed(_)
        )
    }

    /// Whether the disk is full.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Io(e) | StoreError::Sled(sled::Error::Io(e)) => {
                e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
            }
            _ => false,
        }
    }
}

/// The error a failpoint injects: `enospc` is a full disk, anything else a failed write.
#[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
fn injected(arg: Option<String>) -> StoreError {
    match arg.as_deref() {
        Some("enospc") => StoreError::Io(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device (injected)",
        )),
        other => StoreError::Io(std::io::Error::other(format!(
            "write failed (injected{})",
            other.map(|a| format!(": {a}")).unwrap_or_default()
        ))),
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The trees of the store. The discriminant is the position in the transaction slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TreeId {
    Municipalities = 0,
    Catalog,
    Schools,
    Teachers,
    MentorProfiles,
    Diagnostics,
    Idempotency,
    /// Index: `muni \0 school \0 teacher` -> empty.
    TeachersBySchool,
    /// Index: `muni \0 teacher \0 date \0 diagnostic` -> empty.
    DiagnosticsByTeacher,
    Mentorships,
    Vetoes,
    MatchRuns,
    /// Per municipality: a counter bumped by every write to matching inputs (see
    /// [`Generation`]).
    Generations,
    Sessions,
    /// Index: `muni \0 mentorship \0 start \0 session` -> empty.
    SessionsByMentorship,
    /// Index: `muni \0 participant \0 start \0 session` (mentor and mentees) -> empty.
    SessionsByParticipant,
    /// Index: `muni \0 school \0 start \0 session` -> empty.
    SessionsBySchool,
    /// Index: `muni \0 start \0 session` -> empty.
    SessionsByStart,
    ScheduleSettings,
    ScheduleProposals,
    RematchPolicies,
    /// `muni \0 slot` -> the record of a nightly slot or a manual rematch.
    RematchRecords,
    /// `token id` -> a bearer token (its hash, never the secret).
    Tokens,
    /// `muni \0 time \0 seq` -> one acknowledged write (empty muni: installation-wide).
    Audit,
    /// `head` -> the newest entry of the audit chain.
    AuditChain,
    /// `muni \0 curator` -> a curator and the schools it looks after.
    Curators,
    /// `muni \0 association` -> a professional association or network community.
    Associations,
    /// `muni \0 platform` -> an internship platform of a leader school.
    Platforms,
    /// `muni \0 event` -> a municipal event.
    Events,
    /// `muni \0 diagnostic` -> an administrator's management diagnostic.
    ManagementDiagnostics,
    /// `muni \0 programme` -> a programme with its stages and targets.
    Programmes,
    /// `muni \0 school \0 assessment \0 subject \0 grade \0 year` -> one line of student results.
    StudentResults,
    /// `muni \0 plan` -> a roadmap or a teacher's route.
    Plans,
    /// `muni \0 document` -> a document the office signed.
    SignedDocuments,
}

impl TreeId {
    pub const ALL: [TreeId; 34] = [
        TreeId::Municipalities,
        TreeId::Catalog,
        TreeId::Schools,
        TreeId::Teachers,
        TreeId::MentorProfiles,
        TreeId::Diagnostics,
        TreeId::Idempotency,
        TreeId::TeachersBySchool,
        TreeId::DiagnosticsByTeacher,
        TreeId::Mentorships,
        TreeId::Vetoes,
        TreeId::MatchRuns,
        TreeId::Generations,
        TreeId::Sessions,
        TreeId::SessionsByMentorship,
        TreeId::SessionsByParticipant,
        TreeId::SessionsBySchool,
        TreeId::SessionsByStart,
        TreeId::ScheduleSettings,
        TreeId::ScheduleProposals,
        TreeId::RematchPolicies,
        TreeId::RematchRecords,
        TreeId::Tokens,
        TreeId::Audit,
        TreeId::AuditChain,
        TreeId::Curators,
        TreeId::Associations,
        TreeId::Platforms,
        TreeId::Events,
        TreeId::ManagementDiagnostics,
        TreeId::Programmes,
        TreeId::StudentResults,
        TreeId::Plans,
        TreeId::SignedDocuments,
    ];

    /// Trees whose writes change what a match run would see.
    fn feeds_matching(self) -> bool {
        matches!(
            self,
            TreeId::Schools
                | TreeId::Teachers
                | TreeId::MentorProfiles
                | TreeId::Diagnostics
                | TreeId::Mentorships
                | TreeId::Vetoes
                | TreeId::Platforms
                | TreeId::ManagementDiagnostics
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            TreeId::Municipalities => "municipalities",
            TreeId::Catalog => "catalog",
            TreeId::Schools => "schools",
            TreeId::Teachers => "teachers",
            TreeId::MentorProfiles => "mentor_profiles",
            TreeId::Diagnostics => "diagnostics",
            TreeId::Idempotency => "idempotency",
            TreeId::TeachersBySchool => "idx_teachers_by_school",
            TreeId::DiagnosticsByTeacher => "idx_diagnostics_by_teacher",
            TreeId::Mentorships => "mentorships",
            TreeId::Vetoes => "vetoes",
            TreeId::MatchRuns => "match_runs",
            TreeId::Generations => "generations",
            TreeId::Sessions => "sessions",
            TreeId::SessionsByMentorship => "idx_sessions_by_mentorship",
            TreeId::SessionsByParticipant => "idx_sessions_by_participant",
            TreeId::SessionsBySchool => "idx_sessions_by_school",
            TreeId::SessionsByStart => "idx_sessions_by_start",
            TreeId::ScheduleSettings => "schedule_settings",
            TreeId::ScheduleProposals => "schedule_proposals",
            TreeId::RematchPolicies => "rematch_policies",
            TreeId::RematchRecords => "rematch_records",
            TreeId::Tokens => "tokens",
            TreeId::Audit => "audit",
            TreeId::AuditChain => "audit_chain",
            TreeId::Curators => "curators",
            TreeId::Associations => "associations",
            TreeId::Platforms => "platforms",
            TreeId::Events => "events",
            TreeId::ManagementDiagnostics => "management_diagnostics",
            TreeId::Programmes => "programmes",
            TreeId::StudentResults => "student_results",
            TreeId::Plans => "plans",
            TreeId::SignedDocuments => "signed_documents",
        }
    }
}

/// The remembered outcome of a write that carried a `request_id`, so a retry gets the same
/// answer instead of a second write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyEntry {
    pub municipality_id: String,
    /// The RPC, e.g. `CreateSchool`: one request id may be reused across methods.
    pub method: String,
    pub request_id: String,
    /// Hash of the request, to refuse a reused request id with different content.
    pub fingerprint: u64,
    pub create_time: jiff::Timestamp,
    /// The encoded response (opaque to the store).
    #[serde(with = "codec::hex_bytes")]
    pub response: Vec<u8>,
}

/// The state generation of a municipality: bumped in the same transaction as every write to
/// its schools, teachers, profiles, diagnostics, mentorships or vetoes. A match run records the
/// generation it read; approving it requires the generation to be unchanged, so a proposal
/// computed from an older state is never applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    pub municipality_id: String,
    pub value: u64,
}

/// An index entry: the index tree and the key in it.
pub type IndexKey = (TreeId, Vec<u8>);

/// Decodes a stored value of some record type and lists its index entries.
type IndexOf = fn(&[u8]) -> Result<Vec<IndexKey>>;

/// One pending change of a [`Batch`].
#[derive(Debug)]
enum Op {
    Put {
        tree: TreeId,
        key: Vec<u8>,
        value: Vec<u8>,
        index: Vec<IndexKey>,
        old_index: IndexOf,
    },
    Delete {
        tree: TreeId,
        key: Vec<u8>,
        old_index: IndexOf,
    },
}

/// Writes collected by a [`Store::write`] closure, applied together or not at all.
#[derive(Debug, Default)]
pub struct Batch {
    ops: Vec<Op>,
    /// Municipalities whose matching inputs this batch changes.
    touched: std::collections::BTreeSet<String>,
    /// Municipalities whose generation the batch sets itself (restore).
    explicit_generation: std::collections::BTreeSet<String>,
    /// Restore writes the saved generations itself: no automatic bumps at all.
    no_bumps: bool,
}

impl Batch {
    /// Inserts or replaces a record (indexes follow automatically).
    pub fn put<R: Record>(&mut self, record: &R) -> Result<()> {
        let key = record.key();
        self.touch(R::TREE, &key);
        self.ops.push(Op::Put {
            tree: R::TREE,
            key,
            value: codec::encode(record)?,
            index: record.index_keys(),
            old_index: codec::index_of_encoded::<R>,
        });
        Ok(())
    }

    /// Removes the record with `key` (indexes follow automatically).
    pub fn delete<R: Record>(&mut self, key: Vec<u8>) {
        self.touch(R::TREE, &key);
        self.ops.push(Op::Delete {
            tree: R::TREE,
            key,
            old_index: codec::index_of_encoded::<R>,
        });
    }

    /// A batch that never bumps generations (restore, which writes the saved ones).
    pub fn without_generation_bumps() -> Batch {
        Batch {
            no_bumps: true,
            ..Batch::default()
        }
    }

    /// Marks a municipality's matching inputs as changed by this batch even when no record of
    /// its own is written (a cross-municipality mentorship changes its mentor's municipality).
    pub fn touch_municipality(&mut self, municipality: &str) {
        self.touched.insert(municipality.to_string());
    }

    fn touch(&mut self, tree: TreeId, key: &[u8]) {
        let muni = || {
            let first = key.split(|b| *b == 0).next().unwrap_or_default();
            String::from_utf8_lossy(first).into_owned()
        };
        if tree.feeds_matching() {
            self.touched.insert(muni());
        } else if tree == TreeId::Generations {
            self.explicit_generation.insert(muni());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// What the batch writes so far, as `tree/key` (key parts joined by `/`), in order: the
    /// "what" of an audit entry.
    pub fn changes(&self) -> impl Iterator<Item = (TreeId, String)> + '_ {
        self.ops.iter().map(|op| {
            let (tree, key) = match op {
                Op::Put { tree, key, .. } | Op::Delete { tree, key, .. } => (*tree, key),
            };
            let shown: Vec<String> = key
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            (tree, format!("{}/{}", tree.name(), shown.join("/")))
        })
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }
}

/// The store: a sled database and its trees.
#[derive(Debug)]
pub struct Store {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    path: PathBuf,
    write_lock: Mutex<()>,
    /// Added to sled's id counter (see [`Store::raise_id_floor`]).
    id_floor: std::sync::atomic::AtomicU64,
    /// The last records read with [`Store::get_shared`], decoded (see there).
    decoded: Mutex<std::collections::VecDeque<Decoded>>,
}

/// How many decoded records [`Store::get_shared`] keeps.
const DECODED: usize = 4;

/// A record as stored and as decoded.
struct Decoded {
    tree: TreeId,
    key: Vec<u8>,
    raw: sled::IVec,
    value: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("tree", &self.tree)
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the store in directory `path` and checks its schema version.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let db = open_db(&path, &shown)?;
        let trees = TreeId::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let meta = db.open_tree("meta")?;
        match meta.get(SCHEMA_KEY)? {
            Some(v) => {
                let found =
                    u32::from_be_bytes(v.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                        tree: "meta",
                        reason: "schema version is not 4 bytes".into(),
                    })?);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::SchemaTooNew {
                        path: shown,
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                // Schema 1 records are upgraded as they are read (`legacy`); from now on the
                // store may hold schema 2 records, which an older binary must refuse.
                if found < SCHEMA_VERSION {
                    meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                    db.flush()?;
                    tracing::info!(path = %shown, from = found, to = SCHEMA_VERSION, "store schema upgraded");
                }
            }
            None => {
                if trees.iter().any(|t| !t.is_empty()) {
                    return Err(StoreError::NotAStore { path: shown });
                }
                meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                db.flush()?;
            }
        }
        tracing::debug!(path = %shown, schema = SCHEMA_VERSION, "store opened");
        let id_floor = match meta.get(ID_FLOOR_KEY)? {
            Some(v) => {
                u64::from_be_bytes(v.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                    tree: "meta",
                    reason: "id floor is not 8 bytes".into(),
                })?)
            }
            None => 0,
        };
        Ok(Store {
            db,
            trees,
            path,
            write_lock: Mutex::new(()),
            id_floor: std::sync::atomic::AtomicU64::new(id_floor),
            decoded: Mutex::new(std::collections::VecDeque::new()),
        })
    }

    /// Raises the floor of generated ids (a restore: the restored records used ids up to
    /// there, and sled's counter of the new store starts again at 0).
    pub fn raise_id_floor(&self, floor: u64) -> Result<()> {
        use std::sync::atomic::Ordering;
        if floor > self.id_floor.load(Ordering::SeqCst) {
            let meta = self.db.open_tree("meta")?;
            meta.insert(ID_FLOOR_KEY, &floor.to_be_bytes())?;
            self.db.flush()?;
            self.id_floor.store(floor, Ordering::SeqCst);
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A secret of this installation, made from `fresh` the first time it is asked for and the
    /// same ever after (it lives in the store's meta tree, not in backups). Keys values that
    /// must be stable yet not computable from public ids, such as export pseudonyms.
    pub fn secret(&self, name: &str, fresh: [u8; 32]) -> Result<Vec<u8>> {
        let meta = self.db.open_tree("meta")?;
        let k = format!("secret:{name}");
        if let Some(v) = meta.get(k.as_bytes())? {
            return Ok(v.to_vec());
        }
        // Two first callers at once: one wins, both read the winner.
        let _ = meta.compare_and_swap(k.as_bytes(), None as Option<&[u8]>, Some(&fresh[..]))?;
        self.db.flush()?;
        meta.get(k.as_bytes())?
            .map(|v| v.to_vec())
            .ok_or(StoreError::Corrupt {
                tree: "meta",
                reason: format!("secret {name} vanished"),
            })
    }

    /// The whole audit log and the head of its chain, for verification.
    pub fn audit_chain(&self) -> Result<(Vec<AuditEntry>, Option<AuditHead>)> {
        let entries = self
            .scan::<AuditEntry>(&[], None)
            .collect::<Result<Vec<_>>>()?;
        Ok((entries, self.get::<AuditHead>(AUDIT_HEAD)?))
    }

    /// Every installation secret, by name (for a backup that asks for them).
    pub fn secrets(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let meta = self.db.open_tree("meta")?;
        let mut out = Vec::new();
        for kv in meta.scan_prefix(b"secret:") {
            let (k, v) = kv?;
            let name = String::from_utf8_lossy(&k["secret:".len()..]).into_owned();
            out.push((name, v.to_vec()));
        }
        Ok(out)
    }

    /// Sets an installation secret (restoring a backup made with its secrets).
    pub fn set_secret(&self, name: &str, value: &[u8]) -> Result<()> {
        let meta = self.db.open_tree("meta")?;
        meta.insert(format!("secret:{name}").as_bytes(), value)?;
        Ok(())
    }

    /// Writes raw bytes into a tree, bypassing encoding; for tests of older encodings only.
    #[doc(hidden)]
    pub fn put_raw_for_test(&self, tree: TreeId, key: &[u8], value: &[u8]) -> Result<()> {
        self.tree(tree).insert(key, value)?;
        Ok(())
    }

    /// Forces a schema version into the store; for tests of the version check only.
    #[doc(hidden)]
    pub fn set_schema_version_for_test(&self, v: u32) -> Result<()> {
        self.db
            .open_tree("meta")?
            .insert(SCHEMA_KEY, &v.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    fn tree(&self, t: TreeId) -> &sled::Tree {
        &self.trees[t as usize]
    }

    /// Reads one record.
    pub fn get<R: Record>(&self, key: &[u8]) -> Result<Option<R>> {
        match self.tree(R::TREE).get(key)? {
            Some(v) => Ok(Some(codec::decode(R::TREE, &v)?)),
            None => Ok(None),
        }
    }

    /// Reads one large record that is read again and again unchanged (a region's match run,
    /// 10,000 pairs, read a page at a time): decoded once, shared while its stored bytes stay
    /// the same. Every call still reads the stored bytes, so a changed or deleted record is
    /// never served from the copy.
    pub fn get_shared<R: Record + Send + Sync + 'static>(
        &self,
        key: &[u8],
    ) -> Result<Option<std::sync::Arc<R>>> {
        let Some(raw) = self.tree(R::TREE).get(key)? else {
            return Ok(None);
        };
        if let Ok(kept) = self.decoded.lock() {
            let hit = kept
                .iter()
                .find(|d| d.tree == R::TREE && d.key == key && d.raw == raw)
                .map(|d| d.value.clone());
            if let Some(v) = hit.and_then(|v| v.downcast::<R>().ok()) {
                return Ok(Some(v));
            }
        }
        let value = std::sync::Arc::new(codec::decode::<R>(R::TREE, &raw)?);
        if let Ok(mut kept) = self.decoded.lock() {
            kept.retain(|d| !(d.tree == R::TREE && d.key == key));
            kept.push_front(Decoded {
                tree: R::TREE,
                key: key.to_vec(),
                raw,
                value: value.clone(),
            });
            kept.truncate(DECODED);
        }
        Ok(Some(value))
    }

    /// True when a record with `key` exists, without decoding it.
    pub fn contains<R: Record>(&self, key: &[u8]) -> Result<bool> {
        Ok(self.tree(R::TREE).contains_key(key)?)
    }

    /// The raw entries of `tree` under `prefix`, in key order, strictly after `start_after`.
    fn range(
        &self,
        tree: TreeId,
        prefix: &[u8],
        start_after: Option<&[u8]>,
    ) -> impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>> {
        let iter = match start_after {
            Some(after) => {
                // The smallest key greater than `after` is `after ++ [0]`.
                let mut start = after.to_vec();
                start.push(0);
                match keys::prefix_end(prefix) {
                    Some(end) => self.tree(tree).range(start..end),
                    None => self.tree(tree).range(start..),
                }
            }
            None => self.tree(tree).scan_prefix(prefix),
        };
        let prefix = prefix.to_vec();
        iter.take_while(move |kv| match kv {
            Ok((k, _)) => k.starts_with(&prefix),
            Err(_) => true,
        })
    }

    /// Records whose key starts with `prefix`, in key order, starting strictly after
    /// `start_after` when given (the page token of list calls).
    pub fn scan<'a, R: Record + 'a>(
        &'a self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<R>> + 'a {
        self.range(R::TREE, prefix, start_after).map(|kv| {
            let (_, v) = kv?;
            codec::decode::<R>(R::TREE, &v)
        })
    }

    /// Keys of an index tree under `prefix`, in order, strictly after `start_after`.
    pub fn scan_index<'a>(
        &'a self,
        index: TreeId,
        prefix: &[u8],
        start_after: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<Vec<u8>>> + 'a {
        self.range(index, prefix, start_after)
            .map(|kv| Ok(kv?.0.to_vec()))
    }

    /// A number never returned before by this store, for generated ids.
    pub fn generate_id(&self) -> Result<u64> {
        // Above every id of restored records, so audit seqs keep growing and no generated id
        // repeats one a backup brought back.
        let floor = self.id_floor.load(std::sync::atomic::Ordering::SeqCst);
        Ok(self.db.generate_id()?.saturating_add(floor))
    }

    /// True when the index has any key under `prefix`.
    pub fn index_has(&self, index: TreeId, prefix: &[u8]) -> Result<bool> {
        Ok(self
            .tree(index)
            .scan_prefix(prefix)
            .next()
            .transpose()?
            .is_some())
    }

    /// Number of entries in a tree.
    pub fn count(&self, tree: TreeId) -> usize {
        self.tree(tree).len()
    }

    /// Takes the write lock, which serialises all writers, so read-check-write in `f` sees no
    /// concurrent change. Use [`Store::write`] unless several batches must be applied under one
    /// lock (the bulk importer).
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        // A poisoned lock only means another writer panicked before committing; the store itself
        // is consistent (sled transactions are atomic), so carry on.
        self.write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a writer holds the write lock right now (an import holds it for its whole
    /// stream): for diagnostics and tests that must act while a writer is inside.
    pub fn writer_busy(&self) -> bool {
        self.write_lock.try_lock().is_err()
    }

    /// Runs `f` under the write lock; if it returns Ok, applies its batch atomically across trees
    /// and flushes before returning, so an acknowledged write survives a crash.
    pub fn write<T, E>(
        &self,
        f: impl FnOnce(&Store, &mut Batch) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let _guard = self.lock();
        let mut batch = Batch::default();
        let out = f(self, &mut batch)?;
        self.commit_locked(batch)?;
        Ok(out)
    }

    /// Applies a batch; the caller must hold [`Store::lock`].
    pub fn commit_locked(&self, batch: Batch) -> Result<()> {
        if batch.ops.is_empty() {
            return Ok(());
        }
        let bumps: Vec<&String> = batch
            .touched
            .iter()
            .filter(|m| !batch.no_bumps && !batch.explicit_generation.contains(*m))
            .collect();
        let result = self
            .trees
            .as_slice()
            .transaction(|txs: &Vec<TransactionalTree>| {
                for op in &batch.ops {
                    apply(txs, op)?;
                }
                for m in &bumps {
                    bump_generation(&txs[TreeId::Generations as usize], m)?;
                }
                // Fault injection (tests): a write that fails after every op was applied
                // inside the transaction, which must then leave nothing behind.
                fail::fail_point!("store-commit", |arg| Err(
                    ConflictableTransactionError::Abort(injected(arg))
                ));
                Ok(())
            });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(StoreError::Sled(e)),
        }
        self.flush_written()
    }

    /// The flush that makes a committed batch durable. If it fails, the batch is in the store
    /// (readers see it) but may not survive a crash: the caller is told so, and a retry with
    /// the same request id confirms it once the disk works again.
    fn flush_written(&self) -> Result<()> {
        let flushed = (|| -> Result<()> {
            fail::fail_point!("store-flush", |arg| Err(injected(arg)));
            self.db.flush()?;
            Ok(())
        })();
        flushed.map_err(|e| StoreError::Unflushed(e.to_string()))
    }

    /// Flushes everything to disk (shutdown).
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// The current state generation of a municipality (0 before any write).
    pub fn generation(&self, municipality: &str) -> Result<u64> {
        Ok(self
            .get::<Generation>(&key(&[municipality]))?
            .map(|g| g.value)
            .unwrap_or(0))
    }

    /// Removes idempotency entries created before `cutoff`; returns how many.
    pub fn prune_idempotency(&self, cutoff: jiff::Timestamp) -> Result<usize> {
        let _guard = self.lock();
        let mut batch = Batch::default();
        for entry in self.scan::<IdempotencyEntry>(&[], None) {
            let entry = entry?;
            if entry.create_time < cutoff {
                batch.delete::<IdempotencyEntry>(entry.key());
            }
        }
        let n = batch.len();
        self.commit_locked(batch)?;
        Ok(n)
    }
}

/// Opens the sled database, waiting briefly for a lock that this process itself may still hold:
/// sled's background threads release a just-dropped database a moment after the drop returns.
fn open_db(path: &Path, shown: &str) -> Result<sled::Db> {
    let mut attempts = 0;
    loop {
        let opened = sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            .open();
        match opened {
            Ok(db) => return Ok(db),
            // sled reports a held lock as an I/O error whose text is the only marker.
            Err(sled::Error::Io(ref io))
                if io.kind() == std::io::ErrorKind::WouldBlock
                    || io.to_string().contains("could not acquire lock") =>
            {
                attempts += 1;
                if attempts >= 40 {
                    return Err(StoreError::Locked {
                        path: shown.to_string(),
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(other) => return Err(StoreError::Sled(other)),
        }
    }
}

/// Inside a transaction: sled's own errors stay sled's (a conflict is retried by sled, storage
/// errors surface), ours abort the transaction.
type TxResult = std::result::Result<(), ConflictableTransactionError<StoreError>>;

fn ours(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

fn bump_generation(tx: &TransactionalTree, municipality: &str) -> TxResult {
    let k = key(&[municipality]);
    let current = match tx.get(k.as_slice())? {
        Some(v) => {
            codec::decode::<Generation>(TreeId::Generations, &v)
                .map_err(ours)?
                .value
        }
        None => 0,
    };
    let next = Generation {
        municipality_id: municipality.to_string(),
        value: current + 1,
    };
    tx.insert(k.as_slice(), codec::encode(&next).map_err(ours)?)?;
    Ok(())
}

fn apply(txs: &[TransactionalTree], op: &Op) -> TxResult {
    match op {
        Op::Put {
            tree,
            key,
            value,
            index,
            old_index,
        } => {
            let old = txs[*tree as usize].insert(key.as_slice(), value.as_slice())?;
            if let Some(old) = old {
                for (t, k) in old_index(&old).map_err(ours)? {
                    txs[t as usize].remove(k)?;
                }
            }
            for (t, k) in index {
                txs[*t as usize].insert(k.as_slice(), &[] as &[u8])?;
            }
        }
        Op::Delete {
            tree,
            key,
            old_index,
        } => {
            if let Some(old) = txs[*tree as usize].remove(key.as_slice())? {
                for (t, k) in old_index(&old).map_err(ours)? {
                    txs[t as usize].remove(k)?;
                }
            }
        }
    }
    Ok(())
}

impl Record for Municipality {
    const TREE: TreeId = TreeId::Municipalities;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.id])
    }
}

impl Record for CatalogEntry {
    const TREE: TreeId = TreeId::Catalog;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.key_id()])
    }
}

impl Record for School {
    const TREE: TreeId = TreeId::Schools;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for Teacher {
    const TREE: TreeId = TreeId::Teachers;
    const VERSION: u8 = 2;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
    fn decode_older(version: u8, body: &[u8]) -> Option<Result<Self>> {
        (version == 1)
            .then(|| codec::decode_body::<legacy::TeacherV1>(Self::TREE, body).map(Teacher::from))
    }
    fn index_keys(&self) -> Vec<IndexKey> {
        vec![(
            TreeId::TeachersBySchool,
            key(&[&self.municipality_id, &self.school_id, &self.id]),
        )]
    }
}

impl Record for MentorProfile {
    const TREE: TreeId = TreeId::MentorProfiles;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.teacher_id])
    }
}

impl Record for Diagnostic {
    const TREE: TreeId = TreeId::Diagnostics;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
    fn index_keys(&self) -> Vec<IndexKey> {
        vec![(
            TreeId::DiagnosticsByTeacher,
            key(&[
                &self.municipality_id,
                &self.teacher_id,
                &self.date.to_string(),
                &self.id,
            ]),
        )]
    }
}

impl Record for Mentorship {
    const TREE: TreeId = TreeId::Mentorships;
    const VERSION: u8 = 2;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
    fn decode_older(version: u8, body: &[u8]) -> Option<Result<Self>> {
        (version == 1).then(|| {
            codec::decode_body::<legacy::MentorshipV1>(Self::TREE, body).map(Mentorship::from)
        })
    }
}

impl Record for peerlift_domain::Curator {
    const TREE: TreeId = TreeId::Curators;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::Association {
    const TREE: TreeId = TreeId::Associations;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::Platform {
    const TREE: TreeId = TreeId::Platforms;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::ManagementDiagnostic {
    const TREE: TreeId = TreeId::ManagementDiagnostics;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::Programme {
    const TREE: TreeId = TreeId::Programmes;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::StudentResult {
    const TREE: TreeId = TreeId::StudentResults;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[
            &self.municipality_id,
            &self.school_id,
            self.assessment.code(),
            &self.subject,
            &format!("{:02}", self.grade),
            &self.year.to_string(),
        ])
    }
}

impl Record for peerlift_domain::Plan {
    const TREE: TreeId = TreeId::Plans;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::SignedDocument {
    const TREE: TreeId = TreeId::SignedDocuments;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for peerlift_domain::Event {
    const TREE: TreeId = TreeId::Events;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for Veto {
    const TREE: TreeId = TreeId::Vetoes;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[
            &self.municipality_id,
            self.kind.code(),
            &self.mentee_id,
            &self.mentor_id,
        ])
    }
}

impl Record for MatchRun {
    const TREE: TreeId = TreeId::MatchRuns;
    const VERSION: u8 = 3;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
    fn decode_older(version: u8, body: &[u8]) -> Option<Result<Self>> {
        match version {
            1 => {
                Some(codec::decode_body::<legacy::MatchRunV1>(Self::TREE, body).map(MatchRun::from))
            }
            2 => {
                Some(codec::decode_body::<legacy::MatchRunV2>(Self::TREE, body).map(MatchRun::from))
            }
            _ => None,
        }
    }
}

impl Record for Session {
    const TREE: TreeId = TreeId::Sessions;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
    fn index_keys(&self) -> Vec<IndexKey> {
        let (m, start, id) = (&self.municipality_id, self.start_key(), &self.id);
        let mut out = vec![
            (
                TreeId::SessionsByMentorship,
                key(&[m, &self.mentorship_id, &start, id]),
            ),
            (TreeId::SessionsByStart, key(&[m, &start, id])),
        ];
        let mut people: Vec<&str> = self.participants();
        people.sort_unstable();
        people.dedup();
        for p in people {
            out.push((TreeId::SessionsByParticipant, key(&[m, p, &start, id])));
        }
        let mut schools: Vec<&String> = self.schools.iter().collect();
        schools.sort_unstable();
        schools.dedup();
        for s in schools {
            out.push((TreeId::SessionsBySchool, key(&[m, s, &start, id])));
        }
        out
    }
}

impl Record for ScheduleSettings {
    const TREE: TreeId = TreeId::ScheduleSettings;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id])
    }
}

impl Record for ScheduleProposal {
    const TREE: TreeId = TreeId::ScheduleProposals;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.id])
    }
}

impl Record for RematchPolicy {
    const TREE: TreeId = TreeId::RematchPolicies;
    const VERSION: u8 = 3;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id])
    }
    fn decode_older(version: u8, body: &[u8]) -> Option<Result<Self>> {
        match version {
            1 => Some(
                codec::decode_body::<legacy::RematchPolicyV1>(Self::TREE, body)
                    .map(RematchPolicy::from),
            ),
            2 => Some(
                codec::decode_body::<legacy::RematchPolicyV2>(Self::TREE, body)
                    .map(RematchPolicy::from),
            ),
            _ => None,
        }
    }
}

impl Record for RematchRecord {
    const TREE: TreeId = TreeId::RematchRecords;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.slot])
    }
}

impl Record for Token {
    const TREE: TreeId = TreeId::Tokens;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.id])
    }
}

impl Record for AuditEntry {
    const TREE: TreeId = TreeId::Audit;
    const VERSION: u8 = 2;
    fn key(&self) -> Vec<u8> {
        key(&[
            &self.municipality_id,
            &AuditEntry::time_key(self.time),
            &format!("{:020}", self.seq),
        ])
    }
    fn decode_older(version: u8, body: &[u8]) -> Option<Result<Self>> {
        (version == 1).then(|| {
            codec::decode_body::<legacy::AuditEntryV1>(Self::TREE, body).map(AuditEntry::from)
        })
    }
}

impl Record for AuditHead {
    const TREE: TreeId = TreeId::AuditChain;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        AUDIT_HEAD.to_vec()
    }
}

/// The key of the audit chain's head.
pub const AUDIT_HEAD: &[u8] = b"head";

impl Record for Generation {
    const TREE: TreeId = TreeId::Generations;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id])
    }
}

impl Record for IdempotencyEntry {
    const TREE: TreeId = TreeId::Idempotency;
    const VERSION: u8 = 1;
    fn key(&self) -> Vec<u8> {
        key(&[&self.municipality_id, &self.method, &self.request_id])
    }
}

#[cfg(test)]
mod tests;
