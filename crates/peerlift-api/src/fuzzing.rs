//! Entry points for fuzzing: the cargo-fuzz targets in `fuzz/` call them with whatever bytes
//! libFuzzer makes up, and `tests/fuzz_corpus.rs` runs them on stable over the seed corpus and
//! a bounded number of seeded random inputs.
//!
//! Neither function returns anything. They run real code paths (the CSV importer on a real
//! sled store; the protobuf decoding and pb -> domain conversion and validation of the
//! services) and panic only when an invariant the API promises is broken, which is how a
//! fuzzer tells a bug. Any input at all must leave them without a panic:
//!
//! - [`import_csv`]: the bytes imported as each kind of file into a seeded municipality. A dry
//!   run never commits; a strict import with a rejected row commits nothing and reports what
//!   the dry run reported; every report adds up; every error converts into a short status.
//! - [`validate_request`]: the bytes decoded as several request messages and put through the
//!   services' checks. A request accepted is a valid record that survives the trip back to
//!   protobuf and in again unchanged; a request refused names each bad field, in a short
//!   status.
//!
//! Not for production use: nothing in the service calls this module.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use peerlift_domain::csvfmt::FileKind;
use peerlift_domain::{Catalog, Mode, ScheduleSettings, Session, SessionKind, SessionStatus, Veto};
use peerlift_domain::{Meta, Violations};
use peerlift_store::Store;
use prost::Message;

use crate::app::import::{ImportOptions, Importer, Report, MAX_REPORTED_ERRORS};
use crate::auth::Caller;
use crate::convert::{
    diagnostic_from_pb, diagnostic_to_pb, mentor_profile_from_pb, mentor_profile_to_pb, parse_date,
    school_from_pb, school_to_pb, teacher_from_pb, teacher_to_pb,
};
use crate::convert_match::{policy_from_pb, required_kind, weights_from_pb};
use crate::convert_sessions::{session_input_from_pb, settings_from_pb};
use crate::error::ApiError;
use crate::pb;
use crate::state;

/// The municipality imports go into: the Kirovsky example's, so the example files (the seed
/// corpus) refer to records that exist.
pub const MUNICIPALITY: &str = "kirovsky";

/// What the store holds before every import: the example's municipality and schools, and the
/// teachers the seed corpus's profiles and diagnostics name.
const SEED: [(FileKind, &str); 3] = [
    (
        FileKind::Municipality,
        include_str!("../../../examples/kirovsky/municipality.csv"),
    ),
    (
        FileKind::Schools,
        include_str!("../../../examples/kirovsky/schools.csv"),
    ),
    (
        FileKind::Teachers,
        "id,school_id,full_name,subjects,active,accepts_online
putilovo-oosh-t001,putilovo-oosh,Николаева Людмила Ивановна,primary_school,true,true
putilovo-oosh-t002,putilovo-oosh,Соколов Сергей Николаевич,chemistry;mathematics,true,true
putilovo-oosh-t003,putilovo-oosh,Егорова Ольга Владимировна,primary_school,true,true
putilovo-oosh-t004,putilovo-oosh,Смирнова Юлия Юрьевна,primary_school,true,true
shum-sosh-t001,shum-sosh,Лебедева Екатерина Сергеевна,primary_school,true,true
shum-sosh-t003,shum-sosh,Кузнецова Анна Александровна,mathematics,true,true
shlisselburg-sosh-1-t006,shlisselburg-sosh-1,Попова Анна Викторовна,biology,true,true
shlisselburg-sosh-1-t010,shlisselburg-sosh-1,Лебедева Татьяна Викторовна,informatics,true,true
shlisselburg-sosh-1-t016,shlisselburg-sosh-1,Егорова Юлия Викторовна,social_studies,true,true
",
    ),
];

/// A fixed "now": the same input always gives the same records.
fn now() -> Timestamp {
    Timestamp::constant(1_700_000_000, 0)
}

/// The longest status message an error may carry (see `error.rs`), plus its ellipsis.
const MAX_STATUS_MESSAGE: usize = 1_001;
/// The most bytes of details an error may carry.
const MAX_STATUS_DETAILS: usize = 8 * 1024;

/// A store in a directory of its own that is removed when the store is dropped.
struct Scratch {
    store: Store,
    dir: PathBuf,
    /// The seeded store's snapshot, which every input must leave as it is.
    seeded: Vec<u8>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Scratch {
    /// A new seeded store. Panics if the seed cannot be imported: that is a broken build, not
    /// an input.
    fn new() -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peerlift-fuzz-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let store = match Store::open(&dir) {
            Ok(s) => s,
            Err(e) => panic_now(format!("cannot open a scratch store in {dir:?}: {e}")),
        };
        let mut scratch = Scratch {
            store,
            dir,
            seeded: Vec::new(),
        };
        let report = {
            let _lock = scratch.store.lock();
            let run = || -> Result<Report, ApiError> {
                let mut importer = Importer::new(&scratch.store, options(false, false), now())?;
                for (kind, text) in SEED {
                    importer.import_file(kind, kind.file_name(), text.as_bytes())?;
                }
                importer.finish()
            };
            run()
        };
        match report {
            Ok(r) if r.committed && r.errors_total == 0 => {
                scratch.seeded = scratch.snapshot();
                scratch
            }
            other => panic_now(format!("the fuzzing seed does not import: {other:?}")),
        }
    }

    /// The whole store as text: equal snapshots mean nothing was written.
    fn snapshot(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Err(e) = self.store.export(&mut out) {
            panic_now(format!("export failed: {e}"));
        }
        out
    }
}

fn options(strict: bool, dry_run: bool) -> ImportOptions {
    ImportOptions {
        municipality_id: MUNICIPALITY.into(),
        strict,
        dry_run,
        caller: Caller::dev(),
        revoked: Default::default(),
    }
}

/// Reports a broken invariant (or a broken harness): the one way this module panics.
#[allow(clippy::panic)]
fn panic_now(why: String) -> ! {
    panic!("{why}")
}

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            panic_now(format!($($why)+));
        }
    };
}

thread_local! {
    /// One seeded store per thread, reused by every input: opening and seeding sled for each
    /// would make fuzzing a hundred times slower. Inputs never change it (checked).
    static WORLD: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// Imports `data` as each kind of file into the seeded municipality, as a dry run and, when
/// the dry run rejected something, as a strict import; checks that neither wrote anything and
/// that the reports are consistent. Panics only on a broken invariant.
pub fn import_csv(data: &[u8]) {
    WORLD.with(|w| {
        let mut w = w.borrow_mut();
        let scratch = w.get_or_insert_with(Scratch::new);
        // Every write bumps the municipality's generation: a cheap probe after each import.
        // The full snapshot (a few ms in a debug build) is compared once per input.
        let generation = || match scratch.store.generation(MUNICIPALITY) {
            Ok(g) => g,
            Err(e) => panic_now(format!("cannot read the generation: {e}")),
        };
        let gen0 = generation();
        let mut reports = Vec::new();
        for kind in FileKind::ALL {
            let name = kind.file_name();
            let dry = import_once(&scratch.store, kind, name, data, false, true);
            ensure!(generation() == gen0, "{name}: a dry run wrote");
            let Some(dry) = dry else { continue };
            ensure!(!dry.committed, "{name}: a dry run committed");
            check_report(&dry, name);
            if dry.errors_total > 0 {
                // A strict import that found errors must commit nothing, and must have found
                // what the dry run found.
                let strict = import_once(&scratch.store, kind, name, data, true, false);
                ensure!(
                    generation() == gen0,
                    "{name}: a strict import with errors wrote"
                );
                match strict {
                    Some(strict) => {
                        ensure!(
                            !strict.committed,
                            "{name}: a strict import with {} errors committed",
                            strict.errors_total
                        );
                        ensure!(
                            strict.files == dry.files
                                && strict.errors == dry.errors
                                && strict.errors_total == dry.errors_total,
                            "{name}: the strict import reported otherwise than the dry run:\n{strict:?}\n{dry:?}"
                        );
                    }
                    None => panic_now(format!(
                        "{name}: the strict import failed where the dry run did not"
                    )),
                }
            }
            // A strict import without errors, or a normal one, would commit: not on the
            // shared store (inputs must not change what the next one sees).
            reports.push(dry);
        }
        ensure!(
            scratch.snapshot() == scratch.seeded,
            "importing this input changed the store; the dry runs reported {reports:?}"
        );
    });
}

/// One import of `data` as `kind`; None when it failed as a whole (its error is checked).
fn import_once(
    store: &Store,
    kind: FileKind,
    name: &str,
    data: &[u8],
    strict: bool,
    dry_run: bool,
) -> Option<Report> {
    let _lock = store.lock();
    let run = || -> Result<Report, ApiError> {
        let mut importer = Importer::new(store, options(strict, dry_run), now())?;
        importer.import_file(kind, name, data)?;
        importer.finish()
    };
    match run() {
        Ok(r) => Some(r),
        Err(e) => {
            check_error(e, name);
            None
        }
    }
}

/// Every row is counted once; a rejected row comes with an error; the kept errors are the first.
fn check_report(r: &Report, name: &str) {
    for f in &r.files {
        let c = f.counts;
        ensure!(
            c.rows == c.created + c.updated + c.unchanged + c.rejected,
            "{name}: counts do not add up: {c:?}"
        );
    }
    // Rows under an unreadable header are rejected by the header's errors, not one each.
    ensure!(
        (r.total.rejected == 0) || r.errors_total > 0,
        "{name}: {} rejected rows but no error",
        r.total.rejected
    );
    ensure!(
        r.errors.len() as u64 == r.errors_total.min(MAX_REPORTED_ERRORS as u64),
        "{name}: {} errors kept of {}",
        r.errors.len(),
        r.errors_total
    );
    for e in &r.errors {
        ensure!(
            e.file_name == name && e.line >= 1 && !e.reason.trim().is_empty(),
            "{name}: an error that says nothing: {e:?}"
        );
    }
}

/// An error converts into a status whose message and details are short, and an INVALID_ARGUMENT
/// names each field.
fn check_error(e: ApiError, context: &str) {
    if let ApiError::Invalid(v) = &e {
        for f in &v.0 {
            ensure!(
                !f.field.is_empty() && !f.description.trim().is_empty(),
                "{context}: a violation that does not say what or why: {f:?}"
            );
        }
    }
    let status = tonic::Status::from(e);
    ensure!(
        !status.message().trim().is_empty(),
        "{context}: an empty error message ({:?})",
        status.code()
    );
    ensure!(
        status.message().chars().count() <= MAX_STATUS_MESSAGE,
        "{context}: a status message of {} characters",
        status.message().chars().count()
    );
    ensure!(
        status.details().len() <= MAX_STATUS_DETAILS,
        "{context}: {} bytes of status details",
        status.details().len()
    );
}

/// The verdict of a conversion, checked: a refusal is a clean error.
fn refused<T>(context: &str, r: Result<T, Violations>, prefix: &str) -> Option<T> {
    match r {
        Ok(x) => Some(x),
        Err(v) => {
            ensure!(!v.is_empty(), "{context}: refused without a reason");
            check_error(ApiError::Invalid(v.prefixed(prefix)), context);
            None
        }
    }
}

fn api_refused<T>(context: &str, r: Result<T, ApiError>) -> Option<T> {
    match r {
        Ok(x) => Some(x),
        Err(e) => {
            check_error(e, context);
            None
        }
    }
}

/// Decodes `data` as several request messages and runs, for each that decodes, the checks the
/// service makes before it touches the store. Panics only on a broken invariant.
pub fn validate_request(data: &[u8]) {
    let catalog = Catalog::default();
    if let Ok(r) = pb::CreateSchoolRequest::decode(data) {
        request_id("CreateSchool", &r.request_id);
        let scope = scope_of(&r.municipality_id);
        if let Some(school) = r.school {
            if let Some((s, _since)) =
                refused("CreateSchool", school_from_pb(&scope, school), "school")
            {
                ensure!(s.validate().is_ok(), "an accepted school is invalid: {s:?}");
                let back = school_from_pb(&scope, school_to_pb(&s));
                ensure!(
                    matches!(&back, Ok((b, _)) if b.same_content(&s)),
                    "a school changed on its way back: {s:?} -> {back:?}"
                );
            }
        }
    }
    if let Ok(r) = pb::CreateTeacherRequest::decode(data) {
        request_id("CreateTeacher", &r.request_id);
        let scope = scope_of(&r.municipality_id);
        if let Some(t) = r.teacher {
            if let Some((t, _)) = refused(
                "CreateTeacher",
                teacher_from_pb(&scope, &catalog, t),
                "teacher",
            ) {
                ensure!(
                    t.validate(&catalog).is_ok(),
                    "an accepted teacher is invalid: {t:?}"
                );
                let back = teacher_from_pb(&scope, &catalog, teacher_to_pb(&t));
                ensure!(
                    matches!(&back, Ok((b, _)) if b.same_content(&t)),
                    "a teacher changed on its way back: {t:?} -> {back:?}"
                );
            }
        }
    }
    if let Ok(r) = pb::CreateMentorProfileRequest::decode(data) {
        let scope = scope_of(&r.municipality_id);
        if let Some(p) = r.mentor_profile {
            if let Some(p) = refused(
                "CreateMentorProfile",
                mentor_profile_from_pb(&scope, &catalog, p),
                "mentor_profile",
            ) {
                ensure!(
                    p.validate(&catalog).is_ok(),
                    "an accepted profile is invalid: {p:?}"
                );
                let back = mentor_profile_from_pb(&scope, &catalog, mentor_profile_to_pb(&p));
                ensure!(
                    matches!(&back, Ok(b) if b.same_content(&p)),
                    "a profile changed on its way back: {p:?} -> {back:?}"
                );
            }
        }
    }
    if let Ok(r) = pb::CreateDiagnosticRequest::decode(data) {
        let scope = scope_of(&r.municipality_id);
        if let Some(d) = r.diagnostic {
            if let Some(d) = refused(
                "CreateDiagnostic",
                diagnostic_from_pb(&scope, &catalog, d),
                "diagnostic",
            ) {
                ensure!(
                    d.validate(&catalog).is_ok(),
                    "an accepted diagnostic is invalid: {d:?}"
                );
                let back = diagnostic_from_pb(&scope, &catalog, diagnostic_to_pb(&d));
                ensure!(
                    matches!(&back, Ok(b) if b.same_content(&d)),
                    "a diagnostic changed on its way back: {d:?} -> {back:?}"
                );
            }
        }
    }
    if let Ok(r) = pb::CreateSessionRequest::decode(data) {
        request_id("CreateSession", &r.request_id);
        let scope = scope_of(&r.municipality_id);
        if let Some(x) = r.session {
            if let Some(input) =
                refused("CreateSession", session_input_from_pb(&scope, x), "session")
            {
                if !input.id.is_empty() {
                    api_refused(
                        "CreateSession",
                        crate::services::check_id("session.id", &input.id),
                    );
                }
                // The record the service would build, with the mentorship's and the form's
                // defaults in place of the store's: its own rules must hold up.
                let session = Session {
                    municipality_id: scope.clone(),
                    id: "ses-1".into(),
                    mentorship_id: input.mentorship_id,
                    kind: input.kind.unwrap_or(SessionKind::LessonVisit),
                    start: input.start.unwrap_or_default(),
                    duration_minutes: input.duration_minutes.unwrap_or(90),
                    mode: input.mode.unwrap_or(Mode::InPerson),
                    school_id: input.school_id,
                    place: input.place,
                    mentor_id: "mentor".into(),
                    mentee_ids: input.mentee_ids,
                    schools: Vec::new(),
                    topics: input.topics,
                    materials: input.materials,
                    status: SessionStatus::Planned,
                    attended: Vec::new(),
                    feedback: None,
                    status_reason: String::new(),
                    proposal_id: String::new(),
                    meta: Meta::new(now()),
                };
                ensure!(
                    session.end() >= session.start,
                    "a session ends before it starts"
                );
                let _ = session.start_key();
                refused("CreateSession", session.validate(), "session");
            }
        }
    }
    if let Ok(r) = pb::RunMatchingRequest::decode(data) {
        request_id("RunMatching", &r.request_id);
        api_refused("RunMatching", required_kind("kind", r.kind));
        refused("RunMatching", weights_from_pb(r.weights), "");
        if let Some(p) = refused("RunMatching", policy_from_pb(r.policy), "") {
            ensure!(
                p.group_min_size >= 1 && p.group_min_size <= p.group_max_size,
                "accepted group sizes out of order: {p:?}"
            );
        }
    }
    if let Ok(r) = pb::VetoPairRequest::decode(data) {
        if let Some(kind) = api_refused("VetoPair", required_kind("kind", r.kind)) {
            let veto = Veto {
                municipality_id: scope_of(&r.municipality_id),
                kind,
                mentee_id: r.mentee_id,
                mentor_id: r.mentor_id,
                reason: r.reason.trim().to_string(),
                meta: Meta::new(now()),
            };
            refused("VetoPair", veto.validate(), "");
        }
    }
    if let Ok(r) = pb::UpdateScheduleSettingsRequest::decode(data) {
        if let Some(s) = r.settings {
            let base = ScheduleSettings::defaults(&scope_of(&s.municipality_id), now());
            if let Some(next) = refused(
                "UpdateScheduleSettings",
                settings_from_pb(&base, s),
                "settings",
            ) {
                ensure!(
                    next.validate().is_ok(),
                    "accepted settings are invalid: {next:?}"
                );
            }
        }
    }
    if let Ok(r) = pb::ListSessionsRequest::decode(data) {
        api_refused("ListSessions", state::page_size(r.page_size));
        let mut v = Violations::new();
        let (from, to) = crate::services::date_range(&mut v, &r.from, &r.to);
        if v.is_empty() {
            if let (Some(f), Some(t)) = (from, to) {
                ensure!(f <= t, "a range from {f} to {t} was accepted");
            }
        }
        refused("ListSessions", v.into_result(), "");
        let prefix = peerlift_store::prefix(&[&scope_of(&r.municipality_id)]);
        // Any walk: a token that decodes for it must encode back to itself.
        let walk = state::Walk::new(state::walk::SESSIONS_BY_START, &());
        if let Some(Some(after)) = api_refused(
            "ListSessions",
            state::decode_token(&r.page_token, walk, &prefix),
        ) {
            ensure!(
                after.starts_with(&prefix)
                    && state::encode_token(walk, &after).eq_ignore_ascii_case(&r.page_token),
                "an accepted page token does not round-trip: {:?}",
                r.page_token
            );
        }
    }
    if let Ok(r) = pb::ApproveMatchRunRequest::decode(data) {
        request_id("ApproveMatchRun", &r.request_id);
        api_refused(
            "ApproveMatchRun",
            crate::services::check_id("run_id", &r.run_id),
        );
        let mut v = Violations::new();
        peerlift_domain::check_reason(&mut v, "note", r.note.trim(), false);
        if !r.effective_date.is_empty() {
            parse_date(&mut v, "effective_date", &r.effective_date);
        }
        refused("ApproveMatchRun", v.into_result(), "");
    }
}

/// The municipality a request names, or a placeholder (the services look it up first, so an
/// empty one never reaches the conversions).
fn scope_of(m: &str) -> String {
    if m.is_empty() {
        "m".into()
    } else {
        m.to_string()
    }
}

fn request_id(context: &str, id: &str) {
    let checked = state::check_request_id(id);
    ensure!(
        checked.is_ok() == (id.len() <= 128 && id.chars().all(|c| c.is_ascii_graphic())),
        "{context}: request id {id:?} judged wrongly"
    );
    api_refused(context, checked);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_imports_and_examples_pass() {
        import_csv(include_bytes!("../../../examples/kirovsky/schools.csv"));
        import_csv(b"");
        import_csv(b"\xff\xfe\n,,,\n\"");
        validate_request(&[]);
        validate_request(&[0x0a, 0x01, b'm', 0x12, 0x02, 0x10, 0x63]);
    }
}
