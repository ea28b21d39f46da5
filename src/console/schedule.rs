//! Sessions in the console: the week calendar (a person's, a school's, a mentorship's)
//! with its events and iCalendar feed, proposing and accepting a schedule, recording a session.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlift_api::app::documents::esc;
use peerlift_api::pb;
use serde::Deserialize;

use super::kit::{
    download, enum_word, every_page, grid, monday_of, today, url_encode, CsrfOnly, Posted,
};
use super::{action, csrf_field, page, Console, Page};
use crate::i18n::{self, t, tr};

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/m/{m}/schedule", get(schedule))
        .route("/m/{m}/calendar.ics", get(calendar_ics))
        .route("/m/{m}/schedule/propose", post(propose))
        .route("/m/{m}/schedule/{proposal}", get(proposal))
        .route("/m/{m}/schedule/{proposal}/accept", post(accept))
        .route(
            "/m/{m}/sessions/{id}",
            get(session_form).post(record_session),
        )
        .with_state(c)
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
        let day = match q.week.parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(_) => today(u.conn(), &m).await,
        };
        let monday = monday_of(day);
        let next = monday.checked_add(jiff::Span::new().days(7)).unwrap_or(monday);
        let prev = monday.checked_sub(jiff::Span::new().days(7)).unwrap_or(monday);
        let sessions = pb::session_service_client::SessionServiceClient::new(u.conn());
        let list = every_page(|page_token| {
            let mut sc = sessions.clone();
            let req = pb::ListSessionsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                page_token,
                school_id: q.school.clone(),
                participant_id: q.teacher.clone(),
                mentorship_id: q.mentorship.clone(),
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
        let names = super::kit::Names::load(u.conn(), &m).await?;
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
        let bound = u.bound();
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
        let names = super::kit::Names::load(u.conn(), &m).await?;
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
        let names = super::kit::Names::load(u.conn(), &m).await?;
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

/// The record form (`attended` and `check` repeat).
async fn record_session(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    let csrf = f.get("csrf");
    let outcome = f.get("outcome");
    let rating = f.get("rating");
    let reason = f.get("reason");
    let attended = f.all("attended");
    let week = f.get("week");
    let ticked = f.all("check");
    let other = f.get("check_other");
    let comment = f.get("comment");
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
