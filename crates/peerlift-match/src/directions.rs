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
    Coverage, MatchKind, Mode, OutbidBy, Policy, ProblemSize, ProposedPair, SchoolStatus, Term,
    Unmatched, UnmatchedReason, Weights,
};

use crate::explain::{coverage_rows, diff_against, keep_best, solve_lists};
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pairs::school_distance;
use crate::problem::ExportProblem;
use crate::schools::{partnership_type, significance_points, subject_counts};

use crate::{MatchError, MatchOutcome};

/// Most deficient teachers one demand's need counts.
const NEED_CAP: u32 = 10;

struct Cand {
    platform: u32,
    mode: Mode,
    score: i64,
    terms: Vec<Term>,
}

/// Runs distributed-network matching on a snapshot.
pub fn match_school_directions(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
) -> Result<MatchOutcome, MatchError> {
    let mut timings = Vec::new();
    let t0 = Instant::now();
    let g = CompetenceGraph::build(snap);
    timings.push(("snapshot".to_string(), t0.elapsed()));

    let t1 = Instant::now();
    let counts = subject_counts(snap, &g);
    let subject = |sj: u32| g.subjects[sj as usize].clone();
    let id = |s: u32| snap.schools[s as usize].id.clone();

    // Active directions: continuity, and locked ones pre-assigned.
    let mut existing: HashSet<(u32, u32, u32)> = HashSet::new();
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
        if m.locked {
            locked.insert((a, sj), mi);
            *locked_load.entry((b, sj)).or_default() += 1;
        }
    }
    let vetoed: HashSet<(String, String)> = snap
        .vetoes
        .iter()
        .filter(|v| v.kind.is_schools())
        .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
        .collect();
    let preferred: HashSet<(String, String)> = policy.preferences.iter().cloned().collect();

    // Demands: (school in need, subject) with A/B teachers, in school then subject order.
    let mut demands: Vec<(u32, u32)> = Vec::new();
    let mut locked_demands: Vec<((u32, u32), usize)> = Vec::new();
    for (s, school) in snap.schools.iter().enumerate() {
        if !matches!(
            school.status,
            SchoolStatus::LowResults | SchoolStatus::AtRisk
        ) {
            continue;
        }
        for (sj, n) in counts.deficits[s].iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let d = (s as u32, sj as u32);
            match locked.get(&d) {
                Some(mi) => locked_demands.push((d, *mi)),
                None => demands.push(d),
            }
        }
    }
    // Platforms: (leader, subject) with capacity left after locked directions.
    let mut platforms: Vec<(u32, u32)> = Vec::new();
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
            let left = cap.saturating_sub(locked_load.get(&(l as u32, sj)).copied().unwrap_or(0));
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

    let mut candidates: Vec<Vec<Cand>> = Vec::with_capacity(demands.len());
    let mut no_candidate: Vec<Option<String>> = vec![None; demands.len()];
    let mut pruned = 0u64;
    for (di, &(s, sj)) in demands.iter().enumerate() {
        let school = &snap.schools[s as usize];
        let risk: i64 = school
            .risk_profile
            .0
            .iter()
            .map(|x| significance_points(*x))
            .sum();
        let need = counts.deficits[s as usize][sj as usize].min(NEED_CAP);
        let mut list = Vec::new();
        let mut excluded = 0u32;
        for &p in by_subject.get(&sj).map(Vec::as_slice).unwrap_or(&[]) {
            let (l, _) = platforms[p as usize];
            let leader = &snap.schools[l as usize];
            if l == s || vetoed.contains(&(school.id.clone(), leader.id.clone())) {
                excluded += 1;
                continue;
            }
            let km = school_distance(snap, s, l);
            // Across municipalities (a region's run) partnerships are online only.
            let in_person = school.municipality_id == leader.municipality_id
                && km.is_some_and(|k| k <= f64::from(policy.travel_limit_km));
            if !in_person && !policy.allow_online {
                excluded += 1;
                continue;
            }
            let diag = counts.diagnosed[l as usize][sj as usize].max(1);
            let strength = f64::from(counts.strong[l as usize][sj as usize]) / f64::from(diag);
            let mut terms = vec![
                Term {
                    name: match school.status {
                        SchoolStatus::LowResults => "status (low results)".into(),
                        _ => "status (at risk)".into(),
                    },
                    points: match school.status {
                        SchoolStatus::LowResults => weights.school_low_results,
                        _ => weights.school_at_risk,
                    },
                },
                Term {
                    name: format!("need ({need} teachers at A/B)"),
                    points: i64::from(need) * weights.direction_need,
                },
                Term {
                    name: format!("leader strength ({:.0}% at D)", strength * 100.0),
                    points: (strength * weights.school_fit as f64).round() as i64,
                },
                Term {
                    name: "risk profile".into(),
                    points: risk * weights.school_risk,
                },
            ];
            if existing.contains(&(s, sj, l)) {
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
            let mode = if in_person {
                let k = km.unwrap_or(0.0);
                terms.push(Term {
                    name: format!("travel ({k:.1} km)"),
                    points: -((k * weights.travel_per_km as f64).round() as i64),
                });
                Mode::InPerson
            } else {
                terms.push(Term {
                    name: "online".into(),
                    points: -weights.online_penalty,
                });
                Mode::Online
            };
            terms.retain(|t| t.points != 0);
            let score = terms.iter().map(|t| t.points).sum();
            list.push(Cand {
                platform: p,
                mode,
                score,
                terms,
            });
        }
        if list.is_empty() {
            no_candidate[di] = Some(if excluded == 0 {
                format!(
                    "no leader offers a {} platform with free places",
                    subject(sj)
                )
            } else {
                format!(
                    "{excluded} {} platforms excluded (vetoed, or too far and online not allowed)",
                    subject(sj)
                )
            });
        }
        pruned += keep_best(&mut list, policy.max_candidates, |c| (c.score, c.platform));
        candidates.push(list);
    }
    timings.push(("candidates".to_string(), t1.elapsed()));

    let t2 = Instant::now();
    let (problem, solution, arc_candidate) =
        solve_lists(&candidates, capacities, |c| c.platform, |_, c| c.score)?;
    timings.push(("solve".to_string(), t2.elapsed()));

    let t3 = Instant::now();
    let mut pairs = Vec::new();
    for ((s, sj), mi) in &locked_demands {
        let m = &snap.mentorships[*mi];
        let leader = g.school_index.get(&m.mentor_key()).copied().unwrap_or(*s);
        let (ty, why) = partnership_type(snap, *s, leader);
        pairs.push(ProposedPair {
            municipality_id: m.municipality_id.clone(),
            mentee_id: id(*s),
            mentee_school_id: id(*s),
            subject: subject(*sj),
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
    let mut taken: HashMap<u32, Vec<(usize, i64)>> = HashMap::new();
    for (di, a) in solution.assignment.iter().enumerate() {
        if let Some(ai) = a {
            let c = &candidates[di][arc_candidate[*ai]];
            taken.entry(c.platform).or_default().push((di, c.score));
        }
    }
    let mut unmatched = Vec::new();
    for (di, &(s, sj)) in demands.iter().enumerate() {
        match solution.assignment[di] {
            Some(ai) => {
                let c = &candidates[di][arc_candidate[ai]];
                let (l, _) = platforms[c.platform as usize];
                let (ty, why) = partnership_type(snap, s, l);
                pairs.push(ProposedPair {
                    municipality_id: snap.schools[s as usize].municipality_id.clone(),
                    mentee_id: id(s),
                    mentee_school_id: id(s),
                    subject: subject(sj),
                    level: None,
                    mentor_id: id(l),
                    mentor_school_id: id(l),
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
                mentee_id: id(s),
                subject: subject(sj),
                level: None,
                reason: match &no_candidate[di] {
                    Some(w) => UnmatchedReason::NoCandidate(w.clone()),
                    None => UnmatchedReason::Outbid(
                        candidates[di]
                            .iter()
                            .take(3)
                            .map(|c| OutbidBy {
                                mentor_id: id(platforms[c.platform as usize].0),
                                score: c.score,
                                taken_by: taken
                                    .get(&c.platform)
                                    .map(|v| {
                                        v.iter()
                                            .map(|(odi, sc)| {
                                                let (os, osj) = demands[*odi];
                                                (id(os), subject(osj), *sc)
                                            })
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
    pairs.sort_by(|a, b| (&a.mentee_id, &a.subject).cmp(&(&b.mentee_id, &b.subject)));

    let mut by_subject_cov: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut by_status: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let all = demands
        .iter()
        .enumerate()
        .map(|(di, d)| (*d, solution.assignment[di].is_some()))
        .chain(locked_demands.iter().map(|(d, _)| (*d, true)));
    for ((s, sj), covered) in all {
        for (map, key) in [
            (&mut by_subject_cov, subject(sj)),
            (
                &mut by_status,
                snap.schools[s as usize].status.code().to_string(),
            ),
        ] {
            let e = map.entry(key).or_default();
            e.0 += 1;
            e.1 += u64::from(covered);
        }
    }
    let coverage = Coverage {
        by_level: coverage_rows(by_status),
        by_subject: coverage_rows(by_subject_cov),
    };

    let by_demand: HashMap<(String, String), usize> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.mentee_id.clone(), p.subject.clone()), i))
        .collect();
    let diff = diff_against(
        snap,
        MatchKind::SchoolDirections,
        &pairs,
        |p| (p.mentee_id.clone(), p.subject.clone(), p.mentor_id.clone()),
        |m| m.pair_key(),
        |m| {
            match by_demand.get(&(m.mentee_id.clone(), m.subject.clone())) {
            Some(i) => format!(
                "replaced: {} in {} now with {} (score {})",
                m.mentee_id, m.subject, pairs[*i].mentor_id, pairs[*i].score
            ),
            None if vetoed.contains(&(m.mentee_id.clone(), m.mentor_id.clone())) => {
                "the partnership was vetoed".into()
            }
            None => format!(
                "no longer a demand or outbid: {} in {} has no A/B teachers left, or {}'s platform went to schools that score more",
                m.mentee_id, m.subject, m.mentor_id
            ),
        }
        },
    );

    let export = ExportProblem::new(
        MatchKind::SchoolDirections,
        demands
            .iter()
            .map(|(s, sj)| format!("{}/{}", id(*s), subject(*sj)))
            .collect(),
        platforms
            .iter()
            .map(|(l, sj)| format!("{}/{}", id(*l), subject(*sj)))
            .collect(),
        &problem,
        &solution,
    );
    timings.push(("explain".to_string(), t3.elapsed()));
    Ok(MatchOutcome {
        kind: MatchKind::SchoolDirections,
        size: ProblemSize {
            demands: demands.len() as u64,
            suppliers: platforms.len() as u64,
            arcs: problem.arc_count() as u64,
            pruned_arcs: pruned,
            locked: locked_demands.len() as u64,
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
