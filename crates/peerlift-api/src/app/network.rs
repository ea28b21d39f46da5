//! The active network of a scope, a page at a time: its mentorships with the teachers they
//! join, and on the first page the schools' figures and the network's statistics.

use std::collections::BTreeSet;

use peerlift_domain::{MatchKind, Mentorship, School, Teacher};
use peerlift_match::network::{NetworkStats, SchoolFigures};
use peerlift_store::Store;

use crate::app::runs::load_scope;
use crate::error::{ApiError, ApiResult};
use crate::paging::{page_of, walk_print};

/// Mentorships a page holds unless asked otherwise, and at most.
pub const DEFAULT_PAGE: usize = 2000;
pub const MAX_PAGE: usize = 5000;

/// The page size a request asks for (0: the default), capped.
pub fn page_size(requested: i32) -> ApiResult<usize> {
    match requested {
        0 => Ok(DEFAULT_PAGE),
        n if n < 0 => Err(ApiError::invalid("page_size", "must not be negative")),
        n => Ok((n as usize).min(MAX_PAGE)),
    }
}

/// One page of a network.
#[derive(Debug, Clone)]
pub struct NetworkPage {
    pub mentorships: Vec<Mentorship>,
    /// The teachers of this page's teacher pairs and groups (mentees and mentors).
    pub teachers: Vec<Teacher>,
    pub next: String,
    /// Active mentorships in the whole scope.
    pub total: u64,
    /// The first page's: every school with its figures, and the statistics.
    pub overview: Option<(Vec<(School, SchoolFigures)>, NetworkStats)>,
}

/// A page of the network of `scope` (a municipality, or `region:<name>`). Tokens are bound to
/// the scope's state: the pages of a network that changed in between would not add up, so
/// such a token is refused with what to do.
pub fn page(s: &Store, scope: &str, size: usize, token: &str) -> ApiResult<NetworkPage> {
    let (snap, generations) = load_scope(s, scope)?;
    let state: Vec<String> = generations
        .iter()
        .map(|(m, g)| format!("{m}={g}"))
        .collect();
    let print = walk_print(&[scope, "network", &state.join(",")]);
    let all: Vec<usize> = (0..snap.mentorships.len()).collect();
    let first = token.is_empty();
    let (page, next, total) = page_of(all, size as i32, token, print).map_err(|e| match e {
        ApiError::Invalid(_) if !first => ApiError::invalid(
            "page_token",
            "is not a page of this network as it is now (it changed since the first page, or \
             the token is of another call): start again",
        ),
        other => other,
    })?;
    let mentorships: Vec<Mentorship> = page.iter().map(|&i| snap.mentorships[i].clone()).collect();
    let people = teachers_of(&mentorships);
    let teachers = snap
        .teachers
        .iter()
        .filter(|t| people.contains(&(t.municipality_id.clone(), t.id.clone())))
        .cloned()
        .collect();
    let overview = first.then(|| {
        let (figures, stats) = peerlift_match::network::analyse(
            &snap,
            peerlift_domain::Policy::default().default_partner_capacity,
        );
        (snap.schools.iter().cloned().zip(figures).collect(), stats)
    });
    Ok(NetworkPage {
        mentorships,
        teachers,
        next,
        total,
        overview,
    })
}

/// The (municipality, id) of every teacher in the teacher pairs and groups given: mentees in
/// the mentorship's municipality, the mentor in their own.
fn teachers_of(mentorships: &[Mentorship]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for x in mentorships {
        if !matches!(x.kind, MatchKind::TeacherPairs | MatchKind::TeacherGroups) {
            continue;
        }
        for m in x.mentees() {
            out.insert((x.municipality_id.clone(), m.to_string()));
        }
        let mentor_home = if x.mentor_municipality_id.is_empty() {
            &x.municipality_id
        } else {
            &x.mentor_municipality_id
        };
        out.insert((mentor_home.clone(), x.mentor_id.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::testing::{approved, kirovsky, MUNICIPALITY};

    /// Pages add up to the whole network; only the first carries the overview; a token of a
    /// network that changed since is refused.
    #[test]
    fn pages_add_up_and_go_stale_when_the_network_changes() {
        let (_dir, s) = kirovsky();
        let empty = page(&s, MUNICIPALITY, 10, "").unwrap();
        assert_eq!((empty.total, empty.mentorships.len()), (0, 0));
        approved(&s, MatchKind::TeacherPairs);
        let first = page(&s, MUNICIPALITY, 3, "").unwrap();
        assert!(first.total > 3 && first.overview.is_some());
        assert!(first.teachers.len() >= 2, "mentees and mentors are named");
        let mut seen = first.mentorships.len();
        let mut token = first.next.clone();
        while !token.is_empty() {
            let p = page(&s, MUNICIPALITY, 3, &token).unwrap();
            assert!(p.overview.is_none());
            seen += p.mentorships.len();
            token = p.next;
        }
        assert_eq!(seen as u64, first.total);
        // The registry changes: the first page's token no longer fits.
        assert!(!approved(&s, MatchKind::SchoolPartnerships).is_empty());
        let stale = page(&s, MUNICIPALITY, 3, &first.next);
        assert!(
            matches!(stale, Err(ApiError::Invalid(ref v)) if v.0[0].field == "page_token"),
            "{stale:?}"
        );
        assert!(page_size(-1).is_err());
        assert_eq!(page_size(0).unwrap(), DEFAULT_PAGE);
        assert_eq!(page_size(1 << 20).unwrap(), MAX_PAGE);
    }
}
