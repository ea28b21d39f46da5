//! The nightly rematch: a municipality's policy and the record of every rematch it ran.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::cron::Cron;
use crate::matching::{MatchKind, Policy, Weights};
use crate::model::Meta;
use crate::validate::Violations;

/// How many active mentorships a rematch may end for a mere gain (ends that are forced, by
/// graduation, a departure, a capacity cut or a veto, do not count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChurnBudget {
    Count(u32),
    /// Percent of the active mentorships of the kind.
    SharePct(u32),
}

impl ChurnBudget {
    /// The budget for `active` mentorships.
    pub fn allowed(self, active: usize) -> u32 {
        match self {
            ChurnBudget::Count(n) => n,
            ChurnBudget::SharePct(p) => ((active as u64 * u64::from(p)) / 100) as u32,
        }
    }
}

/// A municipality's nightly rematch policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RematchPolicy {
    pub municipality_id: String,
    pub enabled: bool,
    /// Cron expression in the municipality's time zone.
    pub schedule: String,
    pub kinds: Vec<MatchKind>,
    pub churn_budget: ChurnBudget,
    /// Apply the result (true) or leave it as a proposal for the office (false).
    pub auto_approve: bool,
    /// Weights of the runs; `continuity` is the continuity weight.
    pub weights: Weights,
    pub policy: Policy,
    /// Longest a rematch may take before it is recorded as failed.
    pub max_minutes: u32,
    pub meta: Meta,
}

impl RematchPolicy {
    /// The policy of a municipality that set none: disabled, 02:00, teacher pairs, no churn
    /// for a mere gain (keep what works, fill what is free: the fast warm start), proposals
    /// only.
    pub fn defaults(municipality_id: &str, now: Timestamp) -> RematchPolicy {
        RematchPolicy {
            municipality_id: municipality_id.to_string(),
            enabled: false,
            schedule: "0 2 * * *".into(),
            kinds: vec![MatchKind::TeacherPairs],
            churn_budget: ChurnBudget::Count(0),
            auto_approve: false,
            weights: Weights::default(),
            policy: Policy::default(),
            max_minutes: 30,
            meta: Meta::new(now),
        }
    }

    pub fn cron(&self) -> Result<Cron, String> {
        Cron::parse(&self.schedule)
    }

    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if self.schedule.len() > 100 || self.schedule.chars().any(char::is_control) {
            v.add(
                "schedule",
                "a cron expression of at most 100 characters, fields separated by spaces",
            );
        } else if let Err(e) = self.cron() {
            v.add("schedule", e);
        }
        if self.kinds.is_empty() {
            v.add("kinds", "at least one kind of run");
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, k) in self.kinds.iter().enumerate() {
            if !seen.insert(*k) {
                v.add(
                    format!("kinds[{i}]"),
                    format!("{} is listed twice", k.code()),
                );
            }
        }
        if let ChurnBudget::SharePct(p) = self.churn_budget {
            if p > 100 {
                v.add("churn_budget", "a share is 0-100 percent");
            }
        }
        if self.weights.continuity < 0 {
            v.add("weights.continuity", "must not be negative");
        }
        if self.max_minutes == 0 || self.max_minutes > 24 * 60 {
            v.add("max_minutes", "must be between 1 and 1440");
        }
        v.into_result()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    /// The slot's time came while the server ran.
    Scheduled,
    /// The slot was missed (the server was down) and ran at start-up.
    CatchUp,
    /// Asked for by hand (`peerlift rematch --now`).
    Manual,
    /// A failed attempt run again.
    Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RematchStatus {
    Running,
    Succeeded,
    Failed,
}

/// One attempt at a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub trigger: Trigger,
    pub started: Timestamp,
    pub finished: Option<Timestamp>,
    pub status: RematchStatus,
    /// Why it failed (empty otherwise).
    pub error: String,
}

/// What one kind's rematch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindOutcome {
    pub kind: MatchKind,
    /// The stored run (proposed, or approved when the policy auto-approves).
    pub run_id: String,
    pub applied: bool,
    pub demands: u64,
    pub arcs: u64,
    /// Objective of the stable run (every pair it keeps or proposes).
    pub objective: i64,
    /// Objective of a fresh run from scratch (no continuity, nothing pinned).
    pub fresh_objective: i64,
    /// Mentorships the stable run ends because it must.
    pub forced_ends: u32,
    /// ... and for a gain (within `budget`).
    pub gain_ends: u32,
    pub budget: u32,
    /// Mentorships a fresh run would end.
    pub fresh_ends: u32,
    pub added: u32,
    /// Covered / demands before (active mentorships) and after the run.
    pub covered_before: u64,
    pub covered_after: u64,
    pub demands_total: u64,
}

/// The record of one scheduled slot (or one manual trigger) of a municipality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RematchRecord {
    pub municipality_id: String,
    /// The slot's wall-clock time, `2026-11-24T02:00`, or `manual-<n>` for a manual run.
    pub slot: String,
    pub status: RematchStatus,
    pub attempts: Vec<Attempt>,
    pub outcomes: Vec<KindOutcome>,
    pub duration_ms: u64,
    pub meta: Meta,
}

impl RematchRecord {
    pub fn last_trigger(&self) -> Option<Trigger> {
        self.attempts.last().map(|a| a.trigger)
    }

    /// The record of a slot before its first attempt.
    pub fn new(municipality_id: &str, slot: &str, now: Timestamp) -> RematchRecord {
        RematchRecord {
            municipality_id: municipality_id.to_string(),
            slot: slot.to_string(),
            status: RematchStatus::Running,
            attempts: vec![],
            outcomes: vec![],
            duration_ms: 0,
            meta: Meta::new(now),
        }
    }

    /// Opens an attempt: the slot is Running from now. Refused while an attempt runs; a
    /// succeeded slot is not run again (the caller returns it as it is).
    pub fn open_attempt(&mut self, trigger: Trigger, now: Timestamp) -> Result<(), String> {
        if !self.attempts.is_empty() && self.status == RematchStatus::Running {
            return Err(format!(
                "slot {} of {} is already running",
                self.slot, self.municipality_id
            ));
        }
        if self.status == RematchStatus::Succeeded && !self.attempts.is_empty() {
            return Err(format!(
                "slot {} of {} has succeeded already",
                self.slot, self.municipality_id
            ));
        }
        self.status = RematchStatus::Running;
        self.attempts.push(Attempt {
            trigger,
            started: now,
            finished: None,
            status: RematchStatus::Running,
            error: String::new(),
        });
        self.meta = if self.attempts.len() == 1 {
            Meta::new(now)
        } else {
            self.meta.next(now)
        };
        Ok(())
    }

    /// Ends the running attempt with `status` (and for a failure, why).
    fn finish(&mut self, status: RematchStatus, error: String, now: Timestamp) {
        self.status = status;
        if let Some(a) = self.attempts.last_mut() {
            a.status = status;
            a.finished = Some(now);
            a.error = error;
        }
        self.meta = self.meta.next(now);
    }

    /// The running attempt failed; nothing of it was applied.
    pub fn fail(&mut self, error: String, duration_ms: Option<u64>, now: Timestamp) {
        self.finish(RematchStatus::Failed, error, now);
        if let Some(d) = duration_ms {
            self.duration_ms = d;
        }
    }

    /// The running attempt succeeded with these outcomes.
    pub fn succeed(&mut self, outcomes: Vec<KindOutcome>, duration_ms: u64, now: Timestamp) {
        self.finish(RematchStatus::Succeeded, String::new(), now);
        self.outcomes = outcomes;
        self.duration_ms = duration_ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_runs_fails_is_retried_and_succeeds_once() {
        let t = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut r = RematchRecord::new("m", "2026-11-24T02:00", t(0));
        r.open_attempt(Trigger::Scheduled, t(1)).unwrap_or_default();
        assert_eq!(r.status, RematchStatus::Running);
        assert!(
            r.open_attempt(Trigger::Manual, t(2)).is_err(),
            "one attempt at a time"
        );
        r.fail("interrupted".into(), None, t(3));
        assert_eq!(r.status, RematchStatus::Failed);
        assert_eq!(r.attempts[0].finished, Some(t(3)));
        assert_eq!(r.attempts[0].error, "interrupted");
        r.open_attempt(Trigger::Retry, t(4)).unwrap_or_default();
        assert_eq!(
            (r.attempts.len(), r.last_trigger()),
            (2, Some(Trigger::Retry))
        );
        r.succeed(vec![], 17, t(5));
        assert_eq!(r.status, RematchStatus::Succeeded);
        assert_eq!((r.duration_ms, r.attempts[1].error.as_str()), (17, ""));
        assert!(
            r.open_attempt(Trigger::Manual, t(6)).is_err(),
            "a succeeded slot is done"
        );
        assert_eq!(r.meta.revision, 4);
    }

    #[test]
    fn budgets_and_validation() {
        assert_eq!(ChurnBudget::SharePct(5).allowed(65), 3);
        assert_eq!(ChurnBudget::Count(2).allowed(65), 2);
        let mut p = RematchPolicy::defaults("m", Timestamp::UNIX_EPOCH);
        assert_eq!(p.validate(), Ok(()));
        p.schedule = "every night".into();
        p.kinds.clear();
        p.churn_budget = ChurnBudget::SharePct(150);
        let fields: Vec<String> = p
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["schedule", "kinds", "churn_budget"]);
    }
}
