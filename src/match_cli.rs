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
        Ok(pb::Mode::InPerson) => crate::i18n::t("mode-in-person"),
        Ok(pb::Mode::Online) => crate::i18n::t("mode-online"),
        _ => String::new(),
    }
}

fn ptype(v: i32) -> String {
    match pb::PartnershipType::try_from(v) {
        Ok(pb::PartnershipType::Instrumental) => crate::i18n::t("net-type-instrumental"),
        Ok(pb::PartnershipType::Identical) => crate::i18n::t("net-type-identical"),
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
    let mut c = MatchingServiceClient::new(channel.clone());
    let r = c
        .run_matching(pb::RunMatchingRequest {
            municipality_id: a.municipality.clone(),
            region: a.region.clone(),
            kind: a.kind as i32,
            weights: Some(a.weights),
            policy: Some(a.policy.clone()),
            dry_run: a.dry_run,
            include_problem: false,
            request_id: String::new(),
        })
        .await?
        .into_inner();
    let run = r.run.clone().unwrap_or_default();
    if crate::output::json() {
        // The call's whole answer: the run with its first page of pairs and the tokens for
        // the rest (`peerlift runs` pages them).
        crate::output::print(&r, "peerlift.v1.RunMatchingResponse");
    } else {
        print_summary(&run);
        let view = RunView {
            explain: a.explain,
            ..RunView::default()
        };
        if a.dry_run {
            // Not stored: what came inline is all there is to show.
            println!();
            print_pairs(run.kind, &run.pairs, a.explain);
            print_unmatched(&run.unmatched, a.explain);
            if let Some(d) = &run.diff {
                print_ended(&d.ended);
            }
        } else {
            show_pages(&mut c, &run, &view).await?;
        }
    }
    if let Some(path) = &a.export_problem {
        let request = if a.dry_run {
            pb::ExportMatchProblemRequest {
                municipality_id: a.municipality.clone(),
                region: a.region.clone(),
                kind: a.kind as i32,
                weights: Some(a.weights),
                policy: Some(a.policy.clone()),
                run_id: String::new(),
            }
        } else {
            pb::ExportMatchProblemRequest {
                municipality_id: run.municipality_id.clone(),
                run_id: run.id.clone(),
                ..Default::default()
            }
        };
        let bytes = export_problem(&mut c, request, path).await?;
        println!(
            "{}",
            crate::i18n::tr(
                if is_gz(path) {
                    "problem-written-gz"
                } else {
                    "problem-written"
                },
                &[
                    ("path", crate::i18n::s(path.display().to_string())),
                    (
                        "arcs",
                        crate::i18n::n(run.size.map(|x| x.arcs).unwrap_or_default() as f64)
                    ),
                    ("mb", crate::i18n::s(format!("{:.1}", bytes as f64 / 1e6))),
                ],
            )
        );
    }
    Ok(())
}

fn is_gz(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Streams a problem into `path` (gzip when it ends in `.gz`), written to a temporary file
/// beside it and renamed at the end, so a failed export leaves no half file. Returns the JSON
/// bytes received.
pub async fn export_problem(
    c: &mut MatchingServiceClient<Conn>,
    request: pb::ExportMatchProblemRequest,
    path: &std::path::Path,
) -> Result<u64, ClientError> {
    use std::io::Write;
    let io = |source: std::io::Error| ClientError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut stream = c.export_match_problem(request).await?.into_inner();
    let tmp = path.with_extension(format!(
        "{}.part",
        path.extension().and_then(|e| e.to_str()).unwrap_or("json")
    ));
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut out: Box<dyn Write> = if is_gz(path) {
        Box::new(flate2::write::GzEncoder::new(
            std::io::BufWriter::new(file),
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(std::io::BufWriter::new(file))
    };
    let mut bytes = 0u64;
    let received = async {
        while let Some(chunk) = stream.message().await? {
            bytes += chunk.data.len() as u64;
            out.write_all(&chunk.data).map_err(io)?;
        }
        out.flush().map_err(io)?;
        drop(out);
        Ok::<(), ClientError>(())
    }
    .await;
    if let Err(e) = received {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(bytes)
}

/// What `peerlift runs RUN` shows after the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum RunList {
    /// The pairs, with their scores.
    #[default]
    Pairs,
    /// Demands without a mentor, and why.
    Unmatched,
    /// The diff against what is active: kept, added, ended.
    Changes,
}

/// Which page of which list of a run, filtered.
#[derive(Debug, Clone, Default)]
pub struct RunView {
    pub list: RunList,
    pub mentee_municipality: String,
    pub school: String,
    pub subject: String,
    /// A pb::Level value (0: any).
    pub level: i32,
    /// A pb::run_change::Change value (0: any).
    pub change: i32,
    /// 0: 100.
    pub page_size: i32,
    pub page_token: String,
    /// Every page, one after another.
    pub all: bool,
    pub explain: bool,
}

impl RunView {
    /// The command-line flags that ask for this view (a page token is bound to them).
    fn args(&self) -> String {
        let mut a = String::new();
        match self.list {
            RunList::Pairs => {}
            RunList::Unmatched => a.push_str("--list unmatched "),
            RunList::Changes => a.push_str("--list changes "),
        }
        for (flag, value) in [
            ("--mentees-in", &self.mentee_municipality),
            ("--school", &self.school),
            ("--subject", &self.subject),
        ] {
            if !value.is_empty() {
                a.push_str(&format!("{flag} {value} "));
            }
        }
        if self.level != 0 {
            a.push_str(&format!(
                "--level {} ",
                level(self.level).to_ascii_lowercase()
            ));
        }
        match pb::run_change::Change::try_from(self.change) {
            Ok(pb::run_change::Change::Kept) => a.push_str("--change kept "),
            Ok(pb::run_change::Change::Added) => a.push_str("--change added "),
            Ok(pb::run_change::Change::Ended) => a.push_str("--change ended "),
            _ => {}
        }
        if self.page_size != 100 && self.page_size != 0 {
            a.push_str(&format!("--page-size {} ", self.page_size));
        }
        a
    }
}

/// The pages of a stored run's list, as the view asks.
async fn show_pages(
    c: &mut MatchingServiceClient<Conn>,
    run: &pb::MatchRun,
    v: &RunView,
) -> Result<(), ClientError> {
    let mut token = v.page_token.clone();
    let scope = run.municipality_id.clone();
    println!();
    loop {
        let next = match v.list {
            RunList::Pairs => {
                let r = c
                    .list_match_run_pairs(pb::ListMatchRunPairsRequest {
                        municipality_id: scope.clone(),
                        run_id: run.id.clone(),
                        page_size: v.page_size,
                        page_token: token.clone(),
                        mentee_municipality_id: v.mentee_municipality.clone(),
                        school_id: v.school.clone(),
                        subject: v.subject.clone(),
                        level: v.level,
                    })
                    .await?
                    .into_inner();
                print_pairs(run.kind, &r.pairs, v.explain);
                (r.next_page_token, r.total_size, r.pairs.len(), "list-pairs")
            }
            RunList::Unmatched => {
                let r = c
                    .list_match_run_unmatched(pb::ListMatchRunUnmatchedRequest {
                        municipality_id: scope.clone(),
                        run_id: run.id.clone(),
                        page_size: v.page_size,
                        page_token: token.clone(),
                        mentee_municipality_id: v.mentee_municipality.clone(),
                        school_id: v.school.clone(),
                        subject: v.subject.clone(),
                        level: v.level,
                    })
                    .await?
                    .into_inner();
                print_unmatched(&r.unmatched, true);
                (
                    r.next_page_token,
                    r.total_size,
                    r.unmatched.len(),
                    "list-demands",
                )
            }
            RunList::Changes => {
                let r = c
                    .list_match_run_changes(pb::ListMatchRunChangesRequest {
                        municipality_id: scope.clone(),
                        run_id: run.id.clone(),
                        page_size: v.page_size,
                        page_token: token.clone(),
                        change: v.change,
                        mentee_municipality_id: v.mentee_municipality.clone(),
                        subject: v.subject.clone(),
                    })
                    .await?
                    .into_inner();
                print_changes(&r.changes);
                (
                    r.next_page_token,
                    r.total_size,
                    r.changes.len(),
                    "list-changes",
                )
            }
        };
        let (next_token, total, shown, what) = next;
        if next_token.is_empty() {
            break;
        }
        if !v.all {
            use crate::i18n::{n, s, tr};
            println!(
                "\n{}",
                tr(
                    "run-next-page",
                    &[
                        ("shown", n(shown as f64)),
                        ("total", n(total as f64)),
                        ("what", s(crate::i18n::t(what))),
                        (
                            "command",
                            s(format!(
                                "peerlift runs -m {scope} {} {}--page-token {next_token}",
                                run.id,
                                v.args()
                            )),
                        ),
                    ],
                )
            );
            break;
        }
        token = next_token;
    }
    Ok(())
}

/// A run's summary: what was solved, whether it is proven optimal, coverage and the diff's
/// size. The first line is `run <id> (<status>) ...`.
pub fn print_summary(run: &pb::MatchRun) {
    let size = run.size.unwrap_or_default();
    use crate::i18n::{n, s, t, tr};
    let kind = pb::MatchKind::try_from(run.kind)
        .map(|k| {
            let code = k
                .as_str_name()
                .trim_start_matches("MATCH_KIND_")
                .to_ascii_lowercase();
            t(&format!("kind-{}", code.replace('_', "-")))
        })
        .unwrap_or_default();
    println!(
        "{}",
        tr(
            "match-head",
            &[
                (
                    "id",
                    s(if run.id.is_empty() {
                        t("dry-run")
                    } else {
                        run.id.clone()
                    }),
                ),
                ("status", s(status(run.status))),
                ("kind", s(kind)),
                ("scope", s(&run.municipality_id)),
                ("objective", n(run.objective as f64)),
            ],
        )
    );
    let note = if size.pruned_arcs > 0 {
        tr("match-limited", &[("count", n(size.pruned_arcs as f64))])
    } else {
        t("match-every-arc")
    };
    println!(
        "{}",
        tr(
            "match-problem",
            &[
                ("demands", n(size.demands as f64)),
                ("suppliers", n(size.suppliers as f64)),
                ("arcs", n(size.arcs as f64)),
                ("note", s(note)),
                ("locked", n(size.locked as f64)),
            ],
        )
    );
    if let Some(cert) = &run.certificate {
        if !cert.statement.is_empty() {
            println!("{}", cert.statement);
        }
    }
    let cov = |rows: &[pb::CoverageRow]| -> Vec<String> {
        rows.iter()
            .map(|r| {
                let pct = (r.covered * 100).checked_div(r.demands).unwrap_or(0);
                format!("{} {}/{} ({pct}%)", r.key, r.covered, r.demands)
            })
            .collect()
    };
    println!(
        "{}",
        tr(
            "match-coverage",
            &[("list", s(cov(&run.coverage_by_level).join(", ")))]
        )
    );
    if !run.coverage_by_subject.is_empty() {
        println!(
            "{}",
            tr(
                "match-by-subject",
                &[("list", s(cov(&run.coverage_by_subject).join(", ")))]
            )
        );
    }
    println!(
        "{}",
        tr(
            "match-counts",
            &[
                ("pairs", n(run.pair_count as f64)),
                ("unmatched", n(run.unmatched_count as f64)),
                ("kept", n(run.kept_count as f64)),
                ("added", n(run.added_count as f64)),
                ("ended", n(run.ended_count as f64)),
            ],
        )
    );
    let phases: Vec<String> = run
        .timings
        .iter()
        .map(|t| format!("{} {} ms", t.phase, t.millis))
        .collect();
    if !phases.is_empty() {
        println!("{}", tr("match-took", &[("phases", s(phases.join(", ")))]));
    }
}

/// The pairs table, and with `explain` each pair's score terms.
pub fn print_pairs(kind: i32, pairs: &[pb::ProposedPair], explain: bool) {
    let teacher_pairs = kind == pb::MatchKind::TeacherPairs as i32;
    let groups =
        kind == pb::MatchKind::TeacherGroups as i32 || kind == pb::MatchKind::SchoolGroups as i32;
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
    for p in pairs {
        let flag = if p.locked {
            crate::i18n::t("mentorship-locked")
        } else {
            String::new()
        };
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
        for p in pairs {
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
                println!(
                    "    {}",
                    crate::i18n::tr("members", &[("list", crate::i18n::s(p.members.join(", ")))])
                );
            }
            if !p.type_reason.is_empty() {
                println!("    {}", p.type_reason);
            }
        }
    }
}

/// Unmatched demands; with `explain`, why each one.
pub fn print_unmatched(list: &[pb::UnmatchedDemand], explain: bool) {
    if list.is_empty() {
        return;
    }
    println!(
        "{}",
        crate::i18n::tr(
            "unmatched-count",
            &[("count", crate::i18n::n(list.len() as f64))]
        )
    );
    if !explain {
        return;
    }
    for u in list {
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
                    crate::i18n::tr(
                        "outbid-one",
                        &[
                            ("mentor", crate::i18n::s(&b.mentor_id)),
                            ("score", crate::i18n::n(b.score as f64)),
                            ("taken", crate::i18n::s(taken.join(", "))),
                        ],
                    )
                })
                .collect();
            crate::i18n::tr("outbid", &[("list", crate::i18n::s(by.join("; ")))])
        };
        let subject = if u.subject.is_empty() {
            String::new()
        } else {
            format!(" ({})", u.subject)
        };
        println!("  {}{}: {}", u.mentee_id, subject, why);
    }
}

/// "ends ms-… mentee <- mentor (subject): reason".
fn ends_line(id: &str, mentee: &str, mentor: &str, subject: &str, reason: &str) -> String {
    use crate::i18n::s;
    crate::i18n::tr(
        "change-ends",
        &[
            ("id", s(id)),
            ("mentee", s(mentee)),
            ("mentor", s(mentor)),
            ("subject", s(subject)),
            ("reason", s(reason)),
        ],
    )
}

fn print_ended(ended: &[pb::EndedMentorship]) {
    for e in ended {
        let subject = if e.subject.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.subject)
        };
        println!(
            "  {}",
            ends_line(
                &e.mentorship_id,
                &e.mentee_id,
                &e.mentor_id,
                &subject,
                &e.reason
            )
        );
    }
}

fn print_changes(changes: &[pb::RunChange]) {
    use pb::run_change::Change;
    for ch in changes {
        let subject = if ch.subject.is_empty() {
            String::new()
        } else {
            format!(" ({})", ch.subject)
        };
        match Change::try_from(ch.change) {
            Ok(Change::Kept) => println!(
                "  {}",
                crate::i18n::tr(
                    "change-keeps",
                    &[
                        ("id", crate::i18n::s(&ch.mentorship_id)),
                        ("municipality", crate::i18n::s(&ch.municipality_id)),
                    ],
                )
            ),
            Ok(Change::Added) => println!(
                "  {}",
                crate::i18n::tr(
                    "change-adds",
                    &[
                        ("mentee", crate::i18n::s(&ch.mentee_id)),
                        ("mentor", crate::i18n::s(&ch.mentor_id)),
                        ("subject", crate::i18n::s(&subject)),
                        ("pair", crate::i18n::n(ch.pair_index as f64)),
                    ],
                )
            ),
            Ok(Change::Ended) => println!(
                "  {}",
                ends_line(
                    &ch.mentorship_id,
                    &ch.mentee_id,
                    &ch.mentor_id,
                    &subject,
                    &ch.reason
                )
            ),
            _ => {}
        }
    }
}

/// `latest` names the newest proposed run of the scope (run ids grow with time), so the
/// quickstart and scripts need not copy an id.
async fn resolve_run(
    c: &mut MatchingServiceClient<Conn>,
    municipality: &str,
    run_id: String,
) -> Result<String, ClientError> {
    if run_id != "latest" {
        return Ok(run_id);
    }
    let mut newest = None;
    let mut token = String::new();
    loop {
        let r = c
            .list_match_runs(pb::ListMatchRunsRequest {
                municipality_id: municipality.to_string(),
                page_size: 1000,
                page_token: token,
                status: pb::RunStatus::Proposed as i32,
                ..Default::default()
            })
            .await?
            .into_inner();
        if let Some(last) = r.runs.last() {
            newest = Some(last.id.clone());
        }
        if r.next_page_token.is_empty() {
            break;
        }
        token = r.next_page_token;
    }
    newest.ok_or_else(|| {
        ClientError::Usage(crate::i18n::tr(
            "usage-no-proposed-run",
            &[("municipality", crate::i18n::s(municipality))],
        ))
    })
}

pub async fn approve(
    channel: Conn,
    municipality: String,
    run_id: String,
    note: String,
    effective_date: String,
) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    let run_id = resolve_run(&mut c, &municipality, run_id).await?;
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
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.ApproveMatchRunResponse");
        return Ok(());
    }
    println!(
        "{}",
        crate::i18n::tr(
            "approved",
            &[
                ("run", crate::i18n::s(&run_id)),
                ("created", crate::i18n::n(r.created_count as f64)),
                ("ended", crate::i18n::n(r.ended_count as f64)),
            ],
        )
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
    let run_id = resolve_run(&mut c, &municipality, run_id).await?;
    c.reject_match_run(pb::RejectMatchRunRequest {
        municipality_id: municipality,
        run_id: run_id.clone(),
        note,
        request_id: format!("reject-{run_id}"),
    })
    .await?;
    println!(
        "{}",
        crate::i18n::tr("rejected", &[("run", crate::i18n::s(&run_id))])
    );
    Ok(())
}

pub async fn show_run(
    channel: Conn,
    municipality: String,
    run_id: String,
    view: RunView,
) -> Result<(), ClientError> {
    let mut c = MatchingServiceClient::new(channel);
    let run = c
        .get_match_run(pb::GetMatchRunRequest {
            municipality_id: municipality,
            run_id,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&run, "peerlift.v1.MatchRun");
        return Ok(());
    }
    print_summary(&run);
    show_pages(&mut c, &run, &view).await
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
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.ListMatchRunsResponse");
        return Ok(());
    }
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
    let mut all_of = Vec::new();
    let mut t = Table::new(&[
        "id", "kind", "mentee", "subject", "mentor", "mode", "status", "since", "year", "order", "",
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
        all_of.extend(r.mentorships.iter().cloned());
        for m in r.mentorships {
            let charter = m.charter.clone().unwrap_or_default();
            let kind = crate::i18n::t(match pb::MatchKind::try_from(m.kind) {
                Ok(pb::MatchKind::TeacherPairs) => "ms-kind-pair",
                Ok(pb::MatchKind::SchoolDirections) => "ms-kind-direction",
                Ok(pb::MatchKind::TeacherGroups) => "ms-kind-teacher-group",
                Ok(pb::MatchKind::SchoolGroups) => "ms-kind-school-group",
                Ok(pb::MatchKind::ManagementPlatforms) => "ms-kind-management",
                _ => "ms-kind-partnership",
            });
            let st = crate::i18n::t(if m.status == pb::MentorshipStatus::Active as i32 {
                "mentorship-active"
            } else {
                "mentorship-ended"
            });
            t.row(vec![
                m.id,
                kind,
                m.mentee_id,
                m.subject,
                m.mentor_id,
                mode(m.mode),
                st,
                m.started_on,
                charter.school_year.clone(),
                // The order that approved it, "No 354 of 2022-10-18".
                charter
                    .order
                    .as_ref()
                    .map(|o| {
                        crate::i18n::tr(
                            "order-short",
                            &[
                                ("number", crate::i18n::s(&o.number)),
                                ("date", crate::i18n::s(&o.date)),
                            ],
                        )
                    })
                    .unwrap_or_default(),
                if m.locked {
                    crate::i18n::t("mentorship-locked")
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
    if crate::output::json() {
        crate::output::print_list(&all_of, "peerlift.v1.Mentorship");
        return Ok(());
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
        "unlock" => c
            .unlock_mentorship(pb::UnlockMentorshipRequest {
                municipality_id: req.municipality_id,
                mentorship_id: req.mentorship_id,
                etag: req.etag,
                request_id: req.request_id,
            })
            .await?
            .into_inner(),
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
    if crate::output::json() {
        crate::output::print(&m, "peerlift.v1.Mentorship");
        return Ok(());
    }
    use crate::i18n::t;
    println!(
        "{}: {} <- {} {}{}",
        m.id,
        m.mentee_id,
        m.mentor_id,
        t(if m.status == pb::MentorshipStatus::Active as i32 {
            "mentorship-active"
        } else {
            "mentorship-ended"
        }),
        if m.locked {
            format!(", {}", t("mentorship-locked"))
        } else {
            String::new()
        }
    );
    Ok(())
}

/// The CreateMentorship request of `peerlift mentorships create`.
fn partnership_type_arg(given: &str) -> Result<pb::PartnershipType, ClientError> {
    Ok(match given.trim().to_ascii_lowercase().as_str() {
        "" => pb::PartnershipType::Unspecified,
        "instrumental" => pb::PartnershipType::Instrumental,
        "identical" => pb::PartnershipType::Identical,
        other => {
            return Err(ClientError::Usage(crate::i18n::tr(
                "usage-partnership-type",
                &[("value", crate::i18n::s(other))],
            )))
        }
    })
}

fn basis_arg(given: &str) -> Result<pb::Basis, ClientError> {
    Ok(match given.trim() {
        "" => pb::Basis::Unspecified,
        "deficit" => pb::Basis::Deficit,
        "young_specialist" => pb::Basis::YoungSpecialist,
        "voluntary" => pb::Basis::Voluntary,
        "other" => pb::Basis::Other,
        other => {
            return Err(ClientError::Usage(crate::i18n::tr(
                "usage-basis",
                &[("value", crate::i18n::s(other))],
            )))
        }
    })
}

/// Changes a mentorship: reads it, applies the options given, sends the edit with the etag
/// read, and says what it is now.
pub async fn update_mentorship(
    channel: Conn,
    municipality: &str,
    a: &crate::cli::matching::UpdateArgs,
) -> Result<(), ClientError> {
    let partnership_type = partnership_type_arg(&a.partnership_type)?;
    let basis = basis_arg(&a.basis)?;
    let mut client = MentorshipServiceClient::new(channel);
    let cur = client
        .get_mentorship(pb::GetMentorshipRequest {
            municipality_id: municipality.to_string(),
            mentorship_id: a.id.clone(),
        })
        .await?
        .into_inner();
    let charter_given = !a.goal.is_empty()
        || !a.school_year.is_empty()
        || !a.order_number.is_empty()
        || !a.order_date.is_empty()
        || basis != pb::Basis::Unspecified;
    let charter = charter_given.then(|| {
        let mut c = cur.charter.clone().unwrap_or_default();
        if !a.goal.is_empty() {
            c.goal = a.goal.clone();
        }
        if !a.school_year.is_empty() {
            c.school_year = a.school_year.clone();
        }
        if !a.order_number.is_empty() || !a.order_date.is_empty() {
            let mut o = c.order.clone().unwrap_or_default();
            if !a.order_number.is_empty() {
                o.number = a.order_number.clone();
            }
            if !a.order_date.is_empty() {
                o.date = a.order_date.clone();
            }
            c.order = Some(o);
        }
        if basis != pb::Basis::Unspecified {
            c.basis = basis as i32;
        }
        c
    });
    let m = client
        .update_mentorship(pb::UpdateMentorshipRequest {
            municipality_id: municipality.to_string(),
            mentorship_id: a.id.clone(),
            etag: cur.etag,
            members: a.members.clone(),
            mentor_id: a.mentor.clone(),
            subject: a.subject.clone(),
            partnership_type: partnership_type as i32,
            charter,
            accept_reason: a.accept_reason.clone(),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_mentorship(m);
    Ok(())
}

pub fn create_request(
    municipality: &str,
    kind: pb::MatchKind,
    a: &crate::cli::matching::CreateArgs,
) -> Result<pb::CreateMentorshipRequest, ClientError> {
    let partnership_type = match a.partnership_type.trim().to_ascii_lowercase().as_str() {
        "" => pb::PartnershipType::Unspecified,
        "instrumental" => pb::PartnershipType::Instrumental,
        "identical" => pb::PartnershipType::Identical,
        other => {
            return Err(ClientError::Usage(crate::i18n::tr(
                "usage-partnership-type",
                &[("value", crate::i18n::s(other))],
            )))
        }
    };
    let basis = match a.basis.trim() {
        "" => pb::Basis::Unspecified,
        "deficit" => pb::Basis::Deficit,
        "young_specialist" => pb::Basis::YoungSpecialist,
        "voluntary" => pb::Basis::Voluntary,
        "other" => pb::Basis::Other,
        other => {
            return Err(ClientError::Usage(crate::i18n::tr(
                "usage-basis",
                &[("value", crate::i18n::s(other))],
            )))
        }
    };
    let order = (!a.order_number.is_empty() || !a.order_date.is_empty()).then(|| pb::Order {
        number: a.order_number.clone(),
        date: a.order_date.clone(),
    });
    Ok(pb::CreateMentorshipRequest {
        municipality_id: municipality.to_string(),
        kind: kind as i32,
        mentee_id: a.mentee.clone(),
        mentor_id: a.mentor.clone(),
        subject: a.subject.clone(),
        reason: a.reason.clone(),
        locked: a.locked,
        request_id: String::new(),
        started_on: a.started_on.clone(),
        school_year: a.school_year.clone(),
        order,
        partnership_type: partnership_type as i32,
        goal: a.goal.clone(),
        basis: basis as i32,
        accept_reason: a.accept_reason.clone(),
        members: a.members.clone(),
    })
}

/// Makes a mentorship by hand and says what was made, with the office's record.
pub async fn create_mentorship(
    channel: Conn,
    req: pb::CreateMentorshipRequest,
) -> Result<(), ClientError> {
    let m = MentorshipServiceClient::new(channel)
        .create_mentorship(req)
        .await?
        .into_inner();
    print_mentorship(m);
    Ok(())
}

/// A mentorship made or changed, as the office reads it: who with whom since when, its order
/// and every rule kept against with the reason.
fn print_mentorship(m: pb::Mentorship) {
    if crate::output::json() {
        crate::output::print(&m, "peerlift.v1.Mentorship");
        return;
    }
    use crate::i18n::{s, tr};
    let who = if m.members.is_empty() {
        m.mentee_id.clone()
    } else {
        format!("{} ({})", m.mentee_id, m.members.join(", "))
    };
    println!(
        "{}",
        tr(
            "mentorship-created",
            &[
                ("id", s(&m.id)),
                ("mentee", s(who)),
                ("mentor", s(&m.mentor_id)),
                ("since", s(&m.started_on)),
            ],
        )
    );
    if let Some(c) = &m.charter {
        if let Some(o) = &c.order {
            println!(
                "  {}",
                tr(
                    "mentorship-order",
                    &[
                        ("number", s(&o.number)),
                        ("date", s(&o.date)),
                        ("year", s(&c.school_year))
                    ],
                )
            );
        }
        for a in &c.accepted {
            println!(
                "  {}",
                tr(
                    "mentorship-accepted",
                    &[("rule", s(&a.rule)), ("reason", s(&a.reason))],
                )
            );
        }
    }
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
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.VetoPairResponse");
        return Ok(());
    }
    println!(
        "{}",
        crate::i18n::tr(
            "vetoed",
            &[
                ("mentee", crate::i18n::s(&mentee)),
                ("mentor", crate::i18n::s(&mentor)),
                ("ended", crate::i18n::n(r.ended.len() as f64)),
            ],
        )
    );
    Ok(())
}

/// Reads a problem file, gunzipping it when it ends in `.gz`.
pub fn read_problem_file(
    path: &std::path::Path,
) -> Result<peerlift_match::ExportedProblem, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    let read = if is_gz(path) {
        flate2::read::GzDecoder::new(std::io::BufReader::new(file)).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    };
    read.map_err(|e| format!("{}: {e}", path.display()))?;
    peerlift_match::ExportedProblem::from_json(&bytes)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `peerlift problem check`.
pub fn check_problem_file(
    path: &std::path::Path,
) -> Result<peerlift_match::problem::CheckReport, String> {
    read_problem_file(path)?
        .check()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `peerlift problem dimacs`.
pub fn problem_to_dimacs(
    path: &std::path::Path,
    out: Option<&std::path::Path>,
) -> Result<(), String> {
    use std::io::Write;
    let p = read_problem_file(path)?
        .to_problem()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let written = match out {
        Some(o) => {
            let file = std::fs::File::create(o).map_err(|e| format!("{}: {e}", o.display()))?;
            let mut w = std::io::BufWriter::new(file);
            p.write_dimacs(&mut w).and_then(|()| w.flush())
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            p.write_dimacs(&mut w).and_then(|()| w.flush())
        }
    };
    written.map_err(|e| format!("writing DIMACS: {e}"))
}

/// The peer partnerships the office may make, each explained.
pub async fn peers(
    channel: Conn,
    municipality: String,
    school: String,
    per_school: u32,
) -> Result<(), ClientError> {
    let r = MatchingServiceClient::new(channel)
        .suggest_peer_partnerships(pb::SuggestPeerPartnershipsRequest {
            municipality_id: municipality,
            school_id: school,
            per_school,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.SuggestPeerPartnershipsResponse");
        return Ok(());
    }
    if r.suggestions.is_empty() {
        println!("{}", crate::i18n::t("peers-none"));
        return Ok(());
    }
    for p in &r.suggestions {
        println!(
            "{}",
            crate::i18n::tr(
                "peers-line",
                &[
                    ("school", crate::i18n::s(&p.school_id)),
                    ("partner", crate::i18n::s(&p.partner_id)),
                    ("score", crate::i18n::s(p.score.to_string())),
                ],
            )
        );
        for t in &p.terms {
            println!("    {:>6}  {}", t.points, t.name);
        }
        println!("    {}", p.type_reason);
    }
    Ok(())
}
