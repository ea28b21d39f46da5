//! Issue 17 §5, the office's documents: the order approving the list of network partnerships
//! for a school year, drafted from the data, read back with an HTML5 parser: its annex lists
//! exactly the partnerships of that year, with the schools' names, the type and the number and
//! date the office signed it with.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::*;
use peerlift_api::pb;
use scraper::{Html, Selector};

const M: &str = "kirovsky";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partnership_order_lists_exactly_the_years_partnerships() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kirovsky");
    let (code, out, err) =
        cli(&["import", &example.display().to_string(), "--addr", &s.addr]).await;
    assert_eq!(code, 0, "{out}{err}");
    // A partnership of another school year is not in this year's order.
    s.mentorships()
        .create_mentorship(pb::CreateMentorshipRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::SchoolPartnerships as i32,
            mentee_id: "nazia-sosh".into(),
            mentor_id: "otradnoe-sosh-2".into(),
            reason: "next year's list".into(),
            started_on: "2023-09-04".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let year = "2022-2023";
    let expected: std::collections::BTreeSet<String> = s
        .mentorships()
        .list_mentorships(pb::ListMentorshipsRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::SchoolPartnerships as i32,
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentorships
        .into_iter()
        .filter(|m| m.charter.as_ref().is_some_and(|c| c.school_year == year))
        .map(|m| m.id)
        .collect();
    assert_eq!(expected.len(), 6);

    let file = dir.path().join("order.html");
    let (code, out, err) = cli(&[
        "documents",
        "partnership-order",
        "-m",
        M,
        "--year",
        year,
        "--number",
        "354",
        "--date",
        "2022-10-18",
        "--out",
        &file.display().to_string(),
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let html = Html::parse_document(&std::fs::read_to_string(&file).unwrap());
    let rows = Selector::parse("section.annex tbody tr").unwrap();
    let listed: std::collections::BTreeSet<String> = html
        .select(&rows)
        .map(|r| r.value().attr("data-mentorship").unwrap().to_string())
        .collect();
    assert_eq!(listed, expected);
    let text: String = html.root_element().text().collect();
    assert!(text.contains("от 18.10.2022 № 354"), "{text}");
    assert!(text.contains("на 2022-2023 учебный год"), "{text}");
    // Each row names the schools and the type the office set: the identical pair of Otradnoe.
    let cells = Selector::parse("td").unwrap();
    let otradnoe = html
        .select(&rows)
        .find(|r| {
            r.select(&cells)
                .any(|c| c.text().collect::<String>() == "MBOU Otradnenskaya SOSh No3")
        })
        .expect("the identical pair is in the annex");
    let row: Vec<String> = otradnoe
        .select(&cells)
        .map(|c| c.text().collect::<String>())
        .collect();
    assert_eq!(row[2], "MKOU Otradnenskaya SOSh No2");
    assert_eq!(row[3], "идентичное");
    // Unsigned, the number and date are blanks to fill in; a bad year is refused by name.
    let d = pb::document_service_client::DocumentServiceClient::new(s.channel.clone())
        .render_partnership_order(pb::RenderPartnershipOrderRequest {
            municipality_id: M.into(),
            school_year: year.into(),
            order: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(d.html.contains("№ ______"), "{}", d.html);
    let e = pb::document_service_client::DocumentServiceClient::new(s.channel.clone())
        .render_partnership_order(pb::RenderPartnershipOrderRequest {
            municipality_id: M.into(),
            school_year: "2022".into(),
            order: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&e), ["school_year"], "{e:?}");
    s.stop().await;
}
