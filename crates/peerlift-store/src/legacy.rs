//! Older encodings of records, read and upgraded (postcard is not self-describing, so a changed
//! record keeps its previous layout here, field for field, in the order it was written).
//!
//! Policy version 2 (match runs and rematch policies to 2026-11-30) had no
//! `end_when_left_list`. Runs made then did end the partnerships of schools that left the
//! list, so an old run reads with the switch on (what it did). An old rematch policy reads
//! with it off: from now on the nightly rematch keeps such partnerships unless the office
//! turns the switch on (the default).
//!
//! Mentorship version 1 (to 2026-11-30) had no charter (order, school year, goal, basis,
//! accepted rules): it reads as a mentorship with an empty charter, which is what it had.
//!
//! Schema 1 (to 2026-11): `Policy::max_candidates` was a plain number whose default, 40, cut
//! every demand to its 40 best candidates; runs had no certificate and unmatched demands no
//! municipality or school. Upgrading keeps what was true: an old run says it was made with the
//! limit (and is not guaranteed optimal); an old rematch policy that carried the old default
//! solves the whole problem from now on, while any other limit someone chose is kept.

use jiff::Timestamp;
use peerlift_domain::{
    Certificate, ChurnBudget, Coverage, Diff, Ended, GroupCapacity, Level, MatchKind, MatchRun,
    Meta, Phrase, Policy, ProblemSize, ProposedPair, RematchPolicy, RunStatus, Unmatched,
    UnmatchedReason, Weights,
};
use serde::Deserialize;

/// The old default candidate limit.
pub const OLD_DEFAULT_LIMIT: u32 = 40;

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct PolicyV1 {
    levels: Vec<Level>,
    travel_limit_km: u32,
    allow_online: bool,
    allow_same_school: bool,
    max_candidates: u32,
    default_partner_capacity: u32,
    platform_min_strength_pct: u32,
    default_platform_capacity: u32,
    preferences: Vec<(String, String)>,
    group_min_size: u32,
    group_max_size: u32,
    group_capacity: GroupCapacity,
}

impl PolicyV1 {
    /// `limit` decides what the old number means now.
    fn upgrade(self, limit: impl Fn(u32) -> Option<u32>) -> Policy {
        Policy {
            levels: self.levels,
            travel_limit_km: self.travel_limit_km,
            allow_online: self.allow_online,
            allow_same_school: self.allow_same_school,
            max_candidates: limit(self.max_candidates),
            default_partner_capacity: self.default_partner_capacity,
            platform_min_strength_pct: self.platform_min_strength_pct,
            default_platform_capacity: self.default_platform_capacity,
            preferences: self.preferences,
            group_min_size: self.group_min_size,
            group_max_size: self.group_max_size,
            group_capacity: self.group_capacity,
            end_when_left_list: false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct UnmatchedV1 {
    mentee_id: String,
    subject: String,
    level: Option<Level>,
    reason: UnmatchedReason,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct DiffV1 {
    kept: Vec<String>,
    added: Vec<u32>,
    ended: Vec<Ended>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct MatchRunV1 {
    municipality_id: String,
    id: String,
    kind: MatchKind,
    status: RunStatus,
    generation: u64,
    generations: Vec<(String, u64)>,
    weights: Weights,
    policy: PolicyV1,
    size: ProblemSize,
    objective: i64,
    coverage: Coverage,
    pairs: Vec<ProposedPair>,
    unmatched: Vec<UnmatchedV1>,
    diff: DiffV1,
    timings_ms: Vec<(String, u64)>,
    decided_time: Option<Timestamp>,
    decision_note: String,
    meta: Meta,
}

/// What a run made before certificates can claim: the old solver was exact on the problem it
/// built, so a run whose candidate limit dropped nothing was optimal, but it carries no duals.
pub fn legacy_certificate(size: &ProblemSize) -> Certificate {
    let pruned = size.pruned_arcs;
    Certificate {
        optimal: pruned == 0,
        arcs_allowed: size.arcs + pruned,
        arcs_priced: 0,
        violations: 0,
        dual_bound: 0,
        solver_objective: 0,
        statement: if pruned == 0 {
            Phrase::new("cert-legacy-optimal")
        } else {
            Phrase::new("cert-legacy-not-optimal").num("pruned", pruned)
        },
    }
}

impl From<MatchRunV1> for MatchRun {
    fn from(r: MatchRunV1) -> MatchRun {
        MatchRun {
            municipality_id: r.municipality_id,
            id: r.id,
            kind: r.kind,
            status: r.status,
            generation: r.generation,
            generations: r.generations,
            weights: r.weights,
            // What the run was made with, truthfully (it ended the partnerships of schools
            // that left the list).
            policy: Policy {
                end_when_left_list: true,
                ..r.policy.upgrade(Some)
            },
            size: r.size,
            objective: r.objective,
            coverage: r.coverage,
            pairs: r.pairs,
            unmatched: r
                .unmatched
                .into_iter()
                .map(|u| Unmatched {
                    mentee_id: u.mentee_id,
                    subject: u.subject,
                    level: u.level,
                    reason: u.reason,
                    municipality_id: String::new(),
                    school_id: String::new(),
                })
                .collect(),
            diff: Diff {
                // Unknown then; a kept mentorship's municipality is read from its key when
                // needed.
                kept_municipality: vec![String::new(); r.diff.kept.len()],
                kept: r.diff.kept,
                added: r.diff.added,
                ended: r.diff.ended,
            },
            certificate: legacy_certificate(&r.size),
            timings_ms: r.timings_ms,
            decided_time: r.decided_time,
            decision_note: r.decision_note,
            meta: r.meta,
        }
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct RematchPolicyV1 {
    municipality_id: String,
    enabled: bool,
    schedule: String,
    kinds: Vec<MatchKind>,
    churn_budget: ChurnBudget,
    auto_approve: bool,
    weights: Weights,
    policy: PolicyV1,
    max_minutes: u32,
    meta: Meta,
}

/// The old default limit now means the whole problem; a limit someone chose stays.
pub fn upgrade_limit(old: u32) -> Option<u32> {
    (old != OLD_DEFAULT_LIMIT).then_some(old)
}

impl From<RematchPolicyV1> for RematchPolicy {
    fn from(r: RematchPolicyV1) -> RematchPolicy {
        RematchPolicy {
            municipality_id: r.municipality_id,
            enabled: r.enabled,
            schedule: r.schedule,
            kinds: r.kinds,
            churn_budget: r.churn_budget,
            auto_approve: r.auto_approve,
            weights: r.weights,
            policy: r.policy.upgrade(upgrade_limit),
            max_minutes: r.max_minutes,
            meta: r.meta,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{key, Store, TreeId};

    fn policy_v1(limit: u32) -> PolicyV1 {
        let p = Policy::default();
        PolicyV1 {
            levels: p.levels,
            travel_limit_km: p.travel_limit_km,
            allow_online: p.allow_online,
            allow_same_school: p.allow_same_school,
            max_candidates: limit,
            default_partner_capacity: p.default_partner_capacity,
            platform_min_strength_pct: p.platform_min_strength_pct,
            default_platform_capacity: p.default_platform_capacity,
            preferences: vec![("a".into(), "b".into())],
            group_min_size: p.group_min_size,
            group_max_size: p.group_max_size,
            group_capacity: p.group_capacity,
        }
    }

    fn encoded<T: serde::Serialize>(version: u8, v: &T) -> Vec<u8> {
        let mut out = vec![version];
        out.extend(postcard::to_stdvec(v).unwrap());
        out
    }

    /// Records written by the previous version are read and upgraded: an old run keeps the
    /// limit it was made with and says it is not guaranteed optimal; an old rematch policy
    /// with the old default solves the whole problem from now on, a chosen limit stays.
    #[test]
    fn schema_1_records_are_read_and_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let meta = Meta::new(Timestamp::UNIX_EPOCH);
        let run = MatchRunV1 {
            municipality_id: "m".into(),
            id: "run-1".into(),
            kind: MatchKind::TeacherPairs,
            status: RunStatus::Approved,
            generation: 3,
            generations: vec![("m".into(), 3)],
            weights: Weights::default(),
            policy: policy_v1(40),
            size: ProblemSize {
                demands: 10,
                suppliers: 4,
                arcs: 30,
                pruned_arcs: 12,
                locked: 0,
            },
            objective: 99,
            coverage: Coverage::default(),
            pairs: Vec::new(),
            unmatched: vec![UnmatchedV1 {
                mentee_id: "t1".into(),
                subject: "mathematics".into(),
                level: Some(Level::A),
                reason: UnmatchedReason::NoCandidate("none".into()),
            }],
            diff: DiffV1 {
                kept: vec!["ms-1".into()],
                added: vec![],
                ended: vec![],
            },
            timings_ms: vec![],
            decided_time: None,
            decision_note: "old".into(),
            meta: meta.clone(),
        };
        store
            .put_raw_for_test(TreeId::MatchRuns, &key(&["m", "run-1"]), &encoded(1, &run))
            .unwrap();
        let got = store
            .get::<MatchRun>(&key(&["m", "run-1"]))
            .unwrap()
            .unwrap();
        assert_eq!(got.policy.max_candidates, Some(40));
        assert_eq!(
            got.policy.preferences,
            vec![("a".to_string(), "b".to_string())]
        );
        assert!(!got.certificate.optimal);
        assert_eq!(got.certificate.statement.key, "cert-legacy-not-optimal");
        assert_eq!(got.unmatched[0].mentee_id, "t1");
        assert_eq!(got.diff.kept, vec!["ms-1".to_string()]);
        assert_eq!(got.diff.kept_municipality.len(), 1);
        assert_eq!(got.objective, 99);

        for (limit, now) in [(40, None), (25, Some(25))] {
            let policy = RematchPolicyV1 {
                municipality_id: format!("m{limit}"),
                enabled: true,
                schedule: "0 2 * * *".into(),
                kinds: vec![MatchKind::TeacherPairs],
                churn_budget: ChurnBudget::Count(0),
                auto_approve: false,
                weights: Weights::default(),
                policy: policy_v1(limit),
                max_minutes: 30,
                meta: meta.clone(),
            };
            let k = key(&[&format!("m{limit}")]);
            store
                .put_raw_for_test(TreeId::RematchPolicies, &k, &encoded(1, &policy))
                .unwrap();
            let got = store.get::<RematchPolicy>(&k).unwrap().unwrap();
            assert_eq!(got.policy.max_candidates, now);
            assert!(got.enabled);
        }
        // An encoding version that never existed is corruption, not a guess.
        store
            .put_raw_for_test(TreeId::MatchRuns, &key(&["m", "run-2"]), &encoded(9, &run))
            .unwrap();
        assert!(store.get::<MatchRun>(&key(&["m", "run-2"])).is_err());
    }
}

/// An audit entry before the hash chain (schema 2, to 2026-11): read with empty hashes, which
/// `verify_chain` counts as written before the chain.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct AuditEntryV1 {
    municipality_id: String,
    time: Timestamp,
    seq: u64,
    token_id: String,
    role: String,
    method: String,
    request_id: String,
    changes: Vec<String>,
    change_count: u64,
}

impl From<AuditEntryV1> for peerlift_domain::access::AuditEntry {
    fn from(v: AuditEntryV1) -> Self {
        peerlift_domain::access::AuditEntry {
            municipality_id: v.municipality_id,
            time: v.time,
            seq: v.seq,
            token_id: v.token_id,
            role: v.role,
            method: v.method,
            request_id: v.request_id,
            changes: v.changes,
            change_count: v.change_count,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }
}

/// A teacher as version 1 wrote it: every field of today's but the staff position (all were
/// teachers then).
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct TeacherV1 {
    pub(crate) municipality_id: String,
    pub(crate) id: String,
    pub(crate) school_id: String,
    pub(crate) full_name: String,
    pub(crate) subjects: Vec<String>,
    pub(crate) active: bool,
    pub(crate) accepts_online: bool,
    pub(crate) meta: Meta,
}

impl From<TeacherV1> for peerlift_domain::Teacher {
    fn from(t: TeacherV1) -> peerlift_domain::Teacher {
        peerlift_domain::Teacher {
            municipality_id: t.municipality_id,
            id: t.id,
            school_id: t.school_id,
            full_name: t.full_name,
            subjects: t.subjects,
            active: t.active,
            accepts_online: t.accepts_online,
            position: peerlift_domain::StaffPosition::Teacher,
            meta: t.meta,
        }
    }
}

/// A mentorship as version 1 wrote it: every field of today's but the charter.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct MentorshipV1 {
    municipality_id: String,
    id: String,
    kind: MatchKind,
    mentee_id: String,
    mentor_id: String,
    mentor_municipality_id: String,
    subject: String,
    mode: peerlift_domain::Mode,
    partnership_type: Option<peerlift_domain::PartnershipType>,
    locked: bool,
    status: peerlift_domain::MentorshipStatus,
    started_on: jiff::civil::Date,
    ended_on: Option<jiff::civil::Date>,
    end_reason: Phrase,
    origin: peerlift_domain::Origin,
    score: i64,
    members: Vec<String>,
    meta: Meta,
}

impl From<MentorshipV1> for peerlift_domain::Mentorship {
    fn from(m: MentorshipV1) -> peerlift_domain::Mentorship {
        peerlift_domain::Mentorship {
            municipality_id: m.municipality_id,
            id: m.id,
            kind: m.kind,
            mentee_id: m.mentee_id,
            mentor_id: m.mentor_id,
            mentor_municipality_id: m.mentor_municipality_id,
            subject: m.subject,
            mode: m.mode,
            partnership_type: m.partnership_type,
            locked: m.locked,
            status: m.status,
            started_on: m.started_on,
            ended_on: m.ended_on,
            end_reason: m.end_reason,
            origin: m.origin,
            score: m.score,
            members: m.members,
            charter: Default::default(),
            meta: m.meta,
        }
    }
}

#[cfg(test)]
mod mentorship_v1 {
    use super::*;
    use crate::codec::{self, Record};

    /// A mentorship written by version 1 reads back whole, with an empty charter.
    #[test]
    fn a_version_1_mentorship_reads_with_an_empty_charter() {
        let old = MentorshipV1 {
            municipality_id: "m".into(),
            id: "ms-1".into(),
            kind: MatchKind::SchoolPartnerships,
            mentee_id: "a".into(),
            mentor_id: "b".into(),
            mentor_municipality_id: String::new(),
            subject: String::new(),
            mode: peerlift_domain::Mode::InPerson,
            partnership_type: Some(peerlift_domain::PartnershipType::Identical),
            locked: true,
            status: peerlift_domain::MentorshipStatus::Active,
            started_on: jiff::civil::date(2021, 10, 12),
            ended_on: None,
            end_reason: Phrase::default(),
            origin: peerlift_domain::Origin::Manual("order 263".into()),
            score: 0,
            members: vec![],
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        };
        let mut bytes = vec![1u8];
        bytes.extend(postcard::to_stdvec(&old).unwrap());
        let got: peerlift_domain::Mentorship =
            codec::decode(peerlift_domain::Mentorship::TREE, &bytes).unwrap();
        assert_eq!(got.id, "ms-1");
        assert!(got.locked);
        assert_eq!(got.started_on, jiff::civil::date(2021, 10, 12));
        assert_eq!(got.charter, Default::default());
    }
}

/// A policy as runs and rematch policies of version 2 wrote it: today's without
/// `end_when_left_list`.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct PolicyV2 {
    levels: Vec<Level>,
    travel_limit_km: u32,
    allow_online: bool,
    allow_same_school: bool,
    max_candidates: Option<u32>,
    default_partner_capacity: u32,
    platform_min_strength_pct: u32,
    default_platform_capacity: u32,
    preferences: Vec<(String, String)>,
    group_min_size: u32,
    group_max_size: u32,
    group_capacity: GroupCapacity,
}

impl From<PolicyV2> for Policy {
    fn from(p: PolicyV2) -> Policy {
        Policy {
            levels: p.levels,
            travel_limit_km: p.travel_limit_km,
            allow_online: p.allow_online,
            allow_same_school: p.allow_same_school,
            max_candidates: p.max_candidates,
            default_partner_capacity: p.default_partner_capacity,
            platform_min_strength_pct: p.platform_min_strength_pct,
            default_platform_capacity: p.default_platform_capacity,
            preferences: p.preferences,
            group_min_size: p.group_min_size,
            group_max_size: p.group_max_size,
            group_capacity: p.group_capacity,
            end_when_left_list: false,
        }
    }
}

/// A run as version 2 wrote it: today's with a version-2 policy.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct MatchRunV2 {
    municipality_id: String,
    id: String,
    kind: MatchKind,
    status: RunStatus,
    generation: u64,
    generations: Vec<(String, u64)>,
    weights: Weights,
    policy: PolicyV2,
    size: ProblemSize,
    objective: i64,
    coverage: Coverage,
    pairs: Vec<ProposedPair>,
    unmatched: Vec<Unmatched>,
    diff: Diff,
    certificate: Certificate,
    timings_ms: Vec<(String, u64)>,
    decided_time: Option<Timestamp>,
    decision_note: String,
    meta: Meta,
}

impl From<MatchRunV2> for MatchRun {
    fn from(r: MatchRunV2) -> MatchRun {
        MatchRun {
            municipality_id: r.municipality_id,
            id: r.id,
            kind: r.kind,
            status: r.status,
            generation: r.generation,
            generations: r.generations,
            weights: r.weights,
            // Runs made then ended the partnerships of schools that left the list: say so.
            policy: Policy {
                end_when_left_list: true,
                ..r.policy.into()
            },
            size: r.size,
            objective: r.objective,
            coverage: r.coverage,
            pairs: r.pairs,
            unmatched: r.unmatched,
            diff: r.diff,
            certificate: r.certificate,
            timings_ms: r.timings_ms,
            decided_time: r.decided_time,
            decision_note: r.decision_note,
            meta: r.meta,
        }
    }
}

/// A rematch policy as version 2 wrote it.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct RematchPolicyV2 {
    municipality_id: String,
    enabled: bool,
    schedule: String,
    kinds: Vec<MatchKind>,
    churn_budget: ChurnBudget,
    auto_approve: bool,
    weights: Weights,
    policy: PolicyV2,
    max_minutes: u32,
    meta: Meta,
}

impl From<RematchPolicyV2> for RematchPolicy {
    fn from(r: RematchPolicyV2) -> RematchPolicy {
        RematchPolicy {
            municipality_id: r.municipality_id,
            enabled: r.enabled,
            schedule: r.schedule,
            kinds: r.kinds,
            churn_budget: r.churn_budget,
            auto_approve: r.auto_approve,
            weights: r.weights,
            policy: r.policy.into(),
            max_minutes: r.max_minutes,
            meta: r.meta,
        }
    }
}

#[cfg(test)]
mod policy_v2 {
    use super::*;
    use crate::codec::{self, Record};

    /// A run and a rematch policy written by version 2 read back whole, the new switch off.
    #[test]
    fn version_2_runs_and_rematch_policies_read_with_the_switch_off() {
        let p = Policy::default();
        let v2 = PolicyV2 {
            levels: p.levels.clone(),
            travel_limit_km: 25,
            allow_online: p.allow_online,
            allow_same_school: p.allow_same_school,
            max_candidates: None,
            default_partner_capacity: p.default_partner_capacity,
            platform_min_strength_pct: p.platform_min_strength_pct,
            default_platform_capacity: p.default_platform_capacity,
            preferences: vec![("a".into(), "b".into())],
            group_min_size: p.group_min_size,
            group_max_size: p.group_max_size,
            group_capacity: p.group_capacity,
        };
        let old = RematchPolicyV2 {
            municipality_id: "m".into(),
            enabled: true,
            schedule: "0 2 * * *".into(),
            kinds: vec![MatchKind::SchoolPartnerships],
            churn_budget: ChurnBudget::Count(2),
            auto_approve: false,
            weights: Weights::default(),
            policy: v2,
            max_minutes: 30,
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        };
        let mut bytes = vec![2u8];
        bytes.extend(postcard::to_stdvec(&old).unwrap());
        let got: RematchPolicy = codec::decode(RematchPolicy::TREE, &bytes).unwrap();
        assert_eq!(got.policy.travel_limit_km, 25);
        assert_eq!(
            got.policy.preferences,
            vec![("a".to_string(), "b".to_string())]
        );
        assert!(!got.policy.end_when_left_list);
        assert_eq!(got.churn_budget, ChurnBudget::Count(2));
    }
}

#[cfg(test)]
mod teacher_v1 {
    use super::*;
    use crate::codec::{self, Record};

    /// A teacher written by version 1 reads back whole, as a teacher (not an administrator).
    #[test]
    fn a_version_1_teacher_reads_as_a_teacher() {
        let old = TeacherV1 {
            municipality_id: "m".into(),
            id: "t1".into(),
            school_id: "s1".into(),
            full_name: "Иванова".into(),
            subjects: vec!["mathematics".into()],
            active: true,
            accepts_online: false,
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        };
        let mut bytes = vec![1u8];
        bytes.extend(postcard::to_stdvec(&old).unwrap());
        let got: peerlift_domain::Teacher =
            codec::decode(peerlift_domain::Teacher::TREE, &bytes).unwrap();
        assert_eq!(got.position, peerlift_domain::StaffPosition::Teacher);
        assert_eq!((got.id.as_str(), got.accepts_online), ("t1", false));
    }
}
