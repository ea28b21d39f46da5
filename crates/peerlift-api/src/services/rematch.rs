//! The nightly rematch's policy, manual trigger and history.

use peerlift_domain::{
    ChurnBudget, KindOutcome, MatchKind, Meta, RematchPolicy, RematchRecord, RematchStatus,
    Trigger, Violations,
};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{required, under};
use crate::app::nightly;
use crate::auth::Admit;
use crate::convert::{enum_to_pb, ts};
use crate::convert_match::{
    kind_from_pb, kind_to_pb, policy_from_pb, policy_to_pb, weights_from_pb, weights_to_pb,
};
use crate::error::ApiError;
use crate::pb;
use crate::pb::rematch_service_server::RematchService;
use crate::state::{check_etag, AppState};

#[derive(Debug, Clone)]
pub struct RematchApi {
    pub state: AppState,
}

const STATUSES: [RematchStatus; 3] = [
    RematchStatus::Running,
    RematchStatus::Succeeded,
    RematchStatus::Failed,
];
const TRIGGERS: [Trigger; 4] = [
    Trigger::Scheduled,
    Trigger::CatchUp,
    Trigger::Manual,
    Trigger::Retry,
];

fn policy_to_pb_msg(p: &RematchPolicy, stored: bool, next_run: String) -> pb::RematchPolicy {
    pb::RematchPolicy {
        municipality_id: p.municipality_id.clone(),
        enabled: p.enabled,
        schedule: p.schedule.clone(),
        kinds: p.kinds.iter().map(|k| kind_to_pb(*k)).collect(),
        churn_budget: Some(match p.churn_budget {
            ChurnBudget::Count(n) => pb::rematch_policy::ChurnBudget::ChurnBudgetCount(n),
            ChurnBudget::SharePct(n) => pb::rematch_policy::ChurnBudget::ChurnBudgetPct(n),
        }),
        auto_approve: p.auto_approve,
        weights: Some(weights_to_pb(&p.weights)),
        policy: Some(policy_to_pb(&p.policy)),
        max_minutes: p.max_minutes,
        next_run,
        etag: if stored { p.meta.etag() } else { String::new() },
        update_time: stored.then(|| ts(p.meta.update_time)),
    }
}

fn policy_from_pb_msg(
    base: &RematchPolicy,
    p: pb::RematchPolicy,
) -> Result<RematchPolicy, Violations> {
    let mut v = Violations::new();
    let mut kinds = Vec::new();
    for (i, k) in p.kinds.iter().enumerate() {
        match kind_from_pb(*k) {
            Some(k) => kinds.push(k),
            None => v.add(format!("kinds[{i}]"), "not a known kind"),
        }
    }
    if kinds.is_empty() && v.is_empty() {
        kinds.push(MatchKind::TeacherPairs);
    }
    let churn_budget = match p.churn_budget {
        None => ChurnBudget::Count(0),
        Some(pb::rematch_policy::ChurnBudget::ChurnBudgetCount(n)) => ChurnBudget::Count(n),
        Some(pb::rematch_policy::ChurnBudget::ChurnBudgetPct(n)) => ChurnBudget::SharePct(n),
    };
    let weights = weights_from_pb(p.weights).unwrap_or_else(|e| {
        v.0.extend(e.0);
        Default::default()
    });
    let policy = policy_from_pb(p.policy).unwrap_or_else(|e| {
        v.0.extend(e.0);
        Default::default()
    });
    v.into_result()?;
    let out = RematchPolicy {
        municipality_id: base.municipality_id.clone(),
        enabled: p.enabled,
        schedule: if p.schedule.trim().is_empty() {
            "0 2 * * *".into()
        } else {
            p.schedule.trim().to_string()
        },
        kinds,
        churn_budget,
        auto_approve: p.auto_approve,
        weights,
        policy,
        max_minutes: if p.max_minutes == 0 {
            30
        } else {
            p.max_minutes
        },
        meta: base.meta.clone(),
    };
    out.validate()?;
    Ok(out)
}

fn outcome_to_pb(o: &KindOutcome) -> pb::RematchOutcome {
    pb::RematchOutcome {
        kind: kind_to_pb(o.kind),
        run_id: o.run_id.clone(),
        applied: o.applied,
        demands: o.demands,
        arcs: o.arcs,
        objective: o.objective,
        fresh_objective: o.fresh_objective,
        forced_ends: o.forced_ends,
        gain_ends: o.gain_ends,
        budget: o.budget,
        fresh_ends: o.fresh_ends,
        added: o.added,
        covered_before: o.covered_before,
        covered_after: o.covered_after,
        demands_total: o.demands_total,
    }
}

pub fn record_to_pb(r: &RematchRecord) -> pb::RematchRecord {
    pb::RematchRecord {
        municipality_id: r.municipality_id.clone(),
        slot: r.slot.clone(),
        status: enum_to_pb(&STATUSES, &r.status),
        attempts: r
            .attempts
            .iter()
            .map(|a| pb::RematchAttempt {
                trigger: enum_to_pb(&TRIGGERS, &a.trigger),
                started: Some(ts(a.started)),
                finished: a.finished.map(ts),
                status: enum_to_pb(&STATUSES, &a.status),
                error: a.error.clone(),
            })
            .collect(),
        outcomes: r.outcomes.iter().map(outcome_to_pb).collect(),
        duration_ms: r.duration_ms,
    }
}

/// The next slot of an enabled policy, municipality time.
fn next_run(p: &RematchPolicy, tz: &jiff::tz::TimeZone, now: jiff::Timestamp) -> String {
    if !p.enabled {
        return String::new();
    }
    let tz = tz.clone();
    p.cron()
        .ok()
        .and_then(|c| c.next_after(now.to_zoned(tz).datetime()))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

#[tonic::async_trait]
impl RematchService for RematchApi {
    async fn get_rematch_policy(
        &self,
        req: Request<pb::GetRematchPolicyRequest>,
    ) -> Result<Response<pb::RematchPolicy>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let out = self
            .state
            .read(move |s| {
                let tz = nightly::scope_zone(s, &r.municipality_id)?;
                let (p, stored) = nightly::load_policy(s, &r.municipality_id, now)?;
                Ok(policy_to_pb_msg(&p, stored, next_run(&p, &tz, now)))
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn update_rematch_policy(
        &self,
        req: Request<pb::UpdateRematchPolicyRequest>,
    ) -> Result<Response<pb::RematchPolicy>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let given = required("policy", r.policy)?;
        let muni = given.municipality_id.clone();
        let rid = r.request_id.clone();
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "UpdateRematchPolicy",
                &rid,
                bytes,
                move |s, b, now| {
                    let tz = nightly::scope_zone(s, &muni)?;
                    let (current, stored) = nightly::load_policy(s, &muni, now)?;
                    if stored {
                        check_etag("rematch policy", &muni, &given.etag, &current.meta)?;
                    }
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => crate::mask::merge(
                            policy_to_pb_msg(&current, stored, String::new()),
                            given,
                            mk,
                            crate::mask::REMATCH_POLICY,
                            |o, g| {
                                o.municipality_id = g.municipality_id.clone();
                                o.etag = g.etag.clone();
                            },
                        )?,
                        None => given,
                    };
                    let mut next = policy_from_pb_msg(&current, given).map_err(under("policy"))?;
                    next.meta = if stored {
                        current.meta.next(now)
                    } else {
                        Meta::new(now)
                    };
                    b.put(&next)?;
                    Ok(policy_to_pb_msg(&next, true, next_run(&next, &tz, now)))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn trigger_rematch(
        &self,
        req: Request<pb::TriggerRematchRequest>,
    ) -> Result<Response<pb::RematchRecord>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let muni = r.municipality_id.clone();
        let slot = self
            .state
            .read(move |s| {
                let tz = nightly::scope_zone(s, &muni)?;
                // Each trigger is its own slot (a trigger after new data runs again); a
                // trigger while one runs is refused by the single flight.
                Ok(format!(
                    "{}.{}",
                    nightly::manual_slot(&tz, now),
                    s.generate_id()?
                ))
            })
            .await?;
        let rec = nightly::run_slot(
            &self.state,
            &caller,
            &r.municipality_id,
            &slot,
            Trigger::Manual,
        )
        .await?;
        Ok(Response::new(record_to_pb(&rec)))
    }

    async fn list_rematch_records(
        &self,
        req: Request<pb::ListRematchRecordsRequest>,
    ) -> Result<Response<pb::ListRematchRecordsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let limit = match r.limit {
            0 => 50,
            1..=1000 => r.limit as usize,
            _ => {
                return Err(
                    ApiError::invalid("limit", "must be between 0 (default 50) and 1000").into(),
                )
            }
        };
        let out = self
            .state
            .read(move |s| {
                crate::app::runs::scope_municipalities(s, &r.municipality_id)?;
                let all = nightly::history(s, &r.municipality_id)?;
                Ok(all.iter().take(limit).map(record_to_pb).collect())
            })
            .await?;
        Ok(Response::new(pb::ListRematchRecordsResponse {
            records: out,
        }))
    }
}
