//! The web console at region scale: `peerlift bench --console`.
//!
//! A synthetic region (40 municipalities, 50,000 teachers) imported into a real server on a
//! temporary store, the region's teacher pairs matched and approved, a municipality's own run
//! proposed and a month of its sessions scheduled; then every page of the console fetched over
//! the loopback, signed in like a browser, each several times. The time is from the request's
//! first byte sent to the answer's last byte read: the server's time plus a loopback round trip.

use std::time::{Duration, Instant};

use peerlift_api::pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::synth::{self, Scale};

/// One page's figures.
#[derive(Debug, Clone)]
pub struct PageFigure {
    pub name: String,
    pub bytes: usize,
    pub min: Duration,
    pub median: Duration,
    pub max: Duration,
}

/// The answer to one request: status, headers (lowercase names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// One HTTP/1.1 exchange on a fresh connection (what a browser's first request costs).
async fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    cookie: &str,
    form: Option<&str>,
) -> Result<Answer, String> {
    let err = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut s = tokio::net::TcpStream::connect(addr).await.map_err(err)?;
    let body = form.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Language: ru\r\nConnection: close\r\n"
    );
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if form.is_some() {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.map_err(err)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.map_err(err)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    // Chunked bodies are measured by their bytes on the wire; the pages are read whole.
    Ok(Answer {
        status,
        headers,
        body: body.to_string(),
    })
}

/// The value of the first `name="..." value="..."` hidden field.
fn hidden(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let at = html.find(&needle)?;
    let rest = html.get(at + needle.len()..)?;
    rest.split('"').next().map(str::to_string)
}

/// Runs the benchmark: `rounds` fetches of each page after one to warm it.
pub async fn run(seed: u64, rounds: usize) -> Result<Vec<PageFigure>, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let dir = crate::bench::tempfile_dir()?;
    let csv = dir.join("csv");
    eprintln!("generating a region (seed {seed})…");
    synth::write(Scale::Region, seed, &csv, |_, _| {}).map_err(|e| err(&e))?;
    let config = crate::config::Config {
        data_dir: dir.join("data"),
        insecure_no_auth: true,
        rate_limit_per_token: 0.0,
        scheduler: false,
        ..crate::config::Config::default()
    };
    let console = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| err(&e))?;
    let web = console.local_addr().map_err(|e| err(&e))?.to_string();
    let (addr, stop, server) = crate::bench::start_server(config, Some(console)).await?;
    let ch = crate::client::connect(&addr).await.map_err(|e| err(&e))?;
    eprintln!("importing 40 municipalities…");
    let (muni, _) = crate::bench::import_and_approve(ch.clone(), &csv, &[]).await?;
    let region = "region-00".to_string();
    eprintln!("matching the region's teacher pairs…");
    let scope = format!("region:{region}");
    let (region_run, _) =
        crate::bench::run_and_approve(ch.clone(), &scope, pb::MatchKind::TeacherPairs, true)
            .await?;
    crate::bench::run_and_approve(ch.clone(), &muni, pb::MatchKind::SchoolPartnerships, true)
        .await?;
    // A municipality's own run, left proposed (its page carries the approve form).
    let (muni_run, _) =
        crate::bench::run_and_approve(ch.clone(), &muni, pb::MatchKind::TeacherPairs, false)
            .await?;
    let today = jiff::Zoned::now().date();
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .unwrap_or(today);
    let mut sessions = pb::session_service_client::SessionServiceClient::new(ch.clone());
    let proposal = sessions
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: muni.clone(),
            from: monday.to_string(),
            weeks: 4,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    sessions
        .accept_schedule(pb::AcceptScheduleRequest {
            municipality_id: muni.clone(),
            proposal_id: proposal.id.clone(),
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?;
    let school = pb::school_service_client::SchoolServiceClient::new(ch.clone())
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: muni.clone(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner()
        .schools
        .into_iter()
        .next()
        .ok_or("no school")?
        .id;
    let teacher = pb::teacher_service_client::TeacherServiceClient::new(ch.clone())
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: muni.clone(),
            school_id: school.clone(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner()
        .teachers
        .into_iter()
        .next()
        .ok_or("no teacher")?
        .id;

    // Signing in as a browser does.
    let form = exchange(&web, "GET", "/login", "", None).await?;
    let pre = form.cookie("peerlift_signin").ok_or("no sign-in cookie")?;
    let csrf = hidden(&form.body, "csrf").ok_or("no csrf field")?;
    let signed = exchange(
        &web,
        "POST",
        "/login",
        &format!("peerlift_signin={pre}"),
        Some(&format!("csrf={csrf}&token=bench")),
    )
    .await?;
    let sid = signed
        .cookie("peerlift_session")
        .ok_or("no session cookie")?;
    let cookie = format!("peerlift_session={sid}");

    let r = format!("region%3A{region}");
    let mut pages: Vec<(&str, String)> = vec![
        ("dashboard", format!("/m/{muni}")),
        ("schools", format!("/m/{muni}/schools")),
        ("a school", format!("/m/{muni}/schools/{school}")),
        ("a teacher", format!("/m/{muni}/teachers/{teacher}")),
        (
            "a teacher's form",
            format!("/m/{muni}/teachers/{teacher}/edit"),
        ),
        ("matching", format!("/m/{muni}/match")),
        (
            "the region's run, page 1",
            format!("/m/{r}/runs/{}", region_run.id),
        ),
        (
            "a municipal run (proposed)",
            format!("/m/{muni}/runs/{}", muni_run.id),
        ),
        ("mentorships", format!("/m/{muni}/mentorships")),
        ("network picture", format!("/m/{muni}/network")),
        ("week calendar", format!("/m/{muni}/schedule?week={monday}")),
        (
            "a school's week",
            format!("/m/{muni}/schedule?school={school}&week={monday}"),
        ),
        ("iCalendar feed", format!("/m/{muni}/calendar.ics")),
        ("events", format!("/m/{muni}/events")),
        ("programmes", format!("/m/{muni}/programmes")),
        ("documents", format!("/m/{muni}/documents")),
        (
            "partnership order",
            format!("/m/{muni}/documents/view?kind=partnership-order&subject=2026-2027"),
        ),
        ("coverage report", format!("/m/{muni}/reports/coverage")),
        ("progress report", format!("/m/{muni}/reports/progress")),
        ("outcomes report", format!("/m/{muni}/reports/outcomes")),
        ("import form", format!("/m/{muni}/import")),
    ];
    // The region's run, a page deep: the token its first page links.
    let first = exchange(&web, "GET", &pages[6].1, &cookie, None).await?;
    let needle = "rel=\"next\" href=\"?page=";
    if let Some(rest) = first
        .body
        .find(needle)
        .and_then(|at| first.body.get(at + needle.len()..))
    {
        let token: String = rest
            .chars()
            .take_while(|c| *c != '"' && *c != '#')
            .collect();
        pages.insert(
            7,
            (
                "the region's run, page 2",
                format!("/m/{r}/runs/{}?page={token}", region_run.id),
            ),
        );
    }
    let mut out = Vec::new();
    for (name, path) in pages {
        let warm = exchange(&web, "GET", &path, &cookie, None).await?;
        if warm.status != 200 {
            return Err(format!("{path}: HTTP {}", warm.status));
        }
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            let a = exchange(&web, "GET", &path, &cookie, None).await?;
            times.push(t.elapsed());
            if a.status != 200 {
                return Err(format!("{path}: HTTP {}", a.status));
            }
        }
        times.sort();
        out.push(PageFigure {
            name: name.to_string(),
            bytes: warm.body.len(),
            min: times[0],
            median: times[times.len() / 2],
            max: times[times.len() - 1],
        });
    }
    let _ = stop.send(());
    server
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// The figures as a Markdown table in the pages' order, then the slowest page.
pub fn print(f: &[PageFigure], rounds: usize) {
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    println!("| page | KiB | min ms | median ms | max ms ({rounds} fetches) |");
    println!("|---|---|---|---|---|");
    for p in f {
        println!(
            "| {} | {:.0} | {} | {} | {} |",
            p.name,
            p.bytes as f64 / 1024.0,
            ms(p.min),
            ms(p.median),
            ms(p.max)
        );
    }
    if let Some(worst) = f.iter().max_by_key(|p| p.max) {
        let under = f
            .iter()
            .filter(|p| p.max < Duration::from_millis(200))
            .count();
        println!(
            "\n{under} of {} pages under 200 ms at every fetch; the slowest: {} ({} ms at most)",
            f.len(),
            worst.name,
            ms(worst.max)
        );
    }
}
