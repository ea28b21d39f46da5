//! Measuring and generating: the matcher and sessions benchmarks, the load test, example data.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{done, init_logging, CliError, CliResult};
use crate::config::LogFormat;
use crate::synth::Scale;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which size; `all` runs each in its own process (separate peak memory).
    #[arg(long, default_value = "all")]
    size: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Regions solved at once.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print the table header.
    #[arg(long)]
    header: bool,
    /// Instead: grouping quality against the exhaustive best on small instances.
    #[arg(long)]
    grouping: bool,
    /// Instead: sessions end to end (schedule, accept, record, reports) on a synthetic
    /// municipality, through a real server on a temporary store.
    #[arg(long)]
    sessions: bool,
    /// Instead: a region's nightly rematch after a day of re-diagnosis (2%), against a cold
    /// solve.
    #[arg(long)]
    rematch: bool,
    /// Instead: every page of the web console at region scale (40 municipalities, 50,000
    /// teachers, the region's pairs approved), fetched over the loopback, `--rounds` times each.
    #[arg(long)]
    console: bool,
    /// Fetches of each console page (after one to warm it).
    #[arg(long, default_value_t = 9)]
    rounds: usize,
    /// Also write the (first) region's whole teacher-pair problem to FILE, in the export
    /// shape (gzipped for .gz), for an independent solver (bench/independent.sh).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    /// Print the figures as one JSON object instead of a table row.
    #[arg(long)]
    json: bool,
}

pub async fn bench(a: BenchArgs) -> CliResult {
    if a.console {
        init_logging(LogFormat::Text, "warn");
        let rounds = a.rounds.max(1);
        let f = crate::bench_console::run(a.seed, rounds).await?;
        crate::bench_console::print(&f, rounds);
        return done();
    }
    if a.rematch {
        crate::bench::rematch(a.seed, 20)?;
        return done();
    }
    if a.sessions {
        let f = crate::bench::sessions(a.seed).await?;
        crate::bench::print_sessions(&f);
        return done();
    }
    if a.grouping {
        let (n, mean, worst) = crate::bench::grouping_quality(a.seed, 500);
        println!(
            "grouping quality / exhaustive best, {n} random instances of 6-9 mentees (9-dimensional profiles), groups of 3-5: mean {mean:.3}, worst {worst:.3}"
        );
        return done();
    }
    if a.size == "all" {
        return every_size(a.seed, a.threads);
    }
    let scale = match a.size.as_str() {
        "municipality" => Scale::Municipality,
        "region" => Scale::Region,
        "nation" => Scale::Nation,
        other => {
            return Err(CliError::Usage(crate::i18n::tr(
                "usage-bench-size",
                &[("value", crate::i18n::s(other))],
            )))
        }
    };
    let (f, wall) = crate::bench::run(scale, a.seed, a.threads, a.export.as_deref())?;
    if a.json {
        crate::bench::print_json(scale, &f, wall);
    } else {
        crate::bench::print(scale, &f, wall, a.header);
    }
    done()
}

/// Each size in a process of its own, so each peak memory figure is its own.
fn every_size(seed: u64, threads: usize) -> CliResult {
    let exe = std::env::current_exe().map_err(|e| CliError::Failed(e.to_string()))?;
    for (i, s) in ["municipality", "region", "nation"].iter().enumerate() {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args([
            "bench",
            "--size",
            s,
            "--seed",
            &seed.to_string(),
            "--threads",
            &threads.to_string(),
        ]);
        if i == 0 {
            cmd.arg("--header");
        }
        let status = cmd.status().map_err(|e| CliError::io(&exe, e))?;
        if !status.success() {
            return Err(CliError::Failed(format!("bench --size {s} failed")));
        }
    }
    done()
}

#[derive(Debug, Args)]
pub struct LoadtestArgs {
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Closed-loop reading clients, each with its own token.
    #[arg(long, default_value_t = 32)]
    readers: usize,
    /// Closed-loop writing clients.
    #[arg(long, default_value_t = 2)]
    writers: usize,
    /// TCP connections the clients share.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub async fn loadtest(a: LoadtestArgs) -> CliResult {
    init_logging(LogFormat::Text, "warn");
    let o = crate::loadtest::Options {
        seconds: a.seconds.max(2),
        readers: a.readers,
        writers: a.writers,
        connections: a.connections,
        seed: a.seed,
    };
    let r = crate::loadtest::run(o.clone(), |m| eprintln!("{m}")).await?;
    crate::loadtest::print(&o, &r);
    done()
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Synthetic data at scale (municipality, region or nation), one directory of import
    /// CSVs per municipality.
    Synthetic {
        #[arg(value_enum)]
        size: Scale,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The Kirovsky district example (real schools and partnerships, generated staff).
    Kirovsky {
        /// Output directory.
        #[arg(long, default_value = "examples/kirovsky")]
        out: PathBuf,
        /// Output directory of the second round (spring 2023 re-diagnosis, new statuses).
        #[arg(long, default_value = "examples/kirovsky-2023")]
        followup_out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Directory with kirovsky-district.json and labinsk-deficits.csv
        /// [default: ../shared/fixtures beside the source tree].
        #[arg(long)]
        fixtures: Option<PathBuf>,
    },
}

pub fn gen(command: GenCommand) -> CliResult {
    match command {
        GenCommand::Synthetic { size, out, seed } => {
            let (munis, teachers) = crate::synth::write(size, seed, &out, |done, total| {
                if done % 10 == 0 || done == total {
                    eprintln!("{done}/{total} municipalities");
                }
            })
            .map_err(|e| CliError::Failed(e.to_string()))?;
            println!(
                "wrote {munis} municipalities, {teachers} teachers under {}",
                out.display()
            );
        }
        GenCommand::Kirovsky {
            out,
            followup_out,
            seed,
            fixtures,
        } => kirovsky(&out, &followup_out, seed, fixtures)?,
    }
    done()
}

fn kirovsky(
    out: &std::path::Path,
    followup_out: &std::path::Path,
    seed: u64,
    fixtures: Option<PathBuf>,
) -> Result<(), CliError> {
    use crate::gen;
    let failed = |e: gen::GenError| CliError::Failed(e.to_string());
    let fixtures = fixtures.unwrap_or_else(gen::default_fixtures_dir);
    let data = gen::kirovsky(&fixtures, seed).map_err(failed)?;
    gen::write_dataset(&data, out).map_err(failed)?;
    let followup = gen::kirovsky_followup(&data, seed);
    gen::write_followup(&followup, followup_out).map_err(failed)?;
    println!(
        "wrote {}: the spring 2023 round ({} diagnostics, {} schools)",
        followup_out.display(),
        followup.diagnostics.len(),
        followup.schools.len()
    );
    println!(
        "wrote {}: {} schools, {} teachers, {} mentor profiles, {} diagnostics, {} partnerships",
        out.display(),
        data.schools.len(),
        data.teachers.len(),
        data.profiles.len(),
        data.diagnostics.len(),
        data.partnerships.len()
    );
    Ok(())
}
