//! Mentorships and vetoes: list, read, lock, end, veto, create by hand.

use peerlift_domain::{
    MatchKind, Mentorship, MentorshipStatus, Meta, Mode, Origin, School, SchoolStatus, Veto,
    Violations,
};
use peerlift_store::{key, prefix, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::check_id;
use super::mentor_profiles::check_teacher;
use crate::app::runs::load_snapshot;
use crate::auth::Admit;
use crate::auth::Caller;
use crate::convert_match::{
    mentorship_status_from_pb, mentorship_to_pb, optional_kind, required_kind, veto_to_pb,
};
use crate::error::ApiError;
use crate::pb;
use crate::pb::mentorship_service_server::MentorshipService;
use crate::state::{self, check_etag, page, page_size, today, walk, AppState};

#[derive(Debug, Clone)]
pub struct MentorshipApi {
    pub state: AppState,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "mentorship",
        id: id.to_string(),
    }
}

impl MentorshipApi {
    /// Loads, checks and rewrites one mentorship under the write lock.
    async fn modify(
        &self,
        caller: &Caller,
        method: &'static str,
        r: pb::LockMentorshipRequest,
        change: impl FnOnce(&mut Mentorship) -> Result<(), ApiError> + Send + 'static,
    ) -> Result<pb::Mentorship, ApiError> {
        check_id("mentorship_id", &r.mentorship_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        self.state
            .write(caller, &scope, method, &rid, bytes, move |s, b, now| {
                state::municipality(s, &r.municipality_id)?;
                let mut m = s
                    .get::<Mentorship>(&key(&[&r.municipality_id, &r.mentorship_id]))?
                    .ok_or_else(|| not_found(&r.mentorship_id))?;
                check_etag("mentorship", &m.id, &r.etag, &m.meta)?;
                let before = m.clone();
                change(&mut m)?;
                if m != before {
                    m.meta = before.meta.next(now);
                    b.put(&m)?;
                }
                Ok(mentorship_to_pb(&m))
            })
            .await
    }
}

fn require_active(m: &Mentorship) -> Result<(), ApiError> {
    if m.status != MentorshipStatus::Active {
        return Err(ApiError::FailedPrecondition(format!(
            "mentorship {} has ended",
            m.id
        )));
    }
    Ok(())
}

#[tonic::async_trait]
impl MentorshipService for MentorshipApi {
    async fn list_mentorships(
        &self,
        req: Request<pb::ListMentorshipsRequest>,
    ) -> Result<Response<pb::ListMentorshipsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let kind = optional_kind("kind", r.kind)?;
        let status = match r.status {
            0 => None,
            x => Some(
                mentorship_status_from_pb(x)
                    .ok_or_else(|| ApiError::invalid("status", "unknown status"))?,
            ),
        };
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let after = state::decode_token(&r.page_token, walk::MENTORSHIPS, &p)?;
                let iter = s
                    .scan::<Mentorship>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, walk::MENTORSHIPS, |m: &Mentorship| {
                    kind.is_none_or(|k| m.kind == k)
                        && status.is_none_or(|st| m.status == st)
                        && (r.mentee_id.is_empty() || m.mentee_id == r.mentee_id)
                        && (r.mentor_id.is_empty() || m.mentor_id == r.mentor_id)
                        && r.locked.is_none_or(|l| m.locked == l)
                })
            })
            .await?;
        Ok(Response::new(pb::ListMentorshipsResponse {
            mentorships: items.iter().map(mentorship_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn get_mentorship(
        &self,
        req: Request<pb::GetMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let m = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                check_id("mentorship_id", &r.mentorship_id)?;
                s.get::<Mentorship>(&key(&[&r.municipality_id, &r.mentorship_id]))?
                    .ok_or_else(|| not_found(&r.mentorship_id))
            })
            .await?;
        Ok(Response::new(mentorship_to_pb(&m)))
    }

    async fn create_mentorship(
        &self,
        req: Request<pb::CreateMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let kind = required_kind("kind", r.kind)?;
        if matches!(kind, MatchKind::TeacherGroups | MatchKind::SchoolGroups) {
            return Err(ApiError::invalid(
                "kind",
                "groups are formed by match runs; create pairs or partnerships by hand",
            )
            .into());
        }
        let mut v = Violations::new();
        peerlift_domain::ids::check_id(&mut v, "mentee_id", &r.mentee_id);
        peerlift_domain::ids::check_id(&mut v, "mentor_id", &r.mentor_id);
        // A mentorship of one with itself (a cycle) is refused here, whatever the kind, rather
        // than by whichever hard rule happens to notice it first.
        if !r.mentee_id.is_empty() && r.mentor_id == r.mentee_id {
            v.add(
                "mentor_id",
                "must differ from mentee_id: nobody mentors themselves",
            );
        }
        if r.reason.trim().is_empty() {
            v.add("reason", "say why the pair is made by hand");
        } else {
            // The reason is stored in the mentorship (its origin): bounded like any typed text.
            peerlift_domain::check_reason(&mut v, "reason", r.reason.trim(), true);
        }
        if kind != MatchKind::SchoolPartnerships && r.subject.is_empty() {
            v.add(
                "subject",
                "teacher pairs and distributed partnerships need the subject",
            );
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateMentorship",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let (snap, _) = load_snapshot(s, &m.id)?;
                    let (mode, score, ptype) = match kind {
                        MatchKind::TeacherPairs => {
                            // Unknown teachers are bad references in the request, named like
                            // every other reference field, not a hard rule of the pair.
                            check_teacher(s, "mentee_id", &m.id, &r.mentee_id)?;
                            check_teacher(s, "mentor_id", &m.id, &r.mentor_id)?;
                            let p = peerlift_match::pairs::check_teacher_pair(
                                &snap,
                                &Default::default(),
                                &Default::default(),
                                &m.id,
                                &r.mentee_id,
                                &r.subject,
                                &r.mentor_id,
                            )
                            .map_err(ApiError::FailedPrecondition)?;
                            if snap.mentorships.iter().any(|x| {
                                x.kind == kind
                                    && x.mentee_id == r.mentee_id
                                    && x.subject == r.subject
                            }) {
                                return Err(ApiError::AlreadyExists {
                                    kind: "active mentorship for this mentee and subject",
                                    id: format!("{}/{}", r.mentee_id, r.subject),
                                });
                            }
                            (p.mode, p.score, None)
                        }
                        MatchKind::TeacherGroups | MatchKind::SchoolGroups => {
                            return Err(ApiError::invalid(
                                "kind",
                                "groups are formed by match runs",
                            ));
                        }
                        MatchKind::SchoolPartnerships | MatchKind::SchoolDirections => {
                            let school = |id: &str| s.get::<School>(&key(&[&m.id, id]));
                            let no_school = |field: &str, id: &str| {
                                ApiError::invalid(
                                    field,
                                    format!("no school '{id}' in municipality '{}'", m.id),
                                )
                            };
                            let mentee = school(&r.mentee_id)?
                                .ok_or_else(|| no_school("mentee_id", &r.mentee_id))?;
                            let mentor = school(&r.mentor_id)?
                                .ok_or_else(|| no_school("mentor_id", &r.mentor_id))?;
                            if mentee.id == mentor.id {
                                return Err(ApiError::invalid(
                                    "mentor_id",
                                    "a school cannot partner itself",
                                ));
                            }
                            if !matches!(
                                mentee.status,
                                SchoolStatus::LowResults | SchoolStatus::AtRisk
                            ) {
                                return Err(ApiError::FailedPrecondition(format!(
                                    "{} is {}, not a school in need",
                                    mentee.id,
                                    mentee.status.code()
                                )));
                            }
                            if snap.vetoes.iter().any(|x| {
                                x.kind == kind
                                    && x.mentee_id == mentee.id
                                    && x.mentor_id == mentor.id
                            }) {
                                return Err(ApiError::FailedPrecondition(
                                    "the partnership is vetoed".into(),
                                ));
                            }
                            let a = snap
                                .schools
                                .iter()
                                .position(|x| x.id == mentee.id)
                                .unwrap_or(0) as u32;
                            let c = snap
                                .schools
                                .iter()
                                .position(|x| x.id == mentor.id)
                                .unwrap_or(0) as u32;
                            let (t, _) = peerlift_match::schools::partnership_type(&snap, a, c);
                            (Mode::InPerson, 0, Some(t))
                        }
                    };
                    if snap.vetoes.iter().any(|x| {
                        x.kind == kind && x.mentee_id == r.mentee_id && x.mentor_id == r.mentor_id
                    }) {
                        return Err(ApiError::FailedPrecondition("the pair is vetoed".into()));
                    }
                    let ms = Mentorship {
                        municipality_id: m.id.clone(),
                        id: format!("ms-{:010}", s.generate_id()?),
                        kind,
                        mentee_id: r.mentee_id.clone(),
                        mentor_id: r.mentor_id.clone(),
                        mentor_municipality_id: String::new(),
                        subject: if kind == MatchKind::SchoolPartnerships {
                            String::new()
                        } else {
                            r.subject.clone()
                        },
                        mode,
                        partnership_type: ptype,
                        locked: r.locked,
                        status: MentorshipStatus::Active,
                        started_on: today(&m, now),
                        ended_on: None,
                        end_reason: String::new(),
                        origin: Origin::Manual(r.reason.trim().to_string()),
                        score,
                        members: Vec::new(),
                        meta: Meta::new(now),
                    };
                    b.put(&ms)?;
                    Ok(mentorship_to_pb(&ms))
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
        let out = self
            .modify(&caller, "LockMentorship", r, |m| {
                require_active(m)?;
                m.locked = true;
                Ok(())
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn unlock_mentorship(
        &self,
        req: Request<pb::LockMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let out = self
            .modify(&caller, "UnlockMentorship", r, |m| {
                m.locked = false;
                Ok(())
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn end_mentorship(
        &self,
        req: Request<pb::EndMentorshipRequest>,
    ) -> Result<Response<pb::Mentorship>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        if r.reason.trim().is_empty() {
            return Err(ApiError::invalid("reason", "say why the mentorship ends").into());
        }
        // Stored as the end reason: bounded like any typed text.
        let mut v = Violations::new();
        peerlift_domain::check_reason(&mut v, "reason", r.reason.trim(), true);
        v.into_result().map_err(ApiError::Invalid)?;
        let reason = r.reason.trim().to_string();
        let state = self.state.clone();
        let lock = pb::LockMentorshipRequest {
            municipality_id: r.municipality_id.clone(),
            mentorship_id: r.mentorship_id.clone(),
            etag: r.etag.clone(),
            request_id: r.request_id.clone(),
        };
        let now = (state.clock)();
        let muni = r.municipality_id.clone();
        let today_there = state
            .read_now(move |s| Ok(today(&crate::state::municipality(s, &muni)?, now)))
            .await?;
        let out = self
            .modify(&caller, "EndMentorship", lock, move |m| {
                require_active(m)?;
                m.end(today_there, reason, now);
                Ok(())
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn veto_pair(
        &self,
        req: Request<pb::VetoPairRequest>,
    ) -> Result<Response<pb::VetoPairResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
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
                    let m = state::municipality(s, &r.municipality_id)?;
                    let veto = Veto {
                        municipality_id: m.id.clone(),
                        kind,
                        mentee_id: r.mentee_id.clone(),
                        mentor_id: r.mentor_id.clone(),
                        reason: r.reason.trim().to_string(),
                        meta: Meta::new(now),
                    };
                    veto.validate().map_err(ApiError::Invalid)?;
                    b.put(&veto)?;
                    let mut ended = Vec::new();
                    for x in s.scan::<Mentorship>(&prefix(&[&m.id]), None) {
                        let mut x = x?;
                        if x.is_active()
                            && x.kind == kind
                            && x.mentee_id == veto.mentee_id
                            && x.mentor_id == veto.mentor_id
                        {
                            x.end(today(&m, now), format!("vetoed: {}", veto.reason), now);
                            b.put(&x)?;
                            ended.push(mentorship_to_pb(&x));
                        }
                    }
                    Ok(pb::VetoPairResponse {
                        veto: Some(veto_to_pb(&veto)),
                        ended,
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
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                Ok(s.scan::<Veto>(&prefix(&[&r.municipality_id]), None)
                    .collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        Ok(Response::new(pb::ListVetoesResponse {
            vetoes: vetoes.iter().map(veto_to_pb).collect(),
        }))
    }
}
