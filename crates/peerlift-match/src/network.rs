//! The active network of a scope and its statistics: coverage of schools in need and of A/B
//! deficits, leaders' load, isolated schools, connected components.

use std::collections::{BTreeMap, HashSet};

use peerlift_domain::{Level, MatchKind, SchoolStatus};
use petgraph::unionfind::UnionFind;

use crate::graph::{CompetenceGraph, Snapshot};

/// Per school, in snapshot order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchoolFigures {
    pub teachers: u32,
    pub ab_deficits: u32,
    pub ab_covered: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderLoad {
    pub school_id: String,
    pub partners: u32,
    pub capacity: u32,
    pub mentoring_pairs: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkStats {
    pub schools_in_need: u32,
    pub schools_in_need_with_partner: u32,
    pub ab_deficits: u64,
    pub ab_covered: u64,
    pub leaders: Vec<LeaderLoad>,
    pub isolated_schools: Vec<String>,
    pub component_sizes: Vec<u32>,
}

fn in_need(s: SchoolStatus) -> bool {
    matches!(s, SchoolStatus::LowResults | SchoolStatus::AtRisk)
}

/// Figures per school and for the whole network, from the active mentorships of `snap`.
pub fn analyse(
    snap: &Snapshot,
    default_partner_capacity: u32,
) -> (Vec<SchoolFigures>, NetworkStats) {
    let g = CompetenceGraph::build(snap);
    let n = snap.schools.len();
    let school_of = |muni: &str, id: &str| {
        g.school_index
            .get(&(muni.to_string(), id.to_string()))
            .copied()
    };
    let teacher_of = |muni: &str, id: &str| {
        g.teacher_index
            .get(&(muni.to_string(), id.to_string()))
            .copied()
    };

    let mut figures = vec![SchoolFigures::default(); n];
    for (t, teacher) in snap.teachers.iter().enumerate() {
        if let (true, Some(s)) = (teacher.active, g.teacher_school[t]) {
            figures[s as usize].teachers += 1;
        }
    }
    let mut mentored: HashSet<(u32, u32)> = HashSet::new();
    let mut partners = vec![0u32; n];
    let mut pairs_led = vec![0u32; n];
    let mut has_partner = vec![false; n];
    let mut has_mentee = vec![false; n];
    let mut uf = UnionFind::<usize>::new(n);
    for m in snap.mentorships.iter().filter(|m| m.is_active()) {
        let teachers = matches!(m.kind, MatchKind::TeacherPairs | MatchKind::TeacherGroups);
        for mentee in m.mentees() {
            if teachers {
                let (Some(e), Some(r)) = (
                    teacher_of(&m.municipality_id, mentee),
                    teacher_of(&m.mentor_key().0, &m.mentor_id),
                ) else {
                    continue;
                };
                if let Some(sj) = g.subject_id(&m.subject) {
                    mentored.insert((e, sj));
                }
                if let (Some(es), Some(rs)) =
                    (g.teacher_school[e as usize], g.teacher_school[r as usize])
                {
                    has_mentee[es as usize] = true;
                    pairs_led[rs as usize] += 1;
                    uf.union(es as usize, rs as usize);
                }
            } else {
                let (Some(a), Some(b)) = (
                    school_of(&m.municipality_id, mentee),
                    school_of(&m.mentor_key().0, &m.mentor_id),
                ) else {
                    continue;
                };
                has_partner[a as usize] = true;
                partners[b as usize] += 1;
                uf.union(a as usize, b as usize);
            }
        }
    }
    let mut stats = NetworkStats::default();
    let mut keys: Vec<&(u32, u32)> = g.latest.keys().collect();
    keys.sort_unstable();
    for k in keys {
        let (level, _) = g.latest[k];
        let (t, _) = *k;
        if !matches!(level, Level::A | Level::B) || !snap.teachers[t as usize].active {
            continue;
        }
        let covered = mentored.contains(k);
        stats.ab_deficits += 1;
        stats.ab_covered += u64::from(covered);
        if let Some(s) = g.teacher_school[t as usize] {
            figures[s as usize].ab_deficits += 1;
            figures[s as usize].ab_covered += u32::from(covered);
        }
    }
    for (i, s) in snap.schools.iter().enumerate() {
        if in_need(s.status) {
            stats.schools_in_need += 1;
            if has_partner[i] {
                stats.schools_in_need_with_partner += 1;
            }
            if !has_partner[i] && !has_mentee[i] {
                stats.isolated_schools.push(s.id.clone());
            }
        }
        if s.status == SchoolStatus::Leader {
            stats.leaders.push(LeaderLoad {
                school_id: s.id.clone(),
                partners: partners[i],
                capacity: s.partner_capacity.unwrap_or(default_partner_capacity),
                mentoring_pairs: pairs_led[i],
            });
        }
    }
    let mut sizes: BTreeMap<usize, u32> = BTreeMap::new();
    for i in 0..n {
        *sizes.entry(uf.find(i)).or_default() += 1;
    }
    stats.component_sizes = sizes.into_values().collect();
    stats.component_sizes.sort_unstable_by(|a, b| b.cmp(a));
    (figures, stats)
}
