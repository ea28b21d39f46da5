//! Catalogues of codes the registry refers to: subjects, competence areas, mentoring directions.
//!
//! The service ships a built-in catalogue (from the regional centres' diagnostics and the seed
//! reports) and a municipality may extend it with its own entries. Codes are validated against
//! the catalogue so that a typo in an import ("mathematic") is an error, not a new subject that
//! silently never matches anything.

use serde::{Deserialize, Serialize};

use crate::ids::check_code;
use crate::meta::Meta;
use crate::validate::{text, Violations};

/// Which catalogue an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CatalogKind {
    Subject,
    CompetenceArea,
    Direction,
    /// System directions of a school's management (seed 002's internship platforms).
    SystemDirection,
    /// Kinds of municipal events (festival of open lessons, master class, ...).
    EventKind,
}

impl CatalogKind {
    pub const ALL: [CatalogKind; 5] = [
        CatalogKind::Subject,
        CatalogKind::CompetenceArea,
        CatalogKind::Direction,
        CatalogKind::SystemDirection,
        CatalogKind::EventKind,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CatalogKind::Subject => "subject",
            CatalogKind::CompetenceArea => "competence_area",
            CatalogKind::Direction => "direction",
            CatalogKind::SystemDirection => "system_direction",
            CatalogKind::EventKind => "event_kind",
        }
    }

    /// The entries the service ships for this kind: (code, English name).
    pub fn builtin(self) -> &'static [(&'static str, &'static str)] {
        match self {
            CatalogKind::Subject => BUILTIN_SUBJECTS,
            CatalogKind::CompetenceArea => BUILTIN_COMPETENCE_AREAS,
            CatalogKind::Direction => BUILTIN_DIRECTIONS,
            CatalogKind::SystemDirection => BUILTIN_SYSTEM_DIRECTIONS,
            CatalogKind::EventKind => BUILTIN_EVENT_KINDS,
        }
    }
}

/// School subjects (DOMAIN.md, "Teachers and their deficits"; Labinsk deficit table codes).
pub const BUILTIN_SUBJECTS: &[(&str, &str)] = &[
    ("russian", "Russian language"),
    ("literature", "Literature"),
    ("mathematics", "Mathematics"),
    ("foreign_language", "Foreign language"),
    ("informatics", "Informatics"),
    ("physics", "Physics"),
    ("chemistry", "Chemistry"),
    ("biology", "Biology"),
    ("history", "History"),
    ("social_studies", "Social studies"),
    ("geography", "Geography"),
    ("primary_school", "Primary school"),
    ("physical_education", "Physical education"),
    ("arts", "Arts and music"),
    ("technology", "Technology"),
];

/// Competence areas scored by the diagnostics (DOMAIN.md; Sayansk figures).
pub const BUILTIN_COMPETENCE_AREAS: &[(&str, &str)] = &[
    ("methodological", "Methodological"),
    ("methodical", "Methodical"),
    ("technological", "Technological"),
    ("assessment", "Assessment"),
    ("diagnostic", "Diagnostic"),
    ("design", "Design (projecting)"),
    ("reflective", "Reflective"),
    ("inclusive", "Inclusive"),
    (
        "psych_pedagogical",
        "Psychological-pedagogical and communicative",
    ),
    ("subject_methodical", "Subject-methodical"),
    ("digital", "Digital (ICT)"),
];

/// Directions of teacher mentoring: the seven questions a mentor and a teacher work on (seed 003;
/// DOMAIN.md, "Forms of mentoring"). Not Krymsk's seven *system directions* of management
/// teams' internship platforms (seed 002: "Система качества подготовки обучающихся", ...),
/// which are about a school's management, not a teacher's lessons.
pub const BUILTIN_DIRECTIONS: &[(&str, &str)] = &[
    ("subject_content", "Subject content"),
    ("teaching_methodology", "Teaching methodology"),
    ("upbringing", "Upbringing work"),
    (
        "lesson_organisation",
        "Lesson and extracurricular organisation",
    ),
    ("psych_support", "Psychological-pedagogical support"),
    ("work_with_parents", "Work with parents"),
    (
        "supplementary_education",
        "Links with supplementary education",
    ),
];

/// System directions of a school's management: the seven directions of Krymsk's internship
/// platforms for management teams (seed 002), where a director or a deputy learns how a leader
/// school runs a whole system. Not the mentoring directions above.
pub const BUILTIN_SYSTEM_DIRECTIONS: &[(&str, &str)] = &[
    (
        "sys_learning_quality",
        "System of the quality of students' preparation",
    ),
    (
        "sys_low_results",
        "System of work of schools with low educational results",
    ),
    (
        "sys_talents",
        "System of identifying, supporting and developing children's abilities and talents",
    ),
    (
        "sys_career_guidance",
        "System of students' self-determination and career guidance",
    ),
    (
        "sys_leadership",
        "System of the effectiveness of school leaders",
    ),
    (
        "sys_staff_development",
        "System of teachers' professional development",
    ),
    (
        "sys_upbringing",
        "System of organising students' upbringing",
    ),
];

/// Kinds of the municipal events seeds 001-003 ran across many schools.
pub const BUILTIN_EVENT_KINDS: &[(&str, &str)] = &[
    ("open_lessons_festival", "Festival of open lessons"),
    ("master_class", "Master class"),
    ("seminar_practicum", "Seminar-practicum"),
    ("creative_laboratory", "Creative laboratory"),
    ("round_table", "Round table"),
    ("webinar", "Webinar"),
    ("business_game", "Business game"),
    ("ideas_auction", "Auction of pedagogical ideas"),
    ("conference", "Conference"),
    ("methodical_day", "Methodical day"),
];

/// A municipality's own catalogue entry, extending the built-in catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub municipality_id: String,
    pub kind: CatalogKind,
    pub code: String,
    pub name: String,
    pub meta: Meta,
}

impl CatalogEntry {
    /// Validates the entry; a custom code may not shadow a built-in one.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        check_code(&mut v, "code", &self.code);
        if self.kind.builtin().iter().any(|(c, _)| *c == self.code) {
            v.add(
                "code",
                format!("'{}' is a built-in {} already", self.code, self.kind.code()),
            );
        }
        text(&mut v, "name", &self.name, true, 200);
        v.into_result()
    }

    /// The stable key of an entry inside its municipality.
    pub fn key_id(&self) -> String {
        format!("{}:{}", self.kind.code(), self.code)
    }
}

/// The catalogue in force for one municipality: built-ins plus its own entries.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    custom: Vec<(CatalogKind, String)>,
}

impl Catalog {
    pub fn with_custom(entries: impl IntoIterator<Item = (CatalogKind, String)>) -> Catalog {
        Catalog {
            custom: entries.into_iter().collect(),
        }
    }

    pub fn contains(&self, kind: CatalogKind, code: &str) -> bool {
        kind.builtin().iter().any(|(c, _)| *c == code)
            || self.custom.iter().any(|(k, c)| *k == kind && c == code)
    }

    /// Records a violation when `code` is not a valid code of `kind`.
    pub fn check(&self, v: &mut Violations, field: &str, kind: CatalogKind, code: &str) {
        let mut local = Violations::new();
        check_code(&mut local, field, code);
        if !local.is_empty() {
            v.extend(local);
            return;
        }
        if !self.contains(kind, code) {
            v.add(
                field,
                format!(
                    "unknown {} '{code}' (see ListCatalog; a municipality may add its own entries)",
                    kind.code()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_codes_are_valid_and_unique() {
        for kind in CatalogKind::ALL {
            let mut seen = std::collections::BTreeSet::new();
            for (code, _) in kind.builtin() {
                let mut v = Violations::new();
                check_code(&mut v, "code", code);
                assert!(v.is_empty(), "{code}");
                assert!(seen.insert(*code), "duplicate {code}");
            }
        }
    }

    #[test]
    fn custom_entries_extend_only_their_kind() {
        let cat = Catalog::with_custom([(CatalogKind::Subject, "astronomy".to_string())]);
        assert!(cat.contains(CatalogKind::Subject, "astronomy"));
        assert!(!cat.contains(CatalogKind::CompetenceArea, "astronomy"));
        assert!(cat.contains(CatalogKind::CompetenceArea, "digital"));
        let mut v = Violations::new();
        cat.check(&mut v, "subjects[0]", CatalogKind::Subject, "mathematic");
        assert_eq!(v.0.len(), 1);
        assert_eq!(v.0[0].field, "subjects[0]");
    }
}
