//! The office's network beyond mentorships: curators of schools (and, in the same module as
//! they come, associations, internship platforms and municipal events).

use clap::{Args, Subcommand};

use super::{CliResult, Remote, Scope};
use crate::community_cli as cc;

#[derive(Debug, Subcommand)]
pub enum CuratorCommand {
    /// Assign a curator to schools and/or directions
    Add(CuratorArgs),
    /// Change a curator: the options given replace the stored values
    Update(CuratorArgs),
    /// Curators of the municipality (of one school with --school)
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only curators of this school
        #[arg(long, default_value = "")]
        school: String,
    },
    /// A curator's schools: status, mentorships, sessions and progress of each
    View {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The curator (with a curator token: its own, by default)
        #[arg(default_value = "")]
        id: String,
    },
    /// Remove a curator (its tokens then see no school)
    Remove {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
    },
}

/// `peerlift curators add` and `update`: the curator record.
#[derive(Debug, Args)]
pub struct CuratorArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The curator's id
    pub id: String,
    /// Full name of the person
    #[arg(long)]
    pub name: Option<String>,
    /// What the person is, e.g. "методист ИМЦ"
    #[arg(long)]
    pub position: Option<String>,
    /// The curator's teacher record, when the curator is a teacher of the registry
    #[arg(long)]
    pub teacher: Option<String>,
    /// A school the curator looks after; repeat for each (replaces the list)
    #[arg(long = "school")]
    pub schools: Vec<String>,
    /// A direction the curator looks after; repeat for each (replaces the list)
    #[arg(long = "direction")]
    pub directions: Vec<String>,
    /// E-mail or phone
    #[arg(long)]
    pub contact: Option<String>,
}

pub async fn curators(command: CuratorCommand) -> CliResult {
    match command {
        CuratorCommand::Add(a) => {
            let ch = a.remote.connect().await?;
            cc::save_curator(ch, &a, true).await?
        }
        CuratorCommand::Update(a) => {
            let ch = a.remote.connect().await?;
            cc::save_curator(ch, &a, false).await?
        }
        CuratorCommand::List {
            remote,
            scope,
            school,
        } => cc::list_curators(remote.connect().await?, scope.municipality, school).await?,
        CuratorCommand::View { remote, scope, id } => {
            cc::curator_view(remote.connect().await?, scope.municipality, id).await?
        }
        CuratorCommand::Remove { remote, scope, id } => {
            cc::remove_curator(remote.connect().await?, scope.municipality, id).await?
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Plan a municipal event: a festival, master class, seminar, round table, webinar
    Add(Box<EventArgs>),
    /// Events of a teacher (invited, leading or registered) or of a school, or all
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only events this teacher is invited to, leads or is registered for
        #[arg(long, default_value = "")]
        teacher: String,
        /// Only events this school hosts or is invited to
        #[arg(long, default_value = "")]
        school: String,
        /// From this day, 2026-12-01
        #[arg(long, default_value = "")]
        from: String,
        /// Until this day (not included)
        #[arg(long, default_value = "")]
        to: String,
    },
    /// Register a teacher for an event (--withdraw: take it back)
    Register {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The event
        event: String,
        /// The teacher
        teacher: String,
        /// Take the registration back
        #[arg(long)]
        withdraw: bool,
    },
    /// Record an event as held: who came, its materials
    Record {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The event
        event: String,
        /// A teacher who came; repeat for each
        #[arg(long = "attended")]
        attended: Vec<String>,
        /// A programme, presentation or recording; repeat for each
        #[arg(long = "material")]
        materials: Vec<String>,
    },
    /// Cancel an event
    Cancel {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The event
        event: String,
        /// Why
        #[arg(long)]
        reason: String,
    },
}

/// `peerlift events add`: the event.
#[derive(Debug, Args)]
pub struct EventArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The event's id
    pub id: String,
    /// Its kind: open_lessons_festival, master_class, seminar_practicum, creative_laboratory, round_table, webinar, business_game, ideas_auction, conference, methodical_day (or the municipality's own)
    #[arg(long)]
    pub kind: String,
    /// Its title
    #[arg(long)]
    pub title: String,
    /// Start, municipality time: 2026-12-10T10:00
    #[arg(long)]
    pub start: String,
    /// Length in minutes
    #[arg(long, default_value_t = 90)]
    pub minutes: u32,
    /// The host school (in person); without it the event is online
    #[arg(long, default_value = "")]
    pub host: String,
    /// Room, address or call link
    #[arg(long, default_value = "")]
    pub place: String,
    /// Who organises it: office, platform:ID, association:ID or school:ID
    #[arg(long, default_value = "office")]
    pub organiser: String,
    /// A direction it addresses; repeat for each
    #[arg(long = "direction")]
    pub directions: Vec<String>,
    /// A deficit it addresses (subject or competence area); repeat for each
    #[arg(long = "topic")]
    pub topics: Vec<String>,
    /// An invited school (all its teachers); repeat for each
    #[arg(long = "invite-school")]
    pub invite_schools: Vec<String>,
    /// An invited teacher; repeat for each
    #[arg(long = "invite-teacher")]
    pub invite_teachers: Vec<String>,
    /// A teacher who leads it (gives the lesson, the master class); repeat for each
    #[arg(long = "leader")]
    pub leaders: Vec<String>,
    /// Places for registration (default: no limit)
    #[arg(long)]
    pub capacity: Option<u32>,
}

pub async fn events(command: EventCommand) -> CliResult {
    match command {
        EventCommand::Add(a) => {
            let ch = a.remote.connect().await?;
            cc::add_event(ch, &a).await?
        }
        EventCommand::List {
            remote,
            scope,
            teacher,
            school,
            from,
            to,
        } => {
            let f = crate::sessions_cli::Filter {
                teacher,
                school,
                mentorship: String::new(),
                from,
                to,
            };
            cc::list_events(remote.connect().await?, scope.municipality, f).await?
        }
        EventCommand::Register {
            remote,
            scope,
            event,
            teacher,
            withdraw,
        } => {
            let ch = remote.connect().await?;
            cc::register(ch, scope.municipality, event, teacher, withdraw).await?
        }
        EventCommand::Record {
            remote,
            scope,
            event,
            attended,
            materials,
        } => {
            let ch = remote.connect().await?;
            cc::change_event(ch, scope.municipality, event, |e| {
                e.status = peerlift_api::pb::EventStatus::Held as i32;
                e.attended = attended;
                e.materials.extend(materials);
            })
            .await?
        }
        EventCommand::Cancel {
            remote,
            scope,
            event,
            reason,
        } => {
            let ch = remote.connect().await?;
            cc::change_event(ch, scope.municipality, event, |e| {
                e.status = peerlift_api::pb::EventStatus::Cancelled as i32;
                e.status_reason = reason;
            })
            .await?
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum AssociationCommand {
    /// Found a professional association or network community, with its leader
    Add(Box<AssociationArgs>),
    /// A teacher joins (of another municipality with --from)
    Join(MembershipArgs),
    /// A member leaves
    Leave(MembershipArgs),
    /// The municipality's associations and their current members
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
    },
    /// Teachers in associations by school year, and each association's members by municipality
    Participation {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// A school year, 2021-2022; repeat for each (default: every year with members)
        #[arg(long = "year")]
        years: Vec<String>,
    },
    /// Associations that suit a teacher's diagnosed deficits, and why
    Recommend {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The teacher
        teacher: String,
    },
}

/// `peerlift associations add`.
#[derive(Debug, Args)]
pub struct AssociationArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The association's id
    pub id: String,
    /// Its name
    #[arg(long)]
    pub name: String,
    /// association, community or kindergarten
    #[arg(long, default_value = "association")]
    pub kind: String,
    /// The subject it is about
    #[arg(long, default_value = "")]
    pub subject: String,
    /// A competence area its theme works on; repeat for each
    #[arg(long = "area")]
    pub areas: Vec<String>,
    /// The pedagogical problem it works on
    #[arg(long, default_value = "")]
    pub problem: String,
    /// city or region
    #[arg(long, default_value = "city")]
    pub reach: String,
    /// It meets online too
    #[arg(long)]
    pub online: bool,
    /// The school year it started, 2020-2021
    #[arg(long, default_value = "")]
    pub since_year: String,
    /// Its leader, a teacher of the municipality
    #[arg(long)]
    pub leader: String,
    /// The day the leader took it on, 2020-09-01 (default today)
    #[arg(long, default_value = "")]
    pub since: String,
}

/// `peerlift associations join` and `leave`.
#[derive(Debug, Args)]
pub struct MembershipArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The association
    pub association: String,
    /// The teacher
    pub teacher: String,
    /// The teacher's municipality, when it is not the association's
    #[arg(long = "from", default_value = "")]
    pub from_municipality: String,
    /// The day, 2021-09-01 (default today)
    #[arg(long, default_value = "")]
    pub on: String,
    /// Joins as a leader
    #[arg(long)]
    pub leader: bool,
}

pub async fn associations(command: AssociationCommand) -> CliResult {
    match command {
        AssociationCommand::Add(a) => {
            let ch = a.remote.connect().await?;
            cc::add_association(ch, &a).await?
        }
        AssociationCommand::Join(a) => {
            let ch = a.remote.connect().await?;
            cc::membership(ch, &a, true).await?
        }
        AssociationCommand::Leave(a) => {
            let ch = a.remote.connect().await?;
            cc::membership(ch, &a, false).await?
        }
        AssociationCommand::List { remote, scope } => {
            cc::list_associations(remote.connect().await?, scope.municipality).await?
        }
        AssociationCommand::Participation {
            remote,
            scope,
            years,
        } => cc::participation(remote.connect().await?, scope.municipality, years).await?,
        AssociationCommand::Recommend {
            remote,
            scope,
            teacher,
        } => cc::recommend(remote.connect().await?, scope.municipality, teacher).await?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum PlatformCommand {
    /// Fix an internship platform for management teams to a leader school
    Add(Box<PlatformArgs>),
    /// The municipality's platforms
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only platforms on this system direction
        #[arg(long, default_value = "")]
        direction: String,
    },
    /// Record an administrator's management diagnostic
    Diagnose {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The administrator (a director or deputy)
        teacher: String,
        /// The administrator's school
        #[arg(long)]
        school: String,
        /// The day of the diagnostic, 2022-10-14
        #[arg(long)]
        date: String,
        /// A system direction's share mastered, sys_low_results=0.3; repeat for each
        #[arg(long = "score")]
        scores: Vec<String>,
        /// Who produced it
        #[arg(long, default_value = "")]
        source: String,
    },
    /// A school's management team: its diagnostics and the difficulties they find
    Team {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The school
        school: String,
    },
}

/// `peerlift platforms add`.
#[derive(Debug, Args)]
pub struct PlatformArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The platform's id
    pub id: String,
    /// The leader school that runs it
    #[arg(long)]
    pub school: String,
    /// Its system direction: sys_learning_quality, sys_low_results, sys_talents, sys_career_guidance, sys_leadership, sys_staff_development, sys_upbringing
    #[arg(long)]
    pub direction: String,
    /// Its name
    #[arg(long)]
    pub name: String,
    /// What teams do there, or a link to the programme
    #[arg(long, default_value = "")]
    pub programme: String,
    /// Schools' teams it takes at once
    #[arg(long, default_value_t = 3)]
    pub capacity: u32,
    /// The curator of its direction
    #[arg(long, default_value = "")]
    pub curator: String,
    /// The number of the order that fixed it
    #[arg(long, default_value = "")]
    pub order_number: String,
    /// The date of that order, 2022-09-01
    #[arg(long, default_value = "")]
    pub order_date: String,
    /// The school year, 2022-2023
    #[arg(long, default_value = "")]
    pub school_year: String,
}

pub async fn platforms(command: PlatformCommand) -> CliResult {
    match command {
        PlatformCommand::Add(a) => {
            let ch = a.remote.connect().await?;
            cc::add_platform(ch, &a).await?
        }
        PlatformCommand::List {
            remote,
            scope,
            direction,
        } => cc::list_platforms(remote.connect().await?, scope.municipality, direction).await?,
        PlatformCommand::Diagnose {
            remote,
            scope,
            teacher,
            school,
            date,
            scores,
            source,
        } => {
            let ch = remote.connect().await?;
            cc::diagnose(
                ch,
                scope.municipality,
                teacher,
                school,
                date,
                scores,
                source,
            )
            .await?
        }
        PlatformCommand::Team {
            remote,
            scope,
            school,
        } => cc::team(remote.connect().await?, scope.municipality, school).await?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum DocumentCommand {
    /// The order approving the list of network partnerships for a school year, with its annex (HTML, print it)
    PartnershipOrder {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The school year, 2022-2023
        #[arg(long)]
        year: String,
        /// The order's number, once signed (blank otherwise)
        #[arg(long, default_value = "")]
        number: String,
        /// The order's date, 2022-10-18, once signed
        #[arg(long, default_value = "")]
        date: String,
        /// Write the HTML to FILE (default: standard output)
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Draft any of the office's documents (HTML, print it): partnership-order YEAR, network-agreement PARTNERSHIP, recommendations YEAR, event-report EVENT, roadmap PLAN, route PLAN, annual-report PROGRAMME --year YEAR
    Render(super::programme::DocArgs),
    /// Record that the office signed a document (--number, --date): a partnership order is then written into each partnership it approved
    Sign(super::programme::DocArgs),
    /// Documents the office signed
    Signed {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only those listing this mentorship (the order that approved a partnership)
        #[arg(long, default_value = "")]
        mentorship: String,
    },
}

pub async fn documents(command: DocumentCommand) -> CliResult {
    match command {
        DocumentCommand::PartnershipOrder {
            remote,
            scope,
            year,
            number,
            date,
            out,
        } => {
            let ch = remote.connect().await?;
            cc::partnership_order(ch, scope.municipality, year, number, date, out).await?
        }
        DocumentCommand::Render(a) => crate::programme_cli::render_document(a).await?,
        DocumentCommand::Sign(a) => crate::programme_cli::sign_document(a).await?,
        DocumentCommand::Signed {
            remote,
            scope,
            mentorship,
        } => {
            crate::programme_cli::signed_documents(
                remote.connect().await?,
                scope.municipality,
                mentorship,
            )
            .await?
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
