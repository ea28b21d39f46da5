//! Registry records and their validation.
//!
//! Every record lives under a municipality (`municipality_id`) and carries [`Meta`]: a revision
//! that the API exposes as the etag, and create/update times. Records derive serde so that the
//! store can encode them (postcard) and back them up (JSON lines) from one definition.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogKind};
use crate::ids::check_id;
use crate::validate::{text, Violations};

pub use crate::meta::{stamp, Change, Meta, Versioned};

macro_rules! versioned {
    ($($t:ty),+) => {$(
        impl Versioned for $t {
            fn meta(&self) -> &Meta {
                &self.meta
            }
            fn meta_mut(&mut self) -> &mut Meta {
                &mut self.meta
            }
            fn content_eq(&self, other: &Self) -> bool {
                self.same_content(other)
            }
        }
    )+};
}

versioned!(Municipality, School, Teacher, MentorProfile, Diagnostic);

/// Defines a closed enum with stable lowercase codes used in CSV, backups and messages.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a code case-insensitively (`LOW_RESULTS`, `low_results`, `Low-Results`).
            pub fn from_code(s: &str) -> Option<$name> {
                let norm = s.trim().to_ascii_lowercase().replace('-', "_");
                match norm.as_str() {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// All codes, for error messages.
            pub fn codes() -> String {
                [$($code),+].join(", ")
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// School kind (ООШ, СОШ, gymnasium, lyceum, kindergarten, ...).
    SchoolKind {
        /// ООШ: basic general school, grades 1-9.
        Basic = "oosh",
        /// СОШ: secondary general school, grades 1-11.
        Secondary = "sosh",
        Gymnasium = "gymnasium",
        Lyceum = "lyceum",
        /// НОШ: primary school, grades 1-4.
        Primary = "primary",
        /// ДОУ: pre-school.
        Kindergarten = "kindergarten",
        Other = "other",
    }
);

coded_enum!(
    /// A school's result status from the federal and regional result analyses.
    SchoolStatus {
        /// ШНОР: school with low educational results.
        LowResults = "low_results",
        /// ШФЗР / ШФСОР: school in the risk zone of declining results.
        AtRisk = "at_risk",
        Stable = "stable",
        /// School with stably high results, a school-leader.
        Leader = "leader",
    }
);

coded_enum!(
    /// Flags that combine with any status.
    SchoolFlag {
        /// ШССУ / ШФНСУ: functions in unfavourable social conditions.
        UnfavourableSocialConditions = "unfavourable_social_conditions",
        /// Krymsk's "подающие надежды".
        Promising = "promising",
        /// Krymsk's "скрытый резерв".
        HiddenReserve = "hidden_reserve",
    }
);

coded_enum!(
    /// Significance of one risk factor in a school's risk profile (РПШ).
    Significance {
        None = "none",
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

coded_enum!(
    /// The ten risk factors of the "500+" methodology, in their official order.
    RiskFactor {
        LowEquipment = "low_equipment",
        StaffShortage = "staff_shortage",
        TeacherCompetence = "teacher_competence",
        SpecialNeedsShare = "special_needs_share",
        LanguageBarriers = "language_barriers",
        LowMotivation = "low_motivation",
        LowWellbeing = "low_wellbeing",
        LowDiscipline = "low_discipline",
        FailureRiskShare = "failure_risk_share",
        LowParentInvolvement = "low_parent_involvement",
    }
);

coded_enum!(
    /// Deficit level of a teacher in a subject (diagnostics by the regional centre).
    Level {
        /// Systemic deficits that must be eliminated.
        A = "a",
        /// Local deficits recommended to eliminate.
        B = "b",
        /// Insignificant deficits, optional.
        C = "c",
        /// No deficits.
        D = "d",
    }
);

impl Level {
    /// Parses a level letter as it appears in regional-centre exports, which mix Latin and
    /// Cyrillic look-alikes (А, В, С are Cyrillic in the seed reports, D is Latin).
    pub fn from_letter(s: &str) -> Option<Level> {
        match s.trim() {
            "A" | "a" | "А" | "а" => Some(Level::A),
            "B" | "b" | "В" | "в" => Some(Level::B),
            "C" | "c" | "С" | "с" => Some(Level::C),
            "D" | "d" => Some(Level::D),
            _ => None,
        }
    }

    pub fn letter(self) -> &'static str {
        match self {
            Level::A => "A",
            Level::B => "B",
            Level::C => "C",
            Level::D => "D",
        }
    }
}

coded_enum!(
    /// A staff position at a school.
    StaffPosition {
        Teacher = "teacher",
        Director = "director",
        /// Deputy director (завуч).
        DeputyDirector = "deputy_director",
        Methodologist = "methodologist",
        /// Psychologist, speech therapist, social educator.
        Specialist = "specialist",
        Other = "other",
    }
);

impl StaffPosition {
    /// A member of the school's management team.
    pub fn is_administrator(self) -> bool {
        matches!(
            self,
            StaffPosition::Director | StaffPosition::DeputyDirector
        )
    }
}

// coded_enum! derives a fixed set of traits, Default not among them.
#[allow(clippy::derivable_impls)]
impl Default for StaffPosition {
    fn default() -> Self {
        StaffPosition::Teacher
    }
}

coded_enum!(
    /// How a mentor can work.
    Mode {
        InPerson = "in_person",
        Online = "online",
    }
);

coded_enum!(
    Weekday {
        Monday = "mon",
        Tuesday = "tue",
        Wednesday = "wed",
        Thursday = "thu",
        Friday = "fri",
        Saturday = "sat",
        Sunday = "sun",
    }
);

/// Geographic point (WGS84 degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// The ten-factor risk profile; index i is `RiskFactor::ALL[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RiskProfile(pub [Significance; 10]);

#[allow(clippy::derivable_impls)] // the enum is macro-generated without a Default derive
impl Default for Significance {
    fn default() -> Self {
        Significance::None
    }
}

impl RiskProfile {
    pub fn get(&self, f: RiskFactor) -> Significance {
        let i = RiskFactor::ALL.iter().position(|x| *x == f).unwrap_or(0);
        self.0[i]
    }
}

/// One entry of a school's status history: the status it had from `since` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: SchoolStatus,
    pub since: Date,
}

/// The root of every scope: a municipal district or city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    pub id: String,
    pub name: String,
    /// Region the municipality belongs to (a code or name); region-wide runs group by it.
    pub region: String,
    /// IANA time zone the municipality works in (schedules, nightly runs).
    pub time_zone: String,
    pub meta: Meta,
}

impl Municipality {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "name", &self.name, true, 200);
        text(&mut v, "region", &self.region, false, 200);
        if self.time_zone.is_empty()
            || self.time_zone.len() > 64
            || !self
                .time_zone
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        {
            v.add(
                "time_zone",
                "must be an IANA time zone name such as Europe/Moscow",
            );
        }
        v.into_result()
    }

    pub fn same_content(&self, other: &Municipality) -> bool {
        self.id == other.id
            && self.name == other.name
            && self.region == other.region
            && self.time_zone == other.time_zone
    }
}

/// A school of a municipality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub municipality_id: String,
    pub id: String,
    pub name: String,
    pub kind: SchoolKind,
    pub status: SchoolStatus,
    pub flags: BTreeSet<SchoolFlag>,
    /// Programme memberships such as "500+".
    pub programme_tags: BTreeSet<String>,
    /// Settlement the school is in; in-person pairing and grouping use it.
    pub locality: String,
    pub location: Option<GeoPoint>,
    pub risk_profile: RiskProfile,
    /// How many partner schools a leader school can take on; `None` means the matcher default.
    pub partner_capacity: Option<u32>,
    /// A leader's subject platforms for DISTRIBUTED mode: subject code -> how many schools it
    /// takes in that subject. Empty: derived from its teachers' levels by the run's policy.
    /// (Krymsk's internship platforms of seed 002 are on system directions of management, a
    /// different thing.)
    pub platforms: BTreeMap<String, u32>,
    /// Maintained by the service: a new entry whenever `status` changes, oldest first.
    pub status_history: Vec<StatusChange>,
    pub meta: Meta,
}

/// Upper bound on a leader's partner capacity; more is a data error, not a plan.
pub const MAX_PARTNER_CAPACITY: u32 = 50;

/// Most internship platforms a school can run: one per subject, and no catalogue has more.
pub const MAX_PLATFORMS: usize = 64;

impl School {
    /// A platform is in a subject of the municipality's catalogue, as a teacher's subjects are.
    pub fn check_platforms(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        for code in self.platforms.keys().take(MAX_PLATFORMS) {
            catalog.check(
                &mut v,
                &format!("platforms[{code}]"),
                CatalogKind::Subject,
                code,
            );
        }
        v.into_result()
    }

    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "name", &self.name, true, 300);
        text(&mut v, "locality", &self.locality, false, 200);
        for (i, tag) in self.programme_tags.iter().enumerate() {
            text(&mut v, &format!("programme_tags[{i}]"), tag, true, 64);
        }
        if self.programme_tags.len() > 32 {
            v.add("programme_tags", "at most 32 tags");
        }
        if let Some(p) = self.location {
            if !(p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat)) {
                v.add("location.lat", "must be a latitude between -90 and 90");
            }
            if !(p.lon.is_finite() && (-180.0..=180.0).contains(&p.lon)) {
                v.add("location.lon", "must be a longitude between -180 and 180");
            }
        }
        if self.platforms.len() > MAX_PLATFORMS {
            v.add(
                "platforms",
                format!("at most {MAX_PLATFORMS} platforms, one per subject"),
            );
        }
        for (code, cap) in self.platforms.iter().take(MAX_PLATFORMS) {
            let field = format!("platforms[{code}]");
            crate::ids::check_code(&mut v, &field, code);
            if *cap == 0 || *cap > MAX_PARTNER_CAPACITY {
                v.add(
                    field,
                    format!("capacity must be between 1 and {MAX_PARTNER_CAPACITY}"),
                );
            }
        }
        if let Some(c) = self.partner_capacity {
            if c > MAX_PARTNER_CAPACITY {
                v.add(
                    "partner_capacity",
                    format!("must be at most {MAX_PARTNER_CAPACITY}"),
                );
            }
        }
        v.into_result()
    }

    /// Sets `status_history` from the previous revision: a new entry when the status is new or
    /// changed, dated `since`; otherwise the history is carried over unchanged.
    pub fn record_status(&mut self, previous: Option<&School>, since: Date) {
        match previous {
            Some(prev) => {
                self.status_history = prev.status_history.clone();
                if prev.status != self.status {
                    self.status_history.push(StatusChange {
                        status: self.status,
                        since,
                    });
                }
            }
            None => {
                self.status_history = vec![StatusChange {
                    status: self.status,
                    since,
                }];
            }
        }
    }

    /// True when the client-settable fields are equal (meta and history are the service's).
    pub fn same_content(&self, other: &School) -> bool {
        self.municipality_id == other.municipality_id
            && self.id == other.id
            && self.name == other.name
            && self.kind == other.kind
            && self.status == other.status
            && self.flags == other.flags
            && self.programme_tags == other.programme_tags
            && self.locality == other.locality
            && self.location == other.location
            && self.risk_profile == other.risk_profile
            && self.partner_capacity == other.partner_capacity
            && self.platforms == other.platforms
    }
}

/// A teacher working at a school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Teacher {
    pub municipality_id: String,
    pub id: String,
    pub school_id: String,
    pub full_name: String,
    /// Subject codes taught, unique, in the order given (first is the main subject).
    pub subjects: Vec<String>,
    /// Inactive teachers keep their history but take no part in matching.
    pub active: bool,
    /// Whether the teacher, as a mentee, accepts online mentoring (video calls with a mentor
    /// from elsewhere); a region's cross-municipality pairs are online only.
    pub accepts_online: bool,
    /// What the teacher is at the school: administrators (director, deputies) make up its
    /// management team, which the management internship platforms are for (seed 002).
    #[serde(default)]
    pub position: StaffPosition,
    pub meta: Meta,
}

impl Teacher {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        check_id(&mut v, "school_id", &self.school_id);
        text(&mut v, "full_name", &self.full_name, true, 200);
        check_codes(
            &mut v,
            catalog,
            "subjects",
            CatalogKind::Subject,
            &self.subjects,
        );
        v.into_result()
    }

    /// What an erased teacher's name becomes.
    pub const ERASED_NAME: &'static str = "erased";

    /// Erases the personal fields of a departed teacher; the id and the subjects (needed by
    /// anonymous reports) stay. Returns whether anything changed.
    pub fn erase(&mut self) -> bool {
        let changed = self.full_name != Self::ERASED_NAME || self.active;
        self.full_name = Self::ERASED_NAME.to_string();
        self.active = false;
        changed
    }

    pub fn same_content(&self, other: &Teacher) -> bool {
        self.municipality_id == other.municipality_id
            && self.id == other.id
            && self.school_id == other.school_id
            && self.full_name == other.full_name
            && self.subjects == other.subjects
            && self.active == other.active
            && self.accepts_online == other.accepts_online
            && self.position == other.position
    }
}

/// A recurring weekly time window, minutes from local midnight, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Window {
    pub weekday: Weekday,
    pub start_minute: u16,
    pub end_minute: u16,
}

impl Window {
    /// Formats as `thu 14:00-17:30`, the CSV notation.
    pub fn to_text(&self) -> String {
        format!(
            "{} {:02}:{:02}-{:02}:{:02}",
            self.weekday.code(),
            self.start_minute / 60,
            self.start_minute % 60,
            self.end_minute / 60,
            self.end_minute % 60
        )
    }

    /// Parses `thu 14:00-17:30`.
    pub fn parse(s: &str) -> Result<Window, String> {
        let s = s.trim();
        let (day, range) = s
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("'{s}' is not a window like 'thu 14:00-17:30'"))?;
        let weekday = Weekday::from_code(day)
            .ok_or_else(|| format!("'{day}' is not a weekday ({})", Weekday::codes()))?;
        let (a, b) = range
            .trim()
            .split_once('-')
            .ok_or_else(|| format!("'{range}' is not a time range like 14:00-17:30"))?;
        Ok(Window {
            weekday,
            start_minute: parse_hhmm(a)?,
            end_minute: parse_hhmm(b)?,
        })
    }
}

fn parse_hhmm(s: &str) -> Result<u16, String> {
    let s = s.trim();
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' is not a time like 14:00"))?;
    let h: u16 = h
        .parse()
        .map_err(|_| format!("'{s}' is not a time like 14:00"))?;
    let m: u16 = m
        .parse()
        .map_err(|_| format!("'{s}' is not a time like 14:00"))?;
    if h > 24 || m > 59 || (h == 24 && m != 0) {
        return Err(format!("'{s}' is not a time of day"));
    }
    Ok(h * 60 + m)
}

/// Longest mentee capacity we accept: a mentor visits lessons weekly, so dozens is a data error.
pub const MAX_MENTOR_CAPACITY: u32 = 30;

/// What a teacher can offer as a mentor. One profile per teacher, keyed by the teacher's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentorProfile {
    pub municipality_id: String,
    pub teacher_id: String,
    pub subjects: Vec<String>,
    pub directions: Vec<String>,
    /// Most mentees at once; 0 pauses mentoring without losing the profile.
    pub capacity: u32,
    pub modes: BTreeSet<Mode>,
    /// Weekly windows, sorted, non-overlapping.
    pub availability: Vec<Window>,
    pub meta: Meta,
}

impl MentorProfile {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        check_id(&mut v, "teacher_id", &self.teacher_id);
        check_codes(
            &mut v,
            catalog,
            "subjects",
            CatalogKind::Subject,
            &self.subjects,
        );
        check_codes(
            &mut v,
            catalog,
            "directions",
            CatalogKind::Direction,
            &self.directions,
        );
        if self.subjects.is_empty() && self.directions.is_empty() {
            v.add(
                "subjects",
                "a mentor profile needs at least one subject or direction",
            );
        }
        if self.capacity > MAX_MENTOR_CAPACITY {
            v.add(
                "capacity",
                format!("must be between 0 and {MAX_MENTOR_CAPACITY}"),
            );
        }
        if self.modes.is_empty() {
            v.add("modes", "at least one mode (in_person, online)");
        }
        for (i, w) in self.availability.iter().enumerate() {
            if w.start_minute >= w.end_minute || w.end_minute > 24 * 60 {
                v.add(
                    format!("availability[{i}]"),
                    "must end after it starts, within one day",
                );
            }
        }
        let mut sorted = self.availability.clone();
        sorted.sort();
        for (i, pair) in sorted.windows(2).enumerate() {
            if pair[0].weekday == pair[1].weekday && pair[1].start_minute < pair[0].end_minute {
                v.add(
                    format!("availability[{}]", i + 1),
                    format!("{} overlaps {}", pair[1].to_text(), pair[0].to_text()),
                );
            }
        }
        if self.availability.len() > 64 {
            v.add("availability", "at most 64 windows");
        }
        v.into_result()
    }

    /// Puts availability in canonical order so equal profiles compare and encode equal.
    pub fn normalise(&mut self) {
        self.availability.sort();
    }

    pub fn same_content(&self, other: &MentorProfile) -> bool {
        self.municipality_id == other.municipality_id
            && self.teacher_id == other.teacher_id
            && self.subjects == other.subjects
            && self.directions == other.directions
            && self.capacity == other.capacity
            && self.modes == other.modes
            && self.availability == other.availability
    }
}

/// One dated diagnostic result of one teacher in one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub municipality_id: String,
    pub id: String,
    pub teacher_id: String,
    pub subject: String,
    pub date: Date,
    pub level: Level,
    /// Competence-area code -> score in 0..=1 (share of the area mastered).
    pub scores: BTreeMap<String, f64>,
    /// Who produced it (e.g. "ЦНППМ 2023 spring round").
    pub source: String,
    pub meta: Meta,
}

impl Diagnostic {
    /// The id the service gives a diagnostic when the client supplies none: one record per
    /// teacher, subject and date, so re-importing a round is idempotent.
    pub fn derived_id(teacher_id: &str, subject: &str, date: Date) -> String {
        format!("{teacher_id}.{subject}.{date}")
    }

    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        check_id(&mut v, "teacher_id", &self.teacher_id);
        catalog.check(&mut v, "subject", CatalogKind::Subject, &self.subject);
        for (area, score) in &self.scores {
            let field = format!("scores[{area}]");
            catalog.check(&mut v, &field, CatalogKind::CompetenceArea, area);
            if !(score.is_finite() && (0.0..=1.0).contains(score)) {
                v.add(field, "score must be between 0 and 1");
            }
        }
        text(&mut v, "source", &self.source, false, 200);
        v.into_result()
    }

    pub fn same_content(&self, other: &Diagnostic) -> bool {
        self.municipality_id == other.municipality_id
            && self.id == other.id
            && self.teacher_id == other.teacher_id
            && self.subject == other.subject
            && self.date == other.date
            && self.level == other.level
            && self.scores == other.scores
            && self.source == other.source
    }
}

fn check_codes(
    v: &mut Violations,
    catalog: &Catalog,
    field: &str,
    kind: CatalogKind,
    codes: &[String],
) {
    let mut seen = BTreeSet::new();
    for (i, code) in codes.iter().enumerate() {
        let f = format!("{field}[{i}]");
        catalog.check(v, &f, kind, code);
        if !seen.insert(code) {
            v.add(f, format!("'{code}' is listed twice"));
        }
    }
    if codes.len() > 32 {
        v.add(field, "at most 32 entries");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn now() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap()
    }

    fn school() -> School {
        School {
            municipality_id: "kirovsky".into(),
            id: "putilovo-oosh".into(),
            name: "MKOU Putilovskaya OOSh".into(),
            kind: SchoolKind::Basic,
            status: SchoolStatus::LowResults,
            flags: BTreeSet::new(),
            programme_tags: BTreeSet::new(),
            locality: "Putilovo".into(),
            location: Some(GeoPoint {
                lat: 59.86,
                lon: 31.4,
            }),
            risk_profile: RiskProfile::default(),
            partner_capacity: None,
            platforms: BTreeMap::new(),
            status_history: vec![],
            meta: Meta::new(now()),
        }
    }

    #[test]
    fn codes_parse_case_insensitively() {
        assert_eq!(
            SchoolStatus::from_code("LOW_RESULTS"),
            Some(SchoolStatus::LowResults)
        );
        assert_eq!(SchoolKind::from_code("OOSH"), Some(SchoolKind::Basic));
        assert_eq!(SchoolStatus::from_code("great"), None);
    }

    #[test]
    fn level_accepts_cyrillic_lookalikes() {
        assert_eq!(Level::from_letter("А"), Some(Level::A));
        assert_eq!(Level::from_letter("В"), Some(Level::B));
        assert_eq!(Level::from_letter("С"), Some(Level::C));
        assert_eq!(Level::from_letter("D"), Some(Level::D));
        assert_eq!(Level::from_letter("E"), None);
    }

    #[test]
    fn status_history_grows_only_on_change() {
        let d1 = Date::constant(2020, 9, 1);
        let d2 = Date::constant(2023, 6, 8);
        let mut s1 = school();
        s1.record_status(None, d1);
        assert_eq!(s1.status_history.len(), 1);
        let mut s2 = s1.clone();
        s2.name = "renamed".into();
        s2.record_status(Some(&s1), d2);
        assert_eq!(s2.status_history, s1.status_history);
        let mut s3 = s2.clone();
        s3.status = SchoolStatus::Stable;
        s3.record_status(Some(&s2), d2);
        assert_eq!(
            s3.status_history.last(),
            Some(&StatusChange {
                status: SchoolStatus::Stable,
                since: d2
            })
        );
    }

    #[test]
    fn school_validation_names_each_bad_field() {
        let mut s = school();
        s.name = " ".into();
        s.location = Some(GeoPoint {
            lat: 91.0,
            lon: f64::NAN,
        });
        let err = s.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["name", "location.lat", "location.lon"]);
    }

    #[test]
    fn windows_parse_and_overlaps_are_rejected() {
        let w = Window::parse("thu 14:00-17:30");
        assert_eq!(
            w,
            Ok(Window {
                weekday: Weekday::Thursday,
                start_minute: 840,
                end_minute: 1050
            })
        );
        assert!(Window::parse("thu 25:00-26:00").is_err());
        let p = MentorProfile {
            municipality_id: "m".into(),
            teacher_id: "t1".into(),
            subjects: vec!["mathematics".into()],
            directions: vec![],
            capacity: 2,
            modes: [Mode::Online].into(),
            availability: vec![
                w.unwrap(),
                Window {
                    weekday: Weekday::Thursday,
                    start_minute: 900,
                    end_minute: 960,
                },
            ],
            meta: Meta::new(now()),
        };
        let err = p.validate(&Catalog::default()).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert!(err.0[0].description.contains("overlaps"));
    }

    #[test]
    fn diagnostic_scores_must_be_known_and_in_range() {
        let d = Diagnostic {
            municipality_id: "m".into(),
            id: "x".into(),
            teacher_id: "t1".into(),
            subject: "physics".into(),
            date: Date::constant(2023, 1, 1),
            level: Level::B,
            scores: [("digital".to_string(), 1.5), ("astrology".to_string(), 0.5)].into(),
            source: String::new(),
            meta: Meta::new(now()),
        };
        let err = d.validate(&Catalog::default()).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["scores[astrology]", "scores[digital]"]);
    }
}
