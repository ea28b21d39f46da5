//! Curators: checking an assignment against the registry, and the curator's view of its
//! schools (seed 001: every low-result school has its curator).

use std::collections::BTreeMap;

use peerlift_domain::progress::{self, World};
use peerlift_domain::report::SessionCounts;
use peerlift_domain::{
    Curator, Diagnostic, Mentorship, MentorshipStatus, School, Session, Teacher, Violations,
};
use peerlift_store::{key, Store};

use super::all_of;
use crate::error::{ApiError, ApiResult};
use crate::state;

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "curator",
        id: id.to_string(),
    }
}

/// The schools and the teacher a curator names exist in its municipality, and its directions
/// are in the catalogue; every bad reference is named, in one answer, under `field` (the
/// request's field that holds the record).
pub fn check(s: &Store, c: &Curator, field: &str) -> ApiResult<()> {
    let catalog = state::catalog(s, &c.municipality_id)?;
    let mut v = match c.validate(&catalog) {
        Ok(()) => Violations::new(),
        Err(v) => v,
    };
    for (i, id) in c.schools.iter().enumerate() {
        if peerlift_domain::ids::is_valid_id(id)
            && !s.contains::<School>(&key(&[&c.municipality_id, id]))?
        {
            v.add(
                format!("schools[{i}]"),
                format!("no school '{id}' in municipality '{}'", c.municipality_id),
            );
        }
    }
    if !c.teacher_id.is_empty()
        && peerlift_domain::ids::is_valid_id(&c.teacher_id)
        && !s.contains::<Teacher>(&key(&[&c.municipality_id, &c.teacher_id]))?
    {
        v.add(
            "teacher_id",
            format!(
                "no teacher '{}' in municipality '{}'",
                c.teacher_id, c.municipality_id
            ),
        );
    }
    v.into_result().map_err(|v| {
        ApiError::Invalid(if field.is_empty() {
            v
        } else {
            v.prefixed(field)
        })
    })
}

/// The ids of the curators of each school of a municipality.
pub fn by_school(s: &Store, municipality_id: &str) -> ApiResult<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in all_of::<Curator>(s, municipality_id)? {
        for school in c.schools {
            out.entry(school).or_default().push(c.id.clone());
        }
    }
    Ok(out)
}

/// One school as its curator sees it.
#[derive(Debug)]
pub struct CuratedSchool {
    pub school: School,
    pub curator_ids: Vec<String>,
    pub mentorships: Vec<Mentorship>,
    pub sessions: SessionCounts,
    pub progress: progress::Summary,
    pub left_low_results: bool,
}

#[derive(Debug)]
pub struct View {
    pub curator: Curator,
    pub schools: Vec<CuratedSchool>,
    /// Schools the record names that the registry no longer has.
    pub missing: Vec<String>,
}

/// The schools a mentorship takes part in: its mentor's and its mentees' (teachers' schools
/// for teacher kinds; the schools themselves for school kinds).
pub fn schools_of(m: &Mentorship, teacher_school: &BTreeMap<&str, &str>) -> Vec<String> {
    let mut ids: Vec<&str> = vec![m.mentee_id.as_str()];
    if m.mentor_municipality_id.is_empty() {
        ids.push(m.mentor_id.as_str());
    }
    ids.extend(m.members.iter().map(String::as_str));
    let mut out: Vec<String> = ids
        .into_iter()
        .filter_map(|id| {
            if m.kind.is_schools() {
                Some(id)
            } else {
                teacher_school.get(id).copied()
            }
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The curator's schools with their mentorships, sessions and progress, in the record's order.
pub fn view(s: &Store, municipality_id: &str, curator_id: &str) -> ApiResult<View> {
    state::municipality(s, municipality_id)?;
    let curator = s
        .get::<Curator>(&key(&[municipality_id, curator_id]))?
        .ok_or_else(|| not_found(curator_id))?;
    let schools: Vec<School> = all_of(s, municipality_id)?;
    let teachers: Vec<Teacher> = all_of(s, municipality_id)?;
    let diagnostics: Vec<Diagnostic> = all_of(s, municipality_id)?;
    let mentorships: Vec<Mentorship> = all_of(s, municipality_id)?;
    let sessions: Vec<Session> = all_of(s, municipality_id)?;
    let curators = by_school(s, municipality_id)?;
    let world = World::new(&diagnostics, &schools, &teachers);
    let teacher_school: BTreeMap<&str, &str> = teachers
        .iter()
        .map(|t| (t.id.as_str(), t.school_id.as_str()))
        .collect();
    let involved: Vec<(Vec<String>, &Mentorship)> = mentorships
        .iter()
        .filter(|m| m.status == MentorshipStatus::Active)
        .map(|m| (schools_of(m, &teacher_school), m))
        .collect();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for id in &curator.schools {
        let Some(school) = schools.iter().find(|x| &x.id == id) else {
            missing.push(id.clone());
            continue;
        };
        let mut counts = SessionCounts::default();
        for x in sessions.iter().filter(|x| x.schools.contains(id)) {
            counts.add(x);
        }
        let p = progress::school_progress(school, &world);
        out.push(CuratedSchool {
            school: school.clone(),
            curator_ids: curators.get(id).cloned().unwrap_or_default(),
            mentorships: involved
                .iter()
                .filter(|(ids, _)| ids.contains(id))
                .map(|(_, m)| (*m).clone())
                .collect(),
            sessions: counts,
            progress: p.summary,
            left_low_results: p.left_low_results,
        });
    }
    Ok(View {
        curator,
        schools: out,
        missing,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::testing::{approved, kirovsky, now, MUNICIPALITY};
    use peerlift_domain::{MatchKind, Meta};

    fn curator(schools: &[&str]) -> Curator {
        Curator {
            municipality_id: MUNICIPALITY.into(),
            id: "ivanova".into(),
            full_name: "Ivanova A. P.".into(),
            position: "methodologist".into(),
            teacher_id: String::new(),
            schools: schools.iter().map(|s| s.to_string()).collect(),
            directions: Vec::new(),
            contact: String::new(),
            meta: Meta::new(now()),
        }
    }

    #[test]
    fn check_names_every_missing_school() {
        let (_d, s) = kirovsky();
        let c = curator(&["nowhere", "putilovo-oosh", "also-nowhere"]);
        let Err(ApiError::Invalid(v)) = check(&s, &c, "") else {
            panic!("accepted a curator of missing schools")
        };
        let fields: Vec<&str> = v.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["schools[0]", "schools[2]"]);
    }

    #[test]
    fn view_shows_each_school_with_its_mentorships() {
        let (_d, s) = kirovsky();
        let created = approved(&s, MatchKind::SchoolPartnerships);
        let mentee = created[0].mentee_id.clone();
        let c = curator(&[&mentee]);
        s.write(|_, b| b.put(&c)).unwrap();
        let v = view(&s, MUNICIPALITY, "ivanova").unwrap();
        assert_eq!(v.schools.len(), 1);
        assert_eq!(v.schools[0].school.id, mentee);
        assert_eq!(v.schools[0].curator_ids, ["ivanova"]);
        let expected: Vec<&str> = created
            .iter()
            .filter(|m| m.mentee_id == mentee || m.mentor_id == mentee)
            .map(|m| m.id.as_str())
            .collect();
        let got: Vec<&str> = v.schools[0]
            .mentorships
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(got, expected);
        assert!(v.missing.is_empty());
    }
}
