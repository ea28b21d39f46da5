//! The mentorship service: converts requests to the use cases of [`crate::app::mentorships`]
//! and their answers back.

use peerlift_domain::{Meta, Veto, Violations};
use prost::Message;
use tonic::{Request, Response, Status};

use super::check_id;
use crate::app::mentorships::{self as app, Change, MentorshipFilter, NewPair};
use crate::auth::{Admit, Caller};
use crate::convert::parse_date;
use crate::convert_match::{
    charter_from_pb, kind_from_pb, mentorship_status_from_pb, mentorship_to_pb, optional_kind,
    partnership_type_from_pb, required_kind, veto_to_pb,
};
use crate::error::ApiError;
use crate::pb;
use crate::pb::mentorship_service_server::MentorshipService;
use crate::state::{page_size, AppState};

/// The mentorship a lock, unlock or end names (their requests share these fields).
#[derive(Clone, PartialEq, prost::Message)]
struct Target {
    #[prost(string, tag = "1")]
    municipality_id: String,
    #[prost(string, tag = "2")]
    mentorship_id: String,
    #[prost(string, tag = "3")]
    etag: String,
    #[prost(string, tag = "4")]
    request_id: String,
    /// Ending's reason: part of the request a retry must repeat (empty for lock and unlock,
    /// which then encode as before).
    #[prost(string, tag = "5")]
    reason: String,
}

#[derive(Debug, Clone)]
pub struct MentorshipApi {
    pub state: AppState,
}

impl MentorshipApi {
    /// Lock, unlock and end: one mentorship changed under the write lock.
    async fn modify(
        &self,
        caller: &Caller,
        method: &'static str,
        r: Target,
        change: Change,
    ) -> Result<pb::Mentorship, ApiError> {
        check_id("mentorship_id", &r.mentorship_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let lang = caller.lang;
        self.state
            .write(caller, &scope, method, &rid, bytes, move |s, b, now| {
                let m = app::modify(
                    s,
                    b,
                    &r.municipality_id,
                    &r.mentorship_id,
                    &r.etag,
                    &change,
                    now,
                )?;
                Ok(mentorship_to_pb(&m, lang))
            })
            .await
    }
}

#[tonic::async_trait]
impl MentorshipService for MentorshipApi {
    async fn list_mentorships(
        &self,
        req: Request<pb::ListMentorshipsRequest>,
    ) -> Result<Response<pb::ListMentorshipsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        let size = page_size(r.page_size)?;
        let f = MentorshipFilter {
            kind: optional_kind("kind", r.kind)?,
            status: match r.status {
                0 => None,
                x => Some(
                    mentorship_status_from_pb(x)
                        .ok_or_else(|| ApiError::invalid("status", "unknown status"))?,
                ),
            },
            mentee_id: r.mentee_id,
            mentor_id: r.mentor_id,
            locked: r.locked,
        };
        let (items, next) = self
            .state
            .read_now(move |s| app::list(s, &r.municipality_id, &f, size, &r.page_token))
            .await?;
        Ok(Response::new(pb::ListMentorshipsResponse {
            mentorships: items.iter().map(|m| mentorship_to_pb(m, lang)).collect(),
            next_page_token: next,
        }))
    }

    async fn get_mentorship(
        &self,
        req: Request<pb::GetMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        let m = self
            .state
            .read_now(move |s| app::get(s, &r.municipality_id, &r.mentorship_id))
            .await?;
        Ok(Response::new(mentorship_to_pb(&m, lang)))
    }

    async fn create_mentorship(
        &self,
        req: Request<pb::CreateMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        required_kind("kind", r.kind)?;
        let mut v = Violations::new();
        let started_on = (!r.started_on.is_empty())
            .then(|| parse_date(&mut v, "started_on", &r.started_on))
            .flatten();
        let charter = charter_from_pb(&mut v, r.order.as_ref(), &r.school_year, &r.goal, r.basis);
        let partnership_type = partnership_type_from_pb(&mut v, r.partnership_type);
        let pair = NewPair {
            municipality_id: r.municipality_id.clone(),
            kind: kind_from_pb(r.kind),
            mentee_id: r.mentee_id.clone(),
            mentor_id: r.mentor_id.clone(),
            subject: r.subject.clone(),
            reason: r.reason.clone(),
            locked: r.locked,
            started_on,
            charter,
            partnership_type,
            accept_reason: r.accept_reason.clone(),
            members: r.members.clone(),
        };
        // Every violation in one answer: the conversions' and the pair's own.
        match pair.validate() {
            Err(ApiError::Invalid(more)) => crate::convert::merge_violations(&mut v, more),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id, r.request_id);
        // A retry answers as the first call did, before the rules (which the first call's
        // mentorship would now break) are checked again.
        if let Some(done) = self
            .state
            .replay::<pb::Mentorship>(&scope, "CreateMentorship", &rid, &bytes)
            .await?
        {
            return Ok(Response::new(done));
        }
        let to_check = pair.clone();
        let checked = self
            .state
            .read(move |s| app::check_pair(s, &to_check))
            .await?;
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateMentorship",
                &rid,
                bytes,
                move |s, b, now| {
                    Ok(mentorship_to_pb(
                        &app::create(s, b, &pair, checked, now)?,
                        lang,
                    ))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn update_mentorship(
        &self,
        req: Request<pb::UpdateMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        check_id("mentorship_id", &r.mentorship_id)?;
        let mut v = Violations::new();
        let charter = r
            .charter
            .as_ref()
            .map(|c| charter_from_pb(&mut v, c.order.as_ref(), &c.school_year, &c.goal, c.basis));
        let partnership_type = partnership_type_from_pb(&mut v, r.partnership_type);
        v.into_result().map_err(ApiError::Invalid)?;
        let edit = app::Edit {
            members: (!r.members.is_empty()).then(|| r.members.clone()),
            mentor_id: (!r.mentor_id.is_empty()).then(|| r.mentor_id.clone()),
            subject: (!r.subject.is_empty()).then(|| r.subject.clone()),
            partnership_type,
            charter,
            accept_reason: r.accept_reason.clone(),
        };
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateMentorship",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = app::edit(
                        s,
                        b,
                        &r.municipality_id,
                        &r.mentorship_id,
                        &r.etag,
                        edit,
                        now,
                    )?;
                    Ok(mentorship_to_pb(&m, lang))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn lock_mentorship(
        &self,
        req: Request<pb::LockMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let t = Target {
            municipality_id: r.municipality_id,
            mentorship_id: r.mentorship_id,
            etag: r.etag,
            request_id: r.request_id,
            reason: String::new(),
        };
        let out = self
            .modify(&caller, "LockMentorship", t, Change::Lock)
            .await?;
        Ok(Response::new(out))
    }

    async fn unlock_mentorship(
        &self,
        req: Request<pb::UnlockMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let t = Target {
            municipality_id: r.municipality_id,
            mentorship_id: r.mentorship_id,
            etag: r.etag,
            request_id: r.request_id,
            reason: String::new(),
        };
        let out = self
            .modify(&caller, "UnlockMentorship", t, Change::Unlock)
            .await?;
        Ok(Response::new(out))
    }

    async fn end_mentorship(
        &self,
        req: Request<pb::EndMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let reason = app::end_reason(&r.reason)?;
        let lock = Target {
            municipality_id: r.municipality_id,
            mentorship_id: r.mentorship_id,
            etag: r.etag,
            request_id: r.request_id,
            reason: r.reason,
        };
        let out = self
            .modify(&caller, "EndMentorship", lock, Change::End(reason))
            .await?;
        Ok(Response::new(out))
    }

    async fn veto_pair(
        &self,
        req: Request<pb::VetoPairRequest>,
    ) -> Result<Response<pb::VetoPairResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        let kind = required_kind("kind", r.kind)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "VetoPair",
                &rid,
                bytes,
                move |s, b, now| {
                    let veto = Veto {
                        municipality_id: r.municipality_id,
                        kind,
                        mentee_id: r.mentee_id,
                        mentor_id: r.mentor_id,
                        reason: r.reason,
                        meta: Meta::new(now),
                    };
                    let (veto, ended) = app::veto(s, b, veto, now)?;
                    Ok(pb::VetoPairResponse {
                        veto: Some(veto_to_pb(&veto)),
                        ended: ended.iter().map(|m| mentorship_to_pb(m, lang)).collect(),
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn list_vetoes(
        &self,
        req: Request<pb::ListVetoesRequest>,
    ) -> Result<Response<pb::ListVetoesResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let vetoes = self
            .state
            .read_now(move |s| app::vetoes(s, &r.municipality_id))
            .await?;
        Ok(Response::new(pb::ListVetoesResponse {
            vetoes: vetoes.iter().map(veto_to_pb).collect(),
        }))
    }
}
