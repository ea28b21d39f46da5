//! The web console in a real browser: headless Chromium driven through chromedriver
//! (WebDriver). A methodologist's year in Russian (sign in, import the Kirovsky example, run
//! and approve teacher pairs, lock a pair, propose and accept a schedule, record a session,
//! open a report with its chart), a school token kept to its school (403), a form posted
//! without its CSRF token refused. Screenshots go to the tests' output folder
//! (`target/tmp/console-screens/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use peerlift_store::Store;

/// chromedriver on a free port, stopped with the test.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The child is waited for by `Driver`'s Drop, which clippy does not follow.
#[allow(clippy::zombie_processes)]
async fn driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Driver { child, url };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(d: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=ru-RU"],
            "prefs": {"intl.accept_languages": "ru-RU,ru"}
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&d.url)
        .await
        .expect("a WebDriver session")
}

fn screens() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screens().join(format!("{name}.png")), png).unwrap();
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn title(c: &Client) -> String {
    c.find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Sets a date input (the browser's date picker takes keys in its locale's order; the value
/// is set the way a script would).
async fn set_date(c: &Client, id: &str, d: jiff::civil::Date) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(id), serde_json::json!(d.to_string())],
    )
    .await
    .unwrap();
}

/// The number the console gives each page it renders (`main[data-render]`).
async fn render_id(c: &Client) -> Option<String> {
    c.find(Locator::Css("main"))
        .await
        .ok()?
        .attr("data-render")
        .await
        .ok()
        .flatten()
}

/// Clicks and waits for the next page the console renders (no sleeping: the page's number
/// changes when it has arrived).
async fn click(c: &Client, css: &str) {
    let before = render_id(c).await;
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
    for _ in 0..600 {
        let now = render_id(c).await;
        if now.is_some() && now != before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no new page after clicking {css}");
}

/// Clicks what changes the page in place (a checkbox, a disclosure).
async fn click_only(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn sign_in(c: &Client, console: &str, token: &str) {
    c.goto(&format!("{console}/login")).await.unwrap();
    c.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    click(c, "form button[type=submit]").await;
}

/// A store with an admin token made on it directly (the bootstrap path); its secret.
fn bootstrap_admin(dir: &Path) -> String {
    let store = Store::open(dir).unwrap();
    let (_, secret) = peerlift_api::services::access::create_token(
        &store,
        &peerlift_api::auth::Caller::system("bootstrap"),
        peerlift_api::services::access::NewToken::parse(
            Some(peerlift_domain::access::Role::Admin),
            "all",
            &[],
            "console test",
            0,
        )
        .unwrap(),
        [7u8; 32],
        jiff::Timestamp::now(),
    )
    .unwrap();
    store.flush().unwrap();
    secret
}

/// A raw HTTP/1.1 GET with a cookie: the body.
async fn raw_get(console: &str, path: &str, cookie: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = console.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out.split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default()
}

/// A raw HTTP/1.1 POST with a cookie and a body: what a forged form would send.
async fn raw_post(console: &str, path: &str, cookie: &str, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = console.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_methodologists_year_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let admin = bootstrap_admin(dir.path());
    let s = TestServer::start_with_console(dir.path(), |c| peerlift::config::Config {
        insecure_no_auth: false,
        rate_limit_per_token: 0.0,
        scheduler: false,
        ..c
    })
    .await;
    let d = driver().await;
    let c = browser(&d).await;
    let console = s.console.clone();

    // The administrator's first step on a fresh store, in the browser: a new municipality by
    // its municipality.csv; then the office's token, with which the office does the rest.
    sign_in(&c, &console, &admin).await;
    assert_eq!(title(&c).await, "Муниципалитеты");
    c.find(Locator::Id("new-m"))
        .await
        .unwrap()
        .send_keys("kirovsky")
        .await
        .unwrap();
    click(&c, "form[action='/new'] button").await;
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kirovsky");
    c.find(Locator::Id("files"))
        .await
        .unwrap()
        .send_keys(&example.join("municipality.csv").display().to_string())
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    let made = text(&c).await;
    assert!(made.contains("создано 1"), "{made}");
    click(&c, "header form[action='/logout'] button").await;
    let office = cli_token(&s, &admin, "coordinator", "municipality:kirovsky").await;

    // Signing in: the token once, then a session; the page speaks the browser's Russian.
    sign_in(&c, &console, &office).await;
    assert_eq!(title(&c).await, "kirovsky: обзор");
    let cookie = c.get_named_cookie("peerlift_session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(
        cookie.same_site().map(|x| format!("{x:?}")),
        Some("Strict".to_string())
    );

    // The Kirovsky example, every file at once.
    c.goto(&format!("{console}/m/kirovsky/import"))
        .await
        .unwrap();
    let files: Vec<String> = [
        "municipality.csv",
        "schools.csv",
        "teachers.csv",
        "mentor_profiles.csv",
        "diagnostics.csv",
        "partnerships.csv",
    ]
    .iter()
    .map(|f| example.join(f).display().to_string())
    .collect();
    c.find(Locator::Id("files"))
        .await
        .unwrap()
        .send_keys(&files.join("\n"))
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    let page = text(&c).await;
    // The municipality exists already: its row is unchanged, every other row is new.
    let rows: usize = files
        .iter()
        .filter(|f| !f.ends_with("municipality.csv"))
        .map(|f| std::fs::read_to_string(f).unwrap().lines().count() - 1)
        .sum();
    assert!(
        page.contains(&format!(
            "Загружено: создано {rows}, обновлено 0, отклонено 0"
        )),
        "{page}"
    );
    shot(&c, "1-import").await;

    // The registry: a teacher's edit form refused by the API shows the message by the field;
    // mended, it saves.
    c.goto(&format!(
        "{console}/m/kirovsky/teachers/putilovo-oosh-t001/edit"
    ))
    .await
    .unwrap();
    let name = c
        .find(Locator::Id("f-full_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(!name.is_empty());
    c.execute("document.getElementById('f-full_name').value = '';", vec![])
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    let field = c.find(Locator::Id("f-full_name")).await.unwrap();
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    let said = c
        .find(Locator::Id("f-full_name-err"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!said.is_empty());
    shot(&c, "1-form-refused").await;
    field.send_keys(&name).await.unwrap();
    click(&c, "main form button[type=submit]").await;
    assert_eq!(title(&c).await, name);
    // Someone else saves the teacher while the form is open: the form comes back saying so,
    // over the current version, and the second send saves.
    c.goto(&format!(
        "{console}/m/kirovsky/teachers/putilovo-oosh-t001/edit"
    ))
    .await
    .unwrap();
    peerlift_api::pb::teacher_service_client::TeacherServiceClient::new(with_token(&s, &admin))
        .update_teacher(peerlift_api::pb::UpdateTeacherRequest {
            municipality_id: "kirovsky".into(),
            teacher: Some(peerlift_api::pb::Teacher {
                id: "putilovo-oosh-t001".into(),
                accepts_online: Some(false),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["accepts_online".into()],
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    let stale = text(&c).await;
    assert!(stale.contains("Запись изменили"), "{stale}");
    click(&c, "main form button[type=submit]").await;
    assert_eq!(title(&c).await, name);

    // Teacher pairs: run, read, approve.
    c.goto(&format!("{console}/m/kirovsky/match"))
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    assert!(
        title(&c).await.starts_with("Расчёт run-"),
        "{}",
        title(&c).await
    );
    let pairs = c
        .find_all(Locator::Css("#pairs tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(pairs > 10, "{pairs} pairs");
    shot(&c, "2-run").await;
    // The pairs work since three weeks ago, so the first sessions can be recorded.
    let today = jiff::Zoned::now().date();
    let since = today.checked_sub(jiff::Span::new().days(21)).unwrap();
    let from = today.checked_sub(jiff::Span::new().days(14)).unwrap();
    set_date(&c, "since", since).await;
    click(&c, "form[action$='/approve'] button").await;
    assert_eq!(title(&c).await, "Наставничество");
    let rows = c.find_all(Locator::Css("#ms tbody tr")).await.unwrap();
    // The district's six partnerships and the approved pairs.
    assert_eq!(rows.len(), pairs + 6);

    // Lock the first pair.
    click(&c, "#ms tbody tr:first-child form button").await;
    let first = c
        .find(Locator::Css("#ms tbody tr:first-child"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("закреплено"), "{first}");
    shot(&c, "3-mentorships").await;

    // A veto: the pair ends and is listed as vetoed.
    click_only(&c, "#ms tbody tr:last-child details summary").await;
    c.find(Locator::Css(
        "#ms tbody tr:last-child details input[name=reason]",
    ))
    .await
    .unwrap()
    .send_keys("конфликт интересов")
    .await
    .unwrap();
    click(&c, "#ms tbody tr:last-child details button").await;
    assert_eq!(
        c.find_all(Locator::Css("#ms tbody tr"))
            .await
            .unwrap()
            .len(),
        pairs + 6 - 1
    );
    let vetoed = text(&c).await;
    assert!(vetoed.contains("конфликт интересов"), "{vetoed}");

    // A schedule: propose, accept, record the first session as held.
    c.goto(&format!("{console}/m/kirovsky/schedule"))
        .await
        .unwrap();
    set_date(&c, "from", from).await;
    click(&c, "form[action$='/schedule/propose'] button").await;
    assert!(title(&c).await.starts_with("Предложенное расписание"));
    shot(&c, "4-proposal").await;
    click(&c, "form[action$='/accept'] button").await;
    assert_eq!(title(&c).await, "Расписание");
    // The week the schedule starts, as a calendar; record its first session.
    c.goto(&format!("{console}/m/kirovsky/schedule?week={from}"))
        .await
        .unwrap();
    shot(&c, "4-week").await;
    click(&c, ".day a.record").await;
    click_only(&c, "#chk1").await;
    click(&c, "main form button[type=submit]").await;
    let first = c
        .find(Locator::Css(".day li"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("проведено"), "{first}");
    // The same sessions as an iCalendar feed any calendar program reads.
    let session = c.get_named_cookie("peerlift_session").await.unwrap();
    let feed = raw_get(
        &console,
        "/m/kirovsky/calendar.ics",
        &format!("peerlift_session={}", session.value()),
    )
    .await;
    let cal = ical::IcalParser::new(feed.as_bytes())
        .next()
        .expect("a calendar")
        .expect("it parses");
    assert!(!cal.events.is_empty());
    // A report's table as CSV: its header row first, a line per school and subject.
    let csv = raw_get(
        &console,
        "/m/kirovsky/reports/coverage?format=csv",
        &format!("peerlift_session={}", session.value()),
    )
    .await;
    assert!(csv.starts_with("школа,предмет"), "{csv}");
    assert!(csv.lines().count() > 10, "{csv}");

    // A municipal event: made, in the week's calendar, recorded as held.
    c.goto(&format!("{console}/m/kirovsky/events"))
        .await
        .unwrap();
    c.find(Locator::Id("f-title"))
        .await
        .unwrap()
        .send_keys("Фестиваль открытых уроков")
        .await
        .unwrap();
    let day = from.checked_add(jiff::Span::new().days(2)).unwrap();
    c.execute(
        "document.getElementById('f-start').value = arguments[0];",
        vec![serde_json::json!(format!("{day}T15:00"))],
    )
    .await
    .unwrap();
    c.find(Locator::Id("f-host_school_id"))
        .await
        .unwrap()
        .send_keys("kirovsk-sosh-2")
        .await
        .unwrap();
    c.find(Locator::Id("f-invited_schools"))
        .await
        .unwrap()
        .send_keys("putilovo-oosh, nazia-sosh")
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    assert_eq!(
        title(&c).await,
        "Фестиваль открытых уроков",
        "{}",
        text(&c).await
    );
    c.goto(&format!("{console}/m/kirovsky/schedule?week={day}"))
        .await
        .unwrap();
    let week = text(&c).await;
    assert!(week.contains("Фестиваль открытых уроков"), "{week}");
    click(&c, ".day li.event a").await;
    click(&c, "form[action$='/record'] button").await;
    let held = text(&c).await;
    assert!(held.contains("проведено"), "{held}");
    shot(&c, "4-event").await;

    // The spring re-diagnosis, imported in the browser: a teacher's change shows.
    c.goto(&format!("{console}/m/kirovsky/import"))
        .await
        .unwrap();
    let spring = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kirovsky-2023");
    let files: Vec<String> = [
        "municipality.csv",
        "schools-2023.csv",
        "diagnostics-2023.csv",
    ]
    .iter()
    .map(|f| spring.join(f).display().to_string())
    .collect();
    c.find(Locator::Id("files"))
        .await
        .unwrap()
        .send_keys(&files.join("\n"))
        .await
        .unwrap();
    click(&c, "main form button[type=submit]").await;
    let page = text(&c).await;
    assert!(page.contains("отклонено 0"), "{page}");
    c.goto(&format!("{console}/m/kirovsky/teachers/putilovo-oosh-t001"))
        .await
        .unwrap();
    let teacher = text(&c).await;
    assert!(teacher.contains("2023-04-14"), "{teacher}");
    assert!(teacher.contains(" → "), "{teacher}");
    shot(&c, "5-teacher").await;

    // A report with its chart.
    c.goto(&format!("{console}/m/kirovsky/reports/coverage"))
        .await
        .unwrap();
    let svg = c.find_all(Locator::Css("figure.chart svg")).await.unwrap();
    assert_eq!(svg.len(), 1);
    shot(&c, "5-report").await;

    // The programme year: a programme's indicators against its target, with its chart, and a
    // document drafted to print.
    peerlift_api::pb::programme_service_client::ProgrammeServiceClient::new(with_token(&s, &admin))
        .create_programme(peerlift_api::pb::CreateProgrammeRequest {
            municipality_id: "kirovsky".into(),
            programme: Some(peerlift_api::pb::Programme {
                id: "rip".into(),
                title: "Сетевое наставничество".into(),
                targets: vec![peerlift_api::pb::Target {
                    indicator: peerlift_api::pb::Indicator::Participation as i32,
                    school_year: "2022-2023".into(),
                    value: 30.0,
                    ..Default::default()
                }],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    c.goto(&format!("{console}/m/kirovsky/programmes"))
        .await
        .unwrap();
    click(&c, "main ul a").await;
    assert_eq!(title(&c).await, "Сетевое наставничество");
    assert_eq!(
        c.find_all(Locator::Css("figure.chart svg"))
            .await
            .unwrap()
            .len(),
        1
    );
    shot(&c, "6-programme").await;
    c.goto(&format!(
        "{console}/m/kirovsky/documents/view?kind=partnership-order&subject=2022-2023"
    ))
    .await
    .unwrap();
    let annex = c
        .find_all(Locator::Css("section.annex tbody tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(annex, 6);
    shot(&c, "6-order").await;
    // Once signed, the order's number and date go in the record.
    c.goto(&format!("{console}/m/kirovsky/documents"))
        .await
        .unwrap();
    c.find(Locator::Id("s-subject"))
        .await
        .unwrap()
        .send_keys("2022-2023")
        .await
        .unwrap();
    c.find(Locator::Id("s-year"))
        .await
        .unwrap()
        .send_keys("2022-2023")
        .await
        .unwrap();
    c.find(Locator::Id("s-number"))
        .await
        .unwrap()
        .send_keys("112-о")
        .await
        .unwrap();
    set_date(&c, "s-date", today).await;
    click(&c, "form[action$='/documents/signed'] button").await;
    let docs = text(&c).await;
    assert!(docs.contains("112-о"), "{docs}");

    // The network picture: every school a link to its page.
    c.goto(&format!("{console}/m/kirovsky/network"))
        .await
        .unwrap();
    let links = c
        .find_all(Locator::Css("figure.chart svg a"))
        .await
        .unwrap()
        .len();
    assert_eq!(links, 10);
    shot(&c, "7-network").await;
    let before = render_id(&c).await;
    c.find(Locator::Css("figure.chart svg a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..600 {
        if render_id(&c).await.is_some_and(|x| Some(x) != before) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(c.current_url().await.unwrap().path().contains("/schools/"));

    // A form posted without its CSRF token is refused and changes nothing.
    let session = c.get_named_cookie("peerlift_session").await.unwrap();
    let mentorship = first_mentorship(&s, &admin).await;
    let code = raw_post(
        &console,
        &format!("/m/kirovsky/mentorships/{mentorship}/lock"),
        &format!("peerlift_session={}", session.value()),
        "lock=no",
    )
    .await;
    assert_eq!(code, 403);

    // A school token sees its school and nothing else.
    let school = cli_token(&s, &admin, "school", "school:kirovsky/putilovo-oosh").await;
    c.delete_all_cookies().await.unwrap();
    sign_in(&c, &console, &school).await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/schools/putilovo-oosh"));
    shot(&c, "8-school").await;
    // Its teacher's page: what the school may read of them, no refusal.
    click(&c, "main table tbody tr:first-child a").await;
    let teacher = title(&c).await;
    assert!(!teacher.starts_with("403"), "{teacher}");
    c.back().await.unwrap();
    // On a phone: the school's page in a phone's width.
    c.set_window_size(390, 844).await.unwrap();
    c.refresh().await.unwrap();
    shot(&c, "9-school-phone").await;
    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&format!("{console}/m/kirovsky/schools/shum-sosh"))
        .await
        .unwrap();
    assert!(title(&c).await.starts_with("403"), "{}", title(&c).await);
    c.close().await.unwrap();
    s.stop().await;
}

/// The id of the first active mentorship, through the API.
async fn first_mentorship(s: &TestServer, admin: &str) -> String {
    let conn = with_token(s, admin);
    peerlift_api::pb::mentorship_service_client::MentorshipServiceClient::new(conn)
        .list_mentorships(peerlift_api::pb::ListMentorshipsRequest {
            municipality_id: "kirovsky".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentorships[0]
        .id
        .clone()
}
