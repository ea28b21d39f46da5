//! The console's pages: each reads and writes through the API with the person's token.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlift_api::app::documents::esc;
use peerlift_api::pb;
use serde::Deserialize;

use super::{
    action, csrf_field, home_municipality, html, login_page, page, same, Console, Failure,
    Identity, Page, Session, User,
};
use crate::i18n::{self, t, tr, Lang};

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/console.js", get(script))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang", post(switch_lang))
        .route("/new", get(new_municipality))
        .route("/m/{m}", get(dashboard))
        .route("/m/{m}/schools", get(schools))
        .route("/m/{m}/schools/{s}", get(school))
        .route(
            "/m/{m}/import",
            get(import_form)
                .post(import)
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/m/{m}/match", get(match_form).post(run_matching))
        .route("/m/{m}/runs/{run}", get(run_page))
        .route("/m/{m}/runs/{run}/approve", post(approve))
        .route("/m/{m}/runs/{run}/reject", post(reject))
        .route("/m/{m}/veto", post(veto))
        .route("/m/{m}/mentorships/new", post(create_mentorship))
        .route("/m/{m}/mentorships", get(mentorships))
        .route("/m/{m}/network", get(network))
        .route("/m/{m}/mentorships/{id}/lock", post(lock))
        .route("/m/{m}/schedule", get(schedule))
        .route("/m/{m}/calendar.ics", get(calendar_ics))
        .route("/m/{m}/schedule/propose", post(propose))
        .route("/m/{m}/schedule/{proposal}", get(proposal))
        .route("/m/{m}/schedule/{proposal}/accept", post(accept))
        .route(
            "/m/{m}/sessions/{id}",
            get(session_form).post(record_session),
        )
        .route("/m/{m}/programmes", get(programmes))
        .route("/m/{m}/programmes/{id}", get(programme))
        .route("/m/{m}/documents", get(documents))
        .route("/m/{m}/documents/view", get(document))
        .route("/m/{m}/documents/signed", post(record_signed))
        .route("/m/{m}/reports", get(reports))
        .route("/m/{m}/reports/{kind}", get(report))
        .with_state(c)
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

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

/// The console's one script (sorting, filtering, upload progress), served as a file so the
/// pages' Content-Security-Policy allows no inline script.
async fn script() -> Response {
    let mut r = super::SCRIPT.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

// ---- signing in and out ----

async fn login_form(State(c): State<Console>, headers: HeaderMap) -> Response {
    if c.user(&headers).is_some() {
        return Redirect::to("/").into_response();
    }
    login_page(&c, &headers, None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

async fn login(State(c): State<Console>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let lang = super::browser_lang(&headers);
    let pre = super::cookie(&headers, c.login_cookie()).unwrap_or_default();
    if pre.is_empty() || !same(&pre, &f.csrf) {
        // A stale sign-in form (another tab signed in or out since): the form again, saying so.
        let mut r = login_page(
            &c,
            &headers,
            Some(peerlift_text::format(lang, "con-csrf", &[])),
        );
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let secret = f.token.trim().to_string();
    let found = if secret.is_empty() {
        None
    } else {
        (c.identify)(&secret)
    };
    let Some(identity) = found else {
        return login_page(
            &c,
            &headers,
            Some(peerlift_text::format(lang, "con-token-refused", &[])),
        );
    };
    let sid = super::random_token();
    let session = Session {
        secret,
        csrf: super::random_token(),
        lang,
        identity,
        last: std::time::Instant::now(),
        since: std::time::Instant::now(),
    };
    if let Ok(mut s) = c.sessions.lock() {
        s.insert(sid.clone(), session);
    }
    tracing::info!("console: signed in");
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{}={sid}{}", c.session_cookie(), c.cookie_attrs()))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(c): State<Console>, headers: HeaderMap, Form(f): Form<CsrfOnly>) -> Response {
    if let Some(u) = c.user(&headers) {
        if same(&f.csrf, u.csrf()) {
            c.drop_session(&u.sid);
        } else {
            return super::failure(&c, &u, Failure::Csrf);
        }
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}=; Max-Age=0{}",
        c.session_cookie(),
        c.cookie_attrs()
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LangForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

async fn switch_lang(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/m/").map(|i| r[i..].to_string()))
        .unwrap_or_else(|| "/".to_string());
    let sessions = c.clone();
    action(&c, &headers, &f.csrf, |u| async move {
        let lang = Lang::parse(&f.lang).ok_or_else(|| Failure::Bad(f.lang.clone()))?;
        sessions.set_lang(&u.sid, lang);
        Ok(back)
    })
    .await
}

// ---- home and dashboard ----

async fn home(State(c): State<Console>, headers: HeaderMap) -> Response {
    let Some(u) = c.user(&headers) else {
        return Redirect::to("/login").into_response();
    };
    let Identity { scope, .. } = u.identity().clone();
    if let Some((m, s)) = scope.school() {
        return Redirect::to(&format!("/m/{m}/schools/{s}")).into_response();
    }
    if let Some((m, _)) = scope.curator() {
        return Redirect::to(&format!("/m/{m}/curator")).into_response();
    }
    if let Some(m) = home_municipality(&scope) {
        return Redirect::to(&format!("/m/{m}")).into_response();
    }
    page(&c, &headers, |u| async move {
        let list = pb::municipality_service_client::MunicipalityServiceClient::new(u.conn())
            .list_municipalities(pb::ListMunicipalitiesRequest {
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .municipalities;
        // By region: its municipalities, then the region's own runs (matched whole).
        let mut regions: BTreeMap<String, Vec<&pb::Municipality>> = BTreeMap::new();
        for x in &list {
            regions.entry(x.region.clone()).or_default().push(x);
        }
        let mut body = String::new();
        let mut mc = pb::matching_service_client::MatchingServiceClient::new(u.conn());
        for (region, munis) in &regions {
            let items: String = munis
                .iter()
                .map(|m| {
                    format!(
                        "<li><a href=\"/m/{}\">{}</a></li>",
                        esc(&m.id),
                        esc(&m.name),
                    )
                })
                .collect();
            let scope = format!("region:{region}");
            let runs = if region.is_empty() {
                Vec::new()
            } else {
                mc.list_match_runs(pb::ListMatchRunsRequest {
                    municipality_id: scope.clone(),
                    page_size: 5,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner().runs)
                .unwrap_or_default()
            };
            let runs: String = runs
                .iter()
                .map(|r| {
                    format!(
                        "<li><a href=\"/m/{s}/runs/{id}\">{id}</a> · {status} · {n}</li>",
                        s = url_encode(&scope),
                        id = esc(&r.id),
                        status = esc(&enum_word(
                            "con-run-status",
                            pb::RunStatus::try_from(r.status)
                                .map(|k| k.as_str_name())
                                .unwrap_or("?")
                        )),
                        n = esc(&tr("con-n-pairs", &[("n", i18n::n(r.pair_count as f64))])),
                    )
                })
                .collect();
            body.push_str(&format!(
                "<h2>{r}</h2><ul class=\"columns\">{items}</ul>{runs}",
                r = esc(if region.is_empty() { "—" } else { region }),
                runs = if runs.is_empty() {
                    String::new()
                } else {
                    format!("<h3>{}</h3><ul>{runs}</ul>", esc(&t("con-region-runs")))
                },
            ));
        }
        // The administrator's first step on a fresh store: import a municipality's files
        // (municipality.csv creates it).
        if matches!(u.identity().scope, peerlift_domain::access::Scope::All) {
            body.push_str(&format!(
                "<h2>{h}</h2><form method=\"get\" action=\"/new\"><label for=\"new-m\">{l}</label><input id=\"new-m\" name=\"m\" required pattern=\"[a-z0-9][a-z0-9-]*\" aria-describedby=\"new-m-help\"><p id=\"new-m-help\" class=\"muted\">{help}</p><button type=\"submit\">{go}</button></form>",
                h = esc(&t("con-new-municipality")),
                l = esc(&t("con-new-municipality-id")),
                help = esc(&t("con-new-municipality-help")),
                go = esc(&t("con-nav-import")),
            ));
        }
        Ok(Page {
            title: t("con-municipalities"),
            body,
        })
    })
    .await
}

#[derive(Deserialize)]
struct NewQuery {
    #[serde(default)]
    m: String,
}

/// The import page of a municipality to be made by its `municipality.csv`.
async fn new_municipality(Query(q): Query<NewQuery>) -> Response {
    let id = q.m.trim();
    if id.is_empty() {
        return Redirect::to("/").into_response();
    }
    Redirect::to(&format!("/m/{}/import", url_encode(id))).into_response()
}

/// An API enum value (`RUN_STATUS_PROPOSED`) as a word of the catalogue (`con-run-status-proposed`).
pub(super) fn enum_word(prefix: &str, name: &str) -> String {
    let tail = name
        .rsplit_once("_STATUS_")
        .map_or(name, |(_, t)| t)
        .to_ascii_lowercase()
        .replace('_', "-");
    let id = format!("{prefix}-{tail}");
    let x = t(&id);
    if x == id {
        name.to_string()
    } else {
        x
    }
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

async fn dashboard(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
) -> Response {
    page(&c, &headers, |u| async move {
        let conn = u.conn();
        let schools = pb::school_service_client::SchoolServiceClient::new(conn.clone())
            .list_schools(pb::ListSchoolsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .schools;
        let names: BTreeMap<String, String> = schools
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect();
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        let partnerships = pb::mentorship_service_client::MentorshipServiceClient::new(conn.clone())
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: m.clone(),
                kind: pb::MatchKind::SchoolPartnerships as i32,
                status: pb::MentorshipStatus::Active as i32,
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .mentorships;
        let mut need = String::new();
        for s in schools.iter().filter(|s| {
            s.status == pb::SchoolStatus::LowResults as i32
                || s.status == pb::SchoolStatus::AtRisk as i32
        }) {
            let partners: Vec<String> = partnerships
                .iter()
                .filter(|p| p.mentee_id == s.id)
                .map(|p| name(&p.mentor_id))
                .collect();
            need.push_str(&format!(
                "<tr><td><a href=\"/m/{m}/schools/{id}\">{n}</a></td><td>{st}</td><td>{p}</td></tr>",
                m = esc(&m),
                id = esc(&s.id),
                n = esc(&s.name),
                st = esc(&status_name(s.status)),
                p = if partners.is_empty() {
                    format!("<span class=\"error\">{}</span>", esc(&t("con-no-partner")))
                } else {
                    esc(&partners.join(", "))
                }
            ));
        }
        let mut reports = pb::report_service_client::ReportServiceClient::new(conn.clone());
        let coverage = reports
            .coverage_report(pb::ReportRequest {
                municipality_id: m.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let a_open: u64 = coverage
            .total
            .as_ref()
            .map_or(0, |x| u64::from(x.demands_a.saturating_sub(x.covered_a)));
        let outcomes = reports
            .outcomes_report(pb::ReportRequest {
                municipality_id: m.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let today = jiff::Zoned::now().date();
        let monday = today
            .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
            .unwrap_or(today);
        let next = monday
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(today);
        let week = pb::session_service_client::SessionServiceClient::new(conn.clone())
            .list_sessions(pb::ListSessionsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                from: monday.to_string(),
                to: next.to_string(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .sessions;
        let last = pb::rematch_service_client::RematchServiceClient::new(conn.clone())
            .list_rematch_records(pb::ListRematchRecordsRequest {
                municipality_id: m.clone(),
                limit: 1,
            })
            .await?
            .into_inner()
            .records;
        let rematch = match last.first() {
            Some(r) => format!(
                "{} · {}",
                esc(&r.slot),
                esc(pb::RematchStatus::try_from(r.status)
                    .map(|s| s.as_str_name())
                    .unwrap_or("?"))
            ),
            None => esc(&t("con-no-rematch")),
        };
        let cards = format!(
            "<div class=\"cards\">
<div class=\"card\"><div class=\"big\">{a_open}</div>{a_label}</div>
<div class=\"card\"><div class=\"big\">{week_n}</div><a href=\"/m/{m}/schedule\">{week_label}</a></div>
<div class=\"card\"><div class=\"big\">{overdue}</div>{overdue_label}</div>
<div class=\"card\"><div>{rematch}</div>{rematch_label}</div>
</div>",
            a_label = esc(&t("con-a-without-mentor")),
            week_n = week.len(),
            week_label = esc(&t("con-sessions-this-week")),
            overdue = outcomes.plan_items_overdue,
            overdue_label = esc(&t("con-overdue-items")),
            rematch_label = esc(&t("con-last-rematch")),
            m = esc(&m),
        );
        Ok(Page {
            title: tr("con-dashboard", &[("municipality", i18n::s(m.clone()))]),
            body: format!(
                "{cards}<h2>{h}</h2>{grid1}",
                h = esc(&t("con-schools-in-need")),
                grid1 = grid(None, false, &[esc(&t("col-school")), esc(&t("col-status")), esc(&t("con-partners"))], &need),
            ),
        })
    })
    .await
}

// ---- registry ----

async fn schools(State(c): State<Console>, headers: HeaderMap, Path(m): Path<String>) -> Response {
    page(&c, &headers, |u| async move {
        let list = pb::school_service_client::SchoolServiceClient::new(u.conn())
            .list_schools(pb::ListSchoolsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .schools;
        let rows: String = list
            .iter()
            .map(|s| {
                format!(
                    "<tr><td><a href=\"/m/{m}/schools/{id}\">{n}</a></td><td>{st}</td><td>{l}</td></tr>",
                    m = esc(&m),
                    id = esc(&s.id),
                    n = esc(&s.name),
                    st = esc(&status_name(s.status)),
                    l = esc(&s.locality)
                )
            })
            .collect();
        Ok(Page {
            title: t("con-nav-schools"),
            body: format!(
                "<label for=\"q\">{f}</label><input id=\"q\" data-filter=\"schools\" type=\"search\">{grid2}",
                f = esc(&t("con-filter")),
                grid2 = grid(Some("schools"), true, &[esc(&t("col-school")), esc(&t("col-status")), esc(&t("con-locality"))], &rows),
            ),
        })
    })
    .await
}

async fn school(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, s)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let conn = u.conn();
        let school = pb::school_service_client::SchoolServiceClient::new(conn.clone())
            .get_school(pb::GetSchoolRequest {
                municipality_id: m.clone(),
                school_id: s.clone(),
            })
            .await?
            .into_inner();
        let teachers = pb::teacher_service_client::TeacherServiceClient::new(conn.clone())
            .list_teachers(pb::ListTeachersRequest {
                municipality_id: m.clone(),
                school_id: s.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .teachers;
        let rows: String = teachers
            .iter()
            .map(|x| {
                format!(
                    "<tr><td><a href=\"/m/{}/teachers/{}\">{}</a></td><td>{}</td></tr>",
                    esc(&m),
                    esc(&x.id),
                    esc(&x.full_name),
                    esc(&x
                        .subjects
                        .iter()
                        .map(|s| crate::programme_cli::subject_name(s))
                        .collect::<Vec<_>>()
                        .join(", "))
                )
            })
            .collect();
        Ok(Page {
            title: school.name.clone(),
            body: format!(
                "<p>{st} · {loc}</p><p><a href=\"/m/{m}/schedule?school={id}\">{sched}</a>{edit}</p><h2>{th}</h2>{grid3}",
                edit = if u.identity().scope.school().is_some() {
                    String::new()
                } else {
                    format!(
                        " · <a href=\"/m/{m}/schools/{id}/edit\">{e}</a> · <a href=\"/m/{m}/schools/{id}/teachers/new\">{a}</a>",
                        m = esc(&m),
                        id = esc(&s),
                        e = esc(&t("con-edit")),
                        a = esc(&t("con-add-teacher")),
                    )
                },
                st = esc(&status_name(school.status)),
                loc = esc(&school.locality),
                m = esc(&m),
                id = esc(&s),
                sched = esc(&t("con-nav-schedule")),
                th = esc(&t("con-teachers")),
                grid3 = grid(None, true, &[esc(&t("con-teacher")), esc(&t("col-subject"))], &rows),
            ),
        })
    })
    .await
}

async fn import_form(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
) -> Response {
    page(&c, &headers, |u| async move {
        Ok(Page {
            title: t("con-nav-import"),
            body: format!(
                "<form method=\"post\" action=\"/m/{m}/import\" enctype=\"multipart/form-data\" data-progress=\"import-progress\">{csrf}
<label for=\"files\">{label}</label>
<input id=\"files\" name=\"files\" type=\"file\" accept=\".csv\" multiple required aria-describedby=\"files-help\">
<p id=\"files-help\" class=\"muted\">{help}</p>
<button type=\"submit\">{go}</button>
<p><progress id=\"import-progress\" hidden></progress> <span id=\"import-progress-status\" role=\"status\" data-working=\"{working}\"></span></p></form>",
                m = esc(&m),
                csrf = csrf_field(&u),
                working = esc(&t("con-import-working")),
                label = esc(&t("con-import-files")),
                help = esc(&t("con-import-help")),
                go = esc(&t("con-import-go")),
            ),
        })
    })
    .await
}

/// The import: the files as the form sent them, in the import's order, streamed to the API;
/// the per-file counts and every rejected row.
async fn import(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    mut form: Multipart,
) -> Response {
    // Signed in first: no one else makes the server read an upload.
    let Some(u) = c.user(&headers) else {
        return Redirect::to("/login").into_response();
    };
    let lang = u.lang();
    i18n::with_lang(lang, async move {
        let mut csrf = String::new();
        let mut files: Vec<(peerlift_domain::csvfmt::FileKind, String, Vec<u8>)> = Vec::new();
        let mut unknown = Vec::new();
        // The whole form is read before anything is imported: a file cut short (over the
        // limit, a dropped connection) refuses the import, it never goes in half.
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return super::failure(&c, &u, Failure::Bad(upload_failed(&e))),
            };
            match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("files") => {
                    let name = field.file_name().unwrap_or("").to_string();
                    let data = match field.bytes().await {
                        Ok(d) => d.to_vec(),
                        Err(e) => return super::failure(&c, &u, Failure::Bad(upload_failed(&e))),
                    };
                    if name.is_empty() {
                        continue;
                    }
                    match crate::client::kind_of(std::path::Path::new(&name)) {
                        Some(k) => files.push((k, name, data)),
                        None => unknown.push(name),
                    }
                }
                _ => {}
            }
        }
        files.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        if !same(&csrf, u.csrf()) {
            return super::failure(&c, &u, Failure::Csrf);
        }
        let result = run_import(&u, &m, files).await;
        match result {
            Ok(r) => {
                let mut table = crate::table::Table::new(&[
                    "file", "rows", "created", "updated", "unchanged", "rejected",
                ]);
                for f in &r.files {
                    let x = f.counts.unwrap_or_default();
                    table.row(vec![
                        f.file_name.clone(),
                        x.rows.to_string(),
                        x.created.to_string(),
                        x.updated.to_string(),
                        x.unchanged.to_string(),
                        x.rejected.to_string(),
                    ]);
                }
                let errors: String = r
                    .errors
                    .iter()
                    .map(|e| {
                        format!(
                            "<li>{}:{} <strong>{}</strong> {}</li>",
                            esc(&e.file_name),
                            e.line,
                            esc(&e.field),
                            esc(&e.reason)
                        )
                    })
                    .collect();
                let skipped: String = unknown
                    .iter()
                    .map(|n| format!("<li>{}</li>", esc(&tr("import-skipped", &[("path", i18n::s(n.clone()))]))))
                    .collect();
                let total = r.total.unwrap_or_default();
                let body = format!(
                    "<p role=\"status\" class=\"ok\">{done}</p>{table}{skipped}<h2>{eh}</h2><ul>{errors}</ul><p><a href=\"/m/{m}\">{home}</a></p>",
                    done = esc(&tr(
                        "con-import-done",
                        &[
                            ("created", i18n::n(total.created as f64)),
                            ("updated", i18n::n(total.updated as f64)),
                            ("rejected", i18n::n(total.rejected as f64)),
                        ],
                    )),
                    table = table.to_html("report"),
                    skipped = if skipped.is_empty() { String::new() } else { format!("<ul>{skipped}</ul>") },
                    eh = esc(&t("con-import-errors")),
                    m = esc(&m),
                    home = esc(&t("con-nav-home")),
                );
                html(StatusCode::OK, super::layout(Some(&u), &t("con-nav-import"), &body))
            }
            Err(e) => super::failure(&c, &u, e),
        }
    })
    .await
}

/// The largest upload of one import through the console (a municipality's files are a few
/// MB; a region's directory is imported with `peerlift import`).
pub(super) const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

fn upload_failed(e: &axum::extract::multipart::MultipartError) -> String {
    tr(
        "con-upload-failed",
        &[
            ("limit", i18n::n((UPLOAD_LIMIT / (1024 * 1024)) as f64)),
            ("reason", i18n::s(e.body_text())),
        ],
    )
}

async fn run_import(
    u: &User,
    m: &str,
    files: Vec<(peerlift_domain::csvfmt::FileKind, String, Vec<u8>)>,
) -> Result<pb::ImportReport, Failure> {
    if files.is_empty() {
        return Err(Failure::Bad(t("con-import-none")));
    }
    let mut msgs = vec![pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: m.to_string(),
            ends_explicitly: true,
            ..Default::default()
        })),
    }];
    let (mut chunks, mut bytes) = (0u64, 0u64);
    for (kind, name, data) in files {
        let kind =
            peerlift_api::convert::enum_to_pb(&peerlift_domain::csvfmt::FileKind::ALL, &kind);
        for chunk in data.chunks(64 * 1024) {
            msgs.push(pb::ImportRequest {
                item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
                    kind,
                    file_name: name.clone(),
                    data: chunk.to_vec(),
                })),
            });
            chunks += 1;
            bytes += chunk.len() as u64;
        }
    }
    msgs.push(pb::ImportRequest {
        item: Some(pb::import_request::Item::End(pb::ImportEnd {
            chunks,
            bytes,
        })),
    });
    Ok(
        pb::import_service_client::ImportServiceClient::new(u.conn())
            .import(tokio_stream::iter(msgs))
            .await?
            .into_inner(),
    )
}

// ---- matching ----

const KINDS: [(pb::MatchKind, &str); 5] = [
    (pb::MatchKind::TeacherPairs, "pairs"),
    (pb::MatchKind::TeacherGroups, "teacher-groups"),
    (pb::MatchKind::SchoolPartnerships, "schools"),
    (pb::MatchKind::SchoolGroups, "school-groups"),
    (pb::MatchKind::SchoolDirections, "directions"),
];

async fn match_form(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
) -> Response {
    page(&c, &headers, |u| async move {
        let runs = pb::matching_service_client::MatchingServiceClient::new(u.conn())
            .list_match_runs(pb::ListMatchRunsRequest {
                municipality_id: m.clone(),
                page_size: 20,
                ..Default::default()
            })
            .await?
            .into_inner()
            .runs;
        // A region's (or the whole instance's) token may match the region at once.
        let region = match &u.identity().scope {
            peerlift_domain::access::Scope::All | peerlift_domain::access::Scope::Region(_) => {
                let r = pb::municipality_service_client::MunicipalityServiceClient::new(u.conn())
                    .get_municipality(pb::GetMunicipalityRequest {
                        municipality_id: m.clone(),
                    })
                    .await?
                    .into_inner()
                    .region;
                if r.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<div><input type=\"checkbox\" id=\"whole-region\" name=\"region\" value=\"{r}\"> <label for=\"whole-region\" class=\"inline\">{l}</label></div>",
                        r = esc(&r),
                        l = esc(&tr("con-whole-region", &[("region", i18n::s(r.clone()))])),
                    )
                }
            }
            _ => String::new(),
        };
        let options: String = KINDS
            .iter()
            .map(|(_, code)| {
                format!(
                    "<option value=\"{code}\">{}</option>",
                    esc(&t(&format!("con-kind-{code}")))
                )
            })
            .collect();
        let rows: String = runs
            .iter()
            .map(|r| {
                format!(
                    "<tr><td><a href=\"/m/{m}/runs/{id}\">{id}</a></td><td>{kind}</td><td>{status}</td><td>{pairs}</td><td>{unmatched}</td></tr>",
                    m = esc(&m),
                    id = esc(&r.id),
                    kind = esc(pb::MatchKind::try_from(r.kind).map(|k| k.as_str_name()).unwrap_or("?")),
                    status = esc(&enum_word("con-run-status", pb::RunStatus::try_from(r.status).map(|k| k.as_str_name()).unwrap_or("?"))),
                    pairs = r.pair_count,
                    unmatched = r.unmatched_count,
                )
            })
            .collect();
        Ok(Page {
            title: t("con-nav-match"),
            body: format!(
                "<form method=\"post\" action=\"/m/{m}/match\">{csrf}<label for=\"kind\">{kl}</label><select id=\"kind\" name=\"kind\">{options}</select>
<details><summary>{pol}</summary><p class=\"muted\">{polhelp}</p>
<fieldset><legend>{levels}</legend><span class=\"choice\"><input type=\"checkbox\" id=\"lv-a\" name=\"level_a\" value=\"yes\"> <label for=\"lv-a\" class=\"inline\">A</label></span> <span class=\"choice\"><input type=\"checkbox\" id=\"lv-b\" name=\"level_b\" value=\"yes\"> <label for=\"lv-b\" class=\"inline\">B</label></span> <span class=\"choice\"><input type=\"checkbox\" id=\"lv-c\" name=\"level_c\" value=\"yes\"> <label for=\"lv-c\" class=\"inline\">C</label></span></fieldset>
<label for=\"travel\">{travel}</label><input id=\"travel\" name=\"travel_limit_km\" type=\"number\" min=\"0\">
<label for=\"online\">{online}</label><select id=\"online\" name=\"online\"><option value=\"\">{dflt}</option><option value=\"yes\">{yes}</option><option value=\"no\">{no}</option></select>
</details>{region}
<p><button type=\"submit\">{go}</button></p></form>
<h2>{rh}</h2>{grid4}",
                m = esc(&m),
                csrf = csrf_field(&u),
                kl = esc(&t("con-kind")),
                go = esc(&t("con-run")),
                pol = esc(&t("con-policy")),
                polhelp = esc(&t("con-policy-help")),
                levels = esc(&t("con-policy-levels")),
                travel = esc(&t("con-policy-travel")),
                online = esc(&t("con-policy-online")),
                dflt = esc(&t("con-policy-default")),
                yes = esc(&t("yes")),
                no = esc(&t("no")),
                region = region,
                rh = esc(&t("con-runs")),
                grid4 = grid(None, true, &[esc(&t("col-id")), esc(&t("con-kind")), esc(&t("col-status")), esc(&t("con-pairs")), esc(&t("con-unmatched"))], &rows),
            ),
        })
    })
    .await
}

#[derive(Deserialize)]
struct RunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level_a: String,
    #[serde(default)]
    level_b: String,
    #[serde(default)]
    level_c: String,
    #[serde(default)]
    travel_limit_km: String,
    #[serde(default)]
    online: String,
    /// The region to match whole (empty: this municipality).
    #[serde(default)]
    region: String,
}

impl RunForm {
    /// The policy overrides the form sets; `None` when it sets none (the office's policy).
    fn policy(&self) -> Result<Option<pb::Policy>, Failure> {
        let mut p = pb::Policy::default();
        for (on, level) in [
            (&self.level_a, pb::Level::A),
            (&self.level_b, pb::Level::B),
            (&self.level_c, pb::Level::C),
        ] {
            if on == "yes" {
                p.levels.push(level as i32);
            }
        }
        let travel = self.travel_limit_km.trim();
        if !travel.is_empty() {
            p.travel_limit_km = Some(travel.parse().map_err(|_| {
                Failure::Bad(format!(
                    "{}: {}",
                    t("con-policy-travel"),
                    t("con-whole-number")
                ))
            })?);
        }
        p.allow_online = match self.online.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        Ok((p != pb::Policy::default()).then_some(p))
    }
}

async fn run_matching(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Form(f): Form<RunForm>,
) -> Response {
    let csrf = f.csrf.clone();
    action(&c, &headers, &csrf, |u| async move {
        let kind = KINDS
            .iter()
            .find(|(_, code)| *code == f.kind)
            .map(|(k, _)| *k)
            .ok_or_else(|| Failure::Bad(f.kind.clone()))?;
        let region = f.region.trim().to_string();
        let run = pb::matching_service_client::MatchingServiceClient::new(u.conn())
            .run_matching(pb::RunMatchingRequest {
                municipality_id: if region.is_empty() {
                    m.clone()
                } else {
                    String::new()
                },
                region: region.clone(),
                kind: kind as i32,
                policy: f.policy()?,
                ..Default::default()
            })
            .await?
            .into_inner()
            .run
            .ok_or(Failure::NotFound)?;
        if region.is_empty() {
            Ok(format!("/m/{m}/runs/{}", run.id))
        } else {
            Ok(format!(
                "/m/{}/runs/{}",
                url_encode(&format!("region:{region}")),
                run.id
            ))
        }
    })
    .await
}

#[derive(Deserialize, Default)]
struct RunQuery {
    /// The page token of the pairs shown (empty: the first page).
    #[serde(default)]
    page: String,
    /// The page token of the unmatched demands shown.
    #[serde(default)]
    upage: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    subject: String,
}

/// Pairs and unmatched demands per page: a region's run has tens of thousands.
const RUN_PAGE: i32 = 200;

/// A run: its certificate, the pairs with their score terms (a page at a time, filtered by
/// school and subject), why demands stayed unmatched, the changes against what is active, and
/// the decision.
async fn run_page(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    Query(q): Query<RunQuery>,
) -> Response {
    page(&c, &headers, |u| async move {
        let mut mc = pb::matching_service_client::MatchingServiceClient::new(u.conn());
        let run = mc
            .get_match_run(pb::GetMatchRunRequest {
                municipality_id: m.clone(),
                run_id: id.clone(),
            })
            .await?
            .into_inner();
        let pairs = mc
            .list_match_run_pairs(pb::ListMatchRunPairsRequest {
                municipality_id: m.clone(),
                run_id: id.clone(),
                page_size: RUN_PAGE,
                page_token: q.page.clone(),
                school_id: q.school.clone(),
                subject: q.subject.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let unmatched = mc
            .list_match_run_unmatched(pb::ListMatchRunUnmatchedRequest {
                municipality_id: m.clone(),
                run_id: id.clone(),
                page_size: RUN_PAGE,
                page_token: q.upage.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let ended = mc
            .list_match_run_changes(pb::ListMatchRunChangesRequest {
                municipality_id: m.clone(),
                run_id: id.clone(),
                page_size: RUN_PAGE,
                change: pb::run_change::Change::Ended as i32,
                ..Default::default()
            })
            .await?
            .into_inner();
        let names = super::registry::Names::load(u.conn(), &m).await?;
        let proposed = run.status == pb::RunStatus::Proposed as i32;
        let kind = run.kind;
        // A region's scope (`region:NAME`) is free text: encoded wherever it is a path segment.
        let mseg = url_encode(&m);
        let pair_rows: String = pairs
            .pairs
            .iter()
            .map(|p| {
                let terms: String = p
                    .terms
                    .iter()
                    .map(|x| format!("{} {:+}", x.name, x.points))
                    .collect::<Vec<_>>()
                    .join("; ");
                let veto = if p.mentee_id.is_empty() || p.mentor_id.is_empty() {
                    String::new()
                } else {
                    veto_form(&u, &m, kind, &p.mentee_id, &p.mentor_id, &format!("/m/{mseg}/runs/{id}"))
                };
                format!(
                    "<tr><td>{mentee}</td><td>{subject}</td><td>{level}</td><td>{mentor}</td><td>{score}{new}</td><td class=\"muted\">{terms}</td><td>{veto}</td></tr>",
                    mentee = if p.members.is_empty() { names.party(&m, &p.mentee_id) } else { names.teachers(&p.members) },
                    subject = esc(&crate::programme_cli::subject_name(&p.subject)),
                    level = super::registry::level_name(p.level),
                    mentor = names.party(&m, &p.mentor_id),
                    score = p.score,
                    new = if p.added { format!(" <span class=\"ok\">{}</span>", esc(&t("con-new"))) } else { String::new() },
                    terms = esc(&terms),
                )
            })
            .collect();
        let unmatched_rows: String = unmatched
            .unmatched
            .iter()
            .map(|d| {
                let why = if d.outbid_by.is_empty() {
                    esc(&d.no_candidate_reason)
                } else {
                    d.outbid_by
                        .iter()
                        .map(|o| {
                            let taken: Vec<String> =
                                o.taken_by.iter().map(|x| names.teacher(&x.mentee_id)).collect();
                            tr_html(
                                "con-outbid",
                                &[("mentor", names.teacher(&o.mentor_id)), ("taken", taken.join(", "))],
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("<br>")
                };
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    names.party(&m, &d.mentee_id),
                    esc(&crate::programme_cli::subject_name(&d.subject)),
                    super::registry::level_name(d.level),
                    why
                )
            })
            .collect();
        let ended_rows: String = ended
            .changes
            .iter()
            .map(|x| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    names.party(&m, &x.mentee_id),
                    esc(&crate::programme_cli::subject_name(&x.subject)),
                    names.party(&m, &x.mentor_id),
                    esc(&x.reason)
                )
            })
            .collect();
        let decide = if proposed {
            format!(
                "<form class=\"inline\" method=\"post\" action=\"/m/{m}/runs/{id}/approve\">{csrf}<label for=\"since\">{since}</label><input id=\"since\" name=\"effective_date\" type=\"date\"> <button type=\"submit\">{a}</button></form>
<form class=\"inline\" method=\"post\" action=\"/m/{m}/runs/{id}/reject\">{csrf}<button type=\"submit\" class=\"secondary\">{r}</button></form>",
                m = esc(&mseg),
                id = esc(&id),
                csrf = csrf_field(&u),
                a = esc(&t("con-approve")),
                r = esc(&t("con-reject")),
                since = esc(&t("con-effective-date")),
            )
        } else {
            String::new()
        };
        let statement = run
            .certificate
            .as_ref()
            .map(|c| c.statement.clone())
            .unwrap_or_default();
        let filters = {
            let mut f = Vec::new();
            if !q.school.is_empty() {
                f.push(format!("school={}", url_encode(&q.school)));
            }
            if !q.subject.is_empty() {
                f.push(format!("subject={}", url_encode(&q.subject)));
            }
            f.join("&amp;")
        };
        let amp = if filters.is_empty() { "" } else { "&amp;" };
        let shown = pairs.pairs.len();
        let pager = format!(
            "<p class=\"pager\">{range}{first}{next}</p>",
            range = esc(&tr(
                "con-page-of",
                &[("n", i18n::n(shown as f64)), ("total", i18n::n(pairs.total_size as f64))]
            )),
            first = if q.page.is_empty() {
                String::new()
            } else {
                format!(" · <a href=\"?{filters}\">{}</a>", esc(&t("con-first-page")))
            },
            next = if pairs.next_page_token.is_empty() {
                String::new()
            } else {
                format!(
                    " · <a rel=\"next\" href=\"?{filters}{amp}page={}\">{} →</a>",
                    url_encode(&pairs.next_page_token),
                    esc(&t("con-next-page"))
                )
            },
        );
        let upager = if unmatched.next_page_token.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"pager\"><a href=\"?upage={}#unmatched\">{} →</a></p>",
                url_encode(&unmatched.next_page_token),
                esc(&t("con-next-page"))
            )
        };
        Ok(Page {
            title: tr("con-run-title", &[("run", i18n::s(id.clone()))]),
            body: format!(
                "<p>{status} · {pairs_n} · {unmatched_n} · +{added} / −{ended_n}</p><p class=\"muted\">{statement}</p>{decide}
<h2>{ph}</h2>
<form method=\"get\" class=\"filters\"><label for=\"fs\">{fsl}</label><input id=\"fs\" name=\"school\" value=\"{school}\"> <label for=\"fsub\">{fsubl}</label><input id=\"fsub\" name=\"subject\" value=\"{subject}\"> <button type=\"submit\" class=\"secondary\">{apply}</button></form>
<label for=\"pq\">{f}</label><input id=\"pq\" type=\"search\" data-filter=\"pairs\">
{pager}{grid5}{pager}
<h2 id=\"unmatched\">{uh}</h2>{grid6}{upager}
<h2>{eh}</h2>{grid7}",
                status = esc(&enum_word("con-run-status", pb::RunStatus::try_from(run.status).map(|k| k.as_str_name()).unwrap_or("?"))),
                pairs_n = esc(&tr("con-n-pairs", &[("n", i18n::n(run.pair_count as f64))])),
                unmatched_n = esc(&tr("con-n-unmatched", &[("n", i18n::n(run.unmatched_count as f64))])),
                added = run.added_count,
                ended_n = run.ended_count,
                statement = esc(&statement),
                ph = esc(&t("con-pairs")),
                fsl = esc(&t("con-filter-school")),
                fsubl = esc(&t("con-filter-subject")),
                school = esc(&q.school),
                subject = esc(&q.subject),
                apply = esc(&t("con-apply")),
                f = esc(&t("con-filter")),
                uh = esc(&t("con-unmatched")),
                eh = esc(&tr("con-ended-by-run", &[("n", i18n::n(ended.total_size as f64))])),
                grid5 = grid(Some("pairs"), true, &[esc(&t("con-mentee")), esc(&t("col-subject")), esc(&t("con-level")), esc(&t("con-mentor")), esc(&t("con-score")), esc(&t("con-terms")), esc(&t("con-actions"))], &pair_rows),
                grid6 = grid(None, true, &[esc(&t("con-mentee")), esc(&t("col-subject")), esc(&t("con-level")), esc(&t("con-why"))], &unmatched_rows),
                grid7 = grid(None, true, &[esc(&t("con-mentee")), esc(&t("col-subject")), esc(&t("con-mentor")), esc(&t("con-why"))], &ended_rows),
            ),
        })
    })
    .await
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

/// A pair's veto: the reason, then the button (the pair is never proposed again; an active
/// mentorship of it ends).
pub(super) fn veto_form(
    u: &User,
    m: &str,
    kind: i32,
    mentee: &str,
    mentor: &str,
    back: &str,
) -> String {
    format!(
        "<details><summary>{v}</summary><form method=\"post\" action=\"/m/{m}/veto\">{csrf}<input type=\"hidden\" name=\"kind\" value=\"{kind}\"><input type=\"hidden\" name=\"mentee\" value=\"{mentee}\"><input type=\"hidden\" name=\"mentor\" value=\"{mentor}\"><input type=\"hidden\" name=\"back\" value=\"{back}\"><label for=\"vr-{mentee}-{mentor}\">{r}</label><input id=\"vr-{mentee}-{mentor}\" name=\"reason\" required> <button type=\"submit\" class=\"secondary\">{v}</button></form></details>",
        v = esc(&t("con-veto")),
        m = esc(&url_encode(m)),
        csrf = csrf_field(u),
        mentee = esc(mentee),
        mentor = esc(mentor),
        back = esc(back),
        r = esc(&t("con-veto-reason")),
    )
}

#[derive(Deserialize)]
struct VetoForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: i32,
    #[serde(default)]
    mentee: String,
    #[serde(default)]
    mentor: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

async fn veto(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Form(f): Form<VetoForm>,
) -> Response {
    action(&c, &headers, &f.csrf, |u| async move {
        pb::mentorship_service_client::MentorshipServiceClient::new(u.conn())
            .veto_pair(pb::VetoPairRequest {
                municipality_id: m.clone(),
                kind: f.kind,
                mentee_id: f.mentee.clone(),
                mentor_id: f.mentor.clone(),
                reason: f.reason.clone(),
                ..Default::default()
            })
            .await?;
        // Back to the page the veto was made on, when it is one of the console's own.
        let home = format!("/m/{}/", url_encode(&m));
        let back = if f.back.starts_with(&home) {
            f.back.clone()
        } else {
            format!("{home}mentorships")
        };
        Ok(back)
    })
    .await
}

#[derive(Deserialize)]
struct ApproveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    effective_date: String,
}

async fn approve(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    Form(f): Form<ApproveForm>,
) -> Response {
    action(&c, &headers, &f.csrf, |u| async move {
        pb::matching_service_client::MatchingServiceClient::new(u.conn())
            .approve_match_run(pb::ApproveMatchRunRequest {
                municipality_id: m.clone(),
                run_id: id.clone(),
                effective_date: f.effective_date.clone(),
                ..Default::default()
            })
            .await?;
        // A region's pairs live in its municipalities: back to the regions' page.
        if m.starts_with("region:") {
            return Ok("/".to_string());
        }
        Ok(format!("/m/{}/mentorships", url_encode(&m)))
    })
    .await
}

async fn reject(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    action(&c, &headers, &f.csrf, |u| async move {
        pb::matching_service_client::MatchingServiceClient::new(u.conn())
            .reject_match_run(pb::RejectMatchRunRequest {
                municipality_id: m.clone(),
                run_id: id.clone(),
                ..Default::default()
            })
            .await?;
        Ok(format!("/m/{}/match", url_encode(&m)))
    })
    .await
}

/// A hand-made pair as the form holds it.
#[derive(Debug, Default)]
struct PairValues {
    mentee: String,
    mentor: String,
    subject: String,
    reason: String,
    started_on: String,
    accept_reason: String,
}

const PAIR_FIELDS: &[&str] = &[
    "mentee_id",
    "mentor_id",
    "subject",
    "reason",
    "started_on",
    "accept_reason",
];

/// The active mentorships (names, lock, veto) and the form for a pair made by hand.
async fn mentorships_page(
    u: &User,
    m: &str,
    page_token: &str,
    v: &PairValues,
    errors: &super::registry::FieldErrors,
) -> Result<Page, Failure> {
    let answer = pb::mentorship_service_client::MentorshipServiceClient::new(u.conn())
        .list_mentorships(pb::ListMentorshipsRequest {
            municipality_id: m.to_string(),
            status: pb::MentorshipStatus::Active as i32,
            page_size: 500,
            page_token: page_token.to_string(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let list = answer.mentorships;
    // A municipality of thousands of pairs reads them a page at a time.
    let pager = match (page_token.is_empty(), answer.next_page_token.is_empty()) {
        (true, true) => String::new(),
        (first, last) => format!(
            "<p class=\"pager\">{}{}</p>",
            if first {
                String::new()
            } else {
                format!("<a href=\"?\">{}</a> ", esc(&t("con-first-page")))
            },
            if last {
                String::new()
            } else {
                format!(
                    "<a rel=\"next\" href=\"?page={}\">{} →</a>",
                    url_encode(&answer.next_page_token),
                    esc(&t("con-next-page"))
                )
            }
        ),
    };
    let names = super::registry::Names::load(u.conn(), m).await?;
    let rows: String = list
        .iter()
        .map(|x| {
            let lock = format!(
                "<form class=\"inline\" method=\"post\" action=\"/m/{m}/mentorships/{id}/lock\">{csrf}<input type=\"hidden\" name=\"lock\" value=\"{to}\"><button type=\"submit\" class=\"secondary\" aria-label=\"{label} {id}\">{label}</button></form>",
                m = esc(m),
                id = esc(&x.id),
                csrf = csrf_field(u),
                to = if x.locked { "no" } else { "yes" },
                label = esc(&t(if x.locked { "con-unlock" } else { "con-lock" })),
            );
            let veto = if x.members.is_empty() {
                veto_form(u, m, x.kind, &x.mentee_id, &x.mentor_id, &format!("/m/{m}/mentorships"))
            } else {
                String::new()
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                esc(&x.id),
                if x.members.is_empty() { names.party(m, &x.mentee_id) } else { names.teachers(&x.members) },
                names.party(m, &x.mentor_id),
                esc(&crate::programme_cli::subject_name(&x.subject)),
                esc(&x.started_on),
                if x.locked { esc(&t("con-locked")) } else { String::new() },
                lock,
                veto
            )
        })
        .collect();
    let vetoes = pb::mentorship_service_client::MentorshipServiceClient::new(u.conn())
        .list_vetoes(pb::ListVetoesRequest {
            municipality_id: m.to_string(),
        })
        .await?
        .into_inner()
        .vetoes;
    let veto_rows: String = vetoes
        .iter()
        .map(|x| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                names.party(m, &x.mentee_id),
                names.party(m, &x.mentor_id),
                esc(&x.reason)
            )
        })
        .collect();
    use super::registry::input;
    let form = format!(
        "<h2>{h}</h2><p class=\"muted\">{help}</p>{summary}<form method=\"post\" action=\"/m/{m}/mentorships/new\" novalidate>{csrf}{mentee}{mentor}{subject}{reason}{since}{accept}<p><button type=\"submit\">{go}</button></p></form>",
        h = esc(&t("con-hand-made")),
        help = esc(&t("con-hand-made-help")),
        summary = errors.summary(),
        m = esc(m),
        csrf = csrf_field(u),
        mentee = input("mentee_id", &t("con-mentee-id"), &v.mentee, "text", errors),
        mentor = input("mentor_id", &t("con-mentor-id"), &v.mentor, "text", errors),
        subject = input("subject", &t("con-subject-code"), &v.subject, "text", errors),
        reason = input("reason", &t("con-pair-reason"), &v.reason, "text", errors),
        since = input("started_on", &t("con-started-on"), &v.started_on, "date", errors),
        accept = input("accept_reason", &t("con-accept-reason"), &v.accept_reason, "text", errors),
        go = esc(&t("con-create-pair")),
    );
    Ok(Page {
        title: t("con-nav-mentorships"),
        body: format!(
            "<label for=\"mq\">{f}</label><input id=\"mq\" type=\"search\" data-filter=\"ms\">{grid7}{pager}{form}<h2>{vh}</h2>{grid_v}",
            f = esc(&t("con-filter")),
            grid7 = grid(Some("ms"), true, &[esc(&t("col-id")), esc(&t("con-mentee")), esc(&t("con-mentor")), esc(&t("col-subject")), esc(&t("con-since")), esc(&t("con-locked")), esc(&t("con-actions"))], &rows),
            vh = esc(&t("con-vetoes")),
            grid_v = grid(None, true, &[esc(&t("con-mentee")), esc(&t("con-mentor")), esc(&t("con-why"))], &veto_rows),
        ),
    })
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: String,
}

async fn mentorships(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    page(&c, &headers, |u| async move {
        mentorships_page(&u, &m, &q.page, &PairValues::default(), &Default::default()).await
    })
    .await
}

/// A teacher pair made by hand (an existing network, the office's decision): refused input
/// shows the form again with the API's reason by its field.
async fn create_mentorship(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    body: String,
) -> Response {
    use super::registry::{form_action, FieldErrors, Next, Posted};
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let v = PairValues {
            mentee: f.get("mentee_id"),
            mentor: f.get("mentor_id"),
            subject: f.get("subject"),
            reason: f.get("reason"),
            started_on: f.get("started_on"),
            accept_reason: f.get("accept_reason"),
        };
        let r = pb::mentorship_service_client::MentorshipServiceClient::new(u.conn())
            .create_mentorship(pb::CreateMentorshipRequest {
                municipality_id: m.clone(),
                kind: pb::MatchKind::TeacherPairs as i32,
                mentee_id: v.mentee.clone(),
                mentor_id: v.mentor.clone(),
                subject: v.subject.clone(),
                reason: v.reason.clone(),
                started_on: v.started_on.clone(),
                accept_reason: v.accept_reason.clone(),
                ..Default::default()
            })
            .await;
        match r {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/mentorships"))),
            Err(s) => match FieldErrors::from_status(&s, PAIR_FIELDS) {
                Some(errors) => Ok(Next::Again(
                    mentorships_page(&u, &m, "", &v, &errors).await?,
                )),
                None => Err(s.into()),
            },
        }
    })
    .await
}

#[derive(Deserialize)]
struct LockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lock: String,
}

async fn lock(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    Form(f): Form<LockForm>,
) -> Response {
    action(&c, &headers, &f.csrf, |u| async move {
        let mut ms = pb::mentorship_service_client::MentorshipServiceClient::new(u.conn());
        if f.lock == "no" {
            ms.unlock_mentorship(pb::UnlockMentorshipRequest {
                municipality_id: m.clone(),
                mentorship_id: id.clone(),
                ..Default::default()
            })
            .await?;
        } else {
            ms.lock_mentorship(pb::LockMentorshipRequest {
                municipality_id: m.clone(),
                mentorship_id: id.clone(),
                ..Default::default()
            })
            .await?;
        }
        Ok(format!("/m/{m}/mentorships"))
    })
    .await
}

/// The network picture, every page of the network read.
async fn network(State(c): State<Console>, headers: HeaderMap, Path(m): Path<String>) -> Response {
    page(&c, &headers, |u| async move {
        let mut client = pb::network_service_client::NetworkServiceClient::new(u.conn());
        let mut token = String::new();
        let mut net = pb::Network::default();
        let mut mentorships = Vec::new();
        loop {
            let page = client
                .get_network(pb::GetNetworkRequest {
                    municipality_id: m.clone(),
                    page_size: 1000,
                    page_token: token.clone(),
                })
                .await?
                .into_inner();
            mentorships.extend(page.mentorships.iter().cloned());
            if net.schools.is_empty() {
                net = page.clone();
            }
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        let legend = [
            t("con-status-low-results"),
            t("con-status-at-risk"),
            t("con-status-stable"),
            t("con-status-leader"),
            t("con-kind-schools"),
            t("con-kind-pairs"),
        ];
        let svg = super::network::svg(
            &net,
            &mentorships,
            |id| format!("/m/{m}/schools/{id}"),
            [
                &legend[0], &legend[1], &legend[2], &legend[3], &legend[4], &legend[5],
            ],
        );
        Ok(Page {
            title: t("con-nav-network"),
            body: format!(
                "<figure class=\"chart\" role=\"img\" aria-label=\"{label}\">{svg}</figure><p class=\"muted\">{note}</p>",
                label = esc(&t("con-nav-network")),
                note = esc(&tr(
                    "con-network-note",
                    &[
                        ("schools", i18n::n(net.schools.len() as f64)),
                        ("mentorships", i18n::n(mentorships.len() as f64)),
                    ],
                )),
            ),
        })
    })
    .await
}

// ---- sessions ----

#[derive(Deserialize, Default, Clone)]
struct ScheduleQuery {
    #[serde(default)]
    school: String,
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    mentorship: String,
    /// Any day of the week shown (default: this week).
    #[serde(default)]
    week: String,
}

impl ScheduleQuery {
    /// The filters as a query string (without `week`).
    fn filters(&self) -> String {
        let mut q = Vec::new();
        for (k, v) in [
            ("school", &self.school),
            ("teacher", &self.teacher),
            ("mentorship", &self.mentorship),
        ] {
            if !v.is_empty() {
                q.push(format!("{k}={}", url_encode(v)));
            }
        }
        q.join("&")
    }
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

fn monday_of(d: jiff::civil::Date) -> jiff::civil::Date {
    d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
        .unwrap_or(d)
}

/// A week calendar of sessions (a person's, a school's, a mentorship's, or all), with the
/// week before and after, the iCalendar feed of the same filter, and the schedule proposal.
async fn schedule(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Query(mut q): Query<ScheduleQuery>,
) -> Response {
    page(&c, &headers, |u| async move {
        if let Some((_, s)) = u.identity().scope.school() {
            q.school = s.to_string();
        }
        let day = q
            .week
            .parse::<jiff::civil::Date>()
            .unwrap_or_else(|_| jiff::Zoned::now().date());
        let monday = monday_of(day);
        let next = monday.checked_add(jiff::Span::new().days(7)).unwrap_or(monday);
        let prev = monday.checked_sub(jiff::Span::new().days(7)).unwrap_or(monday);
        let list = pb::session_service_client::SessionServiceClient::new(u.conn())
            .list_sessions(pb::ListSessionsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                school_id: q.school.clone(),
                participant_id: q.teacher.clone(),
                mentorship_id: q.mentorship.clone(),
                from: monday.to_string(),
                to: next.to_string(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .sessions;
        let names = super::registry::Names::load(u.conn(), &m).await?;
        // A mentorship's calendar has no events; a person's and a school's have theirs.
        let events = if q.mentorship.is_empty() {
            super::events::all_events(&u, &m, &monday.to_string(), &next.to_string(), &q.teacher, &q.school).await?
        } else {
            Vec::new()
        };
        let filters = q.filters();
        let mut days = String::new();
        for i in 0..7 {
            let d = monday.checked_add(jiff::Span::new().days(i)).unwrap_or(monday);
            let items: String = list
                .iter()
                .filter(|x| x.start.starts_with(&d.to_string()))
                .map(|x| {
                    format!(
                        "<li><strong>{time}</strong> {mentor} → {mentees} <span class=\"muted\">{status}</span> <a class=\"record\" href=\"/m/{m}/sessions/{id}\">{rec}</a></li>",
                        time = esc(x.start.get(11..16).unwrap_or("")),
                        mentor = names.teacher(&x.mentor_id),
                        mentees = names.teachers(&x.mentee_ids),
                        status = esc(&enum_word("con-session-status", pb::SessionStatus::try_from(x.status).map(|s| s.as_str_name()).unwrap_or("?"))),
                        m = esc(&m),
                        id = esc(&x.id),
                        rec = esc(&t("con-record")),
                    )
                })
                .collect();
            let day_events: String = events
                .iter()
                .filter(|e| e.start.starts_with(&d.to_string()))
                .map(|e| {
                    format!(
                        "<li class=\"event\"><strong>{time}</strong> <a href=\"/m/{m}/events/{id}\">{title}</a></li>",
                        time = esc(e.start.get(11..16).unwrap_or("")),
                        m = esc(&m),
                        id = esc(&e.id),
                        title = esc(&e.title),
                    )
                })
                .collect();
            let items = format!("{day_events}{items}");
            days.push_str(&format!(
                "<section class=\"day card\" aria-label=\"{d}\"><h3>{name} {dd}</h3><ul>{items}</ul></section>",
                name = esc(&t(&format!("con-day-{}", d.weekday().to_monday_one_offset()))),
                dd = esc(&format!("{:02}.{:02}", d.day(), d.month())),
            ));
        }
        let bound = u.identity().scope.school().is_some() || u.identity().scope.curator().is_some();
        let propose = if bound {
            String::new()
        } else {
            let settings = pb::session_service_client::SessionServiceClient::new(u.conn())
                .get_schedule_settings(pb::GetScheduleSettingsRequest {
                    municipality_id: m.clone(),
                })
                .await?
                .into_inner();
            format!(
                "<h2>{ph}</h2><form method=\"post\" action=\"/m/{m}/schedule/propose\">{csrf}<label for=\"from\">{fl}</label><input id=\"from\" name=\"from\" type=\"date\"><label for=\"weeks\">{wl}</label><input id=\"weeks\" name=\"weeks\" type=\"number\" min=\"1\" max=\"12\" value=\"4\"><label for=\"non-working\">{nwl}</label><input id=\"non-working\" name=\"non_working\" size=\"40\" value=\"{nw}\" aria-describedby=\"non-working-help\"><p id=\"non-working-help\" class=\"muted\">{nwh}</p><p><button type=\"submit\">{go}</button></p></form>",
                ph = esc(&t("con-propose")),
                nwl = esc(&t("con-non-working")),
                nwh = esc(&t("con-non-working-help")),
                nw = esc(&settings.non_working_days.join(", ")),
                m = esc(&m),
                csrf = csrf_field(&u),
                wl = esc(&t("con-weeks")),
                fl = esc(&t("con-from")),
                go = esc(&t("con-propose")),
            )
        };
        let sep = if filters.is_empty() { "" } else { "&amp;" };
        Ok(Page {
            title: t("con-nav-schedule"),
            body: format!(
                "<p><a href=\"?{f}{sep}week={prev}\">← {pw}</a> · <strong>{monday} — {sunday}</strong> · <a href=\"?{f}{sep}week={next}\">{nw} →</a> · <a href=\"/m/{m}/calendar.ics?{f}\">{ics}</a></p>
<div class=\"week\">{days}</div>{propose}",
                f = esc(&filters),
                monday = monday,
                sunday = next.checked_sub(jiff::Span::new().days(1)).unwrap_or(next),
                pw = esc(&t("con-prev-week")),
                nw = esc(&t("con-next-week")),
                m = esc(&m),
                ics = esc(&t("con-ics")),
            ),
        })
    })
    .await
}

/// The iCalendar feed of a filter (the same as `peerlift schedule --ics`).
async fn calendar_ics(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Query(q): Query<ScheduleQuery>,
) -> Response {
    let Some(u) = c.user(&headers) else {
        return Redirect::to("/login").into_response();
    };
    let lang = u.lang();
    i18n::with_lang(lang, async move {
        let school = match u.identity().scope.school() {
            Some((_, s)) => s.to_string(),
            None => q.school.clone(),
        };
        let f = crate::sessions_cli::Filter {
            teacher: q.teacher.clone(),
            school,
            mentorship: q.mentorship.clone(),
            ..Default::default()
        };
        match crate::sessions_cli::ics_feed(u.conn(), &m, &f).await {
            Ok(text) => download(text, "text/calendar; charset=utf-8", &format!("{m}.ics")),
            Err(e) => super::failure(&c, &u, e.into()),
        }
    })
    .await
}

#[derive(Deserialize)]
struct ProposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    weeks: String,
    /// The municipality's non-working days, as the form shows them (comma-separated dates).
    #[serde(default)]
    non_working: String,
}

async fn propose(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Form(f): Form<ProposeForm>,
) -> Response {
    action(&c, &headers, &f.csrf, |u| async move {
        let mut sc = pb::session_service_client::SessionServiceClient::new(u.conn());
        let days: Vec<String> = f
            .non_working
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
        let current = sc
            .get_schedule_settings(pb::GetScheduleSettingsRequest {
                municipality_id: m.clone(),
            })
            .await?
            .into_inner();
        if current.non_working_days != days {
            sc.update_schedule_settings(pb::UpdateScheduleSettingsRequest {
                settings: Some(pb::ScheduleSettings {
                    municipality_id: m.clone(),
                    non_working_days: days,
                    etag: current.etag.clone(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["non_working_days".to_string()],
                }),
                ..Default::default()
            })
            .await?;
        }
        let p = sc
            .propose_schedule(pb::ProposeScheduleRequest {
                municipality_id: m.clone(),
                from: f.from.clone(),
                weeks: f.weeks.trim().parse::<u32>().unwrap_or(4).clamp(1, 12),
                ..Default::default()
            })
            .await?
            .into_inner();
        Ok(format!("/m/{m}/schedule/{}", p.id))
    })
    .await
}

async fn proposal(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let p = pb::session_service_client::SessionServiceClient::new(u.conn())
            .get_schedule_proposal(pb::GetScheduleProposalRequest {
                municipality_id: m.clone(),
                proposal_id: id.clone(),
            })
            .await?
            .into_inner();
        let names = super::registry::Names::load(u.conn(), &m).await?;
        let rows: String = p
            .items
            .iter()
            .map(|x| {
                let s = x.session.clone().unwrap_or_default();
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&s.start),
                    names.teacher(&s.mentor_id),
                    names.teachers(&s.mentee_ids),
                    if x.accepted { esc(&t("yes")) } else { String::new() }
                )
            })
            .collect();
        let unplaced: String = p
            .unplaced
            .iter()
            .map(|x| format!("<li>{} — {}</li>", esc(&x.mentorship_id), esc(&x.reason)))
            .collect();
        Ok(Page {
            title: tr("con-proposal", &[("n", i18n::n(p.items.len() as f64))]),
            body: format!(
                "<form method=\"post\" action=\"/m/{m}/schedule/{id}/accept\">{csrf}<button type=\"submit\">{go}</button></form>
{grid8}{unplaced}",
                m = esc(&m),
                id = esc(&id),
                csrf = csrf_field(&u),
                go = esc(&t("con-accept-all")),
                unplaced = if unplaced.is_empty() { String::new() } else { format!("<h2>{}</h2><ul>{unplaced}</ul>", esc(&t("con-unplaced"))) },
                grid8 = grid(None, true, &[esc(&t("con-start")), esc(&t("con-mentor")), esc(&t("con-mentees")), esc(&t("con-accepted"))], &rows),
            ),
        })
    })
    .await
}

async fn accept(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    action(&c, &headers, &f.csrf, |u| async move {
        pb::session_service_client::SessionServiceClient::new(u.conn())
            .accept_schedule(pb::AcceptScheduleRequest {
                municipality_id: m.clone(),
                proposal_id: id.clone(),
                ..Default::default()
            })
            .await?;
        Ok(format!("/m/{m}/schedule"))
    })
    .await
}

async fn session_form(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let s = pb::session_service_client::SessionServiceClient::new(u.conn())
            .get_session(pb::GetSessionRequest {
                municipality_id: m.clone(),
                session_id: id.clone(),
            })
            .await?
            .into_inner();
        let names = super::registry::Names::load(u.conn(), &m).await?;
        let people: String = s
            .mentee_ids
            .iter()
            .chain(std::iter::once(&s.mentor_id))
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "<div><input type=\"checkbox\" id=\"att{i}\" name=\"attended\" value=\"{p}\" checked> <label for=\"att{i}\" class=\"inline\">{name}</label></div>",
                    p = esc(p),
                    name = names.teacher(p),
                )
            })
            .collect();
        Ok(Page {
            title: tr("con-session-title", &[("start", i18n::s(s.start.clone()))]),
            body: format!(
                "<p>{mentor} → {mentees} · {status}</p>
<form method=\"post\" action=\"/m/{m}/sessions/{id}\">{csrf}<input type=\"hidden\" name=\"week\" value=\"{week}\">
<fieldset><legend>{outcome}</legend>
<div><input type=\"radio\" id=\"held\" name=\"outcome\" value=\"held\" checked> <label for=\"held\" class=\"inline\">{held}</label></div>
<div><input type=\"radio\" id=\"missed\" name=\"outcome\" value=\"missed\"> <label for=\"missed\" class=\"inline\">{missed}</label></div>
</fieldset>
<fieldset><legend>{att}</legend>{people}</fieldset>
<label for=\"rating\">{rating}</label><select id=\"rating\" name=\"rating\"><option value=\"\">—</option><option>5</option><option>4</option><option>3</option><option>2</option><option>1</option></select>
<fieldset><legend>{checklist}</legend>{checks}<label for=\"check-other\">{other}</label><input id=\"check-other\" name=\"check_other\" size=\"50\"></fieldset>
<label for=\"comment\">{comment}</label><textarea id=\"comment\" name=\"comment\" rows=\"3\" cols=\"50\"></textarea>
<label for=\"reason\">{reason}</label><input id=\"reason\" name=\"reason\" size=\"50\">
<p><button type=\"submit\">{go}</button></p></form>",
                mentor = names.teacher(&s.mentor_id),
                mentees = names.teachers(&s.mentee_ids),
                checklist = esc(&t("con-checklist")),
                checks = CHECKS
                    .iter()
                    .enumerate()
                    .map(|(i, key)| format!(
                        "<div><input type=\"checkbox\" id=\"chk{i}\" name=\"check\" value=\"{i}\"> <label for=\"chk{i}\" class=\"inline\">{}</label></div>",
                        esc(&t(key))
                    ))
                    .collect::<String>(),
                other = esc(&t("con-check-other")),
                comment = esc(&t("con-comment")),
                status = esc(&enum_word("con-session-status", pb::SessionStatus::try_from(s.status).map(|x| x.as_str_name()).unwrap_or("?"))),
                m = esc(&m),
                id = esc(&id),
                csrf = csrf_field(&u),
                outcome = esc(&t("con-outcome")),
                held = esc(&t("con-held")),
                missed = esc(&t("con-missed")),
                att = esc(&t("con-attended")),
                rating = esc(&t("con-rating")),
                reason = esc(&t("con-reason")),
                go = esc(&t("con-record")),
                week = esc(s.start.get(..10).unwrap_or("")),
            ),
        })
    })
    .await
}

/// The mentee's feedback checklist of an observed session (the seed programmes' analysis of
/// a lesson): each recorded as done or not.
const CHECKS: [&str; 3] = ["con-check-goal", "con-check-analysis", "con-check-next"];

/// The record form, read by hand: `attended` repeats.
async fn record_session(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let fields: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let csrf = get("csrf");
    let outcome = get("outcome");
    let rating = get("rating");
    let reason = get("reason");
    let attended: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "attended")
        .map(|(_, v)| v.clone())
        .collect();
    let week = get("week");
    let ticked: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "check")
        .map(|(_, v)| v.clone())
        .collect();
    let other = get("check_other");
    let comment = get("comment");
    action(&c, &headers, &csrf, |u| async move {
        // Every item of the checklist is recorded, ticked or not, in the session's language.
        let mut checklist: Vec<pb::ChecklistItem> = CHECKS
            .iter()
            .enumerate()
            .map(|(i, key)| pb::ChecklistItem {
                item: t(key),
                done: ticked.contains(&i.to_string()),
            })
            .collect();
        if !other.trim().is_empty() {
            checklist.push(pb::ChecklistItem {
                item: other.trim().to_string(),
                done: true,
            });
        }
        let held = outcome != "missed";
        pb::session_service_client::SessionServiceClient::new(u.conn())
            .record_session(pb::RecordSessionRequest {
                municipality_id: m.clone(),
                session_id: id.clone(),
                outcome: if held {
                    pb::SessionStatus::Held as i32
                } else {
                    pb::SessionStatus::Missed as i32
                },
                attended: if held { attended } else { Vec::new() },
                feedback: rating
                    .parse::<u32>()
                    .ok()
                    .filter(|_| held)
                    .map(|r| pb::Feedback {
                        rating: r,
                        checklist: checklist.clone(),
                        mentee_comment: comment.clone(),
                        ..Default::default()
                    })
                    .or_else(|| {
                        held.then(|| pb::Feedback {
                            checklist: checklist.clone(),
                            mentee_comment: comment.clone(),
                            ..Default::default()
                        })
                    }),
                reason: if held { String::new() } else { reason },
                ..Default::default()
            })
            .await?;
        Ok(format!("/m/{m}/schedule?week={}", url_encode(&week)))
    })
    .await
}

/// `a=1&b=2&a=3` as pairs, in order, percent-decoded.
pub(super) fn serde_urlencoded_pairs(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                if let Some(b) = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|x| !x.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(kv), String::new()),
        })
        .collect()
}

// ---- the programme year ----

async fn programmes(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
) -> Response {
    page(&c, &headers, |u| async move {
        let conn = u.conn();
        let list = pb::programme_service_client::ProgrammeServiceClient::new(conn.clone())
            .list_programmes(pb::ListProgrammesRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .programmes;
        let plans = pb::programme_service_client::ProgrammeServiceClient::new(conn)
            .list_plans(pb::ListPlansRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .plans;
        let items: String = list
            .iter()
            .map(|p| {
                format!(
                    "<li><a href=\"/m/{m}/programmes/{id}\">{title}</a></li>",
                    m = esc(&m),
                    id = esc(&p.id),
                    title = esc(&p.title)
                )
            })
            .collect();
        let rows: String = plans
            .iter()
            .map(|p| {
                let kind = if p.kind == pb::PlanKind::Route as i32 { "route" } else { "roadmap" };
                format!(
                    "<tr><td><a href=\"/m/{m}/documents/view?kind={kind}&amp;subject={id}\">{id}</a></td><td>{title}</td><td>{who}</td><td>{items}</td><td>{overdue}</td></tr>",
                    m = esc(&m),
                    id = esc(&p.id),
                    title = esc(&p.title),
                    who = esc(if p.teacher_id.is_empty() { &p.school_id } else { &p.teacher_id }),
                    items = p.items.len(),
                    overdue = if p.overdue_items > 0 {
                        format!("<span class=\"error\">{}</span>", p.overdue_items)
                    } else {
                        "0".into()
                    },
                )
            })
            .collect();
        Ok(Page {
            title: t("con-nav-programme"),
            body: format!(
                "<ul>{items}</ul><p><a href=\"/m/{m}/documents\">{docs}</a></p><h2>{ph}</h2><label for=\"pq\">{f}</label><input id=\"pq\" type=\"search\" data-filter=\"plans\">{grid9}",
                m = esc(&m),
                docs = esc(&t("con-documents")),
                ph = esc(&t("con-plans")),
                f = esc(&t("con-filter")),
                grid9 = grid(Some("plans"), true, &[esc(&t("col-id")), esc(&t("col-title")), esc(&t("con-whose")), esc(&t("col-items")), esc(&t("col-overdue"))], &rows),
            ),
        })
    })
    .await
}

async fn programme(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let fetch = |u: User, m: String, id: String| async move {
        pb::programme_service_client::ProgrammeServiceClient::new(u.conn())
            .get_programme_indicators(pb::GetProgrammeIndicatorsRequest {
                municipality_id: m,
                programme_id: id,
            })
            .await
    };
    if q.format == "csv" || q.format == "svg" {
        let Some(u) = c.user(&headers) else {
            return Redirect::to("/login").into_response();
        };
        let lang = u.lang();
        return i18n::with_lang(lang, async move {
            match fetch(u.clone(), m.clone(), id.clone()).await {
                Ok(r) => {
                    let (table, chart) = crate::programme_cli::indicators_view(&r.into_inner());
                    let (body, ctype) = if q.format == "csv" {
                        (table.to_csv(), "text/csv; charset=utf-8")
                    } else {
                        (chart.unwrap_or_default(), "image/svg+xml")
                    };
                    download(body, ctype, &format!("{m}-{id}.{}", q.format))
                }
                Err(e) => super::failure(&c, &u, e.into()),
            }
        })
        .await;
    }
    page(&c, &headers, |u| async move {
        let r = fetch(u, m.clone(), id.clone()).await?.into_inner();
        let p = r.programme.clone().unwrap_or_default();
        let (table, chart) = crate::programme_cli::indicators_view(&r);
        let stages: String = p
            .stages
            .iter()
            .map(|x| format!("<li>{}: {} — {}</li>", esc(&x.name), esc(&x.start), esc(&x.end)))
            .collect();
        let chart = chart
            .map(|svg| format!("<figure class=\"chart\" role=\"img\" aria-label=\"{}\">{svg}</figure><p><a href=\"?format=svg\" download>{}</a></p>", esc(&p.title), esc(&t("con-download-svg"))))
            .unwrap_or_default();
        Ok(Page {
            title: p.title.clone(),
            body: format!(
                "<p>{goal}</p><ul>{stages}</ul>{chart}<p><a href=\"?format=csv\" download>{csv}</a> · <a href=\"/m/{m}/documents/view?kind=annual-report&amp;subject={id}&amp;year={year}\">{annual}</a></p>{table}<p class=\"muted\">{note}</p>",
                goal = esc(&p.goal),
                csv = esc(&t("con-download-csv")),
                m = esc(&m),
                id = esc(&id),
                year = esc(&r.rows.iter().filter(|x| x.value.is_some()).map(|x| x.school_year.clone()).max().unwrap_or_default()),
                annual = esc(&t("con-annual-report")),
                table = table.to_html("report sortable"),
                note = esc(&t("programme-n-note")),
            ),
        })
    })
    .await
}

fn download(body: String, ctype: &'static str, name: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

const DOCUMENTS: [(&str, pb::DocumentKind); 7] = [
    ("partnership-order", pb::DocumentKind::PartnershipOrder),
    ("network-agreement", pb::DocumentKind::NetworkAgreement),
    ("recommendations", pb::DocumentKind::Recommendations),
    ("event-report", pb::DocumentKind::EventReport),
    ("roadmap", pb::DocumentKind::Roadmap),
    ("route", pb::DocumentKind::Route),
    ("annual-report", pb::DocumentKind::AnnualReport),
];

async fn documents(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
) -> Response {
    page(&c, &headers, |u| async move {
        documents_page(&u, &m, &Default::default()).await
    })
    .await
}

/// The documents to draft, those signed, and the form to record one signed (with what the
/// API said of the last one sent, when it refused it).
async fn documents_page(
    u: &User,
    m: &str,
    errors: &super::registry::FieldErrors,
) -> Result<Page, Failure> {
    let (u, m) = (u.clone(), m.to_string());
    {
        let options: String = DOCUMENTS
            .iter()
            .map(|(code, _)| {
                format!(
                    "<option value=\"{code}\">{}</option>",
                    esc(&t(&format!("con-doc-{code}")))
                )
            })
            .collect();
        let signed = pb::document_service_client::DocumentServiceClient::new(u.conn())
            .list_signed_documents(pb::ListSignedDocumentsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .documents;
        let rows: String = signed
            .iter()
            .map(|d| {
                let code = DOCUMENTS
                    .iter()
                    .find(|(_, k)| *k as i32 == d.kind)
                    .map_or("", |(c, _)| *c);
                format!(
                    "<tr><td>{n}</td><td>{date}</td><td>{kind}</td><td>{title}</td><td>{subject}</td><td>{year}</td></tr>",
                    n = esc(&d.number),
                    date = esc(&d.date),
                    kind = esc(&t(&format!("con-doc-{code}"))),
                    title = esc(&d.title),
                    subject = esc(&d.subject),
                    year = esc(&d.school_year),
                )
            })
            .collect();
        let record = if u.identity().scope.school().is_some()
            || u.identity().scope.curator().is_some()
        {
            String::new()
        } else {
            format!(
                "<h2>{h}</h2>{summary}<form method=\"post\" action=\"/m/{m}/documents/signed\">{csrf}
<label for=\"s-kind\">{kl}</label><select id=\"s-kind\" name=\"kind\">{options}</select>
<label for=\"s-subject\">{sl}</label><input id=\"s-subject\" name=\"subject\" required aria-describedby=\"s-subject-help\"><p id=\"s-subject-help\" class=\"muted\">{sh}</p>
<label for=\"s-year\">{yl}</label><input id=\"s-year\" name=\"year\" placeholder=\"2022-2023\">
<label for=\"s-number\">{nl}</label><input id=\"s-number\" name=\"number\" required>
<label for=\"s-date\">{dl}</label><input id=\"s-date\" name=\"date\" type=\"date\" required>
<label for=\"s-title\">{tl}</label><input id=\"s-title\" name=\"title\" size=\"60\">
<p><button type=\"submit\">{go}</button></p></form>",
                h = esc(&t("con-record-signed")),
                summary = errors.summary(),
                m = esc(&m),
                csrf = csrf_field(&u),
                kl = esc(&t("con-document")),
                sl = esc(&t("con-subject")),
                sh = esc(&t("con-subject-help")),
                yl = esc(&t("con-year")),
                nl = esc(&t("con-signed-number")),
                dl = esc(&t("con-signed-date")),
                tl = esc(&t("col-title")),
                go = esc(&t("con-record-signed-go")),
            )
        };
        Ok(Page {
            title: t("con-documents"),
            body: format!(
                "<form method=\"get\" action=\"/m/{m}/documents/view\" target=\"_blank\">
<label for=\"kind\">{kl}</label><select id=\"kind\" name=\"kind\">{options}</select>
<label for=\"subject\">{sl}</label><input id=\"subject\" name=\"subject\" required aria-describedby=\"subject-help\">
<p id=\"subject-help\" class=\"muted\">{sh}</p>
<label for=\"year\">{yl}</label><input id=\"year\" name=\"year\" placeholder=\"2022-2023\">
<label for=\"number\">{nl}</label><input id=\"number\" name=\"number\">
<label for=\"date\">{dl}</label><input id=\"date\" name=\"date\" type=\"date\">
<p><button type=\"submit\">{go}</button></p></form>
<h2>{sh2}</h2>{grid_s}{record}",
                m = esc(&m),
                kl = esc(&t("con-document")),
                sl = esc(&t("con-subject")),
                sh = esc(&t("con-subject-help")),
                yl = esc(&t("con-year")),
                nl = esc(&t("con-number")),
                dl = esc(&t("con-date")),
                go = esc(&t("con-draft")),
                sh2 = esc(&t("con-signed")),
                grid_s = grid(None, true, &[esc(&t("con-signed-number")), esc(&t("con-signed-date")), esc(&t("con-document")), esc(&t("col-title")), esc(&t("con-subject")), esc(&t("con-year"))], &rows),
            ),
        })
    }
}

#[derive(Deserialize)]
struct SignedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    title: String,
}

/// A document once signed: its number and date in the record (the partnership order's list
/// of mentorships is taken by the API).
async fn record_signed(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Form(f): Form<SignedForm>,
) -> Response {
    use super::registry::{form_action, FieldErrors, Next};
    let csrf = f.csrf.clone();
    form_action(&c, &headers, &csrf, |u| async move {
        let kind = DOCUMENTS
            .iter()
            .find(|(code, _)| *code == f.kind)
            .map(|(_, k)| *k as i32)
            .ok_or_else(|| Failure::Bad(f.kind.clone()))?;
        let r = pb::document_service_client::DocumentServiceClient::new(u.conn())
            .record_signed_document(pb::RecordSignedDocumentRequest {
                municipality_id: m.clone(),
                document: Some(pb::SignedDocument {
                    kind,
                    number: f.number.trim().to_string(),
                    date: f.date.trim().to_string(),
                    title: f.title.trim().to_string(),
                    subject: f.subject.trim().to_string(),
                    school_year: f.year.trim().to_string(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await;
        match r {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/documents"))),
            Err(s) => match FieldErrors::from_status(&s, &[]) {
                Some(errors) => Ok(Next::Again(documents_page(&u, &m, &errors).await?)),
                None => Err(s.into()),
            },
        }
    })
    .await
}

#[derive(Deserialize, Default)]
struct DocumentQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    date: String,
}

/// A drafted document as the printable page itself (the browser prints it, or saves a PDF).
async fn document(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Response {
    let Some(u) = c.user(&headers) else {
        return Redirect::to("/login").into_response();
    };
    let lang = u.lang();
    i18n::with_lang(lang, async move {
        let Some((_, kind)) = DOCUMENTS.iter().find(|(code, _)| *code == q.kind) else {
            return super::failure(&c, &u, Failure::NotFound);
        };
        let order = (!q.number.is_empty() || !q.date.is_empty()).then(|| pb::Order {
            number: q.number.clone(),
            date: q.date.clone(),
        });
        let got = pb::document_service_client::DocumentServiceClient::new(u.conn())
            .render_document(pb::RenderDocumentRequest {
                municipality_id: m.clone(),
                kind: *kind as i32,
                subject: q.subject.clone(),
                school_year: q.year.clone(),
                order,
            })
            .await;
        match got {
            Ok(d) => html(StatusCode::OK, d.into_inner().html),
            Err(e) => super::failure(&c, &u, e.into()),
        }
    })
    .await
}

// ---- reports ----

const REPORTS: [(&str, crate::sessions_cli::ReportKind); 8] = [
    ("coverage", crate::sessions_cli::ReportKind::Coverage),
    ("load", crate::sessions_cli::ReportKind::Load),
    ("sessions", crate::sessions_cli::ReportKind::Sessions),
    ("progress", crate::sessions_cli::ReportKind::Progress),
    ("outcomes", crate::sessions_cli::ReportKind::Outcomes),
    ("deficits", crate::sessions_cli::ReportKind::Deficits),
    ("areas", crate::sessions_cli::ReportKind::Areas),
    ("network", crate::sessions_cli::ReportKind::Network),
];

async fn reports(State(c): State<Console>, headers: HeaderMap, Path(m): Path<String>) -> Response {
    page(&c, &headers, |_u| async move {
        let items: String = REPORTS
            .iter()
            .map(|(code, _)| {
                format!(
                    "<li><a href=\"/m/{m}/reports/{code}\">{}</a></li>",
                    esc(&t(&format!("con-report-{code}"))),
                    m = esc(&m),
                )
            })
            .collect();
        Ok(Page {
            title: t("con-nav-reports"),
            body: format!("<ul>{items}</ul>"),
        })
    })
    .await
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    #[serde(default)]
    format: String,
}

async fn report(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, kind)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let Some((_, k)) = REPORTS.iter().find(|(code, _)| *code == kind) else {
        return page(&c, &headers, |_u| async { Err(Failure::NotFound) }).await;
    };
    let k = *k;
    if q.format == "csv" || q.format == "svg" {
        let Some(u) = c.user(&headers) else {
            return Redirect::to("/login").into_response();
        };
        let lang = u.lang();
        return i18n::with_lang(lang, async move {
            match crate::sessions_cli::build_report(
                u.conn(),
                m.clone(),
                k,
                String::new(),
                String::new(),
            )
            .await
            {
                Ok(r) => {
                    let (body, ctype, ext) = if q.format == "csv" {
                        (r.table.to_csv(), "text/csv; charset=utf-8", "csv")
                    } else {
                        (r.chart.unwrap_or_default(), "image/svg+xml", "svg")
                    };
                    download(body, ctype, &format!("{m}-{kind}.{ext}"))
                }
                Err(e) => super::failure(&c, &u, e.into()),
            }
        })
        .await;
    }
    page(&c, &headers, |u| async move {
        let r = crate::sessions_cli::build_report(u.conn(), m.clone(), k, String::new(), String::new()).await?;
        let notes: String = r.notes.iter().map(|n| format!("<p class=\"muted\">{}</p>", esc(n))).collect();
        let chart = r
            .chart
            .as_ref()
            .map(|svg| format!("<figure class=\"chart\" role=\"img\" aria-label=\"{}\">{svg}</figure><p><a href=\"?format=svg\" download>{}</a></p>", esc(&t(&format!("con-report-{kind}"))), esc(&t("con-download-svg"))))
            .unwrap_or_default();
        Ok(Page {
            title: t(&format!("con-report-{kind}")),
            body: format!(
                "{chart}<p><a href=\"?format=csv\" download>{csv}</a></p>{table}{notes}",
                csv = esc(&t("con-download-csv")),
                table = r.table.to_html("report sortable"),
            ),
        })
    })
    .await
}
