//! Refusals of the bulk import stream: its framing, its chunks and their size, and invalid
//! UTF-8 in the files of a strict import.

use peerlift_api::pb;
use tonic::{Code, Status};

use crate::common::cases::Cases;
use crate::common::*;
use crate::{mb, world, LIMIT, M};

/// An import stream of raw messages (so kinds and sizes the helper would not send can be).
async fn import_raw(
    s: &TestServer,
    msgs: Vec<pb::ImportRequest>,
) -> Result<pb::ImportReport, Status> {
    s.importer()
        .max_encoding_message_size(4 * LIMIT)
        .import(tokio_stream::iter(msgs))
        .await
        .map(|r| r.into_inner())
}

fn start_msg(m: &str, strict: bool) -> pb::ImportRequest {
    pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: m.into(),
            strict,
            dry_run: false,
            ..Default::default()
        })),
    }
}

fn chunk_msg(kind: i32, name: &str, data: Vec<u8>) -> pb::ImportRequest {
    pb::ImportRequest {
        item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
            kind,
            file_name: name.into(),
            data,
        })),
    }
}

/// An import chunk over the server's 16 MiB limit is refused unread, OUT_OF_RANGE, even after a
/// small chunk of the same file, and the server serves on.
#[tokio::test]
async fn import_messages_over_the_size_limit_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    let big = "x".repeat(LIMIT + 1024);
    c.refused(
        "Import with a 16 MiB chunk",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    big.clone().into_bytes(),
                ),
            ],
        )
        .await,
        Code::OutOfRange,
        &[],
        &["too large"],
    );
    c.refused(
        "Import with a 16 MiB chunk after a small one of the same file",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    b"id,name,kind,status\ns1,S,sosh,stable\n".to_vec(),
                ),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    big.clone().into_bytes(),
                ),
            ],
        )
        .await,
        Code::OutOfRange,
        &[],
        &["too large"],
    );
    c.finish();
    // The server is still serving.
    s.schools()
        .get_school(pb::GetSchoolRequest {
            municipality_id: M.into(),
            school_id: "lead".into(),
        })
        .await
        .unwrap();
    s.stop().await;
}

/// An import chunk of an unknown kind or with an overlong file name, and an import into a
/// municipality with a 1 MB id, are refused naming the field.
#[tokio::test]
async fn import_chunks_and_starts_name_their_bad_fields() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    let big = mb();
    c.invalid(
        "import file of kind 99",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(99, "schools.csv", b"id,name,kind,status\n".to_vec()),
            ],
        )
        .await,
        &["chunk.kind"],
    );
    c.invalid(
        "import file name: 300 characters",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    &"f".repeat(300),
                    b"id,name,kind,status\n".to_vec(),
                ),
            ],
        )
        .await,
        &["chunk.file_name"],
    );
    c.invalid(
        "import of municipality id: 1 MB",
        import_raw(&s, vec![start_msg(&big, true)]).await,
        &["municipality_id"],
    );
    c.finish();
    s.stop().await;
}

/// A strict import with invalid UTF-8 anywhere (a cell, a header, the municipality row, a
/// character cut at the very end) commits nothing and names the file, the line and the cell.
#[tokio::test]
async fn invalid_utf8_in_a_strict_import_commits_nothing_and_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let before = s.snapshot();
    let corrupt = |name: &str, line: usize, cell: usize| -> Vec<ImportFile> {
        example_files()
            .into_iter()
            .map(|(k, n, data)| {
                if n != name {
                    return (k, n, data);
                }
                let text = String::from_utf8(data).unwrap();
                let mut out = Vec::new();
                for (i, row) in text.split_inclusive('\n').enumerate() {
                    if i + 1 == line {
                        // A Latin-1 byte in the middle of the `cell`th cell.
                        let mut cells: Vec<Vec<u8>> =
                            row.split(',').map(|c| c.as_bytes().to_vec()).collect();
                        cells[cell - 1].splice(0..0, [b'A', 0xff, 0xfe, b'Z']);
                        out.extend(cells.join(&b','));
                    } else {
                        out.extend_from_slice(row.as_bytes());
                    }
                }
                (k, n, out)
            })
            .collect()
    };
    let mut failures = Vec::new();
    for (file, line, cell, rows_counted) in [
        ("teachers.csv", 3, 3, true),
        ("schools.csv", 5, 2, true),
        ("diagnostics.csv", 40, 6, true),
        // A header that is not UTF-8 makes the whole file unreadable.
        ("teachers.csv", 1, 1, false),
    ] {
        let case = format!("{file} line {line} cell {cell}");
        let report =
            match import_files(&s, "kirovsky", true, false, corrupt(file, line, cell)).await {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{case}: the import failed: {e:?}"));
                    continue;
                }
            };
        if report.committed {
            failures.push(format!("{case}: a strict import with errors committed"));
        }
        let named = report.errors.iter().any(|e| {
            e.file_name == file
                && e.line == line as u64
                && e.field == format!("#{cell}")
                && e.reason.contains("UTF-8")
        });
        if !named {
            failures.push(format!(
                "{case}: no error names the file, line and cell: {:?}",
                report.errors.iter().take(5).collect::<Vec<_>>()
            ));
        }
        let rejected = report
            .files
            .iter()
            .find(|f| f.file_name == file)
            .and_then(|f| f.counts)
            .map(|c| c.rejected)
            .unwrap_or_default();
        if rows_counted && rejected == 0 {
            failures.push(format!("{case}: no row of {file} counted as rejected"));
        }
        if s.snapshot() != before {
            failures.push(format!("{case}: the store changed"));
            break;
        }
    }
    // Without its municipality row nothing else can be imported: the call fails, naming the
    // row that was rejected.
    match import_files(
        &s,
        "kirovsky",
        true,
        false,
        corrupt("municipality.csv", 2, 2),
    )
    .await
    {
        Err(e)
            if e.code() == Code::FailedPrecondition
                && ["municipality.csv line 2", "#2", "UTF-8", "schools.csv"]
                    .iter()
                    .all(|m| e.message().contains(m)) => {}
        other => failures.push(format!("municipality row not UTF-8: {other:?}")),
    }
    if s.snapshot() != before {
        failures.push("municipality row not UTF-8: the store changed".into());
    }
    // A multi-byte character cut at the very end of the last file.
    let mut files = example_files();
    let last = files.last_mut().unwrap();
    last.2
        .extend_from_slice(b",t1,mathematics,2023-01-01,A,\xd0");
    match import_files(&s, "kirovsky", true, false, files).await {
        Ok(r) if !r.committed && r.errors.iter().any(|e| e.reason.contains("UTF-8")) => {}
        other => failures.push(format!("truncated character at the end: {other:?}")),
    }
    if s.snapshot() != before {
        failures.push("truncated character at the end: the store changed".into());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    s.stop().await;
}

/// An import stream is one ImportStart, then chunks, for a municipality that exists: no start,
/// two starts, or an unknown municipality are refused.
#[tokio::test]
async fn an_import_is_one_start_then_chunks_for_a_municipality_that_exists() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let mut c = Cases::new(&s);
    c.invalid(
        "an import that does not start with ImportStart",
        import_raw(
            &s,
            vec![chunk_msg(
                pb::ImportFileKind::Schools as i32,
                "schools.csv",
                b"id,name,kind,status\n".to_vec(),
            )],
        )
        .await,
        &["start"],
    );
    c.invalid(
        "an import with two ImportStart",
        import_raw(&s, vec![start_msg(M, true), start_msg(M, true)]).await,
        &["start"],
    );
    c.refused(
        "schools into a municipality that does not exist",
        import_raw(
            &s,
            vec![
                start_msg("atlantis", true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    b"id,name,kind,status\ns1,S,sosh,stable\n".to_vec(),
                ),
            ],
        )
        .await,
        Code::NotFound,
        &[],
        &["atlantis"],
    );
    c.finish();
    s.stop().await;
}
