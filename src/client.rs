//! Client subcommands: talk to a running server over gRPC with the generated clients.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use peerlift_api::pb;
use peerlift_api::pb::catalog_service_client::CatalogServiceClient;
use peerlift_api::pb::diagnostic_service_client::DiagnosticServiceClient;
use peerlift_api::pb::import_service_client::ImportServiceClient;
use peerlift_api::pb::mentor_profile_service_client::MentorProfileServiceClient;
use peerlift_api::pb::municipality_service_client::MunicipalityServiceClient;
use peerlift_api::pb::school_service_client::SchoolServiceClient;
use peerlift_api::pb::teacher_service_client::TeacherServiceClient;
use peerlift_domain::csvfmt::FileKind;
use tokio::io::AsyncReadExt;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use crate::table::Table;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{}", crate::i18n::tr("err-connect", &[("addr", crate::i18n::s(addr)), ("message", crate::i18n::s(message))]))]
    Connect { addr: String, message: String },
    #[error("{}", describe(.0))]
    Rpc(#[from] tonic::Status),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A status as a person reads it: the message, then each offending field, then what to do
/// where the command line has its own way (a token is a flag, not a header).
fn describe(s: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    let mut out = format!("{:?}: {}", s.code(), s.message());
    if let Some(br) = s.get_details_bad_request() {
        for v in br.field_violations {
            out.push_str(&format!("\n  {}: {}", v.field, v.description));
        }
    }
    if s.code() == tonic::Code::Unauthenticated {
        out.push_str("\n  ");
        out.push_str(&crate::i18n::t("hint-token"));
    }
    out
}

/// The innermost cause of a transport error ("Connection refused (os error 111)"), not the
/// debug dump of every layer.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Size of an import chunk; small enough to keep progress smooth.
const CHUNK: usize = 64 * 1024;

/// A connection to the server with the caller's token on every call.
pub type Conn = InterceptedService<Channel, Bearer>;

/// Adds `authorization: Bearer <token>` to every call (nothing without a token), and
/// `accept-language` with the language the command line speaks, so the server says its
/// explanations (reasons, score terms, the optimality statement) in it.
#[derive(Debug, Clone, Default)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Bearer {
    /// Sends `token` on every call.
    pub fn new(token: &str) -> Result<Bearer, ClientError> {
        format!("Bearer {}", token.trim())
            .parse()
            .map(|v| Bearer(Some(v)))
            .map_err(|_| ClientError::Usage(crate::i18n::t("usage-token-ascii")))
    }
}

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        req.metadata_mut().insert(
            "accept-language",
            MetadataValue::from_static(crate::i18n::lang().tag()),
        );
        Ok(req)
    }
}

/// How to reach the server: address, token, TLS files.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub addr: String,
    pub token: Option<String>,
    /// CA certificate (PEM) that signed the server's certificate: connect with TLS.
    pub ca_cert: Option<PathBuf>,
    /// Client certificate and key (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

impl Target {
    pub fn plain(addr: &str) -> Target {
        Target {
            addr: addr.to_string(),
            ..Target::default()
        }
    }
}

/// Connects without a token (development servers, health).
pub async fn connect(addr: &str) -> Result<Conn, ClientError> {
    connect_to(&Target::plain(addr)).await
}

pub async fn connect_to(t: &Target) -> Result<Conn, ClientError> {
    // `localhost:50051` means what a person typing it means: plain HTTP/2, or TLS when TLS
    // options are given; an address with a scheme is taken as it is.
    let addr = &if t.addr.contains("://") {
        t.addr.clone()
    } else if t.ca_cert.is_some() || t.client_cert.is_some() {
        format!("https://{}", t.addr)
    } else {
        format!("http://{}", t.addr)
    };
    let fail = |message: String| ClientError::Connect {
        addr: addr.clone(),
        message,
    };
    // An empty token (PEERLIFT_TOKEN= ) is no token: the server then says so plainly.
    let bearer = match t.token.as_deref().map(str::trim) {
        None | Some("") => Bearer(None),
        Some(tok) => Bearer::new(tok)?,
    };
    let mut endpoint = Endpoint::from_shared(addr.to_string())
        .map_err(|e| fail(e.to_string()))?
        .connect_timeout(Duration::from_secs(5));
    if t.ca_cert.is_some() || t.client_cert.is_some() {
        let read = |p: &PathBuf| {
            std::fs::read(p).map_err(|source| ClientError::Io {
                path: p.display().to_string(),
                source,
            })
        };
        let mut tls = ClientTlsConfig::new();
        if let Some(ca) = &t.ca_cert {
            tls = tls.ca_certificate(Certificate::from_pem(read(ca)?));
        }
        match (&t.client_cert, &t.client_key) {
            (Some(c), Some(k)) => tls = tls.identity(Identity::from_pem(read(c)?, read(k)?)),
            (None, None) => {}
            _ => {
                return Err(ClientError::Usage(
                    "--client-cert and --client-key go together".into(),
                ))
            }
        }
        endpoint = endpoint.tls_config(tls).map_err(|e| fail(e.to_string()))?;
    }
    let channel = endpoint.connect().await.map_err(|e| fail(root_cause(&e)))?;
    Ok(InterceptedService::new(channel, bearer))
}

/// The files an import will send, in import order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    pub files: Vec<(FileKind, PathBuf)>,
    /// Files found in a directory that are not import files.
    pub skipped: Vec<PathBuf>,
}

/// Tells what a file holds from its name: `schools.csv`, `schools-2023.csv`, ...
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if !name.ends_with(".csv") {
        return None;
    }
    // An office's "list of network partnerships" is a mentorships file by another name.
    if name.starts_with("partnerships") {
        return Some(FileKind::Mentorships);
    }
    FileKind::ALL.into_iter().find(|k| {
        let stem = k.file_name().trim_end_matches(".csv");
        name.starts_with(stem)
    })
}

/// Expands directories and orders files municipality, schools, teachers, profiles, diagnostics.
pub fn plan(paths: &[PathBuf]) -> Result<ImportPlan, ClientError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        let io = |source| ClientError::Io {
            path: p.display().to_string(),
            source,
        };
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            for e in entries {
                match kind_of(&e) {
                    Some(k) => files.push((k, e)),
                    None => skipped.push(e),
                }
            }
        } else if p.is_file() {
            let k = kind_of(p).ok_or_else(|| {
                ClientError::Usage(crate::i18n::tr(
                    "usage-unknown-file",
                    &[("path", crate::i18n::s(p.display().to_string()))],
                ))
            })?;
            files.push((k, p.clone()));
        } else {
            return Err(ClientError::Usage(crate::i18n::tr(
                "usage-no-such-path",
                &[("path", crate::i18n::s(p.display().to_string()))],
            )));
        }
    }
    if files.is_empty() {
        return Err(ClientError::Usage(crate::i18n::t("usage-no-import-files")));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    Ok(ImportPlan { files, skipped })
}

/// The municipality id in a municipality.csv, for imports that don't name one.
pub fn municipality_from_files(plan: &ImportPlan) -> Option<String> {
    let (_, path) = plan
        .files
        .iter()
        .find(|(k, _)| *k == FileKind::Municipality)?;
    let mut r = csv::Reader::from_path(path).ok()?;
    let idx = r
        .headers()
        .ok()?
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("id"))?;
    let rec = r.records().next()?.ok()?;
    rec.get(idx).map(|s| s.trim().to_string())
}

/// One municipality's files of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUnit {
    /// What the user named: the directory, or "the files given".
    pub label: String,
    pub plan: ImportPlan,
}

/// Splits the paths of `peerlift import` into one unit per municipality: a directory of import
/// files is one; a directory of such directories (what `gen synthetic region|nation` writes)
/// is one per subdirectory; loose files together are one. Files of different municipalities
/// never merge: loose files from several directories that each hold a municipality.csv are
/// refused, as is a directory holding both import files and municipality directories.
pub fn plan_units(paths: &[PathBuf]) -> Result<Vec<ImportUnit>, ClientError> {
    let mut units = Vec::new();
    let mut loose = Vec::new();
    let is_import_dir = |d: &Path| -> Result<bool, ClientError> {
        Ok(std::fs::read_dir(d)
            .map_err(|source| ClientError::Io {
                path: d.display().to_string(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .any(|p| p.is_file() && kind_of(&p).is_some()))
    };
    for p in paths {
        if p.is_dir() {
            let mut subdirs: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| ClientError::Io {
                    path: p.display().to_string(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|x| x.is_dir())
                .collect();
            subdirs.sort();
            let mut nested = Vec::new();
            for d in subdirs {
                if is_import_dir(&d)? {
                    nested.push(d);
                }
            }
            match (is_import_dir(p)?, nested.is_empty()) {
                (true, true) => units.push(ImportUnit {
                    label: p.display().to_string(),
                    plan: plan(std::slice::from_ref(p))?,
                }),
                (false, false) => {
                    for d in nested {
                        units.push(ImportUnit {
                            label: d.display().to_string(),
                            plan: plan(std::slice::from_ref(&d))?,
                        });
                    }
                }
                (true, false) => {
                    return Err(ClientError::Usage(crate::i18n::tr(
                        "usage-mixed-directory",
                        &[
                            ("path", crate::i18n::s(p.display().to_string())),
                            ("first", crate::i18n::s(nested[0].display().to_string())),
                        ],
                    )))
                }
                (false, true) => {
                    return Err(ClientError::Usage(crate::i18n::tr(
                        "usage-empty-directory",
                        &[("path", crate::i18n::s(p.display().to_string()))],
                    )))
                }
            }
        } else {
            loose.push(p.clone());
        }
    }
    if !loose.is_empty() {
        let plan = plan(&loose)?;
        refuse_mixed(&plan)?;
        units.push(ImportUnit {
            label: "the files given".into(),
            plan,
        });
    }
    if units.is_empty() {
        return Err(ClientError::Usage(crate::i18n::t("usage-no-import-files")));
    }
    Ok(units)
}

/// Refuses loose files that belong to different municipalities: their directories hold
/// municipality.csv files naming different municipalities, or files of one kind come from
/// several directories (several municipalities' files, as `DIR/*/teachers.csv` would give).
fn refuse_mixed(plan: &ImportPlan) -> Result<(), ClientError> {
    use std::collections::{BTreeMap, BTreeSet};
    let parent = |f: &Path| f.parent().map(Path::to_path_buf).unwrap_or_default();
    let dirs: BTreeSet<PathBuf> = plan.files.iter().map(|(_, f)| parent(f)).collect();
    if dirs.len() < 2 {
        return Ok(());
    }
    // The municipality each directory says it is, from its municipality.csv if it has one.
    let mut named: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in &dirs {
        let in_dir = std::fs::read_dir(d)
            .map(|e| {
                e.filter_map(|x| x.ok().map(|x| x.path()))
                    .filter(|p| kind_of(p) == Some(FileKind::Municipality))
                    .map(|p| (FileKind::Municipality, p))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let here = ImportPlan {
            files: in_dir,
            skipped: Vec::new(),
        };
        if let Some(m) = municipality_from_files(&here) {
            named.entry(m).or_default().push(d.display().to_string());
        }
    }
    let mut per_kind: BTreeMap<FileKind, BTreeSet<PathBuf>> = BTreeMap::new();
    for (k, f) in &plan.files {
        per_kind.entry(*k).or_default().insert(parent(f));
    }
    let repeated = per_kind.values().any(|d| d.len() > 1);
    if named.len() > 1 || repeated {
        let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        let (key, count) = if named.len() > 1 {
            ("usage-files-of-municipalities", named.len())
        } else {
            ("usage-files-of-directories", dirs.len())
        };
        return Err(ClientError::Usage(crate::i18n::tr(
            key,
            &[
                ("count", crate::i18n::n(count as f64)),
                ("list", crate::i18n::s(shown.join(", "))),
            ],
        )));
    }
    Ok(())
}

/// Options of `peerlift import`.
#[derive(Debug, Clone)]
pub struct ImportArgs {
    pub municipality: Option<String>,
    /// The municipality came from `PEERLIFT_MUNICIPALITY`, not from -m: a region's import then
    /// takes each directory's own municipality.csv instead.
    pub municipality_from_env: bool,
    pub strict: bool,
    pub dry_run: bool,
    pub paths: Vec<PathBuf>,
}

/// One municipality's import: its name, and the report or why the call failed.
#[derive(Debug)]
pub struct UnitResult {
    pub municipality: String,
    pub label: String,
    pub result: Result<pb::ImportReport, ClientError>,
}

/// Imports every municipality the paths hold, one after another under one progress bar; every
/// unit's municipality is settled before anything is sent, so a mistake in naming refuses the
/// whole command and writes nothing.
pub async fn import(channel: Conn, args: ImportArgs) -> Result<Vec<UnitResult>, ClientError> {
    let units = plan_units(&args.paths)?;
    let mut args = args;
    if units.len() > 1 && args.municipality_from_env {
        args.municipality = None;
    }
    if units.len() > 1 && args.municipality.is_some() {
        return Err(ClientError::Usage(crate::i18n::tr(
            "usage-one-municipality-many-dirs",
            &[("count", crate::i18n::n(units.len() as f64))],
        )));
    }
    let mut work = Vec::new();
    for mut u in units {
        // A strict or dry-run import keeps its registry rows uncommitted, and mentorships are
        // checked against the registry as stored: with registry files, leave the network for
        // an import of its own, and say so.
        let registry = u
            .plan
            .files
            .iter()
            .any(|(k, _)| *k != FileKind::Mentorships);
        if (args.strict || args.dry_run) && registry {
            let (network, rest): (Vec<_>, Vec<_>) = u
                .plan
                .files
                .drain(..)
                .partition(|(k, _)| *k == FileKind::Mentorships);
            u.plan.files = rest;
            for (_, p) in network {
                eprintln!(
                    "{}",
                    crate::i18n::tr(
                        "import-network-later",
                        &[("path", crate::i18n::s(p.display().to_string()))]
                    )
                );
            }
        }
        for s in &u.plan.skipped {
            eprintln!(
                "{}",
                crate::i18n::tr(
                    "import-skipped",
                    &[("path", crate::i18n::s(s.display().to_string()))]
                )
            );
        }
        let municipality = match args
            .municipality
            .clone()
            .or_else(|| municipality_from_files(&u.plan))
        {
            Some(m) => m,
            None => {
                return Err(ClientError::Usage(crate::i18n::tr(
                    "usage-name-the-municipality",
                    &[("what", crate::i18n::s(&u.label))],
                )))
            }
        };
        work.push((municipality, u));
    }
    let mut seen = std::collections::BTreeMap::new();
    for (m, u) in &work {
        if let Some(other) = seen.insert(m.clone(), u.label.clone()) {
            return Err(ClientError::Usage(crate::i18n::tr(
                "usage-same-municipality",
                &[
                    ("first", crate::i18n::s(other)),
                    ("second", crate::i18n::s(&u.label)),
                    ("municipality", crate::i18n::s(m.as_str())),
                ],
            )));
        }
    }
    let mut total = 0u64;
    for (_, u) in &work {
        for (_, p) in &u.plan.files {
            total += std::fs::metadata(p)
                .map_err(|source| ClientError::Io {
                    path: p.display().to_string(),
                    source,
                })?
                .len();
        }
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>9} {msg:28} [{bar:36}] {bytes}/{total_bytes} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let count = work.len();
    let mut results = Vec::new();
    for (i, (municipality, unit)) in work.into_iter().enumerate() {
        bar.set_prefix(format!("{}/{count}", i + 1));
        let result = import_unit(
            channel.clone(),
            &municipality,
            &unit.plan,
            args.strict,
            args.dry_run,
            &bar,
        )
        .await;
        results.push(UnitResult {
            municipality,
            label: unit.label,
            result,
        });
    }
    bar.finish_and_clear();
    Ok(results)
}

/// Streams one municipality's files to the server; returns the report.
async fn import_unit(
    channel: Conn,
    municipality: &str,
    plan: &ImportPlan,
    strict: bool,
    dry_run: bool,
    bar: &ProgressBar,
) -> Result<pb::ImportReport, ClientError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ImportRequest>(4);
    let start = pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: municipality.to_string(),
            strict,
            dry_run,
            ends_explicitly: true,
        })),
    };
    let files = plan.files.clone();
    let bar_feed = bar.clone();
    let muni = municipality.to_string();
    let feeder = tokio::spawn(async move {
        if tx.send(start).await.is_err() {
            return Ok(());
        }
        // What was sent, for the ImportEnd that tells the server the import is complete.
        let (mut chunks, mut bytes) = (0u64, 0u64);
        for (kind, path) in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            bar_feed.set_message(format!("{muni} {name}"));
            let mut f = tokio::fs::File::open(&path)
                .await
                .map_err(|source| ClientError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
            loop {
                let mut buf = vec![0u8; CHUNK];
                let n = f.read(&mut buf).await.map_err(|source| ClientError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                let msg = pb::ImportRequest {
                    item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
                        kind: peerlift_api::convert::enum_to_pb(&FileKind::ALL, &kind),
                        file_name: name.clone(),
                        data: buf,
                    })),
                };
                if tx.send(msg).await.is_err() {
                    // The server ended the call; its answer says why.
                    return Ok(());
                }
                chunks += 1;
                bytes += n as u64;
                bar_feed.inc(n as u64);
            }
        }
        let end = pb::ImportRequest {
            item: Some(pb::import_request::Item::End(pb::ImportEnd {
                chunks,
                bytes,
            })),
        };
        if tx.send(end).await.is_err() {
            return Ok(());
        }
        bar_feed.set_message(crate::i18n::tr(
            "import-server-finishing",
            &[("municipality", crate::i18n::s(muni))],
        ));
        Ok::<(), ClientError>(())
    });
    let mut client = ImportServiceClient::new(channel);
    let result = client
        .import(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await;
    if let Ok(Err(e)) = feeder.await {
        return Err(e);
    }
    Ok(result?.into_inner())
}

/// The per-municipality summary of a multi-municipality import; returns (every row accepted,
/// every call succeeded).
pub fn print_region_report(results: &[UnitResult], dry_run: bool) -> (bool, bool) {
    let mut t = Table::new(&[
        "municipality",
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "",
    ]);
    let (mut clean, mut ok) = (true, true);
    let mut sum = pb::ImportCounts::default();
    for r in results {
        match &r.result {
            Ok(rep) => {
                let c = rep.total.unwrap_or_default();
                sum.rows += c.rows;
                sum.created += c.created;
                sum.updated += c.updated;
                sum.unchanged += c.unchanged;
                sum.rejected += c.rejected;
                clean &= rep.errors_total == 0;
                t.row(vec![
                    r.municipality.clone(),
                    c.rows.to_string(),
                    c.created.to_string(),
                    c.updated.to_string(),
                    c.unchanged.to_string(),
                    c.rejected.to_string(),
                    if dry_run {
                        "dry run".into()
                    } else if rep.committed {
                        "written".into()
                    } else {
                        "nothing written (--strict)".into()
                    },
                ]);
            }
            Err(e) => {
                ok = false;
                t.row(vec![
                    r.municipality.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    crate::i18n::tr("import-failed", &[("error", crate::i18n::s(e.to_string()))]),
                ]);
            }
        }
    }
    t.row(vec![
        crate::i18n::tr(
            "import-total-of",
            &[("count", crate::i18n::n(results.len() as f64))],
        ),
        sum.rows.to_string(),
        sum.created.to_string(),
        sum.updated.to_string(),
        sum.unchanged.to_string(),
        sum.rejected.to_string(),
        String::new(),
    ]);
    print!("{}", t.render());
    for r in results {
        if let Ok(rep) = &r.result {
            for e in rep.errors.iter().take(5) {
                println!(
                    "{}: {}:{}: {} {}",
                    r.municipality, e.file_name, e.line, e.field, e.reason
                );
            }
            if rep.errors_total > 5 {
                println!(
                    "{}: ... and {} more errors (import {} alone to see them all)",
                    r.municipality,
                    rep.errors_total - 5,
                    r.label
                );
            }
        }
    }
    (clean, ok)
}

/// Prints an import report; returns true when every row was accepted.
pub fn print_report(r: &pb::ImportReport, dry_run: bool) -> bool {
    let mut t = Table::new(&[
        "file",
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
    ]);
    let row = |name: &str, c: &pb::ImportCounts| {
        vec![
            name.to_string(),
            c.rows.to_string(),
            c.created.to_string(),
            c.updated.to_string(),
            c.unchanged.to_string(),
            c.rejected.to_string(),
        ]
    };
    for f in &r.files {
        t.row(row(&f.file_name, &f.counts.unwrap_or_default()));
    }
    let total = r.total.unwrap_or_default();
    t.row(row(&crate::i18n::t("row-total"), &total));
    print!("{}", t.render());
    for e in &r.errors {
        let field = if e.field.is_empty() {
            String::new()
        } else {
            format!(" {}:", e.field)
        };
        println!("{}:{}:{} {}", e.file_name, e.line, field, e.reason);
    }
    if r.errors_total > r.errors.len() as u64 {
        println!(
            "{}",
            crate::i18n::tr(
                "import-more-errors",
                &[(
                    "count",
                    crate::i18n::n((r.errors_total - r.errors.len() as u64) as f64)
                )],
            )
        );
    }
    use crate::i18n::{n, tr};
    if dry_run {
        println!("{}", crate::i18n::t("import-dry-run"));
    } else if r.committed {
        println!(
            "{}",
            tr(
                "import-written",
                &[
                    ("created", n(total.created as f64)),
                    ("updated", n(total.updated as f64)),
                    ("unchanged", n(total.unchanged as f64)),
                    ("rejected", n(total.rejected as f64)),
                ],
            )
        );
    } else {
        println!(
            "{}",
            tr(
                "import-strict-nothing",
                &[("rejected", n(total.rejected as f64))]
            )
        );
    }
    r.errors_total == 0
}

/// Pages through a list call until the end or `limit` items.
async fn collect_pages<T, F, Fut>(limit: usize, mut call: F) -> Result<Vec<T>, ClientError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let (items, next) = call(token).await?;
        out.extend(items);
        if next.is_empty() || out.len() >= limit {
            if out.len() > limit || !next.is_empty() {
                // Never a silent cut: say the list goes on, and how to see it.
                eprintln!(
                    "{}",
                    crate::i18n::tr("list-cut", &[("limit", crate::i18n::n(limit as f64))])
                );
            }
            out.truncate(limit);
            return Ok(out);
        }
        token = next;
    }
}

pub async fn municipalities_list(channel: Conn) -> Result<(), ClientError> {
    let mut c = MunicipalityServiceClient::new(channel);
    let items = collect_pages(usize::MAX, |token| {
        let mut c = c.clone();
        async move {
            let r = c
                .list_municipalities(pb::ListMunicipalitiesRequest {
                    page_size: 1000,
                    page_token: token,
                    region: String::new(),
                })
                .await?
                .into_inner();
            Ok((r.municipalities, r.next_page_token))
        }
    })
    .await?;
    let _ = &mut c;
    if crate::output::json() {
        crate::output::print_list(&items, "peerlift.v1.Municipality");
        return Ok(());
    }
    let mut t = Table::new(&["id", "name", "region", "time zone"]);
    for m in items {
        t.row(vec![m.id, m.name, m.region, m.time_zone]);
    }
    print!("{}", t.render());
    Ok(())
}

/// A school's status as offices write it (and as the CSV files take it): `low_results`.
pub fn status_name(v: i32) -> String {
    peerlift_api::convert::enum_from_pb(peerlift_domain::SchoolStatus::ALL, v)
        .map(|s| s.code().to_string())
        .unwrap_or_else(|| v.to_string())
}

/// A school's kind as offices write it: `sosh`, `oosh`.
pub fn kind_name(v: i32) -> String {
    peerlift_api::convert::enum_from_pb(peerlift_domain::SchoolKind::ALL, v)
        .map(|s| s.code().to_string())
        .unwrap_or_else(|| v.to_string())
}

pub async fn schools_list(
    channel: Conn,
    municipality: String,
    statuses: Vec<i32>,
    limit: usize,
) -> Result<(), ClientError> {
    let c = SchoolServiceClient::new(channel.clone());
    let tc = TeacherServiceClient::new(channel);
    let items = collect_pages(limit, |token| {
        let mut c = c.clone();
        let req = pb::ListSchoolsRequest {
            municipality_id: municipality.clone(),
            page_size: 1000,
            page_token: token,
            statuses: statuses.clone(),
            ..Default::default()
        };
        async move {
            let r = c.list_schools(req).await?.into_inner();
            Ok((r.schools, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&items, "peerlift.v1.School");
        return Ok(());
    }
    let mut t = Table::new(&["id", "name", "kind", "status", "locality", "teachers"]);
    for s in items {
        let n = collect_pages(usize::MAX, |token| {
            let mut tc = tc.clone();
            let req = pb::ListTeachersRequest {
                municipality_id: municipality.clone(),
                page_size: 1000,
                page_token: token,
                school_id: s.id.clone(),
                active: Some(true),
                ..Default::default()
            };
            async move {
                let r = tc.list_teachers(req).await?.into_inner();
                Ok((r.teachers, r.next_page_token))
            }
        })
        .await?
        .len();
        t.row(vec![
            s.id,
            s.name,
            kind_name(s.kind),
            status_name(s.status),
            s.locality,
            n.to_string(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

pub async fn teachers_list(
    channel: Conn,
    req: pb::ListTeachersRequest,
    limit: usize,
) -> Result<(), ClientError> {
    let c = TeacherServiceClient::new(channel);
    let items = collect_pages(limit, |token| {
        let mut c = c.clone();
        let mut req = req.clone();
        req.page_size = 1000;
        req.page_token = token;
        async move {
            let r = c.list_teachers(req).await?.into_inner();
            Ok((r.teachers, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&items, "peerlift.v1.Teacher");
        return Ok(());
    }
    let mut t = Table::new(&[
        "id",
        "full name",
        "school",
        "position",
        "subjects",
        "active",
    ]);
    for x in items {
        let position = enum_code(
            pb::StaffPosition::try_from(x.position)
                .ok()
                .map(|p| p.as_str_name()),
            "STAFF_POSITION_",
        );
        t.row(vec![
            x.id,
            x.full_name,
            x.school_id,
            crate::i18n::t(&format!("position-{}", position.replace('_', "-"))),
            x.subjects.join(", "),
            if x.active.unwrap_or(true) {
                "yes"
            } else {
                "no"
            }
            .into(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

/// A protobuf enum value's name without its prefix, lowercase
/// (`SESSION_KIND_LESSON_VISIT` -> `lesson_visit`); empty for an unknown value.
pub fn enum_code(name: Option<&str>, prefix: &str) -> String {
    name.map(|n| n.trim_start_matches(prefix).to_lowercase())
        .unwrap_or_default()
}

pub fn level_name(v: i32) -> String {
    pb::Level::try_from(v)
        .map(|s| s.as_str_name().trim_start_matches("LEVEL_").to_string())
        .unwrap_or_else(|_| v.to_string())
}

fn minutes(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Every diagnostic of a teacher, in date order.
async fn diagnostics_of(
    channel: Conn,
    municipality: &str,
    teacher: &str,
) -> Result<Vec<pb::Diagnostic>, ClientError> {
    let dc = DiagnosticServiceClient::new(channel);
    collect_pages(usize::MAX, |token| {
        let mut dc = dc.clone();
        let req = pb::ListDiagnosticsRequest {
            municipality_id: municipality.to_string(),
            teacher_id: teacher.to_string(),
            page_size: 1000,
            page_token: token,
            ..Default::default()
        };
        async move {
            let r = dc.list_diagnostics(req).await?.into_inner();
            Ok((r.diagnostics, r.next_page_token))
        }
    })
    .await
}

pub async fn teachers_show(
    channel: Conn,
    municipality: String,
    id: String,
) -> Result<(), ClientError> {
    let mut tc = TeacherServiceClient::new(channel.clone());
    let t = tc
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: municipality.clone(),
            teacher_id: id.clone(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        // The teacher, their mentor profile (null without one) and every diagnostic.
        let profile = MentorProfileServiceClient::new(channel.clone())
            .get_mentor_profile(pb::GetMentorProfileRequest {
                municipality_id: municipality.clone(),
                teacher_id: id.clone(),
            })
            .await
            .ok()
            .map(|p| crate::output::value(&p.into_inner(), "peerlift.v1.MentorProfile"));
        let diags = diagnostics_of(channel, &municipality, &id).await?;
        let out = serde_json::json!({
            "teacher": crate::output::value(&t, "peerlift.v1.Teacher"),
            "mentor_profile": profile,
            "diagnostics": diags
                .iter()
                .map(|d| crate::output::value(d, "peerlift.v1.Diagnostic"))
                .collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    println!("{} ({})", t.full_name, t.id);
    let field = |id: &str, value: String| {
        println!(
            "  {}",
            crate::i18n::tr(id, &[("value", crate::i18n::s(value))])
        )
    };
    // The mentor's further lines, under the first.
    let sub = |id: &str, value: String| {
        println!(
            "            {}",
            crate::i18n::tr(id, &[("value", crate::i18n::s(value))])
        )
    };
    field("teacher-school", t.school_id.clone());
    field("teacher-subjects", t.subjects.join(", "));
    field(
        "teacher-active",
        crate::i18n::t(if t.active.unwrap_or(true) {
            "yes"
        } else {
            "no"
        }),
    );
    let mut mc = MentorProfileServiceClient::new(channel.clone());
    match mc
        .get_mentor_profile(pb::GetMentorProfileRequest {
            municipality_id: municipality.clone(),
            teacher_id: id.clone(),
        })
        .await
    {
        Ok(p) => {
            let p = p.into_inner();
            let modes: Vec<String> = p
                .modes
                .iter()
                .map(|m| {
                    pb::Mode::try_from(*m)
                        .map(|m| {
                            m.as_str_name()
                                .trim_start_matches("MODE_")
                                .to_ascii_lowercase()
                        })
                        .unwrap_or_default()
                })
                .collect();
            let windows: Vec<String> = p
                .availability
                .iter()
                .map(|w| {
                    let day = pb::Weekday::try_from(w.weekday)
                        .map(|d| {
                            d.as_str_name()
                                .trim_start_matches("WEEKDAY_")
                                .to_ascii_lowercase()
                        })
                        .unwrap_or_default();
                    format!(
                        "{day} {}-{}",
                        minutes(w.start_minute),
                        minutes(w.end_minute)
                    )
                })
                .collect();
            println!(
                "  {}",
                crate::i18n::tr(
                    "teacher-mentor",
                    &[
                        ("capacity", crate::i18n::n(p.capacity)),
                        ("modes", crate::i18n::s(modes.join(" + ")))
                    ],
                )
            );
            sub("teacher-mentor-subjects", p.subjects.join(", "));
            if !p.directions.is_empty() {
                sub("teacher-mentor-directions", p.directions.join(", "));
            }
            if !windows.is_empty() {
                sub("teacher-mentor-available", windows.join("; "));
            }
        }
        Err(s) if s.code() == tonic::Code::NotFound => {
            println!("  {}", crate::i18n::t("teacher-no-profile"))
        }
        Err(s) => return Err(s.into()),
    }
    let diags = diagnostics_of(channel, &municipality, &id).await?;
    if diags.is_empty() {
        println!("  {}", crate::i18n::t("teacher-no-diagnostics"));
        return Ok(());
    }
    println!("  {}", crate::i18n::t("teacher-diagnostics"));
    let mut t = Table::new(&["date", "subject", "level", "scores"]);
    for d in diags {
        let scores: Vec<String> = d
            .scores
            .iter()
            .map(|(k, v)| format!("{k} {v:.2}"))
            .collect();
        t.row(vec![
            d.date,
            d.subject,
            level_name(d.level),
            scores.join(", "),
        ]);
    }
    for line in t.render().lines() {
        println!("    {line}");
    }
    Ok(())
}

/// Lists the catalogue (used by `peerlift catalog`).
pub async fn catalog_list(channel: Conn, municipality: String) -> Result<(), ClientError> {
    let mut c = CatalogServiceClient::new(channel);
    let r = c
        .list_catalog(pb::ListCatalogRequest {
            municipality_id: municipality,
            kind: 0,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.ListCatalogResponse");
        return Ok(());
    }
    let mut t = Table::new(&["kind", "code", "name", "built in"]);
    for e in r.entries {
        let kind = pb::CatalogKind::try_from(e.kind)
            .map(|k| {
                k.as_str_name()
                    .trim_start_matches("CATALOG_KIND_")
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        // The server names built-in entries in the language the CLI sent; a municipality's
        // own keep the name it gave them.
        let name = e.name;
        t.row(vec![
            crate::i18n::t(&format!("catalog-kind-{}", kind.replace('_', "-"))),
            e.code,
            name,
            crate::i18n::t(if e.builtin { "yes" } else { "no" }),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

/// Every item of a paged list: `call` asks for one page by its token and answers the page's
/// items and the next token (empty at the end).
pub async fn every_page<T, F, Fut>(mut call: F) -> Result<Vec<T>, ClientError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let (items, next) = call(token).await?;
        all.extend(items);
        if next.is_empty() {
            return Ok(all);
        }
        token = next;
    }
}
