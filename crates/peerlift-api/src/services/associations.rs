use jiff::civil::Date;
use peerlift_domain::{stamp, Association, Change};
use peerlift_store::{key, prefix, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::associations::{self, not_found};
use crate::auth::{Admit, Target};
use crate::caller::Caller;
use crate::convert::{enum_from_pb, enum_to_pb, parse_date};
use crate::convert_network::{association_from_pb, association_to_pb};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::association_service_server::AssociationService;
use crate::state::{self, check_etag, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct AssociationApi {
    pub state: AppState,
}

/// The day a join or leave takes effect: the one given, or today in the municipality.
fn day_of(given: &str, m: &peerlift_domain::Municipality, now: jiff::Timestamp) -> ApiResult<Date> {
    if given.is_empty() {
        return Ok(state::today(m, now));
    }
    let mut v = peerlift_domain::Violations::new();
    let d = parse_date(&mut v, "on", given);
    v.into_result().map_err(ApiError::Invalid)?;
    d.ok_or_else(|| ApiError::invalid("on", "must be a date like 2021-09-01"))
}

impl AssociationApi {
    /// Members of other municipalities are the business of whoever's scope covers those too.
    async fn check_members(
        &self,
        caller: &Caller,
        given: Option<&pb::Association>,
        scope: &str,
    ) -> ApiResult<()> {
        let Some(a) = given else { return Ok(()) };
        let mut seen = std::collections::BTreeSet::new();
        for m in &a.members {
            if !m.municipality_id.is_empty()
                && m.municipality_id != scope
                && seen.insert(m.municipality_id.clone())
            {
                self.state
                    .check_target(caller, Target::Municipality(&m.municipality_id))
                    .await?;
            }
        }
        Ok(())
    }

    async fn save_one(
        &self,
        caller: Caller,
        method: &'static str,
        r: (String, Option<pb::Association>, String),
        fingerprint: Vec<u8>,
        create: bool,
    ) -> Result<Response<pb::Association>, Status> {
        let (scope, given, rid) = r;
        self.check_members(&caller, given.as_ref(), &scope).await?;
        let fp = fingerprint;
        let muni = scope.clone();
        let out = self
            .state
            .write(&caller, &scope, method, &rid, fp, move |s, b, now| {
                let m = state::municipality(s, &muni)?;
                let given = required("association", given)?;
                let etag = given.etag.clone();
                let mut a = association_from_pb(&m.id, given).map_err(under("association"))?;
                let cur = s.get::<Association>(&a.key())?;
                match (&cur, create) {
                    (Some(_), true) => {
                        return Err(ApiError::AlreadyExists {
                            kind: "association",
                            id: a.id,
                        })
                    }
                    (None, false) => return Err(not_found(&a.id)),
                    (Some(c), false) => check_etag("association", &a.id, &etag, &c.meta)?,
                    (None, true) => {}
                }
                associations::check(s, &a, "association")?;
                let today = state::today(&m, now);
                if stamp(&mut a, cur.as_ref(), now) == Change::Unchanged {
                    return Ok(association_to_pb(&a, today));
                }
                b.put(&a)?;
                Ok(association_to_pb(&a, today))
            })
            .await?;
        Ok(Response::new(out))
    }

    /// Join or leave: one association changed under the write lock.
    async fn membership(
        &self,
        caller: Caller,
        method: &'static str,
        ids: (String, String, String, String, String),
        rid: String,
        fingerprint: Vec<u8>,
        change: impl FnOnce(&peerlift_store::Store, &mut Association, &str, &str, Date) -> ApiResult<()>
            + Send
            + 'static,
    ) -> Result<Response<pb::Association>, Status> {
        let (muni, association, member_m, teacher, on) = ids;
        check_id("association_id", &association)?;
        check_id("teacher_id", &teacher)?;
        let member_m = if member_m.is_empty() {
            muni.clone()
        } else {
            member_m
        };
        check_id("member_municipality_id", &member_m)?;
        if member_m != muni {
            self.state
                .check_target(&caller, Target::Municipality(&member_m))
                .await?;
        }
        let scope = muni.clone();
        let out = self
            .state
            .write(
                &caller,
                &scope,
                method,
                &rid,
                fingerprint,
                move |s, b, now| {
                    let m = state::municipality(s, &muni)?;
                    let cur = s
                        .get::<Association>(&key(&[&muni, &association]))?
                        .ok_or_else(|| not_found(&association))?;
                    let day = day_of(&on, &m, now)?;
                    let mut a = cur.clone();
                    change(s, &mut a, &member_m, &teacher, day)?;
                    stamp(&mut a, Some(&cur), now);
                    b.put(&a)?;
                    Ok(association_to_pb(&a, state::today(&m, now)))
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}

#[tonic::async_trait]
impl AssociationService for AssociationApi {
    async fn create_association(
        &self,
        req: Request<pb::CreateAssociationRequest>,
    ) -> Result<Response<pb::Association>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let fp = r.encode_to_vec();
        let given = (r.municipality_id, r.association, r.request_id);
        self.save_one(caller, "CreateAssociation", given, fp, true)
            .await
    }

    async fn get_association(
        &self,
        req: Request<pb::GetAssociationRequest>,
    ) -> Result<Response<pb::Association>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("association_id", &r.association_id)?;
        let now = (self.state.clock)();
        let out = self
            .state
            .read_now(move |s| {
                let m = state::municipality(s, &r.municipality_id)?;
                let a = s
                    .get::<Association>(&key(&[&r.municipality_id, &r.association_id]))?
                    .ok_or_else(|| not_found(&r.association_id))?;
                Ok(association_to_pb(&a, state::today(&m, now)))
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_associations(
        &self,
        req: Request<pb::ListAssociationsRequest>,
    ) -> Result<Response<pb::ListAssociationsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let kind = match r.kind {
            0 => None,
            k => Some(
                enum_from_pb(peerlift_domain::AssociationKind::ALL, k)
                    .ok_or_else(|| ApiError::invalid("kind", "is not an association kind"))?,
            ),
        };
        let now = (self.state.clock)();
        let out = self
            .state
            .read_now(move |s| {
                let m = state::municipality(s, &r.municipality_id)?;
                let today = state::today(&m, now);
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(walk::ASSOCIATIONS, &(&r.teacher_id, &r.subject, kind));
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<Association>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                let (items, next) = page(iter, size, w, |a: &Association| {
                    (r.teacher_id.is_empty()
                        || a.is_member(&r.municipality_id, &r.teacher_id, today))
                        && (r.subject.is_empty() || a.subject == r.subject)
                        && kind.is_none_or(|k| a.kind == k)
                })?;
                Ok(pb::ListAssociationsResponse {
                    associations: items.iter().map(|a| association_to_pb(a, today)).collect(),
                    next_page_token: next,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn update_association(
        &self,
        req: Request<pb::UpdateAssociationRequest>,
    ) -> Result<Response<pb::Association>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let fp = r.encode_to_vec();
        let given = (r.municipality_id, r.association, r.request_id);
        self.save_one(caller, "UpdateAssociation", given, fp, false)
            .await
    }

    async fn delete_association(
        &self,
        req: Request<pb::DeleteAssociationRequest>,
    ) -> Result<Response<pb::DeleteAssociationResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("association_id", &r.association_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteAssociation",
                &rid,
                bytes,
                move |s, b, _| {
                    let ids = (r.municipality_id.as_str(), r.association_id.as_str());
                    state::delete_checked::<Association>(
                        s,
                        b,
                        ids,
                        &r.etag,
                        "association",
                        not_found,
                    )?;
                    Ok(pb::DeleteAssociationResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn join_association(
        &self,
        req: Request<pb::JoinAssociationRequest>,
    ) -> Result<Response<pb::Association>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let fp = r.encode_to_vec();
        let leader = r.leader;
        let rid = r.request_id.clone();
        let ids = (
            r.municipality_id,
            r.association_id,
            r.member_municipality_id,
            r.teacher_id,
            r.on,
        );
        self.membership(
            caller,
            "JoinAssociation",
            ids,
            rid,
            fp,
            move |s, a, mm, t, day| associations::join(s, a, mm, t, day, leader),
        )
        .await
    }

    async fn leave_association(
        &self,
        req: Request<pb::LeaveAssociationRequest>,
    ) -> Result<Response<pb::Association>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let fp = r.encode_to_vec();
        let rid = r.request_id.clone();
        let ids = (
            r.municipality_id,
            r.association_id,
            r.member_municipality_id,
            r.teacher_id,
            r.on,
        );
        self.membership(
            caller,
            "LeaveAssociation",
            ids,
            rid,
            fp,
            |_, a, mm, t, day| associations::leave(a, mm, t, day),
        )
        .await
    }

    async fn recommend_associations(
        &self,
        req: Request<pb::RecommendAssociationsRequest>,
    ) -> Result<Response<pb::RecommendAssociationsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("teacher_id", &r.teacher_id)?;
        let now = (self.state.clock)();
        let lang = caller.lang;
        let out = self
            .state
            .read(move |s| {
                let m = state::municipality(s, &r.municipality_id)?;
                let today = state::today(&m, now);
                let found = associations::recommend(s, &r.municipality_id, &r.teacher_id, now)?;
                Ok(pb::RecommendAssociationsResponse {
                    recommendations: found
                        .iter()
                        .map(|(a, why)| pb::AssociationRecommendation {
                            association: Some(association_to_pb(a, today)),
                            reason: peerlift_text::say(lang, why),
                        })
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn participation_report(
        &self,
        req: Request<pb::ParticipationReportRequest>,
    ) -> Result<Response<pb::ParticipationReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let out = self
            .state
            .read(move |s| {
                let rep = associations::report(s, &r.municipality_id, &r.school_years, now)?;
                Ok(pb::ParticipationReportResponse {
                    years: rep
                        .years
                        .iter()
                        .map(|y| pb::ParticipationYear {
                            school_year: y.participation.school_year.clone(),
                            teachers: y.participation.teachers,
                            members: y.participation.members,
                            percent: y.participation.percent(),
                            events_held: y.events_held,
                            event_attendances: y.attendances,
                        })
                        .collect(),
                    associations: rep
                        .associations
                        .iter()
                        .map(|row| pb::AssociationParticipation {
                            association_id: row.association.id.clone(),
                            name: row.association.name.clone(),
                            kind: enum_to_pb(
                                peerlift_domain::AssociationKind::ALL,
                                &row.association.kind,
                            ),
                            members: row
                                .members
                                .iter()
                                .map(|(m, n)| pb::MunicipalityCount {
                                    municipality_id: m.clone(),
                                    members: *n,
                                })
                                .collect(),
                            events_held: row.events_held,
                            event_attendances: row.attendances,
                        })
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }
}
