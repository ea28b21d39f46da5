//! The session service: converts requests to the use cases of [`crate::app::sessions`] and
//! their answers back.

use jiff::civil::Date;
use peerlift_domain::{SessionStatus, Violations};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::sessions::{
    self as app, required_reason, ScheduleAsk, SessionChange, SessionQuery,
};
use crate::auth::{Admit, Caller};
use crate::convert::parse_date;
use crate::convert_sessions::{
    feedback_from_pb, frequencies_from_pb, proposal_to_pb, session_input_from_pb,
    session_status_from_pb, session_to_pb, settings_from_pb, settings_to_pb,
};
use crate::error::ApiError;
use crate::pb;
use crate::pb::session_service_server::SessionService;
use crate::state::{page_size, AppState};

pub use crate::app::sessions::load_settings;

#[derive(Debug, Clone)]
pub struct SessionApi {
    pub state: AppState,
}

/// A date range `[from, to)` whose end comes before its start selects nothing: that is a
/// mistake in the request (swapped dates), not an empty answer. Shared with the reports.
pub(crate) fn check_range(v: &mut Violations, from: Option<Date>, to: Option<Date>) {
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            v.add("to", format!("{t} is before from ({f}): swap them?"));
        }
    }
}

/// The optional `from`/`to` dates of a list or report (empty: unbounded), parsed and checked
/// in order; problems go to `v` under `from` and `to`.
pub(crate) fn date_range(v: &mut Violations, from: &str, to: &str) -> (Option<Date>, Option<Date>) {
    let from = (!from.is_empty())
        .then(|| parse_date(v, "from", from))
        .flatten();
    let to = (!to.is_empty()).then(|| parse_date(v, "to", to)).flatten();
    check_range(v, from, to);
    (from, to)
}

impl SessionApi {
    /// Update, cancel and record: one session changed under the write lock.
    async fn modify<Req: Message + Send + 'static>(
        &self,
        caller: &Caller,
        method: &'static str,
        (muni, session_id, etag, request_id): (String, String, String, String),
        req: Req,
        change: SessionChange,
    ) -> Result<pb::Session, ApiError> {
        check_id("session_id", &session_id)?;
        let bytes = req.encode_to_vec();
        let scope = muni.clone();
        let gate = caller.clone();
        self.state
            .write(
                caller,
                &scope,
                method,
                &request_id,
                bytes,
                move |s, b, now| {
                    let x = app::modify(s, b, &gate, &muni, &session_id, &etag, change, now)?;
                    Ok(session_to_pb(&x))
                },
            )
            .await
    }
}

#[tonic::async_trait]
impl SessionService for SessionApi {
    async fn create_session(
        &self,
        req: Request<pb::CreateSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let muni = r.municipality_id.clone();
        let input = session_input_from_pb(&muni, required("session", r.session)?)
            .map_err(under("session"))?;
        if !input.id.is_empty() {
            check_id("session.id", &input.id)?;
        }
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "CreateSession",
                &r.request_id,
                bytes,
                move |s, b, now| Ok(session_to_pb(&app::create(s, b, &muni, input, now)?)),
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_session(
        &self,
        req: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("session_id", &r.session_id)?;
        let x = self
            .state
            .read_now(move |s| app::get(s, &caller, &r.municipality_id, &r.session_id))
            .await?;
        Ok(Response::new(session_to_pb(&x)))
    }

    async fn update_session(
        &self,
        req: Request<pb::UpdateSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let muni = r.municipality_id.clone();
        let given = required("session", r.session.clone())?;
        let given = match crate::mask::partial(r.update_mask.as_ref()) {
            Some(mk) => {
                check_id("session.id", &given.id)?;
                let (m, id, who) = (muni.clone(), given.id.clone(), caller.clone());
                let stored = self
                    .state
                    .read_now(move |s| app::get(s, &who, &m, &id))
                    .await?;
                crate::mask::merge(
                    session_to_pb(&stored),
                    given,
                    mk,
                    crate::mask::SESSION,
                    |o, g| {
                        o.id = g.id.clone();
                        o.municipality_id = g.municipality_id.clone();
                        // The merge was read outside the write: without an etag of the
                        // caller's, the write is held to the version read, so a change
                        // made in between is never overwritten with the values read.
                        if !g.etag.is_empty() {
                            o.etag = g.etag.clone();
                        }
                    },
                )?
            }
            None => given,
        };
        let input = session_input_from_pb(&muni, given).map_err(under("session"))?;
        check_id("session.id", &input.id)?;
        let ids = (
            muni,
            input.id.clone(),
            input.etag.clone(),
            r.request_id.clone(),
        );
        let out = self
            .modify(
                &caller,
                "UpdateSession",
                ids,
                r,
                SessionChange::Update(input),
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn cancel_session(
        &self,
        req: Request<pb::CancelSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let mut v = Violations::new();
        let reason = required_reason(
            &mut v,
            "reason",
            &r.reason,
            "must say why the session is cancelled",
        );
        v.into_result().map_err(ApiError::Invalid)?;
        let ids = (
            r.municipality_id.clone(),
            r.session_id.clone(),
            r.etag.clone(),
            r.request_id.clone(),
        );
        let out = self
            .modify(
                &caller,
                "CancelSession",
                ids,
                r,
                SessionChange::Cancel(reason),
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn record_session(
        &self,
        req: Request<pb::RecordSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let outcome = session_status_from_pb(r.outcome)
            .filter(|o| matches!(o, SessionStatus::Held | SessionStatus::Missed))
            .ok_or_else(|| ApiError::invalid("outcome", "must be HELD or MISSED"))?;
        let mut v = Violations::new();
        let feedback = r.feedback.clone().map(|f| feedback_from_pb(&mut v, f));
        let mut reason = r.reason.trim().to_string();
        if outcome == SessionStatus::Missed {
            reason = required_reason(
                &mut v,
                "reason",
                &r.reason,
                "must say why the session did not take place",
            );
            if !r.attended.is_empty() {
                v.add("attended", "a missed session has no attendance");
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let ids = (
            r.municipality_id.clone(),
            r.session_id.clone(),
            r.etag.clone(),
            r.request_id.clone(),
        );
        let change = SessionChange::Record {
            outcome,
            attended: r.attended.clone(),
            reason,
            feedback,
        };
        let out = self
            .modify(&caller, "RecordSession", ids, r, change)
            .await?;
        Ok(Response::new(out))
    }

    async fn list_sessions(
        &self,
        req: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let mut v = Violations::new();
        let (from, to) = date_range(&mut v, &r.from, &r.to);
        let status = match r.status {
            0 => None,
            x => {
                let st = session_status_from_pb(x);
                if st.is_none() {
                    v.add("status", "unknown status");
                }
                st
            }
        };
        let q = SessionQuery {
            from,
            to,
            status,
            mentorship_id: r.mentorship_id,
            mentor_id: r.mentor_id,
            mentee_id: r.mentee_id,
            participant_id: r.participant_id,
            school_id: r.school_id,
        };
        q.check(&mut v);
        v.into_result().map_err(ApiError::Invalid)?;
        let (items, next) = self
            .state
            .read_now(move |s| app::list(s, &r.municipality_id, &q, size, &r.page_token))
            .await?;
        Ok(Response::new(pb::ListSessionsResponse {
            sessions: items.iter().map(session_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn get_schedule_settings(
        &self,
        req: Request<pb::GetScheduleSettingsRequest>,
    ) -> Result<Response<pb::ScheduleSettings>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let (st, stored) = self
            .state
            .read_now(move |s| app::settings(s, &r.municipality_id, now))
            .await?;
        Ok(Response::new(settings_to_pb(&st, stored)))
    }

    async fn update_schedule_settings(
        &self,
        req: Request<pb::UpdateScheduleSettingsRequest>,
    ) -> Result<Response<pb::ScheduleSettings>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let given = required("settings", r.settings)?;
        let muni = given.municipality_id.clone();
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "UpdateScheduleSettings",
                &r.request_id,
                bytes,
                move |s, b, now| {
                    let (current, stored) = app::settings_to_update(s, &muni, &given.etag, now)?;
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => crate::mask::merge(
                            settings_to_pb(&current, stored),
                            given,
                            mk,
                            crate::mask::SCHEDULE_SETTINGS,
                            |o, g| {
                                o.municipality_id = g.municipality_id.clone();
                                o.etag = g.etag.clone();
                            },
                        )?,
                        None => given,
                    };
                    let next = settings_from_pb(&current, given).map_err(under("settings"))?;
                    let saved = app::save_settings(b, next, &current, stored, now)?;
                    Ok(settings_to_pb(&saved, true))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn propose_schedule(
        &self,
        req: Request<pb::ProposeScheduleRequest>,
    ) -> Result<Response<pb::ScheduleProposal>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let mut v = Violations::new();
        let from = (!r.from.is_empty())
            .then(|| parse_date(&mut v, "from", &r.from))
            .flatten();
        let weeks = app::weeks(&mut v, r.weeks);
        let overrides = frequencies_from_pb(&mut v, "frequencies", &r.frequencies);
        if !r.school_id.is_empty() {
            peerlift_domain::ids::check_id(&mut v, "school_id", &r.school_id);
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let muni = r.municipality_id.clone();
        // A retry is answered from its record before the scheduler runs again.
        if let Some(done) = self
            .state
            .replay::<pb::ScheduleProposal>(&muni, "ProposeSchedule", &r.request_id, &bytes)
            .await?
        {
            return Ok(Response::new(done));
        }
        let ask = ScheduleAsk {
            from,
            weeks,
            overrides,
            mentorship_ids: r.mentorship_ids,
            school_id: r.school_id,
        };
        let now = (self.state.clock)();
        let at = muni.clone();
        let proposal = self
            .state
            .read(move |s| app::propose(s, &at, &ask, now))
            .await?;
        let caller_lang = caller.lang;
        let out = self
            .state
            .write(
                &caller,
                &muni,
                "ProposeSchedule",
                &r.request_id,
                bytes,
                move |s, b, _| {
                    // The municipality may have been removed meanwhile.
                    crate::state::municipality(s, &proposal.municipality_id)?;
                    b.put(&proposal)?;
                    Ok(proposal_to_pb(&proposal, caller_lang))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_schedule_proposal(
        &self,
        req: Request<pb::GetScheduleProposalRequest>,
    ) -> Result<Response<pb::ScheduleProposal>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("proposal_id", &r.proposal_id)?;
        let p = self
            .state
            .read_now(move |s| app::get_proposal(s, &r.municipality_id, &r.proposal_id))
            .await?;
        Ok(Response::new(proposal_to_pb(&p, caller.lang)))
    }

    async fn accept_schedule(
        &self,
        req: Request<pb::AcceptScheduleRequest>,
    ) -> Result<Response<pb::AcceptScheduleResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("proposal_id", &r.proposal_id)?;
        let bytes = r.encode_to_vec();
        let muni = r.municipality_id.clone();
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "AcceptSchedule",
                &r.request_id,
                bytes,
                move |s, b, now| {
                    let (created, already) =
                        app::accept(s, b, &muni, &r.proposal_id, &r.items, now)?;
                    Ok(pb::AcceptScheduleResponse {
                        created: created.iter().map(session_to_pb).collect(),
                        already_accepted: already,
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
