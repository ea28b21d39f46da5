//! The nightly rematch: its policy, running it now, its history.

use clap::Args;

use super::matching::KindArg;
use super::{done, CliResult, Remote, Scope};
use crate::rematch_cli;

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    #[arg(long)]
    disable: bool,
    /// Cron expression in the municipality's time zone, e.g. "0 2 * * *".
    #[arg(long)]
    schedule: Option<String>,
    /// Kinds to run, e.g. pairs,schools.
    #[arg(long, value_enum, value_delimiter = ',')]
    kinds: Vec<KindArg>,
    /// The continuity weight (points for keeping an existing pair).
    #[arg(long)]
    continuity: Option<i64>,
    /// The most mentorships a run may end for a gain: a count (3) or a share (5%).
    #[arg(long)]
    churn_budget: Option<String>,
    /// Apply each night's result.
    #[arg(long, conflicts_with = "proposal_only")]
    auto_approve: bool,
    /// Leave each night's result as a proposal for the office.
    #[arg(long)]
    proposal_only: bool,
}

/// Shows the policy, or changes the parts given (a pair of opposite flags: neither leaves it).
pub async fn policy(a: PolicyArgs) -> CliResult {
    let either = |yes: bool, no: bool| match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let change = rematch_cli::PolicyChange {
        enabled: either(a.enable, a.disable),
        schedule: a.schedule,
        kinds: a.kinds.into_iter().map(|k| k.pb() as i32).collect(),
        continuity: a.continuity,
        churn_budget: a.churn_budget,
        auto_approve: either(a.auto_approve, a.proposal_only),
    };
    let ch = a.remote.connect().await?;
    rematch_cli::policy(ch, a.scope.municipality, change).await?;
    done()
}

#[derive(Debug, Args)]
pub struct RematchArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    #[arg(long)]
    now: bool,
}

pub async fn rematch(a: RematchArgs) -> CliResult {
    let ch = a.remote.connect().await?;
    rematch_cli::rematch(ch, a.scope.municipality, a.now).await?;
    done()
}
