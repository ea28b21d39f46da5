//! Refusals of the report service: progress of what does not exist, and report ranges.

use peerlift_api::pb;
use tonic::Code;

use crate::common::cases::Cases;
use crate::common::*;
use crate::{world, M};

fn report(from: &str, to: &str) -> pb::ReportRequest {
    pb::ReportRequest {
        municipality_id: M.into(),
        from: from.into(),
        to: to.into(),
    }
}

/// The progress of an unknown teacher or mentorship is NOT_FOUND naming the id.
#[tokio::test]
async fn progress_of_unknown_teachers_and_mentorships_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    c.not_found(
        "progress of an unknown teacher",
        s.reports()
            .get_teacher_progress(pb::GetTeacherProgressRequest {
                municipality_id: M.into(),
                teacher_id: "ghost".into(),
            })
            .await,
        "ghost",
    );
    c.not_found(
        "progress of an unknown mentorship",
        s.reports()
            .get_mentorship_progress(pb::GetMentorshipProgressRequest {
                municipality_id: M.into(),
                mentorship_id: "ms-404".into(),
            })
            .await,
        "ms-404",
    );
    c.finish();
    s.stop().await;
}

/// A report range whose end comes before its start is refused naming `to` and the dates; a
/// start that is not a plain date, or a day that does not exist, names `from`.
#[tokio::test]
async fn report_ranges_out_of_order_or_impossible_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);

    // Ranges [from, to) whose end is before their start.
    c.refused(
        "sessions report from after to",
        s.reports()
            .sessions_report(report("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01", "2023-01-01"],
    );
    c.refused(
        "outcomes report from after to",
        s.reports()
            .outcomes_report(report("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01"],
    );
    c.refused(
        "mentor load report from after to",
        s.reports()
            .mentor_load_report(report("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01"],
    );
    for d in ["2023-01-01T10:00", "2023-01-01+03:00", "01.02.2023"] {
        c.invalid(
            &format!("sessions report from {d}"),
            s.reports().sessions_report(report(d, "")).await,
            &["from"],
        );
    }
    c.invalid(
        "sessions report from February 30th",
        s.reports().sessions_report(report("2023-02-30", "")).await,
        &["from"],
    );
    c.finish();
    s.stop().await;
}
