//! The office's web console, served by `peerlift serve` beside gRPC: server-rendered HTML
//! (no front-end build, a few lines of script for sorting tables).
//!
//! The console is a client of the API, in the same process: every page calls the gRPC
//! services (through an in-memory pipe, see `server.rs`) with the signed-in person's own
//! token, so it obeys exactly the
//! roles, scopes, grants, limits and audit of the API (a school token's page of another school
//! is the API's PERMISSION_DENIED, shown as 403). Signing in takes the token once; the browser
//! then holds only a random session id in an HttpOnly, SameSite=Strict cookie (Secure under
//! TLS). Every form carries the session's CSRF token; a POST without it is refused.

mod events;
mod kit;
mod matching;
mod network;
mod pages;
mod registry;
mod schedule;
pub mod tls;
mod year;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use peerlift_api::app::documents::esc;
use peerlift_domain::access::{Role, Scope};
use tokio::net::TcpListener;
use tonic::transport::Channel;

use crate::client::{Bearer, Conn};
use crate::i18n::{self, Lang};

/// Who a token is (its role and scope), as the server's token store says.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub role: Role,
    pub scope: Scope,
}

/// Looks a token's secret up: `None` for an unknown, revoked or expired one.
pub type Identify = Arc<dyn Fn(&str) -> Option<Identity> + Send + Sync>;

tokio::task_local! {
    /// The path of the request being served: the layout's menu follows the municipality in it.
    static PATH: String;
}

/// Keeps the request's path for the layout (see [`PATH`]).
async fn keep_path(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_string();
    PATH.scope(path, next.run(req)).await
}

/// The municipality a page is about: `/m/{m}/...`.
fn path_municipality() -> Option<String> {
    PATH.try_with(|p| {
        p.strip_prefix("/m/")
            .map(|rest| rest.split('/').next().unwrap_or("").to_string())
            // A region's run (`region:NAME`) has no municipal menu.
            .filter(|m| {
                let lower = m.to_ascii_lowercase();
                !m.is_empty() && !lower.starts_with("region:") && !lower.starts_with("region%3a")
            })
    })
    .ok()
    .flatten()
}

/// A session is dropped after this long unused.
const IDLE: Duration = Duration::from_secs(8 * 3600);
/// ...and after this long in any case: a day's work, then the token again.
const LIFETIME: Duration = Duration::from_secs(24 * 3600);

const SESSION_COOKIE: &str = "peerlift_session";
/// The sign-in form's own CSRF token (double-submit: cookie and field must agree).
const LOGIN_COOKIE: &str = "peerlift_signin";

#[derive(Clone)]
struct Session {
    secret: String,
    csrf: String,
    lang: Lang,
    identity: Identity,
    last: Instant,
    since: Instant,
}

/// The console's shared state.
#[derive(Clone)]
pub struct Console {
    grpc: Channel,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    identify: Identify,
    /// Cookies get `Secure` (the console is behind TLS).
    secure: bool,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// The signed-in person of one request.
#[derive(Clone)]
pub struct User {
    sid: String,
    session: Session,
    channel: Channel,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("User")
            .field("identity", &self.session.identity)
            .finish_non_exhaustive()
    }
}

impl User {
    /// A connection to the API that carries this person's token.
    pub fn conn(&self) -> Conn {
        tonic::service::interceptor::InterceptedService::new(
            self.channel.clone(),
            Bearer::new(&self.session.secret).unwrap_or_default(),
        )
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf
    }

    pub fn lang(&self) -> Lang {
        self.session.lang
    }

    pub fn identity(&self) -> &Identity {
        &self.session.identity
    }

    /// A school's or a curator's token: it sees its schools, not the office's tools.
    pub fn bound(&self) -> bool {
        let scope = &self.session.identity.scope;
        scope.school().is_some() || scope.curator().is_some()
    }
}

fn random_token() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The language a browser asks for.
fn browser_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(peerlift_text::Lang::from_accept_language)
        .unwrap_or(Lang::Ru)
}

impl Console {
    /// The session cookie's name: under TLS with the `__Host-` prefix, which browsers accept
    /// only from this very host over https with `Path=/` (no sibling domain can plant one).
    fn session_cookie(&self) -> &'static str {
        if self.secure {
            "__Host-peerlift_session"
        } else {
            SESSION_COOKIE
        }
    }

    fn login_cookie(&self) -> &'static str {
        if self.secure {
            "__Host-peerlift_signin"
        } else {
            LOGIN_COOKIE
        }
    }

    fn cookie_attrs(&self) -> &'static str {
        if self.secure {
            "; Path=/; HttpOnly; SameSite=Strict; Secure"
        } else {
            "; Path=/; HttpOnly; SameSite=Strict"
        }
    }

    fn user(&self, headers: &HeaderMap) -> Option<User> {
        let sid = cookie(headers, self.session_cookie())?;
        let mut sessions = self.sessions.lock().ok()?;
        let now = Instant::now();
        sessions.retain(|_, s| {
            now.duration_since(s.last) < IDLE && now.duration_since(s.since) < LIFETIME
        });
        let s = sessions.get_mut(&sid)?;
        s.last = now;
        Some(User {
            sid,
            session: s.clone(),
            channel: self.grpc.clone(),
        })
    }

    fn drop_session(&self, sid: &str) {
        if let Ok(mut s) = self.sessions.lock() {
            s.remove(sid);
        }
    }

    fn set_lang(&self, sid: &str, lang: Lang) {
        if let Ok(mut s) = self.sessions.lock() {
            if let Some(x) = s.get_mut(sid) {
                x.lang = lang;
            }
        }
    }
}

/// A page's title and body (the layout adds the rest).
#[derive(Debug)]
pub struct Page {
    pub title: String,
    pub body: String,
}

/// What went wrong, as a page.
#[derive(Debug)]
pub enum Failure {
    /// The API refused or failed.
    Api(tonic::Status),
    /// A form without its CSRF token.
    Csrf,
    /// Bad input of the console's own (a form field it reads itself).
    Bad(String),
    NotFound,
}

impl From<tonic::Status> for Failure {
    fn from(s: tonic::Status) -> Self {
        Failure::Api(s)
    }
}

impl From<crate::client::ClientError> for Failure {
    fn from(e: crate::client::ClientError) -> Self {
        match e {
            crate::client::ClientError::Rpc(s) => Failure::Api(s),
            other => Failure::Bad(other.to_string()),
        }
    }
}

pub type PageResult = Result<Page, Failure>;

/// Runs a page for the signed-in person (or sends them to sign in), in their language, and
/// lays it out.
pub async fn page<F, Fut>(c: &Console, headers: &HeaderMap, f: F) -> Response
where
    F: FnOnce(User) -> Fut,
    Fut: Future<Output = PageResult>,
{
    let Some(u) = c.user(headers) else {
        return Redirect::to("/login").into_response();
    };
    let lang = u.lang();
    let shown = u.clone();
    i18n::with_lang(lang, async move {
        match f(u).await {
            Ok(p) => html(StatusCode::OK, layout(Some(&shown), &p.title, &p.body)),
            Err(e) => failure(c, &shown, e),
        }
    })
    .await
}

/// What a form's action leads to: the next page, or the form again with what to mend.
#[derive(Debug)]
pub enum Next {
    Go(String),
    Again(Page),
}

/// Runs a form: the CSRF token first, then `f`; `Next::Again` shows the form again (400) with
/// the messages by its fields, a failure is the console's failure page.
pub async fn form_action<F, Fut>(c: &Console, headers: &HeaderMap, csrf: &str, f: F) -> Response
where
    F: FnOnce(User) -> Fut,
    Fut: Future<Output = Result<Next, Failure>>,
{
    let Some(u) = c.user(headers) else {
        return Redirect::to("/login").into_response();
    };
    let shown = u.clone();
    i18n::with_lang(u.lang(), async move {
        if !same(csrf, u.csrf()) {
            return failure(c, &shown, Failure::Csrf);
        }
        match f(u).await {
            Ok(Next::Go(to)) => Redirect::to(&to).into_response(),
            Ok(Next::Again(p)) => html(
                StatusCode::BAD_REQUEST,
                layout(Some(&shown), &p.title, &p.body),
            ),
            Err(e) => failure(c, &shown, e),
        }
    })
    .await
}

/// Runs a form's action that has no form to show again: where to go next, or a failure.
pub async fn action<F, Fut>(c: &Console, headers: &HeaderMap, csrf: &str, f: F) -> Response
where
    F: FnOnce(User) -> Fut,
    Fut: Future<Output = Result<String, Failure>>,
{
    form_action(
        c,
        headers,
        csrf,
        |u| async move { f(u).await.map(Next::Go) },
    )
    .await
}

fn failure(c: &Console, u: &User, e: Failure) -> Response {
    use tonic::Code;
    let (code, text) = match e {
        Failure::Api(s) => match s.code() {
            Code::Unauthenticated => {
                // Revoked or expired since sign-in: the session ends with the token.
                c.drop_session(&u.sid);
                return Redirect::to("/login").into_response();
            }
            Code::PermissionDenied => (StatusCode::FORBIDDEN, i18n::t("con-forbidden")),
            Code::NotFound => (StatusCode::NOT_FOUND, s.message().to_string()),
            Code::InvalidArgument | Code::FailedPrecondition | Code::AlreadyExists => {
                (StatusCode::BAD_REQUEST, s.message().to_string())
            }
            Code::Aborted => (StatusCode::CONFLICT, s.message().to_string()),
            Code::ResourceExhausted | Code::Unavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, s.message().to_string())
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, s.message().to_string()),
        },
        Failure::Csrf => (StatusCode::FORBIDDEN, i18n::t("con-csrf")),
        Failure::Bad(m) => (StatusCode::BAD_REQUEST, m),
        Failure::NotFound => (StatusCode::NOT_FOUND, i18n::t("con-not-found")),
    };
    let title = format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("")
    );
    let body = format!(
        "<p role=\"alert\" class=\"error\">{}</p><p><a href=\"/\">{}</a></p>",
        esc(&text),
        esc(&i18n::t("con-home"))
    );
    html(code, layout(Some(u), &title, &body))
}

pub fn html(code: StatusCode, body: String) -> Response {
    let mut r = (code, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages are the person's own data: never cached, never framed.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert("x-frame-options", HeaderValue::from_static("DENY"));
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

/// A hidden CSRF field for a form of this person.
pub fn csrf_field(u: &User) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(u.csrf())
    )
}

/// The municipality a scope works in, when it names one.
pub fn home_municipality(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::Municipality(m) => Some(m),
        Scope::School {
            municipality_id, ..
        }
        | Scope::Curator {
            municipality_id, ..
        } => Some(municipality_id),
        Scope::All | Scope::Region(_) => None,
    }
}

const STYLE: &str = "
:root { --fg: #1b1b1b; --muted: #5a5a5a; --line: #d0d0d0; --accent: #0b57a4; --bad: #b00020; --ok: #1b6e20; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); margin: 0; line-height: 1.45; }
header { background: #0b3d6e; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
header a { color: #fff; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
header form { display: inline; margin: 0; }
header .who { margin-left: auto; font-size: .9rem; }
main { padding: 1rem; max-width: 78rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #ffbf47; outline-offset: 1px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; position: sticky; top: 0; }
th button.sort { font: inherit; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; text-decoration: underline dotted; }
button, .button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; min-height: 44px; }
button.secondary { background: #fff; color: var(--accent); }
header button { min-height: 0; padding: .15rem .6rem; background: transparent; border-color: #fff; }
label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
input, select, textarea { font: inherit; padding: .35rem; border: 1px solid #8a8a8a; border-radius: 4px; max-width: 100%; }
.error { color: var(--bad); font-weight: 600; }
.ok { color: var(--ok); }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.card .big { font-size: 1.8rem; font-weight: 700; }
.inline { display: inline; }
.skip { position: absolute; left: -10000px; top: .5rem; background: #fff; color: var(--accent); padding: .4rem .8rem; z-index: 10; }
.skip:focus { left: .5rem; }
ul.columns { columns: 16rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.choices { display: flex; flex-wrap: wrap; gap: .2rem 1.2rem; }
.field-error { margin: .2rem 0 0; }
input[aria-invalid=true], select[aria-invalid=true] { border: 2px solid var(--bad); }
dt { font-weight: 600; margin-top: .4rem; }
dd { margin-left: 1rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .8rem 0; }
.chart svg { max-width: 100%; height: auto; }
.week { display: grid; grid-template-columns: repeat(7, minmax(9rem, 1fr)); gap: .5rem; margin-bottom: 1rem; }
.week .day h3 { font-size: 1rem; margin: 0 0 .3rem; }
.week .day ul { list-style: none; padding: 0; margin: 0; font-size: .9rem; }
.week .day li { margin-bottom: .4rem; }
.week .day li.event { border-left: 4px solid #8a5a00; padding-left: .3rem; }
@media (max-width: 60rem) { .week { grid-template-columns: 1fr; } }
@media (max-width: 40rem) { main { padding: .5rem; } th, td { padding: .3rem; } header .who { margin-left: 0; } }
";

/// Sorting and filtering of tables marked `sortable`, and the progress of a long upload:
/// progressive enhancement, the page is whole without it.
const SCRIPT: &str = "
document.querySelectorAll('form[data-progress]').forEach(function (f) {
  f.addEventListener('submit', function (ev) {
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    ev.preventDefault();
    var id = f.getAttribute('data-progress');
    var bar = document.getElementById(id), said = document.getElementById(id + '-status');
    bar.hidden = false;
    var x = new XMLHttpRequest();
    x.open('POST', f.action);
    x.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; said.textContent = Math.round(100 * e.loaded / e.total) + ' %'; }
    };
    x.upload.onload = function () { bar.removeAttribute('value'); said.textContent = said.getAttribute('data-working'); };
    x.onload = function () {
      history.replaceState(null, '', x.responseURL);
      document.open(); document.write(x.responseText); document.close();
    };
    x.onerror = function () { f.submit(); };
    x.send(new FormData(f));
  });
});
document.querySelectorAll('table.sortable').forEach(function (t) {
  var head = t.tHead.rows[0];
  Array.prototype.forEach.call(head.cells, function (th, i) {
    var b = document.createElement('button');
    b.type = 'button'; b.className = 'sort'; b.textContent = th.textContent;
    th.textContent = ''; th.appendChild(b);
    b.addEventListener('click', function () {
      var rows = Array.prototype.slice.call(t.tBodies[0].rows);
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      rows.sort(function (x, y) {
        var a = x.cells[i].textContent.trim(), c = y.cells[i].textContent.trim();
        var na = parseFloat(a), nc = parseFloat(c);
        var r = (!isNaN(na) && !isNaN(nc)) ? na - nc : a.localeCompare(c);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { t.tBodies[0].appendChild(r); });
      Array.prototype.forEach.call(head.cells, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    });
  });
});
document.querySelectorAll('input[data-filter]').forEach(function (inp) {
  var t = document.getElementById(inp.getAttribute('data-filter'));
  inp.addEventListener('input', function () {
    var q = inp.value.toLowerCase();
    Array.prototype.forEach.call(t.tBodies[0].rows, function (r) {
      r.hidden = q && r.textContent.toLowerCase().indexOf(q) < 0;
    });
  });
});
";

/// Each page's own number (`data-render`): a browser test tells a new page from the old one.
static RENDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The whole page around `body`.
pub fn layout(u: Option<&User>, title: &str, body: &str) -> String {
    let lang = u.map_or(i18n::lang(), User::lang);
    let nav = match u {
        None => String::new(),
        Some(u) => {
            let m = path_municipality()
                .or_else(|| home_municipality(&u.identity().scope).map(str::to_string));
            let m = m.as_deref();
            let mut links = vec![("/".to_string(), i18n::t("con-nav-home"))];
            if let Some(m) = m {
                let bound = u.bound();
                if !bound {
                    links.push((format!("/m/{m}/schools"), i18n::t("con-nav-schools")));
                    links.push((format!("/m/{m}/import"), i18n::t("con-nav-import")));
                    links.push((format!("/m/{m}/match"), i18n::t("con-nav-match")));
                    links.push((
                        format!("/m/{m}/mentorships"),
                        i18n::t("con-nav-mentorships"),
                    ));
                    links.push((format!("/m/{m}/network"), i18n::t("con-nav-network")));
                }
                links.push((format!("/m/{m}/schedule"), i18n::t("con-nav-schedule")));
                links.push((format!("/m/{m}/events"), i18n::t("con-nav-events")));
                if !bound {
                    links.push((format!("/m/{m}/programmes"), i18n::t("con-nav-programme")));
                    links.push((format!("/m/{m}/reports"), i18n::t("con-nav-reports")));
                }
            }
            let nav: String = links
                .iter()
                .map(|(href, text)| format!("<a href=\"{}\">{}</a>", esc(href), esc(text)))
                .collect();
            let other = match u.lang() {
                Lang::Ru => ("en", "English"),
                Lang::En => ("ru", "Русский"),
            };
            format!(
                "<nav aria-label=\"{nav_label}\">{nav}</nav>
<span class=\"who\">{who}
<form method=\"post\" action=\"/lang\"><input type=\"hidden\" name=\"lang\" value=\"{code}\">{csrf}<button type=\"submit\" lang=\"{code}\">{other}</button></form>
<form method=\"post\" action=\"/logout\">{csrf}<button type=\"submit\">{out}</button></form></span>",
                nav_label = esc(&i18n::t("con-nav")),
                who = esc(&format!(
                    "{} · {}",
                    u.identity().role.code(),
                    u.identity().scope.code()
                )),
                code = other.0,
                other = other.1,
                csrf = csrf_field(u),
                out = esc(&i18n::t("con-sign-out")),
            )
        }
    };
    format!(
        "<!DOCTYPE html>
<html lang=\"{lang}\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>{title} · peerlift</title>
<style>{STYLE}</style>
</head>
<body>
<a href=\"#main\" class=\"skip\">{skip}</a>
<header><strong><a href=\"/\">peerlift</a></strong>{nav}</header>
<main id=\"main\" data-render=\"{render}\">
<h1>{title}</h1>
{body}
</main>
<script src=\"/console.js\" defer></script>
</body>
</html>
",
        lang = lang.tag(),
        title = esc(title),
        skip = esc(&i18n::t("con-skip")),
        render = RENDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    )
}

/// Serves the console on `listener` until `shutdown`, calling the API through `api` (the
/// server's own services, in process), over TLS when `tls` is given.
pub async fn serve(
    listener: TcpListener,
    api: Channel,
    identify: Identify,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let console = Console {
        grpc: api,
        sessions: Arc::new(Mutex::new(HashMap::new())),
        identify,
        secure: tls.is_some(),
    };
    let app = pages::router(console.clone())
        .merge(registry::router(console.clone()))
        .merge(events::router(console.clone()))
        .merge(matching::router(console.clone()))
        .merge(schedule::router(console.clone()))
        .merge(year::router(console))
        .layer(axum::middleware::from_fn(keep_path));
    match tls {
        Some(acceptor) => {
            axum::serve(tls::TlsListener::new(listener, acceptor)?, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
}

/// The sign-in form (with its own double-submit CSRF token) and a message.
fn login_page(c: &Console, headers: &HeaderMap, message: Option<String>) -> Response {
    let lang = browser_lang(headers);
    let failed = message.is_some();
    // The same double-submit token for every sign-in page of this browser (two tabs, the
    // back button), a new one only when it has none.
    let pre = cookie(headers, c.login_cookie())
        .filter(|x| x.len() == 64 && x.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(random_token);
    // The sign-in page speaks the browser's language (no session says otherwise yet).
    let page = i18n::in_lang(lang, || {
        let body = format!(
        "{msg}<form method=\"post\" action=\"/login\">
<input type=\"hidden\" name=\"csrf\" value=\"{pre}\">
<label for=\"token\">{label}</label>
<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required size=\"60\" aria-describedby=\"token-help\">
<p id=\"token-help\" class=\"muted\">{help}</p>
<button type=\"submit\">{go}</button>
</form>",
        msg = message
            .map(|m| format!("<p role=\"alert\" class=\"error\">{}</p>", esc(&m)))
            .unwrap_or_default(),
        label = esc(&i18n::t("con-token")),
        help = esc(&i18n::t("con-token-help")),
        go = esc(&i18n::t("con-sign-in")),
        );
        layout(None, &i18n::t("con-sign-in-title"), &body)
    });
    let code = if failed {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let mut r = html(code, page);
    if let Ok(v) = HeaderValue::from_str(&format!("{}={pre}{}", c.login_cookie(), c.cookie_attrs()))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
