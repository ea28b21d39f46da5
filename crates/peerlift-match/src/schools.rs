//! School partnerships (PAIRS mode): each low-result or at-risk school with one leader school.
//!
//! A school's needs are the subjects its teachers are deficient in (share of its A/B
//! deficits per subject) and its risk profile; a leader's strengths are the share of its
//! diagnosed teachers at level D per subject and a low-risk profile of its own. The fit of a
//! pair is the share of the school's deficits that fall in subjects where the leader is strong.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use peerlift_domain::{
    Coverage, Level, MatchKind, Mode, OutbidBy, PartnershipType, Policy, ProblemSize, ProposedPair,
    SchoolStatus, Significance, Term, Unmatched, UnmatchedReason, Weights,
};

use crate::explain::{coverage_rows, diff_against, keep_best, solve_lists};
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pairs::school_distance;
use crate::problem::ExportProblem;

use crate::{MatchError, MatchOutcome};

/// Seed 003's rule: partners in one locality share a territory, pupils and resources:
/// IDENTICAL (a common goal, shared resources; Otradnoe No3 with Otradnoe No2). Partners in
/// different localities exchange resources while each solves its own tasks: INSTRUMENTAL.
pub fn partnership_type(snap: &Snapshot, a: u32, b: u32) -> (PartnershipType, String) {
    let (sa, sb) = (&snap.schools[a as usize], &snap.schools[b as usize]);
    if !sa.locality.is_empty() && sa.locality == sb.locality {
        (
            PartnershipType::Identical,
            format!(
                "identical: both in {}: a common territory, a common goal and shared resources",
                sa.locality
            ),
        )
    } else {
        let km = school_distance(snap, a, b);
        (
            PartnershipType::Instrumental,
            format!(
                "instrumental: {} and {} are different localities ({} apart): an exchange of resources, each school solving its own tasks",
                sa.locality,
                sb.locality,
                km.map(|k| format!("{k:.0} km")).unwrap_or_else(|| "distance unknown".into())
            ),
        )
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

/// Runs school-partnership matching on a snapshot.
pub fn match_school_partnerships(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
) -> Result<MatchOutcome, MatchError> {
    let mut timings = Vec::new();
    let t0 = Instant::now();
    let g = CompetenceGraph::build(snap);
    timings.push(("snapshot".to_string(), t0.elapsed()));

    let t1 = Instant::now();
    let nsub = g.subjects.len();
    let SubjectCounts {
        deficits,
        strong,
        diagnosed,
    } = subject_counts(snap, &g);

    let vetoed: HashSet<(String, String)> = snap
        .vetoes
        .iter()
        .filter(|v| v.kind == MatchKind::SchoolPartnerships)
        .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
        .collect();
    let preferred: HashSet<(String, String)> = policy.preferences.iter().cloned().collect();
    let mut existing: HashSet<(u32, u32)> = HashSet::new();
    let mut locked: HashMap<u32, usize> = HashMap::new();
    let mut locked_load: HashMap<u32, u32> = HashMap::new();
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
        if m.locked {
            locked.insert(a, mi);
            *locked_load.entry(b).or_default() += 1;
        }
    }

    let mut demands: Vec<u32> = Vec::new();
    let mut locked_schools: Vec<(u32, usize)> = Vec::new();
    for (i, s) in snap.schools.iter().enumerate() {
        if matches!(s.status, SchoolStatus::LowResults | SchoolStatus::AtRisk) {
            match locked.get(&(i as u32)) {
                Some(mi) => locked_schools.push((i as u32, *mi)),
                None => demands.push(i as u32),
            }
        }
    }
    let mut suppliers: Vec<u32> = Vec::new();
    let mut capacities = Vec::new();
    let mut supplier_of: HashMap<u32, u32> = HashMap::new();
    for (i, s) in snap.schools.iter().enumerate() {
        if s.status != SchoolStatus::Leader {
            continue;
        }
        let cap = s
            .partner_capacity
            .unwrap_or(policy.default_partner_capacity)
            .saturating_sub(locked_load.get(&(i as u32)).copied().unwrap_or(0));
        if cap > 0 {
            supplier_of.insert(i as u32, suppliers.len() as u32);
            suppliers.push(i as u32);
            capacities.push(cap);
        }
    }

    struct Cand {
        leader: u32,
        mode: Mode,
        score: i64,
        terms: Vec<Term>,
    }
    let mut candidates: Vec<Vec<Cand>> = Vec::with_capacity(demands.len());
    let mut no_candidate: Vec<Option<String>> = vec![None; demands.len()];
    let mut pruned = 0u64;
    for (di, &d) in demands.iter().enumerate() {
        let school = &snap.schools[d as usize];
        let total_def: u32 = deficits[d as usize].iter().sum();
        let risk: i64 = school
            .risk_profile
            .0
            .iter()
            .map(|s| significance_points(*s))
            .sum();
        let mut list = Vec::new();
        let mut reasons: BTreeMap<&'static str, u32> = BTreeMap::new();
        for &l in &suppliers {
            if l == d {
                continue;
            }
            let leader = &snap.schools[l as usize];
            if vetoed.contains(&(school.id.clone(), leader.id.clone())) {
                *reasons.entry("vetoed").or_default() += 1;
                continue;
            }
            let km = school_distance(snap, d, l);
            // Across municipalities (a region's run) partnerships are online only.
            let in_person = school.municipality_id == leader.municipality_id
                && km.is_some_and(|k| k <= f64::from(policy.travel_limit_km));
            if !in_person && !policy.allow_online {
                *reasons
                    .entry("too far for in-person work and online not allowed")
                    .or_default() += 1;
                continue;
            }
            let mut terms = Vec::new();
            let (status_name, status_points) = match school.status {
                SchoolStatus::LowResults => ("low results", weights.school_low_results),
                _ => ("at risk", weights.school_at_risk),
            };
            terms.push(Term {
                name: format!("status ({status_name})"),
                points: status_points,
            });
            if risk > 0 {
                terms.push(Term {
                    name: "risk profile".into(),
                    points: risk * weights.school_risk,
                });
            }
            // Fit: the share of the school's deficits in subjects where the leader is strong.
            let fit: f64 = if total_def == 0 {
                0.0
            } else {
                (0..nsub)
                    .filter(|&sj| diagnosed[l as usize][sj] > 0)
                    .map(|sj| {
                        let need = f64::from(deficits[d as usize][sj]) / f64::from(total_def);
                        let strength = f64::from(strong[l as usize][sj])
                            / f64::from(diagnosed[l as usize][sj]);
                        need * strength
                    })
                    .sum()
            };
            let fit_points = (fit * weights.school_fit as f64).round() as i64;
            if fit_points != 0 {
                terms.push(Term {
                    name: "fit of strengths to needs".into(),
                    points: fit_points,
                });
            }
            let leader_risk: i64 = leader
                .risk_profile
                .0
                .iter()
                .map(|s| significance_points(*s))
                .sum();
            if leader_risk > 0 {
                terms.push(Term {
                    name: "leader's own risks".into(),
                    points: -leader_risk * weights.school_risk,
                });
            }
            if existing.contains(&(d, l)) {
                terms.push(Term {
                    name: "continuity".into(),
                    points: weights.continuity,
                });
            }
            if preferred.contains(&(school.id.clone(), leader.id.clone())) {
                terms.push(Term {
                    name: "preference".into(),
                    points: weights.preference,
                });
            }
            let travel = km
                .map(|k| (k * weights.travel_per_km as f64).round() as i64)
                .unwrap_or(0);
            // In person whenever the travel limit allows; online otherwise.
            let mode = if in_person {
                terms.push(Term {
                    name: format!("travel ({:.1} km)", km.unwrap_or(0.0)),
                    points: -travel,
                });
                Mode::InPerson
            } else {
                terms.push(Term {
                    name: "online".into(),
                    points: -weights.online_penalty,
                });
                Mode::Online
            };
            terms.retain(|t| t.points != 0 || t.name.starts_with("status"));
            let score = terms.iter().map(|t| t.points).sum();
            list.push(Cand {
                leader: l,
                mode,
                score,
                terms,
            });
        }
        if list.is_empty() {
            let why = if reasons.is_empty() {
                "no leader school with free capacity in scope".to_string()
            } else {
                let parts: Vec<String> = reasons.iter().map(|(k, n)| format!("{n} {k}")).collect();
                format!("leader schools were excluded: {}", parts.join(", "))
            };
            no_candidate[di] = Some(why);
        }
        pruned += keep_best(&mut list, policy.max_candidates, |c| (c.score, c.leader));
        candidates.push(list);
    }
    timings.push(("candidates".to_string(), t1.elapsed()));

    let t2 = Instant::now();
    let (problem, solution, arc_candidate) = solve_lists(
        &candidates,
        capacities,
        |c| supplier_of[&c.leader],
        |_, c| c.score,
    )?;
    timings.push(("solve".to_string(), t2.elapsed()));

    let t3 = Instant::now();
    let id = |s: u32| snap.schools[s as usize].id.clone();
    let mut pairs = Vec::new();
    for (s, mi) in &locked_schools {
        let m = &snap.mentorships[*mi];
        let leader = g.school_index.get(&m.mentor_key()).copied().unwrap_or(*s);
        let (ty, why) = partnership_type(snap, *s, leader);
        pairs.push(ProposedPair {
            municipality_id: m.municipality_id.clone(),
            mentee_id: id(*s),
            mentee_school_id: id(*s),
            subject: String::new(),
            level: None,
            mentor_id: m.mentor_id.clone(),
            mentor_school_id: m.mentor_id.clone(),
            mode: m.mode,
            score: m.score,
            terms: vec![Term {
                name: "locked".into(),
                points: 0,
            }],
            locked: true,
            partnership_type: Some(m.partnership_type.unwrap_or(ty)),
            type_reason: why,
            members: Vec::new(),
            cohesion_pct: None,
        });
    }
    let mut taken: HashMap<u32, Vec<(u32, i64)>> = HashMap::new();
    for (di, a) in solution.assignment.iter().enumerate() {
        if let Some(ai) = a {
            let c = &candidates[di][arc_candidate[*ai]];
            taken
                .entry(c.leader)
                .or_default()
                .push((demands[di], c.score));
        }
    }
    let mut unmatched = Vec::new();
    for (di, &d) in demands.iter().enumerate() {
        match solution.assignment[di] {
            Some(ai) => {
                let c = &candidates[di][arc_candidate[ai]];
                let (ty, why) = partnership_type(snap, d, c.leader);
                pairs.push(ProposedPair {
                    municipality_id: snap.schools[d as usize].municipality_id.clone(),
                    mentee_id: id(d),
                    mentee_school_id: id(d),
                    subject: String::new(),
                    level: None,
                    mentor_id: id(c.leader),
                    mentor_school_id: id(c.leader),
                    mode: c.mode,
                    score: c.score,
                    terms: c.terms.clone(),
                    locked: false,
                    partnership_type: Some(ty),
                    type_reason: why,
                    members: Vec::new(),
                    cohesion_pct: None,
                });
            }
            None => unmatched.push(Unmatched {
                mentee_id: id(d),
                subject: String::new(),
                level: None,
                reason: match &no_candidate[di] {
                    Some(w) => UnmatchedReason::NoCandidate(w.clone()),
                    None => UnmatchedReason::Outbid(
                        candidates[di]
                            .iter()
                            .take(3)
                            .map(|c| OutbidBy {
                                mentor_id: id(c.leader),
                                score: c.score,
                                taken_by: taken
                                    .get(&c.leader)
                                    .map(|v| {
                                        v.iter()
                                            .map(|(s, sc)| (id(*s), String::new(), *sc))
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                            })
                            .collect(),
                    ),
                },
            }),
        }
    }
    pairs.sort_by(|a, b| a.mentee_id.cmp(&b.mentee_id));

    let mut by_status: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (di, &d) in demands.iter().enumerate() {
        let e = by_status
            .entry(snap.schools[d as usize].status.code().to_string())
            .or_default();
        e.0 += 1;
        e.1 += u64::from(solution.assignment[di].is_some());
    }
    for (s, _) in &locked_schools {
        let e = by_status
            .entry(snap.schools[*s as usize].status.code().to_string())
            .or_default();
        e.0 += 1;
        e.1 += 1;
    }
    let coverage = Coverage {
        by_level: coverage_rows(by_status),
        by_subject: Vec::new(),
    };

    // Diff against active partnerships.
    let by_mentee: HashMap<String, usize> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.mentee_id.clone(), i))
        .collect();
    let diff = diff_against(
        snap,
        MatchKind::SchoolPartnerships,
        &pairs,
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
                        format!(
                            "{} left the low-result list (now {})",
                            sa.id,
                            sa.status.code()
                        )
                    } else if sb.status != SchoolStatus::Leader {
                        format!(
                            "{} is no longer a leader school (now {})",
                            sb.id,
                            sb.status.code()
                        )
                    } else if vetoed.contains(&(sa.id.clone(), sb.id.clone())) {
                        "the partnership was vetoed".into()
                    } else if let Some(i) = by_mentee.get(&sa.id) {
                        format!(
                            "replaced: {} now partners {} (score {})",
                            sa.id, pairs[*i].mentor_id, pairs[*i].score
                        )
                    } else {
                        format!(
                            "outbid: {}'s capacity went to schools that score more",
                            sb.id
                        )
                    }
                }
                _ => "a school of the partnership is no longer in the registry".into(),
            }
        },
    );

    let export = ExportProblem::new(
        MatchKind::SchoolPartnerships,
        demands.iter().map(|d| id(*d)).collect(),
        suppliers.iter().map(|s| id(*s)).collect(),
        &problem,
        &solution,
    );
    timings.push(("explain".to_string(), t3.elapsed()));
    Ok(MatchOutcome {
        kind: MatchKind::SchoolPartnerships,
        size: ProblemSize {
            demands: demands.len() as u64,
            suppliers: suppliers.len() as u64,
            arcs: problem.arc_count() as u64,
            pruned_arcs: pruned,
            locked: locked_schools.len() as u64,
        },
        objective: pairs.iter().filter(|p| !p.locked).map(|p| p.score).sum(),
        coverage,
        pairs,
        unmatched,
        diff,
        export,
        timings,
        settled: solution.stats.demand_bids,
    })
}
