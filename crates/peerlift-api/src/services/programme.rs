use peerlift_domain::{Meta, Plan, PlanKind, Programme, StudentResult, Violations};
use peerlift_store::{key, prefix, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::programme::{self, plan_not_found, programme_not_found, TrackedData};
use crate::auth::{Admit, Caller};
use crate::convert::enum_from_pb;
use crate::convert_programme::{
    indicator_row_to_pb, plan_from_pb, plan_to_pb, programme_from_pb, programme_to_pb,
    result_from_pb, result_to_pb,
};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::programme_service_server::ProgrammeService;
use crate::state::{self, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct ProgrammeApi {
    pub state: AppState,
}

/// A school-bound caller (school, curator) sees the plans of its schools and the municipal
/// roadmaps; it changes only its schools' plans.
fn may_read(caller: &Caller, p: &Plan) -> bool {
    p.school_id.is_empty() || caller.sees_school(&p.school_id)
}

fn gate_write(caller: &Caller, p: &Plan) -> ApiResult<()> {
    if caller.school_bound() && (p.school_id.is_empty() || !caller.sees_school(&p.school_id)) {
        return Err(crate::caller::outside());
    }
    Ok(())
}

fn today(
    s: &peerlift_store::Store,
    muni: &str,
    now: jiff::Timestamp,
) -> ApiResult<jiff::civil::Date> {
    Ok(state::today(&state::municipality(s, muni)?, now))
}

fn shown(s: &peerlift_store::Store, p: &Plan, day: jiff::civil::Date) -> ApiResult<pb::Plan> {
    let t = TrackedData::load(s, &p.municipality_id, day)?;
    let settled = t.settle(std::slice::from_ref(p)).pop().unwrap_or_default();
    Ok(plan_to_pb(p, &settled))
}

#[tonic::async_trait]
impl ProgrammeService for ProgrammeApi {
    async fn create_programme(
        &self,
        req: Request<pb::CreateProgrammeRequest>,
    ) -> Result<Response<pb::Programme>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateProgramme",
                &rid,
                bytes,
                move |s, b, now| {
                    let m_id = programme::programme_scope(s, &r.municipality_id)?;
                    let given = required("programme", r.programme)?;
                    let mut p = programme_from_pb(&m_id, given).map_err(under("programme"))?;
                    programme::check_programme(s, &p, "programme")?;
                    if s.contains::<Programme>(&p.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "programme",
                            id: p.id,
                        });
                    }
                    p.meta = Meta::new(now);
                    b.put(&p)?;
                    tracing::info!(municipality = %p.municipality_id, programme = %p.id,
                    targets = p.targets.len(), "programme created");
                    Ok(programme_to_pb(&p))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_programme(
        &self,
        req: Request<pb::GetProgrammeRequest>,
    ) -> Result<Response<pb::Programme>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("programme_id", &r.programme_id)?;
        let p = self
            .state
            .read_now(move |s| {
                programme::programme_scope(s, &r.municipality_id)?;
                s.get::<Programme>(&key(&[&r.municipality_id, &r.programme_id]))?
                    .ok_or_else(|| programme_not_found(&r.programme_id))
            })
            .await?;
        Ok(Response::new(programme_to_pb(&p)))
    }

    async fn list_programmes(
        &self,
        req: Request<pb::ListProgrammesRequest>,
    ) -> Result<Response<pb::ListProgrammesResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let (items, next) = self
            .state
            .read_now(move |s| {
                programme::programme_scope(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(walk::PROGRAMMES, &());
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<Programme>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |_| true)
            })
            .await?;
        Ok(Response::new(pb::ListProgrammesResponse {
            programmes: items.iter().map(programme_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_programme(
        &self,
        req: Request<pb::UpdateProgrammeRequest>,
    ) -> Result<Response<pb::Programme>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateProgramme",
                &rid,
                bytes,
                move |s, b, now| {
                    let m_id = programme::programme_scope(s, &r.municipality_id)?;
                    let given = required("programme", r.programme)?;
                    let etag = given.etag.clone();
                    let p = programme_from_pb(&m_id, given).map_err(under("programme"))?;
                    let id = p.id.clone();
                    let saved = state::replace_checked(
                        s,
                        b,
                        p,
                        ("programme", &id, &etag),
                        programme_not_found,
                        |s, p| programme::check_programme(s, p, "programme"),
                        now,
                    )?;
                    Ok(programme_to_pb(&saved))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_programme(
        &self,
        req: Request<pb::DeleteProgrammeRequest>,
    ) -> Result<Response<pb::DeleteProgrammeResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("programme_id", &r.programme_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteProgramme",
                &rid,
                bytes,
                move |s, b, _| {
                    programme::check_unused(s, &r.municipality_id, &r.programme_id)?;
                    let ids = (r.municipality_id.as_str(), r.programme_id.as_str());
                    state::delete_checked::<Programme>(
                        s,
                        b,
                        ids,
                        &r.etag,
                        "programme",
                        programme_not_found,
                    )?;
                    Ok(pb::DeleteProgrammeResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_programme_indicators(
        &self,
        req: Request<pb::GetProgrammeIndicatorsRequest>,
    ) -> Result<Response<pb::ProgrammeIndicators>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("programme_id", &r.programme_id)?;
        let now = (self.state.clock)();
        let (p, rows) = self
            .state
            .read(move |s| {
                let today = programme::scope_today(s, &r.municipality_id, now)?;
                programme::indicators(s, &r.municipality_id, &r.programme_id, today)
            })
            .await?;
        Ok(Response::new(pb::ProgrammeIndicators {
            programme: Some(programme_to_pb(&p)),
            rows: rows.iter().map(indicator_row_to_pb).collect(),
        }))
    }

    async fn put_student_results(
        &self,
        req: Request<pb::PutStudentResultsRequest>,
    ) -> Result<Response<pb::PutStudentResultsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        if r.results.len() > peerlift_domain::programme::MAX_RESULTS_PER_CALL {
            return Err(ApiError::invalid(
                "results",
                format!(
                    "at most {} lines per call (got {}): send them in parts",
                    peerlift_domain::programme::MAX_RESULTS_PER_CALL,
                    r.results.len()
                ),
            )
            .into());
        }
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "PutStudentResults",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let mut v = Violations::new();
                    let rows: Vec<(usize, StudentResult)> = r
                        .results
                        .into_iter()
                        .enumerate()
                        .filter_map(|(i, x)| {
                            result_from_pb(&mut v, &format!("results[{i}]"), &m.id, x)
                                .map(|x| (i, x))
                        })
                        .collect();
                    programme::check_results(s, &m.id, &rows, v)?;
                    put_results(s, b, rows.into_iter().map(|(_, x)| x).collect(), now)
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn list_student_results(
        &self,
        req: Request<pb::ListStudentResultsRequest>,
    ) -> Result<Response<pb::ListStudentResultsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let assessment = match r.assessment {
            0 => None,
            x => Some(
                enum_from_pb(peerlift_domain::Assessment::ALL, x).ok_or_else(|| {
                    ApiError::invalid("assessment", format!("{x} is not a known value"))
                })?,
            ),
        };
        if !r.school_id.is_empty() {
            check_id("school_id", &r.school_id)?;
        }
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let p = if r.school_id.is_empty() {
                    prefix(&[&r.municipality_id])
                } else {
                    prefix(&[&r.municipality_id, &r.school_id])
                };
                let w = state::Walk::new(walk::RESULTS, &(&r.school_id, r.assessment, r.year));
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<StudentResult>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |x: &StudentResult| {
                    assessment.is_none_or(|a| a == x.assessment)
                        && (r.year == 0 || i32::from(x.year) == r.year)
                })
            })
            .await?;
        Ok(Response::new(pb::ListStudentResultsResponse {
            results: items.iter().map(result_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn create_plan(
        &self,
        req: Request<pb::CreatePlanRequest>,
    ) -> Result<Response<pb::Plan>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let who = caller.clone();
        let out = self
            .state
            .write(&who, &scope, "CreatePlan", &rid, bytes, move |s, b, now| {
                let m = state::municipality(s, &r.municipality_id)?;
                let given = required("plan", r.plan)?;
                let (mut p, automatic) = plan_from_pb(&m.id, given).map_err(under("plan"))?;
                keep_office_status(&mut p, &automatic, None);
                if !r.template.is_empty() {
                    apply_template(&mut p, &r.template)?;
                }
                gate_school_bound(s, &caller, &p)?;
                programme::check_plan(s, &mut p, "plan")?;
                gate_write(&caller, &p)?;
                if s.contains::<Plan>(&p.key())? {
                    return Err(ApiError::AlreadyExists {
                        kind: "plan",
                        id: p.id,
                    });
                }
                p.meta = Meta::new(now);
                b.put(&p)?;
                tracing::info!(municipality = %p.municipality_id, plan = %p.id,
                    kind = p.kind.code(), items = p.items.len(), "plan created");
                shown(s, &p, state::today(&m, now))
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn get_plan(
        &self,
        req: Request<pb::GetPlanRequest>,
    ) -> Result<Response<pb::Plan>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("plan_id", &r.plan_id)?;
        let now = (self.state.clock)();
        let out = self
            .state
            .read(move |s| {
                let day = today(s, &r.municipality_id, now)?;
                let p = s
                    .get::<Plan>(&key(&[&r.municipality_id, &r.plan_id]))?
                    .filter(|p| may_read(&caller, p))
                    .ok_or_else(|| {
                        if caller.school_bound() {
                            crate::caller::outside()
                        } else {
                            plan_not_found(&r.plan_id)
                        }
                    })?;
                shown(s, &p, day)
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_plans(
        &self,
        req: Request<pb::ListPlansRequest>,
    ) -> Result<Response<pb::ListPlansResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let kind =
            match r.kind {
                0 => None,
                x => Some(enum_from_pb(PlanKind::ALL, x).ok_or_else(|| {
                    ApiError::invalid("kind", format!("{x} is not a known value"))
                })?),
            };
        let now = (self.state.clock)();
        let out = self
            .state
            .read(move |s| {
                let day = today(s, &r.municipality_id, now)?;
                let tracked = TrackedData::load(s, &r.municipality_id, day)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(
                    walk::PLANS,
                    &(
                        r.kind,
                        &r.school_id,
                        &r.teacher_id,
                        &r.programme_id,
                        r.overdue_only,
                    ),
                );
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<Plan>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                tracked.with(|t| {
                    let (items, next) = page(iter, size, w, |x: &Plan| {
                        may_read(&caller, x)
                            && kind.is_none_or(|k| k == x.kind)
                            && (r.school_id.is_empty() || x.school_id == r.school_id)
                            && (r.teacher_id.is_empty() || x.teacher_id == r.teacher_id)
                            && (r.programme_id.is_empty() || x.programme_id == r.programme_id)
                            && (!r.overdue_only || x.settled(t).iter().any(|i| i.overdue))
                    })?;
                    Ok(pb::ListPlansResponse {
                        plans: items.iter().map(|p| plan_to_pb(p, &p.settled(t))).collect(),
                        next_page_token: next,
                    })
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn update_plan(
        &self,
        req: Request<pb::UpdatePlanRequest>,
    ) -> Result<Response<pb::Plan>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let who = caller.clone();
        let out = self
            .state
            .write(&who, &scope, "UpdatePlan", &rid, bytes, move |s, b, now| {
                let m = state::municipality(s, &r.municipality_id)?;
                let given = required("plan", r.plan)?;
                let etag = given.etag.clone();
                let (mut p, automatic) = plan_from_pb(&m.id, given).map_err(under("plan"))?;
                let cur = s.get::<Plan>(&p.key())?;
                if let Some(cur) = &cur {
                    gate_write(&caller, cur)?;
                    if cur.kind != p.kind || cur.teacher_id != p.teacher_id {
                        return Err(ApiError::invalid(
                            "plan.kind",
                            "a plan keeps its kind and teacher: create another plan instead",
                        ));
                    }
                } else if caller.school_bound() {
                    return Err(crate::caller::outside());
                }
                keep_office_status(&mut p, &automatic, cur.as_ref());
                if p.kind == PlanKind::Route {
                    // A route is at its teacher's school today (a teacher who moved takes it).
                    p.school_id.clear();
                }
                gate_school_bound(s, &caller, &p)?;
                programme::check_plan(s, &mut p, "plan")?;
                gate_write(&caller, &p)?;
                let id = p.id.clone();
                let saved = state::replace_checked(
                    s,
                    b,
                    p,
                    ("plan", &id, &etag),
                    plan_not_found,
                    |_, _| Ok(()),
                    now,
                )?;
                shown(s, &saved, state::today(&m, now))
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_plan(
        &self,
        req: Request<pb::DeletePlanRequest>,
    ) -> Result<Response<pb::DeletePlanResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("plan_id", &r.plan_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let who = caller.clone();
        let out = self
            .state
            .write(&who, &scope, "DeletePlan", &rid, bytes, move |s, b, _| {
                match s.get::<Plan>(&key(&[&r.municipality_id, &r.plan_id]))? {
                    Some(cur) => gate_write(&caller, &cur)?,
                    // A school-bound caller cannot tell a missing plan from another school's.
                    None if caller.school_bound() => return Err(crate::caller::outside()),
                    None => {}
                }
                let ids = (r.municipality_id.as_str(), r.plan_id.as_str());
                state::delete_checked::<Plan>(s, b, ids, &r.etag, "plan", plan_not_found)?;
                Ok(pb::DeletePlanResponse {})
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn draft_routes(
        &self,
        req: Request<pb::DraftRoutesRequest>,
    ) -> Result<Response<pb::DraftRoutesResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DraftRoutes",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let day = state::today(&m, now);
                    let d = programme::draft_routes(
                        s,
                        &m.id,
                        &r.teacher_ids,
                        &r.programme_id,
                        r.replace,
                        day,
                        Meta::new(now),
                    )?;
                    for p in d.created.iter().chain(&d.replaced) {
                        b.put(p)?;
                    }
                    tracing::info!(municipality = %m.id, created = d.created.len(),
                    replaced = d.replaced.len(), skipped = d.skipped.len(), "routes drafted");
                    let t = TrackedData::load(s, &m.id, day)?;
                    let show = |ps: &[Plan]| -> Vec<pb::Plan> {
                        ps.iter()
                            .zip(t.settle(ps))
                            .map(|(p, x)| plan_to_pb(p, &x))
                            .collect()
                    };
                    Ok(pb::DraftRoutesResponse {
                        created: show(&d.created),
                        replaced: show(&d.replaced),
                        skipped: d.skipped,
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}

/// Items sent back with `automatic` set carry what the service computed (DONE by an event, a
/// re-diagnosis): the stored item keeps the office's own status, date and evidence (a new item:
/// none), so a plan read and written back stays computed at every read, never frozen.
fn keep_office_status(
    p: &mut Plan,
    automatic: &std::collections::BTreeSet<String>,
    cur: Option<&Plan>,
) {
    for x in p.items.iter_mut().filter(|x| automatic.contains(&x.id)) {
        match cur.and_then(|c| c.items.iter().find(|y| y.id == x.id)) {
            Some(stored) => {
                x.status = stored.status;
                x.done_on = stored.done_on;
                x.evidence = stored.evidence.clone();
            }
            None => {
                x.status = peerlift_domain::ItemStatus::Planned;
                x.done_on = None;
                x.evidence.clear();
            }
        }
    }
}

/// A school-bound caller (school, curator) writes only plans of its schools and links only
/// what concerns them: the route's teacher works at one of its schools, the roadmap is one
/// of its schools', and each linked event, session or mentorship concerns one of them. Checked
/// before anything else is looked at, and answered alike whether the record exists or not, so
/// a refusal says nothing about other schools.
fn gate_school_bound(s: &peerlift_store::Store, caller: &Caller, p: &Plan) -> ApiResult<()> {
    if !caller.school_bound() {
        return Ok(());
    }
    let muni = p.municipality_id.as_str();
    let valid = peerlift_domain::ids::is_valid_id;
    let school = match p.kind {
        PlanKind::Route if valid(&p.teacher_id) => s
            .get::<peerlift_domain::Teacher>(&key(&[muni, &p.teacher_id]))?
            .map(|t| t.school_id),
        PlanKind::Route => None,
        PlanKind::Roadmap => Some(p.school_id.clone()).filter(|x| !x.is_empty()),
    };
    if !school.is_some_and(|x| caller.sees_school(&x)) {
        return Err(crate::caller::outside());
    }
    let sees_any = |ids: &[String]| ids.iter().any(|x| caller.sees_school(x));
    for x in &p.items {
        if x.link.is_empty() || !valid(&x.link) {
            continue;
        }
        let k = key(&[muni, &x.link]);
        let seen = match x.kind {
            // The same rule as opening the event itself (host, invited schools, invited
            // teachers and leaders of the caller's schools).
            peerlift_domain::ItemKind::Event => match s.get::<peerlift_domain::Event>(&k)? {
                Some(e) => crate::services::events::gate_event(s, caller, &e).is_ok(),
                None => false,
            },
            peerlift_domain::ItemKind::Session => s
                .get::<peerlift_domain::Session>(&k)?
                .is_some_and(|x| sees_any(&x.schools)),
            peerlift_domain::ItemKind::Mentorship => {
                match s.get::<peerlift_domain::Mentorship>(&k)? {
                    Some(m) => {
                        // Only the mentorship's own people, not the municipality's teachers.
                        let mut people = Vec::new();
                        for id in [&m.mentee_id, &m.mentor_id].into_iter().chain(&m.members) {
                            if let Some(t) = s.get::<peerlift_domain::Teacher>(&key(&[muni, id]))? {
                                people.push(t);
                            }
                        }
                        let school_of = people
                            .iter()
                            .map(|t| (t.id.as_str(), t.school_id.as_str()))
                            .collect();
                        sees_any(&crate::app::curators::schools_of(&m, &school_of))
                    }
                    None => false,
                }
            }
            _ => true,
        };
        if !seen {
            return Err(crate::caller::outside());
        }
    }
    Ok(())
}

/// Puts result lines, counting what each did; unchanged lines keep their revision.
fn put_results(
    s: &peerlift_store::Store,
    b: &mut peerlift_store::Batch,
    rows: Vec<StudentResult>,
    now: jiff::Timestamp,
) -> ApiResult<pb::PutStudentResultsResponse> {
    let mut out = pb::PutStudentResultsResponse::default();
    for mut x in rows {
        let cur = s.get::<StudentResult>(&x.key())?;
        match cur {
            Some(cur) => {
                x.meta = cur.meta.clone();
                if x == cur {
                    out.unchanged += 1;
                    continue;
                }
                x.meta = cur.meta.next(now);
                out.updated += 1;
            }
            None => {
                x.meta = Meta::new(now);
                out.created += 1;
            }
        }
        b.put(&x)?;
    }
    Ok(out)
}

/// Fills an empty roadmap from a template: `network-year:YYYY`.
fn apply_template(p: &mut Plan, template: &str) -> ApiResult<()> {
    let year = template
        .strip_prefix("network-year:")
        .and_then(|y| y.parse::<i16>().ok())
        .filter(|y| (2000..2100).contains(y))
        .ok_or_else(|| {
            ApiError::invalid(
                "template",
                format!("'{template}' is not a template: use network-year:YYYY (the year the school year starts)"),
            )
        })?;
    if p.kind != PlanKind::Roadmap {
        return Err(ApiError::invalid("template", "templates make roadmaps"));
    }
    if !p.items.is_empty() {
        return Err(ApiError::invalid(
            "plan.items",
            "a plan from a template starts empty: give either items or a template",
        ));
    }
    p.items = peerlift_domain::plans::roadmap_template(year);
    Ok(())
}
