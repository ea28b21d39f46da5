use peerlift_domain::{stamp, Change, Event, EventStatus, Meta, Teacher};
use peerlift_store::{key, prefix, Record, Store};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::events::{self, not_found};
use crate::app::sessions::load_settings;
use crate::auth::Admit;
use crate::caller::Caller;
use crate::convert::enum_from_pb;
use crate::convert_network::{event_from_pb, event_to_pb};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::event_service_server::EventService;
use crate::state::{self, check_etag, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct EventApi {
    pub state: AppState,
}

/// The event as answers show it, with how many teachers it invites.
fn shown(s: &Store, e: &Event) -> ApiResult<pb::Event> {
    let teachers: Vec<Teacher> = crate::app::all_of(s, &e.municipality_id)?;
    Ok(event_to_pb(e, events::invited(e, &teachers).len() as u32))
}

/// A missing event, as a school-bound caller sees it: like another school's.
fn hidden(caller: &Caller, id: &str) -> ApiError {
    if caller.school_bound() {
        crate::caller::outside()
    } else {
        not_found(id)
    }
}

/// A school-bound caller sees an event its schools host or are invited to (or one its
/// teachers lead or are invited to by name).
pub(crate) fn gate_event(s: &Store, caller: &Caller, e: &Event) -> ApiResult<()> {
    if !caller.school_bound() {
        return Ok(());
    }
    let mut schools: Vec<String> = e.invited_schools.clone();
    schools.push(e.host_school_id.clone());
    for t in e.invited_teachers.iter().chain(&e.leaders) {
        if let Some(t) = s.get::<Teacher>(&key(&[&e.municipality_id, t]))? {
            schools.push(t.school_id);
        }
    }
    caller.gate_school(schools.iter().map(String::as_str), true)
}

/// Checks and writes a new or changed event: its references, then its people's calendars.
fn save(s: &Store, e: &Event, now: jiff::Timestamp) -> ApiResult<()> {
    events::check(s, e, "event")?;
    let (settings, _) = load_settings(s, &e.municipality_id, now)?;
    if let Some(problem) = events::booking_problem(s, &settings, e)? {
        return Err(ApiError::FailedPrecondition(format!(
            "event {} cannot be booked then: {problem}",
            e.id
        )));
    }
    Ok(())
}

#[tonic::async_trait]
impl EventService for EventApi {
    async fn create_event(
        &self,
        req: Request<pb::CreateEventRequest>,
    ) -> Result<Response<pb::Event>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateEvent",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("event", r.event)?;
                    let mut e = event_from_pb(&m.id, given).map_err(under("event"))?;
                    if s.contains::<Event>(&e.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "event",
                            id: e.id,
                        });
                    }
                    save(s, &e, now)?;
                    e.meta = Meta::new(now);
                    b.put(&e)?;
                    tracing::info!(municipality = %e.municipality_id, event = %e.id,
                    kind = %e.kind, start = %e.start_key(), "event planned");
                    shown(s, &e)
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_event(
        &self,
        req: Request<pb::GetEventRequest>,
    ) -> Result<Response<pb::Event>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("event_id", &r.event_id)?;
        let out = self
            .state
            .read(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let e = s
                    .get::<Event>(&key(&[&r.municipality_id, &r.event_id]))?
                    .ok_or_else(|| hidden(&caller, &r.event_id))?;
                gate_event(s, &caller, &e)?;
                shown(s, &e)
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_events(
        &self,
        req: Request<pb::ListEventsRequest>,
    ) -> Result<Response<pb::ListEventsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let mut v = peerlift_domain::Violations::new();
        let (from, to) = super::date_range(&mut v, &r.from, &r.to);
        v.into_result().map_err(ApiError::Invalid)?;
        let status = match r.status {
            0 => None,
            x => Some(
                enum_from_pb(EventStatus::ALL, x)
                    .ok_or_else(|| ApiError::invalid("status", "is not an event status"))?,
            ),
        };
        if !r.teacher_id.is_empty() {
            check_id("teacher_id", &r.teacher_id)?;
        }
        if caller.school_bound() && r.school_id.is_empty() && r.teacher_id.is_empty() {
            return Err(ApiError::invalid(
                "school_id",
                "a school's or curator's token lists the events of one of its schools or teachers",
            )
            .into());
        }
        let out = self
            .state
            .read(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let teacher = if r.teacher_id.is_empty() {
                    None
                } else {
                    let t = s.get::<Teacher>(&key(&[&r.municipality_id, &r.teacher_id]))?;
                    caller.gate_school(t.iter().map(|t| t.school_id.as_str()), t.is_some())?;
                    Some(t.ok_or_else(|| ApiError::NotFound {
                        kind: "teacher",
                        id: r.teacher_id.clone(),
                    })?)
                };
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(
                    walk::EVENTS,
                    &(&r.teacher_id, &r.school_id, from, to, &r.kind, status),
                );
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<Event>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                let (items, next) = page(iter, size, w, |e: &Event| {
                    let d = e.start.date();
                    teacher.as_ref().is_none_or(|t| {
                        e.invites(&t.id, &t.school_id) || e.registered.contains(&t.id)
                    }) && (r.school_id.is_empty()
                        || e.host_school_id == r.school_id
                        || e.invited_schools.contains(&r.school_id))
                        && from.is_none_or(|f| d >= f)
                        && to.is_none_or(|t| d < t)
                        && (r.kind.is_empty() || e.kind == r.kind)
                        && status.is_none_or(|st| e.status == st)
                })?;
                let teachers: Vec<Teacher> = crate::app::all_of(s, &r.municipality_id)?;
                let mut shown: Vec<pb::Event> = items
                    .iter()
                    .map(|e| event_to_pb(e, events::invited(e, &teachers).len() as u32))
                    .collect();
                shown.sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
                Ok(pb::ListEventsResponse {
                    events: shown,
                    next_page_token: next,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn update_event(
        &self,
        req: Request<pb::UpdateEventRequest>,
    ) -> Result<Response<pb::Event>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateEvent",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("event", r.event)?;
                    let etag = given.etag.clone();
                    let mut e = event_from_pb(&m.id, given).map_err(under("event"))?;
                    let cur = s.get::<Event>(&e.key())?.ok_or_else(|| not_found(&e.id))?;
                    check_etag("event", &e.id, &etag, &cur.meta)?;
                    if stamp(&mut e, Some(&cur), now) == Change::Unchanged {
                        return shown(s, &cur);
                    }
                    save(s, &e, now)?;
                    b.put(&e)?;
                    shown(s, &e)
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_event(
        &self,
        req: Request<pb::DeleteEventRequest>,
    ) -> Result<Response<pb::DeleteEventResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("event_id", &r.event_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteEvent",
                &rid,
                bytes,
                move |s, b, _| {
                    state::municipality(s, &r.municipality_id)?;
                    let k = key(&[&r.municipality_id, &r.event_id]);
                    let cur = s.get::<Event>(&k)?.ok_or_else(|| not_found(&r.event_id))?;
                    check_etag("event", &cur.id, &r.etag, &cur.meta)?;
                    if cur.status == EventStatus::Held {
                        return Err(ApiError::FailedPrecondition(format!(
                            "event {} was held: its attendance counts in reports; it is kept",
                            cur.id
                        )));
                    }
                    b.delete::<Event>(k);
                    Ok(pb::DeleteEventResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn register_for_event(
        &self,
        req: Request<pb::RegisterForEventRequest>,
    ) -> Result<Response<pb::Event>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("event_id", &r.event_id)?;
        check_id("teacher_id", &r.teacher_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let gate = caller.clone();
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RegisterForEvent",
                &rid,
                bytes,
                move |s, b, now| {
                    state::municipality(s, &r.municipality_id)?;
                    let t = s.get::<Teacher>(&key(&[&r.municipality_id, &r.teacher_id]))?;
                    gate.gate_school(t.iter().map(|t| t.school_id.as_str()), t.is_some())?;
                    let cur = s
                        .get::<Event>(&key(&[&r.municipality_id, &r.event_id]))?
                        .ok_or_else(|| hidden(&gate, &r.event_id))?;
                    gate_event(s, &gate, &cur)?;
                    let mut e = cur.clone();
                    if !events::register(s, &mut e, &r.teacher_id, r.withdraw)? {
                        return shown(s, &cur);
                    }
                    if !r.withdraw {
                        let (settings, _) = load_settings(s, &e.municipality_id, now)?;
                        let mut only = e.clone();
                        only.leaders.clear();
                        only.registered = vec![r.teacher_id.clone()];
                        if let Some(problem) = events::booking_problem(s, &settings, &only)? {
                            return Err(ApiError::FailedPrecondition(format!(
                                "{} cannot come to event {}: {problem}",
                                r.teacher_id, e.id
                            )));
                        }
                    }
                    stamp(&mut e, Some(&cur), now);
                    b.put(&e)?;
                    shown(s, &e)
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
