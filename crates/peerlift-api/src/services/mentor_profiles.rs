use peerlift_domain::{stamp, Change, MentorProfile, Meta, Mode};
use peerlift_store::{key, prefix, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::schools::optional_enum;
use super::{check_id, required, under};
use crate::auth::Admit;
use crate::convert::{mentor_profile_from_pb, mentor_profile_to_pb};
use crate::error::ApiError;
use crate::pb;
use crate::pb::mentor_profile_service_server::MentorProfileService;
use crate::state::{self, check_etag, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct MentorProfileApi {
    pub state: AppState,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "mentor profile",
        id: id.to_string(),
    }
}

/// A profile belongs to an existing teacher of the same municipality.
pub(crate) use crate::app::check_teacher;

#[tonic::async_trait]
impl MentorProfileService for MentorProfileApi {
    async fn create_mentor_profile(
        &self,
        req: Request<pb::CreateMentorProfileRequest>,
    ) -> Result<Response<pb::MentorProfile>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateMentorProfile",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let catalog = state::catalog(s, &m.id)?;
                    let given = required("mentor_profile", r.mentor_profile)?;
                    let mut p = mentor_profile_from_pb(&m.id, &catalog, given)
                        .map_err(under("mentor_profile"))?;
                    check_teacher(s, "mentor_profile.teacher_id", &m.id, &p.teacher_id)?;
                    if s.contains::<MentorProfile>(&p.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "mentor profile",
                            id: p.teacher_id,
                        });
                    }
                    p.meta = Meta::new(now);
                    b.put(&p)?;
                    Ok(mentor_profile_to_pb(&p))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_mentor_profile(
        &self,
        req: Request<pb::GetMentorProfileRequest>,
    ) -> Result<Response<pb::MentorProfile>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let p = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                check_id("teacher_id", &r.teacher_id)?;
                s.get::<MentorProfile>(&key(&[&r.municipality_id, &r.teacher_id]))?
                    .ok_or_else(|| not_found(&r.teacher_id))
            })
            .await?;
        Ok(Response::new(mentor_profile_to_pb(&p)))
    }

    async fn list_mentor_profiles(
        &self,
        req: Request<pb::ListMentorProfilesRequest>,
    ) -> Result<Response<pb::ListMentorProfilesResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let mode = optional_enum("mode", Mode::ALL, r.mode)?;
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(
                    walk::PROFILES,
                    &(&r.subject, &r.direction, mode, r.available_only),
                );
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<MentorProfile>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |x: &MentorProfile| {
                    (r.subject.is_empty() || x.subjects.contains(&r.subject))
                        && (r.direction.is_empty() || x.directions.contains(&r.direction))
                        && mode.is_none_or(|m| x.modes.contains(&m))
                        && (!r.available_only || x.capacity > 0)
                })
            })
            .await?;
        Ok(Response::new(pb::ListMentorProfilesResponse {
            mentor_profiles: items.iter().map(mentor_profile_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_mentor_profile(
        &self,
        req: Request<pb::UpdateMentorProfileRequest>,
    ) -> Result<Response<pb::MentorProfile>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateMentorProfile",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let catalog = state::catalog(s, &m.id)?;
                    let given = required("mentor_profile", r.mentor_profile)?;
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => {
                            check_id("mentor_profile.teacher_id", &given.teacher_id)?;
                            let cur = s
                                .get::<MentorProfile>(&key(&[&m.id, &given.teacher_id]))?
                                .ok_or_else(|| not_found(&given.teacher_id))?;
                            crate::mask::merge(
                                mentor_profile_to_pb(&cur),
                                given,
                                mk,
                                crate::mask::MENTOR_PROFILE,
                                |o, g| {
                                    o.teacher_id = g.teacher_id.clone();
                                    o.municipality_id = g.municipality_id.clone();
                                    o.etag = g.etag.clone();
                                },
                            )?
                        }
                        None => given,
                    };
                    let etag = given.etag.clone();
                    let mut p = mentor_profile_from_pb(&m.id, &catalog, given)
                        .map_err(under("mentor_profile"))?;
                    let cur = s
                        .get::<MentorProfile>(&p.key())?
                        .ok_or_else(|| not_found(&p.teacher_id))?;
                    check_etag("mentor profile", &p.teacher_id, &etag, &cur.meta)?;
                    if stamp(&mut p, Some(&cur), now) == Change::Unchanged {
                        return Ok(mentor_profile_to_pb(&cur));
                    }
                    b.put(&p)?;
                    Ok(mentor_profile_to_pb(&p))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_mentor_profile(
        &self,
        req: Request<pb::DeleteMentorProfileRequest>,
    ) -> Result<Response<pb::DeleteMentorProfileResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("teacher_id", &r.teacher_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteMentorProfile",
                &rid,
                bytes,
                move |s, b, _| {
                    state::municipality(s, &r.municipality_id)?;
                    let k = key(&[&r.municipality_id, &r.teacher_id]);
                    let cur = s
                        .get::<MentorProfile>(&k)?
                        .ok_or_else(|| not_found(&r.teacher_id))?;
                    check_etag("mentor profile", &cur.teacher_id, &r.etag, &cur.meta)?;
                    b.delete::<MentorProfile>(k);
                    Ok(pb::DeleteMentorProfileResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
