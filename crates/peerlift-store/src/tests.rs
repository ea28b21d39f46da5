use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::Timestamp;
use peerlift_domain::*;
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

use super::*;

fn id() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._:-]{0,20}"
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, including Cyrillic and quotes: the encodings must not care.
    ".{0,30}"
}

fn meta() -> impl Strategy<Value = Meta> {
    (1u64..1_000_000, 0i64..4_000_000_000, 0i64..1_000_000_000).prop_map(|(rev, s, ns)| {
        let t = Timestamp::new(s, ns as i32 % 1_000_000_000).unwrap();
        Meta {
            revision: rev,
            create_time: t,
            update_time: t,
        }
    })
}

fn date() -> impl Strategy<Value = Date> {
    (1990i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn municipality() -> impl Strategy<Value = Municipality> {
    (id(), text(), text(), meta()).prop_map(|(id, name, region, meta)| Municipality {
        id,
        name,
        region,
        time_zone: "Europe/Moscow".into(),
        meta,
    })
}

fn school() -> impl Strategy<Value = School> {
    (
        (
            id(),
            id(),
            text(),
            pick(SchoolKind::ALL),
            pick(SchoolStatus::ALL),
        ),
        (
            btree_set(pick(SchoolFlag::ALL), 0..3),
            btree_set(text(), 0..3),
            text(),
            proptest::option::of((-90.0f64..90.0, -180.0f64..180.0)),
        ),
        (
            proptest::array::uniform10(pick(Significance::ALL)),
            proptest::option::of(0u32..50),
            vec((pick(SchoolStatus::ALL), date()), 0..4),
            meta(),
            btree_map("[a-z_]{1,12}", 1u32..10, 0..3),
        ),
    )
        .prop_map(
            |(
                (m, id, name, kind, status),
                (flags, tags, locality, loc),
                (risk, cap, hist, meta, platforms),
            )| School {
                municipality_id: m,
                id,
                name,
                kind,
                status,
                flags,
                programme_tags: tags,
                locality,
                location: loc.map(|(lat, lon)| GeoPoint { lat, lon }),
                risk_profile: RiskProfile(risk),
                partner_capacity: cap,
                platforms,
                status_history: hist
                    .into_iter()
                    .map(|(status, since)| StatusChange { status, since })
                    .collect(),
                meta,
            },
        )
}

fn teacher() -> impl Strategy<Value = Teacher> {
    (
        id(),
        id(),
        id(),
        text(),
        vec("[a-z_]{1,12}", 0..4),
        any::<bool>(),
        meta(),
    )
        .prop_map(
            |(m, id, school_id, full_name, subjects, active, meta)| Teacher {
                municipality_id: m,
                id,
                school_id,
                full_name,
                subjects,
                active,
                accepts_online: !active,
                position: Default::default(),
                meta,
            },
        )
}

fn window() -> impl Strategy<Value = Window> {
    (pick(Weekday::ALL), 0u16..1439, 1u16..1440).prop_map(|(weekday, a, b)| Window {
        weekday,
        start_minute: a,
        end_minute: b,
    })
}

fn mentor_profile() -> impl Strategy<Value = MentorProfile> {
    (
        id(),
        id(),
        vec("[a-z_]{1,12}", 0..4),
        vec("[a-z_]{1,12}", 0..4),
        0u32..40,
        btree_set(pick(Mode::ALL), 0..3),
        vec(window(), 0..5),
        meta(),
    )
        .prop_map(
            |(m, t, subjects, directions, capacity, modes, availability, meta)| MentorProfile {
                municipality_id: m,
                teacher_id: t,
                subjects,
                directions,
                capacity,
                modes,
                availability,
                meta,
            },
        )
}

fn diagnostic() -> impl Strategy<Value = Diagnostic> {
    (
        (id(), id(), id(), "[a-z_]{1,12}", date(), pick(Level::ALL)),
        (
            btree_map("[a-z_]{1,12}", 0.0f64..=1.0, 0..5),
            text(),
            meta(),
        ),
    )
        .prop_map(
            |((m, id, teacher_id, subject, date, level), (scores, source, meta))| Diagnostic {
                municipality_id: m,
                id,
                teacher_id,
                subject,
                date,
                level,
                scores,
                source,
                meta,
            },
        )
}

fn catalog_entry() -> impl Strategy<Value = CatalogEntry> {
    (
        id(),
        pick(&CatalogKind::ALL),
        "[a-z_]{1,12}",
        text(),
        meta(),
    )
        .prop_map(|(m, kind, code, name, meta)| CatalogEntry {
            municipality_id: m,
            kind,
            code,
            name,
            meta,
        })
}

fn idempotency() -> impl Strategy<Value = IdempotencyEntry> {
    (
        id(),
        "[A-Za-z]{1,20}",
        id(),
        any::<u64>(),
        meta(),
        vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(m, method, request_id, fingerprint, meta, response)| IdempotencyEntry {
                municipality_id: m,
                method,
                request_id,
                fingerprint,
                create_time: meta.create_time,
                response,
            },
        )
}

fn session() -> impl Strategy<Value = Session> {
    (
        (
            id(),
            id(),
            id(),
            pick(SessionKind::ALL),
            date(),
            0i8..23,
            0i8..59,
        ),
        (
            1u16..480,
            pick(Mode::ALL),
            id(),
            text(),
            id(),
            vec(id(), 0..4),
        ),
        (
            vec(id(), 0..3),
            vec(text(), 0..2),
            pick(SessionStatus::ALL),
            proptest::option::of((0u8..=5, vec((text(), any::<bool>()), 0..3), text())),
            meta(),
        ),
    )
        .prop_map(
            |(
                (m, id, ms, kind, day, h, min),
                (duration_minutes, mode, school_id, place, mentor_id, mentee_ids),
                (schools, materials, status, feedback, meta),
            )| Session {
                municipality_id: m,
                id,
                mentorship_id: ms,
                kind,
                start: day.at(h, min, 0, 0),
                duration_minutes,
                mode,
                school_id,
                place,
                attended: mentee_ids.iter().take(1).cloned().collect(),
                mentor_id,
                mentee_ids,
                schools,
                topics: vec!["mathematics".into()],
                materials,
                status,
                feedback: feedback.map(|(rating, items, note)| Feedback {
                    rating,
                    checklist: items
                        .into_iter()
                        .map(|(item, done)| ChecklistItem { item, done })
                        .collect(),
                    mentee_comment: note.clone(),
                    mentor_notes: note,
                }),
                status_reason: String::new(),
                proposal_id: String::new(),
                meta,
            },
        )
}

fn roundtrip<R: Record + PartialEq>(r: &R) {
    let bytes = codec::encode(r).unwrap();
    assert_eq!(bytes[0], R::VERSION);
    let back: R = codec::decode(R::TREE, &bytes).unwrap();
    assert_eq!(&back, r);
    // And through the backup's JSON.
    let json = serde_json::to_string(r).unwrap();
    let back: R = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, r);
}

proptest! {
    #[test]
    fn municipality_roundtrips(r in municipality()) { roundtrip(&r) }
    #[test]
    fn school_roundtrips(r in school()) { roundtrip(&r) }
    #[test]
    fn teacher_roundtrips(r in teacher()) { roundtrip(&r) }
    #[test]
    fn mentor_profile_roundtrips(r in mentor_profile()) { roundtrip(&r) }
    #[test]
    fn diagnostic_roundtrips(r in diagnostic()) { roundtrip(&r) }
    #[test]
    fn catalog_entry_roundtrips(r in catalog_entry()) { roundtrip(&r) }
    #[test]
    fn idempotency_roundtrips(r in idempotency()) { roundtrip(&r) }
    #[test]
    fn session_roundtrips(r in session()) { roundtrip(&r) }

    #[test]
    fn backup_restore_backup_is_identical(
        schools in vec(school(), 0..6),
        teachers in vec(teacher(), 0..6),
        profiles in vec(mentor_profile(), 0..4),
        diags in vec(diagnostic(), 0..6),
        munis in vec(municipality(), 0..3),
        cats in vec(catalog_entry(), 0..3),
        idem in vec(idempotency(), 0..3),
        sessions in vec(session(), 0..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a")).unwrap();
        store.write(|_, b| -> Result<()> {
            for r in &schools { b.put(r)?; }
            for r in &teachers { b.put(r)?; }
            for r in &profiles { b.put(r)?; }
            for r in &diags { b.put(r)?; }
            for r in &munis { b.put(r)?; }
            for r in &cats { b.put(r)?; }
            for r in &idem { b.put(r)?; }
            for r in &sessions { b.put(r)?; }
            Ok(())
        }).unwrap();
        let mut first = Vec::new();
        store.export(&mut first).unwrap();
        let restored_dir = dir.path().join("b");
        backup::restore(first.as_slice(), &restored_dir, false).unwrap();
        let restored = Store::open(&restored_dir).unwrap();
        let mut second = Vec::new();
        restored.export(&mut second).unwrap();
        prop_assert_eq!(String::from_utf8(first).unwrap(), String::from_utf8(second).unwrap());
        // Derived indexes are rebuilt too.
        prop_assert_eq!(restored.count(TreeId::TeachersBySchool), store.count(TreeId::TeachersBySchool));
        prop_assert_eq!(restored.count(TreeId::DiagnosticsByTeacher), store.count(TreeId::DiagnosticsByTeacher));
        for t in [TreeId::SessionsByMentorship, TreeId::SessionsByParticipant, TreeId::SessionsBySchool, TreeId::SessionsByStart] {
            prop_assert_eq!(restored.count(t), store.count(t));
        }
    }
}

fn sample_teacher(school: &str) -> Teacher {
    Teacher {
        municipality_id: "m".into(),
        id: "t1".into(),
        school_id: school.into(),
        full_name: "Anna Petrova".into(),
        subjects: vec!["mathematics".into()],
        active: true,
        accepts_online: true,
        position: Default::default(),
        meta: Meta::new(Timestamp::UNIX_EPOCH),
    }
}

#[test]
fn indexes_follow_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.write(|_, b| b.put(&sample_teacher("s1"))).unwrap();
    assert!(store
        .index_has(TreeId::TeachersBySchool, &prefix(&["m", "s1"]))
        .unwrap());
    store.write(|_, b| b.put(&sample_teacher("s2"))).unwrap();
    assert!(!store
        .index_has(TreeId::TeachersBySchool, &prefix(&["m", "s1"]))
        .unwrap());
    assert!(store
        .index_has(TreeId::TeachersBySchool, &prefix(&["m", "s2"]))
        .unwrap());
    store
        .write(|_, b| -> Result<()> {
            b.delete::<Teacher>(key(&["m", "t1"]));
            Ok(())
        })
        .unwrap();
    assert_eq!(store.count(TreeId::TeachersBySchool), 0);
    assert_eq!(store.count(TreeId::Teachers), 0);
}

#[test]
fn a_shared_read_is_decoded_once_and_never_stale() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let k = key(&["m", "t1"]);
    store.write(|_, b| b.put(&sample_teacher("s1"))).unwrap();
    let first = store.get_shared::<Teacher>(&k).unwrap().unwrap();
    let again = store.get_shared::<Teacher>(&k).unwrap().unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again), "decoded twice");
    assert_eq!(first.school_id, "s1");
    // Changed: the new version, not the kept copy.
    store.write(|_, b| b.put(&sample_teacher("s2"))).unwrap();
    let changed = store.get_shared::<Teacher>(&k).unwrap().unwrap();
    assert_eq!(changed.school_id, "s2");
    // Deleted: gone.
    store
        .write(|_, b| -> Result<()> {
            b.delete::<Teacher>(k.clone());
            Ok(())
        })
        .unwrap();
    assert!(store.get_shared::<Teacher>(&k).unwrap().is_none());
}

#[test]
fn a_failed_write_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let out: std::result::Result<(), StoreError> = store.write(|_, b| {
        b.put(&sample_teacher("s1"))?;
        Err(StoreError::Restore("validation failed".into()))
    });
    assert!(out.is_err());
    assert_eq!(store.count(TreeId::Teachers), 0);
    assert_eq!(store.count(TreeId::TeachersBySchool), 0);
}

#[test]
fn paging_scan_resumes_after_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .write(|_, b| -> Result<()> {
            for i in 0..25 {
                let mut t = sample_teacher("s");
                t.id = format!("t{i:02}");
                b.put(&t)?;
            }
            let mut other = sample_teacher("s");
            other.municipality_id = "m2".into();
            b.put(&other)
        })
        .unwrap();
    let mut seen = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page: Vec<Teacher> = store
            .scan::<Teacher>(&prefix(&["m"]), after.as_deref())
            .take(10)
            .collect::<Result<_>>()
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = Some(page.last().unwrap().key());
        seen.extend(page.into_iter().map(|t| t.id));
    }
    let expected: Vec<String> = (0..25).map(|i| format!("t{i:02}")).collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .set_schema_version_for_test(SCHEMA_VERSION + 1)
            .unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{msg}");
    assert!(msg.contains("newer peerlift"), "{msg}");
}

#[test]
fn a_second_open_of_a_live_store_says_it_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
}

#[test]
fn restore_refuses_bad_files_and_leaves_the_target_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("src")).unwrap();
    store.write(|_, b| b.put(&sample_teacher("s1"))).unwrap();
    let mut good = Vec::new();
    store.export(&mut good).unwrap();
    let text = String::from_utf8(good).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    let target = dir.path().join("dst");
    // Truncated: no end line.
    let truncated = lines[..lines.len() - 1].join("\n");
    let err = backup::restore(truncated.as_bytes(), &target, false).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    assert!(!target.exists());
    // A corrupt record names its line.
    let corrupt = format!(
        "{}\n{{\"kind\":\"teacher\",\"record\":{{}}}}\n{}",
        lines[0],
        lines[lines.len() - 1]
    );
    let err = backup::restore(corrupt.as_bytes(), &target, false).unwrap_err();
    assert!(err.to_string().starts_with("backup line 2"), "{err}");
    // Existing data is not replaced without asking.
    drop(store);
    let err = backup::restore(text.as_bytes(), &dir.path().join("src"), false).unwrap_err();
    assert!(err.to_string().contains("--replace"), "{err}");
    let summary = backup::restore(text.as_bytes(), &dir.path().join("src"), true).unwrap();
    assert_eq!(summary.records, 2); // the teacher and its municipality's generation
}

#[test]
fn unknown_record_versions_are_reported_not_guessed() {
    let mut bytes = codec::encode(&sample_teacher("s1")).unwrap();
    bytes[0] = 99;
    let err = codec::decode::<Teacher>(TreeId::Teachers, &bytes).unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
    let _ = BTreeMap::<String, f64>::new();
    let _ = BTreeSet::<u8>::new();
}

#[test]
fn writes_to_matching_inputs_bump_the_generation_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.generation("m").unwrap(), 0);
    store.write(|_, b| b.put(&sample_teacher("s1"))).unwrap();
    assert_eq!(store.generation("m").unwrap(), 1);
    // Two records of one municipality in one batch: one step.
    store
        .write(|_, b| -> Result<()> {
            let mut t = sample_teacher("s1");
            t.id = "t2".into();
            b.put(&t)?;
            t.id = "t3".into();
            b.put(&t)
        })
        .unwrap();
    assert_eq!(store.generation("m").unwrap(), 2);
    // A failed write bumps nothing; other municipalities are independent.
    let _ = store.write(|_, b| -> Result<()> {
        b.put(&sample_teacher("s9"))?;
        Err(StoreError::Restore("no".into()))
    });
    assert_eq!(store.generation("m").unwrap(), 2);
    assert_eq!(store.generation("other").unwrap(), 0);
}

#[test]
fn a_backup_larger_than_one_restore_batch_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a")).unwrap();
    // Three commits, so the generation has a value restore must keep, and more records than
    // one restore batch holds.
    for chunk in 0..3 {
        store
            .write(|_, b| -> Result<()> {
                for i in 0..2_500 {
                    let mut t = sample_teacher("s");
                    t.id = format!("t{chunk}-{i:05}");
                    b.put(&t)?;
                }
                Ok(())
            })
            .unwrap();
    }
    assert_eq!(store.generation("m").unwrap(), 3);
    let mut first = Vec::new();
    store.export(&mut first).unwrap();
    let target = dir.path().join("b");
    let summary = backup::restore(first.as_slice(), &target, false).unwrap();
    assert_eq!(summary.records, 7_501);
    let restored = Store::open(&target).unwrap();
    assert_eq!(restored.generation("m").unwrap(), 3);
    let mut second = Vec::new();
    restored.export(&mut second).unwrap();
    assert!(first == second, "backup -> restore -> backup differs");
}

/// A backup keeps the installation secret only when asked: without it a restored store makes
/// a new one (new pseudonyms); with it, the same, and the file is its owner's alone.
#[test]
fn secrets_travel_only_in_a_backup_that_asks_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a")).unwrap();
    let key = store.secret("pseudonym", [1u8; 32]).unwrap();
    for (with, file) in [(false, "plain.jsonl"), (true, "secret.jsonl")] {
        let path = dir.path().join(file);
        store.backup_to_file(&path, with).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.contains("\"kind\":\"secret\""), with);
        #[cfg(unix)]
        if with {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "a file with secrets is readable by others: {mode:o}"
            );
        }
        let target = dir.path().join(format!("restored-{with}"));
        backup::restore(text.as_bytes(), &target, false).unwrap();
        let restored = Store::open(&target).unwrap();
        let again = restored.secret("pseudonym", [2u8; 32]).unwrap();
        assert_eq!(again == key, with, "with secrets: {with}");
    }
}

/// A restored store generates ids above every id its records used: audit seqs keep growing
/// (the chain goes on in order) and no generated id repeats a restored one.
#[test]
fn a_restored_store_generates_above_what_it_restored() {
    use peerlift_domain::access::AuditEntry;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a")).unwrap();
    let high = 7_000_000u64;
    store
        .write(|_, b| -> Result<()> {
            b.put(&AuditEntry {
                municipality_id: "m".into(),
                time: Timestamp::constant(1_700_000_000, 0),
                seq: high,
                token_id: "t".into(),
                role: "admin".into(),
                method: "CreateSchool".into(),
                request_id: String::new(),
                changes: vec![],
                change_count: 1,
                prev_hash: String::new(),
                hash: String::new(),
            })
        })
        .unwrap();
    let mut file = Vec::new();
    store.export(&mut file).unwrap();
    let target = dir.path().join("b");
    backup::restore(file.as_slice(), &target, false).unwrap();
    let restored = Store::open(&target).unwrap();
    assert!(restored.generate_id().unwrap() > high);
    drop(restored);
    // The floor survives a reopen.
    let reopened = Store::open(&target).unwrap();
    assert!(reopened.generate_id().unwrap() > high);
}
