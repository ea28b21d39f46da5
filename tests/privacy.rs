//! Personal data: the pseudonymised export names no teacher, and erasing a departed teacher
//! removes their personal data everywhere in the store while the anonymous history stays.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift_api::pb;

const M: &str = "kirovsky";

async fn export(s: &TestServer) -> Vec<pb::ExportFile> {
    s.reports()
        .export_pseudonymised(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_pseudonymised_and_erasure_keeps_anonymous_history() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, M, true, false, example_files())
        .await
        .unwrap();
    let pairs = match_and_approve(&s, M, pb::MatchKind::TeacherPairs, "2026-09-01").await;
    let ms = pairs[0].clone();
    let mut sessions = s.sessions();
    let session = online_session(&s, M, &ms.id, "2026-09-10T15:00").await;
    sessions
        .record_session(pb::RecordSessionRequest {
            municipality_id: M.into(),
            session_id: session.id.clone(),
            outcome: pb::SessionStatus::Held as i32,
            attended: vec![ms.mentor_id.clone(), ms.mentee_id.clone()],
            feedback: Some(pb::Feedback {
                rating: 5,
                mentee_comment: "Thanks to my mentor I finally understand the new standard".into(),
                mentor_notes: "Worked through the lesson plan together".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();

    // Every teacher of the example, id and name, as the export must not show them.
    let teachers = s
        .teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .teachers;
    assert!(teachers.len() > 50);
    let files = export(&s).await;
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "teachers.csv",
            "diagnostics.csv",
            "mentorships.csv",
            "sessions.csv"
        ]
    );
    let all: String = files.iter().map(|f| f.csv.as_str()).collect();
    for t in &teachers {
        assert!(!all.contains(&t.full_name), "{} exported", t.full_name);
        assert!(!all.contains(&format!("{},", t.id)), "{} exported", t.id);
    }
    assert!(!all.contains("finally understand"), "free text exported");
    let rows = |name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .csv
            .lines()
            .count()
            - 1
    };
    assert_eq!(rows("teachers.csv"), teachers.len());
    assert_eq!(rows("sessions.csv"), 1);
    // Stable across exports, distinct per teacher.
    assert_eq!(export(&s).await, files);
    let pseudonyms: std::collections::BTreeSet<&str> = files[0]
        .csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(pseudonyms.len(), teachers.len());

    // The mentee leaves and asks to be erased. An earlier update with a request id left its
    // answer (which quotes the name) for retries.
    let mentee = teachers.iter().find(|t| t.id == ms.mentee_id).unwrap();
    s.teachers()
        .update_teacher(pb::UpdateTeacherRequest {
            municipality_id: M.into(),
            teacher: Some(pb::Teacher {
                accepts_online: Some(false),
                ..mentee.clone()
            }),
            request_id: "update-before-leaving".into(),
            update_mask: None,
        })
        .await
        .unwrap();
    let erased = s
        .teachers()
        .erase_teacher(pb::EraseTeacherRequest {
            municipality_id: M.into(),
            teacher_id: mentee.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(erased.full_name, "erased");
    assert_eq!(erased.active, Some(false));
    // The name and their comment are gone from the whole store; the rest of the session,
    // the diagnostics and the mentorship stay.
    let snapshot = s.snapshot();
    // (Generated names repeat: other teachers of the same name keep theirs.)
    let namesakes = teachers
        .iter()
        .filter(|t| t.full_name == mentee.full_name && t.id != mentee.id)
        .count();
    let survivors: Vec<&str> = snapshot
        .lines()
        .filter(|l| l.contains(&mentee.full_name))
        .collect();
    assert_eq!(
        survivors.len(),
        namesakes,
        "the name survived in {survivors:#?}"
    );
    assert!(survivors
        .iter()
        .all(|l| !l.contains(&format!("\"{}\"", mentee.id))));
    // Remembered answers are stored as hex in the backup form: look for the name there too.
    let hex: String = mentee
        .full_name
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        snapshot.matches(&hex).count(),
        0,
        "the name survived in a remembered answer"
    );
    assert!(
        !snapshot.contains("finally understand"),
        "the comment survived"
    );
    let kept = sessions
        .get_session(pb::GetSessionRequest {
            municipality_id: M.into(),
            session_id: session.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let fb = kept.feedback.unwrap();
    assert_eq!(fb.rating, 5);
    assert!(fb.mentee_comment.is_empty());
    assert_eq!(fb.mentor_notes, "Worked through the lesson plan together");
    let diagnostics = s
        .diagnostics()
        .list_diagnostics(pb::ListDiagnosticsRequest {
            municipality_id: M.into(),
            teacher_id: mentee.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .diagnostics;
    assert!(!diagnostics.is_empty(), "anonymous history was lost");
    // Erasing twice is fine; an unknown teacher is NOT_FOUND.
    s.teachers()
        .erase_teacher(pb::EraseTeacherRequest {
            municipality_id: M.into(),
            teacher_id: mentee.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let missing = s
        .teachers()
        .erase_teacher(pb::EraseTeacherRequest {
            municipality_id: M.into(),
            teacher_id: "nobody".into(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    s.stop().await;
}
