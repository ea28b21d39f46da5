//! The competence graph of one scope.
//!
//! Nodes: schools, teachers, subjects, competence areas. Edges: works-at (teacher -> school),
//! deficit (teacher -> subject, with the latest level), strength (mentor -> subject: the
//! teacher offers the subject and is not deficient in it), score (teacher -> area, the latest
//! score), mentorship (mentor -> mentee, active teacher pairs) and partnership (leader school
//! -> school, active). Candidate generation walks it: a deficit edge leads to a subject, whose
//! incoming strength edges are the possible mentors.

use std::collections::HashMap;

use jiff::civil::Date;
use peerlift_domain::{
    Diagnostic, Level, MatchKind, MentorProfile, Mentorship, School, Teacher, Veto,
};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

/// Everything one run reads: records of one scope, as the store holds them.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub schools: Vec<School>,
    pub teachers: Vec<Teacher>,
    pub profiles: Vec<MentorProfile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Active mentorships of every kind.
    pub mentorships: Vec<Mentorship>,
    pub vetoes: Vec<Veto>,
    /// Mentorships to keep as they are while they remain valid (the warm start of the nightly
    /// rematch): pre-assigned like locked ones, but one whose demand is gone, whose people
    /// left, whose mentor stopped offering the subject or lost the capacity, or that was vetoed,
    /// is not held and ends with its reason. Teacher pairs only.
    pub pinned: std::collections::BTreeSet<String>,
    /// Internship platforms of leader schools (management platforms).
    pub platforms: Vec<peerlift_domain::Platform>,
    /// Management diagnostics of administrators (management platforms).
    pub management: Vec<peerlift_domain::ManagementDiagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    School(u32),
    Teacher(u32),
    Subject(u32),
    Area(u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edge {
    WorksAt,
    /// The latest diagnostic's level, and the index of that diagnostic.
    Deficit {
        level: Level,
        diagnostic: u32,
    },
    /// The mentor's latest level in the subject, if diagnosed; the profile's index.
    Strength {
        level: Option<Level>,
        profile: u32,
    },
    Score(f32),
    /// Index into `Snapshot::mentorships`.
    Mentorship(u32),
    Partnership(u32),
}

/// Identity of a teacher or school across municipalities.
pub type Key = (String, String);

/// The graph plus the lookups candidate generation needs.
#[derive(Debug)]
pub struct CompetenceGraph {
    pub graph: DiGraph<Node, Edge, u32>,
    pub school_node: Vec<NodeIndex>,
    pub teacher_node: Vec<NodeIndex>,
    pub subject_node: Vec<NodeIndex>,
    pub subjects: Vec<String>,
    pub areas: Vec<String>,
    pub school_index: HashMap<Key, u32>,
    pub teacher_index: HashMap<Key, u32>,
    /// School index of each teacher (None when the school is not in the snapshot).
    pub teacher_school: Vec<Option<u32>>,
    /// Dense copy of the score edges: teacher -> per-area score (NaN = not scored).
    pub area_scores: Vec<Vec<f32>>,
    /// Profile index by teacher.
    pub profile_of: Vec<Option<u32>>,
    /// Latest level by (teacher, subject), with its date.
    pub latest: HashMap<(u32, u32), (Level, Date)>,
}

impl CompetenceGraph {
    pub fn build(s: &Snapshot) -> CompetenceGraph {
        let mut graph: DiGraph<Node, Edge, u32> = DiGraph::default();
        let mut school_index = HashMap::with_capacity(s.schools.len());
        let mut school_node = Vec::with_capacity(s.schools.len());
        for (i, x) in s.schools.iter().enumerate() {
            school_index.insert((x.municipality_id.clone(), x.id.clone()), i as u32);
            school_node.push(graph.add_node(Node::School(i as u32)));
        }
        let mut teacher_index = HashMap::with_capacity(s.teachers.len());
        let mut teacher_node = Vec::with_capacity(s.teachers.len());
        let mut teacher_school = Vec::with_capacity(s.teachers.len());
        for (i, t) in s.teachers.iter().enumerate() {
            teacher_index.insert((t.municipality_id.clone(), t.id.clone()), i as u32);
            let n = graph.add_node(Node::Teacher(i as u32));
            teacher_node.push(n);
            let school = school_index
                .get(&(t.municipality_id.clone(), t.school_id.clone()))
                .copied();
            if let Some(sc) = school {
                graph.add_edge(n, school_node[sc as usize], Edge::WorksAt);
            }
            teacher_school.push(school);
        }

        // Subjects get nodes as they are met, in a deterministic order.
        let mut subj = Interner::default();
        // Latest diagnostic per (teacher, subject): the latest date, then the largest id.
        let mut latest_diag: HashMap<(u32, u32), u32> = HashMap::new();
        for (di, d) in s.diagnostics.iter().enumerate() {
            let Some(&t) = teacher_index.get(&(d.municipality_id.clone(), d.teacher_id.clone()))
            else {
                continue;
            };
            let sj = subj.get_or_add(&mut graph, &d.subject);
            let e = latest_diag.entry((t, sj)).or_insert(di as u32);
            let cur = &s.diagnostics[*e as usize];
            if (d.date, &d.id) > (cur.date, &cur.id) {
                *e = di as u32;
            }
        }
        let mut latest = HashMap::with_capacity(latest_diag.len());
        let mut keys: Vec<(u32, u32)> = latest_diag.keys().copied().collect();
        keys.sort_unstable();
        for (t, sj) in &keys {
            let di = latest_diag[&(*t, *sj)];
            let d = &s.diagnostics[di as usize];
            latest.insert((*t, *sj), (d.level, d.date));
            graph.add_edge(
                teacher_node[*t as usize],
                subj.nodes[*sj as usize],
                Edge::Deficit {
                    level: d.level,
                    diagnostic: di,
                },
            );
        }

        // Competence areas: a teacher's latest score per area over all subjects.
        let mut areas: Vec<String> = Vec::new();
        let mut area_ids: HashMap<String, u32> = HashMap::new();
        let mut area_best: HashMap<(u32, u32), (Date, f32)> = HashMap::new();
        for (t, sj) in &keys {
            let d = &s.diagnostics[latest_diag[&(*t, *sj)] as usize];
            for (area, score) in &d.scores {
                let a = match area_ids.get(area) {
                    Some(a) => *a,
                    None => {
                        let a = areas.len() as u32;
                        areas.push(area.clone());
                        area_ids.insert(area.clone(), a);
                        a
                    }
                };
                let e = area_best.entry((*t, a)).or_insert((d.date, *score as f32));
                if d.date > e.0 {
                    *e = (d.date, *score as f32);
                }
            }
        }
        let area_node: Vec<NodeIndex> = (0..areas.len())
            .map(|a| graph.add_node(Node::Area(a as u32)))
            .collect();
        let mut area_scores = vec![Vec::new(); s.teachers.len()];
        let mut scored: Vec<((u32, u32), f32)> =
            area_best.into_iter().map(|(k, (_, v))| (k, v)).collect();
        scored.sort_unstable_by_key(|(k, _)| *k);
        for ((t, a), v) in scored {
            graph.add_edge(
                teacher_node[t as usize],
                area_node[a as usize],
                Edge::Score(v),
            );
            let row = &mut area_scores[t as usize];
            if row.is_empty() {
                *row = vec![f32::NAN; areas.len()];
            }
            row[a as usize] = v;
        }

        // Strength: a mentor profile's subjects, unless the latest diagnostic says A or B.
        let mut profile_of = vec![None; s.teachers.len()];
        for (pi, p) in s.profiles.iter().enumerate() {
            let Some(&t) = teacher_index.get(&(p.municipality_id.clone(), p.teacher_id.clone()))
            else {
                continue;
            };
            profile_of[t as usize] = Some(pi as u32);
            for code in &p.subjects {
                let sj = subj.get_or_add(&mut graph, code);
                let level = latest.get(&(t, sj)).map(|(l, _)| *l);
                if matches!(level, Some(Level::A | Level::B)) {
                    continue;
                }
                graph.add_edge(
                    teacher_node[t as usize],
                    subj.nodes[sj as usize],
                    Edge::Strength {
                        level,
                        profile: pi as u32,
                    },
                );
            }
        }

        for (mi, m) in s.mentorships.iter().enumerate() {
            if !m.is_active() {
                continue;
            }
            let key = |id: &str| (m.municipality_id.clone(), id.to_string());
            let teachers = matches!(m.kind, MatchKind::TeacherPairs | MatchKind::TeacherGroups);
            for mentee in m.mentees() {
                if teachers {
                    if let (Some(a), Some(b)) = (
                        teacher_index.get(&m.mentor_key()),
                        teacher_index.get(&key(mentee)),
                    ) {
                        graph.add_edge(
                            teacher_node[*a as usize],
                            teacher_node[*b as usize],
                            Edge::Mentorship(mi as u32),
                        );
                    }
                } else if let (Some(a), Some(b)) = (
                    school_index.get(&m.mentor_key()),
                    school_index.get(&key(mentee)),
                ) {
                    graph.add_edge(
                        school_node[*a as usize],
                        school_node[*b as usize],
                        Edge::Partnership(mi as u32),
                    );
                }
            }
        }

        CompetenceGraph {
            graph,
            school_node,
            teacher_node,
            subject_node: subj.nodes,
            subjects: subj.codes,
            areas,
            school_index,
            teacher_index,
            teacher_school,
            area_scores,
            profile_of,
            latest,
        }
    }

    /// The deficit edges of a teacher: (subject, level).
    pub fn deficits(&self, teacher: u32) -> Vec<(u32, Level)> {
        let mut out: Vec<(u32, Level)> = self
            .graph
            .edges_directed(self.teacher_node[teacher as usize], Direction::Outgoing)
            .filter_map(|e| match (e.weight(), self.graph[e.target()]) {
                (Edge::Deficit { level, .. }, Node::Subject(s)) => Some((s, *level)),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// The mentors who can mentor a subject: (teacher, their level, profile index).
    pub fn strong_in(&self, subject: u32) -> Vec<(u32, Option<Level>, u32)> {
        let mut out: Vec<(u32, Option<Level>, u32)> = self
            .graph
            .edges_directed(self.subject_node[subject as usize], Direction::Incoming)
            .filter_map(|e| match (e.weight(), self.graph[e.source()]) {
                (Edge::Strength { level, profile }, Node::Teacher(t)) => {
                    Some((t, *level, *profile))
                }
                _ => None,
            })
            .collect();
        out.sort_unstable_by_key(|x| x.0);
        out
    }

    /// Active partner schools of a school (either direction).
    pub fn partners(&self, school: u32) -> Vec<u32> {
        let n = self.school_node[school as usize];
        let mut out: Vec<u32> = self
            .graph
            .edges_directed(n, Direction::Outgoing)
            .chain(self.graph.edges_directed(n, Direction::Incoming))
            .filter(|e| matches!(e.weight(), Edge::Partnership(_)))
            .filter_map(|e| {
                let other = if e.source() == n {
                    e.target()
                } else {
                    e.source()
                };
                match self.graph[other] {
                    Node::School(s) => Some(s),
                    _ => None,
                }
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn subject_id(&self, code: &str) -> Option<u32> {
        self.subjects
            .iter()
            .position(|s| s == code)
            .map(|i| i as u32)
    }
}

/// Subject codes to dense ids and graph nodes.
#[derive(Default)]
struct Interner {
    codes: Vec<String>,
    ids: HashMap<String, u32>,
    nodes: Vec<NodeIndex>,
}

impl Interner {
    fn get_or_add(&mut self, graph: &mut DiGraph<Node, Edge, u32>, code: &str) -> u32 {
        if let Some(i) = self.ids.get(code) {
            return *i;
        }
        let i = self.codes.len() as u32;
        self.codes.push(code.to_string());
        self.ids.insert(code.to_string(), i);
        self.nodes.push(graph.add_node(Node::Subject(i)));
        i
    }
}

/// Great-circle distance in km.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_between_kirovsk_and_shlisselburg() {
        let d = distance_km((59.876, 30.990), (59.944, 31.033));
        assert!((7.0..9.0).contains(&d), "{d}");
    }
}
