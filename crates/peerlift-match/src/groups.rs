//! Groups: teacher groups (one mentor, mentees of one subject with similar deficits) and school
//! groups (GROUPS mode: a leader school with several schools of similar needs).
//!
//! Two steps. Forming the groups is a heuristic ([`form_groups`]): bounded-size clustering of
//! deficit profiles, deterministic, measured against the best grouping on small instances in
//! the tests and the benchmark. Giving each group its mentor (or leader) is exact: the same
//! b-matching as pairs, with groups as the demands.
//!
//! Teacher groups meet in person inside one locality (members of one subject in the same
//! settlement, the mentor within the travel limit of every member's school) or online (the
//! rest of a subject's mentees across the scope, when the policy allows online work). A
//! mentor's capacity counts groups, or, with `GroupCapacity::Seats`, seats: one group of at
//! most that many members.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use peerlift_domain::{
    Coverage, CoverageRow, Diff, GroupCapacity, Level, MatchKind, Mode, OutbidBy, PartnershipType,
    Policy, ProblemSize, ProposedPair, SchoolStatus, Term, Unmatched, UnmatchedReason, Weights,
};

use crate::explain::{coverage_rows, diff_against, keep_best, solve_lists};
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pairs::{school_distance, Ctx, Demand};
use crate::problem::ExportProblem;
use crate::schools::{significance_points, subject_counts};

use crate::{MatchError, MatchOutcome};

/// Mean absolute difference of two profiles (each coordinate in 0..1), so 0..1.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

/// How alike a group's members are: 1 - the mean pairwise distance (1 for one member).
pub fn cohesion(features: &[Vec<f64>], members: &[usize]) -> f64 {
    let mut sum = 0.0;
    let mut n = 0u32;
    for (i, a) in members.iter().enumerate() {
        for b in &members[i + 1..] {
            sum += distance(&features[*a], &features[*b]);
            n += 1;
        }
    }
    if n == 0 {
        1.0
    } else {
        1.0 - sum / f64::from(n)
    }
}

/// Size-weighted mean cohesion of a grouping: the quality figure groupings are compared by.
pub fn quality(features: &[Vec<f64>], groups: &[Vec<usize>]) -> f64 {
    let total: usize = groups.iter().map(Vec::len).sum();
    if total == 0 {
        return 1.0;
    }
    groups
        .iter()
        .map(|g| cohesion(features, g) * g.len() as f64)
        .sum::<f64>()
        / total as f64
}

/// Groups `features` into groups of `min..=max` members.
///
/// The number of groups is the fewest that respects `max`; sizes are balanced. Seeds are
/// taken in order of profile (most severe first), each gathering its nearest unassigned
/// neighbours; then single swaps between groups are applied while they raise the quality.
/// Items that cannot be placed within the bounds are returned as ungrouped.
pub fn form_groups(features: &[Vec<f64>], min: usize, max: usize) -> (Vec<Vec<usize>>, Vec<usize>) {
    let n = features.len();
    let (min, max) = (min.max(1), max.max(min.max(1)));
    if n < min {
        return (Vec::new(), (0..n).collect());
    }
    let mut k = n.div_ceil(max);
    if n / k < min {
        k = n / min;
    }
    let placed = n.min(k * max);
    let sizes: Vec<usize> = (0..k)
        .map(|i| placed / k + usize::from(i < placed % k))
        .collect();
    let key = |i: usize| -> (i64, i64) {
        let f = &features[i];
        let first = f.first().copied().unwrap_or(0.0);
        let rest: f64 = f.iter().skip(1).sum();
        ((first * 1e6) as i64, (rest * 1e6) as i64)
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (key(i), i));
    let mut taken = vec![false; n];
    let mut groups: Vec<Vec<usize>> = Vec::with_capacity(k);
    for size in sizes {
        let Some(&seed) = order.iter().find(|&&i| !taken[i]) else {
            break;
        };
        let mut near: Vec<(f64, usize)> = (0..n)
            .filter(|&i| !taken[i] && i != seed)
            .map(|i| (distance(&features[seed], &features[i]), i))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut g = vec![seed];
        g.extend(near.iter().take(size - 1).map(|x| x.1));
        for &i in &g {
            taken[i] = true;
        }
        g.sort_unstable();
        groups.push(g);
    }
    // Improve by swapping and moving members between groups while the quality rises. The
    // passes are quadratic in the number of groups, so large pools (an online pool of a whole
    // region) keep the greedy grouping.
    let passes = if groups.len() <= 64 { 4 } else { 0 };
    for _ in 0..passes {
        let mut improved = false;
        for a in 0..groups.len() {
            for b in a + 1..groups.len() {
                for ia in 0..groups[a].len() {
                    for ib in 0..groups[b].len() {
                        let before = cohesion(features, &groups[a]) * groups[a].len() as f64
                            + cohesion(features, &groups[b]) * groups[b].len() as f64;
                        let (x, y) = (groups[a][ia], groups[b][ib]);
                        groups[a][ia] = y;
                        groups[b][ib] = x;
                        let after = cohesion(features, &groups[a]) * groups[a].len() as f64
                            + cohesion(features, &groups[b]) * groups[b].len() as f64;
                        if after > before + 1e-12 {
                            improved = true;
                        } else {
                            groups[a][ia] = x;
                            groups[b][ib] = y;
                        }
                    }
                }
            }
        }
        // Moves: a member to another group, when both stay within the bounds.
        for a in 0..groups.len() {
            for b in 0..groups.len() {
                if a == b {
                    continue;
                }
                let mut ia = 0;
                while ia < groups[a].len() {
                    if groups[a].len() <= min || groups[b].len() >= max {
                        break;
                    }
                    let before = cohesion(features, &groups[a]) * groups[a].len() as f64
                        + cohesion(features, &groups[b]) * groups[b].len() as f64;
                    let x = groups[a].remove(ia);
                    groups[b].push(x);
                    let after = cohesion(features, &groups[a]) * groups[a].len() as f64
                        + cohesion(features, &groups[b]) * groups[b].len() as f64;
                    if after > before + 1e-12 {
                        improved = true;
                    } else {
                        groups[b].pop();
                        groups[a].insert(ia, x);
                        ia += 1;
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    for g in &mut groups {
        g.sort_unstable();
    }
    let ungrouped = (0..n).filter(|&i| !taken[i]).collect();
    (groups, ungrouped)
}

/// The best quality of any grouping of all items into `min..=max` groups (exhaustive; small
/// inputs only). None when no such grouping exists.
pub fn best_quality(features: &[Vec<f64>], min: usize, max: usize) -> Option<f64> {
    fn go(
        i: usize,
        f: &[Vec<f64>],
        groups: &mut Vec<Vec<usize>>,
        min: usize,
        max: usize,
        best: &mut Option<f64>,
    ) {
        if i == f.len() {
            if groups.iter().all(|g| g.len() >= min) {
                let q = quality(f, groups);
                if best.is_none_or(|b| q > b) {
                    *best = Some(q);
                }
            }
            return;
        }
        for gi in 0..groups.len() {
            if groups[gi].len() < max {
                groups[gi].push(i);
                go(i + 1, f, groups, min, max, best);
                groups[gi].pop();
            }
        }
        groups.push(vec![i]);
        go(i + 1, f, groups, min, max, best);
        groups.pop();
    }
    let mut best = None;
    go(0, features, &mut Vec::new(), min, max, &mut best);
    best
}

/// A stable label for a group: its subject and a hash of its sorted members, so the same
/// group gets the same label in every run (continuity and diffs depend on it).
fn group_label(prefix: &str, members: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in members {
        for b in m.as_bytes().iter().chain([0u8].iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("group-{prefix}-{:08x}", h as u32)
}

/// Sums terms by name (a group's breakdown is its members' terms added up).
fn add_terms(into: &mut Vec<Term>, terms: Vec<Term>) {
    for t in terms {
        match into.iter_mut().find(|x| x.name == t.name) {
            Some(x) => x.points += t.points,
            None => into.push(t),
        }
    }
}

fn level_value(l: Level) -> f64 {
    match l {
        Level::A => 0.0,
        Level::B => 0.5,
        Level::C | Level::D => 1.0,
    }
}

struct GroupDemand {
    label: String,
    subject: u32,
    members: Vec<usize>,
    mode: Mode,
    cohesion: f64,
}

struct GroupCand {
    mentor: u32,
    score: i64,
    terms: Vec<Term>,
}

/// Runs teacher-group matching on a snapshot.
pub fn match_teacher_groups(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
) -> Result<MatchOutcome, MatchError> {
    let mut timings = Vec::new();
    let t0 = Instant::now();
    let g = CompetenceGraph::build(snap);
    timings.push(("snapshot".to_string(), t0.elapsed()));

    let t1 = Instant::now();
    let ctx = Ctx::new(snap, &g, weights, policy);
    let teachers = &snap.teachers;
    // Locked groups keep their members and take a place of their mentor's capacity.
    let mut locked_members: HashSet<(u32, u32)> = HashSet::new();
    let mut locked_load: HashMap<u32, u32> = HashMap::new();
    let mut locked_groups = Vec::new();
    for m in snap.mentorships.iter() {
        if !m.is_active() || m.kind != MatchKind::TeacherGroups || !m.locked {
            continue;
        }
        let key = |id: &str| (m.municipality_id.clone(), id.to_string());
        let Some(sj) = g.subject_id(&m.subject) else {
            continue;
        };
        for x in &m.members {
            if let Some(&t) = g.teacher_index.get(&key(x)) {
                locked_members.insert((t, sj));
            }
        }
        if let Some(&mentor) = g.teacher_index.get(&m.mentor_key()) {
            *locked_load.entry(mentor).or_default() += 1;
        }
        locked_groups.push(m);
    }
    let mut demands: Vec<Demand> = Vec::new();
    for (t, teacher) in teachers.iter().enumerate() {
        if !teacher.active {
            continue;
        }
        for (subject, level) in g.deficits(t as u32) {
            if policy.levels.contains(&level) && !locked_members.contains(&(t as u32, subject)) {
                demands.push(Demand {
                    teacher: t as u32,
                    subject,
                    level,
                });
            }
        }
    }
    let nareas = g.areas.len();
    let features: Vec<Vec<f64>> = demands
        .iter()
        .map(|d| {
            let mut f = vec![level_value(d.level)];
            let scores = &g.area_scores[d.teacher as usize];
            for a in 0..nareas {
                let v = scores.get(a).copied().unwrap_or(f32::NAN);
                f.push(if v.is_nan() { 0.5 } else { f64::from(v) });
            }
            f
        })
        .collect();
    // In-person groups meet in one locality of one municipality.
    let locality = |d: &Demand| -> String {
        g.teacher_school[d.teacher as usize]
            .map(|s| {
                let x = &snap.schools[s as usize];
                format!("{}/{}", x.municipality_id, x.locality)
            })
            .unwrap_or_default()
    };
    let (min, max) = (
        policy.group_min_size as usize,
        policy.group_max_size as usize,
    );

    // Form groups: per subject, in person per locality, then the rest online.
    let mut by_subject: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, d) in demands.iter().enumerate() {
        by_subject.entry(d.subject).or_default().push(i);
    }
    let mut groups: Vec<GroupDemand> = Vec::new();
    let mut ungrouped: Vec<usize> = Vec::new();
    for (sj, items) in &by_subject {
        let mut by_place: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in items {
            by_place.entry(locality(&demands[i])).or_default().push(i);
        }
        let mut rest = Vec::new();
        for (_, place) in by_place {
            let f: Vec<Vec<f64>> = place.iter().map(|&i| features[i].clone()).collect();
            let (gs, left) = form_groups(&f, min, max);
            for grp in gs {
                let members: Vec<usize> = grp.iter().map(|&x| place[x]).collect();
                groups.push(GroupDemand {
                    label: String::new(),
                    subject: *sj,
                    cohesion: cohesion(&features, &members),
                    members,
                    mode: Mode::InPerson,
                });
            }
            rest.extend(left.iter().map(|&x| place[x]));
        }
        if policy.allow_online {
            // Mentees who don't accept online work stay out of online groups.
            let (rest, refuse): (Vec<usize>, Vec<usize>) = rest
                .into_iter()
                .partition(|&i| teachers[demands[i].teacher as usize].accepts_online);
            ungrouped.extend(refuse);
            let f: Vec<Vec<f64>> = rest.iter().map(|&i| features[i].clone()).collect();
            let (gs, left) = form_groups(&f, min, max);
            for grp in gs {
                let members: Vec<usize> = grp.iter().map(|&x| rest[x]).collect();
                groups.push(GroupDemand {
                    label: String::new(),
                    subject: *sj,
                    cohesion: cohesion(&features, &members),
                    members,
                    mode: Mode::Online,
                });
            }
            ungrouped.extend(left.iter().map(|&x| rest[x]));
        } else {
            ungrouped.extend(rest);
        }
    }
    for grp in &mut groups {
        let mut ids: Vec<String> = grp
            .members
            .iter()
            .map(|&i| teachers[demands[i].teacher as usize].id.clone())
            .collect();
        ids.sort();
        grp.label = group_label(&g.subjects[grp.subject as usize], &ids);
    }

    // Mentors: capacity in groups, or one group of at most `capacity` seats.
    let mut supplier_of: HashMap<u32, u32> = HashMap::new();
    let mut suppliers = Vec::new();
    let mut capacities = Vec::new();
    for (t, teacher) in teachers.iter().enumerate() {
        let Some(pi) = g.profile_of[t] else { continue };
        if !teacher.active {
            continue;
        }
        let cap = snap.profiles[pi as usize].capacity;
        let load = locked_load.get(&(t as u32)).copied().unwrap_or(0);
        let left = match policy.group_capacity {
            GroupCapacity::Groups => cap.saturating_sub(load),
            GroupCapacity::Seats => u32::from(cap > 0 && load == 0),
        };
        if left > 0 {
            supplier_of.insert(t as u32, suppliers.len() as u32);
            suppliers.push(t as u32);
            capacities.push(left);
        }
    }
    let existing: HashSet<(String, String)> = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == MatchKind::TeacherGroups)
        .map(|m| (m.mentee_id.clone(), m.mentor_id.clone()))
        .collect();

    let mut strong_cache: HashMap<u32, Vec<(u32, Option<Level>, u32)>> = HashMap::new();
    let mut candidates: Vec<Vec<GroupCand>> = Vec::with_capacity(groups.len());
    let mut pruned = 0u64;
    for grp in &groups {
        let strong = strong_cache
            .entry(grp.subject)
            .or_insert_with(|| g.strong_in(grp.subject));
        let mut list = Vec::new();
        'mentor: for &(m, mentor_level, pi) in strong.iter() {
            if !supplier_of.contains_key(&m) {
                continue;
            }
            let profile = &snap.profiles[pi as usize];
            if policy.group_capacity == GroupCapacity::Seats
                && grp.members.len() as u32 > profile.capacity
            {
                continue;
            }
            let Some(ms) = g.teacher_school[m as usize] else {
                continue;
            };
            let mut terms = Vec::new();
            let mut score = 0i64;
            for &i in &grp.members {
                let d = &demands[i];
                let Ok(c) = ctx.evaluate(d, m, mentor_level, pi) else {
                    continue 'mentor;
                };
                // The group's mode decides travel: in person needs every member near.
                let mut parts = c.parts;
                parts.travel = None;
                parts.online = 0;
                match grp.mode {
                    Mode::InPerson => {
                        let Some(es) = g.teacher_school[d.teacher as usize] else {
                            continue 'mentor;
                        };
                        if !profile.modes.contains(&Mode::InPerson) {
                            continue 'mentor;
                        }
                        if ctx.school_muni[es as usize] != ctx.school_muni[ms as usize] {
                            continue 'mentor;
                        }
                        let Some(km) = ctx.distance_within_limit(es, ms) else {
                            continue 'mentor;
                        };
                        parts.travel =
                            Some((km, -((km * weights.travel_per_km as f64).round() as i64)));
                    }
                    Mode::Online => {
                        if !profile.modes.contains(&Mode::Online) {
                            continue 'mentor;
                        }
                        parts.online = -weights.online_penalty;
                    }
                }
                score += parts.sum();
                let mut ts = parts.terms();
                for t in &mut ts {
                    if t.name.starts_with("travel") {
                        t.name = "travel".into();
                    }
                }
                add_terms(&mut terms, ts);
            }
            if existing.contains(&(grp.label.clone(), teachers[m as usize].id.clone())) {
                score += weights.continuity;
                terms.push(Term {
                    name: "continuity (same group and mentor)".into(),
                    points: weights.continuity,
                });
            }
            list.push(GroupCand {
                mentor: m,
                score,
                terms,
            });
        }
        pruned += keep_best(&mut list, policy.max_candidates, |c| (c.score, c.mentor));
        candidates.push(list);
    }
    timings.push(("candidates".to_string(), t1.elapsed()));

    let t2 = Instant::now();
    let (problem, solution, arc_candidate) = solve_lists(
        &candidates,
        capacities,
        |c| supplier_of[&c.mentor],
        |_, c| c.score,
    )?;
    timings.push(("solve".to_string(), t2.elapsed()));

    let t3 = Instant::now();
    let school_id = |t: u32| {
        g.teacher_school[t as usize]
            .map(|s| snap.schools[s as usize].id.clone())
            .unwrap_or_default()
    };
    let mut pairs = Vec::new();
    for m in &locked_groups {
        pairs.push(ProposedPair {
            municipality_id: m.municipality_id.clone(),
            mentee_id: m.mentee_id.clone(),
            mentee_school_id: String::new(),
            subject: m.subject.clone(),
            level: None,
            mentor_id: m.mentor_id.clone(),
            mentor_school_id: String::new(),
            mode: m.mode,
            score: m.score,
            terms: vec![Term {
                name: "locked".into(),
                points: 0,
            }],
            locked: true,
            partnership_type: None,
            type_reason: String::new(),
            members: m.members.clone(),
            cohesion_pct: None,
        });
    }
    let mut unmatched = Vec::new();
    let mut covered = vec![false; demands.len()];
    let mut taken: HashMap<u32, Vec<(usize, i64)>> = HashMap::new();
    for (gi, a) in solution.assignment.iter().enumerate() {
        if let Some(ai) = a {
            let c = &candidates[gi][arc_candidate[*ai]];
            taken.entry(c.mentor).or_default().push((gi, c.score));
        }
    }
    for (gi, grp) in groups.iter().enumerate() {
        let mut member_ids: Vec<String> = grp
            .members
            .iter()
            .map(|&i| teachers[demands[i].teacher as usize].id.clone())
            .collect();
        member_ids.sort();
        match solution.assignment[gi] {
            Some(ai) => {
                let c = &candidates[gi][arc_candidate[ai]];
                for &i in &grp.members {
                    covered[i] = true;
                }
                let mut terms = c.terms.clone();
                terms.insert(
                    0,
                    Term {
                        name: format!(
                            "group of {} ({}), cohesion {:.0}%",
                            grp.members.len(),
                            if grp.mode == Mode::InPerson {
                                "one locality"
                            } else {
                                "online"
                            },
                            grp.cohesion * 100.0
                        ),
                        points: 0,
                    },
                );
                pairs.push(ProposedPair {
                    municipality_id: teachers[demands[grp.members[0]].teacher as usize]
                        .municipality_id
                        .clone(),
                    mentee_id: grp.label.clone(),
                    mentee_school_id: school_id(demands[grp.members[0]].teacher),
                    subject: g.subjects[grp.subject as usize].clone(),
                    level: None,
                    mentor_id: teachers[c.mentor as usize].id.clone(),
                    mentor_school_id: school_id(c.mentor),
                    mode: grp.mode,
                    score: c.score,
                    terms,
                    locked: false,
                    partnership_type: None,
                    type_reason: format!(
                        "mentor fit: {} points per member on average",
                        c.score / grp.members.len().max(1) as i64
                    ),
                    members: member_ids,
                    cohesion_pct: Some((grp.cohesion * 100.0).round() as u32),
                });
            }
            None => {
                let reason = if candidates[gi].is_empty() {
                    UnmatchedReason::NoCandidate(format!(
                        "group {} ({}): no mentor of {} can take the whole group ({})",
                        grp.label,
                        member_ids.join(", "),
                        g.subjects[grp.subject as usize],
                        if grp.mode == Mode::InPerson {
                            "in person near every member"
                        } else {
                            "online"
                        }
                    ))
                } else {
                    UnmatchedReason::Outbid(
                        candidates[gi]
                            .iter()
                            .take(3)
                            .map(|c| OutbidBy {
                                mentor_id: teachers[c.mentor as usize].id.clone(),
                                score: c.score,
                                taken_by: taken
                                    .get(&c.mentor)
                                    .map(|v| {
                                        v.iter()
                                            .map(|(og, s)| {
                                                (
                                                    groups[*og].label.clone(),
                                                    g.subjects[groups[*og].subject as usize]
                                                        .clone(),
                                                    *s,
                                                )
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                            })
                            .collect(),
                    )
                };
                for &i in &grp.members {
                    unmatched.push(Unmatched {
                        mentee_id: teachers[demands[i].teacher as usize].id.clone(),
                        subject: g.subjects[grp.subject as usize].clone(),
                        level: Some(demands[i].level),
                        reason: reason.clone(),
                    });
                }
            }
        }
    }
    for &i in &ungrouped {
        let d = &demands[i];
        unmatched.push(Unmatched {
            mentee_id: teachers[d.teacher as usize].id.clone(),
            subject: g.subjects[d.subject as usize].clone(),
            level: Some(d.level),
            reason: UnmatchedReason::NoCandidate(format!(
                "no group: fewer than {min} mentees of {} could be grouped with them{}",
                g.subjects[d.subject as usize],
                if policy.allow_online {
                    ""
                } else {
                    " in their locality (online not allowed)"
                }
            )),
        });
    }
    pairs.sort_by(|a, b| (&a.subject, &a.mentee_id).cmp(&(&b.subject, &b.mentee_id)));

    let mut by_level: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut by_subject_cov: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (i, d) in demands.iter().enumerate() {
        for (map, key) in [
            (&mut by_level, d.level.letter().to_string()),
            (&mut by_subject_cov, g.subjects[d.subject as usize].clone()),
        ] {
            let e = map.entry(key).or_default();
            e.0 += 1;
            e.1 += u64::from(covered[i]);
        }
    }
    let coverage = Coverage {
        by_level: coverage_rows(by_level),
        by_subject: coverage_rows(by_subject_cov),
    };
    let diff = group_diff(snap, MatchKind::TeacherGroups, &pairs);
    let export = ExportProblem::new(
        MatchKind::TeacherGroups,
        groups.iter().map(|x| x.label.clone()).collect(),
        suppliers
            .iter()
            .map(|t| teachers[*t as usize].id.clone())
            .collect(),
        &problem,
        &solution,
    );
    timings.push(("explain".to_string(), t3.elapsed()));
    Ok(MatchOutcome {
        kind: MatchKind::TeacherGroups,
        size: ProblemSize {
            demands: groups.len() as u64,
            suppliers: suppliers.len() as u64,
            arcs: problem.arc_count() as u64,
            pruned_arcs: pruned,
            locked: locked_groups.len() as u64,
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

/// The diff of a group run against the active groups of `kind`: a group is kept when the same
/// members (the label) have the same mentor.
fn group_diff(snap: &Snapshot, kind: MatchKind, pairs: &[ProposedPair]) -> Diff {
    diff_against(
        snap,
        kind,
        pairs,
        |p| (p.mentee_id.clone(), p.mentor_id.clone()),
        |m| (m.mentee_id.clone(), m.mentor_id.clone()),
        |_| {
            "regrouped: the members' deficits changed, or a better mentor or grouping was found"
                .into()
        },
    )
}

/// Runs school-group matching (GROUPS mode): schools in need grouped by similar needs, each
/// group given one leader whose partner capacity fits it.
pub fn match_school_groups(
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
    let nsub = g.subjects.len();
    let locked: HashSet<&str> = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == MatchKind::SchoolGroups && m.locked)
        .flat_map(|m| m.members.iter().map(String::as_str))
        .collect();
    let schools: Vec<u32> = snap
        .schools
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(s.status, SchoolStatus::LowResults | SchoolStatus::AtRisk)
                && !locked.contains(s.id.as_str())
        })
        .map(|(i, _)| i as u32)
        .collect();
    // Need profile: the share of the school's A/B deficits per subject, and its status.
    let features: Vec<Vec<f64>> = schools
        .iter()
        .map(|&s| {
            let total: u32 = counts.deficits[s as usize].iter().sum();
            let mut f = vec![
                if snap.schools[s as usize].status == SchoolStatus::LowResults {
                    0.0
                } else {
                    0.5
                },
            ];
            for sj in 0..nsub {
                f.push(f64::from(counts.deficits[s as usize][sj]) / f64::from(total.max(1)));
            }
            f
        })
        .collect();
    let max = policy.default_partner_capacity.max(2) as usize;
    let (formed, ungrouped) = form_groups(&features, 2, max);
    let leaders: Vec<u32> = snap
        .schools
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == SchoolStatus::Leader)
        .map(|(i, _)| i as u32)
        .collect();
    let vetoed: HashSet<(&str, &str)> = snap
        .vetoes
        .iter()
        .filter(|v| v.kind.is_schools())
        .map(|v| (v.mentee_id.as_str(), v.mentor_id.as_str()))
        .collect();
    let mut candidates: Vec<Vec<GroupCand>> = Vec::new();
    let mut modes: Vec<Vec<Mode>> = Vec::new();
    for grp in &formed {
        let mut list = Vec::new();
        let mut mode_list = Vec::new();
        'leader: for &l in &leaders {
            let leader = &snap.schools[l as usize];
            let cap = leader
                .partner_capacity
                .unwrap_or(policy.default_partner_capacity);
            if (grp.len() as u32) > cap {
                continue;
            }
            let mut all_near = true;
            let mut terms = Vec::new();
            let mut score = 0i64;
            for &i in grp {
                let s = schools[i];
                let school = &snap.schools[s as usize];
                if vetoed.contains(&(school.id.as_str(), leader.id.as_str())) {
                    continue 'leader;
                }
                let total: u32 = counts.deficits[s as usize].iter().sum();
                let fit: f64 = (0..nsub)
                    .filter(|&sj| counts.diagnosed[l as usize][sj] > 0 && total > 0)
                    .map(|sj| {
                        f64::from(counts.deficits[s as usize][sj]) / f64::from(total)
                            * f64::from(counts.strong[l as usize][sj])
                            / f64::from(counts.diagnosed[l as usize][sj])
                    })
                    .sum();
                let risk: i64 = school
                    .risk_profile
                    .0
                    .iter()
                    .map(|x| significance_points(*x))
                    .sum();
                let status = if school.status == SchoolStatus::LowResults {
                    weights.school_low_results
                } else {
                    weights.school_at_risk
                };
                let member = vec![
                    Term {
                        name: "status".into(),
                        points: status,
                    },
                    Term {
                        name: "fit of strengths to needs".into(),
                        points: (fit * weights.school_fit as f64).round() as i64,
                    },
                    Term {
                        name: "risk profile".into(),
                        points: risk * weights.school_risk,
                    },
                ];
                score += member.iter().map(|t| t.points).sum::<i64>();
                add_terms(&mut terms, member);
                let km = school_distance(snap, s, l);
                if school.municipality_id != leader.municipality_id
                    || !km.is_some_and(|k| k <= f64::from(policy.travel_limit_km))
                {
                    all_near = false;
                }
            }
            let mode = if all_near {
                let km: f64 = grp
                    .iter()
                    .map(|&i| school_distance(snap, schools[i], l).unwrap_or(0.0))
                    .sum();
                let p = -((km * weights.travel_per_km as f64).round() as i64);
                score += p;
                add_terms(
                    &mut terms,
                    vec![Term {
                        name: "travel".into(),
                        points: p,
                    }],
                );
                Mode::InPerson
            } else if policy.allow_online {
                let p = -weights.online_penalty * grp.len() as i64;
                score += p;
                add_terms(
                    &mut terms,
                    vec![Term {
                        name: "online".into(),
                        points: p,
                    }],
                );
                Mode::Online
            } else {
                continue;
            };
            terms.retain(|t| t.points != 0 || t.name == "status");
            list.push(GroupCand {
                mentor: l,
                score,
                terms,
            });
            mode_list.push(mode);
        }
        // Keep modes aligned with candidates through the sort.
        let mut idx: Vec<usize> = (0..list.len()).collect();
        idx.sort_by(|&a, &b| {
            list[b]
                .score
                .cmp(&list[a].score)
                .then(list[a].mentor.cmp(&list[b].mentor))
        });
        let mut sorted = Vec::new();
        let mut sorted_modes = Vec::new();
        let mut list: Vec<Option<GroupCand>> = list.into_iter().map(Some).collect();
        for i in idx.into_iter().take(policy.max_candidates.max(1) as usize) {
            if let Some(c) = list[i].take() {
                sorted.push(c);
                sorted_modes.push(mode_list[i]);
            }
        }
        candidates.push(sorted);
        modes.push(sorted_modes);
    }
    timings.push(("candidates".to_string(), t1.elapsed()));
    let t2 = Instant::now();
    // Each leader hosts one group (its capacity bounds the group's size).
    let (problem, solution, arc_candidate) = solve_lists(
        &candidates,
        vec![1; leaders.len()],
        |c| leaders.iter().position(|x| *x == c.mentor).unwrap_or(0) as u32,
        |_, c| c.score,
    )?;
    timings.push(("solve".to_string(), t2.elapsed()));
    let t3 = Instant::now();
    let id = |s: u32| snap.schools[s as usize].id.clone();
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();
    let mut covered = 0u64;
    let labels: Vec<String> = formed
        .iter()
        .map(|grp| {
            let mut ids: Vec<String> = grp.iter().map(|&i| id(schools[i])).collect();
            ids.sort();
            group_label("schools", &ids)
        })
        .collect();
    for (gi, grp) in formed.iter().enumerate() {
        let mut ids: Vec<String> = grp.iter().map(|&i| id(schools[i])).collect();
        ids.sort();
        let coh = cohesion(&features, grp);
        match solution.assignment[gi] {
            Some(ai) => {
                let ci = arc_candidate[ai];
                let c = &candidates[gi][ci];
                covered += grp.len() as u64;
                let leader = &snap.schools[c.mentor as usize];
                let same_place = grp
                    .iter()
                    .all(|&i| snap.schools[schools[i] as usize].locality == leader.locality);
                let mut terms = c.terms.clone();
                terms.insert(
                    0,
                    Term {
                        name: format!(
                            "group of {} schools, cohesion {:.0}%",
                            grp.len(),
                            coh * 100.0
                        ),
                        points: 0,
                    },
                );
                pairs.push(ProposedPair {
                    municipality_id: snap.schools[schools[grp[0]] as usize].municipality_id.clone(),
                    mentee_id: labels[gi].clone(),
                    mentee_school_id: String::new(),
                    subject: String::new(),
                    level: None,
                    mentor_id: leader.id.clone(),
                    mentor_school_id: leader.id.clone(),
                    mode: modes[gi][ci],
                    score: c.score,
                    terms,
                    locked: false,
                    partnership_type: Some(if same_place { PartnershipType::Identical } else { PartnershipType::Instrumental }),
                    type_reason: if same_place {
                        format!("identical: every school of the group is in {}", leader.locality)
                    } else {
                        "instrumental: the group spans localities; each school solves its own tasks with the leader's resources".into()
                    },
                    members: ids,
                    cohesion_pct: Some((coh * 100.0).round() as u32),
                });
            }
            None => {
                for s in &ids {
                    unmatched.push(Unmatched {
                        mentee_id: s.clone(),
                        subject: String::new(),
                        level: None,
                        reason: UnmatchedReason::NoCandidate(format!(
                            "group {}: no free leader can take {} schools within reach",
                            labels[gi],
                            grp.len()
                        )),
                    });
                }
            }
        }
    }
    for &i in &ungrouped {
        unmatched.push(Unmatched {
            mentee_id: id(schools[i]),
            subject: String::new(),
            level: None,
            reason: UnmatchedReason::NoCandidate(
                "no group: too few schools in need to group it with (PAIRS mode serves it)".into(),
            ),
        });
    }
    pairs.sort_by(|a, b| a.mentee_id.cmp(&b.mentee_id));
    let coverage = Coverage {
        by_level: vec![CoverageRow {
            key: "schools in need".into(),
            demands: schools.len() as u64,
            covered,
        }],
        by_subject: Vec::new(),
    };
    let diff = group_diff(snap, MatchKind::SchoolGroups, &pairs);
    let export = ExportProblem::new(
        MatchKind::SchoolGroups,
        labels,
        leaders.iter().map(|l| id(*l)).collect(),
        &problem,
        &solution,
    );
    timings.push(("explain".to_string(), t3.elapsed()));
    Ok(MatchOutcome {
        kind: MatchKind::SchoolGroups,
        size: ProblemSize {
            demands: formed.len() as u64,
            suppliers: leaders.len() as u64,
            arcs: problem.arc_count() as u64,
            pruned_arcs: 0,
            locked: 0,
        },
        objective: pairs.iter().map(|p| p.score).sum(),
        coverage,
        pairs,
        unmatched,
        diff,
        export,
        timings,
        settled: solution.stats.demand_bids,
    })
}
