//! The command line as a new user meets it: an address typed without a scheme, errors that
//! say what to do, a typo that is an error rather than an empty table, a list that says
//! when it stops early.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();
    // The address as people type it: no scheme.
    let bare = s.addr.trim_start_matches("http://").to_string();
    let (code, out, err) = cli(&[
        "teachers", "list", "-m", "kirovsky", "--addr", &bare, "--limit", "3",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains("-t0")).count(),
        3,
        "{out}"
    );
    assert!(err.contains("showing the first 3; there are more"), "{err}");
    // A subject nobody can have is a typo, said as one.
    let (code, _, err) = cli(&[
        "teachers",
        "list",
        "-m",
        "kirovsky",
        "--addr",
        &bare,
        "--subject",
        "math",
    ])
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unknown subject 'math'"), "{err}");
    // A checklist value that is neither yes nor no is refused, not stored as done.
    let (code, _, err) = cli(&[
        "sessions",
        "record",
        "-m",
        "kirovsky",
        "any-session",
        "--held",
        "--check",
        "agenda=maybe",
        "--addr",
        &bare,
    ])
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("neither yes nor no"), "{err}");
    s.stop().await;

    // No server: one line that says where and why, not a transport dump.
    let (code, _, err) = cli(&["municipalities", "list", "--addr", "127.0.0.1:1"]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot reach the peerlift server at http://127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains("ConnectError("), "{err}");

    // Auth on, no token: the command line's own way to give one.
    let s = TestServer::start_with(dir.path(), |c| peerlift::config::Config {
        insecure_no_auth: false,
        ..c
    })
    .await;
    let (code, _, err) = cli(&["municipalities", "list", "--addr", &s.addr]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("pass --token SECRET or set PEERLIFT_TOKEN"),
        "{err}"
    );
    s.stop().await;
}

/// The quickstart's steps as written: no id to copy by hand, no -m for the 2023 round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_needs_no_copied_ids() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let a = s.addr.as_str();
    let (code, _, err) = cli(&["import", &format!("{examples}/kirovsky"), "--addr", a]).await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(&["approve", "-m", "kirovsky", "latest", "--addr", a]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no proposed run in kirovsky"), "{err}");
    let (code, out, err) = cli(&["match", "-m", "kirovsky", "--addr", a]).await;
    assert_eq!(code, 0, "{err}");
    let first = out.lines().next().unwrap_or_default().to_string();
    let run = first
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(
        run.starts_with("run-"),
        "the run id is not on the first line: {first}"
    );
    let (code, out, err) = cli(&[
        "approve",
        "-m",
        "kirovsky",
        "latest",
        "--effective-date",
        "2022-11-01",
        "--addr",
        a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("approved {run}")), "{out}");
    let (code, _, err) = cli(&[
        "schedule",
        "propose",
        "-m",
        "kirovsky",
        "--from",
        "2022-11-07",
        "--weeks",
        "1",
        "--addr",
        a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = cli(&[
        "schedule", "accept", "-m", "kirovsky", "latest", "--addr", a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("accepted sp-"), "{out}");
    let (code, out, err) =
        cli(&["import", &format!("{examples}/kirovsky-2023"), "--addr", a]).await;
    assert_eq!(code, 0, "{out}{err}");
    s.stop().await;
}

/// An office's locale speaks Russian: reports, their charts and the built-in subjects; `--lang`
/// overrides the locale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_russian_locale_speaks_russian() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let a = s.addr.as_str();
    let ru = [("LANG", "ru_RU.UTF-8")];
    let (code, out, err) =
        cli_in(&ru, &["report", "outcomes", "-m", "kirovsky", "--addr", a]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("показатель") && out.contains("учителей участвует"),
        "{out}"
    );
    assert!(
        out.contains("просрочено пунктов дорожных карт и маршрутов"),
        "{out}"
    );
    let svg = dir.path().join("coverage.svg");
    let (code, out, err) = cli_in(
        &ru,
        &[
            "report",
            "coverage",
            "-m",
            "kirovsky",
            "--addr",
            a,
            "--svg",
            svg.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("охват"), "{out}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.contains("Охват дефицитов") && chart.contains("Математика"),
        "{chart}"
    );
    // The server's explanations come back in Russian too (the CLI sends accept-language).
    let (code, out, err) = cli_in(
        &ru,
        &[
            "match",
            "-m",
            "kirovsky",
            "--addr",
            a,
            "--explain",
            "--dry-run",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("оптимально:") && out.contains("острота дефицита") && out.contains("очно"),
        "{out}"
    );
    assert!(
        !out.contains("severity") && !out.contains("in person"),
        "{out}"
    );
    // And --help.
    let (code, out, _) = cli_in(&ru, &["match", "--help"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("Рассчитать подбор") && out.contains("Пары учителей"),
        "{out}"
    );
    // --lang wins over the locale.
    let (_, out, _) = cli_in(
        &ru,
        &[
            "report", "outcomes", "-m", "kirovsky", "--addr", a, "--lang", "en",
        ],
    )
    .await;
    assert!(out.contains("teachers taking part"), "{out}");
    s.stop().await;
}

/// `--output json`: scripts read the API's own messages, field and enum names as the API
/// has them, never a table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_is_the_apis_messages() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let a = s.addr.as_str();
    let json = |out: &str| -> serde_json::Value {
        serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    };
    let (code, out, err) = cli(&[
        "schools", "list", "-m", "kirovsky", "--output", "json", "--addr", a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let schools = json(&out);
    assert_eq!(schools.as_array().map(Vec::len), Some(10));
    assert_eq!(schools[0]["municipality_id"], "kirovsky");
    assert!(schools[0]["status"]
        .as_str()
        .unwrap_or_default()
        .starts_with("SCHOOL_STATUS_"));
    let (code, out, err) = cli(&["match", "-m", "kirovsky", "--output", "json", "--addr", a]).await;
    assert_eq!(code, 0, "{err}");
    let run = json(&out);
    assert!(
        run["run"]["id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("run-"),
        "{run}"
    );
    assert!(run["run"]["pairs"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    let (code, out, err) = cli(&[
        "report", "outcomes", "-m", "kirovsky", "--output", "json", "--addr", a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(json(&out).get("teachers_active").is_some(), "{out}");
    // The nightly policy, shown and changed.
    let (code, out, err) = cli(&[
        "policy",
        "-m",
        "kirovsky",
        "--churn-budget",
        "7%",
        "--output",
        "json",
        "--addr",
        a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let policy = json(&out);
    assert_eq!(policy["municipality_id"], "kirovsky", "{policy}");
    assert_eq!(policy["churn_budget_pct"], 7, "{policy}");
    // Writes answer with the API's response too.
    let (code, out, err) = cli(&[
        "approve", "-m", "kirovsky", "latest", "--output", "json", "--addr", a,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        json(&out)["created_count"].as_u64().is_some_and(|n| n > 0),
        "{out}"
    );
    for args in [
        vec!["runs", "-m", "kirovsky"],
        vec!["catalog", "-m", "kirovsky"],
        vec!["progress", "-m", "kirovsky", "--teacher", "nazia-sosh-t005"],
        vec![
            "schedule",
            "propose",
            "-m",
            "kirovsky",
            "--from",
            "2022-11-07",
            "--weeks",
            "1",
        ],
        vec!["teachers", "show", "-m", "kirovsky", "putilovo-oosh-t002"],
        vec!["rematch", "-m", "kirovsky"],
    ] {
        let mut full = args.clone();
        full.extend(["--output", "json", "--addr", a]);
        let (code, out, err) = cli(&full).await;
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(json(&out).is_object(), "{args:?}: {out}");
    }
    s.stop().await;
}
