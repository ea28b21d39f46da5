//! The console's own pages: signing in and out, the language, the home and a municipality's
//! overview, the schools, the import and the network picture. Matching, the schedule and the
//! programme year have modules of their own; every page reads and writes through the API
//! with the person's token.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlift_api::app::documents::esc;
use peerlift_api::pb;
use serde::Deserialize;

use super::kit::{
    enum_word, every_page, grid, monday_of, status_name, today, url_encode, CsrfOnly,
};
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
        .route("/m/{m}/network", get(network))
        .with_state(c)
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
        let monday = monday_of(today(conn.clone(), &m).await);
        let next = monday
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(monday);
        let sessions = pb::session_service_client::SessionServiceClient::new(conn.clone());
        let week = every_page(|page_token| {
            let mut sc = sessions.clone();
            let req = pb::ListSessionsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                page_token,
                from: monday.to_string(),
                to: next.to_string(),
                ..Default::default()
            };
            async move {
                let r = sc.list_sessions(req).await?.into_inner();
                Ok((r.sessions, r.next_page_token))
            }
        })
        .await?;
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
                edit = if u.bound() {
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
