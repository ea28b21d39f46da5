//! CLI commands for matching: run, read, approve, mentorships.

use std::path::PathBuf;

use crate::client::Conn;
use peerlift_api::pb;
use peerlift_api::pb::matching_service_client::MatchingServiceClient;
use peerlift_api::pb::mentorship_service_client::MentorshipServiceClient;

use crate::client::ClientError;
use crate::table::Table;

/// Options of `peerlift match`.
#[derive(Debug, Clone, Default)]
pub struct MatchArgs {
    pub municipality: String,
    /// A region's run when set (then `municipality` is empty).
    pub region: String,
    pub kind: pb::MatchKind,
    pub dry_run: bool,
    pub explain: bool,
    pub export_problem: Option<PathBuf>,
    pub policy: pb::Policy,
    pub weights: pb::Weights,
}

fn level(v: i32) -> String {
    pb::Level::try_from(v)
        .ok()
        .filter(|l| *l != pb::Level::Unspecified)
        .map(|l| l.as_str_name().trim_start_matches("LEVEL_").to_string())
        .unwrap_or_default()
}

fn mode(v: i32) -> String {
    match pb::Mode::try_from(v) {
        Ok(pb::Mode::InPerson) => "in person".into(),
        Ok(pb::Mode::Online) => "online".into(),
        _ => String::new(),
    }
}

fn ptype(v: i32) -> String {
    match pb::PartnershipType::try_from(v) {
        Ok(pb::PartnershipType::Instrumental) => "instrumental".into(),
        Ok(pb::PartnershipType::Identical) => "identical".into(),
        _ => String::new(),
    }
}

fn status(v: i32) -> String {
    pb::RunStatus::try_from(v)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("RUN_STATUS_")
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

pub async fn run(channel: Conn, a: MatchArgs) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    let r = c
        .run_matching(pb::RunMatchingRequest {
            municipality_id: a.municipality.clone(),
            region: a.region.clone(),
            kind: a.kind as i32,
            weights: Some(a.weights),
            policy: Some(a.policy.clone()),
            dry_run: a.dry_run,
            include_problem: a.export_problem.is_some(),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    let run = r.run.unwrap_or_default();
    if let Some(path) = &a.export_problem {
        std::fs::write(path, &r.problem_json).map_err(|source| ClientError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    print_run(&run, a.explain);
    if let Some(path) = &a.export_problem {
        println!("problem written to {}", path.display());
    }
    Ok(())
}

/// Prints a run: the pairs table, coverage, unmatched demands and the diff.
pub fn print_run(run: &pb::MatchRun, explain: bool) {
    let teacher_pairs = run.kind == pb::MatchKind::TeacherPairs as i32;
    let groups = run.kind == pb::MatchKind::TeacherGroups as i32
        || run.kind == pb::MatchKind::SchoolGroups as i32;
    let mut t = if teacher_pairs {
        Table::new(&[
            "mentee", "subject", "level", "mentor", "school", "mode", "score", "",
        ])
    } else if groups {
        Table::new(&[
            "group", "subject", "members", "cohesion", "mentor", "mode", "score", "",
        ])
    } else {
        Table::new(&["school", "subject", "leader", "type", "mode", "score", ""])
    };
    for p in &run.pairs {
        let flag = if p.locked { "locked" } else { "" }.to_string();
        if teacher_pairs {
            t.row(vec![
                p.mentee_id.clone(),
                p.subject.clone(),
                level(p.level),
                p.mentor_id.clone(),
                p.mentor_school_id.clone(),
                mode(p.mode),
                p.score.to_string(),
                flag,
            ]);
        } else if groups {
            t.row(vec![
                p.mentee_id.clone(),
                p.subject.clone(),
                p.members.len().to_string(),
                p.cohesion_pct.map(|c| format!("{c}%")).unwrap_or_default(),
                p.mentor_id.clone(),
                mode(p.mode),
                p.score.to_string(),
                flag,
            ]);
        } else {
            t.row(vec![
                p.mentee_id.clone(),
                p.subject.clone(),
                p.mentor_id.clone(),
                ptype(p.partnership_type),
                mode(p.mode),
                p.score.to_string(),
                flag,
            ]);
        }
    }
    print!("{}", t.render());
    if explain {
        println!();
        for p in &run.pairs {
            let terms: Vec<String> = p
                .terms
                .iter()
                .map(|x| format!("{} {:+}", x.name, x.points))
                .collect();
            let what = if p.subject.is_empty() {
                format!("{} <- {}", p.mentee_id, p.mentor_id)
            } else {
                format!("{} ({}) <- {}", p.mentee_id, p.subject, p.mentor_id)
            };
            println!("{what}: {} = {}", terms.join(", "), p.score);
            if !p.members.is_empty() {
                println!("    members: {}", p.members.join(", "));
            }
            if !p.type_reason.is_empty() {
                println!("    {}", p.type_reason);
            }
        }
    }
    let size = run.size.unwrap_or_default();
    println!();
    println!(
        "run {} ({}): {} demands, {} suppliers, {} candidate arcs ({} pruned), {} locked; objective {}",
        if run.id.is_empty() { "dry run" } else { run.id.as_str() },
        status(run.status),
        size.demands,
        size.suppliers,
        size.arcs,
        size.pruned_arcs,
        size.locked,
        run.objective
    );
    let cov = |rows: &[pb::CoverageRow]| -> Vec<String> {
        rows.iter()
            .map(|r| {
                let pct = (r.covered * 100).checked_div(r.demands).unwrap_or(0);
                format!("{} {}/{} ({pct}%)", r.key, r.covered, r.demands)
            })
            .collect()
    };
    println!("coverage: {}", cov(&run.coverage_by_level).join(", "));
    if !run.coverage_by_subject.is_empty() {
        println!("by subject: {}", cov(&run.coverage_by_subject).join(", "));
    }
    if !run.unmatched.is_empty() {
        println!("{} demands without a mentor", run.unmatched.len());
        if explain {
            for u in &run.unmatched {
                let why = if !u.no_candidate_reason.is_empty() {
                    u.no_candidate_reason.clone()
                } else {
                    let by: Vec<String> = u
                        .outbid_by
                        .iter()
                        .map(|b| {
                            let taken: Vec<String> = b
                                .taken_by
                                .iter()
                                .map(|t| format!("{} {}", t.mentee_id, t.score))
                                .collect();
                            format!(
                                "{} (here {}, taken by {})",
                                b.mentor_id,
                                b.score,
                                taken.join(", ")
                            )
                        })
                        .collect();
                    format!("outbid: {}", by.join("; "))
                };
                let subject = if u.subject.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", u.subject)
                };
                println!("  {}{}: {}", u.mentee_id, subject, why);
            }
        }
    }
    if let Some(d) = &run.diff {
        println!(
            "against what is active: {} kept, {} added, {} ended",
            d.kept.len(),
            d.added.len(),
            d.ended.len()
        );
        for e in &d.ended {
            let subject = if e.subject.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.subject)
            };
            println!(
                "  ends {} {} <- {}{}: {}",
                e.mentorship_id, e.mentee_id, e.mentor_id, subject, e.reason
            );
        }
    }
}

pub async fn approve(
    channel: Conn,
    municipality: String,
    run_id: String,
    note: String,
    effective_date: String,
) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    let r = c
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: municipality,
            run_id: run_id.clone(),
            note,
            request_id: format!("approve-{run_id}"),
            effective_date,
        })
        .await?
        .into_inner();
    println!(
        "approved {run_id}: {} mentorships created, {} ended",
        r.created.len(),
        r.ended.len()
    );
    Ok(())
}

pub async fn reject(
    channel: Conn,
    municipality: String,
    run_id: String,
    note: String,
) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    c.reject_match_run(pb::RejectMatchRunRequest {
        municipality_id: municipality,
        run_id: run_id.clone(),
        note,
        request_id: format!("reject-{run_id}"),
    })
    .await?;
    println!("rejected {run_id}");
    Ok(())
}

pub async fn show_run(
    channel: Conn,
    municipality: String,
    run_id: String,
    explain: bool,
) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    let run = c
        .get_match_run(pb::GetMatchRunRequest {
            municipality_id: municipality,
            run_id,
        })
        .await?
        .into_inner();
    print_run(&run, explain);
    Ok(())
}

pub async fn runs(channel: Conn, municipality: String) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    let r = c
        .list_match_runs(pb::ListMatchRunsRequest {
            municipality_id: municipality,
            page_size: 100,
            ..Default::default()
        })
        .await?
        .into_inner();
    let mut t = Table::new(&[
        "run",
        "kind",
        "status",
        "demands",
        "pairs",
        "objective",
        "created",
    ]);
    for x in r.runs {
        let kind = pb::MatchKind::try_from(x.kind)
            .map(|k| {
                k.as_str_name()
                    .trim_start_matches("MATCH_KIND_")
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let size = x.size.unwrap_or_default();
        let covered: u64 = x.coverage_by_level.iter().map(|c| c.covered).sum();
        t.row(vec![
            x.id,
            kind,
            status(x.status),
            size.demands.to_string(),
            covered.to_string(),
            x.objective.to_string(),
            x.create_time
                .map(|t| {
                    jiff::Timestamp::new(t.seconds, t.nanos)
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

pub async fn mentorships(
    channel: Conn,
    municipality: String,
    all: bool,
) -> Result<(), ClientError> {
    let mut c = MentorshipServiceClient::new(channel);
    let mut token = String::new();
    let mut t = Table::new(&[
        "id", "kind", "mentee", "subject", "mentor", "mode", "status", "since", "",
    ]);
    loop {
        let r = c
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: municipality.clone(),
                page_size: 1000,
                page_token: token,
                status: if all {
                    0
                } else {
                    pb::MentorshipStatus::Active as i32
                },
                ..Default::default()
            })
            .await?
            .into_inner();
        for m in r.mentorships {
            let kind = if m.kind == pb::MatchKind::TeacherPairs as i32 {
                "pair"
            } else {
                "partnership"
            };
            let st = if m.status == pb::MentorshipStatus::Active as i32 {
                "active"
            } else {
                "ended"
            };
            t.row(vec![
                m.id,
                kind.into(),
                m.mentee_id,
                m.subject,
                m.mentor_id,
                mode(m.mode),
                st.into(),
                m.started_on,
                if m.locked {
                    "locked".into()
                } else {
                    String::new()
                },
            ]);
        }
        if r.next_page_token.is_empty() {
            break;
        }
        token = r.next_page_token;
    }
    print!("{}", t.render());
    Ok(())
}

/// lock, unlock or end one mentorship.
pub async fn change_mentorship(
    channel: Conn,
    municipality: String,
    id: String,
    action: &str,
    reason: String,
) -> Result<(), ClientError> {
    let mut c = MentorshipServiceClient::new(channel);
    let req = pb::LockMentorshipRequest {
        municipality_id: municipality.clone(),
        mentorship_id: id.clone(),
        etag: String::new(),
        request_id: String::new(),
    };
    let m = match action {
        "lock" => c.lock_mentorship(req).await?.into_inner(),
        "unlock" => c.unlock_mentorship(req).await?.into_inner(),
        _ => c
            .end_mentorship(pb::EndMentorshipRequest {
                municipality_id: municipality,
                mentorship_id: id,
                reason,
                etag: String::new(),
                request_id: String::new(),
            })
            .await?
            .into_inner(),
    };
    println!(
        "{}: {} <- {} {}{}",
        m.id,
        m.mentee_id,
        m.mentor_id,
        if m.status == pb::MentorshipStatus::Active as i32 {
            "active"
        } else {
            "ended"
        },
        if m.locked { ", locked" } else { "" }
    );
    Ok(())
}

pub async fn veto(
    channel: Conn,
    municipality: String,
    kind: pb::MatchKind,
    mentee: String,
    mentor: String,
    reason: String,
) -> Result<(), ClientError> {
    let mut c = MentorshipServiceClient::new(channel);
    let r = c
        .veto_pair(pb::VetoPairRequest {
            municipality_id: municipality,
            kind: kind as i32,
            mentee_id: mentee.clone(),
            mentor_id: mentor.clone(),
            reason,
            request_id: String::new(),
        })
        .await?
        .into_inner();
    println!(
        "vetoed {mentee} <- {mentor}; {} active mentorships ended",
        r.ended.len()
    );
    Ok(())
}
