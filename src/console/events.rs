//! Municipal events in the console: the list, a new event, one event with its invited and
//! registered teachers, registration, recording it as held (who came, materials) or
//! cancelling it.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use peerlift_api::app::documents::esc;
use peerlift_api::pb;

use super::kit::{enum_word, every_page, grid, input, tr_html, FieldErrors, Names, Posted};
use super::{csrf_field, form_action, page, Console, Failure, Next, Page, User};
use crate::i18n::{self, t, tr};

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/m/{m}/events", get(events).post(create))
        .route("/m/{m}/events/{id}", get(event))
        .route("/m/{m}/events/{id}/register", post(register))
        .route("/m/{m}/events/{id}/record", post(record))
        .with_state(c)
}

fn status_word(status: i32) -> String {
    enum_word(
        "con-event-status",
        pb::EventStatus::try_from(status)
            .map(|s| s.as_str_name())
            .unwrap_or("?"),
    )
}

/// Every event of `m` (a calendar reads them all), in start order.
pub(super) async fn all_events(
    u: &User,
    m: &str,
    from: &str,
    to: &str,
    teacher: &str,
    school: &str,
) -> Result<Vec<pb::Event>, Failure> {
    let client = pb::event_service_client::EventServiceClient::new(u.conn());
    let mut out = every_page(|page_token| {
        let mut c = client.clone();
        let req = pb::ListEventsRequest {
            municipality_id: m.to_string(),
            page_size: 1000,
            page_token,
            teacher_id: teacher.to_string(),
            school_id: school.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            ..Default::default()
        };
        async move {
            let r = c.list_events(req).await?.into_inner();
            Ok((r.events, r.next_page_token))
        }
    })
    .await?;
    out.sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
    Ok(out)
}

#[derive(Debug, Default)]
struct EventValues {
    kind: String,
    title: String,
    start: String,
    duration: String,
    online: bool,
    host: String,
    place: String,
    invited_schools: String,
    capacity: String,
}

const EVENT_FIELDS: &[&str] = &[
    "kind",
    "title",
    "start",
    "duration_minutes",
    "host_school_id",
    "place",
    "invited_schools",
    "capacity",
];

async fn events_page(
    u: &User,
    m: &str,
    v: &EventValues,
    errors: &FieldErrors,
) -> Result<Page, Failure> {
    let list = all_events(u, m, "", "", "", "").await?;
    let names = Names::load(u.conn(), m).await?;
    let rows: String = list
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{start}</td><td><a href=\"/m/{m}/events/{id}\">{title}</a></td><td>{kind}</td><td>{host}</td><td>{status}</td><td>{reg} / {inv}</td></tr>",
                start = esc(&e.start.replace('T', " ")),
                m = esc(m),
                id = esc(&e.id),
                title = esc(&e.title),
                kind = esc(&catalogue_word(&e.kind)),
                host = names.school(&e.host_school_id),
                status = esc(&status_word(e.status)),
                reg = e.registered.len(),
                inv = e.invited_count,
            )
        })
        .collect();
    let bound = u.bound();
    let form = if bound {
        String::new()
    } else {
        let kinds = pb::catalog_service_client::CatalogServiceClient::new(u.conn())
            .list_catalog(pb::ListCatalogRequest {
                municipality_id: m.to_string(),
                kind: pb::CatalogKind::EventKind as i32,
            })
            .await?
            .into_inner()
            .entries;
        let options: String = kinds
            .iter()
            .map(|k| {
                format!(
                    "<option value=\"{c}\"{sel}>{name}</option>",
                    c = esc(&k.code),
                    sel = if k.code == v.kind { " selected" } else { "" },
                    name = esc(&catalogue_word(&k.code))
                )
            })
            .collect();
        format!(
            "<h2>{h}</h2>{summary}<form method=\"post\" action=\"/m/{m}/events\" novalidate>{csrf}<label for=\"f-kind\">{kl}</label><select id=\"f-kind\" name=\"kind\">{options}</select>{title}{start}{duration}<div><input type=\"checkbox\" id=\"f-online\" name=\"online\" value=\"yes\"{online}> <label for=\"f-online\" class=\"inline\">{ol}</label></div>{host}{place}{invited}{cap}<p><button type=\"submit\">{go}</button></p></form>",
            h = esc(&t("con-new-event")),
            summary = errors.summary(),
            m = esc(m),
            csrf = csrf_field(u),
            kl = esc(&t("con-event-kind")),
            title = input("title", &t("con-event-title"), &v.title, "text", errors),
            start = input("start", &t("con-event-start"), &v.start, "datetime-local", errors),
            duration = input("duration_minutes", &t("con-event-duration"), &v.duration, "number", errors),
            online = if v.online { " checked" } else { "" },
            ol = esc(&t("con-mode-online")),
            host = input("host_school_id", &t("con-event-host"), &v.host, "text", errors),
            place = input("place", &t("con-event-place"), &v.place, "text", errors),
            invited = input("invited_schools", &t("con-event-invited"), &v.invited_schools, "text", errors),
            cap = input("capacity", &t("con-event-capacity"), &v.capacity, "number", errors),
            go = esc(&t("con-create-event")),
        )
    };
    Ok(Page {
        title: t("con-nav-events"),
        body: format!(
            "{grid}{form}",
            grid = grid(
                None,
                true,
                &[
                    esc(&t("con-start")),
                    esc(&t("con-event-title")),
                    esc(&t("con-event-kind")),
                    esc(&t("con-event-host")),
                    esc(&t("col-status")),
                    esc(&t("con-registered-of-invited")),
                ],
                &rows
            ),
        ),
    })
}

/// An event kind's name (`event-master_class` in the catalogue; the code when none).
fn catalogue_word(code: &str) -> String {
    i18n::t_or(&format!("event-{code}"), || code.replace('_', " "))
}

async fn events(State(c): State<Console>, headers: HeaderMap, Path(m): Path<String>) -> Response {
    page(&c, &headers, |u| async move {
        let v = EventValues {
            duration: "90".into(),
            ..Default::default()
        };
        events_page(&u, &m, &v, &FieldErrors::default()).await
    })
    .await
}

fn split_ids(s: &str) -> Vec<String> {
    s.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

async fn create(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(m): Path<String>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    form_action(&c, &headers, &f.get("csrf"), |u| async move {
        let v = EventValues {
            kind: f.get("kind"),
            title: f.get("title"),
            start: f.get("start"),
            duration: f.get("duration_minutes"),
            online: f.get("online") == "yes",
            host: f.get("host_school_id"),
            place: f.get("place"),
            invited_schools: f.get("invited_schools"),
            capacity: f.get("capacity"),
        };
        let mut errors = FieldErrors::default();
        let duration = errors.whole("duration_minutes", &v.duration);
        let capacity = errors.optional_whole("capacity", &v.capacity);
        if !errors.is_empty() {
            return Ok(Next::Again(events_page(&u, &m, &v, &errors).await?));
        }
        let mut client = pb::event_service_client::EventServiceClient::new(u.conn());
        // The id a person would give it: the kind and the day, numbered when taken.
        let base = format!(
            "{}-{}",
            v.kind.replace('_', "-"),
            v.start.get(..10).unwrap_or("")
        );
        let mut id = base.clone();
        for n in 2.. {
            let taken = client
                .get_event(pb::GetEventRequest {
                    municipality_id: m.clone(),
                    event_id: id.clone(),
                })
                .await
                .is_ok();
            if !taken || n > 100 {
                break;
            }
            id = format!("{base}-{n}");
        }
        let r = client
            .create_event(pb::CreateEventRequest {
                municipality_id: m.clone(),
                event: Some(pb::Event {
                    id,
                    kind: v.kind.clone(),
                    title: v.title.clone(),
                    // datetime-local sends seconds on some browsers; the API takes minutes.
                    start: v.start.get(..16).unwrap_or(&v.start).to_string(),
                    duration_minutes: duration,
                    mode: if v.online {
                        pb::Mode::Online as i32
                    } else {
                        pb::Mode::InPerson as i32
                    },
                    host_school_id: if v.online {
                        String::new()
                    } else {
                        v.host.clone()
                    },
                    place: v.place.clone(),
                    organiser: pb::OrganiserKind::Office as i32,
                    invited_schools: split_ids(&v.invited_schools),
                    capacity,
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await;
        match FieldErrors::answer(r, EVENT_FIELDS)? {
            Ok(e) => Ok(Next::Go(format!("/m/{m}/events/{}", e.into_inner().id))),
            Err(errors) => Ok(Next::Again(events_page(&u, &m, &v, &errors).await?)),
        }
    })
    .await
}

async fn event(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
) -> Response {
    page(&c, &headers, |u| async move {
        let e = pb::event_service_client::EventServiceClient::new(u.conn())
            .get_event(pb::GetEventRequest {
                municipality_id: m.clone(),
                event_id: id.clone(),
            })
            .await?
            .into_inner();
        let names = Names::load(u.conn(), &m).await?;
        let people = |ids: &[String]| {
            if ids.is_empty() {
                "—".to_string()
            } else {
                ids.iter()
                    .map(|x| names.teacher_link(&m, x))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let planned = e.status == pb::EventStatus::Planned as i32;
        // Schools and curators register their own teachers, the office anyone.
        let register = if planned {
            format!(
                "<h2>{h}</h2><form method=\"post\" action=\"/m/{m}/events/{id}/register\">{csrf}<label for=\"reg\">{l}</label><input id=\"reg\" name=\"teacher\" required> <button type=\"submit\">{go}</button></form>",
                h = esc(&t("con-register")),
                m = esc(&m),
                id = esc(&id),
                csrf = csrf_field(&u),
                l = esc(&t("con-register-teacher")),
                go = esc(&t("con-register")),
            )
        } else {
            String::new()
        };
        let office = !u.bound();
        let record = if planned && office {
            let boxes: String = e
                .leaders
                .iter()
                .chain(&e.registered)
                .enumerate()
                .map(|(i, p)| {
                    format!(
                        "<div><input type=\"checkbox\" id=\"att{i}\" name=\"attended\" value=\"{p}\" checked> <label for=\"att{i}\" class=\"inline\">{n}</label></div>",
                        p = esc(p),
                        n = names.teacher(p)
                    )
                })
                .collect();
            format!(
                "<h2>{h}</h2><form method=\"post\" action=\"/m/{m}/events/{id}/record\">{csrf}<input type=\"hidden\" name=\"etag\" value=\"{etag}\">
<fieldset><legend>{outcome}</legend>
<div><input type=\"radio\" id=\"ev-held\" name=\"outcome\" value=\"held\" checked> <label for=\"ev-held\" class=\"inline\">{held}</label></div>
<div><input type=\"radio\" id=\"ev-cancelled\" name=\"outcome\" value=\"cancelled\"> <label for=\"ev-cancelled\" class=\"inline\">{cancelled}</label></div></fieldset>
<fieldset><legend>{att}</legend>{boxes}<label for=\"more\">{more}</label><input id=\"more\" name=\"more\" size=\"50\"></fieldset>
<label for=\"materials\">{mat}</label><input id=\"materials\" name=\"materials\" size=\"50\">
<label for=\"why\">{why}</label><input id=\"why\" name=\"reason\" size=\"50\">
<p><button type=\"submit\">{go}</button></p></form>",
                h = esc(&t("con-record-event")),
                m = esc(&m),
                id = esc(&id),
                csrf = csrf_field(&u),
                etag = esc(&e.etag),
                outcome = esc(&t("con-outcome")),
                held = esc(&t("con-event-status-held")),
                cancelled = esc(&t("con-event-status-cancelled")),
                att = esc(&t("con-attended")),
                more = esc(&t("con-attended-more")),
                mat = esc(&t("con-materials")),
                why = esc(&t("con-cancel-reason")),
                go = esc(&t("con-record")),
            )
        } else {
            String::new()
        };
        Ok(Page {
            title: e.title.clone(),
            body: format!(
                "<p>{start} · {dur} · {kind} · {status}{reason}</p><p>{host} {place}</p>
<dl><dt>{il}</dt><dd>{invited}</dd><dt>{ll}</dt><dd>{leaders}</dd><dt>{rl}</dt><dd>{registered}</dd><dt>{al}</dt><dd>{attended}</dd><dt>{ml}</dt><dd>{materials}</dd></dl>
<p><a href=\"/m/{m}/documents/view?kind=event-report&amp;subject={id}\">{report}</a></p>{register}{record}",
                start = esc(&e.start.replace('T', " ")),
                dur = esc(&tr("con-minutes", &[("n", i18n::n(f64::from(e.duration_minutes)))])),
                kind = esc(&catalogue_word(&e.kind)),
                status = esc(&status_word(e.status)),
                reason = if e.status_reason.is_empty() { String::new() } else { format!(" ({})", esc(&e.status_reason)) },
                host = names.school(&e.host_school_id),
                place = esc(&e.place),
                il = esc(&t("con-invited")),
                invited = tr_html(
                    "con-invited-line",
                    &[
                        ("n", e.invited_count.to_string()),
                        ("schools", e.invited_schools.iter().map(|s| names.school(s)).collect::<Vec<_>>().join(", ")),
                    ],
                ),
                ll = esc(&t("con-leaders")),
                leaders = people(&e.leaders),
                rl = esc(&t("con-registered")),
                registered = people(&e.registered),
                al = esc(&t("con-attended")),
                attended = people(&e.attended),
                ml = esc(&t("con-materials-label")),
                materials = esc(&e.materials.join(", ")),
                m = esc(&m),
                id = esc(&id),
                report = esc(&t("con-doc-event-report")),
            ),
        })
    })
    .await
}

async fn register(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    super::action(&c, &headers, &f.get("csrf"), |u| async move {
        pb::event_service_client::EventServiceClient::new(u.conn())
            .register_for_event(pb::RegisterForEventRequest {
                municipality_id: m.clone(),
                event_id: id.clone(),
                teacher_id: f.get("teacher"),
                ..Default::default()
            })
            .await?;
        Ok(format!("/m/{m}/events/{id}"))
    })
    .await
}

/// Held (who came, materials) or cancelled (why): the event replaced with its etag.
async fn record(
    State(c): State<Console>,
    headers: HeaderMap,
    Path((m, id)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = Posted::new(&body);
    super::action(&c, &headers, &f.get("csrf"), |u| async move {
        let mut client = pb::event_service_client::EventServiceClient::new(u.conn());
        let mut e = client
            .get_event(pb::GetEventRequest {
                municipality_id: m.clone(),
                event_id: id.clone(),
            })
            .await?
            .into_inner();
        e.etag = f.get("etag");
        if f.get("outcome") == "cancelled" {
            e.status = pb::EventStatus::Cancelled as i32;
            e.status_reason = f.get("reason");
        } else {
            e.status = pb::EventStatus::Held as i32;
            let mut attended = f.all("attended");
            for x in split_ids(&f.get("more")) {
                if !attended.contains(&x) {
                    attended.push(x);
                }
            }
            e.attended = attended;
            e.materials = f
                .get("materials")
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect();
        }
        client
            .update_event(pb::UpdateEventRequest {
                municipality_id: m.clone(),
                event: Some(e),
                ..Default::default()
            })
            .await?;
        Ok(format!("/m/{m}/events/{id}"))
    })
    .await
}
