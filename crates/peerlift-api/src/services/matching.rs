//! The matching service: converts requests to the run use cases of [`crate::app::runs`] and
//! their answers back; the matcher runs off the async threads, approval applies its whole diff
//! in one transaction.

use peerlift_text::{say, Lang};
use prost::Message;
use tonic::{Request, Response, Status};

use super::check_id;
use crate::app::runs::{
    self, inline_tokens, scope_of, ChangeKind, ProblemOf, RunFilter, RunTokens, INLINE,
};
use crate::auth::Admit;
use crate::convert_match::{
    mentorship_to_pb, optional_kind, policy_from_pb, required_kind, run_pair_to_pb,
    run_status_from_pb, run_to_pb, unmatched_to_pb, weights_from_pb,
};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::matching_service_server::MatchingService;
use crate::state::{page_size, AppState};

use crate::app::runs::compute_run;

#[derive(Debug, Clone)]
pub struct MatchingApi {
    pub state: AppState,
}

/// The level filter of a list request (0: any).
fn level_filter(v: i32) -> ApiResult<Option<peerlift_domain::Level>> {
    match v {
        0 => Ok(None),
        x => crate::convert::enum_from_pb(peerlift_domain::Level::ALL, x)
            .map(Some)
            .ok_or_else(|| ApiError::invalid("level", "unknown level")),
    }
}

/// Writes JSON text into 1 MiB chunks of a server stream; a client that went away stops it.
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<Result<pb::ExportMatchProblemChunk, Status>>,
    buf: Vec<u8>,
    /// A token revoked during the export gets nothing more.
    revoked: std::sync::Arc<crate::caller::Revoked>,
    caller: crate::caller::Caller,
}

const CHUNK: usize = 1 << 20;

impl std::io::Write for ChunkWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        while !self.buf.is_empty() {
            self.revoked
                .check(&self.caller)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let rest = if self.buf.len() > CHUNK {
                self.buf.split_off(CHUNK)
            } else {
                Vec::new()
            };
            let data = std::mem::replace(&mut self.buf, rest);
            self.tx
                .blocking_send(Ok(pb::ExportMatchProblemChunk { data }))
                .map_err(|_| std::io::Error::other("the client stopped reading"))?;
        }
        Ok(())
    }
}

/// The filter of a list request over a run.
fn filter(
    municipality: String,
    school: String,
    subject: String,
    level: i32,
) -> ApiResult<RunFilter> {
    Ok(RunFilter {
        municipality,
        school,
        subject,
        level: level_filter(level)?,
        change: None,
    })
}

fn change_from_pb(v: i32) -> ApiResult<Option<ChangeKind>> {
    use pb::run_change::Change;
    match Change::try_from(v) {
        Ok(Change::Unspecified) => Ok(None),
        Ok(Change::Kept) => Ok(Some(ChangeKind::Kept)),
        Ok(Change::Added) => Ok(Some(ChangeKind::Added)),
        Ok(Change::Ended) => Ok(Some(ChangeKind::Ended)),
        Err(_) => Err(ApiError::invalid("change", "unknown change")),
    }
}

fn change_to_pb(c: runs::Change, lang: Lang) -> pb::RunChange {
    use pb::run_change::Change;
    pb::RunChange {
        change: match c.kind {
            ChangeKind::Kept => Change::Kept,
            ChangeKind::Added => Change::Added,
            ChangeKind::Ended => Change::Ended,
        } as i32,
        municipality_id: c.municipality_id,
        mentorship_id: c.mentorship_id,
        mentee_id: c.mentee_id,
        subject: c.subject,
        mentor_id: c.mentor_id,
        reason: say(lang, &c.reason),
        pair_index: c.pair_index,
    }
}

#[tonic::async_trait]
impl MatchingService for MatchingApi {
    type ExportMatchProblemStream =
        tokio_stream::wrappers::ReceiverStream<Result<pb::ExportMatchProblemChunk, Status>>;

    async fn list_match_run_pairs(
        &self,
        req: Request<pb::ListMatchRunPairsRequest>,
    ) -> Result<Response<pb::ListMatchRunPairsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let f = filter(r.mentee_municipality_id, r.school_id, r.subject, r.level)?;
        let out = self
            .state
            .read(move |s| {
                let run = runs::stored_run(s, &r.municipality_id, &r.run_id)?;
                let page = runs::pairs_page(&run, &f, r.page_size, &r.page_token)?;
                Ok(pb::ListMatchRunPairsResponse {
                    pairs: page
                        .items
                        .into_iter()
                        .map(|(i, added)| run_pair_to_pb(&run.pairs[i], i, added, caller.lang))
                        .collect(),
                    next_page_token: page.next,
                    total_size: page.total,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_match_run_unmatched(
        &self,
        req: Request<pb::ListMatchRunUnmatchedRequest>,
    ) -> Result<Response<pb::ListMatchRunUnmatchedResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let f = filter(r.mentee_municipality_id, r.school_id, r.subject, r.level)?;
        let out = self
            .state
            .read(move |s| {
                let run = runs::stored_run(s, &r.municipality_id, &r.run_id)?;
                let page = runs::unmatched_page(&run, &f, r.page_size, &r.page_token)?;
                Ok(pb::ListMatchRunUnmatchedResponse {
                    unmatched: page
                        .items
                        .into_iter()
                        .map(|i| unmatched_to_pb(&run.unmatched[i], caller.lang))
                        .collect(),
                    next_page_token: page.next,
                    total_size: page.total,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_match_run_changes(
        &self,
        req: Request<pb::ListMatchRunChangesRequest>,
    ) -> Result<Response<pb::ListMatchRunChangesResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        let f = RunFilter {
            change: change_from_pb(r.change)?,
            ..filter(r.mentee_municipality_id, String::new(), r.subject, 0)?
        };
        let out = self
            .state
            .read(move |s| {
                let run = runs::stored_run(s, &r.municipality_id, &r.run_id)?;
                let page = runs::changes_page(&run, &f, r.page_size, &r.page_token)?;
                Ok(pb::ListMatchRunChangesResponse {
                    changes: page
                        .items
                        .into_iter()
                        .map(|c| change_to_pb(c, lang))
                        .collect(),
                    next_page_token: page.next,
                    total_size: page.total,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn export_match_problem(
        &self,
        req: Request<pb::ExportMatchProblemRequest>,
    ) -> Result<Response<Self::ExportMatchProblemStream>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let of = if r.run_id.is_empty() {
            ProblemOf::Settings {
                scope: scope_of(&r.municipality_id, &r.region)?,
                kind: required_kind("kind", r.kind)?,
                weights: weights_from_pb(r.weights).map_err(ApiError::Invalid)?,
                policy: Box::new(policy_from_pb(r.policy).map_err(ApiError::Invalid)?),
            }
        } else {
            check_id("run_id", &r.run_id)?;
            ProblemOf::Run {
                scope: r.municipality_id.clone(),
                run_id: r.run_id.clone(),
            }
        };
        let problem = self
            .state
            .read(move |s| runs::rebuild_problem(s, of, now))
            .await?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let revoked = self.state.revoked.clone();
        tokio::task::spawn_blocking(move || {
            let mut w = ChunkWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK + 4096),
                revoked,
                caller,
            };
            let written = problem
                .write_json(&mut w)
                .and_then(|()| std::io::Write::flush(&mut w));
            if let Err(e) = written {
                tracing::debug!(error = %e, "problem export stopped");
                let _ = tx.blocking_send(Err(Status::aborted(format!("the export stopped: {e}"))));
            }
        });
        Ok(Response::new(tokio_stream::wrappers::ReceiverStream::new(
            rx,
        )))
    }

    async fn run_matching(
        &self,
        req: Request<pb::RunMatchingRequest>,
    ) -> Result<Response<pb::RunMatchingResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        let kind = required_kind("kind", r.kind)?;
        // A region's run: every municipality of the region in one snapshot; pairs across
        // municipalities are online only (the matcher's rule).
        let scope = scope_of(&r.municipality_id, &r.region)?;
        let weights = weights_from_pb(r.weights).map_err(ApiError::Invalid)?;
        let policy = policy_from_pb(r.policy.clone()).map_err(ApiError::Invalid)?;
        if !r.dry_run {
            let bytes = r.encode_to_vec();
            if let Some(done) = self
                .state
                .replay::<pb::RunMatchingResponse>(&scope, "RunMatching", &r.request_id, &bytes)
                .await?
            {
                return Ok(Response::new(done));
            }
        }
        let muni = scope.clone();
        let now = (self.state.clock)();
        let include = r.include_problem;
        let (mut run, problem) = self
            .state
            .read(move |s| compute_run(s, &muni, kind, weights, policy, now, include))
            .await?;
        let problem_json = match &problem {
            Some(p) => runs::inline_problem(p)?,
            None => String::new(),
        };
        drop(problem);
        if r.dry_run {
            // A dry run is not stored: its inline lists cannot be paged further.
            return Ok(Response::new(pb::RunMatchingResponse {
                run: Some(run_to_pb(&run, true, true, &RunTokens::default(), lang)),
                problem_json,
            }));
        }
        let bytes = r.encode_to_vec();
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RunMatching",
                &r.request_id,
                bytes,
                move |s, b, _| {
                    runs::store_run(s, b, &mut run)?;
                    Ok(pb::RunMatchingResponse {
                        run: Some(run_to_pb(&run, true, false, &inline_tokens(&run), lang)),
                        problem_json,
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_match_run(
        &self,
        req: Request<pb::GetMatchRunRequest>,
    ) -> Result<Response<pb::MatchRun>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let run = self
            .state
            .read(move |s| runs::stored_run(s, &r.municipality_id, &r.run_id))
            .await?;
        Ok(Response::new(run_to_pb(
            &run,
            true,
            false,
            &inline_tokens(&run),
            caller.lang,
        )))
    }

    async fn list_match_runs(
        &self,
        req: Request<pb::ListMatchRunsRequest>,
    ) -> Result<Response<pb::ListMatchRunsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let kind = optional_kind("kind", r.kind)?;
        let status = match r.status {
            0 => None,
            x => Some(
                run_status_from_pb(x)
                    .ok_or_else(|| ApiError::invalid("status", "not a stored run status"))?,
            ),
        };
        let (found, next) = self
            .state
            .read(move |s| {
                runs::list_runs(s, &r.municipality_id, kind, status, size, &r.page_token)
            })
            .await?;
        Ok(Response::new(pb::ListMatchRunsResponse {
            runs: found
                .iter()
                .map(|x| run_to_pb(x, false, false, &RunTokens::default(), caller.lang))
                .collect(),
            next_page_token: next,
        }))
    }

    async fn approve_match_run(
        &self,
        req: Request<pb::ApproveMatchRunRequest>,
    ) -> Result<Response<pb::ApproveMatchRunResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        check_id("run_id", &r.run_id)?;
        runs::check_note(&r.note)?;
        let effective = runs::effective_date(&r.effective_date)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "ApproveMatchRun",
                &rid,
                bytes,
                move |s, b, now| {
                    let (run, created, ended) = runs::approve(
                        s,
                        b,
                        &r.municipality_id,
                        &r.run_id,
                        effective,
                        &r.note,
                        now,
                    )?;
                    Ok(pb::ApproveMatchRunResponse {
                        run: Some(run_to_pb(&run, false, false, &RunTokens::default(), lang)),
                        created: created
                            .iter()
                            .take(INLINE)
                            .map(|m| mentorship_to_pb(m, lang))
                            .collect(),
                        ended: ended
                            .iter()
                            .take(INLINE)
                            .map(|m| mentorship_to_pb(m, lang))
                            .collect(),
                        created_count: created.len() as u64,
                        ended_count: ended.len() as u64,
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn reject_match_run(
        &self,
        req: Request<pb::RejectMatchRunRequest>,
    ) -> Result<Response<pb::MatchRun>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        check_id("run_id", &r.run_id)?;
        runs::check_note(&r.note)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RejectMatchRun",
                &rid,
                bytes,
                move |s, b, now| {
                    let run = runs::reject(s, b, &r.municipality_id, &r.run_id, &r.note, now)?;
                    Ok(run_to_pb(&run, false, false, &RunTokens::default(), lang))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn suggest_peer_partnerships(
        &self,
        req: Request<pb::SuggestPeerPartnershipsRequest>,
    ) -> Result<Response<pb::SuggestPeerPartnershipsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        let per_school = match r.per_school {
            0 => 3,
            n @ 1..=10 => n as usize,
            _ => return Err(ApiError::invalid("per_school", "must be 1 to 10").into()),
        };
        if !r.school_id.is_empty() {
            crate::app::check_id("school_id", &r.school_id)?;
        }
        let out = self
            .state
            .read(move |s| {
                let m = crate::state::municipality(s, &r.municipality_id)?;
                if !r.school_id.is_empty()
                    && !s.contains::<peerlift_domain::School>(&peerlift_store::key(&[
                        &m.id,
                        &r.school_id,
                    ]))?
                {
                    return Err(ApiError::NotFound {
                        kind: "school",
                        id: r.school_id.clone(),
                    });
                }
                let (snap, _) = crate::app::runs::load_snapshot(s, &m.id)?;
                let only = (!r.school_id.is_empty()).then_some(r.school_id.as_str());
                let found = peerlift_match::peers::suggest_peers(
                    &snap,
                    &Default::default(),
                    &Default::default(),
                    only,
                    per_school,
                );
                Ok(pb::SuggestPeerPartnershipsResponse {
                    suggestions: found
                        .iter()
                        .map(|p| crate::convert_match::peer_to_pb(p, lang))
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }
}
