//! The one table-driven harness for refused calls: each case sends one bad request and is
//! checked for
//!
//! - the exact gRPC code;
//! - for INVALID_ARGUMENT, exactly the offending fields in the `BadRequest` details (none for
//!   other codes);
//! - a clear message: not empty, naming each offending field (unless the server shortened it
//!   with '…') and anything else the case names, and short (a 1 MB value is never echoed back);
//! - nothing written: the store's snapshot is the same before and after.
//!
//! Every failing case of a table is reported together, by name, when the table is finished.

use std::fmt::Debug;

use tonic::{Code, Status};

use super::{bad_fields, TestServer};

/// Longest message a refusal may carry: enough to explain, too short to echo a huge value.
const MAX_MESSAGE: usize = 2_000;

/// How a field named twice in the details (too long and crossing midnight, say) counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeats {
    /// Once is enough: the expected fields are compared with the distinct fields named.
    CountOnce,
    /// Every expected field must be named exactly once: a repeat is a failure.
    Refused,
}

/// Collects the verdicts of a table of refused calls against one server.
pub struct Cases<'a> {
    s: &'a TestServer,
    before: String,
    failures: Vec<String>,
    count: usize,
}

impl<'a> Cases<'a> {
    /// Takes the snapshot every case is compared with.
    pub fn new(s: &'a TestServer) -> Cases<'a> {
        Cases {
            s,
            before: s.snapshot(),
            failures: Vec::new(),
            count: 0,
        }
    }

    /// Checks one refused call: `code`, exactly `fields` in the BadRequest details (none for
    /// other codes; a field named twice counts once), a short message naming each of
    /// `mentions`, and an unchanged store.
    pub fn refused<T: Debug>(
        &mut self,
        case: &str,
        got: Result<T, Status>,
        code: Code,
        fields: &[&str],
        mentions: &[&str],
    ) {
        self.check(case, got, code, fields, mentions, Repeats::CountOnce);
    }

    /// INVALID_ARGUMENT naming exactly `fields`.
    pub fn invalid<T: Debug>(&mut self, case: &str, got: Result<T, Status>, fields: &[&str]) {
        self.refused(case, got, Code::InvalidArgument, fields, &[]);
    }

    /// INVALID_ARGUMENT naming exactly `fields`, each of them once in the details.
    pub fn invalid_once_each<T: Debug>(
        &mut self,
        case: &str,
        got: Result<T, Status>,
        fields: &[&str],
    ) {
        self.check(
            case,
            got,
            Code::InvalidArgument,
            fields,
            &[],
            Repeats::Refused,
        );
    }

    /// NOT_FOUND naming the id.
    pub fn not_found<T: Debug>(&mut self, case: &str, got: Result<T, Status>, id: &str) {
        self.refused(case, got, Code::NotFound, &[], &[id]);
    }

    /// Fails with every failing case of the table, if any.
    pub fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} cases failed:\n{}",
            self.failures.len(),
            self.count,
            self.failures.join("\n")
        );
    }

    fn check<T: Debug>(
        &mut self,
        case: &str,
        got: Result<T, Status>,
        code: Code,
        fields: &[&str],
        mentions: &[&str],
        repeats: Repeats,
    ) {
        self.count += 1;
        let mut problems = Vec::new();
        match got {
            Ok(v) => {
                let mut shown = format!("{v:?}");
                shown.truncate(300);
                problems.push(format!("was accepted: {shown}"));
            }
            Err(e) => {
                let msg = e.message();
                if e.code() != code {
                    problems.push(format!("code {:?}, expected {code:?}", e.code()));
                }
                if msg.trim().is_empty() {
                    problems.push("empty message".into());
                }
                if msg.len() > MAX_MESSAGE {
                    problems.push(format!("message of {} bytes", msg.len()));
                }
                let mut got_fields = bad_fields(&e);
                got_fields.sort();
                if repeats == Repeats::CountOnce {
                    got_fields.dedup();
                }
                let mut want: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
                want.sort();
                if got_fields != want {
                    problems.push(format!("fields {got_fields:?}, expected {want:?}"));
                }
                // A message shortened by the server ('…') names the first fields only; the
                // details name them all.
                let named: &[&str] = if msg.contains('…') { &[] } else { fields };
                for m in mentions.iter().chain(named) {
                    if !msg.contains(m) {
                        problems.push(format!("message does not mention '{m}'"));
                    }
                }
                if !problems.is_empty() {
                    let mut shown = msg.to_string();
                    shown.truncate(300);
                    problems.push(format!("message: {shown:?}"));
                }
            }
        }
        let now = self.s.snapshot();
        if now != self.before {
            problems.push("the store changed".into());
            self.before = now;
        }
        if !problems.is_empty() {
            self.failures
                .push(format!("{case}:\n    {}", problems.join("\n    ")));
        }
    }
}
