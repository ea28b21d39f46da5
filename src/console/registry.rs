//! The registry in the console: a teacher with diagnostics, progress, mentor profile, routes
//! and mentorships; edit forms for schools, teachers and mentor profiles that put the API's
//! validation messages next to the fields they concern; a plan's items to mark done or add;
//! the curator's view.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use peerlift_api::app::documents::esc;
use peerlift_api::pb;

use super::kit::{
    allowed, area_name, checkbox, checkboxes, enum_word, grid, input, level_name, mask, section,
    select, status_name, today, url_encode, FieldErrors, Names, Posted,
};
use super::{csrf_field, form_action, page, Console, Failure, Next, Page, User};
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
                    .map(|(k, v)| format!("{} {v:.2}", area_name(k)))
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
        let school_bound = u.bound();
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
        match FieldErrors::answer(r, TEACHER_FIELDS)? {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/teachers/{id}"))),
            Err(errors) => Ok(Next::Again(
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
        match FieldErrors::answer(r, TEACHER_FIELDS)? {
            Ok(x) => Ok(Next::Go(format!("/m/{m}/teachers/{}", x.into_inner().id))),
            Err(errors) => Ok(Next::Again(
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
        match FieldErrors::answer(r, PROFILE_FIELDS)? {
            Ok(()) => Ok(Next::Go(format!("/m/{m}/teachers/{id}"))),
            Err(errors) => Ok(Next::Again(
                profile_form_page(&u, &m, &id, &v, &errors).await?,
            )),
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
        match FieldErrors::answer(r, SCHOOL_FIELDS)? {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/schools/{s}"))),
            Err(errors) => Ok(Next::Again(school_form_page(&u, &m, &s, &v, &errors))),
        }
    })
    .await
}

// ---- plans: roadmaps and routes ----

async fn plan_page(u: &User, m: &str, id: &str, errors: &FieldErrors) -> Result<Page, Failure> {
    let p = pb::programme_service_client::ProgrammeServiceClient::new(u.conn())
        .get_plan(pb::GetPlanRequest {
            municipality_id: m.to_string(),
            plan_id: id.to_string(),
        })
        .await?
        .into_inner();
    let names = Names::load(u.conn(), m).await?;
    let bound = u.bound();
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
                status = esc(&enum_word("con-item", pb::ItemStatus::try_from(x.status).map(|k| k.as_str_name()).unwrap_or("?"))),
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
        let today = today(u.conn(), &m).await;
        if f.get("op") == "done" {
            let item = f.get("item");
            let x = p
                .items
                .iter_mut()
                .find(|x| x.id == item)
                .ok_or(Failure::NotFound)?;
            x.status = pb::ItemStatus::Done as i32;
            x.done_on = today.to_string();
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
        match FieldErrors::answer(r, &["what", "responsible", "due"])? {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/plans/{id}"))),
            Err(errors) => Ok(Next::Again(plan_page(&u, &m, &id, &errors).await?)),
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
