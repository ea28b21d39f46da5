//! The registry in the console: a teacher with diagnostics, progress, mentor profile, routes
//! and mentorships; edit forms for schools, teachers and mentor profiles that put the API's
//! validation messages next to the fields they concern; a plan's items to mark done or add;
//! the curator's view.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use peerlift_api::app::documents::esc;
use peerlift_api::pb;

use super::pages::{grid, serde_urlencoded_pairs, status_name, url_encode};
use super::{csrf_field, page, same, Console, Failure, Page, User};
use crate::client::Conn;
use crate::i18n::{self, t, tr};
use crate::programme_cli::subject_name;

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/m/{m}/teachers/{t}", get(teacher))
        .route(
            "/m/{m}/teachers/{t}/edit",
            get(teacher_edit).post(teacher_save),
        )
        .route(
            "/m/{m}/teachers/{t}/profile",
            get(profile_edit).post(profile_save),
        )
        .route(
            "/m/{m}/schools/{s}/teachers/new",
            get(teacher_new).post(teacher_create),
        )
        .route(
            "/m/{m}/schools/{s}/edit",
            get(school_edit).post(school_save),
        )
        .route("/m/{m}/plans/{id}", get(plan).post(plan_save))
        .route("/m/{m}/curator", get(curator))
        .with_state(c)
}

// ---- names instead of ids ----

/// A municipality's teachers and schools by id, so tables show people and schools, not ids.
#[derive(Debug, Default)]
pub struct Names {
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
        if let Ok(r) = schools {
            for s in r.into_inner().schools {
                names.schools.insert(s.id, s.name);
            }
        }
        Ok(names)
    }

    /// The teacher's name (the id when unknown), escaped.
    pub fn teacher(&self, id: &str) -> String {
        esc(self.teachers.get(id).map_or(id, |(n, _)| n.as_str()))
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

// ---- forms that show the API's validation messages ----

/// The API's field violations of a refused form, by the form's field name (`teacher.full_name`
/// is the field `full_name`); those of no field of the form are said above it.
#[derive(Debug, Default)]
pub(super) struct FieldErrors {
    by_field: BTreeMap<String, Vec<String>>,
    general: Vec<String>,
}

impl FieldErrors {
    /// `None` unless the API refused the input (INVALID_ARGUMENT or FAILED_PRECONDITION):
    /// other failures are pages of their own.
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

    /// The alert above the form: how many fields to mend, and what belongs to none.
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

/// A labelled input; with its error under it, tied to it for screen readers.
pub(super) fn input(
    name: &str,
    label: &str,
    value: &str,
    kind: &str,
    errors: &FieldErrors,
) -> String {
    let err = errors.of(name);
    format!(
        "<label for=\"f-{name}\">{label}</label><input id=\"f-{name}\" name=\"{name}\" type=\"{kind}\" value=\"{value}\"{aria}>{msg}",
        label = esc(label),
        value = esc(value),
        aria = if err.is_some() {
            format!(" aria-invalid=\"true\" aria-describedby=\"f-{name}-err\"")
        } else {
            String::new()
        },
        msg = err
            .map(|m| format!("<p id=\"f-{name}-err\" class=\"error field-error\">{}</p>", esc(&m)))
            .unwrap_or_default(),
    )
}

/// A labelled select of `(value, text)` options.
fn select(
    name: &str,
    label: &str,
    value: &str,
    options: &[(String, String)],
    errors: &FieldErrors,
) -> String {
    let err = errors.of(name);
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
        aria = if err.is_some() {
            format!(" aria-invalid=\"true\" aria-describedby=\"f-{name}-err\"")
        } else {
            String::new()
        },
        msg = err
            .map(|m| format!("<p id=\"f-{name}-err\" class=\"error field-error\">{}</p>", esc(&m)))
            .unwrap_or_default(),
    )
}

/// A checkbox with its label after it.
fn checkbox(name: &str, label: &str, checked: bool) -> String {
    format!(
        "<div><input type=\"checkbox\" id=\"f-{name}\" name=\"{name}\" value=\"yes\"{c}> <label for=\"f-{name}\" class=\"inline\">{label}</label></div>",
        c = if checked { " checked" } else { "" },
        label = esc(label)
    )
}

/// A fieldset of checkboxes named `name`, one per `(value, text)`.
fn checkboxes(
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

/// A posted form: its fields in order (names may repeat).
pub(super) struct Posted(Vec<(String, String)>);

impl Posted {
    pub(super) fn new(body: &str) -> Posted {
        Posted(serde_urlencoded_pairs(body))
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
    fn checked(&self, k: &str) -> bool {
        self.get(k) == "yes"
    }
}

/// What a form's action leads to: the next page, or the form again with what to mend.
pub(super) enum Next {
    Go(String),
    Again(Page),
}

/// Runs a form: the CSRF token first, then `f`; a refusal of the input shows the form again
/// (400) with the messages by its fields, anything else as the console's failure page.
pub(super) async fn form_action<F, Fut>(
    c: &Console,
    headers: &HeaderMap,
    csrf: &str,
    f: F,
) -> Response
where
    F: FnOnce(User) -> Fut,
    Fut: std::future::Future<Output = Result<Next, Failure>>,
{
    let Some(u) = c.user(headers) else {
        return Redirect::to("/login").into_response();
    };
    let shown = u.clone();
    i18n::with_lang(u.lang(), async move {
        if !same(csrf, u.csrf()) {
            return super::failure(c, &shown, Failure::Csrf);
        }
        match f(u).await {
            Ok(Next::Go(to)) => Redirect::to(&to).into_response(),
            Ok(Next::Again(p)) => super::html(
                StatusCode::BAD_REQUEST,
                super::layout(Some(&shown), &p.title, &p.body),
            ),
            Err(e) => super::failure(c, &shown, e),
        }
    })
    .await
}

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| (*p).to_string()).collect(),
    })
}

async fn subjects_of_catalogue(conn: Conn, m: &str) -> Result<Vec<(String, String)>, Failure> {
    let entries = pb::catalog_service_client::CatalogServiceClient::new(conn)
        .list_catalog(pb::ListCatalogRequest {
            municipality_id: m.to_string(),
            kind: pb::CatalogKind::Subject as i32,
        })
        .await?
        .into_inner()
        .entries;
    Ok(entries
        .into_iter()
        .map(|e| (e.code.clone(), subject_name(&e.code)))
        .collect())
}

// ---- the teacher ----

pub(super) fn level_name(level: i32) -> &'static str {
    match pb::Level::try_from(level) {
        Ok(pb::Level::A) => "A",
        Ok(pb::Level::B) => "B",
        Ok(pb::Level::C) => "C",
        Ok(pb::Level::D) => "D",
        _ => "—",
    }
}

async fn teacher(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let conn = u.conn();
        let x = pb::teacher_service_client::TeacherServiceClient::new(conn.clone())
            .get_teacher(pb::GetTeacherRequest {
                municipality_id: m.clone(),
                teacher_id: id.clone(),
            })
            .await?
            .into_inner();
        let names = Names::load(conn.clone(), &m).await?;
        // A school's token reads its teachers but not every record about them: what it may
        // not read is left out of the page, not a refusal of the whole page.
        let diagnostics = allowed(
            pb::diagnostic_service_client::DiagnosticServiceClient::new(conn.clone())
                .list_diagnostics(pb::ListDiagnosticsRequest {
                    municipality_id: m.clone(),
                    teacher_id: id.clone(),
                    page_size: 1000,
                    ..Default::default()
                })
                .await,
        )?
        .map(|x| x.diagnostics);
        let progress = allowed(
            pb::report_service_client::ReportServiceClient::new(conn.clone())
                .get_teacher_progress(pb::GetTeacherProgressRequest {
                    municipality_id: m.clone(),
                    teacher_id: id.clone(),
                })
                .await,
        )?;
        let profile = match pb::mentor_profile_service_client::MentorProfileServiceClient::new(
            conn.clone(),
        )
        .get_mentor_profile(pb::GetMentorProfileRequest {
            municipality_id: m.clone(),
            teacher_id: id.clone(),
        })
        .await
        {
            Ok(p) => Some(Some(p.into_inner())),
            Err(s) if s.code() == tonic::Code::NotFound => Some(None),
            Err(s) if s.code() == tonic::Code::PermissionDenied => None,
            Err(s) => return Err(s.into()),
        };
        let routes = allowed(
            pb::programme_service_client::ProgrammeServiceClient::new(conn.clone())
                .list_plans(pb::ListPlansRequest {
                    municipality_id: m.clone(),
                    kind: pb::PlanKind::Route as i32,
                    teacher_id: id.clone(),
                    page_size: 100,
                    ..Default::default()
                })
                .await,
        )?
        .map(|x| x.plans);
        let mut ms = pb::mentorship_service_client::MentorshipServiceClient::new(conn.clone());
        let mut mentorships = Some(Vec::new());
        for (mentee, mentor) in [(id.clone(), String::new()), (String::new(), id.clone())] {
            let got = allowed(
                ms.list_mentorships(pb::ListMentorshipsRequest {
                    municipality_id: m.clone(),
                    status: pb::MentorshipStatus::Active as i32,
                    mentee_id: mentee,
                    mentor_id: mentor,
                    page_size: 1000,
                    ..Default::default()
                })
                .await,
            )?;
            match (got, mentorships.as_mut()) {
                (Some(x), Some(all)) => all.extend(x.mentorships),
                _ => mentorships = None,
            }
        }
        let diag_rows: String = diagnostics
            .iter()
            .flatten()
            .map(|d| {
                let scores: Vec<String> = d
                    .scores
                    .iter()
                    .map(|(k, v)| {
                        let key = format!("area-{k}");
                        let name = t(&key);
                        format!("{} {v:.2}", if name == key { k.clone() } else { name })
                    })
                    .collect();
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"muted\">{}</td><td>{}</td></tr>",
                    esc(&d.date),
                    esc(&subject_name(&d.subject)),
                    level_name(d.level),
                    esc(&scores.join("; ")),
                    esc(&d.source)
                )
            })
            .collect();
        let progress_rows: String = progress
            .iter()
            .flat_map(|p| &p.subjects)
            .map(|p| {
                let rounds: Vec<String> = p
                    .rounds
                    .iter()
                    .map(|r| format!("{} {}", r.date, level_name(r.level)))
                    .collect();
                format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(&subject_name(&p.subject)),
                    esc(&rounds.join(" → "))
                )
            })
            .collect();
        let ms_rows: String = mentorships
            .iter()
            .flatten()
            .map(|x| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/m/{m}/schedule?mentorship={mid}\">{cal}</a></td></tr>",
                    names.party(&m, &x.mentee_id),
                    names.party(&m, &x.mentor_id),
                    esc(&subject_name(&x.subject)),
                    esc(&x.started_on),
                    m = esc(&m),
                    mid = url_encode(&x.id),
                    cal = esc(&t("con-nav-schedule")),
                )
            })
            .collect();
        let route_list: String = routes
            .iter()
            .flatten()
            .map(|p| {
                format!(
                    "<li><a href=\"/m/{m}/plans/{id}\">{title}</a> · {n}{overdue}</li>",
                    m = esc(&m),
                    id = esc(&p.id),
                    title = esc(&p.title),
                    n = esc(&tr("con-n-items", &[("n", i18n::n(p.items.len() as f64))])),
                    overdue = if p.overdue_items > 0 {
                        format!(
                            " · <span class=\"error\">{}</span>",
                            esc(&tr("con-n-overdue", &[("n", i18n::n(f64::from(p.overdue_items)))]))
                        )
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        let profile_text = match profile.as_ref().and_then(Option::as_ref) {
            Some(p) => esc(&tr(
                "con-profile-line",
                &[
                    (
                        "subjects",
                        i18n::s(
                            p.subjects
                                .iter()
                                .map(|s| subject_name(s))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ),
                    ("capacity", i18n::n(f64::from(p.capacity))),
                ],
            )),
            None => esc(&t("con-no-profile")),
        };
        let school_bound =
            u.identity().scope.school().is_some() || u.identity().scope.curator().is_some();
        let edit = format!(
            "<p><a class=\"button\" href=\"/m/{m}/teachers/{id}/edit\">{e}</a> <a class=\"button secondary\" href=\"/m/{m}/teachers/{id}/profile\">{p}</a> <a href=\"/m/{m}/schedule?teacher={q}\">{cal}</a></p>",
            m = esc(&m),
            id = esc(&id),
            q = url_encode(&id),
            e = esc(&t("con-edit")),
            p = esc(&t("con-edit-profile")),
            cal = esc(&t("con-nav-schedule")),
        );
        let ph = esc(&t("con-profile"));
        let msh = esc(&t("con-nav-mentorships"));
        let grid_ms = grid(None, false, &[esc(&t("con-mentee")), esc(&t("con-mentor")), esc(&t("col-subject")), esc(&t("con-since")), String::new()], &ms_rows);
        let dh = esc(&t("con-diagnostics"));
        let grid_d = grid(None, true, &[esc(&t("con-diag-date")), esc(&t("col-subject")), esc(&t("con-level")), esc(&t("con-scores")), esc(&t("con-source"))], &diag_rows);
        let prh = esc(&t("con-progress"));
        let grid_p = grid(None, false, &[esc(&t("col-subject")), esc(&t("con-rounds"))], &progress_rows);
        let rh = esc(&t("con-routes"));
        let routes_html = if route_list.is_empty() {
            format!("<p class=\"muted\">{}</p>", esc(&t("con-no-routes")))
        } else {
            format!("<ul>{route_list}</ul>")
        };
        Ok(Page {
            title: x.full_name.clone(),
            body: format!(
                "<p><a href=\"/m/{m}/schools/{sid}\">{school}</a> · {subjects}{inactive}</p>{edit}{profile_sec}{ms_sec}{d_sec}{p_sec}{r_sec}",
                profile_sec = section(profile.is_some(), &ph, &format!("<p>{profile_text}</p>")),
                ms_sec = section(mentorships.is_some(), &msh, &grid_ms),
                d_sec = section(diagnostics.is_some(), &dh, &grid_d),
                p_sec = section(progress.is_some(), &prh, &grid_p),
                r_sec = section(routes.is_some(), &rh, &routes_html),
                m = esc(&m),
                sid = esc(&x.school_id),
                school = names.school(&x.school_id),
                subjects = esc(&x.subjects.iter().map(|s| subject_name(s)).collect::<Vec<_>>().join(", ")),
                inactive = if x.active == Some(false) {
                    format!(" · <strong>{}</strong>", esc(&t("con-inactive")))
                } else {
                    String::new()
                },
                edit = if school_bound { String::new() } else { edit },
            ),
        })
    })
    .await
}

/// A titled part of a page, or nothing when the person may not read it.
fn section(shown: bool, title: &str, body: &str) -> String {
    if shown {
        format!("<h2>{title}</h2>{body}")
    } else {
        String::new()
    }
}

/// An answer, `None` when the token may not read it (PERMISSION_DENIED), else the failure.
fn allowed<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Result<Option<T>, Failure> {
    match r {
        Ok(x) => Ok(Some(x.into_inner())),
        Err(s) if s.code() == tonic::Code::PermissionDenied => Ok(None),
        Err(s) => Err(s.into()),
    }
}

/// The values a teacher form shows.
#[derive(Debug, Default)]
struct TeacherValues {
    id: String,
    full_name: String,
    subjects: Vec<String>,
    active: bool,
    accepts_online: bool,
    etag: String,
}

const TEACHER_FIELDS: &[&str] = &["id", "full_name", "subjects", "active", "accepts_online"];

async fn teacher_form_page(
    u: &User,
    m: &str,
    action: &str,
    title: String,
    v: &TeacherValues,
    errors: &FieldErrors,
    new: bool,
) -> Result<Page, Failure> {
    let subjects = subjects_of_catalogue(u.conn(), m).await?;
    let id_field = if new {
        input("id", &t("con-teacher-id"), &v.id, "text", errors)
    } else {
        String::new()
    };
    Ok(Page {
        title,
        body: format!(
            "{summary}<form method=\"post\" action=\"{action}\" novalidate>{csrf}<input type=\"hidden\" name=\"etag\" value=\"{etag}\">{id_field}{name}{subjects}{active}{online}<p><button type=\"submit\">{save}</button></p></form>",
            summary = errors.summary(),
            action = esc(action),
            csrf = csrf_field(u),
            etag = esc(&v.etag),
            name = input("full_name", &t("con-full-name"), &v.full_name, "text", errors),
            subjects = checkboxes("subjects", &t("con-subjects"), &subjects, &v.subjects, errors),
            active = checkbox("active", &t("con-active"), v.active),
            online = checkbox("accepts_online", &t("con-accepts-online"), v.accepts_online),
            save = esc(&t("con-save")),
        ),
    })
}

async fn teacher_edit(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let x = pb::teacher_service_client::TeacherServiceClient::new(u.conn())
            .get_teacher(pb::GetTeacherRequest {
                municipality_id: m.clone(),
                teacher_id: id.clone(),
            })
            .await?
            .into_inner();
        let v = TeacherValues {
            id: x.id.clone(),
            full_name: x.full_name.clone(),
            subjects: x.subjects.clone(),
            active: x.active != Some(false),
            accepts_online: x.accepts_online != Some(false),
            etag: x.etag.clone(),
        };
        teacher_form_page(
            &u,
            &m,
            &format!("/m/{m}/teachers/{id}/edit"),
            tr("con-edit-title", &[("name", i18n::s(x.full_name.clone()))]),
            &v,
            &FieldErrors::default(),
            false,
        )
        .await
    })
    .await
}

fn teacher_values(f: &Posted, stored: &[String]) -> TeacherValues {
    // The main subject stays first: the stored order of the subjects still chosen, then new ones.
    let chosen = f.all("subjects");
    let mut subjects: Vec<String> = stored
        .iter()
        .filter(|s| chosen.contains(s))
        .cloned()
        .collect();
    for s in chosen {
        if !subjects.contains(&s) {
            subjects.push(s);
        }
    }
    TeacherValues {
        id: f.get("id"),
        full_name: f.get("full_name"),
        subjects,
        active: f.checked("active"),
        accepts_online: f.checked("accepts_online"),
        etag: f.get("etag"),
    }
}

async fn teacher_save(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let mut tc = pb::teacher_service_client::TeacherServiceClient::new(u.conn());
        let stored = tc
            .get_teacher(pb::GetTeacherRequest {
                municipality_id: m.clone(),
                teacher_id: id.clone(),
            })
            .await?
            .into_inner();
        let mut v = teacher_values(&f, &stored.subjects);
        v.id = id.clone();
        let r = tc
            .update_teacher(pb::UpdateTeacherRequest {
                municipality_id: m.clone(),
                teacher: Some(pb::Teacher {
                    id: id.clone(),
                    full_name: v.full_name.clone(),
                    subjects: v.subjects.clone(),
                    active: Some(v.active),
                    accepts_online: Some(v.accepts_online),
                    etag: v.etag.clone(),
                    ..Default::default()
                }),
                update_mask: mask(&["full_name", "subjects", "active", "accepts_online"]),
                ..Default::default()
            })
            .await;
        if matches!(&r, Err(s) if s.code() == tonic::Code::Aborted) {
            v.etag = stored.etag.clone();
        }
        match r {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/teachers/{id}"))),
            Err(s) => match FieldErrors::from_status(&s, TEACHER_FIELDS) {
                Some(errors) => Ok(Next::Again(
                    teacher_form_page(
                        &u,
                        &m,
                        &format!("/m/{m}/teachers/{id}/edit"),
                        tr(
                            "con-edit-title",
                            &[("name", i18n::s(stored.full_name.clone()))],
                        ),
                        &v,
                        &errors,
                        false,
                    )
                    .await?,
                )),
                None => Err(s.into()),
            },
        }
    })
    .await
}

async fn teacher_new(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, s)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let v = TeacherValues {
            active: true,
            accepts_online: true,
            ..Default::default()
        };
        teacher_form_page(
            &u,
            &m,
            &format!("/m/{m}/schools/{s}/teachers/new"),
            t("con-new-teacher"),
            &v,
            &FieldErrors::default(),
            true,
        )
        .await
    })
    .await
}

async fn teacher_create(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, s)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let v = teacher_values(&f, &[]);
        let r = pb::teacher_service_client::TeacherServiceClient::new(u.conn())
            .create_teacher(pb::CreateTeacherRequest {
                municipality_id: m.clone(),
                teacher: Some(pb::Teacher {
                    id: v.id.clone(),
                    school_id: s.clone(),
                    full_name: v.full_name.clone(),
                    subjects: v.subjects.clone(),
                    active: Some(v.active),
                    accepts_online: Some(v.accepts_online),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await;
        match r {
            Ok(x) => Ok(Next::Go(format!("/m/{m}/teachers/{}", x.into_inner().id))),
            Err(e) => match FieldErrors::from_status(&e, TEACHER_FIELDS) {
                Some(errors) => Ok(Next::Again(
                    teacher_form_page(
                        &u,
                        &m,
                        &format!("/m/{m}/schools/{s}/teachers/new"),
                        t("con-new-teacher"),
                        &v,
                        &errors,
                        true,
                    )
                    .await?,
                )),
                None => Err(e.into()),
            },
        }
    })
    .await
}

// ---- the mentor profile ----

const PROFILE_FIELDS: &[&str] = &["subjects", "capacity", "modes"];

#[derive(Debug, Default)]
struct ProfileValues {
    subjects: Vec<String>,
    capacity: String,
    in_person: bool,
    online: bool,
    etag: String,
    exists: bool,
}

async fn profile_form_page(
    u: &User,
    m: &str,
    id: &str,
    v: &ProfileValues,
    errors: &FieldErrors,
) -> Result<Page, Failure> {
    let subjects = subjects_of_catalogue(u.conn(), m).await?;
    Ok(Page {
        title: t("con-edit-profile"),
        body: format!(
            "{summary}<form method=\"post\" action=\"/m/{m}/teachers/{id}/profile\" novalidate>{csrf}<input type=\"hidden\" name=\"etag\" value=\"{etag}\"><input type=\"hidden\" name=\"exists\" value=\"{exists}\">{subjects}{capacity}<fieldset><legend>{modes}</legend>{ip}{on}</fieldset><p><button type=\"submit\">{save}</button></p></form>",
            summary = errors.summary(),
            m = esc(m),
            id = esc(id),
            csrf = csrf_field(u),
            etag = esc(&v.etag),
            exists = if v.exists { "yes" } else { "no" },
            subjects = checkboxes("subjects", &t("con-mentor-subjects"), &subjects, &v.subjects, errors),
            capacity = input("capacity", &t("con-capacity"), &v.capacity, "number", errors),
            modes = esc(&t("con-modes")),
            ip = checkbox("in_person", &t("con-mode-in-person"), v.in_person),
            on = checkbox("online", &t("con-mode-online"), v.online),
            save = esc(&t("con-save")),
        ),
    })
}

async fn profile_edit(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let p = match pb::mentor_profile_service_client::MentorProfileServiceClient::new(u.conn())
            .get_mentor_profile(pb::GetMentorProfileRequest {
                municipality_id: m.clone(),
                teacher_id: id.clone(),
            })
            .await
        {
            Ok(p) => {
                let p = p.into_inner();
                ProfileValues {
                    capacity: p.capacity.to_string(),
                    in_person: p.modes.contains(&(pb::Mode::InPerson as i32)),
                    online: p.modes.contains(&(pb::Mode::Online as i32)),
                    subjects: p.subjects,
                    etag: p.etag,
                    exists: true,
                }
            }
            Err(s) if s.code() == tonic::Code::NotFound => ProfileValues {
                capacity: "2".to_string(),
                in_person: true,
                online: true,
                ..Default::default()
            },
            Err(s) => return Err(s.into()),
        };
        profile_form_page(&u, &m, &id, &p, &FieldErrors::default()).await
    })
    .await
}

async fn profile_save(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let mut v = ProfileValues {
            subjects: f.all("subjects"),
            capacity: f.get("capacity"),
            in_person: f.checked("in_person"),
            online: f.checked("online"),
            etag: f.get("etag"),
            exists: f.get("exists") == "yes",
        };
        let mut errors = FieldErrors::default();
        let capacity = errors.whole("capacity", &v.capacity);
        if !errors.is_empty() {
            return Ok(Next::Again(
                profile_form_page(&u, &m, &id, &v, &errors).await?,
            ));
        }
        let mut modes = Vec::new();
        if v.in_person {
            modes.push(pb::Mode::InPerson as i32);
        }
        if v.online {
            modes.push(pb::Mode::Online as i32);
        }
        let profile = pb::MentorProfile {
            teacher_id: id.clone(),
            subjects: v.subjects.clone(),
            capacity,
            modes,
            etag: v.etag.clone(),
            ..Default::default()
        };
        let mut pc = pb::mentor_profile_service_client::MentorProfileServiceClient::new(u.conn());
        let r = if v.exists {
            pc.update_mentor_profile(pb::UpdateMentorProfileRequest {
                municipality_id: m.clone(),
                mentor_profile: Some(profile),
                update_mask: mask(&["subjects", "capacity", "modes"]),
                ..Default::default()
            })
            .await
            .map(|_| ())
        } else {
            pc.create_mentor_profile(pb::CreateMentorProfileRequest {
                municipality_id: m.clone(),
                mentor_profile: Some(profile),
                ..Default::default()
            })
            .await
            .map(|_| ())
        };
        if matches!(&r, Err(s) if s.code() == tonic::Code::Aborted) {
            v.etag = pb::mentor_profile_service_client::MentorProfileServiceClient::new(u.conn())
                .get_mentor_profile(pb::GetMentorProfileRequest {
                    municipality_id: m.clone(),
                    teacher_id: id.clone(),
                })
                .await?
                .into_inner()
                .etag;
        }
        match r {
            Ok(()) => Ok(Next::Go(format!("/m/{m}/teachers/{id}"))),
            Err(s) => match FieldErrors::from_status(&s, PROFILE_FIELDS) {
                Some(errors) => Ok(Next::Again(
                    profile_form_page(&u, &m, &id, &v, &errors).await?,
                )),
                None => Err(s.into()),
            },
        }
    })
    .await
}

// ---- the school ----

const SCHOOL_FIELDS: &[&str] = &[
    "name",
    "status",
    "locality",
    "partner_capacity",
    "status_since",
];

#[derive(Debug, Default)]
struct SchoolValues {
    name: String,
    status: String,
    locality: String,
    partner_capacity: String,
    status_since: String,
    etag: String,
}

const STATUSES: [(pb::SchoolStatus, &str); 4] = [
    (pb::SchoolStatus::LowResults, "low_results"),
    (pb::SchoolStatus::AtRisk, "at_risk"),
    (pb::SchoolStatus::Stable, "stable"),
    (pb::SchoolStatus::Leader, "leader"),
];

fn school_form_page(u: &User, m: &str, s: &str, v: &SchoolValues, errors: &FieldErrors) -> Page {
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|(st, code)| ((*code).to_string(), status_name(*st as i32)))
        .collect();
    Page {
        title: tr("con-edit-title", &[("name", i18n::s(v.name.clone()))]),
        body: format!(
            "{summary}<form method=\"post\" action=\"/m/{m}/schools/{s}/edit\" novalidate>{csrf}<input type=\"hidden\" name=\"etag\" value=\"{etag}\">{name}{status}{since}{locality}{cap}<p><button type=\"submit\">{save}</button></p></form>",
            summary = errors.summary(),
            m = esc(m),
            s = esc(s),
            csrf = csrf_field(u),
            etag = esc(&v.etag),
            name = input("name", &t("con-school-name"), &v.name, "text", errors),
            status = select("status", &t("col-status"), &v.status, &statuses, errors),
            since = input("status_since", &t("con-status-since"), &v.status_since, "date", errors),
            locality = input("locality", &t("con-locality"), &v.locality, "text", errors),
            cap = input("partner_capacity", &t("con-partner-capacity"), &v.partner_capacity, "number", errors),
            save = esc(&t("con-save")),
        ),
    }
}

async fn school_edit(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, s)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let x = pb::school_service_client::SchoolServiceClient::new(u.conn())
            .get_school(pb::GetSchoolRequest {
                municipality_id: m.clone(),
                school_id: s.clone(),
            })
            .await?
            .into_inner();
        let v = SchoolValues {
            name: x.name.clone(),
            status: STATUSES
                .iter()
                .find(|(st, _)| *st as i32 == x.status)
                .map(|(_, c)| (*c).to_string())
                .unwrap_or_default(),
            locality: x.locality.clone(),
            partner_capacity: x
                .partner_capacity
                .map(|n| n.to_string())
                .unwrap_or_default(),
            status_since: String::new(),
            etag: x.etag.clone(),
        };
        Ok(school_form_page(&u, &m, &s, &v, &FieldErrors::default()))
    })
    .await
}

async fn school_save(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, s)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let mut v = SchoolValues {
            name: f.get("name"),
            status: f.get("status"),
            locality: f.get("locality"),
            partner_capacity: f.get("partner_capacity"),
            status_since: f.get("status_since"),
            etag: f.get("etag"),
        };
        let mut errors = FieldErrors::default();
        let capacity = errors.optional_whole("partner_capacity", &v.partner_capacity);
        if !errors.is_empty() {
            return Ok(Next::Again(school_form_page(&u, &m, &s, &v, &errors)));
        }
        let status = STATUSES
            .iter()
            .find(|(_, c)| *c == v.status)
            .map_or(0, |(st, _)| *st as i32);
        let mut paths = vec!["name", "status", "locality", "status_since"];
        if capacity.is_some() {
            paths.push("partner_capacity");
        }
        let r = pb::school_service_client::SchoolServiceClient::new(u.conn())
            .update_school(pb::UpdateSchoolRequest {
                municipality_id: m.clone(),
                school: Some(pb::School {
                    id: s.clone(),
                    name: v.name.clone(),
                    status,
                    locality: v.locality.clone(),
                    partner_capacity: capacity,
                    status_since: v.status_since.clone(),
                    etag: v.etag.clone(),
                    ..Default::default()
                }),
                update_mask: mask(&paths),
                ..Default::default()
            })
            .await;
        if matches!(&r, Err(e) if e.code() == tonic::Code::Aborted) {
            v.etag = pb::school_service_client::SchoolServiceClient::new(u.conn())
                .get_school(pb::GetSchoolRequest {
                    municipality_id: m.clone(),
                    school_id: s.clone(),
                })
                .await?
                .into_inner()
                .etag;
        }
        match r {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/schools/{s}"))),
            Err(e) => match FieldErrors::from_status(&e, SCHOOL_FIELDS) {
                Some(errors) => Ok(Next::Again(school_form_page(&u, &m, &s, &v, &errors))),
                None => Err(e.into()),
            },
        }
    })
    .await
}

// ---- plans: roadmaps and routes ----

fn item_status_code(status: i32) -> &'static str {
    match pb::ItemStatus::try_from(status) {
        Ok(pb::ItemStatus::Planned) => "planned",
        Ok(pb::ItemStatus::InProgress) => "in-progress",
        Ok(pb::ItemStatus::Done) => "done",
        Ok(pb::ItemStatus::Cancelled) => "cancelled",
        _ => "unspecified",
    }
}

async fn plan_page(u: &User, m: &str, id: &str, errors: &FieldErrors) -> Result<Page, Failure> {
    let p = pb::programme_service_client::ProgrammeServiceClient::new(u.conn())
        .get_plan(pb::GetPlanRequest {
            municipality_id: m.to_string(),
            plan_id: id.to_string(),
        })
        .await?
        .into_inner();
    let names = Names::load(u.conn(), m).await?;
    let bound = u.identity().scope.school().is_some() || u.identity().scope.curator().is_some();
    let rows: String = p
        .items
        .iter()
        .map(|x| {
            let open = x.status == pb::ItemStatus::Planned as i32
                || x.status == pb::ItemStatus::InProgress as i32;
            let done_form = if open && !x.automatic && !bound {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/m/{m}/plans/{pid}\">{csrf}<input type=\"hidden\" name=\"op\" value=\"done\"><input type=\"hidden\" name=\"item\" value=\"{iid}\"><input type=\"hidden\" name=\"etag\" value=\"{etag}\"><label for=\"ev-{iid}\" class=\"visually-hidden\">{evl}</label><input id=\"ev-{iid}\" name=\"evidence\" placeholder=\"{evl}\" size=\"18\"> <button type=\"submit\" class=\"secondary\">{done}</button></form>",
                    m = esc(m),
                    pid = esc(id),
                    csrf = csrf_field(u),
                    iid = esc(&x.id),
                    etag = esc(&p.etag),
                    evl = esc(&t("con-evidence")),
                    done = esc(&t("con-mark-done")),
                )
            } else {
                String::new()
            };
            format!(
                "<tr><td>{what}</td><td>{resp}</td><td>{due}</td><td>{status}{overdue}</td><td>{done_on} {evidence}</td><td>{form}</td></tr>",
                what = esc(&x.what),
                resp = esc(&x.responsible),
                due = esc(&x.due),
                status = esc(&t(&format!("con-item-{}", item_status_code(x.status)))),
                overdue = if x.overdue {
                    format!(" <span class=\"error\">{}</span>", esc(&t("con-overdue")))
                } else {
                    String::new()
                },
                done_on = esc(&x.done_on),
                evidence = esc(&x.evidence),
                form = done_form,
            )
        })
        .collect();
    let add = if bound {
        String::new()
    } else {
        format!(
            "<h2>{h}</h2><form method=\"post\" action=\"/m/{m}/plans/{pid}\" novalidate>{csrf}<input type=\"hidden\" name=\"op\" value=\"add\"><input type=\"hidden\" name=\"etag\" value=\"{etag}\">{what}{resp}{due}<p><button type=\"submit\">{go}</button></p></form>",
            h = esc(&t("con-add-item")),
            m = esc(m),
            pid = esc(id),
            csrf = csrf_field(u),
            etag = esc(&p.etag),
            what = input("what", &t("con-item-what"), "", "text", errors),
            resp = input("responsible", &t("con-item-responsible"), "", "text", errors),
            due = input("due", &t("con-item-due"), "", "date", errors),
            go = esc(&t("con-add")),
        )
    };
    let whose = if p.teacher_id.is_empty() {
        names.party(m, &p.school_id)
    } else {
        names.teacher_link(m, &p.teacher_id)
    };
    Ok(Page {
        title: p.title.clone(),
        body: format!(
            "{summary}<p>{whose} · <a href=\"/m/{m}/documents/view?kind={kind}&amp;subject={pid}\">{print}</a></p>{grid}{add}",
            summary = errors.summary(),
            m = esc(m),
            pid = esc(id),
            kind = if p.kind == pb::PlanKind::Route as i32 { "route" } else { "roadmap" },
            print = esc(&t("con-print")),
            grid = grid(None, true, &[esc(&t("con-item-what")), esc(&t("con-item-responsible")), esc(&t("con-item-due")), esc(&t("col-status")), esc(&t("con-done-on")), esc(&t("con-actions"))], &rows),
        ),
    })
}

async fn plan(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        plan_page(&u, &m, &id, &FieldErrors::default()).await
    })
    .await
}

/// Marks a task done (with its evidence, today) or adds a task.
async fn plan_save(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let mut pc = pb::programme_service_client::ProgrammeServiceClient::new(u.conn());
        let mut p = pc
            .get_plan(pb::GetPlanRequest {
                municipality_id: m.clone(),
                plan_id: id.clone(),
            })
            .await?
            .into_inner();
        p.etag = f.get("etag");
        if f.get("op") == "done" {
            let item = f.get("item");
            let x = p
                .items
                .iter_mut()
                .find(|x| x.id == item)
                .ok_or(Failure::NotFound)?;
            x.status = pb::ItemStatus::Done as i32;
            x.done_on = jiff::Zoned::now().date().to_string();
            x.evidence = f.get("evidence");
            x.automatic = false;
        } else {
            let n = p.items.len() + 1;
            let mut new_id = format!("item-{n}");
            let mut k = n;
            while p.items.iter().any(|x| x.id == new_id) {
                k += 1;
                new_id = format!("item-{k}");
            }
            p.items.push(pb::PlanItem {
                id: new_id,
                kind: pb::ItemKind::Task as i32,
                status: pb::ItemStatus::Planned as i32,
                what: f.get("what"),
                responsible: f.get("responsible"),
                due: f.get("due"),
                ..Default::default()
            });
        }
        let r = pc
            .update_plan(pb::UpdatePlanRequest {
                municipality_id: m.clone(),
                plan: Some(p),
                ..Default::default()
            })
            .await;
        match r {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/plans/{id}"))),
            Err(s) => match FieldErrors::from_status(&s, &["what", "responsible", "due"]) {
                Some(errors) => Ok(Next::Again(plan_page(&u, &m, &id, &errors).await?)),
                None => Err(s.into()),
            },
        }
    })
    .await
}

// ---- the curator ----

/// A curator's schools: each with its partners, sessions and progress.
async fn curator(State(c): State<Console>, headers: HeaderMap, Path(m): Path<String>) -> Response {
    page(&c, &headers, |u| async move {
        let view = pb::curator_service_client::CuratorServiceClient::new(u.conn())
            .get_curator_view(pb::GetCuratorViewRequest {
                municipality_id: m.clone(),
                curator_id: String::new(),
            })
            .await?
            .into_inner();
        let names = Names::load(u.conn(), &m).await?;
        let rows: String = view
            .schools
            .iter()
            .map(|cs| {
                let s = cs.school.clone().unwrap_or_default();
                let counts = cs.sessions.unwrap_or_default();
                let progress = cs.progress.unwrap_or_default();
                let partners: Vec<String> = cs
                    .mentorships
                    .iter()
                    .map(|x| {
                        let other = if x.mentee_id == s.id { &x.mentor_id } else { &x.mentee_id };
                        names.party(&m, other)
                    })
                    .collect();
                format!(
                    "<tr><td><a href=\"/m/{m}/schools/{id}\">{n}</a></td><td>{st}</td><td>{p}</td><td>{held} / {sched}</td><td>{closed} / {def}</td></tr>",
                    m = esc(&m),
                    id = esc(&s.id),
                    n = esc(&s.name),
                    st = esc(&status_name(s.status)),
                    p = partners.join(", "),
                    held = counts.held,
                    sched = counts.scheduled,
                    closed = progress.closed,
                    def = progress.deficits,
                )
            })
            .collect();
        let name = view.curator.map(|x| x.full_name).unwrap_or_default();
        Ok(Page {
            title: tr("con-curator-title", &[("name", i18n::s(name))]),
            body: grid(
                None,
                true,
                &[
                    esc(&t("col-school")),
                    esc(&t("col-status")),
                    esc(&t("con-partners")),
                    esc(&t("con-held-of-planned")),
                    esc(&t("con-closed-of-deficits")),
                ],
                &rows,
            ),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = FieldErrors::from_status(&s, TEACHER_FIELDS).unwrap_or_default();
        assert_eq!(e.of("full_name"), Some(t("con-v-empty")));
        assert_eq!(e.of("subjects").as_deref(), Some("unknown subject 'xx'"));
        assert_eq!(
            e.general,
            vec!["teacher.school_id: unknown school".to_string()]
        );
        let html = input("full_name", "Name", "", "text", &e);
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("must not be empty"));
        // Not a refusal of the input: no form again.
        assert!(FieldErrors::from_status(&tonic::Status::not_found("x"), TEACHER_FIELDS).is_none());
    }
}
