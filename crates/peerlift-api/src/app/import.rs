//! The bulk importer: CSV files in, registry records out, every bad row reported.
//!
//! It runs on a blocking thread and holds the store's write lock for the whole import, so what
//! it validated against is what it commits against. Rows are parsed by `peerlift_domain::csvfmt`
//! (the same code the generators write with), checked against the store plus the rows already
//! accepted in this import (a teacher may refer to a school three lines up), and compared with
//! the stored record: equal content is "unchanged" and is not written, which is what makes a
//! second import of the same files change nothing.
//!
//! Commit policy: a normal import commits in batches as it goes (a broken stream keeps the
//! batches already committed, and re-running the import is harmless); `strict` collects
//! everything and commits only if no row was rejected; `dry_run` never commits.

use std::collections::HashMap;
use std::io::Read;

use jiff::civil::Date;
use jiff::Timestamp;
use peerlift_domain::csvfmt::{self, FileKind, Header};
use peerlift_domain::{
    stamp, Catalog, Change, Diagnostic, MentorProfile, Municipality, School, Teacher, Violations,
};
use peerlift_store::{key, Batch, Record, Store};

use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state;

/// Most row errors kept in a report; the total is always counted.
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// Writes per committed batch in a normal import.
const BATCH_OPS: usize = 2_000;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub municipality_id: String,
    pub strict: bool,
    pub dry_run: bool,
    /// Whom the audit log names for each committed batch.
    pub caller: Caller,
    /// Tokens revoked while the server runs: no batch of a revoked caller is committed.
    pub revoked: std::sync::Arc<crate::caller::Revoked>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.rows += o.rows;
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.rejected += o.rejected;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub kind: FileKind,
    pub file_name: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file_name: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub total: Counts,
    pub errors: Vec<RowError>,
    pub errors_total: u64,
    pub committed: bool,
}

/// Records accepted in this import but not yet committed.
#[derive(Default)]
struct Overlay {
    schools: HashMap<String, School>,
    teachers: HashMap<String, Teacher>,
    profiles: HashMap<String, MentorProfile>,
    diagnostics: HashMap<String, Diagnostic>,
}

/// One import in progress. Create with [`Importer::new`] while holding the store lock.
pub struct Importer<'s> {
    store: &'s Store,
    opts: ImportOptions,
    now: Timestamp,
    municipality: Option<Municipality>,
    catalog: Catalog,
    batch: Batch,
    overlay: Overlay,
    report: Report,
    last_kind: Option<FileKind>,
    /// The name of this import's municipality file, if it had one.
    municipality_file: Option<String>,
    /// The municipality's active mentorships: read once, at the first mentorships row, and
    /// extended with each one this import makes (committed or not, they are active).
    active: Option<Vec<peerlift_domain::Mentorship>>,
    /// The snapshot mentorships.csv rows are checked against, read once and extended with
    /// each mentorship the import makes (so a mentor's capacity counts the rows before).
    snapshot: Option<(peerlift_match::Snapshot, u64)>,
}

impl std::fmt::Debug for Importer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("opts", &self.opts)
            .finish()
    }
}

impl<'s> Importer<'s> {
    pub fn new(store: &'s Store, opts: ImportOptions, now: Timestamp) -> ApiResult<Importer<'s>> {
        crate::app::check_id("municipality_id", &opts.municipality_id)?;
        let municipality = store.get::<Municipality>(&key(&[&opts.municipality_id]))?;
        let catalog = state::catalog(store, &opts.municipality_id)?;
        Ok(Importer {
            store,
            opts,
            now,
            municipality,
            catalog,
            batch: Batch::default(),
            overlay: Overlay::default(),
            report: Report::default(),
            last_kind: None,
            municipality_file: None,
            active: None,
            snapshot: None,
        })
    }

    /// Imports one file. Row problems go to the report; an `Err` is fatal (order of files,
    /// unknown municipality, storage, a broken stream) and ends the import.
    pub fn import_file(
        &mut self,
        kind: FileKind,
        file_name: &str,
        input: impl Read,
    ) -> ApiResult<()> {
        if let Some(last) = self.last_kind {
            if kind < last {
                return Err(ApiError::invalid(
                    "chunk.kind",
                    format!(
                        "{} came after {}: send files in the order municipality, schools, teachers, mentor_profiles, diagnostics, mentorships, results",
                        kind.file_name(),
                        last.file_name()
                    ),
                ));
            }
        }
        self.last_kind = Some(kind);
        may_import(&self.opts.caller, kind)?;
        if kind == FileKind::Municipality {
            self.municipality_file = Some(file_name.to_string());
        }
        if kind != FileKind::Municipality && self.municipality.is_none() {
            // When this import sent the municipality and its row was rejected, that row is
            // the problem: say which, rather than a bare "not found" that hides the report.
            let rejected = self
                .municipality_file
                .as_ref()
                .and_then(|f| self.report.errors.iter().find(|e| &e.file_name == f));
            if let Some(e) = rejected {
                return Err(ApiError::FailedPrecondition(format!(
                    "municipality '{}' does not exist and its row was rejected ({} line {}{}: {}), so {} cannot be imported",
                    self.opts.municipality_id,
                    e.file_name,
                    e.line,
                    if e.field.is_empty() { String::new() } else { format!(", {}", e.field) },
                    e.reason,
                    file_name
                )));
            }
            return Err(ApiError::NotFound {
                kind: "municipality",
                id: self.opts.municipality_id.clone(),
            });
        }
        if kind == FileKind::Mentorships {
            // Mentorships are checked by the matcher's rules against the registry as stored:
            // what this import wrote so far is committed first. A strict or dry-run import
            // keeps its registry rows uncommitted, so it cannot check mentorships against them.
            if !self.batch.is_empty() {
                if self.opts.strict || self.opts.dry_run {
                    return Err(ApiError::FailedPrecondition(format!(
                        "{file_name} is checked against the registry as stored, and a {} import \
                         keeps this import's rows uncommitted: import the registry first, then \
                         {file_name} on its own",
                        if self.opts.dry_run {
                            "dry-run"
                        } else {
                            "strict"
                        }
                    )));
                }
                self.commit()?;
                self.overlay = Overlay::default();
            }
        }
        let mut counts = Counts::default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut header: Option<Result<Header, ()>> = None;
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut record = csv::ByteRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => match e.kind() {
                    csv::ErrorKind::Io(_) => {
                        return Err(ApiError::Cancelled(format!(
                            "reading {file_name} failed at line {line}: {e}"
                        )))
                    }
                    _ => {
                        counts.rows += 1;
                        counts.rejected += 1;
                        self.error(file_name, line, "", format!("unreadable CSV: {e}"));
                        continue;
                    }
                },
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line);
            let cells = match cells(&record) {
                Ok(c) => c,
                Err(col) => {
                    if header.is_some() {
                        counts.rows += 1;
                        counts.rejected += 1;
                    }
                    self.error(
                        file_name,
                        line,
                        &format!("#{}", col + 1),
                        "not valid UTF-8".into(),
                    );
                    if header.is_none() {
                        header = Some(Err(()));
                    }
                    continue;
                }
            };
            let h = match &header {
                None => {
                    match Header::parse(kind, cells.iter().copied()) {
                        Ok(h) => header = Some(Ok(h)),
                        Err(errs) => {
                            for e in errs {
                                self.error(file_name, line, &e.column, e.reason);
                            }
                            header = Some(Err(()));
                        }
                    }
                    continue;
                }
                Some(Err(())) => {
                    // An unreadable header makes every row unreadable; count them.
                    counts.rows += 1;
                    counts.rejected += 1;
                    continue;
                }
                Some(Ok(h)) => h.clone(),
            };
            counts.rows += 1;
            if cells.len() > h.width() {
                counts.rejected += 1;
                self.error(
                    file_name,
                    line,
                    "",
                    format!(
                        "row has {} cells but the header has {}",
                        cells.len(),
                        h.width()
                    ),
                );
                continue;
            }
            if cells.iter().all(|c| c.trim().is_empty()) {
                counts.rows -= 1;
                continue;
            }
            match self.row(kind, &h, &cells, line, &mut seen) {
                Ok(Change::Created) => counts.created += 1,
                Ok(Change::Updated) => counts.updated += 1,
                Ok(Change::Unchanged) => counts.unchanged += 1,
                Err(RowFailure::Invalid(v)) => {
                    counts.rejected += 1;
                    for x in v.0 {
                        self.error(file_name, line, &x.field, x.description);
                    }
                }
                Err(RowFailure::Fatal(e)) => return Err(e),
            }
            if counts.rows % 10_000 == 0 {
                tracing::info!(file = file_name, rows = counts.rows, "importing");
            }
            self.maybe_commit()?;
        }
        if header.is_none() {
            self.error(
                file_name,
                1,
                "",
                "the file is empty: a header row is required".into(),
            );
        }
        self.report.total.add(&counts);
        self.report.files.push(FileReport {
            kind,
            file_name: file_name.to_string(),
            counts,
        });
        Ok(())
    }

    /// Whose import this is.
    pub fn caller(&self) -> &Caller {
        &self.opts.caller
    }

    /// Finishes: commits what is pending unless strict-with-errors or dry run.
    pub fn finish(mut self) -> ApiResult<Report> {
        let rejected = self.report.errors_total > 0;
        if self.opts.dry_run || (self.opts.strict && rejected) {
            self.report.committed = false;
        } else {
            self.commit()?;
            self.report.committed = true;
        }
        Ok(self.report)
    }

    fn maybe_commit(&mut self) -> ApiResult<()> {
        if self.opts.strict || self.opts.dry_run || self.batch.len() < BATCH_OPS {
            return Ok(());
        }
        self.commit()?;
        self.overlay = Overlay::default();
        Ok(())
    }

    /// Commits the pending batch with its audit entry, unless the caller was revoked since.
    fn commit(&mut self) -> ApiResult<()> {
        self.opts.revoked.check(&self.opts.caller)?;
        let batch = std::mem::take(&mut self.batch);
        crate::state::commit_audited(
            self.store,
            batch,
            &self.opts.caller,
            &self.opts.municipality_id,
            "Import",
            "",
            self.now,
        )
    }

    fn error(&mut self, file: &str, line: u64, field: &str, reason: String) {
        self.report.errors_total += 1;
        if self.report.errors.len() < MAX_REPORTED_ERRORS {
            self.report.errors.push(RowError {
                file_name: file.to_string(),
                line,
                field: field.to_string(),
                reason,
            });
        }
    }

    fn today(&self) -> Date {
        match &self.municipality {
            Some(m) => state::today(m, self.now),
            None => self.now.to_zoned(jiff::tz::TimeZone::UTC).date(),
        }
    }

    fn row(
        &mut self,
        kind: FileKind,
        h: &Header,
        cells: &[&str],
        line: u64,
        seen: &mut HashMap<String, u64>,
    ) -> Result<Change, RowFailure> {
        let muni = self.opts.municipality_id.clone();
        let mut once = |id: &str| -> Result<(), RowFailure> {
            if let Some(first) = seen.get(id) {
                let field = if kind == FileKind::MentorProfiles {
                    "teacher_id"
                } else {
                    "id"
                };
                return Err(RowFailure::Invalid(Violations::single(
                    field,
                    format!("'{id}' already appeared at line {first} of this file"),
                )));
            }
            seen.insert(id.to_string(), line);
            Ok(())
        };
        match kind {
            FileKind::Municipality => {
                let mut m = csvfmt::parse_municipality(h, cells)?;
                once(&m.id)?;
                if m.id != muni {
                    return Err(Violations::single(
                        "id",
                        format!(
                            "the import is for municipality '{muni}', this row is '{}'",
                            m.id
                        ),
                    )
                    .into());
                }
                if jiff::tz::TimeZone::get(&m.time_zone).is_err() {
                    return Err(Violations::single(
                        "time_zone",
                        format!("'{}' is not a known IANA time zone", m.time_zone),
                    )
                    .into());
                }
                crate::app::registry::check_municipality_write(
                    &self.opts.caller,
                    self.municipality.as_ref(),
                    &m,
                )
                .map_err(RowFailure::Fatal)?;
                let out = stamp(&mut m, self.municipality.as_ref(), self.now);
                if out == Change::Unchanged {
                    return Ok(out);
                }
                self.batch.put(&m).map_err(fatal)?;
                self.municipality = Some(m);
                Ok(out)
            }
            FileKind::Schools => {
                let row = csvfmt::parse_school(&muni, h, cells)?;
                let mut s = row.school;
                s.check_platforms(&self.catalog).map_err(|v| {
                    // The CSV's column, as the parser names it.
                    RowFailure::Invalid(Violations(
                        v.0.into_iter()
                            .map(|f| peerlift_domain::FieldViolation {
                                field: "platforms".into(),
                                ..f
                            })
                            .collect(),
                    ))
                })?;
                once(&s.id)?;
                let cur = self.school(&s.id).map_err(RowFailure::Fatal)?;
                s.record_status(
                    cur.as_ref(),
                    row.status_since.unwrap_or_else(|| self.today()),
                );
                let out = stamp(&mut s, cur.as_ref(), self.now);
                if out == Change::Unchanged {
                    return Ok(out);
                }
                self.batch.put(&s).map_err(fatal)?;
                self.overlay.schools.insert(s.id.clone(), s);
                Ok(out)
            }
            FileKind::Teachers => {
                let mut t = csvfmt::parse_teacher(&muni, &self.catalog, h, cells)?;
                once(&t.id)?;
                if self
                    .school(&t.school_id)
                    .map_err(RowFailure::Fatal)?
                    .is_none()
                {
                    return Err(Violations::single(
                        "school_id",
                        format!("no school '{}' in municipality '{muni}'", t.school_id),
                    )
                    .into());
                }
                let cur = self.teacher(&t.id).map_err(RowFailure::Fatal)?;
                let out = stamp(&mut t, cur.as_ref(), self.now);
                if out == Change::Unchanged {
                    return Ok(out);
                }
                self.batch.put(&t).map_err(fatal)?;
                self.overlay.teachers.insert(t.id.clone(), t);
                Ok(out)
            }
            FileKind::MentorProfiles => {
                let mut p = csvfmt::parse_mentor_profile(&muni, &self.catalog, h, cells)?;
                once(&p.teacher_id)?;
                self.require_teacher(&p.teacher_id)?;
                let cur = match self.overlay.profiles.get(&p.teacher_id) {
                    Some(x) => Some(x.clone()),
                    None => self.store.get::<MentorProfile>(&p.key()).map_err(fatal)?,
                };
                let out = stamp(&mut p, cur.as_ref(), self.now);
                if out == Change::Unchanged {
                    return Ok(out);
                }
                self.batch.put(&p).map_err(fatal)?;
                self.overlay.profiles.insert(p.teacher_id.clone(), p);
                Ok(out)
            }
            FileKind::Mentorships => self.mentorship_row(h, cells, line, seen),
            FileKind::Results => {
                let mut r = csvfmt::parse_result(&muni, h, cells)?;
                r.validate(&self.catalog)?;
                let id = String::from_utf8_lossy(&r.key()).replace('\0', "/");
                if let Some(first) = seen.get(&id) {
                    return Err(Violations::single(
                        "school_id",
                        format!(
                            "the same school, assessment, subject, grade and year as line {first}"
                        ),
                    )
                    .into());
                }
                seen.insert(id, line);
                if self
                    .school(&r.school_id)
                    .map_err(RowFailure::Fatal)?
                    .is_none()
                {
                    return Err(Violations::single(
                        "school_id",
                        format!("no school '{}' in municipality '{muni}'", r.school_id),
                    )
                    .into());
                }
                let cur = self
                    .store
                    .get::<peerlift_domain::StudentResult>(&r.key())
                    .map_err(fatal)?;
                let out = match &cur {
                    Some(c) => {
                        r.meta = c.meta.clone();
                        if &r == c {
                            return Ok(Change::Unchanged);
                        }
                        r.meta = c.meta.next(self.now);
                        Change::Updated
                    }
                    None => {
                        r.meta = peerlift_domain::Meta::new(self.now);
                        Change::Created
                    }
                };
                self.batch.put(&r).map_err(fatal)?;
                Ok(out)
            }
            FileKind::Diagnostics => {
                let mut d = csvfmt::parse_diagnostic(&muni, &self.catalog, h, cells)?;
                once(&d.id)?;
                self.require_teacher(&d.teacher_id)?;
                let cur = match self.overlay.diagnostics.get(&d.id) {
                    Some(x) => Some(x.clone()),
                    None => self.store.get::<Diagnostic>(&d.key()).map_err(fatal)?,
                };
                let out = stamp(&mut d, cur.as_ref(), self.now);
                if out == Change::Unchanged {
                    return Ok(out);
                }
                self.batch.put(&d).map_err(fatal)?;
                self.overlay.diagnostics.insert(d.id.clone(), d);
                Ok(out)
            }
        }
    }

    /// A mentorship the office already runs: checked by the same rules as CreateMentorship
    /// (a broken rule is refused unless the row accepts it with a reason), against the
    /// registry as stored; the same pair already active is unchanged.
    fn mentorship_row(
        &mut self,
        h: &Header,
        cells: &[&str],
        line: u64,
        seen: &mut HashMap<String, u64>,
    ) -> Result<Change, RowFailure> {
        let mut row = csvfmt::parse_mentorship(h, cells)?;
        // A group is known by the label its members make (the label a run gives it).
        let label = if row.members.is_empty() {
            row.mentee_id.clone()
        } else {
            let mut ids = row.members.clone();
            ids.sort();
            let prefix = if row.kind == peerlift_domain::MatchKind::SchoolGroups {
                "schools"
            } else {
                row.subject.as_str()
            };
            peerlift_match::groups::group_label(prefix, &ids)
        };
        // Partnerships and school groups have no subject (as CreateMentorship stores them).
        if matches!(
            row.kind,
            peerlift_domain::MatchKind::SchoolGroups
                | peerlift_domain::MatchKind::SchoolPartnerships
        ) {
            row.subject.clear();
        }
        let id = format!(
            "{}|{}|{}|{}",
            row.kind.code(),
            label,
            row.subject,
            row.mentor_id
        );
        if let Some(first) = seen.get(&id) {
            return Err(Violations::single(
                "mentee_id",
                format!("the same mentorship already appeared at line {first} of this file"),
            )
            .into());
        }
        seen.insert(id, line);
        let ended_on = row.ended_on;
        if let Some(end) = ended_on {
            // A past year's list: the same mentorship with the same dates is already kept.
            let muni = self.opts.municipality_id.clone();
            for m in self
                .store
                .scan::<peerlift_domain::Mentorship>(&peerlift_store::prefix(&[&muni]), None)
            {
                let m = m.map_err(fatal)?;
                if m.kind == row.kind
                    && m.mentee_id == label
                    && m.subject == row.subject
                    && m.mentor_id == row.mentor_id
                    && Some(m.started_on) == row.started_on
                    && m.ended_on == Some(end)
                {
                    return Ok(Change::Unchanged);
                }
            }
        } else if self.active_mentorships()?.iter().any(|m| {
            m.kind == row.kind
                && m.mentee_id == label
                && m.subject == row.subject
                && m.mentor_id == row.mentor_id
        }) {
            return Ok(Change::Unchanged);
        }
        let pair = crate::app::mentorships::NewPair {
            municipality_id: self.opts.municipality_id.clone(),
            kind: Some(row.kind),
            mentee_id: row.mentee_id,
            mentor_id: row.mentor_id,
            subject: row.subject,
            reason: row.reason,
            locked: row.locked,
            started_on: row.started_on,
            charter: row.charter,
            partnership_type: row.partnership_type,
            accept_reason: row.accept_reason,
            members: row.members,
        };
        let as_row = |e: ApiError| match e {
            ApiError::Invalid(v) => RowFailure::Invalid(v),
            ApiError::FailedPrecondition(rule) => {
                RowFailure::Invalid(Violations::single("mentor_id", rule))
            }
            ApiError::AlreadyExists { kind, id } => RowFailure::Invalid(Violations::single(
                "mentee_id",
                format!("there is already an {kind}: {id}"),
            )),
            other => RowFailure::Fatal(other),
        };
        if self.snapshot.is_none() {
            let loaded = crate::app::runs::load_snapshot(self.store, &self.opts.municipality_id)
                .map_err(fatal)?;
            self.snapshot = Some(loaded);
        }
        let Some((snap, generation)) = self.snapshot.as_mut() else {
            return Err(fatal(ApiError::Internal("no snapshot".into())));
        };
        let checked = crate::app::mentorships::check_pair_on(self.store, snap, *generation, &pair)
            .map_err(as_row)?;
        let mut m =
            crate::app::mentorships::create(self.store, &mut self.batch, &pair, checked, self.now)
                .map_err(as_row)?;
        if let Some(end) = ended_on {
            let reason = m.charter.school_year.clone();
            m.end(
                end,
                peerlift_domain::Phrase::verbatim(if reason.is_empty() {
                    "imported as ended".to_string()
                } else {
                    format!("the {reason} list ended")
                }),
                self.now,
            );
            // The same revision as created: one write of the record as it is. Not in the
            // snapshot: an ended mentorship holds no capacity and blocks no current pair.
            m.meta = peerlift_domain::Meta::new(self.now);
            self.batch.put(&m).map_err(fatal)?;
            return Ok(Change::Created);
        }
        snap.mentorships.push(m.clone());
        self.active_mentorships()?.push(m);
        Ok(Change::Created)
    }

    /// The municipality's active mentorships, stored and made by this import (read from the
    /// store once).
    fn active_mentorships(&mut self) -> Result<&mut Vec<peerlift_domain::Mentorship>, RowFailure> {
        if self.active.is_none() {
            let mut out = Vec::new();
            for m in self.store.scan::<peerlift_domain::Mentorship>(
                &peerlift_store::prefix(&[&self.opts.municipality_id]),
                None,
            ) {
                let m = m.map_err(fatal)?;
                if m.is_active() {
                    out.push(m);
                }
            }
            self.active = Some(out);
        }
        Ok(self.active.get_or_insert_with(Vec::new))
    }

    fn school(&self, id: &str) -> ApiResult<Option<School>> {
        if let Some(s) = self.overlay.schools.get(id) {
            return Ok(Some(s.clone()));
        }
        Ok(self
            .store
            .get::<School>(&key(&[&self.opts.municipality_id, id]))?)
    }

    fn teacher(&self, id: &str) -> ApiResult<Option<Teacher>> {
        if let Some(t) = self.overlay.teachers.get(id) {
            return Ok(Some(t.clone()));
        }
        Ok(self
            .store
            .get::<Teacher>(&key(&[&self.opts.municipality_id, id]))?)
    }

    fn require_teacher(&self, id: &str) -> Result<(), RowFailure> {
        let exists = self.overlay.teachers.contains_key(id)
            || self
                .store
                .contains::<Teacher>(&key(&[&self.opts.municipality_id, id]))
                .map_err(fatal)?;
        if exists {
            Ok(())
        } else {
            Err(Violations::single(
                "teacher_id",
                format!(
                    "no teacher '{id}' in municipality '{}'",
                    self.opts.municipality_id
                ),
            )
            .into())
        }
    }
}

/// Why a row was not accepted.
enum RowFailure {
    Invalid(Violations),
    Fatal(ApiError),
}

impl From<Violations> for RowFailure {
    fn from(v: Violations) -> Self {
        RowFailure::Invalid(v)
    }
}

/// An import writes what the single calls would (CreateSchool, UpdateTeacher, ...), so it is
/// held to their grants file by file: a token granted only `import:write` imports nothing the
/// service it writes to would refuse it. The import grant itself the auth layer checked.
fn may_import(caller: &Caller, kind: FileKind) -> ApiResult<()> {
    use peerlift_domain::access::{allows, Op, Rpc, Service};
    let service = match kind {
        FileKind::Municipality => Service::Municipalities,
        FileKind::Schools => Service::Schools,
        FileKind::Teachers => Service::Teachers,
        FileKind::MentorProfiles => Service::MentorProfiles,
        FileKind::Diagnostics => Service::Diagnostics,
        FileKind::Mentorships => Service::Mentorships,
        FileKind::Results => Service::Programme,
    };
    let rpc = Rpc {
        service,
        op: Op::Write,
        school: false,
    };
    if allows(caller.role, &caller.grants, &rpc) {
        return Ok(());
    }
    let needs = format!("{}:write", service.code());
    Err(ApiError::Denied {
        reason: "GRANT_MISSING",
        message: format!(
            "{} may not import {}: it writes {} as the single calls do, which needs the {needs} grant",
            crate::error::a_an(&format!("{} token", caller.role.code())),
            kind.file_name(),
            service.code(),
        ),
        metadata: vec![
            ("role", caller.role.code().to_string()),
            ("method", "Import".into()),
            ("missing_grant", needs),
        ],
    })
}

fn fatal(e: impl Into<ApiError>) -> RowFailure {
    RowFailure::Fatal(e.into())
}

/// The cells of a record as text, or the index of the first cell that isn't UTF-8.
fn cells(record: &csv::ByteRecord) -> Result<Vec<&str>, usize> {
    record
        .iter()
        .enumerate()
        .map(|(i, c)| std::str::from_utf8(c).map_err(|_| i))
        .collect()
}
