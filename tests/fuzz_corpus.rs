//! The fuzz targets' checks on stable, in the normal test suite: every file of the seed corpora
//! (`fuzz/corpus/<target>/`) through its function, then a fixed number of seeded random and
//! mutated inputs through both (`peerlift_api::fuzzing`). Under libFuzzer the same functions
//! run with `cargo +nightly fuzz run <target>` in `fuzz/`.
//!
//! The encoded requests of the request corpus are made here (`seed_requests`): with
//! `UPDATE_FUZZ_CORPUS=1` the test writes them, otherwise it checks they are there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use peerlift_api::fuzzing::{import_csv, validate_request};
use peerlift_api::pb;
use prost::Message;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CSV: &str = "csv_import";
const REQUESTS: &str = "request_validation";

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// The corpus of a target, in name order.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir(target))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "the {target} corpus is empty");
    out
}

/// Runs `f` on `data`; on a panic, says which input it was before failing.
fn run(what: &str, f: fn(&[u8]), data: &[u8]) {
    if let Err(e) = std::panic::catch_unwind(|| f(data)) {
        let mut shown = format!("{:?}", String::from_utf8_lossy(data));
        shown.truncate(2000);
        eprintln!(
            "{what} failed on {} bytes: {shown}\nhex: {}",
            data.len(),
            hex(&data[..data.len().min(512)])
        );
        std::panic::resume_unwind(e);
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn every_corpus_file_passes() {
    for (name, data) in corpus(CSV) {
        run(&format!("{CSV}/{name}"), import_csv, &data);
    }
    for (name, data) in corpus(REQUESTS) {
        run(&format!("{REQUESTS}/{name}"), validate_request, &data);
    }
}

/// Encoded requests, valid and not, for the request corpus.
fn seed_requests() -> Vec<(&'static str, Vec<u8>)> {
    let school = pb::School {
        id: "putilovo-oosh".into(),
        name: "MKOU Putilovskaya OOSh".into(),
        kind: pb::SchoolKind::Basic as i32,
        status: pb::SchoolStatus::LowResults as i32,
        flags: vec![pb::SchoolFlag::Promising as i32],
        programme_tags: vec!["500+".into()],
        locality: "Putilovo".into(),
        location: Some(pb::GeoPoint {
            lat: 59.847,
            lon: 31.385,
        }),
        risk_profile: vec![pb::RiskFactorValue {
            factor: pb::RiskFactor::LowMotivation as i32,
            significance: pb::Significance::High as i32,
        }],
        partner_capacity: Some(3),
        platforms: [("mathematics".to_string(), 2)].into(),
        status_since: "2020-09-01".into(),
        ..Default::default()
    };
    let teacher = pb::Teacher {
        id: "putilovo-oosh-t002".into(),
        school_id: "putilovo-oosh".into(),
        full_name: "Соколов Сергей Николаевич".into(),
        subjects: vec!["chemistry".into(), "mathematics".into()],
        active: Some(true),
        accepts_online: Some(false),
        ..Default::default()
    };
    let session = pb::Session {
        mentorship_id: "ms-0000000001".into(),
        kind: pb::SessionKind::LessonVisit as i32,
        start: "2022-11-10T14:00".into(),
        duration_minutes: 90,
        mode: pb::Mode::InPerson as i32,
        mentee_ids: vec!["putilovo-oosh-t002".into()],
        topics: vec!["mathematics".into()],
        materials: vec!["lesson plan".into()],
        ..Default::default()
    };
    vec![
        (
            "create-school",
            pb::CreateSchoolRequest {
                municipality_id: "kirovsky".into(),
                school: Some(school.clone()),
                request_id: "3f1c2a9e-0d5b-4e77-9a51-1b2c3d4e5f60".into(),
            }
            .encode_to_vec(),
        ),
        (
            "create-school-bad",
            pb::CreateSchoolRequest {
                municipality_id: "kirovsky".into(),
                school: Some(pb::School {
                    kind: 99,
                    name: " \u{7}".into(),
                    location: Some(pb::GeoPoint {
                        lat: f64::NAN,
                        lon: 500.0,
                    }),
                    partner_capacity: Some(u32::MAX),
                    ..school
                }),
                request_id: "a b".into(),
            }
            .encode_to_vec(),
        ),
        (
            "create-teacher",
            pb::CreateTeacherRequest {
                municipality_id: "kirovsky".into(),
                teacher: Some(teacher.clone()),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "create-teacher-bad",
            pb::CreateTeacherRequest {
                municipality_id: "other".into(),
                teacher: Some(pb::Teacher {
                    subjects: vec!["astrology".into(), "chemistry".into(), "chemistry".into()],
                    full_name: String::new(),
                    ..teacher
                }),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "create-profile",
            pb::CreateMentorProfileRequest {
                municipality_id: "kirovsky".into(),
                mentor_profile: Some(pb::MentorProfile {
                    teacher_id: "shlisselburg-sosh-1-t006".into(),
                    subjects: vec!["biology".into()],
                    directions: vec!["psych_support".into()],
                    capacity: 3,
                    modes: vec![pb::Mode::InPerson as i32, pb::Mode::Online as i32],
                    availability: vec![pb::AvailabilityWindow {
                        weekday: pb::Weekday::Thursday as i32,
                        start_minute: 840,
                        end_minute: 1020,
                    }],
                    ..Default::default()
                }),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "create-diagnostic",
            pb::CreateDiagnosticRequest {
                municipality_id: "kirovsky".into(),
                diagnostic: Some(pb::Diagnostic {
                    teacher_id: "putilovo-oosh-t002".into(),
                    subject: "mathematics".into(),
                    date: "2022-10-14".into(),
                    level: pb::Level::B as i32,
                    scores: [("digital".to_string(), 0.4)].into(),
                    source: "ЦНППМ".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "create-session",
            pb::CreateSessionRequest {
                municipality_id: "kirovsky".into(),
                session: Some(session.clone()),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "create-session-bad",
            pb::CreateSessionRequest {
                municipality_id: "kirovsky".into(),
                session: Some(pb::Session {
                    start: "2022-11-10T23:30+03:00".into(),
                    duration_minutes: 70_000,
                    kind: -1,
                    status: 2,
                    ..session
                }),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "run-matching",
            pb::RunMatchingRequest {
                municipality_id: "kirovsky".into(),
                kind: pb::MatchKind::TeacherPairs as i32,
                weights: Some(pb::Weights {
                    severity_a: Some(1000),
                    travel_per_km: Some(-5),
                    ..Default::default()
                }),
                policy: Some(pb::Policy {
                    levels: vec![pb::Level::A as i32, pb::Level::B as i32],
                    travel_limit_km: Some(60),
                    max_candidates: Some(50),
                    group_min_size: Some(2),
                    group_max_size: Some(5),
                    preferences: vec![pb::PreferredPair {
                        mentee_id: "a".into(),
                        mentor_id: "b".into(),
                    }],
                    ..Default::default()
                }),
                dry_run: true,
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "veto",
            pb::VetoPairRequest {
                municipality_id: "kirovsky".into(),
                kind: pb::MatchKind::SchoolPartnerships as i32,
                mentee_id: "putilovo-oosh".into(),
                mentor_id: "putilovo-oosh".into(),
                reason: "same school".into(),
                request_id: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "schedule-settings",
            pb::UpdateScheduleSettingsRequest {
                settings: Some(pb::ScheduleSettings {
                    municipality_id: "kirovsky".into(),
                    methodical_days: vec![pb::AvailabilityWindow {
                        weekday: pb::Weekday::Thursday as i32,
                        start_minute: 780,
                        end_minute: 1020,
                    }],
                    non_working_days: vec!["2022-12-31".into()],
                    travel_speed_kmh: 30,
                    travel_buffer_minutes: 10,
                    frequencies: vec![pb::Frequency {
                        form: pb::MatchKind::TeacherPairs as i32,
                        session_kind: pb::SessionKind::LessonVisit as i32,
                        duration_minutes: 90,
                        per_week: 1,
                        every_weeks: 1,
                    }],
                    ..Default::default()
                }),
                request_id: String::new(),
                update_mask: None,
            }
            .encode_to_vec(),
        ),
        (
            "list-sessions",
            pb::ListSessionsRequest {
                municipality_id: "kirovsky".into(),
                page_size: 50,
                page_token: "0c6b69726f76736b79003230323200".into(),
                from: "2022-11-01".into(),
                to: "2022-12-01".into(),
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "approve",
            pb::ApproveMatchRunRequest {
                municipality_id: "kirovsky".into(),
                run_id: "run-0000000001".into(),
                note: "approved at the meeting of 1 November".into(),
                request_id: String::new(),
                effective_date: "2022-11-01".into(),
            }
            .encode_to_vec(),
        ),
    ]
}

#[test]
fn the_request_corpus_holds_the_seed_requests() {
    let dir = corpus_dir(REQUESTS);
    let update = std::env::var_os("UPDATE_FUZZ_CORPUS").is_some();
    for (name, bytes) in seed_requests() {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let stored = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{path:?}: {e} (UPDATE_FUZZ_CORPUS=1 writes it)"));
        assert_eq!(
            stored, bytes,
            "{path:?} is stale (UPDATE_FUZZ_CORPUS=1 rewrites it)"
        );
    }
}

/// Bytes that matter to the parsers: separators, quotes, line ends, a BOM, invalid UTF-8,
/// numbers at and past their limits, dates that are not.
const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xd0",
    b"\x00",
    b"\x1b",
    b" ",
    b"-1",
    b"0",
    b"4294967296",
    b"99999999999999999999",
    b"1e309",
    b"NaN",
    b"-0.0",
    b"2023-02-30",
    b"9999-12-31",
    b"-009999-01-01",
    b"2023-01-01T10:00+03:00",
    b"thu 14:00-17:00",
    b"mon 24:00-24:00",
    b"sun 23:59-00:00",
    b"in_person;online",
    b"low_results",
    b"leader",
    b"true",
    b"A",
    b"\xd0\x90",
    b"mathematics",
    b"kirovsky",
    b"putilovo-oosh",
    b"putilovo-oosh-t001",
    b"shlisselburg-sosh-1-t006",
];

/// One random edit of `data`: flip, insert, delete, duplicate, splice, or a token.
fn mutate(rng: &mut ChaCha8Rng, data: &mut Vec<u8>, others: &[(String, Vec<u8>)]) {
    let at = |rng: &mut ChaCha8Rng, len: usize| rng.random_range(0..=len);
    match rng.random_range(0..8) {
        0 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            data[i] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            let i = at(rng, data.len());
            data.insert(i, rng.random());
        }
        2 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            let n = rng.random_range(1..=16).min(data.len() - i);
            data.drain(i..i + n);
        }
        3 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            let n = rng.random_range(1..=64).min(data.len() - i);
            let chunk = data[i..i + n].to_vec();
            let j = at(rng, data.len());
            data.splice(j..j, chunk);
        }
        4 => {
            let (_, other) = &others[rng.random_range(0..others.len())];
            if !other.is_empty() {
                let i = rng.random_range(0..other.len());
                let n = rng.random_range(1..=128).min(other.len() - i);
                let j = at(rng, data.len());
                data.splice(j..j, other[i..i + n].iter().copied());
            }
        }
        5 if !data.is_empty() => {
            // Overwrite a byte with a boundary value.
            let i = rng.random_range(0..data.len());
            data[i] = [0x00, 0x01, 0x7f, 0x80, 0xff, b'0', b'9'][rng.random_range(0..7)];
        }
        _ => {
            let t = TOKENS[rng.random_range(0..TOKENS.len())];
            let j = at(rng, data.len());
            data.splice(j..j, t.iter().copied());
        }
    }
}

/// Inputs made from the corpus by a few random edits each, plus some made from nothing.
fn inputs(seed: u64, n: usize, base: &[(String, Vec<u8>)]) -> Vec<Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let mut data = if i % 10 == 9 {
                // From nothing: random bytes and tokens.
                let len = rng.random_range(0..200);
                (0..len).map(|_| rng.random()).collect()
            } else {
                base[rng.random_range(0..base.len())].1.clone()
            };
            for _ in 0..rng.random_range(1..=8) {
                mutate(&mut rng, &mut data, base);
            }
            data
        })
        .collect()
}

#[test]
fn seeded_random_csv_files_import_cleanly() {
    let base = corpus(CSV);
    for (i, data) in inputs(0x00c5_f11e, 600, &base).iter().enumerate() {
        run(&format!("{CSV} random input {i}"), import_csv, data);
    }
}

#[test]
fn seeded_random_requests_validate_cleanly() {
    let base = corpus(REQUESTS);
    for (i, data) in inputs(0x4e9_0e57, 4000, &base).iter().enumerate() {
        run(
            &format!("{REQUESTS} random input {i}"),
            validate_request,
            data,
        );
    }
    // Structured: random field values in otherwise well-formed messages, which byte edits
    // rarely reach (an enum of 99, a date of February 30th, a 20 kB name).
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
    let text = |rng: &mut ChaCha8Rng| -> String {
        match rng.random_range(0..6) {
            0 => String::new(),
            1 => "x".repeat(rng.random_range(100..20_000)),
            2 => String::from_utf8_lossy(TOKENS[rng.random_range(0..TOKENS.len())]).into_owned(),
            3 => (0..rng.random_range(1..20))
                .map(|_| char::from_u32(rng.random_range(0..0x500)).unwrap_or('?'))
                .collect(),
            _ => [
                "kirovsky",
                "putilovo-oosh",
                "mathematics",
                "2023-01-01",
                "2022-11-10T14:00",
            ][rng.random_range(0..5)]
            .to_string(),
        }
    };
    let int = |rng: &mut ChaCha8Rng| -> i32 {
        [0, 1, 2, 3, 4, 5, 7, 12, 13, 99, -1, i32::MIN, i32::MAX][rng.random_range(0..13)]
    };
    for i in 0..1000 {
        let msgs: Vec<Vec<u8>> = vec![
            pb::CreateSchoolRequest {
                municipality_id: text(&mut rng),
                school: Some(pb::School {
                    id: text(&mut rng),
                    name: text(&mut rng),
                    kind: int(&mut rng),
                    status: int(&mut rng),
                    flags: vec![int(&mut rng)],
                    programme_tags: vec![text(&mut rng)],
                    locality: text(&mut rng),
                    location: Some(pb::GeoPoint {
                        lat: [0.0, 91.0, f64::NAN, f64::INFINITY, -90.0][rng.random_range(0..5)],
                        lon: rng.random_range(-200.0..200.0),
                    }),
                    risk_profile: vec![pb::RiskFactorValue {
                        factor: int(&mut rng),
                        significance: int(&mut rng),
                    }],
                    partner_capacity: Some(int(&mut rng) as u32),
                    platforms: [(text(&mut rng), int(&mut rng) as u32)].into(),
                    status_since: text(&mut rng),
                    ..Default::default()
                }),
                request_id: text(&mut rng),
            }
            .encode_to_vec(),
            pb::CreateSessionRequest {
                municipality_id: text(&mut rng),
                session: Some(pb::Session {
                    id: text(&mut rng),
                    mentorship_id: text(&mut rng),
                    kind: int(&mut rng),
                    start: text(&mut rng),
                    duration_minutes: int(&mut rng) as u32,
                    mode: int(&mut rng),
                    school_id: text(&mut rng),
                    place: text(&mut rng),
                    mentee_ids: vec![text(&mut rng)],
                    topics: vec![text(&mut rng)],
                    status: int(&mut rng),
                    ..Default::default()
                }),
                request_id: text(&mut rng),
            }
            .encode_to_vec(),
            pb::RunMatchingRequest {
                municipality_id: text(&mut rng),
                kind: int(&mut rng),
                weights: Some(pb::Weights {
                    severity_a: Some(i64::from(int(&mut rng)) * 1000),
                    ..Default::default()
                }),
                policy: Some(pb::Policy {
                    levels: vec![int(&mut rng)],
                    max_candidates: Some(int(&mut rng) as u32),
                    group_min_size: Some(int(&mut rng) as u32),
                    group_max_size: Some(int(&mut rng) as u32),
                    group_capacity: int(&mut rng),
                    ..Default::default()
                }),
                request_id: text(&mut rng),
                ..Default::default()
            }
            .encode_to_vec(),
            pb::ListSessionsRequest {
                municipality_id: text(&mut rng),
                page_size: int(&mut rng),
                page_token: text(&mut rng),
                from: text(&mut rng),
                to: text(&mut rng),
                ..Default::default()
            }
            .encode_to_vec(),
        ];
        for (j, m) in msgs.iter().enumerate() {
            run(&format!("structured request {i}.{j}"), validate_request, m);
        }
    }
}
