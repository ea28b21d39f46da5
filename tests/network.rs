//! The network of the Kirovsky example: statistics by hand count, DOT that Graphviz reads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use peerlift_api::pb;

async fn run_and_approve(s: &TestServer, kind: pb::MatchKind) {
    let mut c = s.matching();
    let run = c
        .run_matching(pb::RunMatchingRequest {
            municipality_id: "kirovsky".into(),
            kind: kind as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    c.approve_match_run(pb::ApproveMatchRunRequest {
        municipality_id: "kirovsky".into(),
        run_id: run.id,
        ..Default::default()
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kirovsky_network_counts_right_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let files = example_files();
    import_files(&s, "kirovsky", true, false, files.clone())
        .await
        .unwrap();
    run_and_approve(&s, pb::MatchKind::SchoolPartnerships).await;
    run_and_approve(&s, pb::MatchKind::TeacherPairs).await;
    let net = s
        .network()
        .get_network(pb::GetNetworkRequest {
            municipality_id: "kirovsky".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let stats = net.stats.clone().unwrap();
    // A municipality's network fits one page; in pages of 7 the same mentorships and teachers
    // arrive, each once, the schools and statistics on the first page only.
    assert!(net.next_page_token.is_empty());
    assert_eq!(net.mentorship_count, net.mentorships.len() as u64);
    let mut c = s.network();
    let (mut mentorships, mut teachers, mut token, mut pages) =
        (Vec::new(), BTreeSet::new(), String::new(), 0);
    loop {
        let page = c
            .get_network(pb::GetNetworkRequest {
                municipality_id: "kirovsky".into(),
                page_size: 7,
                page_token: token.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.schools.is_empty(), pages > 0);
        assert_eq!(page.stats.is_none(), pages > 0);
        assert!(page.mentorships.len() <= 7);
        pages += 1;
        mentorships.extend(page.mentorships);
        teachers.extend(page.teachers.into_iter().map(|t| t.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert!(pages > 1);
    assert_eq!(mentorships, net.mentorships);
    assert_eq!(
        teachers,
        net.teachers
            .iter()
            .map(|t| t.id.clone())
            .collect::<BTreeSet<_>>()
    );

    // Hand count from the files and the mentorship list.
    let mut schools = csv::Reader::from_reader(files[1].2.as_slice());
    let status_col = schools
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "status")
        .unwrap();
    let in_need: BTreeSet<String> = schools
        .records()
        .map(|r| r.unwrap())
        .filter(|r| matches!(&r[status_col], "low_results" | "at_risk"))
        .map(|r| r[0].to_string())
        .collect();
    let mut diags = csv::Reader::from_reader(files[4].2.as_slice());
    let level_col = diags
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "level")
        .unwrap();
    let ab = diags
        .records()
        .filter(|r| matches!(&r.as_ref().unwrap()[level_col], "A" | "B"))
        .count() as u64;
    let partnerships: Vec<&pb::Mentorship> = net
        .mentorships
        .iter()
        .filter(|m| m.kind == pb::MatchKind::SchoolPartnerships as i32)
        .collect();
    let pairs = net.mentorships.len() - partnerships.len();
    let partnered: BTreeSet<&str> = partnerships.iter().map(|m| m.mentee_id.as_str()).collect();
    let mut led: BTreeMap<&str, u32> = BTreeMap::new();
    for m in &partnerships {
        *led.entry(m.mentor_id.as_str()).or_default() += 1;
    }

    assert_eq!(stats.schools_in_need as usize, in_need.len());
    assert_eq!(stats.schools_in_need_with_partner as usize, partnered.len());
    assert_eq!(stats.ab_deficits, ab);
    assert_eq!(stats.ab_covered as usize, pairs);
    for l in &stats.leaders {
        assert_eq!(
            l.partners,
            led.get(l.school_id.as_str()).copied().unwrap_or(0),
            "{l:?}"
        );
        assert!(l.partners <= l.capacity);
    }
    assert_eq!(stats.leaders.len(), 3);
    let expected_isolated: Vec<String> = in_need
        .iter()
        .filter(|s| !partnered.contains(s.as_str()))
        .cloned()
        .collect();
    assert_eq!(stats.isolated_schools, expected_isolated);
    assert_eq!(
        stats.component_sizes.iter().sum::<u32>() as usize,
        net.schools.len()
    );

    // The CLI's DOT parses with Graphviz; GraphML and JSON are well formed.
    let bin = env!("CARGO_BIN_EXE_peerlift");
    let out = dir.path().join("k.dot");
    for (format, file) in [
        ("dot", "k.dot"),
        ("graphml", "k.graphml"),
        ("json", "k.json"),
    ] {
        let st = tokio::process::Command::new(bin)
            .args(["network", "-m", "kirovsky", "--format", format, "--out"])
            .arg(dir.path().join(file))
            .env("PEERLIFT_ADDR", &s.addr)
            .status()
            .await
            .unwrap();
        assert!(st.success(), "{format}");
    }
    // Who mentors whom reads off the picture: directed edges, mentor's school first, each
    // pair of schools once.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("digraph") && !text.contains(" -- "),
        "{text}"
    );
    let edges: Vec<&str> = text.lines().filter(|l| l.contains(" -> ")).collect();
    let unique: std::collections::BTreeSet<String> = edges
        .iter()
        .map(|l| l.split(" [").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        unique.len(),
        edges.len(),
        "two edges between the same schools"
    );
    let dot = std::process::Command::new("dot")
        .args(["-Tsvg", "-o"])
        .arg(dir.path().join("k.svg"))
        .arg(&out)
        .output()
        .unwrap_or_else(|e| {
            panic!("Graphviz `dot` is needed (apt-get install graphviz; .ci/run installs it): {e}")
        });
    assert!(
        dot.status.success(),
        "{}",
        String::from_utf8_lossy(&dot.stderr)
    );
    let svg = std::fs::read_to_string(dir.path().join("k.svg")).unwrap();
    assert!(svg.contains("MKOU Putilovskaya OOSh"));
    let graphml = std::fs::read_to_string(dir.path().join("k.graphml")).unwrap();
    assert_eq!(
        graphml.matches("<node ").count(),
        net.schools.len() + net.teachers.len()
    );
    assert_eq!(
        graphml.matches("<edge ").count(),
        net.teachers.len() + net.mentorships.len()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("k.json")).unwrap()).unwrap();
    assert_eq!(json["stats"]["ab_covered"].as_u64(), Some(pairs as u64));
    s.stop().await;
}
