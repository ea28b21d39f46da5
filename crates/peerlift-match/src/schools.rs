//! School partnerships (PAIRS mode): each low-result or at-risk school with one leader school.
//!
//! A school's needs are the subjects its teachers are deficient in (share of its A/B
//! deficits per subject) and its risk profile; a leader's strengths are the share of its
//! diagnosed teachers at level D per subject and a low-risk profile of its own. The fit of a
//! pair is the share of the school's deficits that fall in subjects where the leader is strong.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use peerlift_domain::{
    Coverage, Diff, Level, MatchKind, Mode, Origin, PartnershipType, Phrase, Policy, ProposedPair,
    SchoolStatus, Significance, Term, Unmatched, UnmatchedReason, Weights,
};

use crate::explain::{counted, coverage_rows, diff_against, label, Terms};
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pairs::school_distance;
use crate::pipeline::{self, Kind, RunOptions};

use crate::{MatchError, MatchOutcome};

/// Seed 003's rule: partners in one locality share a territory, pupils and resources:
/// IDENTICAL (a common goal, shared resources; Otradnoe No3 with Otradnoe No2). Partners in
/// different localities exchange resources while each solves its own tasks: INSTRUMENTAL.
pub fn partnership_type(snap: &Snapshot, a: u32, b: u32) -> (PartnershipType, Phrase) {
    let (sa, sb) = (&snap.schools[a as usize], &snap.schools[b as usize]);
    if !sa.locality.is_empty() && sa.locality == sb.locality {
        (
            PartnershipType::Identical,
            Phrase::new("type-identical").text("locality", &sa.locality),
        )
    } else {
        let why = match school_distance(snap, a, b) {
            Some(km) => Phrase::new("type-instrumental").num("km", km.round() as i64),
            None => Phrase::new("type-instrumental-unknown-distance"),
        };
        (
            PartnershipType::Instrumental,
            why.text("a", &sa.locality).text("b", &sb.locality),
        )
    }
}

/// Why a partnership is held without being solved for: locked by the office, a peer
/// partnership the office made, or one whose school left the low-result list (kept; the office
/// decides whether to end it). And whether it counts as locked.
pub(crate) fn is_in_need(s: SchoolStatus) -> bool {
    matches!(s, SchoolStatus::LowResults | SchoolStatus::AtRisk)
}

/// In need once (by its status history), not now: it left the low-result list.
pub(crate) fn left_list(s: &peerlift_domain::School) -> bool {
    !is_in_need(s.status) && s.status_history.iter().any(|c| is_in_need(c.status))
}

pub(crate) fn held_term(
    snap: &Snapshot,
    m: &peerlift_domain::Mentorship,
    school: u32,
    partner: u32,
) -> (Phrase, bool) {
    let s = &snap.schools[school as usize];
    if m.locked {
        (Phrase::new("term-locked"), true)
    } else if left_list(s) {
        let status = s.status.code();
        (
            Phrase::new("term-kept-left-list").named(
                "status",
                &format!("status-{}", status.replace('_', "-")),
                status,
            ),
            false,
        )
    } else if snap.schools[partner as usize].status != SchoolStatus::Leader {
        let partner = &snap.schools[partner as usize];
        (
            Phrase::new("term-kept-peer").text("partner", &partner.id),
            false,
        )
    } else {
        (Phrase::new("term-kept-office"), false)
    }
}

/// The type the office set, and its goal when it gave one.
fn office_type_reason(m: &peerlift_domain::Mentorship) -> Phrase {
    if m.charter.goal.is_empty() {
        Phrase::new("type-by-office")
    } else {
        Phrase::new("type-by-office-goal").text("goal", &m.charter.goal)
    }
}

pub(crate) fn significance_points(s: Significance) -> i64 {
    match s {
        Significance::None => 0,
        Significance::Low => 1,
        Significance::Medium => 2,
        Significance::High => 3,
    }
}

/// Per school and subject: teachers with an A/B deficit, teachers at D, teachers diagnosed
/// (active teachers, latest diagnostics).
pub(crate) struct SubjectCounts {
    pub deficits: Vec<Vec<u32>>,
    pub strong: Vec<Vec<u32>>,
    pub diagnosed: Vec<Vec<u32>>,
}

pub(crate) fn subject_counts(snap: &Snapshot, g: &CompetenceGraph) -> SubjectCounts {
    let ns = snap.schools.len();
    let nsub = g.subjects.len();
    // Per school: A/B deficit counts, D counts and diagnosed counts per subject.
    let mut deficits = vec![vec![0u32; nsub]; ns];
    let mut strong = vec![vec![0u32; nsub]; ns];
    let mut diagnosed = vec![vec![0u32; nsub]; ns];
    let mut keys: Vec<&(u32, u32)> = g.latest.keys().collect();
    keys.sort_unstable();
    for k in keys {
        let (t, sj) = *k;
        let (level, _) = g.latest[k];
        if !snap.teachers[t as usize].active {
            continue;
        }
        let Some(s) = g.teacher_school[t as usize] else {
            continue;
        };
        let (s, sj) = (s as usize, sj as usize);
        diagnosed[s][sj] += 1;
        match level {
            Level::A | Level::B => deficits[s][sj] += 1,
            Level::D => strong[s][sj] += 1,
            Level::C => {}
        }
    }
    SubjectCounts {
        deficits,
        strong,
        diagnosed,
    }
}

/// The score of a school in need with a leader, as numbers (terms are named only for the
/// pairs shown).
#[derive(Debug, Clone, Copy)]
struct Score {
    low_results: bool,
    status: i64,
    risk: i64,
    fit: i64,
    leader_risk: i64,
    continuity: i64,
    preference: i64,
    /// (km, points) in person; None online.
    travel: Option<(f64, i64)>,
    online: i64,
}

impl Score {
    fn sum(&self) -> i64 {
        self.status
            + self.risk
            + self.fit
            + self.leader_risk
            + self.continuity
            + self.preference
            + self.travel.map_or(0, |x| x.1)
            + self.online
    }

    fn mode(&self) -> Mode {
        if self.travel.is_some() {
            Mode::InPerson
        } else {
            Mode::Online
        }
    }

    fn terms(&self) -> Vec<Term> {
        // The status term stays even at 0 points: it says what kind of school in need it is.
        let mut out = vec![Term {
            name: Phrase::new(if self.low_results {
                "term-status-low-results"
            } else {
                "term-status-at-risk"
            }),
            points: self.status,
        }];
        out.extend(
            Terms::default()
                .add("term-risk", self.risk)
                .add("term-fit", self.fit)
                .add("term-leader-risk", self.leader_risk)
                .add("term-continuity", self.continuity)
                .add("term-preference", self.preference)
                .mode(self.travel, self.online)
                .done(),
        );
        out
    }
}

/// How two schools can work together: in person (with the distance) inside one municipality
/// and the travel limit, online otherwise when the policy allows it; None when neither. A
/// region's run thus pairs schools of different municipalities online only.
pub(crate) fn school_reach(
    snap: &Snapshot,
    policy: &Policy,
    a: u32,
    b: u32,
) -> Option<Option<f64>> {
    let (sa, sb) = (&snap.schools[a as usize], &snap.schools[b as usize]);
    let km = school_distance(snap, a, b).filter(|k| {
        sa.municipality_id == sb.municipality_id && *k <= f64::from(policy.travel_limit_km)
    });
    match km {
        Some(k) => Some(Some(k)),
        None if policy.allow_online => Some(None),
        None => None,
    }
}

/// School partnerships as a kind of the pipeline: a demand is a school in need, a supplier a
/// leader school with partner places left.
struct Schools<'a> {
    snap: &'a Snapshot,
    g: &'a CompetenceGraph,
    weights: &'a Weights,
    policy: &'a Policy,
    counts: SubjectCounts,
    vetoed: HashSet<(String, String)>,
    preferred: HashSet<(String, String)>,
    existing: HashSet<(u32, u32)>,
    demands: Vec<u32>,
    held: Vec<(u32, usize)>,
    suppliers: Vec<u32>,
    capacities: Vec<u32>,
}

impl<'a> Schools<'a> {
    fn new(
        snap: &'a Snapshot,
        g: &'a CompetenceGraph,
        weights: &'a Weights,
        policy: &'a Policy,
    ) -> Schools<'a> {
        let counts = subject_counts(snap, g);
        let vetoed = snap
            .vetoes
            .iter()
            .filter(|v| v.kind == MatchKind::SchoolPartnerships)
            .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
            .collect();
        let preferred = policy.preferences.iter().cloned().collect();
        let mut existing = HashSet::new();
        let mut locked: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut locked_load: HashMap<u32, u32> = HashMap::new();
        // Partnerships the office keeps although the matcher would not propose them: a peer
        // partnership (the partner is not a leader: the office made it, seed 003's identical
        // pair), and one whose school left the low-result list (networks go on; the run says
        // so, the office decides). They are held like locked ones.
        let mut kept: Vec<(u32, usize)> = Vec::new();
        for (mi, m) in snap.mentorships.iter().enumerate() {
            if !m.is_active() || m.kind != MatchKind::SchoolPartnerships {
                continue;
            }
            let key = |id: &str| (m.municipality_id.clone(), id.to_string());
            let (Some(&a), Some(&b)) = (
                g.school_index.get(&key(&m.mentee_id)),
                g.school_index.get(&m.mentor_key()),
            ) else {
                continue;
            };
            existing.insert((a, b));
            let school = &snap.schools[a as usize];
            let in_need = is_in_need(school.status);
            // Left the list: in need once, not now.
            let left_list = left_list(school);
            // The office's own: made by hand or typed by the office, with a partner that is
            // not a leader (a run's partner that lost its leader status is not one).
            let office = m.charter.type_by_office || matches!(m.origin, Origin::Manual(_));
            let peer = office && snap.schools[b as usize].status != SchoolStatus::Leader;
            // The office may have asked for an end when a school leaves the list.
            let end_left = left_list && !m.locked && policy.end_when_left_list;
            if !end_left && (m.held_by_office() || left_list || peer || (!in_need && office)) {
                if in_need {
                    locked.entry(a).or_default().push(mi);
                } else {
                    kept.push((a, mi));
                }
                *locked_load.entry(b).or_default() += 1;
            }
        }
        let mut demands = Vec::new();
        let mut held = kept;
        for (i, s) in snap.schools.iter().enumerate() {
            if matches!(s.status, SchoolStatus::LowResults | SchoolStatus::AtRisk) {
                // A school with a partnership the office keeps is not a demand: its partner
                // is the office's choice.
                match locked.get(&(i as u32)) {
                    Some(list) => held.extend(list.iter().map(|mi| (i as u32, *mi))),
                    None => demands.push(i as u32),
                }
            }
        }
        held.sort_unstable();
        let mut suppliers = Vec::new();
        let mut capacities = Vec::new();
        for (i, s) in snap.schools.iter().enumerate() {
            if s.status != SchoolStatus::Leader {
                continue;
            }
            let cap = s
                .partner_capacity
                .unwrap_or(policy.default_partner_capacity)
                .saturating_sub(locked_load.get(&(i as u32)).copied().unwrap_or(0));
            if cap > 0 {
                suppliers.push(i as u32);
                capacities.push(cap);
            }
        }
        Schools {
            snap,
            g,
            weights,
            policy,
            counts,
            vetoed,
            preferred,
            existing,
            demands,
            held,
            suppliers,
            capacities,
        }
    }

    /// The hard rules and the score of school `d` with leader `l`; Err names the rule.
    fn evaluate(&self, d: u32, l: u32) -> Result<Score, &'static str> {
        let (snap, weights, policy) = (self.snap, self.weights, self.policy);
        let school = &snap.schools[d as usize];
        let leader = &snap.schools[l as usize];
        if l == d {
            return Err("rule-school-itself");
        }
        if !self.vetoed.is_empty()
            && self
                .vetoed
                .contains(&(school.id.clone(), leader.id.clone()))
        {
            return Err("rule-vetoed");
        }
        let km = school_reach(snap, policy, d, l).ok_or("rule-too-far-school")?;
        let in_person = km.is_some();
        let low_results = school.status == SchoolStatus::LowResults;
        let risk: i64 = school
            .risk_profile
            .0
            .iter()
            .map(|s| significance_points(*s))
            .sum();
        // Fit: the share of the school's deficits in subjects where the leader is strong.
        let c = &self.counts;
        let total_def: u32 = c.deficits[d as usize].iter().sum();
        let fit: f64 = if total_def == 0 {
            0.0
        } else {
            (0..self.g.subjects.len())
                .filter(|&sj| c.diagnosed[l as usize][sj] > 0)
                .map(|sj| {
                    let need = f64::from(c.deficits[d as usize][sj]) / f64::from(total_def);
                    let strength = f64::from(c.strong[l as usize][sj])
                        / f64::from(c.diagnosed[l as usize][sj]);
                    need * strength
                })
                .sum()
        };
        let leader_risk: i64 = leader
            .risk_profile
            .0
            .iter()
            .map(|s| significance_points(*s))
            .sum();
        // In person whenever the travel limit allows; online otherwise.
        let travel = km.map(|k| (k, -((k * weights.travel_per_km as f64).round() as i64)));
        Ok(Score {
            low_results,
            status: if low_results {
                weights.school_low_results
            } else {
                weights.school_at_risk
            },
            risk: risk * weights.school_risk,
            fit: (fit * weights.school_fit as f64).round() as i64,
            leader_risk: -leader_risk * weights.school_risk,
            continuity: if self.existing.contains(&(d, l)) {
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
            travel,
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
}

impl Kind for Schools<'_> {
    fn kind(&self) -> MatchKind {
        MatchKind::SchoolPartnerships
    }

    fn demand_count(&self) -> usize {
        self.demands.len()
    }

    fn capacities(&self) -> Vec<u32> {
        self.capacities.clone()
    }

    fn arcs(&self, di: usize, out: &mut Vec<(u32, i64)>) {
        let d = self.demands[di];
        for (s, &l) in self.suppliers.iter().enumerate() {
            if let Ok(x) = self.evaluate(d, l) {
                out.push((s as u32, x.sum()));
            }
        }
    }

    fn no_candidate(&self, di: usize) -> Phrase {
        let d = self.demands[di];
        let mut reasons: BTreeMap<&'static str, u32> = BTreeMap::new();
        for &l in &self.suppliers {
            if l == d {
                continue;
            }
            if let Err(why) = self.evaluate(d, l) {
                *reasons.entry(why).or_default() += 1;
            }
        }
        if reasons.is_empty() {
            Phrase::new("why-no-leader")
        } else {
            let reasons: Vec<(&str, u32)> = reasons.into_iter().collect();
            Phrase::new("why-leaders-excluded").counts("parts", counted(&reasons))
        }
    }

    fn pair(&self, di: usize, s: u32) -> ProposedPair {
        let d = self.demands[di];
        let l = self.suppliers[s as usize];
        let (ty, why) = partnership_type(self.snap, d, l);
        let score = self.evaluate(d, l);
        ProposedPair {
            municipality_id: self.snap.schools[d as usize].municipality_id.clone(),
            mentee_id: self.id(d),
            mentee_school_id: self.id(d),
            subject: String::new(),
            level: None,
            mentor_id: self.id(l),
            mentor_school_id: self.id(l),
            mode: score.map_or(Mode::Online, |x| x.mode()),
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
        self.id(self.demands[di])
    }

    fn demand_label(&self, di: usize) -> (String, String) {
        (self.id(self.demands[di]), String::new())
    }

    fn supplier_id(&self, s: u32) -> String {
        self.id(self.suppliers[s as usize])
    }

    fn unmatched(&self, di: usize, reason: UnmatchedReason) -> Vec<Unmatched> {
        let d = self.demands[di];
        vec![Unmatched {
            mentee_id: self.id(d),
            subject: String::new(),
            level: None,
            reason,
            municipality_id: self.snap.schools[d as usize].municipality_id.clone(),
            school_id: self.id(d),
        }]
    }

    fn held_count(&self) -> u64 {
        self.held.len() as u64
    }

    fn held(&self) -> Vec<ProposedPair> {
        self.held
            .iter()
            .map(|(s, mi)| {
                let m = &self.snap.mentorships[*mi];
                let leader = self
                    .g
                    .school_index
                    .get(&m.mentor_key())
                    .copied()
                    .unwrap_or(*s);
                let (ty, why) = partnership_type(self.snap, *s, leader);
                let (term, locked) = held_term(self.snap, m, *s, leader);
                ProposedPair {
                    municipality_id: m.municipality_id.clone(),
                    mentee_id: self.id(*s),
                    mentee_school_id: self.id(*s),
                    subject: String::new(),
                    level: None,
                    mentor_id: m.mentor_id.clone(),
                    mentor_school_id: m.mentor_id.clone(),
                    mode: m.mode,
                    score: m.score,
                    terms: vec![label(term)],
                    locked,
                    partnership_type: Some(m.partnership_type.unwrap_or(ty)),
                    type_reason: if m.charter.type_by_office {
                        office_type_reason(m)
                    } else {
                        why
                    },
                    members: Vec::new(),
                    cohesion_pct: None,
                }
            })
            .collect()
    }

    fn sort(&self, pairs: &mut [ProposedPair]) {
        pairs.sort_by(|a, b| a.mentee_id.cmp(&b.mentee_id));
    }

    fn coverage(&self, covered: &[bool]) -> Coverage {
        let mut by_status: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let all = self
            .demands
            .iter()
            .zip(covered.iter().copied())
            .chain(self.held.iter().map(|(s, _)| (s, true)))
            // A school that left the low-result list is not a demand, though its partnership
            // is kept.
            .filter(|(d, _)| {
                matches!(
                    self.snap.schools[**d as usize].status,
                    SchoolStatus::LowResults | SchoolStatus::AtRisk
                )
            });
        for (&d, covered) in all {
            let e = by_status
                .entry(self.snap.schools[d as usize].status.code().to_string())
                .or_default();
            e.0 += 1;
            e.1 += u64::from(covered);
        }
        Coverage {
            by_level: coverage_rows(by_status),
            by_subject: Vec::new(),
        }
    }

    fn diff(&self, pairs: &[ProposedPair]) -> Diff {
        let (snap, g) = (self.snap, self.g);
        let by_mentee: HashMap<String, usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| (p.mentee_id.clone(), i))
            .collect();
        diff_against(
            snap,
            MatchKind::SchoolPartnerships,
            pairs,
            |p| (p.mentee_id.clone(), p.mentor_id.clone()),
            |m| (m.mentee_id.clone(), m.mentor_id.clone()),
            |m| {
                let key = |x: &str| (m.municipality_id.clone(), x.to_string());
                match (
                    g.school_index.get(&key(&m.mentee_id)),
                    g.school_index.get(&m.mentor_key()),
                ) {
                    (Some(a), Some(b)) => {
                        let (sa, sb) = (&snap.schools[*a as usize], &snap.schools[*b as usize]);
                        if !matches!(sa.status, SchoolStatus::LowResults | SchoolStatus::AtRisk) {
                            Phrase::new("end-left-low-results")
                                .text("school", &sa.id)
                                .named(
                                    "status",
                                    &format!("status-{}", sa.status.code().replace('_', "-")),
                                    sa.status.code(),
                                )
                        } else if sb.status != SchoolStatus::Leader {
                            Phrase::new("end-not-leader").text("school", &sb.id).named(
                                "status",
                                &format!("status-{}", sb.status.code().replace('_', "-")),
                                sb.status.code(),
                            )
                        } else if self.vetoed.contains(&(sa.id.clone(), sb.id.clone())) {
                            Phrase::new("end-partnership-vetoed")
                        } else if let Some(i) = by_mentee.get(&sa.id) {
                            Phrase::new("end-replaced-partner")
                                .text("school", &sa.id)
                                .text("leader", &pairs[*i].mentor_id)
                                .num("score", pairs[*i].score)
                        } else {
                            Phrase::new("end-outbid-partner").text("leader", &sb.id)
                        }
                    }
                    _ => Phrase::new("end-school-gone"),
                }
            },
        )
    }
}

/// Runs school-partnership matching on a snapshot.
pub fn match_school_partnerships(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let started = Instant::now();
    let g = CompetenceGraph::build(snap);
    pipeline::run(
        started,
        &Schools::new(snap, &g, weights, policy),
        policy,
        options,
    )
}
