//! Progress and reports: computed from the registry on request (see
//! `peerlift_domain::progress` and `peerlift_domain::report`).

use std::collections::BTreeMap;

use jiff::civil::Date;
use peerlift_domain::progress::{self, History, World};
use peerlift_domain::report::{self, CoverageRow};
use peerlift_domain::{
    Diagnostic, Level, MentorProfile, Mentorship, School, SchoolStatus, Session, Teacher,
    Violations,
};
use peerlift_store::Store;
use tonic::{Request, Response, Status};

use super::check_id;
use crate::auth::Admit;
use crate::convert::enum_to_pb;
use crate::convert_sessions::{
    change_to_pb, counts_to_pb, coverage_row_to_pb, load_row_to_pb, mentorship_progress_to_pb,
    progress_row_to_pb, status_change_to_pb, summary_to_pb,
};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::report_service_server::ReportService;
use crate::state::{self, AppState};

#[derive(Debug, Clone)]
pub struct ReportApi {
    pub state: AppState,
}

use crate::app::all_of as all;

/// The registry of a municipality, loaded once per report.
struct Registry {
    schools: Vec<School>,
    teachers: Vec<Teacher>,
    diagnostics: Vec<Diagnostic>,
    mentorships: Vec<Mentorship>,
}

impl Registry {
    fn load(s: &Store, muni: &str) -> ApiResult<Registry> {
        state::municipality(s, muni)?;
        Ok(Registry {
            schools: all(s, muni)?,
            teachers: all(s, muni)?,
            diagnostics: all(s, muni)?,
            mentorships: all(s, muni)?,
        })
    }

    fn world(&self) -> World<'_> {
        World::new(&self.diagnostics, &self.schools, &self.teachers)
    }
}

fn date_range(r: &pb::ReportRequest) -> ApiResult<(Option<Date>, Option<Date>)> {
    let mut v = Violations::new();
    let (from, to) = super::sessions::date_range(&mut v, &r.from, &r.to);
    v.into_result().map_err(ApiError::Invalid)?;
    Ok((from, to))
}

fn in_range(s: &Session, from: Option<Date>, to: Option<Date>) -> bool {
    let d = s.start.date();
    from.is_none_or(|f| d >= f) && to.is_none_or(|t| d < t)
}

fn add_row(total: &mut CoverageRow, r: &CoverageRow) {
    total.demands_a += r.demands_a;
    total.demands_b += r.demands_b;
    total.covered_a += r.covered_a;
    total.covered_b += r.covered_b;
}

#[tonic::async_trait]
impl ReportService for ReportApi {
    async fn get_teacher_progress(
        &self,
        req: Request<pb::GetTeacherProgressRequest>,
    ) -> Result<Response<pb::TeacherProgress>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("teacher_id", &r.teacher_id)?;
        let out = self
            .state
            .read(move |s| {
                let diags = crate::app::registry::teacher_diagnostics(
                    s,
                    &r.municipality_id,
                    &r.teacher_id,
                )?;
                let h = History::new(&diags);
                let subjects = h
                    .subjects_of(&r.teacher_id)
                    .into_iter()
                    .map(|subject| pb::SubjectProgress {
                        subject: subject.to_string(),
                        rounds: h
                            .rounds(&r.teacher_id, subject)
                            .iter()
                            .map(|d| pb::DiagnosticRound {
                                date: d.date.to_string(),
                                level: enum_to_pb(Level::ALL, &d.level),
                                scores: d.scores.clone().into_iter().collect(),
                            })
                            .collect(),
                        last_change: h
                            .last_change(&r.teacher_id, subject)
                            .map(|c| change_to_pb(&c)),
                    })
                    .collect();
                Ok(pb::TeacherProgress {
                    teacher_id: r.teacher_id.clone(),
                    subjects,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn get_mentorship_progress(
        &self,
        req: Request<pb::GetMentorshipProgressRequest>,
    ) -> Result<Response<pb::MentorshipProgress>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        check_id("mentorship_id", &r.mentorship_id)?;
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let m = reg
                    .mentorships
                    .iter()
                    .find(|m| m.id == r.mentorship_id)
                    .ok_or_else(|| ApiError::NotFound {
                        kind: "mentorship",
                        id: r.mentorship_id.clone(),
                    })?;
                let p = progress::mentorship_progress(m, &reg.world());
                Ok(mentorship_progress_to_pb(&p, lang))
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn get_mentor_progress(
        &self,
        req: Request<pb::GetMentorProgressRequest>,
    ) -> Result<Response<pb::MentorProgress>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
        check_id("mentor_id", &r.mentor_id)?;
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let known = reg.teachers.iter().any(|t| t.id == r.mentor_id)
                    || reg.schools.iter().any(|x| x.id == r.mentor_id);
                if !known {
                    return Err(ApiError::NotFound {
                        kind: "mentor",
                        id: r.mentor_id.clone(),
                    });
                }
                let w = reg.world();
                let list: Vec<_> = reg
                    .mentorships
                    .iter()
                    .filter(|m| m.mentor_id == r.mentor_id && m.mentor_municipality_id.is_empty())
                    .map(|m| progress::mentorship_progress(m, &w))
                    .collect();
                Ok(pb::MentorProgress {
                    mentor_id: r.mentor_id.clone(),
                    summary: Some(summary_to_pb(&progress::mentor_summary(&list))),
                    mentorships: list
                        .iter()
                        .map(|p| mentorship_progress_to_pb(p, lang))
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn get_school_progress(
        &self,
        req: Request<pb::GetSchoolProgressRequest>,
    ) -> Result<Response<pb::SchoolProgress>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("school_id", &r.school_id)?;
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let school = reg
                    .schools
                    .iter()
                    .find(|x| x.id == r.school_id)
                    .ok_or_else(|| ApiError::NotFound {
                        kind: "school",
                        id: r.school_id.clone(),
                    })?;
                let p = progress::school_progress(school, &reg.world());
                Ok(pb::SchoolProgress {
                    school_id: p.school_id.clone(),
                    changes: p.changes.iter().map(change_to_pb).collect(),
                    summary: Some(summary_to_pb(&p.summary)),
                    status: enum_to_pb(SchoolStatus::ALL, &school.status),
                    status_history: school
                        .status_history
                        .iter()
                        .map(status_change_to_pb)
                        .collect(),
                    left_low_results: p.left_low_results,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn coverage_report(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::CoverageReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let h = History::new(&reg.diagnostics);
                let rows = report::coverage(&reg.teachers, &h, &reg.mentorships);
                let mut by_subject: BTreeMap<&str, CoverageRow> = BTreeMap::new();
                let mut total = CoverageRow::default();
                for row in &rows {
                    let e = by_subject
                        .entry(row.subject.as_str())
                        .or_insert_with(|| CoverageRow {
                            subject: row.subject.clone(),
                            ..CoverageRow::default()
                        });
                    add_row(e, row);
                    add_row(&mut total, row);
                }
                Ok(pb::CoverageReportResponse {
                    rows: rows.iter().map(coverage_row_to_pb).collect(),
                    by_subject: by_subject.values().map(coverage_row_to_pb).collect(),
                    total: Some(coverage_row_to_pb(&total)),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn mentor_load_report(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::MentorLoadReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let (from, to) = date_range(&r)?;
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let profiles: Vec<MentorProfile> = all(s, &r.municipality_id)?;
                let sessions: Vec<Session> = all::<Session>(s, &r.municipality_id)?
                    .into_iter()
                    .filter(|x| in_range(x, from, to))
                    .collect();
                let rows =
                    report::mentor_load(&reg.teachers, &profiles, &reg.mentorships, &sessions);
                Ok(pb::MentorLoadReportResponse {
                    rows: rows.iter().map(load_row_to_pb).collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn sessions_report(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::SessionsReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let (from, to) = date_range(&r)?;
        let out = self
            .state
            .read(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let sessions: Vec<Session> = all(s, &r.municipality_id)?;
                let rep = report::sessions_report(&sessions, from, to);
                let (by_kind, events) = crate::app::events::counts(
                    &all::<peerlift_domain::Event>(s, &r.municipality_id)?,
                    &all::<Teacher>(s, &r.municipality_id)?,
                    from,
                    to,
                );
                let rows = |list: &[(String, report::SessionCounts)]| {
                    list.iter()
                        .map(|(k, c)| pb::SessionCountRow {
                            key: k.clone(),
                            counts: Some(counts_to_pb(c)),
                        })
                        .collect()
                };
                Ok(pb::SessionsReportResponse {
                    by_mentorship: rows(&rep.by_mentorship),
                    by_school: rows(&rep.by_school),
                    total: Some(counts_to_pb(&rep.total)),
                    events_by_kind: by_kind
                        .iter()
                        .map(|(k, c)| pb::EventCountRow {
                            kind: k.clone(),
                            counts: Some(event_counts_to_pb(c)),
                        })
                        .collect(),
                    events: Some(event_counts_to_pb(&events)),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn progress_report(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::ProgressReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let h = History::new(&reg.diagnostics);
                let rows = report::progress_report(&h, &reg.mentorships);
                Ok(pb::ProgressReportResponse {
                    rows: rows.iter().map(progress_row_to_pb).collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn outcomes_report(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::OutcomesReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let (from, to) = date_range(&r)?;
        let now = (self.state.clock)();
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let data = crate::app::programme::Data::load(s, &r.municipality_id)?;
                let today = state::today(&state::municipality(s, &r.municipality_id)?, now);
                let sessions: Vec<Session> = all::<Session>(s, &r.municipality_id)?
                    .into_iter()
                    .filter(|x| in_range(x, from, to))
                    .collect();
                let h = History::new(&reg.diagnostics);
                let o =
                    report::outcomes(&reg.schools, &reg.teachers, &h, &reg.mentorships, &sessions);
                let held: Vec<peerlift_domain::Event> =
                    all::<peerlift_domain::Event>(s, &r.municipality_id)?;
                let (_, events) = crate::app::events::counts(&held, &reg.teachers, from, to);
                let came: std::collections::BTreeSet<&str> = held
                    .iter()
                    .filter(|e| {
                        let d = e.start.date();
                        from.is_none_or(|f| d >= f) && to.is_none_or(|t| d < t)
                    })
                    .flat_map(|e| e.attended.iter().map(String::as_str))
                    .collect();
                let teachers_at_events = reg
                    .teachers
                    .iter()
                    .filter(|t| t.active && came.contains(t.id.as_str()))
                    .count() as u32;
                let mut by_basis: BTreeMap<&str, u32> = BTreeMap::new();
                for m in reg
                    .mentorships
                    .iter()
                    .filter(|m| m.is_active() && !m.kind.is_schools())
                {
                    *by_basis.entry(m.charter.basis.code()).or_default() += 1;
                }
                Ok(pb::OutcomesReportResponse {
                    schools_low_results_ever: o.schools_low_results_ever,
                    schools_low_results_now: o.schools_low_results_now,
                    schools_left_low_results: o.schools_left_low_results,
                    deficits_rediagnosed: o.deficits_rediagnosed,
                    deficits_closed: o.deficits_closed,
                    sessions: Some(counts_to_pb(&o.sessions)),
                    teachers_active: o.teachers_active,
                    teachers_participating: o.teachers_participating,
                    teachers_with_deficit: o.teachers_with_deficit,
                    teachers_with_deficit_mentored: o.teachers_with_deficit_mentored,
                    events: Some(event_counts_to_pb(&events)),
                    teachers_at_events,
                    mentorships_by_basis: by_basis
                        .into_iter()
                        .map(|(basis, n)| pb::BasisCount {
                            basis: basis.to_string(),
                            mentorships: n,
                        })
                        .collect(),
                    network_vs_outside: crate::app::programme::network_vs_outside(&data, today)
                        .into_iter()
                        .map(|c| pb::Comparison {
                            measure: c.measure.to_string(),
                            school_year: c.school_year,
                            network: c.network,
                            network_n: c.network_n,
                            outside: c.outside,
                            outside_n: c.outside_n,
                        })
                        .collect(),
                    plan_items_overdue: data.overdue_items(today),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn monitoring_report(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::MonitoringReportResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let data = crate::app::programme::Data::load(s, &r.municipality_id)?;
                let today = state::today(&state::municipality(s, &r.municipality_id)?, now);
                let h = History::new(&reg.diagnostics);
                let (rows, total) = report::deficits_by_subject(&reg.teachers, &h);
                let level_row = |x: &report::LevelCounts| pb::LevelCountRow {
                    subject: x.subject.clone(),
                    a: x.a,
                    b: x.b,
                    c: x.c,
                    d: x.d,
                    teachers: x.teachers(),
                };
                Ok(pb::MonitoringReportResponse {
                    deficits_by_subject: rows.iter().map(level_row).collect(),
                    deficits_total: Some(level_row(&total)),
                    areas_by_year: report::areas_by_year(&reg.teachers, &reg.diagnostics)
                        .into_iter()
                        .map(|x| pb::AreaYearRow {
                            percent: (x.teachers > 0)
                                .then(|| f64::from(x.sufficient) * 100.0 / f64::from(x.teachers)),
                            area: x.area,
                            school_year: x.school_year,
                            teachers: x.teachers,
                            sufficient: x.sufficient,
                        })
                        .collect(),
                    network_by_year: crate::app::programme::network_by_year(&data, today)
                        .into_iter()
                        .map(|y| pb::NetworkYearRow {
                            participation_percent: (y.teachers > 0).then(|| {
                                f64::from(y.participating) * 100.0 / f64::from(y.teachers)
                            }),
                            school_year: y.school_year,
                            teachers: y.teachers,
                            participating: y.participating,
                            courses_planned: y.courses_planned,
                            courses_completed: y.courses_completed,
                            events_planned: y.events_planned,
                            events_held: y.events_held,
                            schools_left_low_results: y.schools_left,
                        })
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn export_pseudonymised(
        &self,
        req: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::PseudonymisedExport>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let (from, to) = date_range(&r)?;
        let muni = r.municipality_id.clone();
        let fresh: [u8; 32] = {
            use rand::Rng;
            // The installation's pseudonym key is made once, from the OS-seeded CSPRNG.
            rand::rng().random()
        };
        let out = self
            .state
            .read(move |s| {
                let reg = Registry::load(s, &r.municipality_id)?;
                let sessions: Vec<Session> = all(s, &r.municipality_id)?;
                let key = s.secret("pseudonyms", fresh)?;
                let files =
                    export::pseudonymised(&r.municipality_id, &key, &reg, &sessions, from, to)?;
                Ok(pb::PseudonymisedExport {
                    files: files
                        .into_iter()
                        .map(|(name, csv)| pb::ExportFile { name, csv })
                        .collect(),
                })
            })
            .await?;
        tracing::info!(municipality = %muni, files = out.files.len(), "pseudonymised export");
        Ok(Response::new(out))
    }
}

mod export {
    //! The pseudonymised export: CSV built here, every teacher id through [`pseudonym`].

    use std::collections::BTreeSet;

    use jiff::civil::Date;
    use peerlift_domain::access::pseudonym;
    use peerlift_domain::Session;

    use super::Registry;
    use crate::error::{ApiError, ApiResult};

    fn csv_of(header: &[&str], rows: Vec<Vec<String>>) -> ApiResult<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| ApiError::Internal(format!("export: {e}"));
        w.write_record(header).map_err(fail)?;
        for r in rows {
            w.write_record(&r).map_err(fail)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| ApiError::Internal(format!("export: {e}")))?;
        String::from_utf8(bytes).map_err(|e| ApiError::Internal(format!("export: {e}")))
    }

    pub(super) fn pseudonymised(
        muni: &str,
        key: &[u8],
        reg: &Registry,
        sessions: &[Session],
        from: Option<Date>,
        to: Option<Date>,
    ) -> ApiResult<Vec<(String, String)>> {
        let teachers: BTreeSet<&str> = reg.teachers.iter().map(|t| t.id.as_str()).collect();
        // Teacher ids become pseudonyms; anything else (a school id of a school partnership)
        // is not personal and stays.
        let p = |id: &str| {
            if teachers.contains(id) {
                pseudonym(key, muni, id)
            } else {
                id.to_string()
            }
        };
        let mut files = Vec::new();
        files.push((
            "teachers.csv".to_string(),
            csv_of(
                &["teacher", "school_id", "subjects", "active"],
                reg.teachers
                    .iter()
                    .map(|t| {
                        vec![
                            p(&t.id),
                            t.school_id.clone(),
                            t.subjects.join(";"),
                            t.active.to_string(),
                        ]
                    })
                    .collect(),
            )?,
        ));
        files.push((
            "diagnostics.csv".to_string(),
            csv_of(
                &["teacher", "subject", "date", "level"],
                reg.diagnostics
                    .iter()
                    .map(|d| {
                        vec![
                            p(&d.teacher_id),
                            d.subject.clone(),
                            d.date.to_string(),
                            d.level.code().to_string(),
                        ]
                    })
                    .collect(),
            )?,
        ));
        files.push((
            "mentorships.csv".to_string(),
            csv_of(
                &[
                    "id",
                    "kind",
                    "mentor",
                    "mentee",
                    "members",
                    "subject",
                    "status",
                    "started_on",
                    "ended_on",
                ],
                reg.mentorships
                    .iter()
                    .map(|m| {
                        vec![
                            m.id.clone(),
                            m.kind.code().to_string(),
                            p(&m.mentor_id),
                            p(&m.mentee_id),
                            m.members.iter().map(|x| p(x)).collect::<Vec<_>>().join(";"),
                            m.subject.clone(),
                            match m.status {
                                peerlift_domain::MentorshipStatus::Active => "active",
                                peerlift_domain::MentorshipStatus::Ended => "ended",
                            }
                            .to_string(),
                            m.started_on.to_string(),
                            m.ended_on.map(|d| d.to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )?,
        ));
        files.push((
            "sessions.csv".to_string(),
            csv_of(
                &[
                    "id",
                    "mentorship_id",
                    "start",
                    "duration_minutes",
                    "mode",
                    "status",
                    "attended",
                    "rating",
                ],
                sessions
                    .iter()
                    .filter(|x| {
                        let d = x.start.date();
                        from.is_none_or(|f| d >= f) && to.is_none_or(|t| d < t)
                    })
                    .map(|x| {
                        vec![
                            x.id.clone(),
                            x.mentorship_id.clone(),
                            x.start_key(),
                            x.duration_minutes.to_string(),
                            x.mode.code().to_string(),
                            x.status.code().to_string(),
                            x.attended.len().to_string(),
                            x.feedback
                                .as_ref()
                                .map(|f| f.rating.to_string())
                                .unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )?,
        ));
        Ok(files)
    }
}

fn event_counts_to_pb(c: &crate::app::events::EventCounts) -> pb::EventCounts {
    pb::EventCounts {
        scheduled: c.scheduled,
        open: c.open,
        held: c.held,
        cancelled: c.cancelled,
        attendances: c.attendances,
        schools_reached: c.schools_reached,
    }
}
