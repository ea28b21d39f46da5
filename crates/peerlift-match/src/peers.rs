//! Peer partnerships (seed 003's *identical* type): two schools of similar needs and
//! complementary strengths, neither of them a leader, with a common goal and shared resources
//! (Otradnoe SOSh No3 with Otradnoe SOSh No2).
//!
//! These are suggestions for the office, not a run: a school-partnership run matches schools
//! in need with leaders (exactly); this lists, for each school in need, the non-leader schools
//! that would make the best peers, each explained term by term like a pair. The office makes
//! the partnership it chooses (`CreateMentorship`, type identical), and runs then keep it.

use std::collections::HashSet;

use peerlift_domain::{MatchKind, PartnershipType, Phrase, Policy, SchoolStatus, Term, Weights};

use crate::explain::Terms;
use crate::graph::{CompetenceGraph, Snapshot};
use crate::pairs::school_distance;
use crate::schools::{is_in_need, subject_counts};

/// A partner's teachers are strong in a subject when at least this share of its diagnosed
/// teachers are at D there.
const STRONG_SHARE: f64 = 0.5;

/// One suggested peer of a school in need.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerSuggestion {
    pub municipality_id: String,
    pub school_id: String,
    pub partner_id: String,
    pub score: i64,
    pub terms: Vec<Term>,
    /// Subjects both schools need: their common goal.
    pub shared: Vec<String>,
    /// Subjects the partner is strong in where the school needs help.
    pub partner_brings: Vec<String>,
    /// Subjects the school is strong in where the partner needs help.
    pub school_brings: Vec<String>,
    pub partnership_type: PartnershipType,
    pub type_reason: Phrase,
}

/// For each school in need (of `only`, when given), its best `per_school` peers, best first.
pub fn suggest_peers(
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    only: Option<&str>,
    per_school: usize,
) -> Vec<PeerSuggestion> {
    let g = CompetenceGraph::build(snap);
    let counts = subject_counts(snap, &g);
    let n = snap.schools.len();
    let need = |s: usize| -> Vec<f64> {
        let total: u32 = counts.deficits[s].iter().sum();
        counts.deficits[s]
            .iter()
            .map(|&d| {
                if total == 0 {
                    0.0
                } else {
                    f64::from(d) / f64::from(total)
                }
            })
            .collect()
    };
    let strength = |s: usize| -> Vec<f64> {
        counts.strong[s]
            .iter()
            .zip(&counts.diagnosed[s])
            .map(|(&st, &dg)| {
                if dg == 0 {
                    0.0
                } else {
                    f64::from(st) / f64::from(dg)
                }
            })
            .collect()
    };
    let needs: Vec<Vec<f64>> = (0..n).map(need).collect();
    let strengths: Vec<Vec<f64>> = (0..n).map(strength).collect();
    let partnered: HashSet<(String, String)> = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == MatchKind::SchoolPartnerships)
        .flat_map(|m| {
            [
                (m.mentee_id.clone(), m.mentor_id.clone()),
                (m.mentor_id.clone(), m.mentee_id.clone()),
            ]
        })
        .collect();
    let vetoed: HashSet<(String, String)> = snap
        .vetoes
        .iter()
        .filter(|v| v.kind.is_schools())
        .map(|v| (v.mentee_id.clone(), v.mentor_id.clone()))
        .collect();
    let subject = |sj: usize| g.subjects[sj].clone();
    let mut out = Vec::new();
    for a in 0..n {
        let sa = &snap.schools[a];
        if !is_in_need(sa.status) || only.is_some_and(|o| o != sa.id) {
            continue;
        }
        let mut mine = Vec::new();
        for b in 0..n {
            let sb = &snap.schools[b];
            if b == a
                || sb.status == SchoolStatus::Leader
                || sb.municipality_id != sa.municipality_id
                || partnered.contains(&(sa.id.clone(), sb.id.clone()))
                || vetoed.contains(&(sa.id.clone(), sb.id.clone()))
            {
                continue;
            }
            let nsub = g.subjects.len();
            let shared: Vec<usize> = (0..nsub)
                .filter(|&s| needs[a][s] > 0.0 && needs[b][s] > 0.0)
                .collect();
            let partner_brings: Vec<usize> = (0..nsub)
                .filter(|&s| needs[a][s] > 0.0 && strengths[b][s] >= STRONG_SHARE)
                .collect();
            if shared.is_empty() || partner_brings.is_empty() {
                continue;
            }
            let school_brings: Vec<usize> = (0..nsub)
                .filter(|&s| needs[b][s] > 0.0 && strengths[a][s] >= STRONG_SHARE)
                .collect();
            let common: f64 = shared.iter().map(|&s| needs[a][s].min(needs[b][s])).sum();
            let gives: f64 = partner_brings
                .iter()
                .map(|&s| needs[a][s] * strengths[b][s])
                .sum();
            let gets: f64 = school_brings
                .iter()
                .map(|&s| needs[b][s] * strengths[a][s])
                .sum();
            let fit = weights.school_fit as f64;
            let km = school_distance(snap, a as u32, b as u32)
                .filter(|k| *k <= f64::from(policy.travel_limit_km));
            if km.is_none() && !policy.allow_online {
                continue;
            }
            let travel = km.map(|k| (k, -((k * weights.travel_per_km as f64).round() as i64)));
            let online = if km.is_some() {
                0
            } else {
                -weights.online_penalty
            };
            let top = |list: &[usize], by: &dyn Fn(usize) -> f64| {
                list.iter()
                    .copied()
                    .max_by(|&x, &y| by(x).total_cmp(&by(y)).then(y.cmp(&x)))
                    .map(subject)
                    .unwrap_or_default()
            };
            let common_top = top(&shared, &|s| needs[a][s].min(needs[b][s]));
            let gives_top = top(&partner_brings, &|s| needs[a][s] * strengths[b][s]);
            let mut t = Terms::default();
            t.add_phrase(
                Phrase::new("term-peer-common-goal")
                    .subject("subject", &common_top)
                    .num("more", shared.len() - 1),
                (common * fit).round() as i64,
            )
            .add_phrase(
                Phrase::new("term-peer-partner-brings")
                    .subject("subject", &gives_top)
                    .num("more", partner_brings.len() - 1),
                (gives * fit).round() as i64,
            );
            if !school_brings.is_empty() {
                let gets_top = top(&school_brings, &|s| needs[b][s] * strengths[a][s]);
                t.add_phrase(
                    Phrase::new("term-peer-school-brings")
                        .subject("subject", &gets_top)
                        .num("more", school_brings.len() - 1),
                    (gets * fit / 2.0).round() as i64,
                );
            }
            let terms = t.mode(travel, online).done();
            let score = terms.iter().map(|x| x.points).sum();
            mine.push(PeerSuggestion {
                municipality_id: sa.municipality_id.clone(),
                school_id: sa.id.clone(),
                partner_id: sb.id.clone(),
                score,
                terms,
                shared: shared.iter().map(|&s| subject(s)).collect(),
                partner_brings: partner_brings.iter().map(|&s| subject(s)).collect(),
                school_brings: school_brings.iter().map(|&s| subject(s)).collect(),
                partnership_type: PartnershipType::Identical,
                type_reason: Phrase::new("type-identical-peer")
                    .subject("subject", &common_top)
                    .num("more", shared.len() - 1),
            });
        }
        mine.sort_by(|x, y| y.score.cmp(&x.score).then(x.partner_id.cmp(&y.partner_id)));
        mine.truncate(per_school);
        out.extend(mine);
    }
    out
}
