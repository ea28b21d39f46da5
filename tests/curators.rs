//! Issue 16, curators: an office assigns a curator to several schools; the curator's token
//! sees exactly those schools (and follows a reassignment without being reissued); the
//! curator's view lists its schools with their mentorships, sessions and progress; a school
//! shows its curators.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift_api::pb;
use peerlift_api::pb::curator_service_client::CuratorServiceClient;
use peerlift_api::pb::school_service_client::SchoolServiceClient;
use peerlift_api::pb::teacher_service_client::TeacherServiceClient;
use tonic::Code;

const M: &str = "kirovsky";

async fn get_school(c: &peerlift::client::Conn, id: &str) -> Result<pb::School, tonic::Status> {
    SchoolServiceClient::new(c.clone())
        .get_school(pb::GetSchoolRequest {
            municipality_id: M.into(),
            school_id: id.into(),
        })
        .await
        .map(|r| r.into_inner())
}

async fn teachers_of(
    c: &peerlift::client::Conn,
    school: &str,
) -> Result<Vec<pb::Teacher>, tonic::Status> {
    TeacherServiceClient::new(c.clone())
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            school_id: school.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner().teachers)
}

#[tokio::test]
async fn a_curator_token_sees_exactly_its_schools() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = kirovsky_with_auth(dir.path()).await;
    let as_admin = [("LANG", "C.UTF-8"), ("PEERLIFT_TOKEN", admin.as_str())];

    // The office assigns the curator from the command line.
    let (code, out, err) = cli_in(
        &as_admin,
        &[
            "curators",
            "add",
            "ivanova",
            "-m",
            M,
            "--name",
            "Иванова А. П.",
            "--position",
            "методист ИМЦ",
            "--school",
            "putilovo-oosh",
            "--school",
            "sinyavino-sosh",
            "--addr",
            &s.addr,
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("putilovo-oosh, sinyavino-sosh"), "{out}");
    let secret = cli_token(&s, &admin, "curator", "curator:kirovsky/ivanova").await;
    let curator = with_token(&s, &secret);

    // Its schools, their teachers and the school's page: yes.
    for school in ["putilovo-oosh", "sinyavino-sosh"] {
        get_school(&curator, school).await.unwrap();
        assert!(!teachers_of(&curator, school).await.unwrap().is_empty());
    }
    // Any other school, the municipality's lists, its teachers by id: no.
    for school in ["shum-sosh", "priladozhsky-sosh"] {
        let e = get_school(&curator, school).await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        let e = teachers_of(&curator, school).await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    }
    let other_teacher = teachers_of(&with_token(&s, &admin), "shum-sosh")
        .await
        .unwrap()
        .remove(0);
    let e = TeacherServiceClient::new(curator.clone())
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: M.into(),
            teacher_id: other_teacher.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    let e = SchoolServiceClient::new(curator.clone())
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    // Nor may it change the registry or assign itself more schools.
    let mut me = CuratorServiceClient::new(curator.clone())
        .get_curator(pb::GetCuratorRequest {
            municipality_id: M.into(),
            curator_id: "ivanova".into(),
        })
        .await
        .unwrap()
        .into_inner();
    me.schools.push("shum-sosh".into());
    let e = CuratorServiceClient::new(curator.clone())
        .update_curator(pb::UpdateCuratorRequest {
            municipality_id: M.into(),
            curator: Some(me),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");

    // The view: exactly its schools, each with the partnerships of the example's network.
    let view = CuratorServiceClient::new(curator.clone())
        .get_curator_view(pb::GetCuratorViewRequest {
            municipality_id: M.into(),
            curator_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<String> = view
        .schools
        .iter()
        .map(|x| x.school.as_ref().unwrap().id.clone())
        .collect();
    assert_eq!(ids, ["putilovo-oosh", "sinyavino-sosh"]);
    for x in &view.schools {
        let id = &x.school.as_ref().unwrap().id;
        assert!(
            x.mentorships
                .iter()
                .any(|m| &m.mentee_id == id || &m.mentor_id == id || m.members.contains(id)),
            "{id} has no mentorship in the view: {x:?}"
        );
        assert_eq!(x.curator_ids, ["ivanova"]);
    }
    // Another curator's view is not its to read.
    let e = CuratorServiceClient::new(curator.clone())
        .get_curator_view(pb::GetCuratorViewRequest {
            municipality_id: M.into(),
            curator_id: "petrov".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");

    // The office reassigns: the same token follows at once.
    let (code, out, err) = cli_in(
        &as_admin,
        &[
            "curators",
            "update",
            "ivanova",
            "-m",
            M,
            "--school",
            "shum-sosh",
            "--addr",
            &s.addr,
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    get_school(&curator, "shum-sosh").await.unwrap();
    let e = get_school(&curator, "putilovo-oosh").await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");

    // Where a school is shown, its curators are.
    let school = get_school(&with_token(&s, &admin), "shum-sosh")
        .await
        .unwrap();
    assert_eq!(school.curator_ids, ["ivanova"]);

    // The curator's own command line, in Russian.
    let (code, out, err) = cli_in(
        &[("LANG", "ru_RU.UTF-8"), ("PEERLIFT_TOKEN", secret.as_str())],
        &["curators", "view", "-m", M, "--addr", &s.addr],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Иванова А. П.") && out.contains("школ — 1"),
        "{out}"
    );
    assert!(out.contains("MKOU Shumskaya SOSh"), "{out}");
    assert!(!out.contains("putilovo-oosh"), "{out}");

    // Removing the curator leaves its token with no school.
    let (code, out, err) = cli_in(
        &as_admin,
        &["curators", "remove", "ivanova", "-m", M, "--addr", &s.addr],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let e = get_school(&curator, "shum-sosh").await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_curator_of_a_missing_school_is_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = kirovsky_with_auth(dir.path()).await;
    let e = CuratorServiceClient::new(with_token(&s, &admin))
        .create_curator(pb::CreateCuratorRequest {
            municipality_id: M.into(),
            curator: Some(pb::Curator {
                id: "petrov".into(),
                full_name: "Petrov".into(),
                schools: vec!["putilovo-oosh".into(), "atlantis".into()],
                directions: vec!["sys_low_results".into(), "astrology".into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
    assert_eq!(
        bad_fields(&e),
        ["curator.directions[1]", "curator.schools[1]"],
        "{e:?}"
    );
    // A curator token needs a curator that exists.
    let (code, out, err) = cli_in(
        &[("LANG", "C.UTF-8"), ("PEERLIFT_TOKEN", admin.as_str())],
        &[
            "token",
            "create",
            "--role",
            "curator",
            "--scope",
            "curator:kirovsky/petrov",
            "--addr",
            &s.addr,
        ],
    )
    .await;
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("curator 'petrov'"), "{err}");
    s.stop().await;
}
