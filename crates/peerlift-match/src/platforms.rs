//! Management internship platforms (seed 002, Krymsk) as a kind of the pipeline.
//!
//! Demand: a (school, system direction) where the school's management diagnostics found a
//! difficulty (its team's lowest latest share below one half, [`difficulties`]); schools that
//! are leaders themselves are not in need. Supply: an active internship platform of a leader
//! school on that direction, with its capacity less the schools it holds. Arcs join a demand to
//! the platforms of its direction at another school that the rules allow (in person within
//! the travel limit, else online when the policy allows it). The solve is the same exact
//! b-matching as every other kind, so a platform's capacity is never exceeded; severe
//! difficulties (below a quarter) are covered first, as A-level deficits are.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use peerlift_domain::platforms::{difficulties, DIFFICULTY_BELOW, SEVERE_BELOW};
use peerlift_domain::{
    Coverage, Diff, MatchKind, Mode, Phrase, Policy, ProposedPair, SchoolStatus, Term, Unmatched,
    UnmatchedReason, Weights,
};

use crate::explain::{coverage_rows, diff_against, label, Terms};
use crate::graph::Snapshot;
use crate::pipeline::{self, Kind, RunOptions};
use crate::schools::school_reach;
use crate::{MatchError, MatchOutcome};

/// Points for the depth of a difficulty: `direction_need` times this at share 0, falling
/// linearly to 0 at the difficulty line.
const DEPTH_SCALE: f64 = 10.0;

#[derive(Debug, Clone, Copy)]
struct Score {
    status: Option<(bool, i64)>,
    share_pct: i64,
    depth: i64,
    continuity: i64,
    preference: i64,
    travel: Option<(f64, i64)>,
    online: i64,
}

impl Score {
    fn sum(&self) -> i64 {
        self.status.map_or(0, |x| x.1)
            + self.depth
            + self.continuity
            + self.preference
            + self.travel.map_or(0, |x| x.1)
            + self.online
    }

    fn terms(&self) -> Vec<Term> {
        let mut t = Terms::default();
        if let Some((low, points)) = self.status {
            t.add(
                if low {
                    "term-status-low-results"
                } else {
                    "term-status-at-risk"
                },
                points,
            );
        }
        t.add_phrase(
            Phrase::new("term-management-difficulty").num("pct", self.share_pct),
            self.depth,
        )
        .add("term-continuity", self.continuity)
        .add("term-preference", self.preference)
        .mode(self.travel, self.online)
        .done()
    }
}

/// One demand: a school and a direction it has a difficulty in, with the team's share.
#[derive(Debug, Clone)]
struct Demand {
    school: u32,
    direction: String,
    share: f64,
}

struct Platforms<'a> {
    snap: &'a Snapshot,
    weights: &'a Weights,
    policy: &'a Policy,
    /// (municipality, school id) -> index in `snap.schools`.
    school_index: HashMap<(String, String), u32>,
    existing: HashSet<(u32, String, u32)>,
    vetoed: HashSet<(String, String)>,
    preferred: HashSet<(String, String)>,
    demands: Vec<Demand>,
    held: Vec<(Demand, usize)>,
    /// Platforms with places left: (index in `snap.platforms`, its school).
    suppliers: Vec<(usize, u32)>,
    capacities: Vec<u32>,
    by_direction: HashMap<String, Vec<u32>>,
}

impl<'a> Platforms<'a> {
    fn new(snap: &'a Snapshot, weights: &'a Weights, policy: &'a Policy) -> Platforms<'a> {
        let school_index: HashMap<(String, String), u32> = snap
            .schools
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.municipality_id.clone(), s.id.clone()), i as u32))
            .collect();
        let mut existing = HashSet::new();
        let mut locked: HashMap<(u32, String), usize> = HashMap::new();
        let mut locked_load: HashMap<(u32, String), u32> = HashMap::new();
        for (mi, m) in snap.mentorships.iter().enumerate() {
            if !m.is_active() || m.kind != MatchKind::ManagementPlatforms {
                continue;
            }
            let (Some(&a), Some(&b)) = (
                school_index.get(&(m.municipality_id.clone(), m.mentee_id.clone())),
                school_index.get(&m.mentor_key()),
            ) else {
                continue;
            };
            existing.insert((a, m.subject.clone(), b));
            if m.held_by_office() {
                locked.insert((a, m.subject.clone()), mi);
                *locked_load.entry((b, m.subject.clone())).or_default() += 1;
            }
        }
        let vetoed = snap
            .vetoes
            .iter()
            .filter(|v| v.kind.is_schools())
            .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
            .collect();
        let preferred = policy.preferences.iter().cloned().collect();

        let mut by_school: BTreeMap<(&str, &str), Vec<&peerlift_domain::ManagementDiagnostic>> =
            BTreeMap::new();
        for d in &snap.management {
            by_school
                .entry((d.municipality_id.as_str(), d.school_id.as_str()))
                .or_default()
                .push(d);
        }
        let mut demands = Vec::new();
        let mut held = Vec::new();
        for (s, school) in snap.schools.iter().enumerate() {
            if school.status == SchoolStatus::Leader {
                continue;
            }
            let Some(ds) = by_school.get(&(school.municipality_id.as_str(), school.id.as_str()))
            else {
                continue;
            };
            for (direction, share) in difficulties(&school.id, ds.iter().copied()) {
                let d = Demand {
                    school: s as u32,
                    direction: direction.clone(),
                    share,
                };
                match locked.get(&(s as u32, direction)) {
                    Some(mi) => held.push((d, *mi)),
                    None => demands.push(d),
                }
            }
        }
        let mut suppliers = Vec::new();
        let mut capacities = Vec::new();
        let mut by_direction: HashMap<String, Vec<u32>> = HashMap::new();
        for (pi, p) in snap.platforms.iter().enumerate() {
            if !p.active {
                continue;
            }
            let Some(&l) = school_index.get(&(p.municipality_id.clone(), p.school_id.clone()))
            else {
                continue;
            };
            let left = p.capacity.saturating_sub(
                locked_load
                    .get(&(l, p.direction.clone()))
                    .copied()
                    .unwrap_or(0),
            );
            if left > 0 {
                by_direction
                    .entry(p.direction.clone())
                    .or_default()
                    .push(suppliers.len() as u32);
                suppliers.push((pi, l));
                capacities.push(left);
            }
        }
        Platforms {
            snap,
            weights,
            policy,
            school_index,
            existing,
            vetoed,
            preferred,
            demands,
            held,
            suppliers,
            capacities,
            by_direction,
        }
    }

    /// The hard rules and the score of `d` at the platform of school `l`.
    fn evaluate(&self, d: &Demand, l: u32) -> Option<Score> {
        let (snap, w) = (self.snap, self.weights);
        let school = &snap.schools[d.school as usize];
        let leader = &snap.schools[l as usize];
        if l == d.school
            || self
                .vetoed
                .contains(&(school.id.clone(), leader.id.clone()))
        {
            return None;
        }
        let km = school_reach(snap, self.policy, d.school, l)?;
        let depth = ((DIFFICULTY_BELOW - d.share) / DIFFICULTY_BELOW).clamp(0.0, 1.0);
        Some(Score {
            status: match school.status {
                SchoolStatus::LowResults => Some((true, w.school_low_results)),
                SchoolStatus::AtRisk => Some((false, w.school_at_risk)),
                _ => None,
            },
            share_pct: (d.share * 100.0).round() as i64,
            depth: (depth * DEPTH_SCALE * w.direction_need as f64).round() as i64,
            continuity: if self.existing.contains(&(d.school, d.direction.clone(), l)) {
                w.continuity
            } else {
                0
            },
            preference: if self
                .preferred
                .contains(&(school.id.clone(), leader.id.clone()))
            {
                w.preference
            } else {
                0
            },
            travel: km.map(|k| (k, -((k * w.travel_per_km as f64).round() as i64))),
            online: if km.is_some() { 0 } else { -w.online_penalty },
        })
    }

    fn id(&self, s: u32) -> String {
        self.snap.schools[s as usize].id.clone()
    }

    fn proposed(&self, d: &Demand, l: u32, score: Option<Score>) -> ProposedPair {
        ProposedPair {
            municipality_id: self.snap.schools[d.school as usize].municipality_id.clone(),
            mentee_id: self.id(d.school),
            mentee_school_id: self.id(d.school),
            subject: d.direction.clone(),
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
            partnership_type: None,
            type_reason: Phrase::default(),
            members: Vec::new(),
            cohesion_pct: None,
        }
    }
}

impl Kind for Platforms<'_> {
    fn kind(&self) -> MatchKind {
        MatchKind::ManagementPlatforms
    }

    fn demand_count(&self) -> usize {
        self.demands.len()
    }

    fn capacities(&self) -> Vec<u32> {
        self.capacities.clone()
    }

    fn priority(&self, d: usize) -> bool {
        self.demands[d].share < SEVERE_BELOW
    }

    fn arcs(&self, di: usize, out: &mut Vec<(u32, i64)>) {
        let d = &self.demands[di];
        for &p in self
            .by_direction
            .get(&d.direction)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let (_, l) = self.suppliers[p as usize];
            if let Some(x) = self.evaluate(d, l) {
                out.push((p, x.sum()));
            }
        }
    }

    fn no_candidate(&self, di: usize) -> Phrase {
        let d = &self.demands[di];
        let offered = self.by_direction.get(&d.direction).map_or(0, Vec::len);
        if offered == 0 {
            Phrase::new("why-no-management-platform").named(
                "direction",
                &format!("sysdir-{}", d.direction),
                &d.direction,
            )
        } else {
            Phrase::new("why-management-platforms-excluded")
                .num("offered", offered)
                .named(
                    "direction",
                    &format!("sysdir-{}", d.direction),
                    &d.direction,
                )
        }
    }

    fn pair(&self, di: usize, p: u32) -> ProposedPair {
        let d = &self.demands[di];
        let (_, l) = self.suppliers[p as usize];
        self.proposed(d, l, self.evaluate(d, l))
    }

    fn demand_id(&self, di: usize) -> String {
        let d = &self.demands[di];
        format!("{}/{}", self.id(d.school), d.direction)
    }

    fn demand_label(&self, di: usize) -> (String, String) {
        let d = &self.demands[di];
        (self.id(d.school), d.direction.clone())
    }

    fn supplier_id(&self, p: u32) -> String {
        self.snap.platforms[self.suppliers[p as usize].0].id.clone()
    }

    fn supplier_mentor(&self, p: u32) -> String {
        self.id(self.suppliers[p as usize].1)
    }

    fn unmatched(&self, di: usize, reason: UnmatchedReason) -> Vec<Unmatched> {
        let d = &self.demands[di];
        vec![Unmatched {
            mentee_id: self.id(d.school),
            subject: d.direction.clone(),
            level: None,
            reason,
            municipality_id: self.snap.schools[d.school as usize].municipality_id.clone(),
            school_id: self.id(d.school),
        }]
    }

    fn held_count(&self) -> u64 {
        self.held.len() as u64
    }

    fn held(&self) -> Vec<ProposedPair> {
        self.held
            .iter()
            .map(|(d, mi)| {
                let m = &self.snap.mentorships[*mi];
                let l = self
                    .school_index
                    .get(&m.mentor_key())
                    .copied()
                    .unwrap_or(d.school);
                let mut p = self.proposed(d, l, None);
                p.mode = m.mode;
                p.score = m.score;
                p.terms = vec![label(Phrase::new("term-locked"))];
                p.locked = true;
                p
            })
            .collect()
    }

    fn coverage(&self, covered: &[bool]) -> Coverage {
        let mut by_direction: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut by_status: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let all = self
            .demands
            .iter()
            .zip(covered.iter().copied())
            .chain(self.held.iter().map(|(d, _)| (d, true)));
        for (d, covered) in all {
            for (map, key) in [
                (&mut by_direction, d.direction.clone()),
                (
                    &mut by_status,
                    self.snap.schools[d.school as usize]
                        .status
                        .code()
                        .to_string(),
                ),
            ] {
                let e = map.entry(key).or_default();
                e.0 += 1;
                e.1 += u64::from(covered);
            }
        }
        Coverage {
            by_level: coverage_rows(by_status),
            by_subject: coverage_rows(by_direction),
        }
    }

    fn diff(&self, pairs: &[ProposedPair]) -> Diff {
        let by_demand: HashMap<(String, String), usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.mentee_id.clone(), p.subject.clone()), i))
            .collect();
        let sysdir = |code: &str| (format!("sysdir-{code}"), code.to_string());
        diff_against(
            self.snap,
            MatchKind::ManagementPlatforms,
            pairs,
            |p| (p.mentee_id.clone(), p.subject.clone(), p.mentor_id.clone()),
            |m| m.pair_key(),
            |m| {
                let (key, code) = sysdir(&m.subject);
                match by_demand.get(&(m.mentee_id.clone(), m.subject.clone())) {
                    Some(i) => Phrase::new("end-replaced-management-platform")
                        .text("school", &m.mentee_id)
                        .named("direction", &key, &code)
                        .text("leader", &pairs[*i].mentor_id)
                        .num("score", pairs[*i].score),
                    None if self
                        .vetoed
                        .contains(&(m.mentee_id.clone(), m.mentor_id.clone())) =>
                    {
                        Phrase::new("end-partnership-vetoed")
                    }
                    None => Phrase::new("end-management-difficulty-gone")
                        .text("school", &m.mentee_id)
                        .named("direction", &key, &code)
                        .text("leader", &m.mentor_id),
                }
            },
        )
    }
}

/// Runs management-platform matching on a snapshot.
pub fn match_management_platforms(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let started = Instant::now();
    pipeline::run(
        started,
        &Platforms::new(snap, weights, policy),
        policy,
        options,
    )
}
