//! The client-streaming import RPC: chunks in, parsed as they arrive, report out.
//!
//! The async side forwards chunks through a small bounded channel to the importer on a blocking
//! thread, which reads each file through [`FileReader`] as a plain `io::Read`. The bound means
//! the server reads from the network only as fast as it imports, so a client's upload progress
//! is the import's progress.

use std::io::Read;

use peerlift_domain::csvfmt::FileKind;
use tokio::sync::mpsc;
use tonic::{Request, Response, Status, Streaming};

use crate::app::import::{Counts, ImportOptions, Importer, Report};
use crate::auth::Admit;
use crate::caller::{Caller, Revoked};
use crate::convert::enum_from_pb;
use crate::error::{caller_fault, ApiError, ApiResult};
use crate::pb;
use crate::pb::import_request::Item;
use crate::pb::import_service_server::ImportService;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct ImportApi {
    pub state: AppState,
}

/// Chunks queued between the network and the importer.
const QUEUE: usize = 8;

/// Longest silence accepted from an import stream.
const IDLE: std::time::Duration = std::time::Duration::from_secs(60);

#[tonic::async_trait]
impl ImportService for ImportApi {
    async fn import(
        &self,
        req: Request<Streaming<pb::ImportRequest>>,
    ) -> Result<Response<pb::ImportReport>, Status> {
        let caller = crate::auth::caller_of(&req)?;
        let deadline = deadline_of(req.metadata());
        let mut stream = req.into_inner();
        let start = first_start(&mut stream).await?;
        let target = crate::auth::Target::Municipality(&start.municipality_id);
        self.state.check_target(&caller, target).await?;
        let opts = ImportOptions {
            municipality_id: start.municipality_id,
            strict: start.strict,
            dry_run: start.dry_run,
            caller,
            revoked: self.state.revoked.clone(),
        };
        tracing::info!(municipality = %opts.municipality_id, strict = opts.strict, dry_run = opts.dry_run, "import started");
        let (tx, rx) = mpsc::channel::<Feed>(QUEUE);
        let who = opts.caller.clone();
        let worker = spawn_importer(&self.state, opts, rx);
        forward(
            stream,
            tx,
            &self.state.revoked,
            &who,
            deadline,
            start.ends_explicitly,
        )
        .await;
        let report = worker
            .await
            .map_err(|e| ApiError::Internal(format!("import task failed: {e}")))??;
        tracing::info!(
            rows = report.total.rows,
            created = report.total.created,
            updated = report.total.updated,
            unchanged = report.total.unchanged,
            rejected = report.total.rejected,
            committed = report.committed,
            "import finished"
        );
        Ok(Response::new(report_to_pb(report)))
    }
}

/// The first message, which must say where to import and how.
async fn first_start(stream: &mut Streaming<pb::ImportRequest>) -> Result<pb::ImportStart, Status> {
    match stream.message().await.map_err(caller_fault)? {
        Some(pb::ImportRequest {
            item: Some(Item::Start(s)),
        }) => Ok(s),
        _ => Err(ApiError::invalid(
            "start",
            "the first message of an import must be an ImportStart",
        )
        .into()),
    }
}

/// The importer on a blocking thread, under the store's write lock, reading files from `rx`.
fn spawn_importer(
    state: &AppState,
    opts: ImportOptions,
    rx: mpsc::Receiver<Feed>,
) -> tokio::task::JoinHandle<ApiResult<Report>> {
    let store = state.store.clone();
    let now = (state.clock)();
    let revoked = state.revoked.clone();
    tokio::task::spawn_blocking(move || {
        let _guard = store.lock();
        let mut importer = Importer::new(&store, opts, now)?;
        let mut incoming = Incoming { rx, peeked: None };
        while let Some((kind, name)) = incoming.peek_file()? {
            let reader = FileReader {
                incoming: &mut incoming,
                kind: kind_pb(kind),
                name: name.clone(),
                buf: Vec::new(),
                pos: 0,
            };
            if let Err(e) = importer.import_file(kind, &name, reader) {
                // The reader saw the stream fail and the importer says "reading failed";
                // a failure that is the client's data (a chunk over the size limit) says
                // better what happened, with its own code.
                return Err(match incoming.peeked.take() {
                    Some(Feed::Fail(f)) if !matches!(f, ApiError::Cancelled(_)) => f,
                    _ => e,
                });
            }
        }
        // The last check before the final commit: a revocation that came while the last
        // file was read stops it.
        revoked.check(importer.caller())?;
        importer.finish()
    })
}

/// Hands the stream's messages to the importer until the stream ends, breaks, goes silent, or
/// the importer stops; only a clean end lets the importer commit: with `ends_explicitly`, an
/// ImportEnd whose counts match what arrived, then the end of the stream.
async fn forward(
    mut stream: Streaming<pb::ImportRequest>,
    tx: mpsc::Sender<Feed>,
    revoked: &Revoked,
    caller: &Caller,
    deadline: Option<std::time::Instant>,
    ends_explicitly: bool,
) {
    // What arrived (chunks, bytes), and whether the client's ImportEnd did.
    let (mut chunks, mut bytes, mut ended) = (0u64, 0u64, false);
    loop {
        // The importer holds the store's write lock: a client that stops sending must not
        // hold every other writer up, so a silent stream is cut after IDLE, and at once when
        // its token is revoked.
        let next = tokio::select! {
            next = tokio::time::timeout(IDLE, stream.message()) => next,
            () = revoked.revoked_now(&caller.id) => Ok(Err(tonic::Status::unauthenticated(""))),
        };
        let Ok(next) = next else {
            let _ = tx
                .send(Feed::Fail(ApiError::Cancelled(format!(
                    "the import stream sent nothing for {} s; nothing more was imported",
                    IDLE.as_secs()
                ))))
                .await;
            return;
        };
        let item = match next {
            // A revocation takes effect at once: nothing that arrives after it is imported.
            _ if revoked.contains(&caller.id) => Feed::Fail(ApiError::Unauthenticated(format!(
                "token {} was revoked during the import; nothing sent after that was imported",
                caller.id
            ))),
            Ok(Some(_)) if ended => Feed::Fail(ApiError::invalid(
                "end",
                "nothing may follow the ImportEnd; nothing pending was imported",
            )),
            Ok(Some(msg)) => match msg.item {
                Some(Item::Chunk(c)) => {
                    chunks += 1;
                    bytes += c.data.len() as u64;
                    Feed::Chunk(c)
                }
                Some(Item::End(e)) if (e.chunks, e.bytes) != (chunks, bytes) => {
                    Feed::Fail(ApiError::Cancelled(format!(
                        "the client sent {} chunks of {} bytes, {chunks} chunks of {bytes} bytes \
                         arrived; nothing pending was imported",
                        e.chunks, e.bytes
                    )))
                }
                Some(Item::End(_)) => {
                    // The end of the stream must follow; wait for it.
                    ended = true;
                    continue;
                }
                Some(Item::Start(_)) => Feed::Fail(ApiError::invalid(
                    "start",
                    "an import has exactly one ImportStart, first",
                )),
                None => Feed::Fail(ApiError::invalid("item", "must be set")),
            },
            Ok(None) if ends_explicitly && !ended => Feed::Fail(ApiError::Cancelled(
                "the import stream ended without its ImportEnd: the client did not finish \
                 sending; nothing pending was imported"
                    .into(),
            )),
            // A client whose deadline passed has been told DEADLINE_EXCEEDED and may have
            // reset the stream, which can reach us as a clean end: never commit then.
            Ok(None) if deadline.is_some_and(|d| std::time::Instant::now() >= d) => {
                Feed::Fail(ApiError::Cancelled(
                    "the call's deadline passed before the import ended; nothing was imported"
                        .into(),
                ))
            }
            Ok(None) => Feed::End,
            // tonic reports a message over the server's limit as OUT_OF_RANGE, as it does for
            // unary calls: that is the client's chunk, not a broken stream.
            Err(status) if status.code() == tonic::Code::OutOfRange => {
                Feed::Fail(ApiError::OutOfRange(format!(
                    "an import chunk is too large ({}); send chunks of at most a few MiB",
                    status.message()
                )))
            }
            Err(status) if caller_fault(status.clone()).code() == tonic::Code::InvalidArgument => {
                Feed::Fail(ApiError::invalid(
                    "chunk",
                    format!(
                        "a message of the import stream is not readable: {}",
                        status.message()
                    ),
                ))
            }
            Err(status) => Feed::Fail(ApiError::Cancelled(format!(
                "the import stream broke: {}",
                status.message()
            ))),
        };
        let stop = !matches!(item, Feed::Chunk(_));
        if tx.send(item).await.is_err() || stop {
            // The importer stopped (it will say why), or the stream ended either way.
            return;
        }
    }
}

/// When the call's `grpc-timeout` (if any) runs out, from now.
fn deadline_of(m: &tonic::metadata::MetadataMap) -> Option<std::time::Instant> {
    let v = m.get("grpc-timeout")?.to_str().ok()?;
    let (n, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = n.parse().ok()?;
    let d = match unit {
        "H" => std::time::Duration::from_secs(n.saturating_mul(3600)),
        "M" => std::time::Duration::from_secs(n.saturating_mul(60)),
        "S" => std::time::Duration::from_secs(n),
        "m" => std::time::Duration::from_millis(n),
        "u" => std::time::Duration::from_micros(n),
        "n" => std::time::Duration::from_nanos(n),
        _ => return None,
    };
    std::time::Instant::now().checked_add(d)
}

fn kind_pb(k: FileKind) -> i32 {
    crate::convert::enum_to_pb(&FileKind::ALL, &k)
}

/// What the network side hands the importer.
enum Feed {
    Chunk(pb::ImportChunk),
    /// The client closed the stream cleanly: the import may finish.
    End,
    Fail(ApiError),
}

/// The receiving end, with one message of look-ahead to find where a file ends. A channel
/// that closes without [`Feed::End`] means the call was dropped (client gone, deadline), and
/// is a failure, never an end of file, so a half-sent import is not committed.
struct Incoming {
    rx: mpsc::Receiver<Feed>,
    peeked: Option<Feed>,
}

impl Incoming {
    fn peek(&mut self) -> &Feed {
        if self.peeked.is_none() {
            self.peeked = Some(self.rx.blocking_recv().unwrap_or_else(|| {
                Feed::Fail(ApiError::Cancelled(
                    "the import call ended before the client finished sending".into(),
                ))
            }));
        }
        self.peeked.get_or_insert(Feed::End)
    }

    /// The kind and name of the next file, None at the clean end of the stream.
    fn peek_file(&mut self) -> ApiResult<Option<(FileKind, String)>> {
        match self.peek() {
            Feed::End => Ok(None),
            Feed::Fail(_) => match self.peeked.take() {
                Some(Feed::Fail(e)) => Err(e),
                _ => Ok(None),
            },
            Feed::Chunk(c) => {
                let kind = enum_from_pb(&FileKind::ALL, c.kind).ok_or_else(|| {
                    ApiError::invalid("chunk.kind", "must be set to the kind of file")
                })?;
                if c.file_name.is_empty() || c.file_name.len() > 256 {
                    return Err(ApiError::invalid(
                        "chunk.file_name",
                        "must be set (at most 256 characters)",
                    ));
                }
                Ok(Some((kind, c.file_name.clone())))
            }
        }
    }
}

/// One file of the stream as an `io::Read`: consecutive chunks with the same kind and name.
/// A broken stream is an I/O error, never a silent end of file, so a half-sent last row is not
/// imported as if it were whole.
struct FileReader<'a> {
    incoming: &'a mut Incoming,
    kind: i32,
    name: String,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.buf.len() {
                let n = out.len().min(self.buf.len() - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            let (kind, name) = (self.kind, self.name.clone());
            match self.incoming.peek() {
                Feed::Chunk(c) if c.kind == kind && c.file_name == name => {
                    if let Some(Feed::Chunk(c)) = self.incoming.peeked.take() {
                        self.buf = c.data;
                        self.pos = 0;
                    }
                }
                Feed::Fail(e) => return Err(std::io::Error::other(e.to_string())),
                _ => return Ok(0),
            }
        }
    }
}

fn counts_pb(c: &Counts) -> pb::ImportCounts {
    pb::ImportCounts {
        rows: c.rows,
        created: c.created,
        updated: c.updated,
        unchanged: c.unchanged,
        rejected: c.rejected,
    }
}

fn report_to_pb(r: Report) -> pb::ImportReport {
    pb::ImportReport {
        files: r
            .files
            .iter()
            .map(|f| pb::ImportFileReport {
                kind: kind_pb(f.kind),
                file_name: f.file_name.clone(),
                counts: Some(counts_pb(&f.counts)),
            })
            .collect(),
        total: Some(counts_pb(&r.total)),
        errors: r
            .errors
            .into_iter()
            .map(|e| pb::ImportRowError {
                file_name: e.file_name,
                line: e.line,
                field: e.field,
                reason: e.reason,
            })
            .collect(),
        errors_total: r.errors_total,
        committed: r.committed,
    }
}
