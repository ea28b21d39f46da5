//! Distributed networks (DISTRIBUTED mode): one leader per (school, subject), so a school may
//! have several specialised partners, mathematics with one leader and Russian with another.
//!
//! Demand: a (school in need, subject) with at least one teacher at A or B in the subject.
//! Supply: a (leader, subject) internship platform (seed 002) with its capacity: the leader's
//! listed platforms, or, when it lists none, every subject where at least
//! `platform_min_strength_pct` of its diagnosed teachers are at D, with
//! `default_platform_capacity` each. Arcs join a demand to platforms of the same subject. The
//! solve is the same exact b-matching as pairs, so a platform's capacity is never exceeded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use peerlift_domain::{
    Coverage, Diff, MatchKind, Mode, Phrase, Policy, ProposedPair, SchoolStatus, Term, Unmatched,
    UnmatchedReason, Weights,
};

use crate::explain::{coverage_rows, diff_against, label, Terms};
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pipeline::{self, Kind, RunOptions};
use crate::schools::{
    partnership_type, school_reach, significance_points, subject_counts, SubjectCounts,
};

use crate::{MatchError, MatchOutcome};

/// Most deficient teachers one demand's need counts.
const NEED_CAP: u32 = 10;

/// The score of a (school, subject) with a leader's platform, as numbers.
#[derive(Debug, Clone, Copy)]
struct Score {
    low_results: bool,
    status: i64,
    need: u32,
    need_points: i64,
    strength_pct: f64,
    strength: i64,
    risk: i64,
    continuity: i64,
    preference: i64,
    travel: Option<(f64, i64)>,
    online: i64,
}

impl Score {
    fn sum(&self) -> i64 {
        self.status
            + self.need_points
            + self.strength
            + self.risk
            + self.continuity
            + self.preference
            + self.travel.map_or(0, |x| x.1)
            + self.online
    }

    fn terms(&self) -> Vec<Term> {
        Terms::default()
            .add(
                if self.low_results {
                    "term-status-low-results"
                } else {
                    "term-status-at-risk"
                },
                self.status,
            )
            .add_phrase(
                Phrase::new("term-need").num("teachers", self.need),
                self.need_points,
            )
            .add_phrase(
                Phrase::new("term-leader-strength").num("pct", self.strength_pct.round() as i64),
                self.strength,
            )
            .add("term-risk", self.risk)
            .add("term-continuity", self.continuity)
            .add("term-preference", self.preference)
            .mode(self.travel, self.online)
            .done()
    }
}

/// DISTRIBUTED mode as a kind of the pipeline: a demand is a (school in need, subject), a
/// supplier a leader's platform in a subject with places left.
struct Directions<'a> {
    snap: &'a Snapshot,
    g: &'a CompetenceGraph,
    weights: &'a Weights,
    policy: &'a Policy,
    counts: SubjectCounts,
    existing: HashSet<(u32, u32, u32)>,
    vetoed: HashSet<(String, String)>,
    preferred: HashSet<(String, String)>,
    demands: Vec<(u32, u32)>,
    held: Vec<((u32, u32), usize)>,
    platforms: Vec<(u32, u32)>,
    capacities: Vec<u32>,
    /// Platforms by subject.
    by_subject: HashMap<u32, Vec<u32>>,
}

impl<'a> Directions<'a> {
    fn new(
        snap: &'a Snapshot,
        g: &'a CompetenceGraph,
        weights: &'a Weights,
        policy: &'a Policy,
    ) -> Directions<'a> {
        let counts = subject_counts(snap, g);
        // Active directions: continuity, and locked ones pre-assigned.
        let mut existing = HashSet::new();
        let mut locked: HashMap<(u32, u32), usize> = HashMap::new();
        let mut locked_load: HashMap<(u32, u32), u32> = HashMap::new();
        for (mi, m) in snap.mentorships.iter().enumerate() {
            if !m.is_active() || m.kind != MatchKind::SchoolDirections {
                continue;
            }
            let key = |x: &str| (m.municipality_id.clone(), x.to_string());
            let (Some(&a), Some(&b), Some(sj)) = (
                g.school_index.get(&key(&m.mentee_id)),
                g.school_index.get(&m.mentor_key()),
                g.subject_id(&m.subject),
            ) else {
                continue;
            };
            existing.insert((a, sj, b));
            // A school that left the low-result list keeps its directions (networks go on;
            // the run says so, the office decides), unless the office asked runs to end them.
            let school = &snap.schools[a as usize];
            let left_list = crate::schools::left_list(school);
            let keep_left = left_list && !policy.end_when_left_list;
            if m.held_by_office() || keep_left {
                locked.insert((a, sj), mi);
                *locked_load.entry((b, sj)).or_default() += 1;
            }
        }
        let vetoed = snap
            .vetoes
            .iter()
            .filter(|v| v.kind.is_schools())
            .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
            .collect();
        let preferred = policy.preferences.iter().cloned().collect();

        // Demands: (school in need, subject) with A/B teachers, in school then subject order.
        let mut demands = Vec::new();
        let mut held = Vec::new();
        for (s, school) in snap.schools.iter().enumerate() {
            if !matches!(
                school.status,
                SchoolStatus::LowResults | SchoolStatus::AtRisk
            ) {
                // Its kept directions are held as they are; it makes no new demand.
                held.extend(
                    locked
                        .iter()
                        .filter(|((a, _), _)| *a as usize == s)
                        .map(|(d, mi)| (*d, *mi)),
                );
                continue;
            }
            for (sj, n) in counts.deficits[s].iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                let d = (s as u32, sj as u32);
                match locked.get(&d) {
                    Some(mi) => held.push((d, *mi)),
                    None => demands.push(d),
                }
            }
        }
        held.sort_unstable_by_key(|x| x.0);
        // Platforms: (leader, subject) with capacity left after locked directions.
        let mut platforms = Vec::new();
        let mut capacities = Vec::new();
        let mut by_subject: HashMap<u32, Vec<u32>> = HashMap::new();
        for (l, school) in snap.schools.iter().enumerate() {
            if school.status != SchoolStatus::Leader {
                continue;
            }
            let offered: Vec<(u32, u32)> = if school.platforms.is_empty() {
                (0..g.subjects.len())
                    .filter(|&sj| {
                        let diag = counts.diagnosed[l][sj];
                        diag > 0
                            && counts.strong[l][sj] * 100 >= policy.platform_min_strength_pct * diag
                    })
                    .map(|sj| (sj as u32, policy.default_platform_capacity))
                    .collect()
            } else {
                school
                    .platforms
                    .iter()
                    .filter_map(|(code, cap)| g.subject_id(code).map(|sj| (sj, *cap)))
                    .collect()
            };
            for (sj, cap) in offered {
                let left =
                    cap.saturating_sub(locked_load.get(&(l as u32, sj)).copied().unwrap_or(0));
                if left > 0 {
                    by_subject
                        .entry(sj)
                        .or_default()
                        .push(platforms.len() as u32);
                    platforms.push((l as u32, sj));
                    capacities.push(left);
                }
            }
        }
        Directions {
            snap,
            g,
            weights,
            policy,
            counts,
            existing,
            vetoed,
            preferred,
            demands,
            held,
            platforms,
            capacities,
            by_subject,
        }
    }

    /// The hard rules and the score of demand `(s, sj)` with leader `l`'s platform.
    fn evaluate(&self, s: u32, sj: u32, l: u32) -> Option<Score> {
        let (snap, weights, policy) = (self.snap, self.weights, self.policy);
        let school = &snap.schools[s as usize];
        let leader = &snap.schools[l as usize];
        if l == s
            || self
                .vetoed
                .contains(&(school.id.clone(), leader.id.clone()))
        {
            return None;
        }
        let km = school_reach(snap, policy, s, l)?;
        let in_person = km.is_some();
        let risk: i64 = school
            .risk_profile
            .0
            .iter()
            .map(|x| significance_points(*x))
            .sum();
        let need = self.counts.deficits[s as usize][sj as usize].min(NEED_CAP);
        let diag = self.counts.diagnosed[l as usize][sj as usize].max(1);
        let strength = f64::from(self.counts.strong[l as usize][sj as usize]) / f64::from(diag);
        let low_results = school.status == SchoolStatus::LowResults;
        Some(Score {
            low_results,
            status: if low_results {
                weights.school_low_results
            } else {
                weights.school_at_risk
            },
            need,
            need_points: i64::from(need) * weights.direction_need,
            strength_pct: strength * 100.0,
            strength: (strength * weights.school_fit as f64).round() as i64,
            risk: risk * weights.school_risk,
            continuity: if self.existing.contains(&(s, sj, l)) {
                weights.continuity
            } else {
                0
            },
            preference: if self
                .preferred
                .contains(&(school.id.clone(), leader.id.clone()))
            {
                weights.preference
            } else {
                0
            },
            travel: km.map(|k| (k, -((k * weights.travel_per_km as f64).round() as i64))),
            online: if in_person {
                0
            } else {
                -weights.online_penalty
            },
        })
    }

    fn id(&self, s: u32) -> String {
        self.snap.schools[s as usize].id.clone()
    }

    fn subject(&self, sj: u32) -> String {
        self.g.subjects[sj as usize].clone()
    }
}

impl Kind for Directions<'_> {
    fn kind(&self) -> MatchKind {
        MatchKind::SchoolDirections
    }

    fn demand_count(&self) -> usize {
        self.demands.len()
    }

    fn capacities(&self) -> Vec<u32> {
        self.capacities.clone()
    }

    fn arcs(&self, di: usize, out: &mut Vec<(u32, i64)>) {
        let (s, sj) = self.demands[di];
        for &p in self.by_subject.get(&sj).map(Vec::as_slice).unwrap_or(&[]) {
            let (l, _) = self.platforms[p as usize];
            if let Some(x) = self.evaluate(s, sj, l) {
                out.push((p, x.sum()));
            }
        }
    }

    fn no_candidate(&self, di: usize) -> Phrase {
        let (_, sj) = self.demands[di];
        let offered = self.by_subject.get(&sj).map_or(0, Vec::len);
        if offered == 0 {
            Phrase::new("why-no-platform").subject("subject", &self.subject(sj))
        } else {
            Phrase::new("why-platforms-excluded")
                .num("offered", offered)
                .subject("subject", &self.subject(sj))
        }
    }

    fn pair(&self, di: usize, p: u32) -> ProposedPair {
        let (s, sj) = self.demands[di];
        let (l, _) = self.platforms[p as usize];
        let (ty, why) = partnership_type(self.snap, s, l);
        let score = self.evaluate(s, sj, l);
        ProposedPair {
            municipality_id: self.snap.schools[s as usize].municipality_id.clone(),
            mentee_id: self.id(s),
            mentee_school_id: self.id(s),
            subject: self.subject(sj),
            level: None,
            mentor_id: self.id(l),
            mentor_school_id: self.id(l),
            mode: match score.and_then(|x| x.travel) {
                Some(_) => Mode::InPerson,
                None => Mode::Online,
            },
            score: score.map_or(0, |x| x.sum()),
            terms: score.map(|x| x.terms()).unwrap_or_default(),
            locked: false,
            partnership_type: Some(ty),
            type_reason: why,
            members: Vec::new(),
            cohesion_pct: None,
        }
    }

    fn demand_id(&self, di: usize) -> String {
        let (s, sj) = self.demands[di];
        format!("{}/{}", self.id(s), self.subject(sj))
    }

    fn demand_label(&self, di: usize) -> (String, String) {
        let (s, sj) = self.demands[di];
        (self.id(s), self.subject(sj))
    }

    fn supplier_id(&self, p: u32) -> String {
        let (l, sj) = self.platforms[p as usize];
        format!("{}/{}", self.id(l), self.subject(sj))
    }

    fn supplier_mentor(&self, p: u32) -> String {
        self.id(self.platforms[p as usize].0)
    }

    fn unmatched(&self, di: usize, reason: UnmatchedReason) -> Vec<Unmatched> {
        let (s, sj) = self.demands[di];
        vec![Unmatched {
            mentee_id: self.id(s),
            subject: self.subject(sj),
            level: None,
            reason,
            municipality_id: self.snap.schools[s as usize].municipality_id.clone(),
            school_id: self.id(s),
        }]
    }

    fn held_count(&self) -> u64 {
        self.held.len() as u64
    }

    fn held(&self) -> Vec<ProposedPair> {
        self.held
            .iter()
            .map(|((s, sj), mi)| {
                let m = &self.snap.mentorships[*mi];
                let leader = self
                    .g
                    .school_index
                    .get(&m.mentor_key())
                    .copied()
                    .unwrap_or(*s);
                let (ty, why) = partnership_type(self.snap, *s, leader);
                let (term, _) = crate::schools::held_term(self.snap, m, *s, leader);
                ProposedPair {
                    municipality_id: m.municipality_id.clone(),
                    mentee_id: self.id(*s),
                    mentee_school_id: self.id(*s),
                    subject: self.subject(*sj),
                    level: None,
                    mentor_id: m.mentor_id.clone(),
                    mentor_school_id: m.mentor_id.clone(),
                    mode: m.mode,
                    score: m.score,
                    terms: vec![label(term)],
                    locked: m.locked,
                    partnership_type: Some(m.partnership_type.unwrap_or(ty)),
                    type_reason: why,
                    members: Vec::new(),
                    cohesion_pct: None,
                }
            })
            .collect()
    }

    fn coverage(&self, covered: &[bool]) -> Coverage {
        let mut by_subject: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut by_status: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        // A kept direction of a school no longer in need covers no need.
        let all = self.demands.iter().zip(covered.iter().copied()).chain(
            self.held
                .iter()
                .filter(|((s, _), _)| {
                    crate::schools::is_in_need(self.snap.schools[*s as usize].status)
                })
                .map(|(d, _)| (d, true)),
        );
        for (&(s, sj), covered) in all {
            for (map, key) in [
                (&mut by_subject, self.subject(sj)),
                (
                    &mut by_status,
                    self.snap.schools[s as usize].status.code().to_string(),
                ),
            ] {
                let e = map.entry(key).or_default();
                e.0 += 1;
                e.1 += u64::from(covered);
            }
        }
        Coverage {
            by_level: coverage_rows(by_status),
            by_subject: coverage_rows(by_subject),
        }
    }

    fn diff(&self, pairs: &[ProposedPair]) -> Diff {
        let by_demand: HashMap<(String, String), usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.mentee_id.clone(), p.subject.clone()), i))
            .collect();
        diff_against(
            self.snap,
            MatchKind::SchoolDirections,
            pairs,
            |p| (p.mentee_id.clone(), p.subject.clone(), p.mentor_id.clone()),
            |m| m.pair_key(),
            |m| match by_demand.get(&(m.mentee_id.clone(), m.subject.clone())) {
                Some(i) => Phrase::new("end-replaced-platform")
                    .text("school", &m.mentee_id)
                    .subject("subject", &m.subject)
                    .text("leader", &pairs[*i].mentor_id)
                    .num("score", pairs[*i].score),
                None if self
                    .vetoed
                    .contains(&(m.mentee_id.clone(), m.mentor_id.clone())) =>
                {
                    Phrase::new("end-partnership-vetoed")
                }
                None => Phrase::new("end-platform-gone-or-outbid")
                    .text("school", &m.mentee_id)
                    .subject("subject", &m.subject)
                    .text("leader", &m.mentor_id),
            },
        )
    }
}

/// Runs distributed-network matching on a snapshot.
pub fn match_school_directions(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let started = Instant::now();
    let g = CompetenceGraph::build(snap);
    pipeline::run(
        started,
        &Directions::new(snap, &g, weights, policy),
        policy,
        options,
    )
}
