//! Seeded synthetic data at scale: `peerlift gen municipality|region|nation`.
//!
//! Shaped by the seed figures: a third of the schools with low results (32.5%, the regional
//! average of seed 001) and a tenth at risk; deficit levels of their teachers drawn from the
//! Labinsk table subject by subject; rural distances (settlements spread over a municipality
//! about 35 km across); mentors' capacities of 1-3; small basic schools whose teachers teach
//! two or three subjects. A region is 40 municipalities of 50 schools; the nation is 20
//! regions. Every municipality is generated from its own seed (derived from the run's seed and
//! its position), so a region can be generated, or regenerated, alone and in parallel.

use std::path::Path;

use jiff::civil::Date;
use peerlift_domain::*;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::gen::{Dataset, DeficitShares, GenError};

/// The three sizes of the scale targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// 50 schools, 1,500 teachers.
    Municipality,
    /// 2,000 schools, 50,000 teachers (40 municipalities).
    Region,
    /// 40,000 schools, 1,000,000 teachers (20 regions).
    Nation,
}

impl Scale {
    pub fn regions(self) -> usize {
        match self {
            Scale::Nation => 20,
            _ => 1,
        }
    }

    pub fn municipalities_per_region(self) -> usize {
        match self {
            Scale::Municipality => 1,
            _ => 40,
        }
    }

    pub fn teachers_per_municipality(self) -> usize {
        match self {
            Scale::Municipality => 1500,
            _ => 1250,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scale::Municipality => "municipality",
            Scale::Region => "region",
            Scale::Nation => "nation",
        }
    }
}

pub const SCHOOLS_PER_MUNICIPALITY: usize = 50;

/// Competence areas scored, with the Sayansk 2016-17 shares as means.
const AREAS: &[(&str, f64)] = &[
    ("methodological", 0.54),
    ("methodical", 0.573),
    ("technological", 0.42),
    ("assessment", 0.766),
    ("diagnostic", 0.387),
    ("design", 0.661),
    ("reflective", 0.556),
    ("inclusive", 0.273),
];

const ROUND: Date = Date::constant(2022, 10, 14);

/// The Labinsk table, compiled in so the generator needs no files (the example generator
/// reads the fixture; a test checks the two agree).
pub fn labinsk() -> Vec<DeficitShares> {
    [
        ("russian", [8, 16, 12, 0]),
        ("mathematics", [6, 14, 11, 1]),
        ("foreign_language", [14, 11, 8, 0]),
        ("informatics", [8, 5, 5, 0]),
        ("physics", [4, 6, 7, 0]),
        ("chemistry", [3, 4, 7, 2]),
        ("biology", [4, 6, 7, 1]),
        ("history", [9, 5, 9, 0]),
        ("social_studies", [6, 5, 10, 0]),
        ("geography", [3, 7, 8, 0]),
    ]
    .into_iter()
    .map(|(s, c)| DeficitShares {
        subject: s.to_string(),
        counts: c,
    })
    .collect()
}

fn draw_level(rng: &mut ChaCha8Rng, counts: [u32; 4]) -> Level {
    let total: u32 = counts.iter().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (i, c) in counts.iter().enumerate() {
        if x < *c {
            return Level::ALL[i];
        }
        x -= c;
    }
    Level::D
}

fn weighted<'a>(rng: &mut ChaCha8Rng, items: &'a [(String, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (s, w) in items {
        if x < *w {
            return s;
        }
        x -= w;
    }
    items
        .last()
        .map(|(s, _)| s.as_str())
        .unwrap_or("mathematics")
}

/// Generates municipality `m` of region `r`.
pub fn municipality(scale: Scale, seed: u64, r: usize, m: usize) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(
        seed ^ ((r as u64) << 32) ^ ((m as u64) << 8) ^ 0x9e37_79b9_7f4a_7c15,
    );
    let shares = labinsk();
    let mut subject_weights: Vec<(String, u32)> = shares
        .iter()
        .map(|s| (s.subject.clone(), s.counts.iter().sum()))
        .collect();
    let listed: u32 = subject_weights.iter().map(|(_, w)| *w).sum();
    subject_weights.push(("primary_school".into(), listed / 4));
    let epoch = Meta::new(jiff::Timestamp::UNIX_EPOCH);
    let muni_id = format!("r{r:02}-m{m:02}");
    let municipality = Municipality {
        id: muni_id.clone(),
        name: format!("Municipality {m} of region {r}"),
        region: format!("region-{r:02}"),
        time_zone: "Europe/Moscow".into(),
        meta: epoch.clone(),
    };
    // Regions sit far apart; municipalities tile a region 8 x 5, about 35 km a cell.
    let (rlat, rlon) = (48.0 + (r % 5) as f64 * 4.0, 30.0 + (r / 5) as f64 * 10.0);
    let (mlat, mlon) = (rlat + (m % 8) as f64 * 0.32, rlon + (m / 8) as f64 * 0.56);
    let localities: Vec<(String, f64, f64)> = (0..rng.random_range(10..=16))
        .map(|i| {
            (
                format!("{muni_id}-loc{i:02}"),
                mlat + rng.random_range(0.0..0.32),
                mlon + rng.random_range(0.0..0.56),
            )
        })
        .collect();

    let mut schools = Vec::new();
    let mut weights = Vec::new();
    for i in 0..SCHOOLS_PER_MUNICIPALITY {
        let x: f64 = rng.random();
        let status = if x < 0.325 {
            SchoolStatus::LowResults
        } else if x < 0.425 {
            SchoolStatus::AtRisk
        } else if x < 0.545 {
            SchoolStatus::Leader
        } else {
            SchoolStatus::Stable
        };
        let y: f64 = rng.random();
        let kind = if y < 0.3 {
            SchoolKind::Basic
        } else if y < 0.9 {
            SchoolKind::Secondary
        } else {
            SchoolKind::Gymnasium
        };
        // The first locality is the town: a third of the schools are there.
        let loc = if rng.random_bool(0.33) {
            &localities[0]
        } else {
            localities.choose(&mut rng).unwrap_or(&localities[0])
        };
        let mut risk = RiskProfile::default();
        if matches!(status, SchoolStatus::LowResults | SchoolStatus::AtRisk) {
            for _ in 0..rng.random_range(2..=5) {
                let f = rng.random_range(0..10);
                risk.0[f] = *[Significance::Low, Significance::Medium, Significance::High]
                    .choose(&mut rng)
                    .unwrap_or(&Significance::Medium);
            }
        }
        let mut s = School {
            municipality_id: muni_id.clone(),
            id: format!("{muni_id}-s{i:03}"),
            name: format!("School {i} of {muni_id}"),
            kind,
            status,
            flags: Default::default(),
            programme_tags: Default::default(),
            locality: loc.0.clone(),
            location: Some(GeoPoint {
                lat: loc.1 + rng.random_range(-0.01..0.01),
                lon: loc.2 + rng.random_range(-0.01..0.01),
            }),
            risk_profile: risk,
            partner_capacity: None,
            platforms: Default::default(),
            status_history: Vec::new(),
            meta: epoch.clone(),
        };
        s.record_status(None, Date::constant(2021, 9, 1));
        weights.push(if kind == SchoolKind::Basic {
            1
        } else {
            rng.random_range(2..=4)
        });
        schools.push((s, Date::constant(2021, 9, 1)));
    }
    // Teachers per school: the municipality's total split by size weights, exactly.
    let total = scale.teachers_per_municipality();
    let wsum: u32 = weights.iter().sum();
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| total * *w as usize / wsum as usize)
        .collect();
    let mut rest = total - counts.iter().sum::<usize>();
    let n = counts.len();
    let mut i = 0;
    while rest > 0 {
        counts[i % n] += 1;
        rest -= 1;
        i += 1;
    }

    let mut teachers = Vec::new();
    let mut diagnostics = Vec::new();
    let mut profiles = Vec::new();
    let directions: Vec<&str> = CatalogKind::Direction
        .builtin()
        .iter()
        .map(|(c, _)| *c)
        .collect();
    for ((school, _), n) in schools.iter().zip(&counts) {
        let basic = school.kind == SchoolKind::Basic;
        for t in 0..*n {
            let mut subjects = vec![weighted(&mut rng, &subject_weights).to_string()];
            if subjects[0] != "primary_school" {
                let extra = if basic { 0.35 } else { 0.1 };
                for _ in 0..2 {
                    if rng.random_bool(extra) {
                        let s = weighted(&mut rng, &subject_weights[..subject_weights.len() - 1]);
                        if !subjects.iter().any(|x| x == s) {
                            subjects.push(s.to_string());
                        }
                    }
                }
            }
            let id = format!("{}-t{t:02}", school.id);
            let mut strong = Vec::new();
            for subject in &subjects {
                let counts = match school.status {
                    SchoolStatus::LowResults | SchoolStatus::AtRisk => shares
                        .iter()
                        .find(|s| &s.subject == subject)
                        .map(|s| s.counts)
                        .unwrap_or([65, 79, 84, 4]),
                    SchoolStatus::Leader => [0, 5, 35, 60],
                    SchoolStatus::Stable => [5, 15, 40, 40],
                };
                let level = draw_level(&mut rng, counts);
                if level == Level::D {
                    strong.push(subject.clone());
                }
                let shift = match level {
                    Level::A => -0.2,
                    Level::B => -0.1,
                    Level::C => 0.0,
                    Level::D => 0.15,
                };
                let scores = AREAS
                    .iter()
                    .map(|(a, mean)| {
                        let x: f64 = mean + shift + rng.random_range(-0.15..0.15);
                        (a.to_string(), (x.clamp(0.0, 1.0) * 100.0).round() / 100.0)
                    })
                    .collect();
                diagnostics.push(Diagnostic {
                    municipality_id: muni_id.clone(),
                    id: Diagnostic::derived_id(&id, subject, ROUND),
                    teacher_id: id.clone(),
                    subject: subject.clone(),
                    date: ROUND,
                    level,
                    scores,
                    source: "synthetic".into(),
                    meta: epoch.clone(),
                });
            }
            let helps = matches!(school.status, SchoolStatus::Leader | SchoolStatus::Stable);
            if helps && !strong.is_empty() && rng.random_bool(0.35) {
                let mut modes = std::collections::BTreeSet::new();
                if rng.random_bool(0.8) {
                    modes.insert(Mode::InPerson);
                }
                if modes.is_empty() || rng.random_bool(0.5) {
                    modes.insert(Mode::Online);
                }
                let mut p = MentorProfile {
                    municipality_id: muni_id.clone(),
                    teacher_id: id.clone(),
                    subjects: strong,
                    directions: vec![directions
                        .choose(&mut rng)
                        .unwrap_or(&"subject_content")
                        .to_string()],
                    capacity: rng.random_range(1..=3),
                    modes,
                    availability: vec![Window {
                        weekday: Weekday::Thursday,
                        start_minute: 14 * 60,
                        end_minute: 17 * 60,
                    }],
                    meta: epoch.clone(),
                };
                p.normalise();
                profiles.push(p);
            }
            teachers.push(Teacher {
                municipality_id: muni_id.clone(),
                id,
                school_id: school.id.clone(),
                full_name: format!("Teacher {t} of {}", school.id),
                subjects,
                active: true,
                // Most teachers accept a video call with a mentor from elsewhere.
                accepts_online: rng.random_bool(0.85),
                position: Default::default(),
                meta: epoch.clone(),
            });
        }
    }
    Dataset {
        municipality,
        schools,
        teachers,
        profiles,
        diagnostics,
        partnerships: Vec::new(),
    }
}

/// All municipalities of region `r`.
pub fn region(scale: Scale, seed: u64, r: usize) -> Vec<Dataset> {
    (0..scale.municipalities_per_region())
        .map(|m| municipality(scale, seed, r, m))
        .collect()
}

/// Merges datasets into one matching snapshot (a region run).
pub fn snapshot(sets: Vec<Dataset>) -> peerlift_match::Snapshot {
    let mut s = peerlift_match::Snapshot::default();
    for d in sets {
        s.schools.extend(d.schools.into_iter().map(|(x, _)| x));
        s.teachers.extend(d.teachers);
        s.profiles.extend(d.profiles);
        s.diagnostics.extend(d.diagnostics);
    }
    s
}

/// Writes a scale's data as import CSVs, one directory per municipality.
pub fn write(
    scale: Scale,
    seed: u64,
    out: &Path,
    progress: impl Fn(usize, usize),
) -> Result<(usize, usize), GenError> {
    let total = scale.regions() * scale.municipalities_per_region();
    let mut done = 0;
    let mut teachers = 0;
    for r in 0..scale.regions() {
        for m in 0..scale.municipalities_per_region() {
            let d = municipality(scale, seed, r, m);
            teachers += d.teachers.len();
            let dir = if scale == Scale::Municipality {
                out.to_path_buf()
            } else {
                out.join(&d.municipality.id)
            };
            crate::gen::write_dataset(&d, &dir)?;
            done += 1;
            progress(done, total);
        }
    }
    Ok((done, teachers))
}

/// Writes the first `count` municipalities of region 0 of `scale`, one directory each, as
/// `write` does for the whole region: a smaller region for end-to-end tests.
pub fn write_first(scale: Scale, seed: u64, out: &Path, count: usize) -> Result<usize, GenError> {
    let mut teachers = 0;
    for m in 0..count.min(scale.municipalities_per_region()) {
        let d = municipality(scale, seed, 0, m);
        teachers += d.teachers.len();
        crate::gen::write_dataset(&d, &out.join(&d.municipality.id))?;
    }
    Ok(teachers)
}

/// Active mentorships made from a run's pairs, as if it had been approved on `started`: the
/// starting point of rematch tests and benchmarks.
pub fn actives_from(
    snap: &peerlift_match::Snapshot,
    pairs: &[ProposedPair],
    kind: MatchKind,
    started: Date,
) -> Vec<Mentorship> {
    let home: std::collections::HashMap<&str, &str> = snap
        .teachers
        .iter()
        .map(|x| (x.id.as_str(), x.municipality_id.as_str()))
        .collect();
    pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mentor_muni = home.get(p.mentor_id.as_str()).copied().unwrap_or_default();
            Mentorship {
                municipality_id: p.municipality_id.clone(),
                id: format!("ms-{i:06}"),
                kind,
                mentee_id: p.mentee_id.clone(),
                mentor_id: p.mentor_id.clone(),
                mentor_municipality_id: if mentor_muni == p.municipality_id {
                    String::new()
                } else {
                    mentor_muni.to_string()
                },
                subject: p.subject.clone(),
                mode: p.mode,
                partnership_type: p.partnership_type,
                locked: false,
                status: MentorshipStatus::Active,
                started_on: started,
                ended_on: None,
                end_reason: Default::default(),
                origin: Origin::Run("run-1".into()),
                score: p.score,
                members: p.members.clone(),
                charter: Default::default(),
                meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
            }
        })
        .collect()
}

/// A day of re-diagnosis: `per_mille` of the teacher-subjects get a new diagnostic on `day`
/// with a level drawn at random (seeded). Returns the new diagnostics (already added).
pub fn rediagnose(
    snap: &mut peerlift_match::Snapshot,
    per_mille: usize,
    seed: u64,
    day: Date,
) -> Vec<Diagnostic> {
    use rand::seq::SliceRandom;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picks: Vec<usize> = (0..snap.diagnostics.len()).collect();
    picks.shuffle(&mut rng);
    let n = snap.diagnostics.len() * per_mille / 1000;
    let mut changed = Vec::with_capacity(n);
    for &i in &picks[..n] {
        let d = &snap.diagnostics[i];
        let level = Level::ALL[rng.random_range(0..4)];
        changed.push(Diagnostic {
            id: Diagnostic::derived_id(&d.teacher_id, &d.subject, day),
            date: day,
            level,
            ..d.clone()
        });
    }
    snap.diagnostics.extend(changed.iter().cloned());
    changed
}
