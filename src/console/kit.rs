//! The console's kit: what every page builds with. Tables (`grid`), names instead of ids
//! (`Names`), forms that put the API's validation messages by their fields (`FieldErrors`,
//! `input` and the other controls, `form_action` that shows a refused form again), and the
//! small translations of API values to words and URLs.

use std::collections::{BTreeMap, HashMap};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use peerlift_api::app::documents::esc;
use peerlift_api::pb;

use super::Failure;
use crate::client::Conn;
use crate::i18n::{self, t, tr};

/// A table of `rows` (already made `<tr>`s) under escaped column heads: sortable by its
/// heads when `sortable`, filtered by an `input[data-filter]` naming `id`.
pub(super) fn grid(id: Option<&str>, sortable: bool, heads: &[String], rows: &str) -> String {
    let th: String = heads
        .iter()
        .map(|h| format!("<th scope=\"col\">{h}</th>"))
        .collect();
    // An empty table says so rather than showing bare heads.
    let empty;
    let rows = if rows.is_empty() {
        empty = format!(
            "<tr><td colspan=\"{}\" class=\"muted\">{}</td></tr>",
            heads.len(),
            esc(&t("con-none"))
        );
        empty.as_str()
    } else {
        rows
    };
    format!(
        "<div class=\"scroll\"><table{id}{class}><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table></div>",
        id = id.map(|x| format!(" id=\"{x}\"")).unwrap_or_default(),
        class = if sortable { " class=\"sortable\"" } else { "" },
    )
}

/// An API enum value (`RUN_STATUS_PROPOSED`) as a word of the catalogue (`con-run-status-proposed`).
pub(super) fn enum_word(prefix: &str, name: &str) -> String {
    let tail = name
        .rsplit_once("_STATUS_")
        .map_or(name, |(_, t)| t)
        .to_ascii_lowercase()
        .replace('_', "-");
    i18n::t_or(&format!("{prefix}-{tail}"), || name.to_string())
}

/// A competence area's name (`area-methodical`; the code when the catalogue has none).
pub(super) fn area_name(code: &str) -> String {
    i18n::t_or(&format!("area-{code}"), || code.to_string())
}

pub(super) fn status_name(status: i32) -> String {
    let code = match pb::SchoolStatus::try_from(status) {
        Ok(pb::SchoolStatus::LowResults) => "low-results",
        Ok(pb::SchoolStatus::AtRisk) => "at-risk",
        Ok(pb::SchoolStatus::Stable) => "stable",
        Ok(pb::SchoolStatus::Leader) => "leader",
        _ => "unspecified",
    };
    t(&format!("con-status-{code}"))
}

pub(super) fn url_encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A catalogue message whose arguments are already HTML (escaped names, links).
pub(super) fn tr_html(id: &str, args: &[(&str, String)]) -> String {
    // Placeholders through the catalogue, then the HTML put in their place: the message text
    // itself is escaped, the arguments are not escaped twice.
    let marks: Vec<(String, String)> = args
        .iter()
        .enumerate()
        .map(|(i, (_, html))| (format!("\u{1}{i}\u{2}"), html.clone()))
        .collect();
    let fluent_args: Vec<(&str, _)> = args
        .iter()
        .zip(&marks)
        .map(|((k, _), (mark, _))| (*k, i18n::s(mark.clone())))
        .collect();
    let mut out = esc(&tr(id, &fluent_args));
    for (mark, html) in marks {
        out = out.replace(&mark, &html);
    }
    out
}

/// Today in municipality `m`'s time zone (the day its sessions and items are dated by); the
/// server's own day when the municipality cannot be read (a region's scope).
pub(super) async fn today(conn: Conn, m: &str) -> jiff::civil::Date {
    let zone = pb::municipality_service_client::MunicipalityServiceClient::new(conn)
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: m.to_string(),
        })
        .await
        .ok()
        .and_then(|x| jiff::tz::TimeZone::get(&x.into_inner().time_zone).ok());
    match zone {
        Some(tz) => jiff::Timestamp::now().to_zoned(tz).date(),
        None => jiff::Zoned::now().date(),
    }
}

/// The Monday of `d`'s week.
pub(super) fn monday_of(d: jiff::civil::Date) -> jiff::civil::Date {
    d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
        .unwrap_or(d)
}

/// Every page of a list call: `fetch` takes a page token and answers the page's items and
/// the next token (empty at the end). A page shows a whole list, never its first thousand.
pub(super) async fn every_page<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, Failure>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let (items, next) = fetch(token).await?;
        out.extend(items);
        if next.is_empty() {
            return Ok(out);
        }
        token = next;
    }
}

/// A municipality's teachers and schools by id, so tables show people and schools, not ids.
#[derive(Debug, Default)]
pub(super) struct Names {
    teachers: HashMap<String, (String, String)>,
    schools: HashMap<String, String>,
}

impl Names {
    /// Every teacher and school of `m` the person may read. A region's scope (`region:...`)
    /// spans municipalities of thousands of teachers each: its pages keep ids.
    pub async fn load(conn: Conn, m: &str) -> Result<Names, Failure> {
        let mut names = Names::default();
        if m.starts_with("region:") {
            return Ok(names);
        }
        let mut tc = pb::teacher_service_client::TeacherServiceClient::new(conn.clone());
        let mut token = String::new();
        loop {
            let r = tc
                .list_teachers(pb::ListTeachersRequest {
                    municipality_id: m.to_string(),
                    page_size: 1000,
                    page_token: token.clone(),
                    ..Default::default()
                })
                .await;
            let r = match r {
                Ok(r) => r.into_inner(),
                // A school's token reads its own teachers only: the others keep their ids.
                Err(s) if s.code() == tonic::Code::PermissionDenied => break,
                Err(s) => return Err(s.into()),
            };
            for x in r.teachers {
                names.teachers.insert(x.id, (x.full_name, x.school_id));
            }
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
        let schools = pb::school_service_client::SchoolServiceClient::new(conn)
            .list_schools(pb::ListSchoolsRequest {
                municipality_id: m.to_string(),
                page_size: 1000,
                ..Default::default()
            })
            .await;
        // A school's token reads only its own school: the others keep their ids.
        for s in allowed(schools)?.map(|r| r.schools).unwrap_or_default() {
            names.schools.insert(s.id, s.name);
        }
        Ok(names)
    }

    /// The teacher's name, or the school's (a partnership's session has schools for
    /// people), or the id when neither is known; escaped.
    pub fn teacher(&self, id: &str) -> String {
        match self.teachers.get(id) {
            Some((n, _)) => esc(n),
            None => self.school(id),
        }
    }

    /// The teacher's name as a link to their page, with their school's name after it.
    pub fn teacher_link(&self, m: &str, id: &str) -> String {
        match self.teachers.get(id) {
            Some((name, school)) => format!(
                "<a href=\"/m/{m}/teachers/{id}\">{n}</a> <span class=\"muted\">{s}</span>",
                m = esc(m),
                id = esc(id),
                n = esc(name),
                s = self.school(school),
            ),
            None => esc(id),
        }
    }

    /// Several teachers' names, joined.
    pub fn teachers(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|x| self.teacher(x))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The school's name (the id when unknown), escaped.
    pub fn school(&self, id: &str) -> String {
        esc(self.schools.get(id).map_or(id, String::as_str))
    }

    /// A mentorship side: a teacher, a school, or a group label, as a person reads it.
    pub fn party(&self, m: &str, id: &str) -> String {
        if self.teachers.contains_key(id) {
            self.teacher_link(m, id)
        } else if self.schools.contains_key(id) {
            format!(
                "<a href=\"/m/{m}/schools/{id}\">{n}</a>",
                m = esc(m),
                id = esc(id),
                n = self.school(id)
            )
        } else {
            esc(id)
        }
    }
}

/// The API's field violations of a refused form, by the form's field name (`teacher.full_name`
/// is the field `full_name`); those of no field of the form are said above it.
#[derive(Debug, Default)]
pub(super) struct FieldErrors {
    by_field: BTreeMap<String, Vec<String>>,
    general: Vec<String>,
}

impl FieldErrors {
    /// `None` unless the API refused the input (INVALID_ARGUMENT, FAILED_PRECONDITION,
    /// ALREADY_EXISTS, or ABORTED for a stale etag): other failures are pages of their own.
    pub(super) fn from_status(s: &tonic::Status, fields: &[&str]) -> Option<FieldErrors> {
        use tonic_types::StatusExt;
        if !matches!(
            s.code(),
            tonic::Code::InvalidArgument
                | tonic::Code::FailedPrecondition
                | tonic::Code::AlreadyExists
                | tonic::Code::Aborted
        ) {
            return None;
        }
        let mut e = FieldErrors::default();
        if s.code() == tonic::Code::Aborted {
            // A stale etag: the caller shows the form again over the current version.
            e.general.push(t("con-stale"));
            return Some(e);
        }
        let violations = s
            .get_details_bad_request()
            .map(|b| b.field_violations)
            .unwrap_or_default();
        if violations.is_empty() {
            e.general.push(s.message().to_string());
        }
        for v in violations {
            let last = v.field.rsplit('.').next().unwrap_or(&v.field);
            let name = last.split('[').next().unwrap_or(last);
            let said = said_in_lang(&v.description);
            match fields.iter().find(|f| **f == name) {
                Some(f) => e.by_field.entry((*f).to_string()).or_default().push(said),
                None => e.general.push(format!("{}: {}", v.field, said)),
            }
        }
        Some(e)
    }

    /// An API answer to a form: the value, or what to show by the form's fields when the API
    /// refused the input, or (any other failure) the console's failure page.
    pub(super) fn answer<T>(
        r: Result<T, tonic::Status>,
        fields: &[&str],
    ) -> Result<Result<T, FieldErrors>, Failure> {
        match r {
            Ok(x) => Ok(Ok(x)),
            Err(s) => match FieldErrors::from_status(&s, fields) {
                Some(errors) => Ok(Err(errors)),
                None => Err(s.into()),
            },
        }
    }

    /// A message of the console's own by a field (a number that is not one).
    pub(super) fn add(&mut self, field: &str, message: String) {
        self.by_field
            .entry(field.to_string())
            .or_default()
            .push(message);
    }

    /// A number field that may be left empty: `None` when empty; when not a whole number, the
    /// console's own message by the field (and `None`).
    pub(super) fn optional_whole(&mut self, field: &str, text: &str) -> Option<u32> {
        if text.trim().is_empty() {
            return None;
        }
        let n = text.trim().parse::<u32>().ok();
        if n.is_none() {
            self.add(field, t("con-whole-number"));
        }
        n
    }

    /// A number field that must hold a whole number (0, with the message by it, when not).
    pub(super) fn whole(&mut self, field: &str, text: &str) -> u32 {
        let n = self.optional_whole(field, text);
        if n.is_none() && text.trim().is_empty() {
            self.add(field, t("con-whole-number"));
        }
        n.unwrap_or(0)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }

    fn of(&self, field: &str) -> Option<String> {
        self.by_field.get(field).map(|v| v.join("; "))
    }

    /// The alert above the form: that it was not saved, and what belongs to no field.
    pub(super) fn summary(&self) -> String {
        if self.by_field.is_empty() && self.general.is_empty() {
            return String::new();
        }
        let items: String = self
            .general
            .iter()
            .map(|x| format!("<li>{}</li>", esc(x)))
            .collect();
        format!(
            "<div role=\"alert\" class=\"error\"><p>{}</p><ul>{items}</ul></div>",
            esc(&t("con-form-refused"))
        )
    }
}

/// The API's commonest field messages in the person's language; the others as the API says
/// them (in English).
fn said_in_lang(description: &str) -> String {
    const KNOWN: [(&str, &str); 8] = [
        ("must not be empty", "con-v-empty"),
        ("is required", "con-v-required"),
        ("must start with a letter or a digit", "con-v-start"),
        ("must not start or end with whitespace", "con-v-whitespace"),
        ("must not contain control characters", "con-v-control"),
        ("must not be negative", "con-v-negative"),
        ("must differ from mentee_id", "con-v-same-person"),
        ("online, in person or both", "con-v-modes"),
    ];
    KNOWN
        .iter()
        .find(|(en, _)| *en == description)
        .map_or_else(|| description.to_string(), |(_, key)| t(key))
}

/// A field's error: the attributes that tie it to its control, and the message under it.
fn field_error(name: &str, errors: &FieldErrors) -> (String, String) {
    match errors.of(name) {
        Some(m) => (
            format!(" aria-invalid=\"true\" aria-describedby=\"f-{name}-err\""),
            format!(
                "<p id=\"f-{name}-err\" class=\"error field-error\">{}</p>",
                esc(&m)
            ),
        ),
        None => (String::new(), String::new()),
    }
}

/// A labelled input; with its error under it, tied to it for screen readers.
pub(super) fn input(
    name: &str,
    label: &str,
    value: &str,
    kind: &str,
    errors: &FieldErrors,
) -> String {
    let (aria, msg) = field_error(name, errors);
    format!(
        "<label for=\"f-{name}\">{label}</label><input id=\"f-{name}\" name=\"{name}\" type=\"{kind}\" value=\"{value}\"{aria}>{msg}",
        label = esc(label),
        value = esc(value),
    )
}

/// A labelled select of `(value, text)` options.
pub(super) fn select(
    name: &str,
    label: &str,
    value: &str,
    options: &[(String, String)],
    errors: &FieldErrors,
) -> String {
    let (aria, msg) = field_error(name, errors);
    let opts: String = options
        .iter()
        .map(|(v, text)| {
            format!(
                "<option value=\"{v}\"{sel}>{text}</option>",
                v = esc(v),
                sel = if v == value { " selected" } else { "" },
                text = esc(text)
            )
        })
        .collect();
    format!(
        "<label for=\"f-{name}\">{label}</label><select id=\"f-{name}\" name=\"{name}\"{aria}>{opts}</select>{msg}",
        label = esc(label),
    )
}

/// A checkbox with its label after it.
pub(super) fn checkbox(name: &str, label: &str, checked: bool) -> String {
    format!(
        "<div><input type=\"checkbox\" id=\"f-{name}\" name=\"{name}\" value=\"yes\"{c}> <label for=\"f-{name}\" class=\"inline\">{label}</label></div>",
        c = if checked { " checked" } else { "" },
        label = esc(label)
    )
}

/// A fieldset of checkboxes named `name`, one per `(value, text)`.
pub(super) fn checkboxes(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    chosen: &[String],
    errors: &FieldErrors,
) -> String {
    let boxes: String = options
        .iter()
        .enumerate()
        .map(|(i, (v, text))| {
            format!(
                "<span class=\"choice\"><input type=\"checkbox\" id=\"f-{name}-{i}\" name=\"{name}\" value=\"{v}\"{c}> <label for=\"f-{name}-{i}\" class=\"inline\">{text}</label></span>",
                v = esc(v),
                c = if chosen.contains(v) { " checked" } else { "" },
                text = esc(text)
            )
        })
        .collect();
    let err = errors
        .of(name)
        .map(|m| format!("<p class=\"error field-error\">{}</p>", esc(&m)))
        .unwrap_or_default();
    format!(
        "<fieldset><legend>{}</legend><div class=\"choices\">{boxes}</div>{err}</fieldset>",
        esc(legend)
    )
}

/// A posted form: its fields in order (names may repeat, which `Form` into a struct cannot
/// hold).
pub(super) struct Posted(Vec<(String, String)>);

impl Posted {
    pub(super) fn new(body: &str) -> Posted {
        // A body that is not a form reads as empty: its CSRF check then refuses it.
        Posted(serde_urlencoded::from_str(body).unwrap_or_default())
    }
    pub(super) fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }
    pub(super) fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub(super) fn checked(&self, k: &str) -> bool {
        self.get(k) == "yes"
    }
}

pub(super) fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| (*p).to_string()).collect(),
    })
}

pub(super) fn level_name(level: i32) -> &'static str {
    match pb::Level::try_from(level) {
        Ok(pb::Level::A) => "A",
        Ok(pb::Level::B) => "B",
        Ok(pb::Level::C) => "C",
        Ok(pb::Level::D) => "D",
        _ => "—",
    }
}

/// A titled part of a page, or nothing when the person may not read it.
pub(super) fn section(shown: bool, title: &str, body: &str) -> String {
    if shown {
        format!("<h2>{title}</h2>{body}")
    } else {
        String::new()
    }
}

/// An answer, `None` when the token may not read it (PERMISSION_DENIED), else the failure.
pub(super) fn allowed<T>(
    r: Result<tonic::Response<T>, tonic::Status>,
) -> Result<Option<T>, Failure> {
    match r {
        Ok(x) => Ok(Some(x.into_inner())),
        Err(s) if s.code() == tonic::Code::PermissionDenied => Ok(None),
        Err(s) => Err(s.into()),
    }
}

pub(super) fn download(body: String, ctype: &'static str, name: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    // The person's own data, like the pages: not cached, not sniffed into something else.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    pub(super) csrf: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[&str] = &["full_name", "subjects"];

    #[test]
    fn violations_land_by_their_field_and_the_rest_above_the_form() {
        use tonic_types::{ErrorDetails, StatusExt};
        let s = tonic::Status::with_error_details(
            tonic::Code::InvalidArgument,
            "invalid argument",
            ErrorDetails::with_bad_request(vec![
                tonic_types::FieldViolation::new("teacher.full_name", "must not be empty"),
                tonic_types::FieldViolation::new("teacher.subjects[1]", "unknown subject 'xx'"),
                tonic_types::FieldViolation::new("teacher.school_id", "unknown school"),
            ]),
        );
        let e = FieldErrors::from_status(&s, FIELDS).unwrap_or_default();
        assert_eq!(e.of("full_name"), Some(t("con-v-empty")));
        assert_eq!(e.of("subjects").as_deref(), Some("unknown subject 'xx'"));
        assert_eq!(
            e.general,
            vec!["teacher.school_id: unknown school".to_string()]
        );
        let html = input("full_name", "Name", "", "text", &e);
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains(&esc(&t("con-v-empty"))));
        // Not a refusal of the input: no form again.
        assert!(FieldErrors::from_status(&tonic::Status::not_found("x"), FIELDS).is_none());
    }
}
