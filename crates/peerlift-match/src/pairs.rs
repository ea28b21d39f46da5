//! Teacher pairs: demands, candidates, scores, the exact solve, explanations and the diff.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use peerlift_domain::{
    Coverage, Diff, Level, MatchKind, Mode, Phrase, Policy, ProposedPair, Term, Unmatched,
    UnmatchedReason, Weights,
};

use crate::explain::{counted, coverage_rows, diff_against, label, travel_term, Terms};
use crate::graph::{distance_km, CompetenceGraph, Snapshot};
use crate::pipeline::{self, Kind, RunOptions};

use crate::{MatchError, MatchOutcome};

/// One demand: a teacher's deficit in a subject.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Demand {
    pub(crate) teacher: u32,
    pub(crate) subject: u32,
    pub(crate) level: Level,
}

/// A scored candidate before solving.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) mentor: u32,
    pub(crate) mode: Mode,
    pub(crate) score: i64,
    pub(crate) parts: Parts,
}

/// The score's terms as numbers: candidate generation scores millions of arcs, so the named
/// breakdown is only built for the pairs that are shown.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Parts {
    pub(crate) level: Option<Level>,
    pub(crate) severity: i64,
    pub(crate) mentor_level: Option<(Level, i64)>,
    pub(crate) complementarity: i64,
    pub(crate) partnership: i64,
    pub(crate) continuity: i64,
    pub(crate) preference: i64,
    pub(crate) same_school: i64,
    /// (km, points) of an in-person pair.
    pub(crate) travel: Option<(f64, i64)>,
    pub(crate) online: i64,
}

impl Parts {
    pub(crate) fn sum(&self) -> i64 {
        self.severity
            + self.mentor_level.map(|x| x.1).unwrap_or(0)
            + self.complementarity
            + self.partnership
            + self.continuity
            + self.preference
            + self.same_school
            + self.travel.map(|x| x.1).unwrap_or(0)
            + self.online
    }

    pub(crate) fn terms(&self) -> Vec<Term> {
        let mut t = Terms::default();
        t.add_phrase(
            Phrase::new("term-severity")
                .text("level", self.level.map(Level::letter).unwrap_or("?")),
            self.severity,
        );
        if let Some((l, p)) = self.mentor_level {
            t.add_phrase(
                Phrase::new("term-mentor-level").text("level", l.letter()),
                p,
            );
        }
        t.add("term-complementarity", self.complementarity)
            .add("term-partner-school", self.partnership)
            .add("term-continuity", self.continuity)
            .add("term-preference", self.preference)
            .add("term-same-school", self.same_school);
        if let Some((km, p)) = self.travel {
            t.add_phrase(travel_term(km), p);
        }
        t.add("term-online", self.online).done()
    }
}

/// Why mentors of a subject were not candidates for a demand, counted.
#[derive(Debug, Default)]
struct Rejections(Vec<(&'static str, u32)>);

impl Rejections {
    fn add(&mut self, why: &'static str) {
        // A handful of distinct reasons: a linear scan beats a map here.
        match self.0.iter_mut().find(|(k, _)| *k == why) {
            Some((_, n)) => *n += 1,
            None => self.0.push((why, 1)),
        }
    }

    fn describe(&self, subject: &str) -> Phrase {
        if self.0.is_empty() {
            return Phrase::new("why-no-mentor-offers").subject("subject", subject);
        }
        let mut sorted = self.0.clone();
        sorted.sort();
        Phrase::new("why-mentors-excluded")
            .subject("subject", subject)
            .counts("parts", counted(&sorted))
    }
}

/// What candidate generation needs besides the graph.
pub(crate) struct Ctx<'a> {
    snap: &'a Snapshot,
    g: &'a CompetenceGraph,
    weights: &'a Weights,
    policy: &'a Policy,
    /// (mentee, mentor) teacher indexes.
    vetoed: HashSet<(u32, u32)>,
    preferred: HashSet<(u32, u32)>,
    /// Schools in an active partnership, both directions.
    partner_schools: HashSet<(u32, u32)>,
    /// Vetoes by id, for explaining ended pairs.
    vetoed_ids: HashSet<(String, String)>,
    /// Per school: (lat, lon) in radians and cos(lat), for fast distances.
    geo: Vec<Option<(f64, f64, f64)>>,
    /// Per profile: (in person, online).
    modes: Vec<(bool, bool)>,
    /// Per school: its municipality, interned (cross-municipality pairs are online only).
    pub(crate) school_muni: Vec<u32>,
    /// Active pairs (mentee, subject, mentor) -> mentorship index.
    existing: HashMap<(u32, u32, u32), usize>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        snap: &'a Snapshot,
        g: &'a CompetenceGraph,
        weights: &'a Weights,
        policy: &'a Policy,
    ) -> Ctx<'a> {
        let tkey = |m: &str, id: &str| {
            g.teacher_index
                .get(&(m.to_string(), id.to_string()))
                .copied()
        };
        let vetoed_ids: HashSet<(String, String)> = snap
            .vetoes
            .iter()
            .filter(|v| v.kind == MatchKind::TeacherPairs)
            .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
            .collect();
        let vetoed = snap
            .vetoes
            .iter()
            .filter(|v| v.kind == MatchKind::TeacherPairs)
            .filter_map(|v| {
                Some((
                    tkey(&v.municipality_id, &v.mentee_id)?,
                    tkey(&v.municipality_id, &v.mentor_id)?,
                ))
            })
            .collect();
        // Preferences name teachers by id; in a region the same id may exist in several
        // municipalities, and every such pair is preferred.
        let mut by_id: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, t) in snap.teachers.iter().enumerate() {
            by_id.entry(t.id.as_str()).or_default().push(i as u32);
        }
        let mut preferred = HashSet::new();
        for (a, b) in &policy.preferences {
            for x in by_id.get(a.as_str()).into_iter().flatten() {
                for y in by_id.get(b.as_str()).into_iter().flatten() {
                    preferred.insert((*x, *y));
                }
            }
        }
        let mut partner_schools = HashSet::new();
        for s in 0..g.school_node.len() as u32 {
            for p in g.partners(s) {
                partner_schools.insert((s, p));
                partner_schools.insert((p, s));
            }
        }
        let mut existing = HashMap::new();
        for (mi, m) in snap.mentorships.iter().enumerate() {
            if !m.is_active() || m.kind != MatchKind::TeacherPairs {
                continue;
            }
            let key = |id: &str| (m.municipality_id.clone(), id.to_string());
            if let (Some(&mentee), Some(&mentor), Some(subject)) = (
                g.teacher_index.get(&key(&m.mentee_id)),
                g.teacher_index.get(&m.mentor_key()),
                g.subject_id(&m.subject),
            ) {
                existing.insert((mentee, subject, mentor), mi);
            }
        }
        Ctx {
            snap,
            g,
            weights,
            policy,
            vetoed,
            preferred,
            partner_schools,
            vetoed_ids,
            geo: snap
                .schools
                .iter()
                .map(|x| {
                    x.location.map(|p| {
                        let lat = p.lat.to_radians();
                        (lat, p.lon.to_radians(), lat.cos())
                    })
                })
                .collect(),
            school_muni: {
                let mut ids: HashMap<&str, u32> = HashMap::new();
                snap.schools
                    .iter()
                    .map(|x| {
                        let n = ids.len() as u32;
                        *ids.entry(x.municipality_id.as_str()).or_insert(n)
                    })
                    .collect()
            },
            modes: snap
                .profiles
                .iter()
                .map(|p| {
                    (
                        p.modes.contains(&Mode::InPerson),
                        p.modes.contains(&Mode::Online),
                    )
                })
                .collect(),
            existing,
        }
    }

    /// Kilometres between two schools when they are within the travel limit (same school or
    /// locality without coordinates: 0), None when further or unknown. A latitude check first:
    /// most pairs of a region are far apart, and that needs no trigonometry.
    pub(crate) fn distance_within_limit(&self, a: u32, b: u32) -> Option<f64> {
        let limit = f64::from(self.policy.travel_limit_km);
        match (self.geo[a as usize], self.geo[b as usize]) {
            _ if a == b => Some(0.0),
            (Some((la1, lo1, c1)), Some((la2, lo2, c2))) => {
                // One degree of latitude is at least 110.5 km: a cheap lower bound.
                if (la1 - la2).abs().to_degrees() * 110.5 > limit {
                    return None;
                }
                let h =
                    ((la2 - la1) / 2.0).sin().powi(2) + c1 * c2 * ((lo2 - lo1) / 2.0).sin().powi(2);
                let km = 2.0 * 6371.0 * h.sqrt().asin();
                (km <= limit).then_some(km)
            }
            _ => school_distance(self.snap, a, b).filter(|k| *k <= limit),
        }
    }

    /// The hard rules and the score of mentor `m` (profile `pi`, level in the subject
    /// `mentor_level`) for demand `d`; Err names the rule that excludes the pair. Capacity is
    /// the caller's concern.
    pub(crate) fn evaluate(
        &self,
        d: &Demand,
        m: u32,
        mentor_level: Option<Level>,
        pi: u32,
    ) -> Result<Candidate, &'static str> {
        let mentor = &self.snap.teachers[m as usize];
        if m == d.teacher {
            return Err("rule-self");
        }
        if !mentor.active {
            return Err("rule-inactive");
        }
        if !self.vetoed.is_empty() && self.vetoed.contains(&(d.teacher, m)) {
            return Err("rule-vetoed");
        }
        let (Some(es), Some(ms)) = (
            self.g.teacher_school[d.teacher as usize],
            self.g.teacher_school[m as usize],
        ) else {
            return Err("rule-no-school");
        };
        let same_school = es == ms;
        if same_school && !self.policy.allow_same_school {
            return Err("rule-same-school");
        }
        let (offers_in_person, offers_online) = self.modes[pi as usize];
        // Across municipalities (a region's run) pairs are online only.
        let same_municipality = self.school_muni[es as usize] == self.school_muni[ms as usize];
        let km = if offers_in_person && same_municipality {
            self.distance_within_limit(es, ms)
        } else {
            None
        };
        let in_person = offers_in_person && km.is_some();
        let online = self.policy.allow_online
            && offers_online
            && self.snap.teachers[d.teacher as usize].accepts_online;
        if !in_person && !online {
            return Err(if same_municipality {
                "rule-too-far"
            } else {
                "rule-other-municipality"
            });
        }
        let w = self.weights;
        let mut parts = Parts {
            level: Some(d.level),
            severity: severity(w, d.level),
            mentor_level: match mentor_level {
                Some(Level::D) => Some((Level::D, w.mentor_level_d)),
                Some(Level::C) => Some((Level::C, w.mentor_level_c)),
                _ => None,
            },
            complementarity: (complementarity(self.g, d.teacher, m) * w.complementarity as f64)
                .round() as i64,
            ..Parts::default()
        };
        if !same_school
            && !self.partner_schools.is_empty()
            && self.partner_schools.contains(&(es, ms))
        {
            parts.partnership = w.partnership;
        }
        if !self.existing.is_empty() && self.existing.contains_key(&(d.teacher, d.subject, m)) {
            parts.continuity = w.continuity;
        }
        if !self.preferred.is_empty() && self.preferred.contains(&(d.teacher, m)) {
            parts.preference = w.preference;
        }
        if same_school {
            parts.same_school = w.same_school;
        }
        // In person whenever the travel limit allows (visits to lessons are the core of
        // mentoring); online otherwise.
        let mode = if in_person {
            let k = km.unwrap_or(0.0);
            parts.travel = Some((k, -((k * w.travel_per_km as f64).round() as i64)));
            Mode::InPerson
        } else {
            parts.online = -w.online_penalty;
            Mode::Online
        };
        Ok(Candidate {
            mentor: m,
            mode,
            score: parts.sum(),
            parts,
        })
    }
}

/// Level -> its severity weight.
pub(crate) fn severity(w: &Weights, l: Level) -> i64 {
    match l {
        Level::A => w.severity_a,
        Level::B => w.severity_b,
        Level::C => w.severity_c,
        Level::D => 0,
    }
}

/// Teacher pairs as a kind of the pipeline: a demand is a teacher's deficit in a subject, a
/// supplier a mentor with places left.
struct Pairs<'a> {
    snap: &'a Snapshot,
    g: &'a CompetenceGraph,
    ctx: Ctx<'a>,
    policy: &'a Policy,
    demands: Vec<Demand>,
    /// Held pairs (locked, or pinned while valid): their demand and mentorship.
    held: Vec<(Demand, usize)>,
    /// Teacher of each supplier, and the supplier of each teacher (NIL when none).
    suppliers: Vec<u32>,
    supplier_of: Vec<u32>,
    capacities: Vec<u32>,
    /// Per subject: the mentors who offer it (teacher, their level, profile).
    strong: Vec<Vec<(u32, Option<Level>, u32)>>,
}

const NIL: u32 = u32::MAX;

impl<'a> Pairs<'a> {
    fn new(
        snap: &'a Snapshot,
        g: &'a CompetenceGraph,
        weights: &'a Weights,
        policy: &'a Policy,
    ) -> Pairs<'a> {
        let teachers = &snap.teachers;
        let ctx = Ctx::new(snap, g, weights, policy);
        // Locked pairs are pre-assigned and take their mentor's capacity; so are pinned ones
        // while still valid (in id order, up to the mentor's capacity).
        let mut held_load: HashMap<u32, u32> = HashMap::new();
        let mut held_demands: HashMap<(u32, u32), usize> = HashMap::new();
        let mut order: Vec<usize> = (0..snap.mentorships.len()).collect();
        order.sort_by_key(|&i| (!snap.mentorships[i].locked, &snap.mentorships[i].id));
        for mi in order {
            let m = &snap.mentorships[mi];
            if !m.is_active() || m.kind != MatchKind::TeacherPairs {
                continue;
            }
            let key = |id: &str| (m.municipality_id.clone(), id.to_string());
            let (Some(&mentee), Some(&mentor), Some(subject)) = (
                g.teacher_index.get(&key(&m.mentee_id)),
                g.teacher_index.get(&m.mentor_key()),
                g.subject_id(&m.subject),
            ) else {
                continue;
            };
            let still_valid = || {
                let load = held_load.get(&mentor).copied().unwrap_or(0);
                teachers[mentee as usize].active
                    && teachers[mentor as usize].active
                    && g.latest
                        .get(&(mentee, subject))
                        .is_some_and(|(l, _)| policy.levels.contains(l))
                    && g.profile_of[mentor as usize].is_some_and(|pi| {
                        let p = &snap.profiles[pi as usize];
                        p.subjects.contains(&m.subject) && p.capacity > load
                    })
                    && !ctx
                        .vetoed_ids
                        .contains(&(m.mentee_id.clone(), m.mentor_id.clone()))
            };
            if m.held_by_office() || (snap.pinned.contains(&m.id) && still_valid()) {
                *held_load.entry(mentor).or_default() += 1;
                held_demands.insert((mentee, subject), mi);
            }
        }

        // Demands, in teacher then subject order.
        let mut demands = Vec::new();
        let mut held = Vec::new();
        for (t, teacher) in teachers.iter().enumerate() {
            if !teacher.active {
                continue;
            }
            for (subject, level) in g.deficits(t as u32) {
                if !policy.levels.contains(&level) {
                    continue;
                }
                let d = Demand {
                    teacher: t as u32,
                    subject,
                    level,
                };
                match held_demands.get(&(t as u32, subject)) {
                    Some(mi) => held.push((d, *mi)),
                    None => demands.push(d),
                }
            }
        }

        // Suppliers: mentors with a profile and capacity left after held pairs.
        let mut supplier_of = vec![NIL; teachers.len()];
        let mut suppliers: Vec<u32> = Vec::new();
        let mut capacities: Vec<u32> = Vec::new();
        for (t, teacher) in teachers.iter().enumerate() {
            let Some(pi) = g.profile_of[t] else { continue };
            if !teacher.active {
                continue;
            }
            let cap = snap.profiles[pi as usize].capacity;
            let left = cap.saturating_sub(held_load.get(&(t as u32)).copied().unwrap_or(0));
            if left == 0 {
                continue;
            }
            supplier_of[t] = suppliers.len() as u32;
            suppliers.push(t as u32);
            capacities.push(left);
        }
        let strong = (0..g.subjects.len() as u32)
            .map(|sj| g.strong_in(sj))
            .collect();
        Pairs {
            snap,
            g,
            ctx,
            policy,
            demands,
            held,
            suppliers,
            supplier_of,
            capacities,
            strong,
        }
    }

    fn school_id(&self, t: u32) -> String {
        self.g.teacher_school[t as usize]
            .map(|s| self.snap.schools[s as usize].id.clone())
            .unwrap_or_default()
    }

    fn proposed(&self, d: &Demand, c: &Candidate, mentor_id: &str) -> ProposedPair {
        let mentee = &self.snap.teachers[d.teacher as usize];
        ProposedPair {
            municipality_id: mentee.municipality_id.clone(),
            mentee_id: mentee.id.clone(),
            mentee_school_id: self.school_id(d.teacher),
            subject: self.g.subjects[d.subject as usize].clone(),
            level: Some(d.level),
            mentor_id: mentor_id.to_string(),
            mentor_school_id: self.school_id(c.mentor),
            mode: c.mode,
            score: c.score,
            terms: c.parts.terms(),
            locked: false,
            partnership_type: None,
            type_reason: Phrase::default(),
            members: Vec::new(),
            cohesion_pct: None,
        }
    }
}

impl Kind for Pairs<'_> {
    fn kind(&self) -> MatchKind {
        MatchKind::TeacherPairs
    }

    fn demand_count(&self) -> usize {
        self.demands.len()
    }

    fn capacities(&self) -> Vec<u32> {
        self.capacities.clone()
    }

    fn priority(&self, d: usize) -> bool {
        self.demands[d].level == Level::A
    }

    fn arcs(&self, di: usize, out: &mut Vec<(u32, i64)>) {
        let d = &self.demands[di];
        for &(m, mentor_level, pi) in &self.strong[d.subject as usize] {
            let s = self.supplier_of[m as usize];
            if s == NIL || m == d.teacher {
                continue;
            }
            if let Ok(c) = self.ctx.evaluate(d, m, mentor_level, pi) {
                out.push((s, c.score));
            }
        }
    }

    fn no_candidate(&self, di: usize) -> Phrase {
        let d = &self.demands[di];
        let mut rejected = Rejections::default();
        for &(m, mentor_level, pi) in &self.strong[d.subject as usize] {
            if m == d.teacher {
                continue; // oneself: not even worth counting
            }
            if self.supplier_of[m as usize] == NIL {
                rejected.add("rule-no-capacity");
                continue;
            }
            if let Err(why) = self.ctx.evaluate(d, m, mentor_level, pi) {
                rejected.add(why);
            }
        }
        rejected.describe(&self.g.subjects[d.subject as usize])
    }

    fn pair(&self, di: usize, s: u32) -> ProposedPair {
        let d = &self.demands[di];
        let m = self.suppliers[s as usize];
        let mentor_id = &self.snap.teachers[m as usize].id;
        let c = self.g.profile_of[m as usize].and_then(|pi| {
            let level = self.g.latest.get(&(m, d.subject)).map(|(l, _)| *l);
            self.ctx.evaluate(d, m, level, pi).ok()
        });
        match c {
            Some(c) => self.proposed(d, &c, mentor_id),
            // The arc passed these rules a moment ago: unreachable, but say so rather than
            // inventing a score.
            None => {
                let empty = Candidate {
                    mentor: m,
                    mode: Mode::Online,
                    score: 0,
                    parts: Parts::default(),
                };
                self.proposed(d, &empty, mentor_id)
            }
        }
    }

    fn demand_id(&self, di: usize) -> String {
        let (who, subject) = self.demand_label(di);
        format!("{who}/{subject}")
    }

    fn demand_label(&self, di: usize) -> (String, String) {
        let d = &self.demands[di];
        (
            self.snap.teachers[d.teacher as usize].id.clone(),
            self.g.subjects[d.subject as usize].clone(),
        )
    }

    fn supplier_id(&self, s: u32) -> String {
        self.snap.teachers[self.suppliers[s as usize] as usize]
            .id
            .clone()
    }

    fn unmatched(&self, di: usize, reason: UnmatchedReason) -> Vec<Unmatched> {
        let d = &self.demands[di];
        let mentee = &self.snap.teachers[d.teacher as usize];
        vec![Unmatched {
            mentee_id: mentee.id.clone(),
            subject: self.g.subjects[d.subject as usize].clone(),
            level: Some(d.level),
            reason,
            municipality_id: mentee.municipality_id.clone(),
            school_id: self.school_id(d.teacher),
        }]
    }

    fn held_count(&self) -> u64 {
        self.held.len() as u64
    }

    fn held(&self) -> Vec<ProposedPair> {
        let (snap, g) = (self.snap, self.g);
        self.held
            .iter()
            .map(|(d, mi)| {
                let m = &snap.mentorships[*mi];
                let mentor = g
                    .teacher_index
                    .get(&m.mentor_key())
                    .copied()
                    .unwrap_or(d.teacher);
                // Scored as today's data would score it (the stored score is from when it was
                // made), so objectives with held pairs compare with runs without them.
                let current = g.profile_of[mentor as usize].and_then(|pi| {
                    let mentor_level = g.latest.get(&(mentor, d.subject)).map(|(l, _)| *l);
                    self.ctx.evaluate(d, mentor, mentor_level, pi).ok()
                });
                let (score, mut terms) = match current {
                    Some(c) => (c.score, c.parts.terms()),
                    None => (m.score, Vec::new()),
                };
                terms.push(label(Phrase::new("term-locked")));
                ProposedPair {
                    municipality_id: m.municipality_id.clone(),
                    mentee_id: snap.teachers[d.teacher as usize].id.clone(),
                    mentee_school_id: self.school_id(d.teacher),
                    subject: g.subjects[d.subject as usize].clone(),
                    level: Some(d.level),
                    mentor_id: m.mentor_id.clone(),
                    mentor_school_id: self.school_id(mentor),
                    mode: m.mode,
                    score,
                    terms,
                    locked: true,
                    partnership_type: None,
                    type_reason: Phrase::default(),
                    members: Vec::new(),
                    cohesion_pct: None,
                }
            })
            .collect()
    }

    fn coverage(&self, covered: &[bool]) -> Coverage {
        // By level and subject; held pairs count as covered.
        let mut by_level: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut by_subject: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let all = self
            .demands
            .iter()
            .zip(covered.iter().copied())
            .chain(self.held.iter().map(|(d, _)| (d, true)));
        for (d, covered) in all {
            for (map, key) in [
                (&mut by_level, d.level.letter().to_string()),
                (&mut by_subject, self.g.subjects[d.subject as usize].clone()),
            ] {
                let e = map.entry(key).or_default();
                e.0 += 1;
                e.1 += u64::from(covered);
            }
        }
        Coverage {
            by_level: coverage_rows(by_level),
            by_subject: coverage_rows(by_subject),
        }
    }

    fn diff(&self, pairs: &[ProposedPair]) -> Diff {
        let snap = self.snap;
        let by_mentee: HashMap<(String, String), usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.mentee_id.clone(), p.subject.clone()), i))
            .collect();
        // Each mentor's active teacher pairs, for "capacity cut below the load".
        let mut active_load: HashMap<(String, String), u32> = HashMap::new();
        for x in &snap.mentorships {
            if x.is_active() && x.kind == MatchKind::TeacherPairs {
                *active_load.entry(x.mentor_key()).or_default() += 1;
            }
        }
        diff_against(
            snap,
            MatchKind::TeacherPairs,
            pairs,
            |p| (p.mentee_id.clone(), p.subject.clone(), p.mentor_id.clone()),
            |m| m.pair_key(),
            |m| {
                let load = active_load.get(&m.mentor_key()).copied().unwrap_or(0);
                end_reason(
                    snap,
                    self.g,
                    self.policy,
                    &self.ctx.vetoed_ids,
                    m,
                    load,
                    (&by_mentee, pairs),
                )
            },
        )
    }
}

/// Runs teacher-pair matching on a snapshot.
pub fn match_teacher_pairs(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let started = Instant::now();
    let g = CompetenceGraph::build(snap);
    pipeline::run(
        started,
        &Pairs::new(snap, &g, weights, policy),
        policy,
        options,
    )
}

/// Checks a hand-made teacher pair against the same hard rules the matcher applies, plus the
/// mentor's capacity (active pairs must leave room); returns the pair with its scores.
///
/// With `needs_deficit` false (a young specialist, voluntary C-level work) the mentee's level
/// in the subject may be any, or undiagnosed: the pair is scored as a C-level demand.
#[allow(clippy::too_many_arguments)]
pub fn check_teacher_pair(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    municipality_id: &str,
    mentee_id: &str,
    subject: &str,
    mentor_id: &str,
    needs_deficit: bool,
) -> Result<ProposedPair, Vec<String>> {
    let g = CompetenceGraph::build(snap);
    let ctx = Ctx::new(snap, &g, weights, policy);
    let key = |id: &str| (municipality_id.to_string(), id.to_string());
    let mentee = *g
        .teacher_index
        .get(&key(mentee_id))
        .ok_or_else(|| vec![format!("no teacher '{mentee_id}'")])?;
    let mentor = *g
        .teacher_index
        .get(&key(mentor_id))
        .ok_or_else(|| vec![format!("no teacher '{mentor_id}'")])?;
    // Every rule the pair breaks, not only the first: the office accepts them knowingly.
    let mut broken = Vec::new();
    if !snap.teachers[mentee as usize].active {
        broken.push(format!("mentee '{mentee_id}' is inactive"));
    }
    let Some(sj) = g.subject_id(subject) else {
        broken.push(if needs_deficit {
            format!("no diagnostic of {subject} for '{mentee_id}'")
        } else {
            format!("no teacher of the municipality is diagnosed or mentors in {subject}")
        });
        return Err(broken);
    };
    let level = match g.latest.get(&(mentee, sj)) {
        _ if !needs_deficit => Level::C,
        Some((l, _)) if policy.levels.contains(l) => *l,
        Some((l, date)) => {
            broken.push(format!(
                "'{mentee_id}' has no deficit to work on in {subject}: level {} at the diagnostic of {date}",
                l.letter()
            ));
            Level::C
        }
        None => {
            broken.push(format!("no diagnostic of {subject} for '{mentee_id}'"));
            Level::C
        }
    };
    let Some((_, mentor_level, pi)) = g.strong_in(sj).into_iter().find(|(t, _, _)| *t == mentor)
    else {
        broken.push(format!("'{mentor_id}' does not offer {subject} as a mentor (no profile, not in its subjects, or deficient in it)"));
        return Err(broken);
    };
    let load = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == MatchKind::TeacherPairs && m.mentor_id == mentor_id)
        .count() as u32;
    let capacity = snap.profiles[pi as usize].capacity;
    if load >= capacity {
        broken.push(format!(
            "'{mentor_id}' is at capacity: {load} active pairs of {capacity}"
        ));
    }
    let d = Demand {
        teacher: mentee,
        subject: sj,
        level,
    };
    let c = match ctx.evaluate(&d, mentor, mentor_level, pi) {
        Ok(c) => c,
        Err(why) => {
            broken.push(format!(
                "the pair breaks a hard rule: the mentor is {}",
                peerlift_text::english(&Phrase::new(why))
            ));
            return Err(broken);
        }
    };
    if !broken.is_empty() {
        return Err(broken);
    }
    let school = |t: u32| {
        g.teacher_school[t as usize]
            .map(|s| snap.schools[s as usize].id.clone())
            .unwrap_or_default()
    };
    Ok(ProposedPair {
        municipality_id: municipality_id.to_string(),
        mentee_id: mentee_id.to_string(),
        mentee_school_id: school(mentee),
        subject: subject.to_string(),
        level: Some(level),
        mentor_id: mentor_id.to_string(),
        mentor_school_id: school(mentor),
        mode: c.mode,
        score: c.score,
        terms: c.parts.terms(),
        locked: false,
        partnership_type: None,
        type_reason: Phrase::default(),
        members: Vec::new(),
        cohesion_pct: None,
    })
}

/// Kilometres between two schools: 0 for the same school or locality without coordinates,
/// None when it cannot be told.
pub(crate) fn school_distance(snap: &Snapshot, a: u32, b: u32) -> Option<f64> {
    if a == b {
        return Some(0.0);
    }
    let (sa, sb) = (&snap.schools[a as usize], &snap.schools[b as usize]);
    match (sa.location, sb.location) {
        (Some(p), Some(q)) => Some(distance_km((p.lat, p.lon), (q.lat, q.lon))),
        _ if !sa.locality.is_empty() && sa.locality == sb.locality => Some(0.0),
        _ => None,
    }
}

/// Sum over competence areas of how much stronger the mentor is than the mentee (0..#areas).
fn complementarity(g: &CompetenceGraph, mentee: u32, mentor: u32) -> f64 {
    let (e, m) = (
        &g.area_scores[mentee as usize],
        &g.area_scores[mentor as usize],
    );
    if e.is_empty() || m.is_empty() {
        return 0.0;
    }
    e.iter()
        .zip(m)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| f64::from((b - a).max(0.0)))
        .sum()
}

/// Why an active pair is not in the proposal.
fn end_reason(
    snap: &Snapshot,
    g: &CompetenceGraph,
    policy: &Policy,
    vetoed: &HashSet<(String, String)>,
    m: &peerlift_domain::Mentorship,
    load: u32,
    (by_mentee, pairs): (&HashMap<(String, String), usize>, &[ProposedPair]),
) -> Phrase {
    let key = |id: &str| (m.municipality_id.clone(), id.to_string());
    let mentee = g.teacher_index.get(&key(&m.mentee_id)).copied();
    let mentor = g.teacher_index.get(&m.mentor_key()).copied();
    let (Some(mentee), Some(mentor)) = (mentee, mentor) else {
        return Phrase::new("end-teacher-gone");
    };
    if !snap.teachers[mentee as usize].active {
        return Phrase::new("end-mentee-inactive").text("mentee", &m.mentee_id);
    }
    if !snap.teachers[mentor as usize].active {
        return Phrase::new("end-mentor-inactive").text("mentor", &m.mentor_id);
    }
    if let Some(sj) = g.subject_id(&m.subject) {
        match g.latest.get(&(mentee, sj)) {
            Some((level, date)) if !policy.levels.contains(level) => {
                return Phrase::new("end-deficit-closed")
                    .text("level", level.letter())
                    .text("date", date.to_string());
            }
            None => return Phrase::new("end-no-diagnostic").subject("subject", &m.subject),
            _ => {}
        }
    }
    if vetoed.contains(&(m.mentee_id.clone(), m.mentor_id.clone())) {
        return Phrase::new("end-pair-vetoed");
    }
    match g.profile_of[mentor as usize] {
        None => return Phrase::new("end-no-profile"),
        Some(pi) => {
            let p = &snap.profiles[pi as usize];
            if p.capacity == 0 {
                return Phrase::new("end-capacity-zero");
            }
            if !p.subjects.contains(&m.subject) {
                return Phrase::new("end-no-longer-offers").subject("subject", &m.subject);
            }
            if load > p.capacity {
                return Phrase::new("end-capacity-cut")
                    .text("mentor", &m.mentor_id)
                    .num("capacity", p.capacity)
                    .num("load", load);
            }
        }
    }
    match by_mentee.get(&(m.mentee_id.clone(), m.subject.clone())) {
        Some(i) => {
            let p = &pairs[*i];
            Phrase::new("end-replaced-pair")
                .text("mentee", &m.mentee_id)
                .text("mentor", &p.mentor_id)
                .num("score", p.score)
        }
        None => Phrase::new("end-outbid-pair").text("mentor", &m.mentor_id),
    }
}
