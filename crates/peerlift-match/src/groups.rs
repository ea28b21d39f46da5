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
    Coverage, CoverageRow, Diff, GroupCapacity, Level, MatchKind, Mentorship, Mode,
    PartnershipType, Phrase, Policy, ProposedPair, SchoolStatus, Term, Unmatched, UnmatchedReason,
    Weights,
};

use crate::explain::{coverage_rows, diff_against, label};
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pairs::{school_distance, Ctx, Demand};
use crate::pipeline::{self, Kind, RunOptions};
use crate::schools::{significance_points, subject_counts, SubjectCounts};

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
/// group gets the same label in every run (continuity and diffs depend on it). `members` sorted;
/// `prefix` the subject, or `schools`. A group made by hand gets the label a run would give it.
pub fn group_label(prefix: &str, members: &[String]) -> String {
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

/// Teacher groups as a kind of the pipeline: a demand is a group formed beforehand (the
/// heuristic step), a supplier a mentor with places left. The assignment is exact.
struct TeacherGroups<'a> {
    snap: &'a Snapshot,
    g: &'a CompetenceGraph,
    ctx: Ctx<'a>,
    weights: &'a Weights,
    policy: &'a Policy,
    /// The member demands (a teacher's deficit in a subject).
    demands: Vec<Demand>,
    groups: Vec<GroupDemand>,
    ungrouped: Vec<usize>,
    locked: Vec<&'a Mentorship>,
    suppliers: Vec<u32>,
    supplier_of: HashMap<u32, u32>,
    capacities: Vec<u32>,
    existing: HashSet<(String, String)>,
    strong: Vec<Vec<(u32, Option<Level>, u32)>>,
}

impl<'a> TeacherGroups<'a> {
    fn new(
        snap: &'a Snapshot,
        g: &'a CompetenceGraph,
        weights: &'a Weights,
        policy: &'a Policy,
    ) -> TeacherGroups<'a> {
        let ctx = Ctx::new(snap, g, weights, policy);
        let teachers = &snap.teachers;
        // Locked groups keep their members and take a place of their mentor's capacity.
        let mut locked_members: HashSet<(u32, u32)> = HashSet::new();
        let mut locked_load: HashMap<u32, u32> = HashMap::new();
        let mut locked = Vec::new();
        for m in snap.mentorships.iter() {
            if !m.is_active() || m.kind != MatchKind::TeacherGroups || !m.held_by_office() {
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
            locked.push(m);
        }
        let mut demands: Vec<Demand> = Vec::new();
        for (t, teacher) in teachers.iter().enumerate() {
            if !teacher.active {
                continue;
            }
            for (subject, level) in g.deficits(t as u32) {
                if policy.levels.contains(&level) && !locked_members.contains(&(t as u32, subject))
                {
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
        let mut add_groups = |items: &[usize], mode: Mode, sj: u32, out: &mut Vec<usize>| {
            let f: Vec<Vec<f64>> = items.iter().map(|&i| features[i].clone()).collect();
            let (gs, left) = form_groups(&f, min, max);
            for grp in gs {
                let members: Vec<usize> = grp.iter().map(|&x| items[x]).collect();
                groups.push(GroupDemand {
                    label: String::new(),
                    subject: sj,
                    cohesion: cohesion(&features, &members),
                    members,
                    mode,
                });
            }
            out.extend(left.iter().map(|&x| items[x]));
        };
        for (sj, items) in &by_subject {
            let mut by_place: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for &i in items {
                by_place.entry(locality(&demands[i])).or_default().push(i);
            }
            let mut rest = Vec::new();
            for (_, place) in by_place {
                add_groups(&place, Mode::InPerson, *sj, &mut rest);
            }
            if policy.allow_online {
                // Mentees who don't accept online work stay out of online groups.
                let (rest, refuse): (Vec<usize>, Vec<usize>) = rest
                    .into_iter()
                    .partition(|&i| teachers[demands[i].teacher as usize].accepts_online);
                ungrouped.extend(refuse);
                add_groups(&rest, Mode::Online, *sj, &mut ungrouped);
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
        let mut supplier_of = HashMap::new();
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
        let existing = snap
            .mentorships
            .iter()
            .filter(|m| m.is_active() && m.kind == MatchKind::TeacherGroups)
            .map(|m| (m.mentee_id.clone(), m.mentor_id.clone()))
            .collect();
        let strong = (0..g.subjects.len() as u32)
            .map(|sj| g.strong_in(sj))
            .collect();
        TeacherGroups {
            snap,
            g,
            ctx,
            weights,
            policy,
            demands,
            groups,
            ungrouped,
            locked,
            suppliers,
            supplier_of,
            capacities,
            existing,
            strong,
        }
    }

    /// The score of mentor `m` for group `gi` (the members' pair scores in the group's mode,
    /// plus continuity), or None when a hard rule excludes the mentor for any member. With
    /// `terms`, also the score's terms summed over the members.
    fn score(
        &self,
        gi: usize,
        m: u32,
        mentor_level: Option<Level>,
        pi: u32,
        terms: Option<&mut Vec<Term>>,
    ) -> Option<i64> {
        let grp = &self.groups[gi];
        let profile = &self.snap.profiles[pi as usize];
        if self.policy.group_capacity == GroupCapacity::Seats
            && grp.members.len() as u32 > profile.capacity
        {
            return None;
        }
        let ms = self.g.teacher_school[m as usize]?;
        let mut score = 0i64;
        let mut out = terms;
        for &i in &grp.members {
            let d = &self.demands[i];
            let c = self.ctx.evaluate(d, m, mentor_level, pi).ok()?;
            // The group's mode decides travel: in person needs every member near.
            let mut parts = c.parts;
            parts.travel = None;
            parts.online = 0;
            match grp.mode {
                Mode::InPerson => {
                    let es = self.g.teacher_school[d.teacher as usize]?;
                    if !profile.modes.contains(&Mode::InPerson)
                        || self.ctx.school_muni[es as usize] != self.ctx.school_muni[ms as usize]
                    {
                        return None;
                    }
                    let km = self.ctx.distance_within_limit(es, ms)?;
                    parts.travel = Some((
                        km,
                        -((km * self.weights.travel_per_km as f64).round() as i64),
                    ));
                }
                Mode::Online => {
                    if !profile.modes.contains(&Mode::Online) {
                        return None;
                    }
                    parts.online = -self.weights.online_penalty;
                }
            }
            score += parts.sum();
            if let Some(t) = out.as_deref_mut() {
                let mut ts = parts.terms();
                for x in &mut ts {
                    if x.name.key == "term-travel" {
                        x.name = Phrase::new("term-travel-total");
                    }
                }
                add_terms(t, ts);
            }
        }
        let mentor_id = &self.snap.teachers[m as usize].id;
        if self
            .existing
            .contains(&(grp.label.clone(), mentor_id.clone()))
        {
            score += self.weights.continuity;
            if let Some(t) = out {
                t.push(Term {
                    name: Phrase::new("term-group-continuity"),
                    points: self.weights.continuity,
                });
            }
        }
        Some(score)
    }

    fn member_ids(&self, gi: usize) -> Vec<String> {
        let mut ids: Vec<String> = self.groups[gi]
            .members
            .iter()
            .map(|&i| {
                self.snap.teachers[self.demands[i].teacher as usize]
                    .id
                    .clone()
            })
            .collect();
        ids.sort();
        ids
    }

    fn school_id(&self, t: u32) -> String {
        self.g.teacher_school[t as usize]
            .map(|s| self.snap.schools[s as usize].id.clone())
            .unwrap_or_default()
    }
}

impl Kind for TeacherGroups<'_> {
    fn kind(&self) -> MatchKind {
        MatchKind::TeacherGroups
    }

    fn demand_count(&self) -> usize {
        self.groups.len()
    }

    fn capacities(&self) -> Vec<u32> {
        self.capacities.clone()
    }

    fn arcs(&self, gi: usize, out: &mut Vec<(u32, i64)>) {
        for &(m, level, pi) in &self.strong[self.groups[gi].subject as usize] {
            let Some(&s) = self.supplier_of.get(&m) else {
                continue;
            };
            if let Some(score) = self.score(gi, m, level, pi, None) {
                out.push((s, score));
            }
        }
    }

    fn no_candidate(&self, gi: usize) -> Phrase {
        let grp = &self.groups[gi];
        Phrase::new(if grp.mode == Mode::InPerson {
            "why-group-no-mentor-in-person"
        } else {
            "why-group-no-mentor-online"
        })
        .text("group", &grp.label)
        .text("members", self.member_ids(gi).join(", "))
        .subject("subject", &self.g.subjects[grp.subject as usize])
    }

    fn pair(&self, gi: usize, s: u32) -> ProposedPair {
        let grp = &self.groups[gi];
        let m = self.suppliers[s as usize];
        let mut terms = vec![label(
            Phrase::new(if grp.mode == Mode::InPerson {
                "term-group-one-locality"
            } else {
                "term-group-online"
            })
            .num("members", grp.members.len())
            .num("cohesion", (grp.cohesion * 100.0).round() as i64),
        )];
        let score = self.g.profile_of[m as usize]
            .and_then(|pi| {
                let level = self.g.latest.get(&(m, grp.subject)).map(|(l, _)| *l);
                self.score(gi, m, level, pi, Some(&mut terms))
            })
            .unwrap_or(0);
        let first = self.demands[grp.members[0]].teacher;
        ProposedPair {
            municipality_id: self.snap.teachers[first as usize].municipality_id.clone(),
            mentee_id: grp.label.clone(),
            mentee_school_id: self.school_id(first),
            subject: self.g.subjects[grp.subject as usize].clone(),
            level: None,
            mentor_id: self.snap.teachers[m as usize].id.clone(),
            mentor_school_id: self.school_id(m),
            mode: grp.mode,
            score,
            terms,
            locked: false,
            partnership_type: None,
            type_reason: Phrase::new("type-mentor-fit")
                .num("points", score / grp.members.len().max(1) as i64),
            members: self.member_ids(gi),
            cohesion_pct: Some((grp.cohesion * 100.0).round() as u32),
        }
    }

    fn demand_id(&self, gi: usize) -> String {
        self.groups[gi].label.clone()
    }

    fn demand_label(&self, gi: usize) -> (String, String) {
        let grp = &self.groups[gi];
        (
            grp.label.clone(),
            self.g.subjects[grp.subject as usize].clone(),
        )
    }

    fn supplier_id(&self, s: u32) -> String {
        self.snap.teachers[self.suppliers[s as usize] as usize]
            .id
            .clone()
    }

    fn unmatched(&self, gi: usize, reason: UnmatchedReason) -> Vec<Unmatched> {
        let grp = &self.groups[gi];
        grp.members
            .iter()
            .map(|&i| {
                let t = self.demands[i].teacher;
                let mentee = &self.snap.teachers[t as usize];
                Unmatched {
                    mentee_id: mentee.id.clone(),
                    subject: self.g.subjects[grp.subject as usize].clone(),
                    level: Some(self.demands[i].level),
                    reason: reason.clone(),
                    municipality_id: mentee.municipality_id.clone(),
                    school_id: self.school_id(t),
                }
            })
            .collect()
    }

    fn extra_unmatched(&self) -> Vec<Unmatched> {
        let min = self.policy.group_min_size;
        self.ungrouped
            .iter()
            .map(|&i| {
                let d = &self.demands[i];
                let mentee = &self.snap.teachers[d.teacher as usize];
                Unmatched {
                    municipality_id: mentee.municipality_id.clone(),
                    school_id: self.school_id(d.teacher),
                    mentee_id: mentee.id.clone(),
                    subject: self.g.subjects[d.subject as usize].clone(),
                    level: Some(d.level),
                    reason: UnmatchedReason::NoCandidate(
                        Phrase::new(if self.policy.allow_online {
                            "why-no-group"
                        } else {
                            "why-no-group-locality"
                        })
                        .num("min", min)
                        .subject("subject", &self.g.subjects[d.subject as usize]),
                    ),
                }
            })
            .collect()
    }

    fn held_count(&self) -> u64 {
        self.locked.len() as u64
    }

    fn held(&self) -> Vec<ProposedPair> {
        self.locked
            .iter()
            .map(|m| ProposedPair {
                municipality_id: m.municipality_id.clone(),
                mentee_id: m.mentee_id.clone(),
                mentee_school_id: String::new(),
                subject: m.subject.clone(),
                level: None,
                mentor_id: m.mentor_id.clone(),
                mentor_school_id: String::new(),
                mode: m.mode,
                score: m.score,
                terms: vec![label(Phrase::new("term-locked"))],
                locked: true,
                partnership_type: None,
                type_reason: Phrase::default(),
                members: m.members.clone(),
                cohesion_pct: None,
            })
            .collect()
    }

    fn sort(&self, pairs: &mut [ProposedPair]) {
        pairs.sort_by(|a, b| (&a.subject, &a.mentee_id).cmp(&(&b.subject, &b.mentee_id)));
    }

    fn coverage(&self, covered: &[bool]) -> Coverage {
        let mut member_covered = vec![false; self.demands.len()];
        for (gi, grp) in self.groups.iter().enumerate() {
            if covered[gi] {
                for &i in &grp.members {
                    member_covered[i] = true;
                }
            }
        }
        let mut by_level: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut by_subject: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (i, d) in self.demands.iter().enumerate() {
            for (map, key) in [
                (&mut by_level, d.level.letter().to_string()),
                (&mut by_subject, self.g.subjects[d.subject as usize].clone()),
            ] {
                let e = map.entry(key).or_default();
                e.0 += 1;
                e.1 += u64::from(member_covered[i]);
            }
        }
        Coverage {
            by_level: coverage_rows(by_level),
            by_subject: coverage_rows(by_subject),
        }
    }

    fn diff(&self, pairs: &[ProposedPair]) -> Diff {
        group_diff(self.snap, MatchKind::TeacherGroups, pairs)
    }
}

/// Runs teacher-group matching on a snapshot.
pub fn match_teacher_groups(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let started = Instant::now();
    let g = CompetenceGraph::build(snap);
    pipeline::run(
        started,
        &TeacherGroups::new(snap, &g, weights, policy),
        policy,
        options,
    )
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
        |_| Phrase::new("end-regrouped"),
    )
}

/// GROUPS mode as a kind of the pipeline: a demand is a group of schools of similar needs
/// (formed beforehand), a supplier a leader school, which hosts one group that its partner
/// capacity fits.
struct SchoolGroups<'a> {
    snap: &'a Snapshot,
    weights: &'a Weights,
    policy: &'a Policy,
    counts: SubjectCounts,
    nsub: usize,
    /// Schools in need (not in a locked group), their need profiles and the groups formed.
    schools: Vec<u32>,
    features: Vec<Vec<f64>>,
    formed: Vec<Vec<usize>>,
    labels: Vec<String>,
    ungrouped: Vec<usize>,
    leaders: Vec<u32>,
    vetoed: HashSet<(String, String)>,
    /// Groups with a school that left the low-result list: kept as they are (networks go
    /// on, the office decides) unless the policy ends them.
    kept_left: HashSet<String>,
}

impl<'a> SchoolGroups<'a> {
    fn new(
        snap: &'a Snapshot,
        g: &'a CompetenceGraph,
        weights: &'a Weights,
        policy: &'a Policy,
    ) -> SchoolGroups<'a> {
        let counts = subject_counts(snap, g);
        let nsub = g.subjects.len();
        let left = |id: &str| {
            snap.schools
                .iter()
                .any(|s| s.id == id && crate::schools::left_list(s))
        };
        let kept_left: HashSet<String> = snap
            .mentorships
            .iter()
            .filter(|m| {
                !policy.end_when_left_list
                    && m.is_active()
                    && m.kind == MatchKind::SchoolGroups
                    && !m.held_by_office()
                    && m.members.iter().any(|x| left(x))
            })
            .map(|m| m.id.clone())
            .collect();
        let locked: HashSet<&str> = snap
            .mentorships
            .iter()
            .filter(|m| {
                m.is_active()
                    && m.kind == MatchKind::SchoolGroups
                    && (m.held_by_office() || kept_left.contains(&m.id))
            })
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
        let labels = formed
            .iter()
            .map(|grp| {
                let mut ids: Vec<String> = grp
                    .iter()
                    .map(|&i| snap.schools[schools[i] as usize].id.clone())
                    .collect();
                ids.sort();
                group_label("schools", &ids)
            })
            .collect();
        let leaders = snap
            .schools
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == SchoolStatus::Leader)
            .map(|(i, _)| i as u32)
            .collect();
        let vetoed = snap
            .vetoes
            .iter()
            .filter(|v| v.kind.is_schools())
            .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
            .collect();
        SchoolGroups {
            snap,
            weights,
            policy,
            counts,
            nsub,
            schools,
            features,
            formed,
            labels,
            ungrouped,
            leaders,
            vetoed,
            kept_left,
        }
    }

    /// Leader `l` for group `gi`: (score, mode, terms when asked), or None when it cannot host
    /// the group (too small, a veto, too far and online not allowed).
    fn score(&self, gi: usize, l: u32, terms: Option<&mut Vec<Term>>) -> Option<(i64, Mode)> {
        let (snap, weights, policy) = (self.snap, self.weights, self.policy);
        let grp = &self.formed[gi];
        let leader = &snap.schools[l as usize];
        let cap = leader
            .partner_capacity
            .unwrap_or(policy.default_partner_capacity);
        if (grp.len() as u32) > cap {
            return None;
        }
        let mut all_near = true;
        let mut score = 0i64;
        let mut out = terms;
        for &i in grp {
            let s = self.schools[i];
            let school = &snap.schools[s as usize];
            if self
                .vetoed
                .contains(&(school.id.clone(), leader.id.clone()))
            {
                return None;
            }
            let c = &self.counts;
            let total: u32 = c.deficits[s as usize].iter().sum();
            let fit: f64 = (0..self.nsub)
                .filter(|&sj| c.diagnosed[l as usize][sj] > 0 && total > 0)
                .map(|sj| {
                    f64::from(c.deficits[s as usize][sj]) / f64::from(total)
                        * f64::from(c.strong[l as usize][sj])
                        / f64::from(c.diagnosed[l as usize][sj])
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
            let fit = (fit * weights.school_fit as f64).round() as i64;
            let risk = risk * weights.school_risk;
            score += status + fit + risk;
            if let Some(t) = out.as_deref_mut() {
                add_terms(
                    t,
                    vec![
                        Term {
                            name: Phrase::new("term-status"),
                            points: status,
                        },
                        Term {
                            name: Phrase::new("term-fit"),
                            points: fit,
                        },
                        Term {
                            name: Phrase::new("term-risk"),
                            points: risk,
                        },
                    ],
                );
            }
            let km = school_distance(snap, s, l);
            if school.municipality_id != leader.municipality_id
                || !km.is_some_and(|k| k <= f64::from(policy.travel_limit_km))
            {
                all_near = false;
            }
        }
        let (mode, name, points) = if all_near {
            let km: f64 = grp
                .iter()
                .map(|&i| school_distance(snap, self.schools[i], l).unwrap_or(0.0))
                .sum();
            (
                Mode::InPerson,
                "term-travel-total",
                -((km * weights.travel_per_km as f64).round() as i64),
            )
        } else if policy.allow_online {
            (
                Mode::Online,
                "term-online",
                -weights.online_penalty * grp.len() as i64,
            )
        } else {
            return None;
        };
        score += points;
        if let Some(t) = out {
            add_terms(
                t,
                vec![Term {
                    name: Phrase::new(name),
                    points,
                }],
            );
            t.retain(|x| x.points != 0 || x.name.key == "term-status");
        }
        Some((score, mode))
    }

    fn id(&self, s: u32) -> String {
        self.snap.schools[s as usize].id.clone()
    }

    fn member_ids(&self, gi: usize) -> Vec<String> {
        let mut ids: Vec<String> = self.formed[gi]
            .iter()
            .map(|&i| self.id(self.schools[i]))
            .collect();
        ids.sort();
        ids
    }
}

impl Kind for SchoolGroups<'_> {
    fn kind(&self) -> MatchKind {
        MatchKind::SchoolGroups
    }

    fn demand_count(&self) -> usize {
        self.formed.len()
    }

    fn capacities(&self) -> Vec<u32> {
        // Each leader hosts one group (its capacity bounds the group's size).
        vec![1; self.leaders.len()]
    }

    fn arcs(&self, gi: usize, out: &mut Vec<(u32, i64)>) {
        for (s, &l) in self.leaders.iter().enumerate() {
            if let Some((score, _)) = self.score(gi, l, None) {
                out.push((s as u32, score));
            }
        }
    }

    fn no_candidate(&self, gi: usize) -> Phrase {
        Phrase::new("why-group-no-leader")
            .text("group", &self.labels[gi])
            .num("schools", self.formed[gi].len())
    }

    fn pair(&self, gi: usize, s: u32) -> ProposedPair {
        let grp = &self.formed[gi];
        let l = self.leaders[s as usize];
        let leader = &self.snap.schools[l as usize];
        let coh = cohesion(&self.features, grp);
        let mut terms = vec![label(
            Phrase::new("term-school-group")
                .num("schools", grp.len())
                .num("cohesion", (coh * 100.0).round() as i64),
        )];
        let (score, mode) = self
            .score(gi, l, Some(&mut terms))
            .unwrap_or((0, Mode::Online));
        let same_place = grp
            .iter()
            .all(|&i| self.snap.schools[self.schools[i] as usize].locality == leader.locality);
        ProposedPair {
            municipality_id: self.snap.schools[self.schools[grp[0]] as usize]
                .municipality_id
                .clone(),
            mentee_id: self.labels[gi].clone(),
            mentee_school_id: String::new(),
            subject: String::new(),
            level: None,
            mentor_id: leader.id.clone(),
            mentor_school_id: leader.id.clone(),
            mode,
            score,
            terms,
            locked: false,
            partnership_type: Some(if same_place {
                PartnershipType::Identical
            } else {
                PartnershipType::Instrumental
            }),
            type_reason: if same_place {
                Phrase::new("type-identical-group").text("locality", &leader.locality)
            } else {
                Phrase::new("type-instrumental-group")
            },
            members: self.member_ids(gi),
            cohesion_pct: Some((coh * 100.0).round() as u32),
        }
    }

    fn demand_id(&self, gi: usize) -> String {
        self.labels[gi].clone()
    }

    fn demand_label(&self, gi: usize) -> (String, String) {
        (self.labels[gi].clone(), String::new())
    }

    fn supplier_id(&self, s: u32) -> String {
        self.id(self.leaders[s as usize])
    }

    fn unmatched(&self, gi: usize, reason: UnmatchedReason) -> Vec<Unmatched> {
        self.formed[gi]
            .iter()
            .map(|&i| {
                let s = &self.snap.schools[self.schools[i] as usize];
                Unmatched {
                    mentee_id: s.id.clone(),
                    subject: String::new(),
                    level: None,
                    reason: reason.clone(),
                    municipality_id: s.municipality_id.clone(),
                    school_id: s.id.clone(),
                }
            })
            .collect()
    }

    fn extra_unmatched(&self) -> Vec<Unmatched> {
        self.ungrouped
            .iter()
            .map(|&i| {
                let s = &self.snap.schools[self.schools[i] as usize];
                Unmatched {
                    mentee_id: s.id.clone(),
                    subject: String::new(),
                    level: None,
                    reason: UnmatchedReason::NoCandidate(Phrase::new("why-no-school-group")),
                    municipality_id: s.municipality_id.clone(),
                    school_id: s.id.clone(),
                }
            })
            .collect()
    }

    fn held_count(&self) -> u64 {
        0
    }

    fn held(&self) -> Vec<ProposedPair> {
        Vec::new()
    }

    fn sort(&self, pairs: &mut [ProposedPair]) {
        pairs.sort_by(|a, b| a.mentee_id.cmp(&b.mentee_id));
    }

    fn coverage(&self, covered: &[bool]) -> Coverage {
        let schools: u64 = self
            .formed
            .iter()
            .zip(covered)
            .filter(|(_, c)| **c)
            .map(|(g, _)| g.len() as u64)
            .sum();
        Coverage {
            by_level: vec![CoverageRow {
                key: "schools in need".into(),
                demands: self.schools.len() as u64,
                covered: schools,
            }],
            by_subject: Vec::new(),
        }
    }

    fn diff(&self, pairs: &[ProposedPair]) -> Diff {
        let mut d = group_diff(self.snap, MatchKind::SchoolGroups, pairs);
        let (keep, end): (Vec<_>, Vec<_>) = std::mem::take(&mut d.ended)
            .into_iter()
            .partition(|e| self.kept_left.contains(&e.mentorship_id));
        for e in keep {
            d.kept.push(e.mentorship_id);
            d.kept_municipality.push(e.municipality_id);
        }
        d.ended = end;
        d
    }
}

/// Runs school-group matching (GROUPS mode): schools in need grouped by similar needs, each
/// group given one leader whose partner capacity fits it.
pub fn match_school_groups(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let started = Instant::now();
    let g = CompetenceGraph::build(snap);
    pipeline::run(
        started,
        &SchoolGroups::new(snap, &g, weights, policy),
        policy,
        options,
    )
}
