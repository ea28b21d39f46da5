//! Pieces every kind's explanation shares: coverage rows and the diff against what is active.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;

use peerlift_domain::{
    CoverageRow, Diff, Ended, MatchKind, Mentorship, Phrase, ProposedPair, Term,
};

use crate::graph::Snapshot;

/// A pair's named score terms, as an explanation shows them: terms worth nothing left out.
#[derive(Debug, Default)]
pub(crate) struct Terms(Vec<Term>);

impl Terms {
    /// Adds the term `key` (a message of the catalogue, `term-…`) when it is worth points.
    pub(crate) fn add(&mut self, key: &str, points: i64) -> &mut Terms {
        self.add_phrase(Phrase::new(key), points)
    }

    pub(crate) fn add_phrase(&mut self, name: Phrase, points: i64) -> &mut Terms {
        if points != 0 {
            self.0.push(Term { name, points });
        }
        self
    }

    /// The mode's term: travel (with the distance) in person, the online penalty otherwise.
    pub(crate) fn mode(&mut self, travel: Option<(f64, i64)>, online: i64) -> &mut Terms {
        match travel {
            Some((km, points)) => self.add_phrase(travel_term(km), points),
            None => self.add("term-online", online),
        }
    }

    pub(crate) fn done(&mut self) -> Vec<Term> {
        std::mem::take(&mut self.0)
    }
}

/// The travel term's name, with the distance.
pub(crate) fn travel_term(km: f64) -> Phrase {
    Phrase::new("term-travel").text("km", format!("{km:.1}"))
}

/// A term worth no points that says what a pair is (locked, a group's make-up).
pub(crate) fn label(name: Phrase) -> Term {
    Term { name, points: 0 }
}

/// Counted reasons (rule keys with counts), as a phrase's `counts` argument.
pub(crate) fn counted<K: AsRef<str>>(counts: &[(K, u32)]) -> Vec<(String, i64)> {
    counts
        .iter()
        .map(|(k, n)| (k.as_ref().to_string(), i64::from(*n)))
        .collect()
}

/// Coverage rows from (demands, covered) counts by key, in key order.
pub(crate) fn coverage_rows(m: BTreeMap<String, (u64, u64)>) -> Vec<CoverageRow> {
    m.into_iter()
        .map(|(key, (demands, covered))| CoverageRow {
            key,
            demands,
            covered,
        })
        .collect()
}

/// The proposal against the active mentorships of `kind`: an active one whose key matches a
/// proposed pair is kept, so is a locked one, every other ends with the reason `reason` gives,
/// and the proposed pairs not kept are added. Active mentorships are visited in id order.
pub(crate) fn diff_against<K: Eq + Hash>(
    snap: &Snapshot,
    kind: MatchKind,
    pairs: &[ProposedPair],
    pair_key: impl Fn(&ProposedPair) -> K,
    active_key: impl Fn(&Mentorship) -> K,
    mut reason: impl FnMut(&Mentorship) -> Phrase,
) -> Diff {
    let proposed: HashMap<K, usize> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| (pair_key(p), i))
        .collect();
    let mut actives: Vec<&Mentorship> = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == kind)
        .collect();
    actives.sort_by(|a, b| a.id.cmp(&b.id));
    let mut diff = Diff::default();
    let mut kept = HashSet::new();
    for m in actives {
        if let Some(i) = proposed.get(&active_key(m)) {
            diff.kept.push(m.id.clone());
            diff.kept_municipality.push(m.municipality_id.clone());
            kept.insert(*i);
            continue;
        }
        // A locked mentorship is never ended by a run, even when its demand is gone (the
        // deficit closed, someone left): only the office ends what it locked, or made on
        // grounds the matcher does not weigh.
        if m.held_by_office() {
            diff.kept.push(m.id.clone());
            diff.kept_municipality.push(m.municipality_id.clone());
            continue;
        }
        diff.ended.push(Ended {
            municipality_id: m.municipality_id.clone(),
            mentorship_id: m.id.clone(),
            mentee_id: m.mentee_id.clone(),
            subject: m.subject.clone(),
            mentor_id: m.mentor_id.clone(),
            reason: reason(m),
        });
    }
    diff.added = (0..pairs.len())
        .filter(|i| !kept.contains(i))
        .map(|i| i as u32)
        .collect();
    diff
}
