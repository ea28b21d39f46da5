//! The registry's rules that need the store: deleting a teacher (or deactivating one with a
//! history), erasing a teacher's personal data, a municipality's own catalogue entries, and
//! reading diagnostics.

use jiff::civil::Date;
use peerlift_domain::access::Role;
use peerlift_domain::{
    CatalogEntry, CatalogKind, Diagnostic, Level, MentorProfile, Municipality, Session, Teacher,
};
use peerlift_store::{key, prefix, Batch, IdempotencyEntry, Record, Store, TreeId};

use crate::error::{ApiError, ApiResult};
use crate::state::{self, check_etag, page, walk};

/// Who may write a municipality's record: its region decides which region tokens read it, so
/// creating one or moving it to another region is an admin's act (audited as every write);
/// the rest (name, time zone) is whoever may update it. The id is the record's key and never
/// changes. The import holds a municipality row to the same rule.
pub fn check_municipality_write(
    caller: &crate::caller::Caller,
    cur: Option<&Municipality>,
    new: &Municipality,
) -> ApiResult<()> {
    if caller.role == Role::Admin {
        return Ok(());
    }
    match cur {
        None => Err(ApiError::PermissionDenied(format!(
            "municipality '{}' does not exist; only an admin creates municipalities",
            new.id
        ))),
        Some(cur) if cur.region != new.region => Err(ApiError::PermissionDenied(format!(
            "only an admin may move municipality '{}' from region '{}' to '{}': the region decides who may read it",
            cur.id, cur.region, new.region
        ))),
        Some(_) => Ok(()),
    }
}

pub fn teacher_not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "teacher",
        id: id.to_string(),
    }
}

/// A teacher has a history once a mentor profile or a diagnostic names them: deleting them
/// would orphan it.
pub fn has_history(s: &Store, municipality_id: &str, teacher_id: &str) -> ApiResult<bool> {
    Ok(
        s.contains::<MentorProfile>(&key(&[municipality_id, teacher_id]))?
            || s.index_has(
                TreeId::DiagnosticsByTeacher,
                &prefix(&[municipality_id, teacher_id]),
            )?,
    )
}

/// What deleting a teacher did.
#[derive(Debug, Clone, PartialEq)]
pub enum Deletion {
    /// The record is gone.
    Erased,
    /// The teacher has a history, so they stop counting instead (inactive), as the caller
    /// asked in effect; the record as it is now.
    Deactivated(Teacher),
}

/// Deletes a teacher whose etag matches (any, when empty), or deactivates one with a history.
pub fn delete_teacher(
    s: &Store,
    b: &mut Batch,
    municipality_id: &str,
    teacher_id: &str,
    etag: &str,
    now: jiff::Timestamp,
) -> ApiResult<Deletion> {
    state::municipality(s, municipality_id)?;
    let k = key(&[municipality_id, teacher_id]);
    let cur = s
        .get::<Teacher>(&k)?
        .ok_or_else(|| teacher_not_found(teacher_id))?;
    check_etag("teacher", &cur.id, etag, &cur.meta)?;
    if has_history(s, municipality_id, teacher_id)? {
        let mut t = cur.clone();
        if t.active {
            t.active = false;
            t.meta = cur.meta.next(now);
            b.put(&t)?;
        }
        return Ok(Deletion::Deactivated(t));
    }
    b.delete::<Teacher>(k);
    Ok(Deletion::Erased)
}

/// Erases a departed teacher's personal data: the name, their free text in sessions, and the
/// remembered answers of earlier writes (idempotent retries) that quote the name. Ids,
/// ratings and attendance stay: the anonymous history reports count.
pub fn erase_teacher(
    s: &Store,
    b: &mut Batch,
    municipality_id: &str,
    teacher_id: &str,
    now: jiff::Timestamp,
) -> ApiResult<Teacher> {
    let m = municipality_id;
    state::municipality(s, m)?;
    let mut t = s
        .get::<Teacher>(&key(&[m, teacher_id]))?
        .ok_or_else(|| teacher_not_found(teacher_id))?;
    let name = t.full_name.clone();
    if name != Teacher::ERASED_NAME && !name.is_empty() {
        for e in s.scan::<IdempotencyEntry>(&prefix(&[m]), None) {
            let e = e?;
            if e.response.windows(name.len()).any(|w| w == name.as_bytes()) {
                b.delete::<IdempotencyEntry>(e.key());
            }
        }
    }
    if t.erase() {
        t.meta = t.meta.next(now);
        b.put(&t)?;
    }
    let pre = prefix(&[m, teacher_id]);
    let mut ids = Vec::new();
    for k in s.scan_index(TreeId::SessionsByParticipant, &pre, None) {
        let k = k?;
        if let Some(id) = k.rsplit(|x| *x == 0).next() {
            ids.push(String::from_utf8_lossy(id).into_owned());
        }
    }
    for id in ids {
        if let Some(mut x) = s.get::<Session>(&key(&[m, &id]))? {
            if x.erase_text_of(teacher_id) {
                x.meta = x.meta.next(now);
                b.put(&x)?;
            }
        }
    }
    tracing::info!(municipality = %m, teacher = %teacher_id, "teacher's personal data erased");
    Ok(t)
}

/// The catalogue of a municipality, built-in entries first (`true`), then its own, kind by
/// kind (only `filter`'s, when given).
pub fn catalog(
    s: &Store,
    municipality_id: &str,
    filter: Option<CatalogKind>,
) -> ApiResult<Vec<(CatalogKind, String, String, bool)>> {
    state::municipality(s, municipality_id)?;
    let own: Vec<CatalogEntry> = s
        .scan::<CatalogEntry>(&prefix(&[municipality_id]), None)
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for kind in CatalogKind::ALL {
        if filter.is_some_and(|f| f != kind) {
            continue;
        }
        for (code, name) in kind.builtin() {
            out.push((kind, code.to_string(), name.to_string(), true));
        }
        for e in own.iter().filter(|e| e.kind == kind) {
            out.push((kind, e.code.clone(), e.name.clone(), false));
        }
    }
    Ok(out)
}

/// Adds a municipality's own entry: its code must be new (not built in, not added before).
/// `entry` is checked after that, with its violations under `entry`.
pub fn create_entry(s: &Store, b: &mut Batch, entry: CatalogEntry) -> ApiResult<CatalogEntry> {
    state::municipality(s, &entry.municipality_id)?;
    let builtin = entry.kind.builtin().iter().any(|(c, _)| *c == entry.code);
    if builtin || s.contains::<CatalogEntry>(&entry.key())? {
        return Err(ApiError::AlreadyExists {
            kind: "catalogue entry",
            id: entry.key_id(),
        });
    }
    entry
        .validate()
        .map_err(|v| ApiError::Invalid(v.prefixed("entry")))?;
    // A municipality's own entries are a handful; the cap keeps every record that may name
    // them (a diagnostic's scores by competence area) bounded too.
    let own = s
        .scan::<CatalogEntry>(&prefix(&[&entry.municipality_id]), None)
        .filter(|e| e.as_ref().map_or(true, |e| e.kind == entry.kind))
        .take(MAX_OWN_ENTRIES)
        .count();
    if own >= MAX_OWN_ENTRIES {
        return Err(ApiError::FailedPrecondition(format!(
            "municipality '{}' already has {MAX_OWN_ENTRIES} entries of its own of this kind; delete unused ones first",
            entry.municipality_id
        )));
    }
    b.put(&entry)?;
    Ok(entry)
}

/// Most entries of one kind a municipality may add to the built-in catalogue.
pub const MAX_OWN_ENTRIES: usize = 200;

/// Removes a municipality's own entry, unless it is built in or still used by a record.
pub fn delete_entry(
    s: &Store,
    b: &mut Batch,
    municipality_id: &str,
    kind: CatalogKind,
    code: &str,
) -> ApiResult<()> {
    let m = state::municipality(s, municipality_id)?;
    if kind.builtin().iter().any(|(c, _)| *c == code) {
        return Err(ApiError::FailedPrecondition(format!(
            "'{code}' is a built-in {} and cannot be removed",
            kind.code()
        )));
    }
    let k = key(&[&m.id, &format!("{}:{}", kind.code(), code)]);
    if !s.contains::<CatalogEntry>(&k)? {
        return Err(ApiError::NotFound {
            kind: "catalogue entry",
            id: code.to_string(),
        });
    }
    if in_use(s, &m.id, kind, code)? {
        return Err(ApiError::FailedPrecondition(format!(
            "{} '{code}' is still used by records of '{}'",
            kind.code(),
            m.id
        )));
    }
    b.delete::<CatalogEntry>(k);
    Ok(())
}

/// True when any record of the municipality uses the code.
fn in_use(s: &Store, muni: &str, kind: CatalogKind, code: &str) -> ApiResult<bool> {
    let p = prefix(&[muni]);
    let code = code.to_string();
    Ok(match kind {
        CatalogKind::Subject => {
            any::<Teacher>(s, &p, |t| t.subjects.contains(&code))?
                || any::<MentorProfile>(s, &p, |m| m.subjects.contains(&code))?
                || any::<Diagnostic>(s, &p, |d| d.subject == code)?
                || any::<peerlift_domain::School>(s, &p, |x| x.platforms.contains_key(&code))?
                || any::<peerlift_domain::Mentorship>(s, &p, |x| {
                    x.kind == peerlift_domain::MatchKind::SchoolDirections && x.subject == code
                })?
        }
        CatalogKind::Direction => any::<MentorProfile>(s, &p, |m| m.directions.contains(&code))?,
        CatalogKind::CompetenceArea => any::<Diagnostic>(s, &p, |d| d.scores.contains_key(&code))?,
        CatalogKind::SystemDirection | CatalogKind::EventKind => false,
    })
}

fn any<R: Record>(s: &Store, p: &[u8], f: impl Fn(&R) -> bool) -> ApiResult<bool> {
    for r in s.scan::<R>(p, None) {
        if f(&r?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Which diagnostics a list shows (None / empty: all). Dates are inclusive.
#[derive(Debug, Clone, Default)]
pub struct DiagnosticQuery {
    /// One teacher's, in date order (through the index); otherwise by id.
    pub teacher_id: String,
    pub subject: String,
    pub level: Option<Level>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl DiagnosticQuery {
    fn keeps(&self, d: &Diagnostic) -> bool {
        (self.subject.is_empty() || d.subject == self.subject)
            && self.level.is_none_or(|l| d.level == l)
            && self.from.is_none_or(|f| d.date >= f)
            && self.to.is_none_or(|t| d.date <= t)
    }
}

/// A page of a municipality's diagnostics.
pub fn diagnostics(
    s: &Store,
    municipality_id: &str,
    q: &DiagnosticQuery,
    size: usize,
    token: &str,
) -> ApiResult<(Vec<Diagnostic>, String)> {
    state::municipality(s, municipality_id)?;
    if q.teacher_id.is_empty() {
        let p = prefix(&[municipality_id]);
        let w = state::Walk::new(walk::DIAGNOSTICS, q);
        let after = state::decode_token(token, w, &p)?;
        let iter = s
            .scan::<Diagnostic>(&p, after.as_deref())
            .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
        page(iter, size, w, |d| q.keeps(d))
    } else {
        let p = prefix(&[municipality_id, &q.teacher_id]);
        let w = state::Walk::new(walk::DIAGNOSTICS_BY_TEACHER, q);
        let after = state::decode_token(token, w, &p)?;
        let iter = state::index_walk::<Diagnostic>(
            s,
            TreeId::DiagnosticsByTeacher,
            &p,
            after.as_deref(),
            municipality_id,
        );
        page(iter, size, w, |d| q.keeps(d))
    }
}

/// Every diagnostic of an existing teacher, in date order: what their progress is read from.
pub fn teacher_diagnostics(
    s: &Store,
    municipality_id: &str,
    teacher_id: &str,
) -> ApiResult<Vec<Diagnostic>> {
    state::municipality(s, municipality_id)?;
    if !s.contains::<Teacher>(&key(&[municipality_id, teacher_id]))? {
        return Err(teacher_not_found(teacher_id));
    }
    let mut diags = Vec::new();
    for k in s.scan_index(
        TreeId::DiagnosticsByTeacher,
        &prefix(&[municipality_id, teacher_id]),
        None,
    ) {
        let id = peerlift_store::split_key(&k?).pop().unwrap_or_default();
        if let Some(d) = s.get::<Diagnostic>(&key(&[municipality_id, &id]))? {
            diags.push(d);
        }
    }
    Ok(diags)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::testing::{kirovsky, now, MUNICIPALITY};

    /// A teacher with a diagnostic is deactivated, not deleted; one without any history is
    /// deleted; a stale etag is refused.
    #[test]
    fn a_teacher_with_a_history_is_deactivated_not_deleted() {
        let (_dir, s) = kirovsky();
        let teachers: Vec<Teacher> = s
            .scan::<Teacher>(&prefix(&[MUNICIPALITY]), None)
            .collect::<Result<_, _>>()
            .unwrap();
        let with = teachers
            .iter()
            .find(|t| has_history(&s, MUNICIPALITY, &t.id).unwrap())
            .unwrap();
        let stale = s.write(|s, b| delete_teacher(s, b, MUNICIPALITY, &with.id, "99", now()));
        assert!(
            matches!(stale, Err(ApiError::StaleEtag { .. })),
            "{stale:?}"
        );
        let d = s
            .write(|s, b| delete_teacher(s, b, MUNICIPALITY, &with.id, "", now()))
            .unwrap();
        assert!(matches!(d, Deletion::Deactivated(ref t) if !t.active));
        let bare = Teacher {
            id: "new-teacher".into(),
            meta: peerlift_domain::Meta::new(now()),
            ..with.clone()
        };
        s.write(|_, b| b.put(&bare).map_err(ApiError::from))
            .unwrap();
        let d = s
            .write(|s, b| delete_teacher(s, b, MUNICIPALITY, "new-teacher", "", now()))
            .unwrap();
        assert_eq!(d, Deletion::Erased);
        assert!(!s
            .contains::<Teacher>(&key(&[MUNICIPALITY, "new-teacher"]))
            .unwrap());
    }

    /// One teacher's diagnostics come in date order, through the index; filters apply; an
    /// unknown teacher is not found.
    #[test]
    fn a_teachers_diagnostics_are_in_date_order() {
        let (_dir, s) = kirovsky();
        let all: Vec<Diagnostic> = s
            .scan::<Diagnostic>(&prefix(&[MUNICIPALITY]), None)
            .collect::<Result<_, _>>()
            .unwrap();
        let t = &all[0].teacher_id;
        let mine = teacher_diagnostics(&s, MUNICIPALITY, t).unwrap();
        assert_eq!(
            mine.len(),
            all.iter().filter(|d| &d.teacher_id == t).count()
        );
        assert!(mine.windows(2).all(|w| w[0].date <= w[1].date));
        let q = DiagnosticQuery {
            teacher_id: t.clone(),
            level: Some(mine[0].level),
            ..DiagnosticQuery::default()
        };
        let (page1, _) = diagnostics(&s, MUNICIPALITY, &q, 100, "").unwrap();
        assert!(!page1.is_empty() && page1.iter().all(|d| d.level == mine[0].level));
        assert!(matches!(
            teacher_diagnostics(&s, MUNICIPALITY, "nobody"),
            Err(ApiError::NotFound { .. })
        ));
    }

    /// Erasure removes the name and keeps the record.
    #[test]
    fn erasure_keeps_the_record_without_the_name() {
        let (_dir, s) = kirovsky();
        let t = s
            .scan::<Teacher>(&prefix(&[MUNICIPALITY]), None)
            .next()
            .unwrap()
            .unwrap();
        let erased = s
            .write(|s, b| erase_teacher(s, b, MUNICIPALITY, &t.id, now()))
            .unwrap();
        assert_eq!(erased.full_name, Teacher::ERASED_NAME);
        assert_eq!(erased.id, t.id);
        let again = s
            .write(|s, b| erase_teacher(s, b, MUNICIPALITY, &t.id, now()))
            .unwrap();
        assert_eq!(
            again.meta.revision, erased.meta.revision,
            "erasing twice changes nothing"
        );
    }

    /// Built-in codes cannot be added or removed; an own code in use cannot be removed.
    #[test]
    fn the_catalogue_keeps_built_in_and_used_codes() {
        let (_dir, s) = kirovsky();
        let entry = |code: &str| CatalogEntry {
            municipality_id: MUNICIPALITY.into(),
            kind: CatalogKind::Subject,
            code: code.into(),
            name: "Робототехника".into(),
            meta: peerlift_domain::Meta::new(now()),
        };
        let builtin = s.write(|s, b| create_entry(s, b, entry("mathematics")));
        assert!(matches!(builtin, Err(ApiError::AlreadyExists { .. })));
        s.write(|s, b| create_entry(s, b, entry("robotics")))
            .unwrap();
        let listed = catalog(&s, MUNICIPALITY, Some(CatalogKind::Subject)).unwrap();
        assert!(listed.iter().any(|(_, c, _, own)| c == "robotics" && !own));
        let maths =
            s.write(|s, b| delete_entry(s, b, MUNICIPALITY, CatalogKind::Subject, "mathematics"));
        assert!(matches!(maths, Err(ApiError::FailedPrecondition(_))));
        s.write(|s, b| delete_entry(s, b, MUNICIPALITY, CatalogKind::Subject, "robotics"))
            .unwrap();
        let gone =
            s.write(|s, b| delete_entry(s, b, MUNICIPALITY, CatalogKind::Subject, "robotics"));
        assert!(matches!(gone, Err(ApiError::NotFound { .. })));
    }
}
