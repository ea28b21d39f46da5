//! CLI commands for the nightly rematch: `peerlift policy`, `peerlift rematch`.

use crate::client::Conn;
use peerlift_api::pb;
use peerlift_api::pb::rematch_service_client::RematchServiceClient;

use crate::client::{enum_code, ClientError};
use crate::table::Table;

/// The parts of a policy `peerlift policy` changes (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub enabled: Option<bool>,
    pub schedule: Option<String>,
    pub kinds: Vec<i32>,
    pub continuity: Option<i64>,
    /// "3" or "5%".
    pub churn_budget: Option<String>,
    pub auto_approve: Option<bool>,
}

fn kind_name(k: i32) -> String {
    enum_code(
        pb::MatchKind::try_from(k).ok().map(|x| x.as_str_name()),
        "MATCH_KIND_",
    )
}

pub async fn policy(
    channel: Conn,
    municipality: String,
    change: PolicyChange,
) -> Result<(), ClientError> {
    let mut c = RematchServiceClient::new(channel);
    let mut p = c
        .get_rematch_policy(pb::GetRematchPolicyRequest {
            municipality_id: municipality.clone(),
        })
        .await?
        .into_inner();
    let changing = change.enabled.is_some()
        || change.schedule.is_some()
        || !change.kinds.is_empty()
        || change.continuity.is_some()
        || change.churn_budget.is_some()
        || change.auto_approve.is_some();
    if changing {
        if let Some(v) = change.enabled {
            p.enabled = v;
        }
        if let Some(v) = change.schedule {
            p.schedule = v;
        }
        if !change.kinds.is_empty() {
            p.kinds = change.kinds;
        }
        if let Some(v) = change.continuity {
            let mut w = p.weights.unwrap_or_default();
            w.continuity = Some(v);
            p.weights = Some(w);
        }
        if let Some(b) = change.churn_budget {
            let b = b.trim();
            let bad = || {
                ClientError::Usage(crate::i18n::tr(
                    "usage-churn-budget",
                    &[("value", crate::i18n::s(b))],
                ))
            };
            p.churn_budget = Some(match b.strip_suffix('%') {
                Some(pct) => pb::rematch_policy::ChurnBudget::ChurnBudgetPct(
                    pct.trim().parse().map_err(|_| bad())?,
                ),
                None => {
                    pb::rematch_policy::ChurnBudget::ChurnBudgetCount(b.parse().map_err(|_| bad())?)
                }
            });
        }
        if let Some(v) = change.auto_approve {
            p.auto_approve = v;
        }
        p = c
            .update_rematch_policy(pb::UpdateRematchPolicyRequest {
                policy: Some(p),
                request_id: String::new(),
                update_mask: None,
            })
            .await?
            .into_inner();
    }
    if crate::output::json() {
        crate::output::print(&p, "peerlift.v1.RematchPolicy");
        return Ok(());
    }
    use crate::i18n::{n, s, t, tr};
    let line = |id: &str, value: String| println!("{}", tr(id, &[("value", s(value))]));
    line("policy-enabled", t(if p.enabled { "yes" } else { "no" }));
    line("policy-schedule", p.schedule.clone());
    line(
        "policy-next-run",
        if p.next_run.is_empty() {
            "-".into()
        } else {
            p.next_run.clone()
        },
    );
    line(
        "policy-kinds",
        p.kinds
            .iter()
            .map(|k| kind_name(*k))
            .collect::<Vec<_>>()
            .join(", "),
    );
    line(
        "policy-continuity",
        p.weights
            .and_then(|w| w.continuity)
            .unwrap_or_default()
            .to_string(),
    );
    line(
        "policy-churn",
        match p.churn_budget {
            Some(pb::rematch_policy::ChurnBudget::ChurnBudgetCount(c)) => {
                tr("churn-count", &[("count", n(c))])
            }
            Some(pb::rematch_policy::ChurnBudget::ChurnBudgetPct(c)) => {
                tr("churn-pct", &[("pct", n(c))])
            }
            None => "-".into(),
        },
    );
    line(
        "policy-result",
        t(if p.auto_approve {
            "policy-applied"
        } else {
            "policy-proposal"
        }),
    );
    if p.etag.is_empty() {
        println!("{}", t("settings-defaults"));
    }
    Ok(())
}

fn outcome_rows(t: &mut Table, slot: &str, r: &pb::RematchRecord) {
    let status = enum_code(
        pb::RematchStatus::try_from(r.status)
            .ok()
            .map(|s| s.as_str_name()),
        "REMATCH_STATUS_",
    );
    let trigger = r
        .attempts
        .last()
        .map(|a| {
            enum_code(
                pb::RematchTrigger::try_from(a.trigger)
                    .ok()
                    .map(|s| s.as_str_name()),
                "REMATCH_TRIGGER_",
            )
        })
        .unwrap_or_default();
    let error = r
        .attempts
        .last()
        .map(|a| a.error.clone())
        .unwrap_or_default();
    if r.outcomes.is_empty() {
        t.row(vec![
            slot.into(),
            status,
            trigger,
            r.attempts.len().to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            error,
        ]);
        return;
    }
    for o in &r.outcomes {
        t.row(vec![
            slot.into(),
            status.clone(),
            trigger.clone(),
            r.attempts.len().to_string(),
            kind_name(o.kind),
            format!(
                "{}{}",
                o.run_id,
                if o.applied {
                    " (applied)"
                } else {
                    " (proposed)"
                }
            ),
            format!("{} / fresh {}", o.objective, o.fresh_objective),
            format!(
                "{}+{} of {} / fresh {}",
                o.forced_ends, o.gain_ends, o.budget, o.fresh_ends
            ),
            format!(
                "{} -> {} of {}",
                o.covered_before, o.covered_after, o.demands_total
            ),
            format!("{} ms", r.duration_ms),
        ]);
    }
}

pub async fn rematch(channel: Conn, municipality: String, now: bool) -> Result<(), ClientError> {
    let mut c = RematchServiceClient::new(channel);
    let header = [
        "slot",
        "status",
        "trigger",
        "attempts",
        "kind",
        "run",
        "objective",
        "ends forced+gain of budget",
        "covered",
        "",
    ];
    let mut t = Table::new(&header);
    if now {
        let r = c
            .trigger_rematch(pb::TriggerRematchRequest {
                municipality_id: municipality,
            })
            .await?
            .into_inner();
        if crate::output::json() {
            crate::output::print(&r, "peerlift.v1.RematchRecord");
            return Ok(());
        }
        outcome_rows(&mut t, &r.slot, &r);
    } else {
        let list = c
            .list_rematch_records(pb::ListRematchRecordsRequest {
                municipality_id: municipality,
                limit: 0,
            })
            .await?
            .into_inner();
        if crate::output::json() {
            crate::output::print(&list, "peerlift.v1.ListRematchRecordsResponse");
            return Ok(());
        }
        for r in &list.records {
            outcome_rows(&mut t, &r.slot, r);
        }
    }
    print!("{}", t.render());
    Ok(())
}
