//! Matching in the console: start a run (kind, policy, a whole region), a run page by page
//! with score terms, why demands stayed unmatched and what the run would end; approve or
//! reject; the active mentorships with lock, veto and pairs made by hand.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlift_api::app::documents::esc;
use peerlift_api::pb;
use serde::Deserialize;

use super::kit::{enum_word, grid, tr_html, url_encode, CsrfOnly};
use super::{action, csrf_field, page, Console, Failure, Page, User};
use crate::i18n::{self, t, tr};

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/m/{m}/match", get(match_form).post(run_matching))
        .route("/m/{m}/runs/{run}", get(run_page))
        .route("/m/{m}/runs/{run}/approve", post(approve))
        .route("/m/{m}/runs/{run}/reject", post(reject))
        .route("/m/{m}/veto", post(veto))
        .route("/m/{m}/mentorships/new", post(create_mentorship))
        .route("/m/{m}/mentorships", get(mentorships))
        .route("/m/{m}/mentorships/{id}/lock", post(lock))
        .with_state(c)
}

// ---- matching ----

const KINDS: [(pb::MatchKind, &str); 5] = [
    (pb::MatchKind::TeacherPairs, "pairs"),
    (pb::MatchKind::TeacherGroups, "teacher-groups"),
    (pb::MatchKind::SchoolPartnerships, "schools"),
    (pb::MatchKind::SchoolGroups, "school-groups"),
    (pb::MatchKind::SchoolDirections, "directions"),
];

/// A match kind as a person names it ("teacher pairs").
fn kind_word(kind: i32) -> String {
    KINDS.iter().find(|(k, _)| *k as i32 == kind).map_or_else(
        || kind.to_string(),
        |(_, code)| t(&format!("con-kind-{code}")),
    )
}

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
                    kind = esc(&kind_word(r.kind)),
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
        let names = super::kit::Names::load(u.conn(), &m).await?;
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
                    level = super::kit::level_name(p.level),
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
                    super::kit::level_name(d.level),
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
        Ok(after_decision(&m, "mentorships"))
    })
    .await
}

/// Where a decision on a run leads: the municipality's `page`; for a region's run (its pairs
/// live in its municipalities) the regions' page.
fn after_decision(m: &str, page: &str) -> String {
    if m.starts_with("region:") {
        "/".to_string()
    } else {
        format!("/m/{}/{page}", url_encode(m))
    }
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
        Ok(after_decision(&m, "match"))
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
    errors: &super::kit::FieldErrors,
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
    let names = super::kit::Names::load(u.conn(), m).await?;
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
    use super::kit::input;
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
    use super::kit::{FieldErrors, Posted};
    use super::{form_action, Next};
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
        match FieldErrors::answer(r, PAIR_FIELDS)? {
            Ok(_) => Ok(Next::Go(format!("/m/{m}/mentorships"))),
            Err(errors) => Ok(Next::Again(
                mentorships_page(&u, &m, "", &v, &errors).await?,
            )),
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
