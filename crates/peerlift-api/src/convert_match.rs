//! Protobuf <-> domain conversions for matching: weights, policy, runs, mentorships, vetoes.

use peerlift_domain::{
    Basis, Certificate, Charter, Ended, GroupCapacity, Level, MatchKind, MatchRun, Mentorship,
    MentorshipStatus, Mode, Order, Origin, PartnershipType, Policy, ProposedPair, RunStatus,
    Unmatched, UnmatchedReason, Veto, Violations, Weights,
};

use crate::app::runs::{RunTokens, INLINE};
use crate::convert::{enum_from_pb, enum_to_pb, ts};
use crate::pb;
use peerlift_text::{say, Lang};

pub const MATCH_KINDS: [MatchKind; 6] = [
    MatchKind::TeacherPairs,
    MatchKind::SchoolPartnerships,
    MatchKind::SchoolDirections,
    MatchKind::TeacherGroups,
    MatchKind::SchoolGroups,
    MatchKind::ManagementPlatforms,
];
const GROUP_CAPACITIES: [GroupCapacity; 2] = [GroupCapacity::Groups, GroupCapacity::Seats];
const PARTNERSHIP_TYPES: [PartnershipType; 2] =
    [PartnershipType::Instrumental, PartnershipType::Identical];
const RUN_STATUSES: [RunStatus; 3] = [
    RunStatus::Proposed,
    RunStatus::Approved,
    RunStatus::Rejected,
];
const MENTORSHIP_STATUSES: [MentorshipStatus; 2] =
    [MentorshipStatus::Active, MentorshipStatus::Ended];

pub fn kind_from_pb(v: i32) -> Option<MatchKind> {
    enum_from_pb(&MATCH_KINDS, v)
}

/// A required match kind of a request: unset and unknown values are told apart in the message
/// (a client that sends 99 learns that 99 is the problem, not that it forgot the field).
pub fn required_kind(field: &str, v: i32) -> Result<MatchKind, crate::ApiError> {
    kind_from_pb(v).ok_or_else(|| crate::ApiError::invalid(field, unknown_value(v)))
}

/// An optional (filter) match kind: unset is None.
pub fn optional_kind(field: &str, v: i32) -> Result<Option<MatchKind>, crate::ApiError> {
    match v {
        0 => Ok(None),
        _ => required_kind(field, v).map(Some),
    }
}

/// "must be set" for 0, "99 is not a known value" otherwise.
pub fn unknown_value(v: i32) -> String {
    if v == 0 {
        "must be set".into()
    } else {
        format!("{v} is not a known value")
    }
}

pub fn kind_to_pb(k: MatchKind) -> i32 {
    enum_to_pb(&MATCH_KINDS, &k)
}

pub fn run_status_from_pb(v: i32) -> Option<RunStatus> {
    enum_from_pb(&RUN_STATUSES, v)
}

pub fn mentorship_status_from_pb(v: i32) -> Option<MentorshipStatus> {
    enum_from_pb(&MENTORSHIP_STATUSES, v)
}

macro_rules! weights_fields {
    ($m:ident) => {
        $m!(
            severity_a,
            severity_b,
            severity_c,
            mentor_level_d,
            mentor_level_c,
            complementarity,
            partnership,
            continuity,
            preference,
            same_school,
            travel_per_km,
            online_penalty,
            school_fit,
            school_low_results,
            school_at_risk,
            school_risk,
            direction_need
        )
    };
}

/// The defaults with the request's overrides; weights are bounded so sums cannot overflow.
pub fn weights_from_pb(w: Option<pb::Weights>) -> Result<Weights, Violations> {
    let mut out = Weights::default();
    let mut v = Violations::new();
    if let Some(w) = w {
        macro_rules! take {
            ($($f:ident),*) => {$(
                if let Some(x) = w.$f {
                    if !(-1_000_000..=1_000_000).contains(&x) {
                        v.add(concat!("weights.", stringify!($f)), "must be between -1000000 and 1000000");
                    }
                    out.$f = x;
                }
            )*};
        }
        weights_fields!(take);
        // One sign convention: every weight is a number of points, and these two are costs
        // the scorer subtracts. A negative cost would reward distance; it is what a reader
        // who took the explanation's "-8" for the weight would send, so say so.
        for (field, x) in [
            ("weights.travel_per_km", w.travel_per_km),
            ("weights.online_penalty", w.online_penalty),
        ] {
            if x.is_some_and(|x| x < 0) {
                v.add(
                    field,
                    "is a cost, given as a positive number of points the scorer subtracts (8 means 8 points less per km); explanations show it as a negative term",
                );
            }
        }
    }
    v.into_result()?;
    Ok(out)
}

pub fn weights_to_pb(w: &Weights) -> pb::Weights {
    macro_rules! give {
        ($($f:ident),*) => {
            pb::Weights { $($f: Some(w.$f)),* }
        };
    }
    weights_fields!(give)
}

pub fn policy_from_pb(p: Option<pb::Policy>) -> Result<Policy, Violations> {
    let mut out = Policy::default();
    let mut v = Violations::new();
    let Some(p) = p else { return Ok(out) };
    if !p.levels.is_empty() {
        let mut levels = Vec::new();
        for (i, l) in p.levels.iter().enumerate() {
            match enum_from_pb(Level::ALL, *l) {
                Some(Level::D) => v.add(
                    format!("policy.levels[{i}]"),
                    "level D has no deficit to mentor",
                ),
                Some(l) if !levels.contains(&l) => levels.push(l),
                Some(_) => {}
                None => v.add(format!("policy.levels[{i}]"), "must be A, B or C"),
            }
        }
        levels.sort();
        out.levels = levels;
    }
    if let Some(x) = p.travel_limit_km {
        if x > 2000 {
            v.add("policy.travel_limit_km", "must be at most 2000");
        }
        out.travel_limit_km = x;
    }
    if let Some(x) = p.allow_online {
        out.allow_online = x;
    }
    if let Some(x) = p.allow_same_school {
        out.allow_same_school = x;
    }
    if let Some(x) = p.max_candidates {
        if !(1..=10_000).contains(&x) {
            v.add("policy.max_candidates", "must be between 1 and 10000");
        }
        out.max_candidates = Some(x);
    }
    if let Some(x) = p.platform_min_strength_pct {
        if x > 100 {
            v.add(
                "policy.platform_min_strength_pct",
                "must be a percentage, 0-100",
            );
        }
        out.platform_min_strength_pct = x;
    }
    if let Some(x) = p.default_platform_capacity {
        if !(1..=peerlift_domain::MAX_PARTNER_CAPACITY).contains(&x) {
            v.add(
                "policy.default_platform_capacity",
                "must be between 1 and 50",
            );
        }
        out.default_platform_capacity = x;
    }
    if let Some(x) = p.group_min_size {
        out.group_min_size = x;
    }
    if let Some(x) = p.group_max_size {
        out.group_max_size = x;
    }
    if out.group_min_size < 1 || out.group_max_size > 50 || out.group_min_size > out.group_max_size
    {
        v.add(
            "policy.group_max_size",
            "group sizes must satisfy 1 <= min <= max <= 50",
        );
    }
    if p.group_capacity != 0 {
        match enum_from_pb(&GROUP_CAPACITIES, p.group_capacity) {
            Some(c) => out.group_capacity = c,
            None => v.add("policy.group_capacity", "unknown value"),
        }
    }
    if let Some(x) = p.end_when_left_list {
        out.end_when_left_list = x;
    }
    if let Some(x) = p.default_partner_capacity {
        if x > peerlift_domain::MAX_PARTNER_CAPACITY {
            v.add("policy.default_partner_capacity", "must be at most 50");
        }
        out.default_partner_capacity = x;
    }
    out.preferences = p
        .preferences
        .into_iter()
        .map(|x| (x.mentee_id, x.mentor_id))
        .collect();
    out.check_preferences(&mut v, "policy.preferences");
    v.into_result()?;
    Ok(out)
}

pub fn policy_to_pb(p: &Policy) -> pb::Policy {
    pb::Policy {
        levels: p.levels.iter().map(|l| enum_to_pb(Level::ALL, l)).collect(),
        travel_limit_km: Some(p.travel_limit_km),
        allow_online: Some(p.allow_online),
        allow_same_school: Some(p.allow_same_school),
        max_candidates: p.max_candidates,
        default_partner_capacity: Some(p.default_partner_capacity),
        platform_min_strength_pct: Some(p.platform_min_strength_pct),
        default_platform_capacity: Some(p.default_platform_capacity),
        group_min_size: Some(p.group_min_size),
        group_max_size: Some(p.group_max_size),
        group_capacity: enum_to_pb(&GROUP_CAPACITIES, &p.group_capacity),
        end_when_left_list: Some(p.end_when_left_list),
        preferences: p
            .preferences
            .iter()
            .map(|(a, b)| pb::PreferredPair {
                mentee_id: a.clone(),
                mentor_id: b.clone(),
            })
            .collect(),
    }
}

fn ptype(t: Option<PartnershipType>) -> i32 {
    t.map(|t| enum_to_pb(&PARTNERSHIP_TYPES, &t)).unwrap_or(0)
}

pub fn pair_to_pb(p: &ProposedPair, lang: Lang) -> pb::ProposedPair {
    pb::ProposedPair {
        municipality_id: p.municipality_id.clone(),
        mentee_id: p.mentee_id.clone(),
        mentee_school_id: p.mentee_school_id.clone(),
        subject: p.subject.clone(),
        level: p.level.map(|l| enum_to_pb(Level::ALL, &l)).unwrap_or(0),
        mentor_id: p.mentor_id.clone(),
        mentor_school_id: p.mentor_school_id.clone(),
        mode: enum_to_pb(Mode::ALL, &p.mode),
        score: p.score,
        terms: p.terms.iter().map(|t| term_to_pb(t, lang)).collect(),
        locked: p.locked,
        partnership_type: ptype(p.partnership_type),
        type_reason: say(lang, &p.type_reason),
        members: p.members.clone(),
        cohesion_pct: p.cohesion_pct,
        index: 0,
        added: false,
    }
}

/// A pair of a run at position `index`, with whether the run adds it.
pub fn run_pair_to_pb(p: &ProposedPair, index: usize, added: bool, lang: Lang) -> pb::ProposedPair {
    pb::ProposedPair {
        index: index as u32,
        added,
        ..pair_to_pb(p, lang)
    }
}

pub fn unmatched_to_pb(u: &Unmatched, lang: Lang) -> pb::UnmatchedDemand {
    let (why, by) = match &u.reason {
        UnmatchedReason::NoCandidate(w) => (say(lang, w), Vec::new()),
        UnmatchedReason::Outbid(by) => (
            String::new(),
            by.iter()
                .map(|b| pb::OutbidBy {
                    mentor_id: b.mentor_id.clone(),
                    score: b.score,
                    taken_by: b
                        .taken_by
                        .iter()
                        .map(|(m, s, sc)| pb::TakenBy {
                            mentee_id: m.clone(),
                            subject: s.clone(),
                            score: *sc,
                        })
                        .collect(),
                })
                .collect(),
        ),
    };
    pb::UnmatchedDemand {
        mentee_id: u.mentee_id.clone(),
        subject: u.subject.clone(),
        level: u.level.map(|l| enum_to_pb(Level::ALL, &l)).unwrap_or(0),
        no_candidate_reason: why,
        outbid_by: by,
        municipality_id: u.municipality_id.clone(),
        school_id: u.school_id.clone(),
    }
}

pub fn ended_to_pb(e: &Ended, lang: Lang) -> pb::EndedMentorship {
    pb::EndedMentorship {
        municipality_id: e.municipality_id.clone(),
        mentorship_id: e.mentorship_id.clone(),
        mentee_id: e.mentee_id.clone(),
        subject: e.subject.clone(),
        mentor_id: e.mentor_id.clone(),
        reason: say(lang, &e.reason),
    }
}

pub fn certificate_to_pb(c: &Certificate, lang: Lang) -> pb::Certificate {
    pb::Certificate {
        optimal: c.optimal,
        arcs_allowed: c.arcs_allowed,
        arcs_priced: c.arcs_priced,
        violations: c.violations,
        dual_bound: c.dual_bound,
        solver_objective: c.solver_objective,
        statement: say(lang, &c.statement),
    }
}

/// A run as the API shows it; `full` includes the first page of its pairs, unmatched demands
/// and diff (with `tokens` for the rest).
pub fn run_to_pb(
    r: &MatchRun,
    full: bool,
    dry_run: bool,
    tokens: &RunTokens,
    lang: Lang,
) -> pb::MatchRun {
    let rows = |rows: &[peerlift_domain::CoverageRow]| {
        rows.iter()
            .map(|c| pb::CoverageRow {
                key: c.key.clone(),
                demands: c.demands,
                covered: c.covered,
            })
            .collect()
    };
    let added: std::collections::HashSet<u32> = r.diff.added.iter().copied().collect();
    pb::MatchRun {
        municipality_id: r.municipality_id.clone(),
        id: r.id.clone(),
        kind: kind_to_pb(r.kind),
        status: if dry_run {
            pb::RunStatus::DryRun as i32
        } else {
            enum_to_pb(&RUN_STATUSES, &r.status)
        },
        generation: r.generation,
        weights: Some(weights_to_pb(&r.weights)),
        policy: Some(policy_to_pb(&r.policy)),
        size: Some(pb::ProblemSize {
            demands: r.size.demands,
            suppliers: r.size.suppliers,
            arcs: r.size.arcs,
            pruned_arcs: r.size.pruned_arcs,
            locked: r.size.locked,
        }),
        objective: r.objective,
        coverage_by_level: rows(&r.coverage.by_level),
        coverage_by_subject: rows(&r.coverage.by_subject),
        pairs: if full {
            r.pairs
                .iter()
                .take(INLINE)
                .enumerate()
                .map(|(i, p)| run_pair_to_pb(p, i, added.contains(&(i as u32)), lang))
                .collect()
        } else {
            Vec::new()
        },
        unmatched: if full {
            r.unmatched
                .iter()
                .take(INLINE)
                .map(|u| unmatched_to_pb(u, lang))
                .collect()
        } else {
            Vec::new()
        },
        diff: Some(pb::RunDiff {
            kept: if full {
                r.diff.kept.iter().take(INLINE).cloned().collect()
            } else {
                Vec::new()
            },
            added: if full {
                r.diff
                    .added
                    .iter()
                    .copied()
                    .filter(|&i| (i as usize) < INLINE)
                    .collect()
            } else {
                Vec::new()
            },
            ended: if full {
                r.diff
                    .ended
                    .iter()
                    .take(INLINE)
                    .map(|e| ended_to_pb(e, lang))
                    .collect()
            } else {
                Vec::new()
            },
        }),
        timings: r
            .timings_ms
            .iter()
            .map(|(phase, ms)| pb::Timing {
                phase: phase.clone(),
                millis: *ms,
            })
            .collect(),
        create_time: Some(ts(r.meta.create_time)),
        decided_time: r.decided_time.map(ts),
        decision_note: r.decision_note.clone(),
        certificate: Some(certificate_to_pb(&r.certificate, lang)),
        pair_count: r.pairs.len() as u64,
        unmatched_count: r.unmatched.len() as u64,
        kept_count: r.diff.kept.len() as u64,
        added_count: r.diff.added.len() as u64,
        ended_count: r.diff.ended.len() as u64,
        pairs_next_page_token: if full {
            tokens.pairs.clone()
        } else {
            String::new()
        },
        unmatched_next_page_token: if full {
            tokens.unmatched.clone()
        } else {
            String::new()
        },
        changes_next_page_token: if full {
            tokens.changes.clone()
        } else {
            String::new()
        },
    }
}

pub fn mentorship_to_pb(m: &Mentorship, lang: Lang) -> pb::Mentorship {
    pb::Mentorship {
        municipality_id: m.municipality_id.clone(),
        id: m.id.clone(),
        kind: kind_to_pb(m.kind),
        mentee_id: m.mentee_id.clone(),
        mentor_id: m.mentor_id.clone(),
        subject: m.subject.clone(),
        mode: enum_to_pb(Mode::ALL, &m.mode),
        partnership_type: ptype(m.partnership_type),
        locked: m.locked,
        status: enum_to_pb(&MENTORSHIP_STATUSES, &m.status),
        started_on: m.started_on.to_string(),
        ended_on: m.ended_on.map(|d| d.to_string()).unwrap_or_default(),
        end_reason: say(lang, &m.end_reason),
        origin: match &m.origin {
            Origin::Run(id) => format!("run:{id}"),
            Origin::Manual(why) => format!("manual: {why}"),
        },
        score: m.score,
        members: m.members.clone(),
        charter: Some(charter_to_pb(&m.charter)),
        etag: m.meta.etag(),
        create_time: Some(ts(m.meta.create_time)),
        update_time: Some(ts(m.meta.update_time)),
    }
}

/// A score term as answers show it: said in `lang`, with its stable code.
pub fn term_to_pb(t: &peerlift_domain::Term, lang: Lang) -> pb::ScoreTerm {
    pb::ScoreTerm {
        name: say(lang, &t.name),
        points: t.points,
        code: t
            .name
            .key
            .strip_prefix("term-")
            .unwrap_or_default()
            .to_string(),
    }
}

pub fn peer_to_pb(p: &peerlift_match::peers::PeerSuggestion, lang: Lang) -> pb::PeerSuggestion {
    pb::PeerSuggestion {
        school_id: p.school_id.clone(),
        partner_id: p.partner_id.clone(),
        score: p.score,
        terms: p.terms.iter().map(|t| term_to_pb(t, lang)).collect(),
        shared_subjects: p.shared.clone(),
        partner_brings: p.partner_brings.clone(),
        school_brings: p.school_brings.clone(),
        partnership_type: enum_to_pb(&PARTNERSHIP_TYPES, &p.partnership_type),
        type_reason: say(lang, &p.type_reason),
    }
}

pub fn charter_to_pb(c: &Charter) -> pb::MentorshipCharter {
    pb::MentorshipCharter {
        order: c.order.as_ref().map(|o| pb::Order {
            number: o.number.clone(),
            date: o.date.to_string(),
        }),
        school_year: c.school_year.clone(),
        goal: c.goal.clone(),
        basis: enum_to_pb(&Basis::ALL, &c.basis),
        type_by_office: c.type_by_office,
        accepted: c
            .accepted
            .iter()
            .map(|a| pb::AcceptedRule {
                rule: a.rule.clone(),
                reason: a.reason.clone(),
            })
            .collect(),
    }
}

/// The office's fields of a request (order, school year, goal, basis).
pub fn charter_from_pb(
    v: &mut Violations,
    order: Option<&pb::Order>,
    school_year: &str,
    goal: &str,
    basis: i32,
) -> Charter {
    let order = order.and_then(|o| {
        let date = crate::convert::parse_date(v, "order.date", &o.date)?;
        Some(Order {
            number: o.number.trim().to_string(),
            date,
        })
    });
    let basis = match basis {
        0 => Basis::Deficit,
        x => enum_from_pb(&Basis::ALL, x).unwrap_or_else(|| {
            v.add("basis", format!("{x} is not a basis"));
            Basis::Deficit
        }),
    };
    Charter {
        order,
        school_year: school_year.trim().to_string(),
        goal: goal.trim().to_string(),
        basis,
        type_by_office: false,
        accepted: Vec::new(),
    }
}

/// A partnership type the request sets (None: unset).
pub fn partnership_type_from_pb(v: &mut Violations, x: i32) -> Option<PartnershipType> {
    match x {
        0 => None,
        x => enum_from_pb(&PARTNERSHIP_TYPES, x).or_else(|| {
            v.add("partnership_type", format!("{x} is not a partnership type"));
            None
        }),
    }
}

pub fn veto_to_pb(v: &Veto) -> pb::Veto {
    pb::Veto {
        kind: kind_to_pb(v.kind),
        mentee_id: v.mentee_id.clone(),
        mentor_id: v.mentor_id.clone(),
        reason: v.reason.clone(),
        create_time: Some(ts(v.meta.create_time)),
    }
}

#[cfg(test)]
mod phrase_keys {
    /// Every catalogue key the matcher, the scheduler, the legacy decoder and the app layer
    /// name in a phrase exists in the catalogue, so no explanation is ever said as its bare key.
    #[test]
    fn every_key_an_explanation_names_is_in_the_catalogue() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dirs = [
            "peerlift-match/src",
            "peerlift-api/src/app",
            "peerlift-store/src",
            "peerlift-domain/src",
        ];
        let prefixes = [
            "why-",
            "end-",
            "ended-",
            "term-",
            "type-",
            "cert-",
            "rule-",
            "unplaced-",
            "rec-",
        ];
        let mut seen = 0;
        for dir in dirs {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                // phrase.rs's own tests make up keys to test the mechanism.
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("phrase.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for literal in text.split('"').skip(1).step_by(2) {
                    let is_key = prefixes.iter().any(|p| literal.starts_with(p))
                        && literal
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    if is_key {
                        seen += 1;
                        assert!(
                            peerlift_text::has(literal),
                            "{}: '{literal}' is not in the catalogue",
                            path.display()
                        );
                    }
                }
            }
        }
        assert!(
            seen > 60,
            "only {seen} keys found: is the scan still looking?"
        );
    }
}
