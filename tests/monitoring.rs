//! Issue 17 §4, the monitoring tables in the seeds' shapes: teachers by level per subject
//! (seed 001) and the share at a sufficient level per competence area and school year (seed
//! 004), computed here independently from the example's CSV files and compared with what the
//! server and the CLI say.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use peerlift_api::pb;

const M: &str = "kirovsky";

/// (teacher, subject) -> (date, level) of the latest diagnostic, from both rounds' files.
fn latest_levels() -> BTreeMap<(String, String), (String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for file in [
        "kirovsky/diagnostics.csv",
        "kirovsky-2023/diagnostics-2023.csv",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let h = r.headers().unwrap().clone();
        let col = |name: &str| h.iter().position(|x| x == name).unwrap();
        for row in r.records() {
            let row = row.unwrap();
            let key = (
                row[col("teacher_id")].to_string(),
                row[col("subject")].to_string(),
            );
            let val = (row[col("date")].to_string(), row[col("level")].to_string());
            let e = out.entry(key).or_insert(val.clone());
            if val.0 > e.0 {
                *e = val;
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deficit_table_counts_each_teachers_latest_level() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for d in ["kirovsky", "kirovsky-2023"] {
        let path = examples.join(d).display().to_string();
        let (code, out, err) = cli(&["import", &path, "--addr", &s.addr]).await;
        assert_eq!(code, 0, "{out}{err}");
    }
    let r = s
        .reports()
        .monitoring_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut expected: BTreeMap<String, [u32; 4]> = BTreeMap::new();
    for ((_, subject), (_, level)) in latest_levels() {
        let i = "ABCD".find(level.as_str()).unwrap();
        expected.entry(subject).or_default()[i] += 1;
    }
    let got: BTreeMap<String, [u32; 4]> = r
        .deficits_by_subject
        .iter()
        .map(|x| (x.subject.clone(), [x.a, x.b, x.c, x.d]))
        .collect();
    assert_eq!(got, expected);
    for x in &r.deficits_by_subject {
        assert_eq!(x.teachers, x.a + x.b + x.c + x.d);
    }
    // Every active teacher diagnosed counts once in the total.
    let teachers: std::collections::BTreeSet<String> =
        latest_levels().into_keys().map(|(t, _)| t).collect();
    assert_eq!(r.deficits_total.unwrap().teachers as usize, teachers.len());
    // Areas: every teacher of a round is scored in its school year; shares are 0-100.
    assert!(!r.areas_by_year.is_empty());
    for a in &r.areas_by_year {
        assert!(a.sufficient <= a.teachers);
        let p = a.percent.unwrap();
        assert!((p - f64::from(a.sufficient) * 100.0 / f64::from(a.teachers)).abs() < 1e-9);
    }

    // The office's table: CSV for the upward report, SVG for people.
    let svg = dir.path().join("deficits.svg");
    let (code, out, err) = cli(&[
        "report",
        "deficits",
        "-m",
        M,
        "--csv",
        "--svg",
        &svg.display().to_string(),
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..6], ["subject", "teachers", "A", "B", "C", "D"]);
    assert_eq!(rows.records().count(), r.deficits_by_subject.len() + 1);
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.contains("Mathematics") && chart.contains("teachers by level"));
    let (code, out, err) = cli_in(
        &[("LANG", "ru_RU.UTF-8")],
        &["report", "areas", "-m", M, "--addr", &s.addr],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Инклюзивная") && out.contains("2022-2023"),
        "{out}"
    );
    s.stop().await;
}
