//! End-to-end sessions on the Kirovsky example: an office schedules six weeks, records sessions
//! as held with feedback, imports the spring 2023 re-diagnosis and reads progress and reports;
//! the figures are checked against counts made here straight from the example's CSV files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use jiff::civil::{Date, DateTime};
use peerlift_api::pb;
use tonic::Code;

const M: &str = "kirovsky";

/// Rows of an example CSV as header -> value maps.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn example(dir: &str, name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(dir)
        .join(name)
}

/// (teacher, subject) -> level letter, from a diagnostics CSV.
fn levels(dir: &str, name: &str) -> BTreeMap<(String, String), String> {
    csv_rows(&example(dir, name))
        .into_iter()
        .map(|r| {
            (
                (r["teacher_id"].clone(), r["subject"].clone()),
                r["level"].clone(),
            )
        })
        .collect()
}

fn rank(l: &str) -> i32 {
    match l {
        "A" => 0,
        "B" => 1,
        "C" => 2,
        _ => 3,
    }
}

/// Runs and approves a matching of `kind`, the pairs working since `since`.
async fn match_and_approve(s: &TestServer, kind: pb::MatchKind, since: &str) -> usize {
    let created = common::match_and_approve(s, M, kind, since).await;
    assert!(created.iter().all(|m| m.started_on == since));
    created.len()
}

async fn active_mentorships(s: &TestServer) -> Vec<pb::Mentorship> {
    s.mentorships()
        .list_mentorships(pb::ListMentorshipsRequest {
            municipality_id: M.into(),
            page_size: 1000,
            status: pb::MentorshipStatus::Active as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentorships
}

async fn list(s: &TestServer, req: pb::ListSessionsRequest) -> Vec<pb::Session> {
    let mut out = Vec::new();
    let mut req = pb::ListSessionsRequest {
        municipality_id: M.into(),
        ..req
    };
    loop {
        let r = s
            .sessions()
            .list_sessions(req.clone())
            .await
            .unwrap()
            .into_inner();
        out.extend(r.sessions);
        if r.next_page_token.is_empty() {
            return out;
        }
        req.page_token = r.next_page_token;
    }
}

fn start(x: &pb::Session) -> DateTime {
    x.start.parse().unwrap()
}

fn end(x: &pb::Session) -> DateTime {
    start(x) + jiff::SignedDuration::from_mins(i64::from(x.duration_minutes))
}

fn minute_of_day(t: DateTime) -> u32 {
    t.hour() as u32 * 60 + t.minute() as u32
}

#[tokio::test]
async fn an_office_schedules_records_rediagnoses_and_reads_reports() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    assert!(
        import_files(&s, M, true, false, example_files())
            .await
            .unwrap()
            .committed
    );
    let pairs = match_and_approve(&s, pb::MatchKind::TeacherPairs, "2022-11-01").await;
    let partnerships = match_and_approve(&s, pb::MatchKind::SchoolPartnerships, "2022-11-01").await;
    assert!(pairs > 0 && partnerships > 0);
    let mentorships = active_mentorships(&s).await;
    assert_eq!(mentorships.len(), pairs + partnerships);

    // Coverage by hand: every A/B row of diagnostics.csv is a demand; it is covered when an
    // active pair works on that teacher and subject.
    let round1 = levels("kirovsky", "diagnostics.csv");
    let paired: BTreeSet<(String, String)> = mentorships
        .iter()
        .filter(|m| m.kind == pb::MatchKind::TeacherPairs as i32)
        .map(|m| (m.mentee_id.clone(), m.subject.clone()))
        .collect();
    let mut hand: BTreeMap<String, [u32; 4]> = BTreeMap::new();
    for ((t, subject), l) in &round1 {
        let covered = paired.contains(&(t.clone(), subject.clone()));
        let e = hand.entry(subject.clone()).or_default();
        match l.as_str() {
            "A" => {
                e[0] += 1;
                e[1] += u32::from(covered);
            }
            "B" => {
                e[2] += 1;
                e[3] += u32::from(covered);
            }
            _ => {}
        }
    }
    hand.retain(|_, v| v[0] + v[2] > 0);
    let cov = s
        .reports()
        .coverage_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let got: BTreeMap<String, [u32; 4]> = cov
        .by_subject
        .iter()
        .map(|r| {
            (
                r.subject.clone(),
                [r.demands_a, r.covered_a, r.demands_b, r.covered_b],
            )
        })
        .collect();
    assert_eq!(got, hand);
    let total = cov.total.unwrap();
    assert_eq!(
        total.covered_a + total.covered_b,
        paired.len() as u32,
        "every pair covers one A/B demand"
    );

    // The office's settings: Thursday methodical day (default) and a district holiday.
    let holiday = "2022-11-17";
    let mut settings = s
        .sessions()
        .get_schedule_settings(pb::GetScheduleSettingsRequest {
            municipality_id: M.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(settings.etag.is_empty(), "defaults until set");
    settings.non_working_days = vec![holiday.into()];
    let settings = s
        .sessions()
        .update_schedule_settings(pb::UpdateScheduleSettingsRequest {
            settings: Some(settings),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.etag, "1");

    // Six weeks from Monday 7 November 2022.
    let proposal = s
        .sessions()
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: M.into(),
            from: "2022-11-07".into(),
            weeks: 6,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let items: Vec<pb::Session> = proposal
        .items
        .iter()
        .map(|i| i.session.clone().unwrap())
        .collect();
    assert!(!items.is_empty());
    // Every due session is placed or explained: pairs weekly (6), partnerships every 4 weeks
    // (2, weeks one and five).
    let due = pairs * 6 + partnerships * 2;
    assert_eq!(items.len() + proposal.unplaced.len(), due);
    assert!(proposal.unplaced.iter().all(|u| !u.reason.is_empty()));
    // Windows: the methodical day or the mentor's own availability; never the holiday.
    let profiles = s
        .profiles()
        .list_mentor_profiles(pb::ListMentorProfilesRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentor_profiles;
    let windows: BTreeMap<&str, &Vec<pb::AvailabilityWindow>> = profiles
        .iter()
        .map(|p| (p.teacher_id.as_str(), &p.availability))
        .collect();
    let horizon_end: Date = "2022-12-19".parse().unwrap();
    for x in &items {
        let (a, b) = (start(x), end(x));
        assert_ne!(a.date().to_string(), holiday);
        assert!(a.date() >= "2022-11-07".parse().unwrap() && a.date() < horizon_end);
        let wd = a.date().weekday().to_monday_one_offset() as i32;
        let inside = |w: &pb::AvailabilityWindow| {
            w.weekday == wd
                && w.start_minute <= minute_of_day(a)
                && minute_of_day(b) <= w.end_minute
        };
        let methodical = settings.methodical_days.iter().any(inside);
        let own = windows
            .get(x.mentor_id.as_str())
            .is_some_and(|ws| ws.iter().any(inside));
        assert!(methodical || own, "outside every window: {x:?}");
    }
    // Nobody is double-booked.
    for (i, x) in items.iter().enumerate() {
        let people: BTreeSet<&String> =
            std::iter::once(&x.mentor_id).chain(&x.mentee_ids).collect();
        for y in &items[i + 1..] {
            let shared = std::iter::once(&y.mentor_id)
                .chain(&y.mentee_ids)
                .any(|p| people.contains(p));
            if shared {
                assert!(end(x) <= start(y) || end(y) <= start(x), "{x:?} {y:?}");
            }
        }
    }

    // Accept it all; accepting again creates nothing.
    let accepted = s
        .sessions()
        .accept_schedule(pb::AcceptScheduleRequest {
            municipality_id: M.into(),
            proposal_id: proposal.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.created.len(), items.len());
    let again = s
        .sessions()
        .accept_schedule(pb::AcceptScheduleRequest {
            municipality_id: M.into(),
            proposal_id: proposal.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (again.created.len(), again.already_accepted as usize),
        (0, items.len())
    );
    // A second proposal over the same weeks finds every placed session already booked.
    let second = s
        .sessions()
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: M.into(),
            from: "2022-11-07".into(),
            weeks: 6,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(second.items.is_empty(), "{:?}", second.items.first());

    // One pair's sessions: record the first three held with feedback, the fourth missed,
    // cancel the fifth.
    let pair = mentorships
        .iter()
        .find(|m| {
            m.kind == pb::MatchKind::TeacherPairs as i32
                && items.iter().filter(|x| x.mentorship_id == m.id).count() >= 5
        })
        .expect("a pair with five sessions")
        .clone();
    let mine = list(
        &s,
        pb::ListSessionsRequest {
            mentorship_id: pair.id.clone(),
            page_size: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        mine.len(),
        items.iter().filter(|x| x.mentorship_id == pair.id).count()
    );
    assert!(mine.windows(2).all(|w| w[0].start <= w[1].start));
    for x in &mine[..3] {
        let held = s
            .sessions()
            .record_session(pb::RecordSessionRequest {
                municipality_id: M.into(),
                session_id: x.id.clone(),
                outcome: pb::SessionStatus::Held as i32,
                feedback: Some(pb::Feedback {
                    rating: 5,
                    checklist: vec![pb::ChecklistItem {
                        item: "the analysis named concrete next steps".into(),
                        done: true,
                    }],
                    mentee_comment: "разобрали оценивание на уроке".into(),
                    mentor_notes: "next: formative assessment".into(),
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(held.status, pb::SessionStatus::Held as i32);
        assert_eq!(held.attended.len(), 2, "everyone, by default");
        assert_eq!(held.feedback.unwrap().rating, 5);
    }
    let err = s
        .sessions()
        .record_session(pb::RecordSessionRequest {
            municipality_id: M.into(),
            session_id: mine[3].id.clone(),
            outcome: pb::SessionStatus::Missed as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["reason"]);
    s.sessions()
        .record_session(pb::RecordSessionRequest {
            municipality_id: M.into(),
            session_id: mine[3].id.clone(),
            outcome: pb::SessionStatus::Missed as i32,
            reason: "the mentee was ill".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    s.sessions()
        .cancel_session(pb::CancelSessionRequest {
            municipality_id: M.into(),
            session_id: mine[4].id.clone(),
            reason: "school closed for quarantine".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // A cancelled session cannot then be recorded.
    let err = s
        .sessions()
        .record_session(pb::RecordSessionRequest {
            municipality_id: M.into(),
            session_id: mine[4].id.clone(),
            outcome: pb::SessionStatus::Held as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);

    // Sessions report by hand: everything accepted is scheduled except the cancelled one.
    let rep = s
        .reports()
        .sessions_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let t = rep.total.unwrap();
    assert_eq!(
        (t.scheduled, t.held, t.missed, t.cancelled, t.open),
        (items.len() as u32 - 1, 3, 1, 1, items.len() as u32 - 5)
    );
    let row = rep
        .by_mentorship
        .iter()
        .find(|r| r.key == pair.id)
        .unwrap()
        .counts
        .unwrap();
    assert_eq!((row.held, row.missed, row.cancelled), (3, 1, 1));
    // The mentor's load counts the held sessions.
    let load = s
        .reports()
        .mentor_load_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mentor_row = load
        .rows
        .iter()
        .find(|r| r.mentor_id == pair.mentor_id)
        .unwrap();
    assert_eq!(mentor_row.sessions_held, 3);
    let mentor_pairs = mentorships
        .iter()
        .filter(|m| m.mentor_id == pair.mentor_id && m.kind == pb::MatchKind::TeacherPairs as i32)
        .count();
    assert_eq!(mentor_row.mentees as usize, mentor_pairs);
    assert!(load.rows.iter().all(|r| r.mentees <= r.capacity));

    // Before the re-diagnosis nothing is measured yet.
    let before = s
        .reports()
        .get_mentorship_progress(pb::GetMentorshipProgressRequest {
            municipality_id: M.into(),
            mentorship_id: pair.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((before.changes.len(), before.awaiting), (0, 1));
    assert!(!before.graduated);

    // The spring 2023 round: re-diagnosis and the schools' new statuses.
    let followup: Vec<ImportFile> = [
        (pb::ImportFileKind::Schools, "schools-2023.csv"),
        (pb::ImportFileKind::Diagnostics, "diagnostics-2023.csv"),
    ]
    .into_iter()
    .map(|(k, n)| {
        (
            k,
            n.to_string(),
            std::fs::read(example("kirovsky-2023", n)).unwrap(),
        )
    })
    .collect();
    assert!(
        import_files(&s, M, true, false, followup)
            .await
            .unwrap()
            .committed
    );
    let round2 = levels("kirovsky-2023", "diagnostics-2023.csv");

    // Every pair's progress and graduation, against the two CSVs.
    let mut graduated = 0;
    for m in mentorships
        .iter()
        .filter(|m| m.kind == pb::MatchKind::TeacherPairs as i32)
    {
        let k = (m.mentee_id.clone(), m.subject.clone());
        let (from, to) = (&round1[&k], &round2[&k]);
        let p = s
            .reports()
            .get_mentorship_progress(pb::GetMentorshipProgressRequest {
                municipality_id: M.into(),
                mentorship_id: m.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].level_steps, rank(to) - rank(from));
        let closed = matches!(to.as_str(), "C" | "D");
        assert_eq!(p.graduated, closed, "{m:?} {from} -> {to}");
        if closed {
            graduated += 1;
            assert_eq!(p.graduated_on, "2023-04-14");
        }
    }
    assert!(graduated > 0, "the example closes some deficits");
    // The mentor's progress is the mean of their mentees' changes.
    let mp = s
        .reports()
        .get_mentor_progress(pb::GetMentorProgressRequest {
            municipality_id: M.into(),
            mentor_id: pair.mentor_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let steps: Vec<i32> = mentorships
        .iter()
        .filter(|m| m.mentor_id == pair.mentor_id && m.kind == pb::MatchKind::TeacherPairs as i32)
        .map(|m| {
            let k = (m.mentee_id.clone(), m.subject.clone());
            rank(&round2[&k]) - rank(&round1[&k])
        })
        .collect();
    let mean = f64::from(steps.iter().sum::<i32>()) / steps.len() as f64;
    let got = mp.summary.unwrap().mean_level_steps.unwrap();
    assert!((got - mean).abs() < 1e-9, "{got} vs {mean}");

    // Partnerships graduate when the school leaves the low-result list.
    for m in mentorships
        .iter()
        .filter(|m| m.kind == pb::MatchKind::SchoolPartnerships as i32)
    {
        let p = s
            .reports()
            .get_mentorship_progress(pb::GetMentorshipProgressRequest {
                municipality_id: M.into(),
                mentorship_id: m.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(p.graduated, "{m:?}");
        assert_eq!(p.graduated_on, "2023-09-01");
        assert!(!p.changes.is_empty());
    }

    // Outcomes by hand from the CSVs.
    let low_before = csv_rows(&example("kirovsky", "schools.csv"))
        .iter()
        .filter(|r| r["status"] == "low_results")
        .count() as u32;
    let deficits = round1
        .values()
        .filter(|l| matches!(l.as_str(), "A" | "B"))
        .count() as u32;
    let closed = round1
        .iter()
        .filter(|(k, l)| {
            matches!(l.as_str(), "A" | "B") && matches!(round2[*k].as_str(), "C" | "D")
        })
        .count() as u32;
    let o = s
        .reports()
        .outcomes_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.schools_low_results_ever, low_before);
    assert_eq!(o.schools_low_results_now, 0);
    assert_eq!(o.schools_left_low_results.len() as u32, low_before);
    assert_eq!(
        (o.deficits_rediagnosed, o.deficits_closed),
        (deficits, closed)
    );
    assert_eq!(o.sessions.unwrap().held, 3);

    // Progress report: every teacher-subject with two rounds is in exactly one "all" row,
    // and the mentored ones are the pairs.
    let pr = s
        .reports()
        .progress_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let all: Vec<&pb::ProgressRow> = pr.rows.iter().filter(|r| r.subject == "all").collect();
    let counted: u32 = all.iter().map(|r| r.summary.unwrap().changes).sum();
    assert_eq!(counted as usize, round1.len());
    let mentored = all
        .iter()
        .find(|r| r.mentored)
        .map(|r| r.summary.unwrap().changes)
        .unwrap_or(0);
    assert_eq!(mentored as usize, paired.len());

    // The CLI's renderings: CSV and SVG of the coverage report.
    let r = peerlift::sessions_cli::build_report(
        s.conn(),
        M.into(),
        peerlift::sessions_cli::ReportKind::Coverage,
        String::new(),
        String::new(),
    )
    .await
    .unwrap();
    let csv_text = r.table.to_csv();
    assert!(csv_text.starts_with("school,subject,A,A covered,B,B covered,coverage\n"));
    let svg = r.chart.unwrap();
    assert!(svg.starts_with("<svg"));
    let subjects_now = csv_text.lines().filter(|l| l.starts_with("(all),")).count();
    assert_eq!(
        svg.matches("<rect x=").count(),
        (subjects_now - 1) * 4 + 4,
        "four bars per subject and four legend keys"
    );

    // The mentor's calendar as iCalendar, read back by an independent parser.
    let out = dir.path().join("mentor.ics");
    peerlift::sessions_cli::schedule(
        s.conn(),
        M.into(),
        peerlift::sessions_cli::Filter {
            teacher: pair.mentor_id.clone(),
            ..Default::default()
        },
        true,
        Some(out.clone()),
    )
    .await
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let cal = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()
        .unwrap()
        .unwrap();
    let theirs = list(
        &s,
        pb::ListSessionsRequest {
            participant_id: pair.mentor_id.clone(),
            ..Default::default()
        },
    )
    .await;
    // Every session, cancelled ones marked CANCELLED (so calendars drop them), each with the
    // mentor as organizer by name and its revision as SEQUENCE.
    assert_eq!(cal.events.len(), theirs.len());
    let prop = |i: usize, name: &str| {
        cal.events[i]
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    for (i, x) in theirs.iter().enumerate() {
        let cancelled = x.status == pb::SessionStatus::Cancelled as i32;
        assert_eq!(
            prop(i, "STATUS"),
            if cancelled { "CANCELLED" } else { "CONFIRMED" }
        );
        let revision: u32 = x.etag.parse().unwrap();
        assert_eq!(prop(i, "SEQUENCE"), (revision - 1).to_string());
        assert_eq!(
            prop(i, "ORGANIZER"),
            format!("urn:peerlift:teacher:{M}:{}", pair.mentor_id)
        );
    }
    assert!(
        theirs.iter().any(|x| x.etag != "1"),
        "no session was changed: SEQUENCE untested"
    );
    let mentor_name = s
        .teachers()
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: M.into(),
            teacher_id: pair.mentor_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .full_name;
    assert!(
        prop(0, "SUMMARY").contains(mentor_name.split(' ').next().unwrap()),
        "the summary names the mentor: {}",
        prop(0, "SUMMARY")
    );
    let first = &theirs[0];
    let dtstart = cal.events[0]
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .and_then(|p| p.value.clone())
        .unwrap();
    // Moscow is UTC+3 all year since 2014.
    let utc = start(first)
        .to_zoned(jiff::tz::TimeZone::get("Europe/Moscow").unwrap())
        .unwrap()
        .timestamp()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    assert_eq!(dtstart, utc);
    s.stop().await;
}

#[tokio::test]
async fn sessions_by_hand_are_validated_and_never_double_book() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    assert!(
        import_files(&s, M, true, false, example_files())
            .await
            .unwrap()
            .committed
    );
    match_and_approve(&s, pb::MatchKind::TeacherPairs, "2022-11-01").await;
    let ms = active_mentorships(&s).await;
    let a = &ms[0];
    let b = ms
        .iter()
        .find(|m| m.mentor_id != a.mentor_id && m.mentee_id != a.mentee_id)
        .unwrap();
    let other_of_a = ms
        .iter()
        .find(|m| m.mentor_id == a.mentor_id && m.id != a.id);

    let create = |mentorship: &str, start: &str, request_id: &str| pb::CreateSessionRequest {
        municipality_id: M.into(),
        session: Some(pb::Session {
            mentorship_id: mentorship.into(),
            start: start.into(),
            ..Default::default()
        }),
        request_id: request_id.into(),
    };
    // Every bad field at once.
    let err = s
        .sessions()
        .create_session(pb::CreateSessionRequest {
            municipality_id: M.into(),
            session: Some(pb::Session {
                mentorship_id: a.id.clone(),
                start: "Thursday".into(),
                status: pb::SessionStatus::Held as i32,
                kind: 99,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        bad_fields(&err),
        ["session.kind", "session.start", "session.status"]
    );
    let err = s
        .sessions()
        .create_session(pb::CreateSessionRequest {
            municipality_id: M.into(),
            session: Some(pb::Session {
                mentorship_id: a.id.clone(),
                start: "2022-11-10T23:30".into(),
                mentee_ids: vec!["nobody".into()],
                topics: vec!["astrology".into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        bad_fields(&err),
        [
            "session.mentee_ids[0]",
            "session.topics[0]",
            "session.duration_minutes"
        ]
    );
    // Before the mentorship began.
    let err = s
        .sessions()
        .create_session(create(&a.id, "2022-10-20T14:00", ""))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["session.start"]);

    // A valid one takes the form's defaults: a 90-minute lesson visit at the mentee's school.
    let x = s
        .sessions()
        .create_session(create(&a.id, "2022-11-10T14:00", "req-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(x.kind, pb::SessionKind::LessonVisit as i32);
    assert_eq!(x.duration_minutes, 90);
    assert_eq!(x.mentee_ids, std::slice::from_ref(&a.mentee_id));
    assert_eq!(x.topics, std::slice::from_ref(&a.subject));
    if a.mode == pb::Mode::InPerson as i32 {
        assert!(!x.school_id.is_empty() && x.schools.contains(&x.school_id));
    }
    // The same request again: the same answer, nothing new.
    let again = s
        .sessions()
        .create_session(create(&a.id, "2022-11-10T14:00", "req-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.id, x.id);
    // The mentor is busy then: refused, naming the session.
    let clash_with = other_of_a.unwrap_or(a);
    let err = s
        .sessions()
        .create_session(create(&clash_with.id, "2022-11-10T15:00", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains(&x.id), "{}", err.message());
    // Someone else at the same time is fine.
    let y = s
        .sessions()
        .create_session(create(&b.id, "2022-11-10T14:00", ""))
        .await
        .unwrap()
        .into_inner();

    // Reschedule with the etag; a stale etag is ABORTED.
    let moved = s
        .sessions()
        .update_session(pb::UpdateSessionRequest {
            municipality_id: M.into(),
            session: Some(pb::Session {
                id: x.id.clone(),
                start: "2022-11-17T13:00".into(),
                duration_minutes: 45,
                etag: x.etag.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (moved.start.as_str(), moved.duration_minutes),
        ("2022-11-17T13:00", 45)
    );
    let err = s
        .sessions()
        .update_session(pb::UpdateSessionRequest {
            municipality_id: M.into(),
            session: Some(pb::Session {
                id: x.id.clone(),
                start: "2022-11-17T15:00".into(),
                etag: x.etag.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);

    // Lists: by mentee, by school, by date range, paged.
    let by_mentee = list(
        &s,
        pb::ListSessionsRequest {
            mentee_id: a.mentee_id.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(by_mentee.iter().map(|x| &x.id).collect::<Vec<_>>(), [&x.id]);
    let by_school = list(
        &s,
        pb::ListSessionsRequest {
            school_id: y.school_id.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(by_school.iter().any(|z| z.id == y.id));
    let in_range = list(
        &s,
        pb::ListSessionsRequest {
            from: "2022-11-11".into(),
            to: "2022-11-18".into(),
            page_size: 1,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(in_range.iter().map(|x| &x.id).collect::<Vec<_>>(), [&x.id]);
    let err = s
        .sessions()
        .list_sessions(pb::ListSessionsRequest {
            municipality_id: M.into(),
            mentee_id: "a".into(),
            school_id: "b".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["school_id"]);

    // A session in the future cannot be recorded yet.
    let future = s
        .sessions()
        .create_session(create(&a.id, "2099-11-12T14:00", ""))
        .await
        .unwrap()
        .into_inner();
    let err = s
        .sessions()
        .record_session(pb::RecordSessionRequest {
            municipality_id: M.into(),
            session_id: future.id.clone(),
            outcome: pb::SessionStatus::Held as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    // Attendance must name participants.
    let err = s
        .sessions()
        .record_session(pb::RecordSessionRequest {
            municipality_id: M.into(),
            session_id: x.id.clone(),
            outcome: pb::SessionStatus::Held as i32,
            attended: vec!["stranger".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["attended[0]"]);
    // Nothing of the refused calls was written.
    let snapshot = s.snapshot();
    let _ = s
        .sessions()
        .cancel_session(pb::CancelSessionRequest {
            municipality_id: M.into(),
            session_id: x.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(s.snapshot(), snapshot);
    s.stop().await;
}
