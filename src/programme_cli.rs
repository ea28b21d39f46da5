//! Client side of the programme year: what `peerlift programme`, `results`, `roadmaps`,
//! `routes` and `documents render|sign|signed` send and print.

use std::path::PathBuf;

use peerlift_api::pb;
use peerlift_api::pb::document_service_client::DocumentServiceClient;
use peerlift_api::pb::programme_service_client::ProgrammeServiceClient;
use peerlift_domain::{Assessment, DocumentKind, Indicator, ItemKind, ItemStatus};

use crate::cli::programme::{DocArgs, DocKind, ItemArgs, PlanCommand, PlanWhich, ProgrammeArgs};
use crate::cli::CliError;
use crate::client::{every_page, ClientError, Conn};
use crate::i18n::{n, s, t, tr};
use crate::svg::{bar_chart, Series};
use crate::table::Table;

fn usage(id: &str, args: &[(&str, peerlift_text::Value<'_>)]) -> ClientError {
    ClientError::Usage(tr(id, args))
}

fn table(columns: &[&str]) -> Table {
    let names: Vec<String> = columns.iter().map(|c| t(c)).collect();
    Table::new(&names.iter().map(String::as_str).collect::<Vec<_>>())
}

fn pb_enum<T: PartialEq>(all: &[T], x: &T) -> i32 {
    all.iter()
        .position(|y| y == x)
        .map_or(0, |i| i32::try_from(i + 1).unwrap_or(0))
}

fn from_pb<T: Copy>(all: &[T], v: i32) -> Option<T> {
    usize::try_from(v - 1)
        .ok()
        .and_then(|i| all.get(i).copied())
}

/// A name from the catalogue of messages, or the code when it has none.
fn named(prefix: &str, code: &str) -> String {
    crate::i18n::t_or(&format!("{prefix}-{}", code.replace('_', "-")), || {
        code.to_string()
    })
}

/// A subject's name in the language in use (the code when the catalogue has none).
pub fn subject_name(code: &str) -> String {
    // Subject messages keep the code as it is (`subject-primary_school`).
    crate::i18n::t_or(&format!("subject-{code}"), || code.to_string())
}

/// "Positive share, OGE, mathematics".
fn indicator_label(r: &pb::IndicatorRow) -> String {
    let mut out = from_pb(Indicator::ALL, r.indicator)
        .map_or_else(String::new, |i| named("indicator", i.code()));
    if let Some(a) = from_pb(Assessment::ALL, r.assessment) {
        out.push_str(&format!(", {}", named("assessment", a.code())));
    }
    if !r.subject.is_empty() {
        out.push_str(&format!(", {}", subject_name(&r.subject)));
    }
    out
}

fn parse_stage(x: &str) -> Result<pb::Stage, ClientError> {
    let mut parts = x.rsplitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(end), Some(start), Some(name)) if !name.is_empty() => Ok(pb::Stage {
            name: name.to_string(),
            start: start.to_string(),
            end: end.to_string(),
        }),
        _ => Err(usage("usage-stage", &[("value", s(x))])),
    }
}

fn parse_target(x: &str) -> Result<pb::Target, ClientError> {
    let parts: Vec<&str> = x.split(':').collect();
    let bad = || usage("usage-target", &[("value", s(x))]);
    if !(3..=5).contains(&parts.len()) {
        return Err(bad());
    }
    let indicator = Indicator::from_code(parts[0]).ok_or_else(|| {
        usage(
            "usage-indicator",
            &[("value", s(parts[0])), ("codes", s(Indicator::codes()))],
        )
    })?;
    let value: f64 = parts[2].replace(',', ".").parse().map_err(|_| bad())?;
    let assessment = match parts.get(3).filter(|a| !a.is_empty()) {
        None => 0,
        Some(a) => pb_enum(
            Assessment::ALL,
            &Assessment::from_code(a).ok_or_else(|| {
                usage(
                    "usage-assessment",
                    &[("value", s(*a)), ("codes", s(Assessment::codes()))],
                )
            })?,
        ),
    };
    Ok(pb::Target {
        indicator: pb_enum(Indicator::ALL, &indicator),
        school_year: parts[1].to_string(),
        value,
        assessment,
        subject: parts.get(4).map(|x| x.to_string()).unwrap_or_default(),
    })
}

/// Creates the programme, or changes the options given of the stored one.
pub async fn save_programme(ch: Conn, a: &ProgrammeArgs, create: bool) -> Result<(), ClientError> {
    let muni = a.scope.municipality.clone();
    let mut client = ProgrammeServiceClient::new(ch);
    let mut p = if create {
        pb::Programme {
            municipality_id: muni.clone(),
            id: a.id.clone(),
            ..Default::default()
        }
    } else {
        client
            .get_programme(pb::GetProgrammeRequest {
                municipality_id: muni.clone(),
                programme_id: a.id.clone(),
            })
            .await?
            .into_inner()
    };
    if let Some(x) = &a.title {
        p.title = x.clone();
    }
    if let Some(x) = &a.goal {
        p.goal = x.clone();
    }
    if let Some(x) = &a.school {
        p.school_id = x.clone();
        p.level = if x.is_empty() {
            pb::ProgrammeLevel::Municipality as i32
        } else {
            pb::ProgrammeLevel::School as i32
        };
    }
    if !a.stages.is_empty() {
        p.stages = a
            .stages
            .iter()
            .map(|x| parse_stage(x))
            .collect::<Result<_, _>>()?;
    }
    if !a.targets.is_empty() {
        p.targets = a
            .targets
            .iter()
            .map(|x| parse_target(x))
            .collect::<Result<_, _>>()?;
    }
    let saved = if create {
        client
            .create_programme(pb::CreateProgrammeRequest {
                municipality_id: muni,
                programme: Some(p),
                request_id: String::new(),
            })
            .await?
    } else {
        client
            .update_programme(pb::UpdateProgrammeRequest {
                municipality_id: muni,
                programme: Some(p),
                request_id: String::new(),
            })
            .await?
    }
    .into_inner();
    if crate::output::json() {
        crate::output::print(&saved, "peerlift.v1.Programme");
        return Ok(());
    }
    println!(
        "{}",
        tr(
            "programme-saved",
            &[
                ("id", s(saved.id.clone())),
                ("stages", n(saved.stages.len() as f64)),
                ("targets", n(saved.targets.len() as f64)),
            ],
        )
    );
    Ok(())
}

pub async fn list_programmes(ch: Conn, muni: String) -> Result<(), ClientError> {
    let client = ProgrammeServiceClient::new(ch);
    let all = every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListProgrammesRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
        };
        async move {
            let r = client.list_programmes(req).await?.into_inner();
            Ok((r.programmes, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.Programme");
        return Ok(());
    }
    let mut tb = table(&[
        "col-id",
        "col-title",
        "col-school",
        "col-stages",
        "col-targets",
    ]);
    for p in &all {
        tb.row(vec![
            p.id.clone(),
            p.title.clone(),
            p.school_id.clone(),
            p.stages
                .iter()
                .map(|x| format!("{} {}..{}", x.name, x.start, x.end))
                .collect::<Vec<_>>()
                .join("; "),
            p.targets.len().to_string(),
        ]);
    }
    print!("{}", tb.render());
    Ok(())
}

fn value_text(r: &pb::IndicatorRow, v: Option<f64>) -> String {
    let percent = from_pb(Indicator::ALL, r.indicator).is_some_and(Indicator::is_percent);
    match v {
        None => "-".into(),
        Some(v) if percent => format!("{v:.1}%"),
        Some(v) => format!("{v:.0}"),
    }
}

/// A programme's indicators as a table, and the chart of each targeted line against its
/// target (None without targets): shared by `peerlift programme show` and the console.
pub fn indicators_view(r: &pb::ProgrammeIndicators) -> (Table, Option<String>) {
    let p = r.programme.clone().unwrap_or_default();
    let mut tb = table(&[
        "col-indicator",
        "col-year",
        "col-value",
        "col-n",
        "col-target",
        "col-met",
    ]);
    for x in &r.rows {
        tb.row(vec![
            indicator_label(x),
            x.school_year.clone(),
            value_text(x, x.value),
            if x.value.is_some() {
                x.n.to_string()
            } else {
                String::new()
            },
            value_text(x, x.target),
            match x.met {
                Some(true) => t("yes"),
                Some(false) => t("no"),
                None => String::new(),
            },
        ]);
    }
    let targeted: Vec<&pb::IndicatorRow> = r.rows.iter().filter(|x| x.target.is_some()).collect();
    let chart = (!targeted.is_empty()).then(|| {
        let cats: Vec<String> = targeted
            .iter()
            .map(|x| format!("{} {}", indicator_label(x), x.school_year))
            .collect();
        bar_chart(
            &tr("programme-chart-title", &[("title", s(p.title.clone()))]),
            &t("programme-chart-axis"),
            &cats,
            &[
                Series {
                    name: t("series-value"),
                    colour: "#1565c0",
                    values: targeted.iter().map(|x| x.value.unwrap_or(0.0)).collect(),
                },
                Series {
                    name: t("series-target"),
                    colour: "#9e9e9e",
                    values: targeted.iter().map(|x| x.target.unwrap_or(0.0)).collect(),
                },
            ],
        )
    });
    (tb, chart)
}

pub async fn show_programme(
    ch: Conn,
    muni: String,
    id: String,
    csv: bool,
    svg: Option<PathBuf>,
) -> Result<(), ClientError> {
    let r = ProgrammeServiceClient::new(ch)
        .get_programme_indicators(pb::GetProgrammeIndicatorsRequest {
            municipality_id: muni,
            programme_id: id,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.ProgrammeIndicators");
        return Ok(());
    }
    let p = r.programme.clone().unwrap_or_default();
    let (tb, chart) = indicators_view(&r);
    if let Some(path) = &svg {
        let chart = chart.ok_or_else(|| ClientError::Usage(t("usage-no-targets")))?;
        std::fs::write(path, chart).map_err(|source| ClientError::Io {
            path: path.display().to_string(),
            source,
        })?;
        eprintln!(
            "{}",
            tr("wrote", &[("path", s(path.display().to_string()))])
        );
    }
    if csv {
        print!("{}", tb.to_csv());
        return Ok(());
    }
    println!("{} — {}", p.id, p.title);
    if !p.goal.is_empty() {
        println!("{}", tr("programme-goal", &[("goal", s(p.goal.clone()))]));
    }
    for x in &p.stages {
        println!("  {}: {} .. {}", x.name, x.start, x.end);
    }
    print!("{}", tb.render());
    println!("{}", t("programme-n-note"));
    Ok(())
}

pub async fn remove_programme(ch: Conn, muni: String, id: String) -> Result<(), ClientError> {
    ProgrammeServiceClient::new(ch)
        .delete_programme(pb::DeleteProgrammeRequest {
            municipality_id: muni,
            programme_id: id.clone(),
            etag: String::new(),
            request_id: String::new(),
        })
        .await?;
    println!("{}", tr("removed", &[("id", s(id))]));
    Ok(())
}

pub async fn list_results(
    ch: Conn,
    muni: String,
    school: String,
    assessment: String,
    year: i32,
) -> Result<(), ClientError> {
    let assessment = if assessment.is_empty() {
        0
    } else {
        pb_enum(
            Assessment::ALL,
            &Assessment::from_code(&assessment).ok_or_else(|| {
                usage(
                    "usage-assessment",
                    &[
                        ("value", s(assessment.clone())),
                        ("codes", s(Assessment::codes())),
                    ],
                )
            })?,
        )
    };
    let client = ProgrammeServiceClient::new(ch);
    let all = every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListStudentResultsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
            school_id: school.clone(),
            assessment,
            year,
        };
        async move {
            let r = client.list_student_results(req).await?.into_inner();
            Ok((r.results, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.StudentResult");
        return Ok(());
    }
    let mut tb = table(&[
        "col-school",
        "col-assessment",
        "col-subject",
        "col-grade",
        "col-year",
        "col-participants",
        "col-positive",
        "col-quality",
        "col-mean",
    ]);
    for x in &all {
        tb.row(vec![
            x.school_id.clone(),
            from_pb(Assessment::ALL, x.assessment)
                .map_or_else(String::new, |a| named("assessment", a.code())),
            subject_name(&x.subject),
            x.grade.to_string(),
            x.year.to_string(),
            x.participants.to_string(),
            format!("{:.1}%", x.positive_percent),
            format!("{:.1}%", x.quality_percent),
            x.mean.map(|m| format!("{m:.2}")).unwrap_or_default(),
        ]);
    }
    print!("{}", tb.render());
    Ok(())
}

/// `peerlift roadmaps add`.
#[derive(Debug)]
pub struct NewRoadmap {
    pub id: String,
    pub title: String,
    pub school: String,
    pub programme: String,
    pub template: String,
}

pub async fn add_roadmap(ch: Conn, muni: String, r: NewRoadmap) -> Result<(), ClientError> {
    let p = ProgrammeServiceClient::new(ch)
        .create_plan(pb::CreatePlanRequest {
            municipality_id: muni,
            plan: Some(pb::Plan {
                id: r.id,
                kind: pb::PlanKind::Roadmap as i32,
                title: r.title,
                school_id: r.school,
                programme_id: r.programme,
                ..Default::default()
            }),
            template: r.template,
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_plan(&p);
    Ok(())
}

fn plan_kind(which: PlanWhich) -> pb::PlanKind {
    match which {
        PlanWhich::Roadmap => pb::PlanKind::Roadmap,
        PlanWhich::Route => pb::PlanKind::Route,
    }
}

fn print_plan(p: &pb::Plan) {
    if crate::output::json() {
        crate::output::print(p, "peerlift.v1.Plan");
        return;
    }
    println!("{} — {}", p.id, p.title);
    let mut tb = table(&[
        "col-item",
        "col-what",
        "col-responsible",
        "col-due",
        "col-status",
        "col-evidence",
    ]);
    for x in &p.items {
        let mut status = from_pb(ItemStatus::ALL, x.status)
            .map_or_else(String::new, |st| named("item-status", st.code()));
        if !x.done_on.is_empty() {
            status.push_str(&format!(" {}", x.done_on));
        }
        if x.automatic {
            status.push_str(&format!(" ({})", t("item-automatic")));
        }
        if x.overdue {
            status.push_str(&format!(" — {}", t("item-overdue")));
        }
        tb.row(vec![
            x.id.clone(),
            x.what.clone(),
            x.responsible.clone(),
            x.due.clone(),
            status,
            x.evidence.clone(),
        ]);
    }
    print!("{}", tb.render());
    println!(
        "{}",
        tr(
            "plan-summary",
            &[
                ("items", n(p.items.len() as f64)),
                (
                    "done",
                    n(p.items
                        .iter()
                        .filter(|x| x.status == pb::ItemStatus::Done as i32)
                        .count() as f64),
                ),
                ("overdue", n(f64::from(p.overdue_items))),
            ],
        )
    );
}

async fn get_plan(
    client: &mut ProgrammeServiceClient<Conn>,
    muni: &str,
    id: &str,
) -> Result<pb::Plan, ClientError> {
    Ok(client
        .get_plan(pb::GetPlanRequest {
            municipality_id: muni.to_string(),
            plan_id: id.to_string(),
        })
        .await?
        .into_inner())
}

pub async fn plans(c: PlanCommand, which: PlanWhich) -> Result<(), CliError> {
    match c {
        PlanCommand::List {
            remote,
            scope,
            school,
            teacher,
            overdue,
        } => {
            let client = ProgrammeServiceClient::new(remote.connect().await?);
            let muni = scope.municipality;
            let all = every_page(|page_token| {
                let mut client = client.clone();
                let req = pb::ListPlansRequest {
                    municipality_id: muni.clone(),
                    page_size: 1000,
                    page_token,
                    kind: plan_kind(which) as i32,
                    school_id: school.clone(),
                    teacher_id: teacher.clone(),
                    programme_id: String::new(),
                    overdue_only: overdue,
                };
                async move {
                    let r = client.list_plans(req).await?.into_inner();
                    Ok((r.plans, r.next_page_token))
                }
            })
            .await?;
            if crate::output::json() {
                crate::output::print_list(&all, "peerlift.v1.Plan");
                return Ok(());
            }
            let mut tb = table(&[
                "col-id",
                "col-title",
                "col-school",
                "col-teacher",
                "col-items",
                "col-done",
                "col-overdue",
            ]);
            for p in &all {
                tb.row(vec![
                    p.id.clone(),
                    p.title.clone(),
                    p.school_id.clone(),
                    p.teacher_id.clone(),
                    p.items.len().to_string(),
                    p.items
                        .iter()
                        .filter(|x| x.status == pb::ItemStatus::Done as i32)
                        .count()
                        .to_string(),
                    p.overdue_items.to_string(),
                ]);
            }
            print!("{}", tb.render());
        }
        PlanCommand::Show { remote, scope, id } => {
            let mut client = ProgrammeServiceClient::new(remote.connect().await?);
            print_plan(&get_plan(&mut client, &scope.municipality, &id).await?);
        }
        PlanCommand::Item(a) => save_item(*a).await?,
        PlanCommand::Remove { remote, scope, id } => {
            ProgrammeServiceClient::new(remote.connect().await?)
                .delete_plan(pb::DeletePlanRequest {
                    municipality_id: scope.municipality,
                    plan_id: id.clone(),
                    etag: String::new(),
                    request_id: String::new(),
                })
                .await?;
            println!("{}", tr("removed", &[("id", s(id))]));
        }
    }
    Ok(())
}

/// Adds or changes one item: reads the plan, changes it, writes it back with its etag (a
/// concurrent change is refused, not overwritten).
async fn save_item(a: ItemArgs) -> Result<(), CliError> {
    let muni = a.scope.municipality.clone();
    let mut client = ProgrammeServiceClient::new(a.remote.connect().await?);
    let mut p = get_plan(&mut client, &muni, &a.plan).await?;
    let pos = p.items.iter().position(|x| x.id == a.item);
    if a.delete {
        let i = pos.ok_or_else(|| usage("usage-no-item", &[("item", s(a.item.clone()))]))?;
        p.items.remove(i);
    } else {
        let i = match pos {
            Some(i) => i,
            None => {
                p.items.push(pb::PlanItem {
                    id: a.item.clone(),
                    kind: pb::ItemKind::Task as i32,
                    status: pb::ItemStatus::Planned as i32,
                    ..Default::default()
                });
                p.items.len() - 1
            }
        };
        let x = &mut p.items[i];
        if let Some(v) = &a.what {
            x.what = v.clone();
        }
        if let Some(v) = &a.kind {
            let k = ItemKind::from_code(v).ok_or_else(|| {
                usage(
                    "usage-item-kind",
                    &[("value", s(v.clone())), ("codes", s(ItemKind::codes()))],
                )
            })?;
            x.kind = pb_enum(ItemKind::ALL, &k);
        }
        if let Some(v) = &a.status {
            let k = ItemStatus::from_code(v).ok_or_else(|| {
                usage(
                    "usage-item-status",
                    &[("value", s(v.clone())), ("codes", s(ItemStatus::codes()))],
                )
            })?;
            x.status = pb_enum(ItemStatus::ALL, &k);
        }
        for (field, value) in [
            (&mut x.link, &a.link),
            (&mut x.responsible, &a.responsible),
            (&mut x.due, &a.due),
            (&mut x.done_on, &a.done_on),
            (&mut x.evidence, &a.evidence),
        ] {
            if let Some(v) = value {
                *field = v.clone();
            }
        }
        // What the office says of the item is its own from now on; an item done by the data
        // stays computed (the service keeps the office's stored status for it).
        if a.status.is_some() || a.done_on.is_some() || a.evidence.is_some() {
            x.automatic = false;
        }
    }
    let saved = client
        .update_plan(pb::UpdatePlanRequest {
            municipality_id: muni,
            plan: Some(p),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_plan(&saved);
    Ok(())
}

pub async fn draft_routes(
    ch: Conn,
    muni: String,
    teachers: Vec<String>,
    programme: String,
    replace: bool,
) -> Result<(), ClientError> {
    let r = ProgrammeServiceClient::new(ch)
        .draft_routes(pb::DraftRoutesRequest {
            municipality_id: muni,
            teacher_ids: teachers,
            programme_id: programme,
            replace,
            request_id: String::new(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.DraftRoutesResponse");
        return Ok(());
    }
    let mut tb = table(&["col-id", "col-teacher", "col-items", "col-change"]);
    for (p, what) in r
        .created
        .iter()
        .map(|p| (p, t("change-created")))
        .chain(r.replaced.iter().map(|p| (p, t("change-replaced"))))
    {
        tb.row(vec![
            p.id.clone(),
            p.teacher_id.clone(),
            p.items.len().to_string(),
            what,
        ]);
    }
    print!("{}", tb.render());
    println!(
        "{}",
        tr(
            "routes-drafted",
            &[
                ("created", n(r.created.len() as f64)),
                ("replaced", n(r.replaced.len() as f64)),
                ("skipped", n(r.skipped.len() as f64)),
            ],
        )
    );
    Ok(())
}

fn doc_kind(k: DocKind) -> DocumentKind {
    match k {
        DocKind::PartnershipOrder => DocumentKind::PartnershipOrder,
        DocKind::NetworkAgreement => DocumentKind::NetworkAgreement,
        DocKind::Recommendations => DocumentKind::Recommendations,
        DocKind::EventReport => DocumentKind::EventReport,
        DocKind::Roadmap => DocumentKind::Roadmap,
        DocKind::Route => DocumentKind::Route,
        DocKind::AnnualReport => DocumentKind::AnnualReport,
    }
}

pub async fn render_document(a: DocArgs) -> Result<(), CliError> {
    let order = (!a.number.is_empty() || !a.date.is_empty()).then(|| pb::Order {
        number: a.number.clone(),
        date: a.date.clone(),
    });
    let d = DocumentServiceClient::new(a.remote.connect().await?)
        .render_document(pb::RenderDocumentRequest {
            municipality_id: a.scope.municipality.clone(),
            kind: pb_enum(DocumentKind::ALL, &doc_kind(a.kind)),
            subject: a.subject.clone(),
            school_year: a.year.clone(),
            order,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&d, "peerlift.v1.Document");
        return Ok(());
    }
    match &a.out {
        Some(path) => {
            std::fs::write(path, &d.html).map_err(|e| CliError::io(path, e))?;
            eprintln!(
                "{}",
                tr(
                    "document-drafted",
                    &[
                        ("path", s(path.display().to_string())),
                        ("title", s(d.title.clone())),
                    ],
                )
            );
        }
        None => print!("{}", d.html),
    }
    Ok(())
}

pub async fn sign_document(a: DocArgs) -> Result<(), CliError> {
    if a.number.is_empty() || a.date.is_empty() {
        return Err(CliError::Usage(t("usage-sign-needs-number")));
    }
    let d = DocumentServiceClient::new(a.remote.connect().await?)
        .record_signed_document(pb::RecordSignedDocumentRequest {
            municipality_id: a.scope.municipality.clone(),
            document: Some(pb::SignedDocument {
                kind: pb_enum(DocumentKind::ALL, &doc_kind(a.kind)),
                number: a.number.clone(),
                date: a.date.clone(),
                subject: a.subject.clone(),
                school_year: a.year.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&d, "peerlift.v1.SignedDocument");
        return Ok(());
    }
    println!(
        "{}",
        tr(
            "document-signed",
            &[
                ("id", s(d.id.clone())),
                ("title", s(d.title.clone())),
                ("count", n(d.mentorship_ids.len() as f64)),
            ],
        )
    );
    Ok(())
}

pub async fn signed_documents(
    ch: Conn,
    muni: String,
    mentorship: String,
) -> Result<(), ClientError> {
    let client = DocumentServiceClient::new(ch);
    let all = every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListSignedDocumentsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
            kind: 0,
            mentorship_id: mentorship.clone(),
        };
        async move {
            let r = client.list_signed_documents(req).await?.into_inner();
            Ok((r.documents, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.SignedDocument");
        return Ok(());
    }
    let mut tb = table(&[
        "col-id",
        "col-number",
        "col-date",
        "col-title",
        "col-partnerships",
    ]);
    for d in &all {
        tb.row(vec![
            d.id.clone(),
            d.number.clone(),
            d.date.clone(),
            d.title.clone(),
            d.mentorship_ids.len().to_string(),
        ]);
    }
    print!("{}", tb.render());
    Ok(())
}
