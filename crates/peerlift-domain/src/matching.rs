//! Mentorships, vetoes and match runs: what matching reads and writes.
//!
//! The scoring model (every weight term and policy knob) lives here too, as data: a run stores
//! the weights and policy it used, so a stored proposal can always say how it was scored.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::check_id;
use crate::model::{Level, Meta, Mode};
use crate::phrase::Phrase;
use crate::validate::{text, Violations};

/// The forms the matcher produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MatchKind {
    /// One mentor teacher, one mentee teacher, one subject.
    TeacherPairs,
    /// A low-result or at-risk school with a leader school (PAIRS mode).
    SchoolPartnerships,
    /// DISTRIBUTED mode: one leader per (school, subject), so a school may have several
    /// specialised partners; leaders have a capacity per subject (internship platforms).
    SchoolDirections,
    /// One mentor teacher with a group of mentees of one subject with similar deficits.
    TeacherGroups,
    /// GROUPS mode: a leader school with several schools of similar needs.
    SchoolGroups,
    /// A school's management team with an internship platform of a leader school on a system
    /// direction where its management diagnostics found a difficulty (seed 002, Krymsk). The
    /// mentorship's `subject` is the direction, its mentor the platform's school.
    ManagementPlatforms,
}

impl MatchKind {
    pub fn code(self) -> &'static str {
        match self {
            MatchKind::TeacherPairs => "teacher_pairs",
            MatchKind::SchoolPartnerships => "school_partnerships",
            MatchKind::SchoolDirections => "school_directions",
            MatchKind::TeacherGroups => "teacher_groups",
            MatchKind::SchoolGroups => "school_groups",
            MatchKind::ManagementPlatforms => "management_platforms",
        }
    }

    /// Kinds whose mentors and mentees are schools.
    pub fn is_schools(self) -> bool {
        matches!(
            self,
            MatchKind::SchoolPartnerships
                | MatchKind::SchoolDirections
                | MatchKind::SchoolGroups
                | MatchKind::ManagementPlatforms
        )
    }
}

/// Seed 003's two kinds of school partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PartnershipType {
    /// Exchange of resources while each school solves its own tasks.
    Instrumental,
    /// A common goal and joint use of resources.
    Identical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MentorshipStatus {
    Active,
    Ended,
}

/// How a mentorship came to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Applied from an approved match run.
    Run(String),
    /// Created by hand, with the reason given.
    Manual(String),
}

/// A mentoring relationship: a teacher pair or a school partnership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mentorship {
    pub municipality_id: String,
    pub id: String,
    pub kind: MatchKind,
    /// Teacher id (pairs) or school id (partnerships).
    pub mentee_id: String,
    /// Teacher id (pairs) or school id (partnerships).
    pub mentor_id: String,
    /// The mentor's municipality when it is not the mentee's (a region's run); empty otherwise.
    pub mentor_municipality_id: String,
    /// The subject of a teacher pair; empty for partnerships.
    pub subject: String,
    pub mode: Mode,
    pub partnership_type: Option<PartnershipType>,
    /// A locked mentorship survives every run: the matcher pre-assigns it.
    pub locked: bool,
    pub status: MentorshipStatus,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    /// Why it ended: the office's words (verbatim), or a run's explanation.
    pub end_reason: Phrase,
    pub origin: Origin,
    /// The score it had when proposed (0 for manual ones).
    pub score: i64,
    /// Groups: the mentee teachers or schools (then `mentee_id` is the group's label).
    pub members: Vec<String>,
    /// What the office recorded about it: the order, the school year, the goal, why.
    #[serde(default)]
    pub charter: Charter,
    pub meta: Meta,
}

/// An order of the municipal education office (a committee's "приказ"): offices approve their
/// networks by order ("the list of network partnerships", seed 003: No 263 of 12.10.2021).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// As the office writes it: "263", "354-р".
    pub number: String,
    pub date: Date,
}

/// Why a mentorship exists when it is not a diagnosed A/B deficit the matcher found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// A diagnosed deficit at a level the policy works on (A or B): what runs produce.
    #[default]
    Deficit,
    /// A young specialist with a mentor (seed 000), whatever the diagnostics say.
    YoungSpecialist,
    /// Work on a C-level deficit at the teacher's wish (seed 001: "по желанию").
    Voluntary,
    /// The office's own reason (in the origin).
    Other,
}

impl Basis {
    pub const ALL: [Basis; 4] = [
        Basis::Deficit,
        Basis::YoungSpecialist,
        Basis::Voluntary,
        Basis::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Basis::Deficit => "deficit",
            Basis::YoungSpecialist => "young_specialist",
            Basis::Voluntary => "voluntary",
            Basis::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.code() == s)
    }
}

/// A hard rule a mentorship breaks, accepted by the office with its reason (imported networks
/// and hand-made pairs: the office's list wins over the matcher's rules, but never silently).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The rule, as the check said it (English, for the record).
    pub rule: String,
    /// Why the office keeps the pair anyway.
    pub reason: String,
}

/// What the office recorded about a mentorship besides who and what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charter {
    /// The order that approved it, if any.
    pub order: Option<Order>,
    /// "2021-2022"; empty when not said.
    pub school_year: String,
    /// Partnerships: the common goal (what makes an identical pair identical).
    pub goal: String,
    /// Why it exists.
    pub basis: Basis,
    /// Partnerships: the type was set by the office (else suggested by the locality rule).
    pub type_by_office: bool,
    /// Hard rules it breaks, each accepted with a reason.
    pub accepted: Vec<Accepted>,
}

/// Longest common goal an office writes for a partnership.
pub const MAX_GOAL_CHARS: usize = 1000;

impl Charter {
    /// The office's fields, each checked (a school year reads "2021-2022": consecutive years).
    pub fn validate(&self, v: &mut Violations, field: &str) {
        let at = |name: &str| {
            if field.is_empty() {
                name.to_string()
            } else {
                format!("{field}.{name}")
            }
        };
        if let Some(o) = &self.order {
            text(v, &at("order.number"), &o.number, true, 50);
        }
        if !self.school_year.is_empty() && parse_school_year(&self.school_year).is_none() {
            v.add(
                at("school_year"),
                "write the school year as 2021-2022 (two consecutive years)",
            );
        }
        text(v, &at("goal"), &self.goal, false, MAX_GOAL_CHARS);
        for (i, a) in self.accepted.iter().enumerate() {
            let field = at(&format!("accepted[{i}].reason"));
            text(v, &field, &a.reason, true, MAX_REASON_CHARS);
        }
    }
}

/// "2021-2022" → (2021, 2022), when the years are consecutive.
pub fn parse_school_year(s: &str) -> Option<(i16, i16)> {
    let (a, b) = s.trim().split_once('-')?;
    let (a, b): (i16, i16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    ((1990..2200).contains(&a) && a.checked_add(1) == Some(b)).then_some((a, b))
}

/// The school year a date falls in (a school year starts on 1 September).
pub fn school_year_of(d: Date) -> String {
    let y = if d.month() >= 9 {
        d.year()
    } else {
        d.year() - 1
    };
    format!("{y}-{}", y + 1)
}

impl Mentorship {
    /// The identity of a pair for diffs: same mentee, subject and mentor is the same pair.
    pub fn pair_key(&self) -> (String, String, String) {
        (
            self.mentee_id.clone(),
            self.subject.clone(),
            self.mentor_id.clone(),
        )
    }

    /// The mentor's identity across municipalities: (municipality, id).
    pub fn mentor_key(&self) -> (String, String) {
        let muni = if self.mentor_municipality_id.is_empty() {
            &self.municipality_id
        } else {
            &self.mentor_municipality_id
        };
        (muni.clone(), self.mentor_id.clone())
    }

    /// The mentee ids: the members of a group, or the one mentee.
    pub fn mentees(&self) -> Vec<&str> {
        if self.members.is_empty() {
            vec![self.mentee_id.as_str()]
        } else {
            self.members.iter().map(String::as_str).collect()
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == MentorshipStatus::Active
    }

    /// Whether runs keep it as it is, like a locked one: locked by the office, or made by the
    /// office on grounds the matcher does not weigh (a young specialist's or voluntary pair, a
    /// pair that breaks a rule the office accepted, a group it formed by hand). Runs neither
    /// end nor re-form these; the office ends them.
    pub fn held_by_office(&self) -> bool {
        self.locked
            || self.charter.basis != Basis::Deficit
            || !self.charter.accepted.is_empty()
            || (!self.members.is_empty() && matches!(self.origin, Origin::Manual(_)))
    }

    /// Ends the mentorship on `on` (never before it began: an earlier date is clamped to its
    /// start) with `reason`; an ended mentorship is no longer locked.
    pub fn end(&mut self, on: Date, reason: Phrase, now: Timestamp) {
        self.status = MentorshipStatus::Ended;
        self.locked = false;
        self.ended_on = Some(on.max(self.started_on));
        self.end_reason = reason;
        self.meta = self.meta.next(now);
    }
}

/// A pair that must never be proposed again (any subject).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Veto {
    pub municipality_id: String,
    pub kind: MatchKind,
    pub mentee_id: String,
    pub mentor_id: String,
    pub reason: String,
    pub meta: Meta,
}

impl Veto {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        check_id(&mut v, "mentee_id", &self.mentee_id);
        check_id(&mut v, "mentor_id", &self.mentor_id);
        // A pair of one with itself is never proposed, so vetoing it means nothing: a caller
        // who sends one has mixed up the ids.
        if !self.mentor_id.is_empty() && self.mentor_id == self.mentee_id {
            v.add("mentor_id", "must differ from mentee_id");
        }
        text(&mut v, "reason", &self.reason, false, MAX_REASON_CHARS);
        v.into_result()
    }
}

/// Longest reason a person types: why a pair is made by hand or vetoed, why a mentorship or a
/// session ends, a note on a run's approval.
pub const MAX_REASON_CHARS: usize = 500;

/// Checks a typed reason or note (already trimmed by the caller): present when `required`, at
/// most [`MAX_REASON_CHARS`], no control characters. The same rule as every other free-text
/// field, for the request fields that are stored without a record-level `validate`.
pub fn check_reason(v: &mut Violations, field: &str, reason: &str, required: bool) {
    text(v, field, reason, required, MAX_REASON_CHARS);
}

/// Every term of an arc's score, in integer points. Defaults are documented in README.md
/// ("How pairs are scored"); a run may override any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// Severity of the mentee's deficit: level A.
    pub severity_a: i64,
    /// Level B.
    pub severity_b: i64,
    /// Level C (only when the policy includes C).
    pub severity_c: i64,
    /// The mentor's own level in the subject: D.
    pub mentor_level_d: i64,
    /// The mentor's own level in the subject: C.
    pub mentor_level_c: i64,
    /// Points per whole unit of competence-area score where the mentor is stronger than the
    /// mentee, summed over areas (0.3 stronger in two areas at 400 = 240).
    pub complementarity: i64,
    /// The mentor's school is an active partner of the mentee's school.
    pub partnership: i64,
    /// The pair exists already (continuity).
    pub continuity: i64,
    /// The pair (or the schools) was asked for in the run's preferences.
    pub preference: i64,
    /// Mentor and mentee work at the same school (internal contour: no travel, shared context).
    pub same_school: i64,
    /// Points subtracted per kilometre between the schools of an in-person pair.
    pub travel_per_km: i64,
    /// Points subtracted from an online pair.
    pub online_penalty: i64,
    /// School partnerships: points for the fit of the leader's strengths to the school's needs
    /// (sum over subjects of need share x strength share).
    pub school_fit: i64,
    /// School partnerships: status of the school in need: low results.
    pub school_low_results: i64,
    /// School partnerships: at risk.
    pub school_at_risk: i64,
    /// School partnerships: points per significance step of a risk factor (low 1, medium 2,
    /// high 3), added for the school in need and subtracted for the leader.
    pub school_risk: i64,
    /// Distributed networks: points per teacher of the school with an A/B deficit in the
    /// subject (at most 10 counted).
    pub direction_need: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            severity_a: 1000,
            severity_b: 600,
            severity_c: 250,
            mentor_level_d: 200,
            mentor_level_c: 80,
            complementarity: 400,
            partnership: 300,
            continuity: 500,
            preference: 400,
            same_school: 100,
            travel_per_km: 8,
            online_penalty: 150,
            school_fit: 1000,
            school_low_results: 600,
            school_at_risk: 300,
            school_risk: 20,
            direction_need: 150,
        }
    }
}

/// Hard rules and candidate policy of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Deficit levels that make a demand (A and B; C when asked).
    pub levels: Vec<Level>,
    /// In-person pairs only within this distance (km) between the schools; schools without
    /// coordinates count as near when they share a locality.
    pub travel_limit_km: u32,
    /// Whether online pairs may be proposed at all.
    pub allow_online: bool,
    /// Whether a mentor may mentor a colleague of the same school (internal contour).
    pub allow_same_school: bool,
    /// Opt-in candidate limit: keep only the best this-many arcs per demand (by score, ties by
    /// supplier). None (the default) solves the whole problem: every arc the hard rules allow.
    /// A run made with a limit that dropped arcs says it is not guaranteed optimal.
    pub max_candidates: Option<u32>,
    /// Partner capacity of a leader school that sets none.
    pub default_partner_capacity: u32,
    /// Distributed networks: a leader without listed platforms offers every subject where at
    /// least this share (percent) of its diagnosed teachers are at level D...
    pub platform_min_strength_pct: u32,
    /// ...with this capacity per subject.
    pub default_platform_capacity: u32,
    /// Preferred pairs (mentee, mentor): teacher ids for pairs, school ids for partnerships.
    pub preferences: Vec<(String, String)>,
    /// Groups: size bounds (teacher groups; school groups are bounded by the leader's
    /// partner capacity).
    pub group_min_size: u32,
    pub group_max_size: u32,
    /// Teacher groups: what a mentor's capacity counts.
    pub group_capacity: GroupCapacity,
    /// School partnerships: a run ends the partnership of a school that left the low-result
    /// and at-risk lists. Off by default: networks go on (seed 003), the run reports it and
    /// the office decides.
    #[serde(default)]
    pub end_when_left_list: bool,
}

/// Most preferred pairs a policy carries: far more than any office types, few enough that a
/// stored policy stays small.
pub const MAX_PREFERENCES: usize = 10_000;

impl Policy {
    /// Preferred pairs name teachers or schools: ids, a bounded number of them, the same
    /// rules as every id the registry stores (no control characters, at most 128 bytes).
    pub fn check_preferences(&self, v: &mut Violations, field: &str) {
        if self.preferences.len() > MAX_PREFERENCES {
            v.add(field, format!("at most {MAX_PREFERENCES} preferred pairs"));
            return;
        }
        for (i, (mentee, mentor)) in self.preferences.iter().enumerate() {
            check_id(v, &format!("{field}[{i}].mentee_id"), mentee);
            check_id(v, &format!("{field}[{i}].mentor_id"), mentor);
        }
    }
}

/// What a mentor's capacity counts when mentoring groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupCapacity {
    /// Capacity is a number of groups (any size within the bounds).
    Groups,
    /// Capacity is a number of seats: the mentor takes one group of at most that many members.
    Seats,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            levels: vec![Level::A, Level::B],
            travel_limit_km: 40,
            allow_online: true,
            allow_same_school: true,
            max_candidates: None,
            default_partner_capacity: 3,
            platform_min_strength_pct: 50,
            default_platform_capacity: 2,
            preferences: Vec::new(),
            group_min_size: 3,
            group_max_size: 8,
            group_capacity: GroupCapacity::Groups,
            end_when_left_list: false,
        }
    }
}

/// Size of the problem a run solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProblemSize {
    pub demands: u64,
    pub suppliers: u64,
    pub arcs: u64,
    /// Arcs dropped by the opt-in `max_candidates` limit (0 for a whole-problem run).
    pub pruned_arcs: u64,
    /// Demands held by locked mentorships (not in the problem).
    pub locked: u64,
}

/// What a run can claim about its optimality, and why: the solver's LP duals priced against
/// every arc of the problem it solved, none violating, and their bound equal to the objective.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Certificate {
    /// True when the run is optimal for the problem it states: no arc the hard rules allow was
    /// left out. Pairs held before the solve (locked ones, and in nightly runs the pinned ones,
    /// `ProblemSize::locked`) are constraints of that problem; `statement` says so.
    pub optimal: bool,
    /// Arcs the hard rules allow.
    pub arcs_allowed: u64,
    /// Arcs priced against the duals: every arc of the problem solved.
    pub arcs_priced: u64,
    /// Priced arcs worth more than their duals cover (always 0: otherwise there is no run).
    pub violations: u64,
    /// The duals' bound and the solver's objective (weights with the A-first bonus); equal.
    pub dual_bound: i64,
    pub solver_objective: i64,
    /// The claim in words, for people.
    pub statement: Phrase,
}

/// One term of a score: its name and points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub name: Phrase,
    pub points: i64,
}

/// A proposed (or locked) pair with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedPair {
    /// The mentee's municipality (a region's run spans several).
    pub municipality_id: String,
    pub mentee_id: String,
    pub mentee_school_id: String,
    pub subject: String,
    /// The mentee's level in the subject (teacher pairs).
    pub level: Option<Level>,
    pub mentor_id: String,
    pub mentor_school_id: String,
    pub mode: Mode,
    pub score: i64,
    pub terms: Vec<Term>,
    pub locked: bool,
    pub partnership_type: Option<PartnershipType>,
    /// Why the partnership has its type (school partnerships).
    pub type_reason: Phrase,
    /// Groups: the members (teachers or schools); `mentee_id` is the group's label.
    pub members: Vec<String>,
    /// Groups: how alike the members' deficit profiles are, 0-100.
    pub cohesion_pct: Option<u32>,
}

/// Why a demand got no mentor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnmatchedReason {
    /// No mentor passes the hard rules.
    NoCandidate(Phrase),
    /// Every candidate went to demands that score more; the best few, with who took them.
    Outbid(Vec<OutbidBy>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutbidBy {
    pub mentor_id: String,
    /// This demand's score with that mentor.
    pub score: i64,
    /// The mentees the mentor got instead (mentee id, subject, score).
    pub taken_by: Vec<(String, String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    pub mentee_id: String,
    pub subject: String,
    pub level: Option<Level>,
    pub reason: UnmatchedReason,
    /// The mentee's municipality and school (a school's own id for school kinds; empty for a
    /// group), so a region's run can be read one municipality or school at a time.
    #[serde(default)]
    pub municipality_id: String,
    #[serde(default)]
    pub school_id: String,
}

/// Demands and covered demands of one group (a level, a subject, a school).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageRow {
    pub key: String,
    pub demands: u64,
    pub covered: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coverage {
    pub by_level: Vec<CoverageRow>,
    pub by_subject: Vec<CoverageRow>,
}

/// An active mentorship the run would end, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    /// The mentorship's municipality.
    pub municipality_id: String,
    pub mentorship_id: String,
    pub mentee_id: String,
    pub subject: String,
    pub mentor_id: String,
    pub reason: Phrase,
}

/// The run against what is active.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Diff {
    /// Active mentorships the run keeps.
    pub kept: Vec<String>,
    /// The municipality of each kept mentorship, in the same order (a region's run is read
    /// one municipality at a time).
    #[serde(default)]
    pub kept_municipality: Vec<String>,
    /// Indexes into the run's pairs that are new.
    pub added: Vec<u32>,
    pub ended: Vec<Ended>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RunStatus {
    Proposed,
    Approved,
    Rejected,
}

/// A stored match run: the proposal, how it was scored, and what it would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRun {
    pub municipality_id: String,
    pub id: String,
    pub kind: MatchKind,
    pub status: RunStatus,
    /// The municipality's state generation the run was computed from; approval requires it
    /// to be current. A region's run: the sum over its municipalities.
    pub generation: u64,
    /// Every municipality of the scope with its generation at the snapshot (one for a
    /// municipality's run); approval requires each to be current.
    pub generations: Vec<(String, u64)>,
    pub weights: Weights,
    pub policy: Policy,
    pub size: ProblemSize,
    pub objective: i64,
    pub coverage: Coverage,
    pub pairs: Vec<ProposedPair>,
    pub unmatched: Vec<Unmatched>,
    pub diff: Diff,
    /// Why the run is optimal (or that it is not guaranteed to be).
    #[serde(default)]
    pub certificate: Certificate,
    /// Milliseconds the run took (graph, candidates, solve, explain).
    pub timings_ms: Vec<(String, u64)>,
    pub decided_time: Option<Timestamp>,
    pub decision_note: String,
    pub meta: Meta,
}

/// What a matcher run produced, as a run record holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub size: ProblemSize,
    pub objective: i64,
    pub coverage: Coverage,
    pub pairs: Vec<ProposedPair>,
    pub unmatched: Vec<Unmatched>,
    pub diff: Diff,
    pub certificate: Certificate,
    pub timings_ms: Vec<(String, u64)>,
}

impl MatchRun {
    /// A new proposal (no id yet: the store gives one when it is kept) of `result`, computed
    /// from the scope's municipalities at `generations`; its generation is their sum.
    #[allow(clippy::too_many_arguments)]
    pub fn proposal(
        scope: &str,
        kind: MatchKind,
        generations: Vec<(String, u64)>,
        weights: Weights,
        policy: Policy,
        result: RunResult,
        note: String,
        now: Timestamp,
    ) -> MatchRun {
        MatchRun {
            municipality_id: scope.to_string(),
            id: String::new(),
            kind,
            status: RunStatus::Proposed,
            generation: generations.iter().map(|(_, g)| g).sum(),
            generations,
            weights,
            policy,
            size: result.size,
            objective: result.objective,
            coverage: result.coverage,
            pairs: result.pairs,
            unmatched: result.unmatched,
            diff: result.diff,
            certificate: result.certificate,
            timings_ms: result.timings_ms,
            decided_time: None,
            decision_note: note,
            meta: Meta::new(now),
        }
    }

    /// Approves a proposal (only a proposal can be approved); its diff is applied by the
    /// caller in the same transaction.
    pub fn approve(&mut self, note: &str, now: Timestamp) -> Result<(), String> {
        self.decide(RunStatus::Approved, note, now, "approved")
    }

    /// Rejects a proposal.
    pub fn reject(&mut self, note: &str, now: Timestamp) -> Result<(), String> {
        self.decide(RunStatus::Rejected, note, now, "rejected")
    }

    fn decide(
        &mut self,
        status: RunStatus,
        note: &str,
        now: Timestamp,
        verb: &str,
    ) -> Result<(), String> {
        if self.status != RunStatus::Proposed {
            return Err(format!(
                "run {} is {:?}, not a proposal: it cannot be {verb}",
                self.id, self.status
            ));
        }
        self.status = status;
        self.decided_time = Some(now);
        self.decision_note = note.to_string();
        self.meta = self.meta.next(now);
        Ok(())
    }
}

#[cfg(test)]
mod decision_tests {
    use super::*;

    fn run() -> MatchRun {
        MatchRun {
            municipality_id: "m".into(),
            id: "run-1".into(),
            kind: MatchKind::TeacherPairs,
            status: RunStatus::Proposed,
            generation: 0,
            generations: vec![],
            weights: Weights::default(),
            policy: Policy::default(),
            size: ProblemSize::default(),
            objective: 0,
            coverage: Coverage::default(),
            pairs: vec![],
            unmatched: vec![],
            diff: Diff::default(),
            certificate: Certificate::default(),
            timings_ms: vec![],
            decided_time: None,
            decision_note: String::new(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn a_proposal_sums_its_generations() {
        let r = run();
        let p = MatchRun::proposal(
            "region:r",
            MatchKind::SchoolPartnerships,
            vec![("a".into(), 3), ("b".into(), 4)],
            r.weights,
            r.policy.clone(),
            RunResult {
                size: r.size,
                objective: 9,
                coverage: r.coverage.clone(),
                pairs: vec![],
                unmatched: vec![],
                diff: r.diff.clone(),
                certificate: r.certificate.clone(),
                timings_ms: vec![("solve".into(), 2)],
            },
            "nightly".into(),
            Timestamp::UNIX_EPOCH,
        );
        assert_eq!(
            (p.generation, p.status, p.id.as_str()),
            (7, RunStatus::Proposed, "")
        );
        assert_eq!((p.objective, p.decision_note.as_str()), (9, "nightly"));
        assert_eq!(p.meta.revision, 1);
    }

    #[test]
    fn a_proposal_is_decided_once() {
        let now = Timestamp::UNIX_EPOCH;
        let mut r = run();
        r.approve("ok", now).unwrap_or_default();
        assert_eq!(r.status, RunStatus::Approved);
        assert_eq!((r.decision_note.as_str(), r.meta.revision), ("ok", 2));
        let again = r.reject("no", now).unwrap_err();
        assert!(again.contains("not a proposal"), "{again}");
        assert_eq!(r.status, RunStatus::Approved);
        let mut r = run();
        r.reject("no", now).unwrap_or_default();
        assert_eq!(r.status, RunStatus::Rejected);
        assert!(r.approve("ok", now).is_err());
    }

    #[test]
    fn an_end_is_never_before_the_start() {
        let d = |x| Date::constant(2022, 11, x);
        let mut m = Mentorship {
            municipality_id: "m".into(),
            id: "ms-1".into(),
            kind: MatchKind::TeacherPairs,
            mentee_id: "a".into(),
            mentor_id: "b".into(),
            mentor_municipality_id: String::new(),
            subject: "mathematics".into(),
            mode: Mode::Online,
            partnership_type: None,
            locked: false,
            status: MentorshipStatus::Active,
            started_on: d(10),
            ended_on: None,
            end_reason: Default::default(),
            origin: Origin::Manual("x".into()),
            score: 0,
            members: vec![],
            charter: Default::default(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        };
        m.locked = true;
        m.end(d(5), "deficit closed".into(), Timestamp::UNIX_EPOCH);
        assert!(!m.is_active() && !m.locked);
        assert_eq!(m.ended_on, Some(d(10)));
        assert_eq!(
            (
                m.end_reason.as_verbatim().unwrap_or_default(),
                m.meta.revision
            ),
            ("deficit closed", 2)
        );
    }
}
