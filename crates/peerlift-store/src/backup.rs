//! Whole-store backup and restore in a line-oriented format (documented in README.md).
//!
//! ```text
//! {"format":"peerlift-backup","format_version":1,"schema_version":1}
//! {"kind":"municipality","record":{...}}
//! {"kind":"school","record":{...}}
//! ...
//! {"kind":"end","record":{"records":1234}}
//! ```
//!
//! One JSON object per line: a header, then every record of every tree (trees in a fixed order,
//! records in key order), then an end line with the record count so a truncated file is
//! detected. Index trees are not written: they are derived and rebuilt on restore. Records are
//! written with all their bookkeeping (revisions, times), so restore -> backup reproduces the
//! file byte for byte.
//!
//! Restore never touches the live directory until the whole file has been read into a fresh
//! store beside it; only then is the directory swapped in, so a bad file changes nothing.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use peerlift_domain::access::{AuditEntry, AuditHead, Token};
use peerlift_domain::{
    CatalogEntry, Diagnostic, MatchRun, MentorProfile, Mentorship, Municipality, RematchPolicy,
    RematchRecord, ScheduleProposal, ScheduleSettings, School, Session, Teacher, Veto,
};
use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::{
    Batch, Generation, IdempotencyEntry, Result, Store, StoreError, TreeId, SCHEMA_VERSION,
};

pub const FORMAT: &str = "peerlift-backup";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct HeaderLine {
    format: String,
    format_version: u32,
    schema_version: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct EndRecord {
    records: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one line at a time; boxing buys nothing
enum Line {
    Municipality(Municipality),
    CatalogEntry(CatalogEntry),
    School(School),
    Teacher(Teacher),
    MentorProfile(MentorProfile),
    Diagnostic(Diagnostic),
    Mentorship(Mentorship),
    Veto(Veto),
    MatchRun(MatchRun),
    ScheduleSettings(ScheduleSettings),
    Session(Session),
    ScheduleProposal(ScheduleProposal),
    RematchPolicy(RematchPolicy),
    RematchRecord(RematchRecord),
    Curator(peerlift_domain::Curator),
    Association(peerlift_domain::Association),
    Platform(peerlift_domain::Platform),
    Event(peerlift_domain::Event),
    ManagementDiagnostic(peerlift_domain::ManagementDiagnostic),
    Programme(peerlift_domain::Programme),
    StudentResult(peerlift_domain::StudentResult),
    Plan(peerlift_domain::Plan),
    SignedDocument(peerlift_domain::SignedDocument),
    Generation(Generation),
    Idempotency(IdempotencyEntry),
    Token(Token),
    Audit(AuditEntry),
    AuditHead(AuditHead),
    /// Only with `--include-secrets`: an installation secret (the pseudonym key).
    Secret(SecretLine),
    End(EndRecord),
}

#[derive(Debug, Serialize, Deserialize)]
struct SecretLine {
    name: String,
    #[serde(with = "crate::codec::hex_bytes")]
    value: Vec<u8>,
}

impl Store {
    /// Writes the whole store to `w` in the backup format; returns the number of records.
    /// Installation secrets stay out: see [`Store::export_with_secrets`].
    pub fn export(&self, w: &mut impl Write) -> Result<u64> {
        self.export_with(w, false)
    }

    /// [`Store::export`] plus the installation secrets, so a restored store gives the same
    /// pseudonyms: the file then lets whoever holds it link pseudonyms back to ids.
    pub fn export_with_secrets(&self, w: &mut impl Write) -> Result<u64> {
        self.export_with(w, true)
    }

    fn export_with(&self, w: &mut impl Write, secrets: bool) -> Result<u64> {
        let header = HeaderLine {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            schema_version: SCHEMA_VERSION,
        };
        write_json(w, &header)?;
        let mut n = 0u64;
        n += self.export_tree(w, Line::Municipality)?;
        n += self.export_tree(w, Line::CatalogEntry)?;
        n += self.export_tree(w, Line::School)?;
        n += self.export_tree(w, Line::Teacher)?;
        n += self.export_tree(w, Line::MentorProfile)?;
        n += self.export_tree(w, Line::Diagnostic)?;
        n += self.export_tree(w, Line::Mentorship)?;
        n += self.export_tree(w, Line::Veto)?;
        n += self.export_tree(w, Line::MatchRun)?;
        n += self.export_tree(w, Line::ScheduleSettings)?;
        n += self.export_tree(w, Line::Session)?;
        n += self.export_tree(w, Line::ScheduleProposal)?;
        n += self.export_tree(w, Line::RematchPolicy)?;
        n += self.export_tree(w, Line::RematchRecord)?;
        n += self.export_tree(w, Line::Curator)?;
        n += self.export_tree(w, Line::Association)?;
        n += self.export_tree(w, Line::Platform)?;
        n += self.export_tree(w, Line::Event)?;
        n += self.export_tree(w, Line::ManagementDiagnostic)?;
        n += self.export_tree(w, Line::Programme)?;
        n += self.export_tree(w, Line::StudentResult)?;
        n += self.export_tree(w, Line::Plan)?;
        n += self.export_tree(w, Line::SignedDocument)?;
        // After every record that bumps generations, so restore ends with the saved values.
        n += self.export_tree(w, Line::Generation)?;
        n += self.export_tree(w, Line::Idempotency)?;
        n += self.export_tree(w, Line::Token)?;
        n += self.export_tree(w, Line::Audit)?;
        n += self.export_tree(w, Line::AuditHead)?;
        if secrets {
            for (name, value) in self.secrets()? {
                write_json(w, &Line::Secret(SecretLine { name, value }))?;
                n += 1;
            }
        }
        write_json(w, &Line::End(EndRecord { records: n }))?;
        Ok(n)
    }

    fn export_tree<R: Record>(&self, w: &mut impl Write, wrap: fn(R) -> Line) -> Result<u64> {
        let mut n = 0;
        for r in self.scan::<R>(&[], None) {
            write_json(w, &wrap(r?))?;
            n += 1;
        }
        Ok(n)
    }

    /// Writes a backup file atomically (a temporary file renamed into place); with `secrets`,
    /// readable by its owner only.
    pub fn backup_to_file(&self, path: &Path, secrets: bool) -> Result<u64> {
        let tmp = sibling(path, "partial");
        let mut open = fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if secrets {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o600);
        }
        let file = open.open(&tmp)?;
        let mut w = BufWriter::new(file);
        let n = self.export_with(&mut w, secrets)?;
        let file = w.into_inner().map_err(|e| StoreError::Io(e.into_error()))?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(n)
    }
}

fn write_json<T: Serialize>(w: &mut impl Write, value: &T) -> Result<()> {
    serde_json::to_writer(&mut *w, value).map_err(|e| StoreError::Io(e.into()))?;
    w.write_all(b"\n")?;
    Ok(())
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{tag}-{}", std::process::id()));
    path.with_file_name(name)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    pub records: u64,
}

/// Restores a backup read from `input` into the store directory `dir`.
///
/// `dir` must not exist or be empty unless `replace` is set; then the old store is replaced only
/// after the new one has been completely written and flushed. Any error leaves `dir` as it was.
pub fn restore(input: impl BufRead, dir: &Path, replace: bool) -> Result<RestoreSummary> {
    let existing = dir.exists()
        && fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
    if existing && !replace {
        return Err(StoreError::Restore(format!(
            "{} already holds data; restore into a new directory, or pass --replace to replace it",
            dir.display()
        )));
    }
    let staging = sibling(dir, "restoring");
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let result = load_into(input, &staging);
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if existing {
        let old = sibling(dir, "replaced");
        fs::rename(dir, &old)?;
        if let Err(e) = fs::rename(&staging, dir) {
            // Put the old store back so nothing is lost.
            let _ = fs::rename(&old, dir);
            return Err(e.into());
        }
        fs::remove_dir_all(&old)?;
    } else {
        if let Some(parent) = dir.parent() {
            if !parent.as_os_str().is_empty() {
                fs::create_dir_all(parent)?;
            }
        }
        if dir.exists() {
            fs::remove_dir(dir)?;
        }
        fs::rename(&staging, dir)?;
    }
    Ok(summary)
}

/// Batch size for restore writes: large enough to amortise transactions, small enough to keep
/// memory flat on a national store.
const RESTORE_BATCH: usize = 5_000;

fn load_into(input: impl BufRead, staging: &Path) -> Result<RestoreSummary> {
    let store = Store::open(staging)?;
    let mut lines = input.lines().enumerate();
    let bad = |line: usize, reason: String| StoreError::Backup { line, reason };
    let (_, first) = lines
        .next()
        .ok_or_else(|| bad(1, "empty file, not a peerlift backup".into()))?;
    let header: HeaderLine = serde_json::from_str(&first?)
        .map_err(|e| bad(1, format!("not a peerlift backup header: {e}")))?;
    if header.format != FORMAT {
        return Err(bad(
            1,
            format!("format is '{}', expected '{FORMAT}'", header.format),
        ));
    }
    if header.format_version > FORMAT_VERSION || header.schema_version > SCHEMA_VERSION {
        return Err(bad(
            1,
            format!(
                "backup has format version {} and schema version {}; this binary reads up to {} and {}",
                header.format_version, header.schema_version, FORMAT_VERSION, SCHEMA_VERSION
            ),
        ));
    }
    let guard = store.lock();
    let mut batch = Batch::without_generation_bumps();
    let mut pending = HashSet::new();
    let mut count = 0u64;
    let mut ended = None;
    let mut max_id = 0u64;
    for (i, line) in lines {
        let no = i + 1;
        let line = line?;
        if ended.is_some() {
            return Err(bad(no, "data after the end line".into()));
        }
        let parsed: Line =
            serde_json::from_str(&line).map_err(|e| bad(no, format!("unreadable record: {e}")))?;
        match parsed {
            Line::Municipality(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::CatalogEntry(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::School(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Teacher(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::MentorProfile(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Diagnostic(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Mentorship(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Veto(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::MatchRun(mut r) => {
                // Schema 1 runs had no certificate (the field's default is empty).
                if header.schema_version < 2 {
                    r.certificate = crate::legacy::legacy_certificate(&r.size);
                }
                put(&store, &mut batch, &mut pending, &r, no)?
            }
            Line::ScheduleSettings(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Session(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::ScheduleProposal(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::RematchPolicy(mut r) => {
                // Schema 1 backups wrote the old default candidate limit into every policy.
                if header.schema_version < 2 {
                    r.policy.max_candidates = r
                        .policy
                        .max_candidates
                        .and_then(crate::legacy::upgrade_limit);
                }
                put(&store, &mut batch, &mut pending, &r, no)?
            }
            Line::RematchRecord(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Curator(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Association(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Platform(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Event(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::ManagementDiagnostic(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Programme(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::StudentResult(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Plan(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::SignedDocument(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Generation(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Idempotency(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Token(r) => {
                // `tok-N`: N came from the id counter.
                if let Some(n) = r.id.strip_prefix("tok-").and_then(|n| n.parse().ok()) {
                    max_id = max_id.max(n);
                }
                put(&store, &mut batch, &mut pending, &r, no)?
            }
            Line::Audit(r) => {
                max_id = max_id.max(r.seq);
                put(&store, &mut batch, &mut pending, &r, no)?
            }
            Line::AuditHead(r) => put(&store, &mut batch, &mut pending, &r, no)?,
            Line::Secret(r) => store.set_secret(&r.name, &r.value)?,
            Line::End(end) => {
                ended = Some((no, end.records));
                continue;
            }
        }
        count += 1;
        if batch.len() >= RESTORE_BATCH {
            store.commit_locked(std::mem::replace(
                &mut batch,
                Batch::without_generation_bumps(),
            ))?;
            pending.clear();
        }
    }
    store.commit_locked(batch)?;
    drop(guard);
    match ended {
        None => Err(bad(0, "no end line: the backup is truncated".into())),
        Some((no, n)) if n != count => Err(bad(
            no,
            format!("end line counts {n} records but the file has {count}"),
        )),
        Some(_) => {
            // Every audited write takes its entry's seq after the ids it generated, so above
            // the highest seq no restored id can repeat, and the chain goes on in order.
            store.raise_id_floor(max_id.saturating_add(1))?;
            store.flush()?;
            Ok(RestoreSummary { records: count })
        }
    }
}

fn put<R: Record>(
    store: &Store,
    batch: &mut Batch,
    pending: &mut HashSet<(TreeId, Vec<u8>)>,
    r: &R,
    line: usize,
) -> Result<()> {
    let key = r.key();
    // A key may repeat within the uncommitted batch too; check both.
    if store.contains::<R>(&key)? || !pending.insert((R::TREE, key.clone())) {
        return Err(StoreError::Backup {
            line,
            reason: format!("duplicate record in {}", R::TREE.name()),
        });
    }
    batch.put(r)
}
