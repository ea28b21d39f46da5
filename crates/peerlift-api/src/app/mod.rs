//! The application layer: the use cases the gRPC services, the nightly job and the CLI share,
//! on domain values. Nothing here knows protobuf or tonic: a handler converts its request to
//! these types, calls one use case inside a read or a write, and converts the answer back.
//! Rules about the domain's own state live on the domain types; what needs the store (reading
//! a scope, checking a generation, creating records in a batch) lives here.

pub mod associations;
pub mod curators;
pub mod documents;
pub mod events;
pub mod import;
pub mod mentorships;
pub mod network;
pub mod nightly;
pub mod platforms;
pub mod programme;
pub mod registry;
pub mod runs;
pub mod sessions;

use peerlift_domain::{Teacher, Violations};
use peerlift_store::{key, prefix, Record, Store};

use crate::error::{ApiError, ApiResult};

/// Checks a path id given in a request field.
pub fn check_id(field: &str, id: &str) -> ApiResult<()> {
    let mut v = Violations::new();
    peerlift_domain::ids::check_id(&mut v, field, id);
    v.into_result().map_err(ApiError::Invalid)
}

/// Every record of one kind of a municipality.
pub fn all_of<R: Record>(s: &Store, municipality_id: &str) -> ApiResult<Vec<R>> {
    s.scan::<R>(&prefix(&[municipality_id]), None)
        .map(|x| x.map_err(ApiError::from))
        .collect()
}

/// A teacher a request refers to (a profile's, a diagnostic's, a pair's) exists in the same
/// municipality; otherwise the field is named as a bad reference.
pub fn check_teacher(
    s: &Store,
    field: &str,
    municipality_id: &str,
    teacher_id: &str,
) -> ApiResult<()> {
    if !s.contains::<Teacher>(&key(&[municipality_id, teacher_id]))? {
        return Err(ApiError::Invalid(Violations::single(
            field,
            format!("no teacher '{teacher_id}' in municipality '{municipality_id}'"),
        )));
    }
    Ok(())
}

/// A store with the Kirovsky example imported, for the app layer's unit tests: real records,
/// no server.
#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used)]
    use peerlift_domain::csvfmt::FileKind;
    use peerlift_store::Store;

    use crate::app::import::{ImportOptions, Importer};
    use crate::caller::Caller;

    pub const MUNICIPALITY: &str = "kirovsky";

    pub fn now() -> jiff::Timestamp {
        jiff::Timestamp::constant(1_700_000_000, 0)
    }

    /// A run of `kind` on the example with default settings, not stored.
    pub fn computed(s: &Store, kind: peerlift_domain::MatchKind) -> peerlift_domain::MatchRun {
        let (run, _) = crate::app::runs::compute_run(
            s,
            MUNICIPALITY,
            kind,
            Default::default(),
            Default::default(),
            now(),
            false,
        )
        .unwrap();
        run
    }

    /// A run of `kind` computed, stored and approved: the mentorships it created.
    pub fn approved(
        s: &Store,
        kind: peerlift_domain::MatchKind,
    ) -> Vec<peerlift_domain::Mentorship> {
        use crate::app::runs::{approve, store_run};
        let mut run = computed(s, kind);
        s.write(|s, b| store_run(s, b, &mut run)).unwrap();
        let (_, created, _) = s
            .write(|s, b| approve(s, b, MUNICIPALITY, &run.id, None, "", now()))
            .unwrap();
        created
    }

    /// The example imported into a fresh store; the directory goes with the first element.
    pub fn kirovsky() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/kirovsky");
        {
            let _lock = store.lock();
            let opts = ImportOptions {
                municipality_id: MUNICIPALITY.into(),
                strict: true,
                dry_run: false,
                caller: Caller::dev(),
                revoked: Default::default(),
            };
            let mut importer = Importer::new(&store, opts, now()).unwrap();
            // The registry (the example's network comes in its partnerships.csv, which tests
            // that want it import on their own).
            for kind in FileKind::ALL
                .into_iter()
                .filter(|k| *k != FileKind::Mentorships)
            {
                let text = std::fs::read(format!("{examples}/{}", kind.file_name())).unwrap();
                importer
                    .import_file(kind, kind.file_name(), text.as_slice())
                    .unwrap();
            }
            let report = importer.finish().unwrap();
            assert!(report.committed && report.errors_total == 0, "{report:?}");
        }
        (dir, store)
    }
}
