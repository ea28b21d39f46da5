//! Mentorships as use cases: a pair made by hand (its rules checked against a snapshot outside
//! the write lock), locking, ending, vetoing, listing.

use peerlift_domain::{
    school_year_of, Accepted, Basis, Charter, MatchKind, Mentorship, MentorshipStatus, Meta, Mode,
    Origin, PartnershipType, Phrase, School, Veto, Violations,
};
use peerlift_match::Snapshot;
use peerlift_store::{key, prefix, Batch, Record, Store};

use crate::app::runs::load_snapshot;
use crate::error::{ApiError, ApiResult};
use crate::state::{self, check_etag, page, today, walk};

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "mentorship",
        id: id.to_string(),
    }
}

/// A pair made by hand (CreateMentorship).
#[derive(Debug, Clone, Default)]
pub struct NewPair {
    pub municipality_id: String,
    pub kind: Option<MatchKind>,
    pub mentee_id: String,
    pub mentor_id: String,
    pub subject: String,
    pub reason: String,
    pub locked: bool,
    /// A network already working: the day it began (None: today).
    pub started_on: Option<jiff::civil::Date>,
    /// The office's record: order, school year (empty: the year of the start), goal, basis.
    pub charter: Charter,
    /// Partnerships: the type the office sets (None: the locality rule suggests one).
    pub partnership_type: Option<PartnershipType>,
    /// Keep the pair although it breaks hard rules, for this reason (empty: refuse it).
    pub accept_reason: String,
    /// Groups: the member teachers or schools (the group's label is made from them).
    pub members: Vec<String>,
}

/// Most members of a group made by hand.
pub const MAX_GROUP_MEMBERS: usize = 30;

impl NewPair {
    /// The request's own checks, before anything is read: every broken field named at once.
    pub fn validate(&self) -> ApiResult<MatchKind> {
        let Some(kind) = self.kind else {
            return Err(ApiError::invalid("kind", "must be set"));
        };
        let group = matches!(kind, MatchKind::TeacherGroups | MatchKind::SchoolGroups);
        let mut v = Violations::new();
        if group {
            // A group is its members; its label (the mentee id) is derived from them.
            if !self.mentee_id.is_empty() {
                v.add(
                    "mentee_id",
                    "a group has members, not a mentee: leave it empty",
                );
            }
            if !(2..=MAX_GROUP_MEMBERS).contains(&self.members.len()) {
                v.add(
                    "members",
                    format!("a group has 2 to {MAX_GROUP_MEMBERS} members"),
                );
            }
            let mut seen = std::collections::BTreeSet::new();
            for (i, m) in self.members.iter().enumerate() {
                peerlift_domain::ids::check_id(&mut v, &format!("members[{i}]"), m);
                if !seen.insert(m) {
                    v.add(format!("members[{i}]"), format!("'{m}' is named twice"));
                } else if *m == self.mentor_id {
                    v.add(format!("members[{i}]"), "the mentor cannot be a member");
                }
            }
        } else if !self.members.is_empty() {
            v.add("members", "only groups have members");
        }
        if !group {
            peerlift_domain::ids::check_id(&mut v, "mentee_id", &self.mentee_id);
        }
        peerlift_domain::ids::check_id(&mut v, "mentor_id", &self.mentor_id);
        // A mentorship of one with itself (a cycle) is refused here, whatever the kind, rather
        // than by whichever hard rule happens to notice it first.
        if !self.mentee_id.is_empty() && self.mentor_id == self.mentee_id {
            v.add(
                "mentor_id",
                "must differ from mentee_id: nobody mentors themselves",
            );
        }
        if self.reason.trim().is_empty() {
            v.add("reason", "say why the pair is made by hand");
        } else {
            // The reason is stored in the mentorship (its origin): bounded like any typed text.
            peerlift_domain::check_reason(&mut v, "reason", self.reason.trim(), true);
        }
        if matches!(
            kind,
            MatchKind::TeacherPairs
                | MatchKind::SchoolDirections
                | MatchKind::TeacherGroups
                | MatchKind::ManagementPlatforms
        ) && self.subject.is_empty()
        {
            v.add(
                "subject",
                "teacher pairs and groups and distributed partnerships need the subject, management internships the system direction",
            );
        }
        if let Some(d) = self.started_on {
            if d < jiff::civil::date(2000, 1, 1) {
                v.add("started_on", "must be 2000-01-01 or later");
            }
        }
        self.charter.validate(&mut v, "");
        peerlift_domain::check_reason(&mut v, "accept_reason", self.accept_reason.trim(), false);
        if kind.is_schools() && self.charter.basis != Basis::Deficit {
            v.add(
                "basis",
                "a reason instead of a deficit is for teachers (a young specialist, voluntary C-level work)",
            );
        }
        if !matches!(
            kind,
            MatchKind::SchoolPartnerships | MatchKind::SchoolDirections
        ) && self.partnership_type.is_some()
        {
            v.add(
                "partnership_type",
                "only partnerships of schools have a type",
            );
        }
        v.into_result().map_err(ApiError::Invalid)?;
        Ok(kind)
    }
}

/// What the pair rules found for a hand-made pair, and the municipality's generation they were
/// checked against: the write keeps it only while that generation holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPair {
    pub generation: u64,
    pub mode: Mode,
    pub score: i64,
    pub partnership_type: Option<PartnershipType>,
    /// Hard rules the pair breaks, accepted with the request's reason.
    pub accepted: Vec<Accepted>,
}

/// A rule the pair breaks, noted with the office's reason (empty when it gave none): every
/// broken rule is gathered, then [`settle`] refuses them all in one answer or records each.
fn breaks(p: &NewPair, rule: String, accepted: &mut Vec<Accepted>) -> ApiResult<()> {
    accepted.push(Accepted {
        rule,
        reason: p.accept_reason.trim().to_string(),
    });
    Ok(())
}

/// The broken rules gathered: refused together without an accept_reason (the answer names
/// each), recorded each with the reason otherwise.
fn settle(p: &NewPair, accepted: Vec<Accepted>) -> ApiResult<Vec<Accepted>> {
    if accepted.is_empty() || !p.accept_reason.trim().is_empty() {
        return Ok(accepted);
    }
    let rules: Vec<&str> = accepted.iter().map(|a| a.rule.as_str()).collect();
    Err(ApiError::FailedPrecondition(format!(
        "{} (to keep the pair anyway, say why in accept_reason)",
        rules.join("; ")
    )))
}

/// Checks a hand-made pair against the matcher's hard rules on a snapshot of its municipality.
/// Loading the snapshot is the heavy part; called before the write, it keeps the write lock
/// free meanwhile.
pub fn check_pair(s: &Store, p: &NewPair) -> ApiResult<CheckedPair> {
    check_pair_except(s, p, None)
}

/// [`check_pair`] as if mentorship `except` were not there (an edit is checked against the
/// others: it neither duplicates nor takes capacity from itself).
fn check_pair_except(s: &Store, p: &NewPair, except: Option<&str>) -> ApiResult<CheckedPair> {
    p.validate()?;
    let m = state::municipality(s, &p.municipality_id)?;
    let (mut snap, generation) = load_snapshot(s, &m.id)?;
    if let Some(id) = except {
        snap.mentorships.retain(|x| x.id != id);
    }
    check_pair_on(s, &snap, generation, p)
}

/// [`check_pair`] on a snapshot the caller holds (an import checks all its rows against one
/// snapshot, extended with each mentorship it makes, instead of reading one per row).
pub fn check_pair_on(
    s: &Store,
    snap: &Snapshot,
    generation: u64,
    p: &NewPair,
) -> ApiResult<CheckedPair> {
    let kind = p.validate()?;
    let m = state::municipality(s, &p.municipality_id)?;
    let mut accepted = Vec::new();
    let (mode, score, partnership_type) = match kind {
        MatchKind::TeacherPairs => {
            // Unknown teachers are bad references in the request, named like every other
            // reference field, not a hard rule of the pair.
            crate::app::check_teacher(s, "mentee_id", &m.id, &p.mentee_id)?;
            crate::app::check_teacher(s, "mentor_id", &m.id, &p.mentor_id)?;
            let checked = peerlift_match::pairs::check_teacher_pair(
                snap,
                &Default::default(),
                &Default::default(),
                &m.id,
                &p.mentee_id,
                &p.subject,
                &p.mentor_id,
                p.charter.basis == Basis::Deficit,
            );
            let (mode, score) = match checked {
                Ok(pair) => (pair.mode, pair.score),
                // Kept against the rules: online (it needs no travel), unscored.
                Err(rules) => {
                    for rule in rules {
                        breaks(p, rule, &mut accepted)?;
                    }
                    (Mode::Online, 0)
                }
            };
            if snap
                .mentorships
                .iter()
                .any(|x| x.kind == kind && x.mentee_id == p.mentee_id && x.subject == p.subject)
            {
                return Err(ApiError::AlreadyExists {
                    kind: "active mentorship for this mentee and subject",
                    id: format!("{}/{}", p.mentee_id, p.subject),
                });
            }
            (mode, score, None)
        }
        MatchKind::TeacherGroups | MatchKind::SchoolGroups => {
            let mode = check_group(s, snap, &m.id, kind, p, &mut accepted)?;
            (mode, 0, None)
        }
        MatchKind::SchoolPartnerships | MatchKind::SchoolDirections => {
            if kind == MatchKind::SchoolDirections {
                // The direction's subject is stored and becomes its sessions' topic: a
                // subject of the catalogue, as a teacher pair's is.
                let mut v = Violations::new();
                state::catalog(s, &m.id)?.check(
                    &mut v,
                    "subject",
                    peerlift_domain::CatalogKind::Subject,
                    &p.subject,
                );
                v.into_result().map_err(ApiError::Invalid)?;
            }
            let t = check_school_pair(s, snap, &m.id, kind, &p.mentee_id, &p.mentor_id)?;
            (Mode::InPerson, 0, Some(p.partnership_type.unwrap_or(t)))
        }
        MatchKind::ManagementPlatforms => {
            // The office fixes a team to a platform by order: the direction is a system
            // direction, and the mentor school runs an active platform on it.
            let mut v = Violations::new();
            state::catalog(s, &m.id)?.check(
                &mut v,
                "subject",
                peerlift_domain::CatalogKind::SystemDirection,
                &p.subject,
            );
            v.into_result().map_err(ApiError::Invalid)?;
            check_school_pair(s, snap, &m.id, kind, &p.mentee_id, &p.mentor_id)?;
            if !snap
                .platforms
                .iter()
                .any(|x| x.active && x.school_id == p.mentor_id && x.direction == p.subject)
            {
                breaks(
                    p,
                    format!("{} runs no active platform on {}", p.mentor_id, p.subject),
                    &mut accepted,
                )?;
            }
            (Mode::InPerson, 0, None)
        }
    };
    if snap
        .vetoes
        .iter()
        .any(|x| x.kind == kind && x.mentee_id == p.mentee_id && x.mentor_id == p.mentor_id)
    {
        return Err(ApiError::FailedPrecondition("the pair is vetoed".into()));
    }
    // The same partnership or group twice is one too many (a pair's subject rule is above).
    if kind != MatchKind::TeacherPairs {
        let label = mentee_label(kind, p);
        if snap.mentorships.iter().any(|x| {
            x.kind == kind
                && x.is_active()
                && x.mentee_id == label
                && x.mentor_id == p.mentor_id
                && (!matches!(
                    kind,
                    MatchKind::SchoolDirections | MatchKind::ManagementPlatforms
                ) || x.subject == p.subject)
        }) {
            return Err(ApiError::AlreadyExists {
                kind: "active mentorship",
                id: format!("{label} with {}", p.mentor_id),
            });
        }
    }
    Ok(CheckedPair {
        generation,
        mode,
        score,
        partnership_type,
        accepted: settle(p, accepted)?,
    })
}

/// The mentee id a mentorship gets: the mentee, or for a group the label its members make
/// (the label a run gives the same group).
fn mentee_label(kind: MatchKind, p: &NewPair) -> String {
    if p.members.is_empty() {
        return p.mentee_id.clone();
    }
    let mut ids = p.members.clone();
    ids.sort();
    let prefix = if kind == MatchKind::SchoolGroups {
        "schools"
    } else {
        p.subject.as_str()
    };
    peerlift_match::groups::group_label(prefix, &ids)
}

/// A group made by hand: its members and its mentor (a teacher, or a leader school) exist; a
/// teacher group's mentor offers the subject and each member has a deficit in it (or the group
/// has another basis), else the office accepts the rule with a reason. In person when every
/// member's school is in the mentor's locality, online otherwise.
fn check_group(
    s: &Store,
    snap: &Snapshot,
    municipality_id: &str,
    kind: MatchKind,
    p: &NewPair,
    accepted: &mut Vec<Accepted>,
) -> ApiResult<Mode> {
    let school_of = |id: &str| snap.schools.iter().find(|x| x.id == id);
    let teacher_of = |id: &str| snap.teachers.iter().find(|x| x.id == id);
    let mut v = Violations::new();
    let locality = |school: &str| school_of(school).map(|x| x.locality.clone());
    let mut places = Vec::new();
    if kind == MatchKind::TeacherGroups {
        let mentor = teacher_of(&p.mentor_id);
        if mentor.is_none() {
            crate::app::check_teacher(s, "mentor_id", municipality_id, &p.mentor_id)?;
        }
        for (i, id) in p.members.iter().enumerate() {
            match teacher_of(id) {
                Some(t) => places.push(locality(&t.school_id)),
                None => v.add(
                    format!("members[{i}]"),
                    format!("no teacher '{id}' in municipality '{municipality_id}'"),
                ),
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let offers = snap.profiles.iter().any(|x| {
            x.teacher_id == p.mentor_id && x.capacity > 0 && x.subjects.contains(&p.subject)
        });
        if !offers {
            let rule = format!("'{}' does not offer {} as a mentor", p.mentor_id, p.subject);
            breaks(p, rule, accepted)?;
        }
        if p.charter.basis == Basis::Deficit {
            for id in &p.members {
                let latest = snap
                    .diagnostics
                    .iter()
                    .filter(|d| d.teacher_id == *id && d.subject == p.subject)
                    .max_by_key(|d| d.date);
                if !latest.is_some_and(|d| {
                    matches!(
                        d.level,
                        peerlift_domain::Level::A | peerlift_domain::Level::B
                    )
                }) {
                    let rule = format!("'{id}' has no A/B deficit in {}", p.subject);
                    breaks(p, rule, accepted)?;
                }
            }
        }
        let home = mentor.and_then(|t| locality(&t.school_id));
        Ok(if home.is_some() && places.iter().all(|x| *x == home) {
            Mode::InPerson
        } else {
            Mode::Online
        })
    } else {
        if school_of(&p.mentor_id).is_none() {
            return Err(ApiError::invalid(
                "mentor_id",
                format!(
                    "no school '{}' in municipality '{municipality_id}'",
                    p.mentor_id
                ),
            ));
        }
        for (i, id) in p.members.iter().enumerate() {
            match school_of(id) {
                Some(x) => places.push(Some(x.locality.clone())),
                None => v.add(
                    format!("members[{i}]"),
                    format!("no school '{id}' in municipality '{municipality_id}'"),
                ),
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let home = locality(&p.mentor_id);
        Ok(if places.iter().all(|x| *x == home) {
            Mode::InPerson
        } else {
            Mode::Online
        })
    }
}

/// A school partnership's rules: both schools exist and differ, the pair is not vetoed; the
/// answer is the type the locality rule suggests. Any two schools may be partners when the
/// office says so (seed 003's identical pair joins two schools neither of which is a leader,
/// and networks go on after a school leaves the low-result list).
fn check_school_pair(
    s: &Store,
    snap: &Snapshot,
    municipality_id: &str,
    kind: MatchKind,
    mentee_id: &str,
    mentor_id: &str,
) -> ApiResult<PartnershipType> {
    let school = |id: &str| s.get::<School>(&key(&[municipality_id, id]));
    let no_school = |field: &str, id: &str| {
        ApiError::invalid(
            field,
            format!("no school '{id}' in municipality '{municipality_id}'"),
        )
    };
    let mentee = school(mentee_id)?.ok_or_else(|| no_school("mentee_id", mentee_id))?;
    let mentor = school(mentor_id)?.ok_or_else(|| no_school("mentor_id", mentor_id))?;
    if mentee.id == mentor.id {
        return Err(ApiError::invalid(
            "mentor_id",
            "a school cannot partner itself",
        ));
    }
    if snap
        .vetoes
        .iter()
        .any(|x| x.kind == kind && x.mentee_id == mentee.id && x.mentor_id == mentor.id)
    {
        return Err(ApiError::FailedPrecondition(
            "the partnership is vetoed".into(),
        ));
    }
    let position = |id: &str| snap.schools.iter().position(|x| x.id == id).unwrap_or(0) as u32;
    let (t, _) =
        peerlift_match::schools::partnership_type(snap, position(&mentee.id), position(&mentor.id));
    Ok(t)
}

/// Creates a hand-made pair in the batch. `checked` comes from [`check_pair`] before the write;
/// if the municipality changed since, the rules are checked again here, under the lock, where
/// nothing can change.
pub fn create(
    s: &Store,
    b: &mut Batch,
    p: &NewPair,
    checked: CheckedPair,
    now: jiff::Timestamp,
) -> ApiResult<Mentorship> {
    let kind = p.validate()?;
    let m = state::municipality(s, &p.municipality_id)?;
    let checked = if s.generation(&m.id)? == checked.generation {
        checked
    } else {
        tracing::debug!(municipality = %m.id, "registry changed while a pair was checked: checking again");
        check_pair(s, p)?
    };
    let today = today(&m, now);
    let started_on = p.started_on.unwrap_or(today);
    if started_on > today {
        return Err(ApiError::invalid(
            "started_on",
            format!(
                "{started_on} is after today ({today}): a mentorship starts today or began earlier"
            ),
        ));
    }
    let ms = Mentorship {
        municipality_id: m.id.clone(),
        id: format!("ms-{:010}", s.generate_id()?),
        kind,
        mentee_id: mentee_label(kind, p),
        mentor_id: p.mentor_id.clone(),
        mentor_municipality_id: String::new(),
        subject: if matches!(
            kind,
            MatchKind::SchoolPartnerships | MatchKind::SchoolGroups
        ) {
            String::new()
        } else {
            p.subject.clone()
        },
        mode: checked.mode,
        partnership_type: checked.partnership_type,
        locked: p.locked,
        status: MentorshipStatus::Active,
        started_on,
        ended_on: None,
        end_reason: Phrase::default(),
        origin: Origin::Manual(p.reason.trim().to_string()),
        score: checked.score,
        members: p.members.clone(),
        charter: Charter {
            school_year: if p.charter.school_year.is_empty() {
                school_year_of(started_on)
            } else {
                p.charter.school_year.clone()
            },
            type_by_office: p.partnership_type.is_some(),
            accepted: checked.accepted,
            ..p.charter.clone()
        },
        meta: Meta::new(now),
    };
    b.put(&ms)?;
    Ok(ms)
}

/// What an edit changes (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub members: Option<Vec<String>>,
    pub mentor_id: Option<String>,
    pub subject: Option<String>,
    pub partnership_type: Option<PartnershipType>,
    pub charter: Option<Charter>,
    pub accept_reason: String,
}

/// Changes an active mentorship the office keeps, checked by the rules a new one would be.
pub fn edit(
    s: &Store,
    b: &mut Batch,
    municipality_id: &str,
    id: &str,
    etag: &str,
    e: Edit,
    now: jiff::Timestamp,
) -> ApiResult<Mentorship> {
    state::municipality(s, municipality_id)?;
    let cur = s
        .get::<Mentorship>(&key(&[municipality_id, id]))?
        .ok_or_else(|| not_found(id))?;
    if etag.is_empty() {
        return Err(ApiError::invalid(
            "etag",
            "give the etag read: an edit is made on what was seen",
        ));
    }
    check_etag("mentorship", id, etag, &cur.meta)?;
    if !cur.is_active() {
        return Err(ApiError::FailedPrecondition(format!(
            "mentorship {id} has ended: create a new one instead"
        )));
    }
    if !cur.mentor_municipality_id.is_empty() {
        return Err(ApiError::FailedPrecondition(format!(
            "mentorship {id} joins two municipalities: a region's run changes it"
        )));
    }
    let group = matches!(cur.kind, MatchKind::TeacherGroups | MatchKind::SchoolGroups);
    let mut charter = e.charter.unwrap_or_else(|| cur.charter.clone());
    charter.accepted.clear();
    let p = NewPair {
        municipality_id: municipality_id.to_string(),
        kind: Some(cur.kind),
        mentee_id: if group {
            String::new()
        } else {
            cur.mentee_id.clone()
        },
        mentor_id: e.mentor_id.unwrap_or_else(|| cur.mentor_id.clone()),
        subject: e.subject.unwrap_or_else(|| cur.subject.clone()),
        reason: match &cur.origin {
            Origin::Manual(r) if !r.trim().is_empty() => r.clone(),
            _ => "edited by the office".into(),
        },
        locked: cur.locked,
        started_on: Some(cur.started_on),
        partnership_type: e.partnership_type.or(if cur.charter.type_by_office {
            cur.partnership_type
        } else {
            None
        }),
        charter,
        accept_reason: e.accept_reason,
        members: e.members.unwrap_or_else(|| cur.members.clone()),
    };
    let checked = check_pair_except(s, &p, Some(id))?;
    let mut next = cur.clone();
    next.mentee_id = mentee_label(cur.kind, &p);
    next.mentor_id = p.mentor_id.clone();
    if !matches!(
        cur.kind,
        MatchKind::SchoolPartnerships | MatchKind::SchoolGroups
    ) {
        next.subject = p.subject.clone();
    }
    next.members = p.members.clone();
    next.mode = checked.mode;
    next.score = checked.score;
    next.partnership_type = checked.partnership_type;
    next.charter = Charter {
        school_year: if p.charter.school_year.is_empty() {
            school_year_of(cur.started_on)
        } else {
            p.charter.school_year.clone()
        },
        type_by_office: p.partnership_type.is_some(),
        accepted: checked.accepted,
        ..p.charter.clone()
    };
    if next == cur {
        return Ok(cur);
    }
    next.meta = cur.meta.next(now);
    b.put(&next)?;
    tracing::info!(municipality = %municipality_id, mentorship = %id, "mentorship edited");
    Ok(next)
}

/// A change to one mentorship: lock, unlock or end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Lock,
    Unlock,
    /// Ended today in its municipality, for this reason (checked by [`end_reason`]).
    End(String),
}

/// The reason an ending is stored with: required, bounded like any typed text.
pub fn end_reason(reason: &str) -> ApiResult<String> {
    if reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "say why the mentorship ends"));
    }
    let mut v = Violations::new();
    peerlift_domain::check_reason(&mut v, "reason", reason.trim(), true);
    v.into_result().map_err(ApiError::Invalid)?;
    Ok(reason.trim().to_string())
}

fn require_active(m: &Mentorship) -> ApiResult<()> {
    if m.status != MentorshipStatus::Active {
        return Err(ApiError::FailedPrecondition(format!(
            "mentorship {} has ended",
            m.id
        )));
    }
    Ok(())
}

/// Applies a change to a stored mentorship whose etag matches (any, when `etag` is empty); an
/// unchanged record is not rewritten.
pub fn modify(
    s: &Store,
    b: &mut Batch,
    municipality_id: &str,
    mentorship_id: &str,
    etag: &str,
    change: &Change,
    now: jiff::Timestamp,
) -> ApiResult<Mentorship> {
    let muni = state::municipality(s, municipality_id)?;
    let mut m = s
        .get::<Mentorship>(&key(&[municipality_id, mentorship_id]))?
        .ok_or_else(|| not_found(mentorship_id))?;
    check_etag("mentorship", &m.id, etag, &m.meta)?;
    let before = m.clone();
    apply(&mut m, change, today(&muni, now), now)?;
    if m != before {
        m.meta = before.meta.next(now);
        b.put(&m)?;
    }
    Ok(m)
}

/// The rules of each change: only an active mentorship is locked or ended; unlocking is always
/// allowed.
fn apply(
    m: &mut Mentorship,
    change: &Change,
    today: jiff::civil::Date,
    now: jiff::Timestamp,
) -> ApiResult<()> {
    match change {
        Change::Lock => {
            require_active(m)?;
            m.locked = true;
        }
        Change::Unlock => m.locked = false,
        Change::End(reason) => {
            require_active(m)?;
            m.end(today, Phrase::verbatim(reason), now);
        }
    }
    Ok(())
}

/// Vetoes a pair: stores the veto (its reason trimmed) and ends the active mentorships it
/// forbids. The veto and the ended mentorships.
pub fn veto(
    s: &Store,
    b: &mut Batch,
    mut veto: Veto,
    now: jiff::Timestamp,
) -> ApiResult<(Veto, Vec<Mentorship>)> {
    let m = state::municipality(s, &veto.municipality_id)?;
    veto.reason = veto.reason.trim().to_string();
    veto.validate().map_err(ApiError::Invalid)?;
    party_exists(s, &m, veto.kind, &veto.mentee_id, false)?;
    party_exists(s, &m, veto.kind, &veto.mentor_id, true)?;
    b.put(&veto)?;
    let mut ended = Vec::new();
    for x in s.scan::<Mentorship>(&prefix(&[&m.id]), None) {
        let mut x = x?;
        if x.is_active()
            && x.kind == veto.kind
            && x.mentee_id == veto.mentee_id
            && x.mentor_id == veto.mentor_id
        {
            let reason = Phrase::new("ended-vetoed").text("reason", &veto.reason);
            x.end(today(&m, now), reason, now);
            b.put(&x)?;
            ended.push(x);
        }
    }
    Ok((veto, ended))
}

/// A vetoed party exists: a teacher (a school, for school kinds) of the municipality. A
/// mentor may also be of another municipality of the same region, as a region's run pairs
/// them online; never of another region. A veto of an id nobody has would only hide a typo.
fn party_exists(
    s: &Store,
    m: &peerlift_domain::Municipality,
    kind: MatchKind,
    id: &str,
    mentor: bool,
) -> ApiResult<()> {
    let found = |muni: &str| -> ApiResult<bool> {
        Ok(if kind.is_schools() {
            s.contains::<peerlift_domain::School>(&key(&[muni, id]))?
        } else {
            s.contains::<peerlift_domain::Teacher>(&key(&[muni, id]))?
        })
    };
    if found(&m.id)? {
        return Ok(());
    }
    if mentor && !m.region.is_empty() {
        for other in s.scan::<peerlift_domain::Municipality>(&[], None) {
            let other = other?;
            if other.region == m.region && other.id != m.id && found(&other.id)? {
                return Ok(());
            }
        }
    }
    let what = if kind.is_schools() {
        "school"
    } else {
        "teacher"
    };
    let field = if mentor { "mentor_id" } else { "mentee_id" };
    Err(ApiError::invalid(
        field,
        format!(
            "no {what} '{id}' in municipality '{}'{}",
            m.id,
            if mentor { " or its region" } else { "" }
        ),
    ))
}

/// Which mentorships a list shows (None / empty: all).
#[derive(Debug, Clone, Default)]
pub struct MentorshipFilter {
    pub kind: Option<MatchKind>,
    pub status: Option<MentorshipStatus>,
    pub mentee_id: String,
    pub mentor_id: String,
    pub locked: Option<bool>,
}

impl MentorshipFilter {
    fn keeps(&self, m: &Mentorship) -> bool {
        self.kind.is_none_or(|k| m.kind == k)
            && self.status.is_none_or(|st| m.status == st)
            && (self.mentee_id.is_empty() || m.mentee_id == self.mentee_id)
            && (self.mentor_id.is_empty() || m.mentor_id == self.mentor_id)
            && self.locked.is_none_or(|l| m.locked == l)
    }
}

/// A page of a municipality's mentorships in id order.
pub fn list(
    s: &Store,
    municipality_id: &str,
    f: &MentorshipFilter,
    size: usize,
    token: &str,
) -> ApiResult<(Vec<Mentorship>, String)> {
    state::municipality(s, municipality_id)?;
    let p = prefix(&[municipality_id]);
    let w = state::Walk::new(walk::MENTORSHIPS, f);
    let after = state::decode_token(token, w, &p)?;
    let iter = s
        .scan::<Mentorship>(&p, after.as_deref())
        .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
    page(iter, size, w, |m: &Mentorship| f.keeps(m))
}

/// One stored mentorship.
pub fn get(s: &Store, municipality_id: &str, mentorship_id: &str) -> ApiResult<Mentorship> {
    state::municipality(s, municipality_id)?;
    crate::app::check_id("mentorship_id", mentorship_id)?;
    s.get::<Mentorship>(&key(&[municipality_id, mentorship_id]))?
        .ok_or_else(|| not_found(mentorship_id))
}

/// A municipality's vetoes.
pub fn vetoes(s: &Store, municipality_id: &str) -> ApiResult<Vec<Veto>> {
    state::municipality(s, municipality_id)?;
    Ok(s.scan::<Veto>(&prefix(&[municipality_id]), None)
        .collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pair(kind: Option<MatchKind>) -> NewPair {
        NewPair {
            municipality_id: "m".into(),
            kind,
            mentee_id: "t1".into(),
            mentor_id: "t2".into(),
            subject: "mathematics".into(),
            reason: "agreed at the school".into(),
            locked: false,
            ..Default::default()
        }
    }

    fn field_of(e: ApiError) -> Vec<String> {
        match e {
            ApiError::Invalid(v) => v.0.iter().map(|x| x.field.clone()).collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    /// A hand-made pair names every broken field at once; a group is named by its members.
    #[test]
    fn a_new_pair_names_every_broken_field() {
        assert_eq!(
            pair(Some(MatchKind::TeacherPairs)).validate().unwrap(),
            MatchKind::TeacherPairs
        );
        assert_eq!(field_of(pair(None).validate().unwrap_err()), ["kind"]);
        assert_eq!(
            field_of(pair(Some(MatchKind::TeacherGroups)).validate().unwrap_err()),
            ["mentee_id", "members"]
        );
        let bad = NewPair {
            mentor_id: "t1".into(),
            subject: String::new(),
            reason: "  ".into(),
            ..pair(Some(MatchKind::TeacherPairs))
        };
        assert_eq!(
            field_of(bad.validate().unwrap_err()),
            ["mentor_id", "reason", "subject"]
        );
        let partnership = NewPair {
            subject: String::new(),
            ..pair(Some(MatchKind::SchoolPartnerships))
        };
        assert!(
            partnership.validate().is_ok(),
            "a partnership has no subject"
        );
    }

    fn mentorship() -> Mentorship {
        Mentorship {
            municipality_id: "m".into(),
            id: "ms-1".into(),
            kind: MatchKind::TeacherPairs,
            mentee_id: "t1".into(),
            mentor_id: "t2".into(),
            mentor_municipality_id: String::new(),
            subject: "mathematics".into(),
            mode: Mode::InPerson,
            partnership_type: None,
            locked: false,
            status: MentorshipStatus::Active,
            started_on: jiff::civil::date(2026, 9, 1),
            ended_on: None,
            end_reason: Phrase::default(),
            origin: Origin::Manual("x".into()),
            score: 1,
            members: vec![],
            charter: Default::default(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    /// An ended mentorship is neither locked nor ended again; it can be unlocked; ending
    /// unlocks and dates it.
    #[test]
    fn only_an_active_mentorship_is_locked_or_ended() {
        let day = jiff::civil::date(2026, 11, 30);
        let now = jiff::Timestamp::UNIX_EPOCH;
        let mut m = mentorship();
        apply(&mut m, &Change::Lock, day, now).unwrap();
        assert!(m.locked);
        apply(&mut m, &Change::End("moved away".into()), day, now).unwrap();
        assert_eq!(
            (m.status, m.ended_on, m.locked),
            (MentorshipStatus::Ended, Some(day), false)
        );
        for c in [Change::Lock, Change::End("again".into())] {
            assert!(matches!(
                apply(&mut m, &c, day, now),
                Err(ApiError::FailedPrecondition(_))
            ));
        }
        assert!(apply(&mut m, &Change::Unlock, day, now).is_ok());
        assert!(end_reason(" ").is_err());
        assert_eq!(end_reason(" moved ").unwrap(), "moved");
    }

    /// A pair checked before the write is kept only while its municipality is unchanged: here
    /// the first pair's mentorship changed it, and the stale check is redone under the lock,
    /// which finds the mentee already mentored in that subject.
    #[test]
    fn a_stale_check_is_redone_under_the_lock() {
        use crate::app::testing::{computed, kirovsky, now, MUNICIPALITY};
        let (_dir, s) = kirovsky();
        let run = computed(&s, MatchKind::TeacherPairs);
        let p = &run.pairs[0];
        let new = NewPair {
            municipality_id: MUNICIPALITY.into(),
            kind: Some(MatchKind::TeacherPairs),
            mentee_id: p.mentee_id.clone(),
            mentor_id: p.mentor_id.clone(),
            subject: p.subject.clone(),
            reason: "agreed".into(),
            locked: true,
            ..Default::default()
        };
        let checked = check_pair(&s, &new).unwrap();
        assert_eq!(checked.score, p.score);
        let made = s
            .write(|s, b| create(s, b, &new, checked.clone(), now()))
            .unwrap();
        assert_eq!(
            (made.locked, made.origin.clone()),
            (true, Origin::Manual("agreed".into()))
        );
        let again = s.write(|s, b| create(s, b, &new, checked, now()));
        assert!(
            matches!(again, Err(ApiError::AlreadyExists { .. })),
            "{again:?}"
        );
        let stranger = NewPair {
            mentor_id: "nobody".into(),
            ..new
        };
        assert_eq!(
            field_of(check_pair(&s, &stranger).unwrap_err()),
            ["mentor_id"]
        );
    }
}
