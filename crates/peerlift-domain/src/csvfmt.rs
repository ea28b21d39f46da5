//! The CSV import formats a methodology office exchanges (documented in README.md).
//!
//! Both directions live here, the reader the importer uses and the writer the example and
//! synthetic-data generators use, so a file the project writes is by construction a file it
//! reads. Parsing is pure: a row in, a record or the list of bad columns out; the importer owns
//! the store and the line numbers.
//!
//! Conventions shared by every file: UTF-8, comma separated, a header row, columns in any order
//! and matched case-insensitively; lists inside one cell are separated by `;`; an empty cell
//! means "not given".

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use crate::model::*;
use crate::validate::Violations;

/// The kinds of file an import accepts, in the order they are applied (each may refer to the
/// ones before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Municipality,
    Schools,
    Teachers,
    MentorProfiles,
    Diagnostics,
    /// A network the office already runs: pairs and partnerships with their orders.
    Mentorships,
    /// Student results (VPR, OGE, EGE, NIKO, regional) per school, subject, grade and year.
    Results,
}

impl FileKind {
    pub const ALL: [FileKind; 7] = [
        FileKind::Municipality,
        FileKind::Schools,
        FileKind::Teachers,
        FileKind::MentorProfiles,
        FileKind::Diagnostics,
        FileKind::Mentorships,
        FileKind::Results,
    ];

    /// The conventional file name, which `peerlift import DIR` looks for.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Municipality => "municipality.csv",
            FileKind::Schools => "schools.csv",
            FileKind::Teachers => "teachers.csv",
            FileKind::MentorProfiles => "mentor_profiles.csv",
            FileKind::Diagnostics => "diagnostics.csv",
            FileKind::Mentorships => "mentorships.csv",
            FileKind::Results => "results.csv",
        }
    }

    /// Every column the file may have (diagnostics also take one column per competence area).
    pub fn columns(self) -> Vec<String> {
        let fixed: &[&str] = match self {
            FileKind::Municipality => &["id", "name", "region", "time_zone"],
            FileKind::Schools => &[
                "id",
                "name",
                "kind",
                "status",
                "status_since",
                "locality",
                "lat",
                "lon",
                "flags",
                "programme_tags",
                "partner_capacity",
                "platforms",
            ],
            FileKind::Teachers => &[
                "id",
                "school_id",
                "full_name",
                "subjects",
                "active",
                "accepts_online",
                "position",
            ],
            FileKind::MentorProfiles => &[
                "teacher_id",
                "subjects",
                "directions",
                "capacity",
                "modes",
                "availability",
            ],
            FileKind::Diagnostics => &["id", "teacher_id", "subject", "date", "level", "source"],
            FileKind::Mentorships => &[
                "kind",
                "mentee_id",
                "mentor_id",
                "members",
                "subject",
                "type",
                "goal",
                "started_on",
                "ended_on",
                "school_year",
                "order_number",
                "order_date",
                "basis",
                "reason",
                "locked",
                "accept_reason",
            ],
            FileKind::Results => &[
                "school_id",
                "assessment",
                "subject",
                "grade",
                "year",
                "participants",
                "marks_2",
                "marks_3",
                "marks_4",
                "marks_5",
                "positive_percent",
                "quality_percent",
                "mean",
                "source",
            ],
        };
        let mut cols: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        if self == FileKind::Schools {
            cols.extend(RiskFactor::ALL.iter().map(|f| risk_column(*f)));
        }
        cols
    }

    /// Columns that must be present in the header.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            FileKind::Municipality => &["id", "name"],
            FileKind::Schools => &["id", "name", "kind", "status"],
            FileKind::Teachers => &["id", "school_id", "full_name", "subjects"],
            FileKind::MentorProfiles => &["teacher_id", "capacity", "modes"],
            FileKind::Diagnostics => &["teacher_id", "subject", "date", "level"],
            FileKind::Mentorships => &["kind", "mentor_id"],
            FileKind::Results => &["school_id", "assessment", "subject", "grade", "year"],
        }
    }
}

/// `risk_low_equipment`, ... : the schools.csv column of a risk factor.
pub fn risk_column(f: RiskFactor) -> String {
    format!("risk_{}", f.code())
}

/// A parsed header: column name (lowercased) -> position.
#[derive(Debug, Clone)]
pub struct Header {
    kind: FileKind,
    index: BTreeMap<String, usize>,
    /// Diagnostics only: extra columns, read as competence-area scores.
    extra: Vec<(String, usize)>,
    width: usize,
}

/// A problem with the header row, which makes the whole file unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub column: String,
    pub reason: String,
}

impl Header {
    pub fn parse<'a>(
        kind: FileKind,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Header, Vec<HeaderError>> {
        let known = kind.columns();
        let mut index = BTreeMap::new();
        let mut extra = Vec::new();
        let mut errors = Vec::new();
        let mut width = 0;
        for (i, raw) in names.into_iter().enumerate() {
            width = i + 1;
            let name = raw
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            if name.is_empty() {
                errors.push(HeaderError {
                    column: format!("#{}", i + 1),
                    reason: "empty column name".into(),
                });
                continue;
            }
            if index.contains_key(&name) || extra.iter().any(|(n, _)| *n == name) {
                errors.push(HeaderError {
                    column: name,
                    reason: "column appears twice".into(),
                });
                continue;
            }
            if known.contains(&name) {
                index.insert(name, i);
            } else if kind == FileKind::Diagnostics {
                extra.push((name, i));
            } else {
                errors.push(HeaderError {
                    reason: format!(
                        "unknown column for {} (expected: {})",
                        kind.file_name(),
                        known.join(", ")
                    ),
                    column: name,
                });
            }
        }
        for req in kind.required() {
            if !index.contains_key(*req) {
                errors.push(HeaderError {
                    column: req.to_string(),
                    reason: "required column is missing".into(),
                });
            }
        }
        if errors.is_empty() {
            Ok(Header {
                kind,
                index,
                extra,
                width,
            })
        } else {
            Err(errors)
        }
    }

    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// Number of columns; a row may not have more cells than this.
    pub fn width(&self) -> usize {
        self.width
    }

    fn cell<'r>(&self, row: &'r [&'r str], col: &str) -> &'r str {
        self.index
            .get(col)
            .and_then(|i| row.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

/// What a schools.csv row says: the school and, optionally, since when it has its status.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRow {
    pub school: School,
    pub status_since: Option<Date>,
}

fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn coded<T>(
    v: &mut Violations,
    col: &str,
    cell: &str,
    parse: fn(&str) -> Option<T>,
    codes: String,
) -> Option<T> {
    if cell.is_empty() {
        v.add(col, "is required");
        return None;
    }
    let parsed = parse(cell);
    if parsed.is_none() {
        v.add(col, format!("'{cell}' is not one of: {codes}"));
    }
    parsed
}

fn date(v: &mut Violations, col: &str, cell: &str) -> Option<Date> {
    match cell.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            v.add(col, format!("'{cell}' is not a date like 2023-09-01"));
            None
        }
    }
}

fn number<T: std::str::FromStr>(
    v: &mut Violations,
    col: &str,
    cell: &str,
    what: &str,
) -> Option<T> {
    match cell.parse::<T>() {
        Ok(x) => Some(x),
        Err(_) => {
            v.add(col, format!("'{cell}' is not {what}"));
            None
        }
    }
}

/// A decimal as offices write it: "85.7" or "85,7".
fn decimal(v: &mut Violations, col: &str, cell: &str) -> Option<f64> {
    match cell.replace(',', ".").parse::<f64>() {
        Ok(x) if x.is_finite() => Some(x),
        _ => {
            v.add(col, format!("'{cell}' is not a number like 85.7"));
            None
        }
    }
}

/// An assessment by its code or as offices write it (ВПР, ОГЭ, ЕГЭ, НИКО).
fn assessment(cell: &str) -> Option<crate::programme::Assessment> {
    use crate::programme::Assessment;
    match cell.trim().to_lowercase().as_str() {
        "впр" => Some(Assessment::Vpr),
        "огэ" => Some(Assessment::Oge),
        "егэ" => Some(Assessment::Ege),
        "нико" => Some(Assessment::Niko),
        "региональная" | "рдр" => Some(Assessment::Regional),
        other => Assessment::from_code(other),
    }
}

/// Parses one results.csv row: the marks table offices receive (how many students got 2, 3,
/// 4 and 5: `marks_2..marks_5`), or the shares themselves (`participants`,
/// `positive_percent`, `quality_percent`, optional `mean`).
pub fn parse_result(
    municipality_id: &str,
    h: &Header,
    row: &[&str],
) -> Result<crate::programme::StudentResult, Violations> {
    let mut v = Violations::new();
    let a = coded(
        &mut v,
        "assessment",
        h.cell(row, "assessment"),
        assessment,
        format!(
            "{} (or ВПР, ОГЭ, ЕГЭ, НИКО)",
            crate::programme::Assessment::codes()
        ),
    );
    let grade = number::<u8>(&mut v, "grade", h.cell(row, "grade"), "a grade 1-11");
    let year = number::<i16>(&mut v, "year", h.cell(row, "year"), "a year like 2023");
    let marks: Vec<&str> = ["marks_2", "marks_3", "marks_4", "marks_5"]
        .iter()
        .map(|c| h.cell(row, c))
        .collect();
    let mean_cell = h.cell(row, "mean");
    let mut mean = if mean_cell.is_empty() {
        None
    } else {
        decimal(&mut v, "mean", mean_cell)
    };
    let (participants, positive, quality) = if marks.iter().any(|m| !m.is_empty()) {
        let mut counts = [0u32; 4];
        for (i, m) in marks.iter().enumerate() {
            let col = format!("marks_{}", i + 2);
            if m.is_empty() {
                v.add(
                    col,
                    "give all four counts of marks (2, 3, 4, 5), or the shares instead",
                );
            } else if let Some(x) = number::<u32>(&mut v, &col, m, "a count of students") {
                counts[i] = x;
            }
        }
        match crate::programme::StudentResult::shares_from_marks(counts) {
            Some((n, p, q, m)) => {
                mean = mean.or(Some(m));
                let given = h.cell(row, "participants");
                if !given.is_empty() && given.parse::<u32>().ok() != Some(n) {
                    v.add(
                        "participants",
                        format!("'{given}' but the marks add up to {n}"),
                    );
                }
                (n, p, q)
            }
            None => {
                if v.is_empty() {
                    v.add("marks_2", "no student has a mark: leave the line out");
                }
                (0, 0.0, 0.0)
            }
        }
    } else {
        let mut need = |col: &str| {
            let cell = h.cell(row, col);
            if cell.is_empty() {
                v.add(
                    col,
                    "is required without the marks columns (marks_2..marks_5)",
                );
                None
            } else {
                Some(cell.to_string())
            }
        };
        let (n, p, q) = (
            need("participants"),
            need("positive_percent"),
            need("quality_percent"),
        );
        (
            n.and_then(|n| number::<u32>(&mut v, "participants", &n, "a count of students"))
                .unwrap_or(0),
            p.and_then(|p| decimal(&mut v, "positive_percent", &p))
                .unwrap_or(0.0),
            q.and_then(|q| decimal(&mut v, "quality_percent", &q))
                .unwrap_or(0.0),
        )
    };
    let (Some(assessment), Some(grade), Some(year)) = (a, grade, year) else {
        return Err(v);
    };
    v.into_result()?;
    Ok(crate::programme::StudentResult {
        municipality_id: municipality_id.to_string(),
        school_id: h.cell(row, "school_id").to_string(),
        assessment,
        subject: h.cell(row, "subject").to_string(),
        grade,
        year,
        participants,
        positive_percent: positive,
        quality_percent: quality,
        mean,
        source: h.cell(row, "source").to_string(),
        meta: zero_meta(),
    })
}

/// Placeholder meta for parsed rows; the importer replaces it when it writes.
fn zero_meta() -> Meta {
    Meta::new(jiff::Timestamp::UNIX_EPOCH)
}

/// Parses one municipality.csv row.
pub fn parse_municipality(h: &Header, row: &[&str]) -> Result<Municipality, Violations> {
    let tz = h.cell(row, "time_zone");
    let m = Municipality {
        id: h.cell(row, "id").to_string(),
        name: h.cell(row, "name").to_string(),
        region: h.cell(row, "region").to_string(),
        time_zone: if tz.is_empty() {
            DEFAULT_TIME_ZONE.to_string()
        } else {
            tz.to_string()
        },
        meta: zero_meta(),
    };
    m.validate()?;
    Ok(m)
}

/// The time zone of a municipality that names none.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Moscow";

/// Parses one schools.csv row. Field names in violations are column names.
pub fn parse_school(
    municipality_id: &str,
    h: &Header,
    row: &[&str],
) -> Result<SchoolRow, Violations> {
    let mut v = Violations::new();
    let kind = coded(
        &mut v,
        "kind",
        h.cell(row, "kind"),
        SchoolKind::from_code,
        SchoolKind::codes(),
    );
    let status = coded(
        &mut v,
        "status",
        h.cell(row, "status"),
        SchoolStatus::from_code,
        SchoolStatus::codes(),
    );
    let since = match h.cell(row, "status_since") {
        "" => None,
        s => date(&mut v, "status_since", s),
    };
    let mut flags = BTreeSet::new();
    for f in list(h.cell(row, "flags")) {
        match SchoolFlag::from_code(&f) {
            Some(x) => {
                flags.insert(x);
            }
            None => v.add(
                "flags",
                format!("'{f}' is not one of: {}", SchoolFlag::codes()),
            ),
        }
    }
    let (lat, lon) = (h.cell(row, "lat"), h.cell(row, "lon"));
    let location = match (lat.is_empty(), lon.is_empty()) {
        (true, true) => None,
        (false, false) => {
            let la = number::<f64>(&mut v, "lat", lat, "a latitude");
            let lo = number::<f64>(&mut v, "lon", lon, "a longitude");
            match (la, lo) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
                _ => None,
            }
        }
        (true, false) => {
            v.add("lat", "lat and lon go together");
            None
        }
        (false, true) => {
            v.add("lon", "lat and lon go together");
            None
        }
    };
    let partner_capacity = match h.cell(row, "partner_capacity") {
        "" => None,
        s => number::<u32>(&mut v, "partner_capacity", s, "a whole number"),
    };
    let mut platforms = BTreeMap::new();
    for item in list(h.cell(row, "platforms")) {
        match item
            .split_once(':')
            .map(|(s, c)| (s.trim(), c.trim().parse::<u32>()))
        {
            Some((s, Ok(c))) if !s.is_empty() => {
                platforms.insert(s.to_string(), c);
            }
            _ => v.add(
                "platforms",
                format!("'{item}' is not subject:capacity, like mathematics:2"),
            ),
        }
    }
    let mut risk = RiskProfile::default();
    for (i, f) in RiskFactor::ALL.iter().enumerate() {
        let col = risk_column(*f);
        let cell = h.cell(row, &col);
        if cell.is_empty() {
            continue;
        }
        match Significance::from_code(cell) {
            Some(s) => risk.0[i] = s,
            None => v.add(
                col,
                format!("'{cell}' is not one of: {}", Significance::codes()),
            ),
        }
    }
    // Placeholders for bad enums so every other column is checked too; `v` already holds the
    // enum's violation, so the placeholder never leaves this function.
    let school = School {
        municipality_id: municipality_id.to_string(),
        id: h.cell(row, "id").to_string(),
        name: h.cell(row, "name").to_string(),
        kind: kind.unwrap_or(SchoolKind::Other),
        status: status.unwrap_or(SchoolStatus::Stable),
        flags,
        programme_tags: list(h.cell(row, "programme_tags")).into_iter().collect(),
        locality: h.cell(row, "locality").to_string(),
        location,
        risk_profile: risk,
        partner_capacity,
        platforms,
        status_history: Vec::new(),
        meta: zero_meta(),
    };
    if let Err(e) = school.validate() {
        v.extend(rename_location(e));
    }
    v.into_result()?;
    Ok(SchoolRow {
        school,
        status_since: since,
    })
}

/// Maps record field paths back to CSV column names where they differ.
fn rename_location(v: Violations) -> Violations {
    Violations(
        v.0.into_iter()
            .map(|mut x| {
                x.field = match x.field.as_str() {
                    "location.lat" => "lat".into(),
                    "location.lon" => "lon".into(),
                    f if f.starts_with("programme_tags[") => "programme_tags".into(),
                    f if f.starts_with("platforms[") => "platforms".into(),
                    f if f.starts_with("subjects[") => "subjects".into(),
                    f if f.starts_with("directions[") => "directions".into(),
                    f if f.starts_with("availability[") => "availability".into(),
                    f if f.starts_with("scores[") => f
                        .trim_start_matches("scores[")
                        .trim_end_matches(']')
                        .to_string(),
                    _ => x.field,
                };
                x
            })
            .collect(),
    )
}

fn boolean(v: &mut Violations, col: &str, cell: &str, default: bool) -> bool {
    match cell.to_ascii_lowercase().as_str() {
        "" => default,
        "true" | "yes" | "1" | "y" => true,
        "false" | "no" | "0" | "n" => false,
        _ => {
            v.add(col, format!("'{cell}' is not true or false"));
            default
        }
    }
}

/// Parses one teachers.csv row; validates codes against `catalog`.
pub fn parse_teacher(
    municipality_id: &str,
    catalog: &crate::Catalog,
    h: &Header,
    row: &[&str],
) -> Result<Teacher, Violations> {
    let mut v = Violations::new();
    let active = boolean(&mut v, "active", h.cell(row, "active"), true);
    let accepts_online = boolean(
        &mut v,
        "accepts_online",
        h.cell(row, "accepts_online"),
        true,
    );
    let position = match h.cell(row, "position") {
        "" => crate::StaffPosition::Teacher,
        s => crate::StaffPosition::from_code(s).unwrap_or_else(|| {
            v.add(
                "position",
                format!("'{s}' is not a position: {}", crate::StaffPosition::codes()),
            );
            crate::StaffPosition::Teacher
        }),
    };
    let t = Teacher {
        municipality_id: municipality_id.to_string(),
        id: h.cell(row, "id").to_string(),
        school_id: h.cell(row, "school_id").to_string(),
        full_name: h.cell(row, "full_name").to_string(),
        subjects: list(h.cell(row, "subjects")),
        active,
        accepts_online,
        position,
        meta: zero_meta(),
    };
    if let Err(e) = t.validate(catalog) {
        v.extend(rename_location(e));
    }
    v.into_result()?;
    Ok(t)
}

/// Parses one mentor_profiles.csv row.
pub fn parse_mentor_profile(
    municipality_id: &str,
    catalog: &crate::Catalog,
    h: &Header,
    row: &[&str],
) -> Result<MentorProfile, Violations> {
    let mut v = Violations::new();
    let capacity = match h.cell(row, "capacity") {
        "" => {
            v.add("capacity", "is required");
            0
        }
        s => number::<u32>(&mut v, "capacity", s, "a whole number").unwrap_or(0),
    };
    let mut modes = BTreeSet::new();
    for m in list(h.cell(row, "modes")) {
        match Mode::from_code(&m) {
            Some(x) => {
                modes.insert(x);
            }
            None => v.add("modes", format!("'{m}' is not one of: {}", Mode::codes())),
        }
    }
    let mut availability = Vec::new();
    for w in list(h.cell(row, "availability")) {
        match Window::parse(&w) {
            Ok(x) => availability.push(x),
            Err(e) => v.add("availability", e),
        }
    }
    let mut p = MentorProfile {
        municipality_id: municipality_id.to_string(),
        teacher_id: h.cell(row, "teacher_id").to_string(),
        subjects: list(h.cell(row, "subjects")),
        directions: list(h.cell(row, "directions")),
        capacity,
        modes,
        availability,
        meta: zero_meta(),
    };
    p.normalise();
    if v.is_empty() {
        if let Err(e) = p.validate(catalog) {
            v.extend(rename_location(e));
        }
    }
    v.into_result()?;
    Ok(p)
}

/// What a mentorships.csv row says: a pair or partnership the office already runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MentorshipRow {
    pub kind: crate::MatchKind,
    pub mentee_id: String,
    pub mentor_id: String,
    /// Groups: the member teachers or schools (then `mentee_id` is empty).
    pub members: Vec<String>,
    pub subject: String,
    pub partnership_type: Option<crate::PartnershipType>,
    pub started_on: Option<Date>,
    /// A past year's list: the mentorship ended on this day (it is imported as ended).
    pub ended_on: Option<Date>,
    pub charter: crate::Charter,
    pub reason: String,
    pub locked: bool,
    pub accept_reason: String,
}

/// The kinds a mentorships.csv row may name: the CSV word and its short form.
const MENTORSHIP_KINDS: [(&str, &str, crate::MatchKind); 6] = [
    ("teacher_pairs", "pairs", crate::MatchKind::TeacherPairs),
    (
        "school_partnerships",
        "schools",
        crate::MatchKind::SchoolPartnerships,
    ),
    (
        "school_directions",
        "directions",
        crate::MatchKind::SchoolDirections,
    ),
    ("teacher_groups", "groups", crate::MatchKind::TeacherGroups),
    (
        "school_groups",
        "school_groups",
        crate::MatchKind::SchoolGroups,
    ),
    (
        "management_platforms",
        "platforms",
        crate::MatchKind::ManagementPlatforms,
    ),
];

/// Parses one mentorships.csv row. The reason defaults to the order ("order 263 of
/// 2021-10-12"), else to "imported".
pub fn parse_mentorship(h: &Header, row: &[&str]) -> Result<MentorshipRow, Violations> {
    let mut v = Violations::new();
    let kind_cell = h.cell(row, "kind").to_ascii_lowercase();
    let kind = MENTORSHIP_KINDS
        .iter()
        .find(|(long, short, _)| kind_cell == *long || kind_cell == *short)
        .map(|(_, _, k)| *k);
    if kind.is_none() {
        v.add(
            "kind",
            format!("'{kind_cell}' is not one of: teacher_pairs (pairs), school_partnerships (schools), school_directions (directions), teacher_groups (groups), school_groups"),
        );
    }
    let group = matches!(
        kind,
        Some(crate::MatchKind::TeacherGroups | crate::MatchKind::SchoolGroups)
    );
    let members = list(h.cell(row, "members"));
    // A group is named by its members, everything else by its mentee.
    if !group {
        crate::ids::check_id(&mut v, "mentee_id", h.cell(row, "mentee_id"));
    }
    crate::ids::check_id(&mut v, "mentor_id", h.cell(row, "mentor_id"));
    let type_cell = h.cell(row, "type").to_ascii_lowercase();
    let partnership_type = match type_cell.as_str() {
        "" => None,
        "instrumental" => Some(crate::PartnershipType::Instrumental),
        "identical" => Some(crate::PartnershipType::Identical),
        other => {
            v.add(
                "type",
                format!("'{other}' is not one of: instrumental, identical"),
            );
            None
        }
    };
    let started_on = match h.cell(row, "started_on") {
        "" => None,
        cell => date(&mut v, "started_on", cell),
    };
    let ended_on = match h.cell(row, "ended_on") {
        "" => None,
        cell => date(&mut v, "ended_on", cell),
    };
    match (started_on, ended_on) {
        (Some(a), Some(b)) if b < a => {
            v.add("ended_on", format!("{b} is before the start {a}"));
        }
        (None, Some(_)) => v.add("started_on", "an ended mentorship says when it started"),
        _ => {}
    }
    let order = match (h.cell(row, "order_number"), h.cell(row, "order_date")) {
        ("", "") => None,
        (number, "") => {
            v.add("order_date", format!("order {number} needs its date"));
            None
        }
        ("", _) => {
            v.add("order_number", "the order's date needs its number");
            None
        }
        (number, d) => date(&mut v, "order_date", d).map(|date| crate::Order {
            number: number.to_string(),
            date,
        }),
    };
    let basis = match h.cell(row, "basis") {
        "" => crate::Basis::Deficit,
        cell => crate::Basis::from_code(cell).unwrap_or_else(|| {
            v.add(
                "basis",
                format!("'{cell}' is not one of: deficit, young_specialist, voluntary, other"),
            );
            crate::Basis::Deficit
        }),
    };
    let locked = match h.cell(row, "locked").to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" => false,
        "yes" | "true" | "1" => true,
        other => {
            v.add("locked", format!("'{other}' is neither yes nor no"));
            false
        }
    };
    let reason = match (h.cell(row, "reason"), &order) {
        ("", Some(o)) => format!("order {} of {}", o.number, o.date),
        ("", None) => "imported".to_string(),
        (r, _) => r.to_string(),
    };
    let charter = crate::Charter {
        order,
        school_year: h.cell(row, "school_year").to_string(),
        goal: h.cell(row, "goal").to_string(),
        basis,
        type_by_office: false,
        accepted: Vec::new(),
    };
    charter.validate(&mut v, "");
    let row = MentorshipRow {
        kind: kind.unwrap_or(crate::MatchKind::TeacherPairs),
        mentee_id: h.cell(row, "mentee_id").to_string(),
        mentor_id: h.cell(row, "mentor_id").to_string(),
        members,
        subject: h.cell(row, "subject").to_string(),
        partnership_type,
        started_on,
        ended_on,
        charter,
        reason,
        locked,
        accept_reason: h.cell(row, "accept_reason").to_string(),
    };
    v.into_result().map(|()| row)
}

/// Parses one diagnostics.csv row: one teacher, one subject, one date, a level and optional
/// competence-area scores in extra columns named by area code.
pub fn parse_diagnostic(
    municipality_id: &str,
    catalog: &crate::Catalog,
    h: &Header,
    row: &[&str],
) -> Result<Diagnostic, Violations> {
    let mut v = Violations::new();
    let level_cell = h.cell(row, "level");
    let level = if level_cell.is_empty() {
        v.add("level", "is required");
        None
    } else {
        let l = Level::from_letter(level_cell);
        if l.is_none() {
            v.add(
                "level",
                format!("'{level_cell}' is not a level A, B, C or D"),
            );
        }
        l
    };
    let date_cell = h.cell(row, "date");
    let d = if date_cell.is_empty() {
        v.add("date", "is required");
        None
    } else {
        date(&mut v, "date", date_cell)
    };
    let mut scores = BTreeMap::new();
    for (area, i) in &h.extra {
        let cell = row.get(*i).map(|s| s.trim()).unwrap_or("");
        if cell.is_empty() {
            continue;
        }
        match cell.replace(',', ".").parse::<f64>() {
            Ok(x) => {
                scores.insert(area.clone(), x);
            }
            Err(_) => v.add(
                area.as_str(),
                format!("'{cell}' is not a score between 0 and 1"),
            ),
        }
    }
    // Placeholders as for schools: check every column in one pass.
    let level = level.unwrap_or(Level::D);
    let date = d.unwrap_or(Date::constant(2000, 1, 1));
    let teacher_id = h.cell(row, "teacher_id").to_string();
    let subject = h.cell(row, "subject").to_string();
    let id = match h.cell(row, "id") {
        "" => Diagnostic::derived_id(&teacher_id, &subject, date),
        s => s.to_string(),
    };
    let diag = Diagnostic {
        municipality_id: municipality_id.to_string(),
        id,
        teacher_id,
        subject,
        date,
        level,
        scores,
        source: h.cell(row, "source").to_string(),
        meta: zero_meta(),
    };
    if let Err(e) = diag.validate(catalog) {
        v.extend(rename_location(e));
    }
    v.into_result()?;
    Ok(diag)
}

/// Formats a score the shortest way that reads back to the same f64.
fn score_text(x: f64) -> String {
    format!("{x}")
}

/// Writes rows of the import formats; used by the generators.
pub mod write {
    use super::*;

    pub fn municipality_header() -> Vec<String> {
        FileKind::Municipality.columns()
    }

    pub fn municipality(m: &Municipality) -> Vec<String> {
        vec![
            m.id.clone(),
            m.name.clone(),
            m.region.clone(),
            m.time_zone.clone(),
        ]
    }

    pub fn schools_header() -> Vec<String> {
        FileKind::Schools.columns()
    }

    pub fn school(s: &School, status_since: Option<Date>) -> Vec<String> {
        let mut row = vec![
            s.id.clone(),
            s.name.clone(),
            s.kind.code().to_string(),
            s.status.code().to_string(),
            status_since.map(|d| d.to_string()).unwrap_or_default(),
            s.locality.clone(),
            s.location.map(|p| p.lat.to_string()).unwrap_or_default(),
            s.location.map(|p| p.lon.to_string()).unwrap_or_default(),
            s.flags
                .iter()
                .map(|f| f.code())
                .collect::<Vec<_>>()
                .join(";"),
            s.programme_tags
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(";"),
            s.partner_capacity
                .map(|c| c.to_string())
                .unwrap_or_default(),
            s.platforms
                .iter()
                .map(|(k, c)| format!("{k}:{c}"))
                .collect::<Vec<_>>()
                .join(";"),
        ];
        row.extend(s.risk_profile.0.iter().map(|x| match x {
            Significance::None => String::new(),
            other => other.code().to_string(),
        }));
        row
    }

    pub fn teachers_header() -> Vec<String> {
        FileKind::Teachers.columns()
    }

    pub fn teacher(t: &Teacher) -> Vec<String> {
        vec![
            t.id.clone(),
            t.school_id.clone(),
            t.full_name.clone(),
            t.subjects.join(";"),
            t.active.to_string(),
            t.accepts_online.to_string(),
            t.position.code().to_string(),
        ]
    }

    pub fn mentor_profiles_header() -> Vec<String> {
        FileKind::MentorProfiles.columns()
    }

    pub fn mentor_profile(p: &MentorProfile) -> Vec<String> {
        vec![
            p.teacher_id.clone(),
            p.subjects.join(";"),
            p.directions.join(";"),
            p.capacity.to_string(),
            p.modes
                .iter()
                .map(|m| m.code())
                .collect::<Vec<_>>()
                .join(";"),
            p.availability
                .iter()
                .map(Window::to_text)
                .collect::<Vec<_>>()
                .join(";"),
        ]
    }

    /// The diagnostics header with one score column per area in `areas`.
    pub fn diagnostics_header(areas: &[&str]) -> Vec<String> {
        let mut h = FileKind::Diagnostics.columns();
        h.extend(areas.iter().map(|a| a.to_string()));
        h
    }

    pub fn diagnostic(d: &Diagnostic, areas: &[&str]) -> Vec<String> {
        let derived = Diagnostic::derived_id(&d.teacher_id, &d.subject, d.date);
        let mut row = vec![
            if d.id == derived {
                String::new()
            } else {
                d.id.clone()
            },
            d.teacher_id.clone(),
            d.subject.clone(),
            d.date.to_string(),
            d.level.letter().to_string(),
            d.source.clone(),
        ];
        row.extend(
            areas
                .iter()
                .map(|a| d.scores.get(*a).map(|x| score_text(*x)).unwrap_or_default()),
        );
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    fn header(kind: FileKind, cols: &[&str]) -> Header {
        Header::parse(kind, cols.iter().copied()).unwrap()
    }

    #[test]
    fn header_rejects_unknown_and_missing_columns() {
        let err = Header::parse(
            FileKind::Teachers,
            ["id", "shcool_id", "full_name", "subjects"],
        )
        .unwrap_err();
        let cols: Vec<_> = err.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, ["shcool_id", "school_id"]);
    }

    #[test]
    fn school_row_reports_every_bad_column() {
        let h = header(
            FileKind::Schools,
            &[
                "id",
                "name",
                "kind",
                "status",
                "lat",
                "lon",
                "risk_low_motivation",
            ],
        );
        let err = parse_school(
            "m",
            &h,
            &["s1", "", "castle", "leader", "95", "30", "extreme"],
        )
        .unwrap_err();
        let cols: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(cols, ["kind", "risk_low_motivation", "name", "lat"]);
        let err = parse_school("m", &h, &["s1", "", "sosh", "leader", "95", "30", ""]).unwrap_err();
        let cols: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(cols, ["name", "lat"]);
    }

    #[test]
    fn diagnostic_row_reads_scores_and_cyrillic_levels() {
        let h = header(
            FileKind::Diagnostics,
            &[
                "teacher_id",
                "subject",
                "date",
                "level",
                "digital",
                "assessment",
            ],
        );
        let d = parse_diagnostic(
            "m",
            &Catalog::default(),
            &h,
            &["t1", "physics", "2023-04-01", "В", "0,5", ""],
        )
        .unwrap();
        assert_eq!(d.level, Level::B);
        assert_eq!(d.id, "t1.physics.2023-04-01");
        assert_eq!(d.scores.get("digital"), Some(&0.5));
        assert_eq!(d.scores.len(), 1);
    }

    #[test]
    fn written_rows_read_back_equal() {
        let h = header(
            FileKind::MentorProfiles,
            &FileKind::MentorProfiles
                .columns()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let mut p = MentorProfile {
            municipality_id: "m".into(),
            teacher_id: "t9".into(),
            subjects: vec!["mathematics".into(), "physics".into()],
            directions: vec!["teaching_methodology".into()],
            capacity: 3,
            modes: [Mode::InPerson, Mode::Online].into(),
            availability: vec![
                Window::parse("thu 14:00-17:00").unwrap(),
                Window::parse("mon 09:30-10:15").unwrap(),
            ],
            meta: zero_meta(),
        };
        p.normalise();
        let row = write::mentor_profile(&p);
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        assert_eq!(
            parse_mentor_profile("m", &Catalog::default(), &h, &cells).unwrap(),
            p
        );
    }
}
