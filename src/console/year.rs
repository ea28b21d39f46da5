//! The programme year in the console: programmes with their indicators, roadmaps and
//! routes, the office's documents (drafted to print, recorded once signed) and the reports
//! with their charts and downloads.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlift_api::app::documents::esc;
use peerlift_api::pb;
use serde::Deserialize;

use super::kit::{download, every_page, grid};
use super::{csrf_field, html, page, Console, Failure, Page, User};
use crate::i18n::{self, t};

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/m/{m}/programmes", get(programmes))
        .route("/m/{m}/programmes/{id}", get(programme))
        .route("/m/{m}/documents", get(documents))
        .route("/m/{m}/documents/view", get(document))
        .route("/m/{m}/documents/signed", post(record_signed))
        .route("/m/{m}/reports", get(reports))
        .route("/m/{m}/reports/{kind}", get(report))
        .with_state(c)
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
        // A route per teacher: thousands in a large municipality, every one listed.
        let client = pb::programme_service_client::ProgrammeServiceClient::new(conn);
        let plans = every_page(|page_token| {
            let mut pc = client.clone();
            let req = pb::ListPlansRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                page_token,
                ..Default::default()
            };
            async move {
                let r = pc.list_plans(req).await?.into_inner();
                Ok((r.plans, r.next_page_token))
            }
        })
        .await?;
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
    errors: &super::kit::FieldErrors,
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
        let client = pb::document_service_client::DocumentServiceClient::new(u.conn());
        let signed = every_page(|page_token| {
            let mut dc = client.clone();
            let req = pb::ListSignedDocumentsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                page_token,
                ..Default::default()
            };
            async move {
                let r = dc.list_signed_documents(req).await?.into_inner();
                Ok((r.documents, r.next_page_token))
            }
        })
        .await?;
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
        let record = if u.bound() {
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
    use super::kit::FieldErrors;
    use super::{form_action, Next};
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
        match FieldErrors::answer(r, &[])? {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/documents"))),
            Err(errors) => Ok(Next::Again(documents_page(&u, &m, &errors).await?)),
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
