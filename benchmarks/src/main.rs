//! `sampo-bench`: the Sampo benchmark harness.
//!
//! - `list [targets|samplers|metrics|figures]`
//! - `sample --target SPEC --sampler SPEC --n N --seed S [--budget EVALS] --out FILE`
//! - `compare A.csv (B.csv | --target SPEC) [--metrics w2,mmd,...]`
//! - `run SUITE.toml [--out DIR] [--threads N]`
//! - `figure NAME [--out DIR]`
//! - `throughput [--target SPEC --sampler SPEC --particles N --steps K --threads 1,2]`
//!
//! Exit code 0 on success, 1 on error, 130 when interrupted (finished results kept).

mod compare;
mod error;
mod figures;
mod io;
mod measure;
mod plots;
mod progress;
mod report;
mod sampler;
mod spec;
mod suite;
mod throughput;

pub use error::BenchError;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "sampo-bench", version, about = "Sampo benchmark harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists targets, samplers, metrics or figures.
    List {
        /// `targets`, `samplers`, `metrics` or `figures` (default: all).
        what: Option<String>,
    },
    /// Samples one sampler on one target and writes the samples (CSV, or .npy).
    Sample {
        /// Target preset or TOML file with a [target] table.
        #[arg(long)]
        target: String,
        /// Sampler name or TOML file with a [sampler] table.
        #[arg(long)]
        sampler: String,
        /// Number of output samples.
        #[arg(long, default_value_t = 2000)]
        n: usize,
        /// Master seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Gradient evaluations per output sample.
        #[arg(long, default_value_t = 1000)]
        budget: u64,
        /// Chains (default: one per output sample).
        #[arg(long)]
        chains: Option<usize>,
        /// Step size override.
        #[arg(long)]
        step_size: Option<f64>,
        /// Chains start at N(0, s² I).
        #[arg(long, default_value_t = 1.0)]
        init_scale: f64,
        /// Output file (.csv or .npy).
        #[arg(long)]
        out: PathBuf,
    },
    /// Compares sample files (or a file with a target's exact samples); prints JSON.
    Compare {
        /// Samples to assess.
        a: PathBuf,
        /// Reference samples (or give --target).
        b: Option<PathBuf>,
        /// Compare with fresh exact samples of this target (adds noise floors).
        #[arg(long)]
        target: Option<String>,
        /// Metrics, comma-separated (see `list metrics`).
        #[arg(long, value_delimiter = ',')]
        metrics: Option<Vec<String>>,
        /// Seed of the exact reference samples and randomized metrics.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Repeats of the noise floor (with --target).
        #[arg(long, default_value_t = 3)]
        floor_repeats: usize,
    },
    /// Runs a suite (samplers × targets × budgets × seeds).
    Run {
        /// The suite file.
        suite: String,
        /// Output folder (default out/<suite name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Regenerates a paper figure with the numbers behind it.
    Figure {
        /// Figure name (see `list figures`).
        name: String,
        /// Output folder.
        #[arg(long, default_value = "out/figures")]
        out: PathBuf,
    },
    /// Batched Langevin throughput; one JSON line per case. Without --target and
    /// --sampler: ULA and MALA on gmm40-fab and gmm100.
    Throughput {
        /// Target preset or TOML file (default: gmm40-fab and gmm100).
        #[arg(long)]
        target: Option<String>,
        /// Sampler name or TOML file (default: ula and mala).
        #[arg(long)]
        sampler: Option<String>,
        /// Step size override.
        #[arg(long)]
        step_size: Option<f64>,
        /// Number of particles.
        #[arg(long, default_value_t = 4096)]
        particles: usize,
        /// Steps per particle.
        #[arg(long, default_value_t = 1000)]
        steps: u64,
        /// Thread counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// Master seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Repetitions per case (interleaved over thread counts); the median is reported.
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ BenchError::Interrupted { .. }) => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_list(title: &str, items: &[(&str, &str)]) {
    println!("{title}:");
    for (n, d) in items {
        println!("  {n:<22} {d}");
    }
}

fn run(cli: Cli) -> Result<(), BenchError> {
    match cli.command {
        Command::List { what } => {
            let what = what.as_deref().unwrap_or("all");
            let all = what == "all";
            if !matches!(what, "all" | "targets" | "samplers" | "metrics" | "figures") {
                return Err(BenchError::UnknownName {
                    what: "list",
                    name: what.into(),
                    valid: "targets, samplers, metrics, figures".into(),
                });
            }
            if all || what == "targets" {
                print_list("targets", &sampo_targets::preset_descriptions());
            }
            if all || what == "samplers" {
                print_list("samplers", sampler::SAMPLER_NAMES);
            }
            if all || what == "metrics" {
                print_list("metrics", measure::METRICS);
            }
            if all || what == "figures" {
                print_list("figures", figures::FIGURES);
            }
            Ok(())
        }
        Command::Sample {
            target,
            sampler,
            n,
            seed,
            budget,
            chains,
            step_size,
            init_scale,
            out,
        } => {
            let handle = spec::target(&target)?;
            let cfg = spec::sampler(&sampler, step_size)?;
            let counted = sampo_core::Counted::new(handle.target.as_ref());
            let req = sampler::Request {
                n,
                budget,
                chains,
                seed,
                init_scale,
            };
            let flag = progress::stop_flag();
            let run = sampler::run(
                &counted,
                &cfg,
                &req,
                Some(Box::new(sampo_core::StopFlag(flag))),
            )?;
            io::write_samples(&out, &run.samples)?;
            let info = serde_json::json!({
                "out": out, "target": handle.name, "sampler": cfg.kind(), "n": run.samples.len(),
                "dim": run.samples.dim(), "seed": seed, "evaluations": run.evaluations,
                "wall_s": run.wall_time_secs,
            });
            println!("{info}");
            Ok(())
        }
        Command::Compare {
            a,
            b,
            target,
            metrics,
            seed,
            floor_repeats,
        } => {
            let reference = match (&b, &target) {
                (Some(b), None) => compare::Reference::File(b),
                (None, Some(t)) => compare::Reference::Target(t),
                _ => {
                    return Err(BenchError::Usage(
                        "give either a second sample file or --target, not both".into(),
                    ));
                }
            };
            let metrics = metrics.unwrap_or_else(|| {
                compare::DEFAULT_METRICS
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            });
            let doc = compare::compare(&a, reference, &metrics, seed, floor_repeats)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("plain data")
            );
            Ok(())
        }
        Command::Run {
            suite: path,
            out,
            threads,
        } => {
            let s = suite::Suite::load(&path)?;
            let out = out.unwrap_or_else(|| suite::default_out(&s));
            match threads {
                Some(0) => Err(BenchError::Usage("--threads must be >= 1".into())),
                Some(t) => rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .map_err(|e| BenchError::Usage(format!("cannot start {t} threads: {e}")))?
                    .install(|| suite::run(&s, &out)),
                None => suite::run(&s, &out),
            }
        }
        Command::Figure { name, out } => figures::run(&name, &out),
        Command::Throughput {
            target,
            sampler,
            step_size,
            particles,
            steps,
            threads,
            seed,
            repeat,
        } => {
            if particles == 0 || steps == 0 || repeat == 0 {
                return Err(BenchError::Usage(
                    "--particles, --steps and --repeat must be >= 1".into(),
                ));
            }
            if threads.contains(&0) {
                return Err(BenchError::Usage("--threads entries must be >= 1".into()));
            }
            let targets = target.map_or(vec!["gmm40-fab".into(), "gmm100".into()], |t| vec![t]);
            let samplers = sampler.map_or(vec!["ula".into(), "mala".into()], |s| vec![s]);
            for t in &targets {
                for s in &samplers {
                    let mut runs: Vec<Vec<throughput::Case>> =
                        threads.iter().map(|_| Vec::new()).collect();
                    for _ in 0..repeat {
                        for (i, &th) in threads.iter().enumerate() {
                            runs[i].push(throughput::measure(
                                t, s, step_size, particles, steps, th, seed,
                            )?);
                        }
                    }
                    for r in runs {
                        let case = throughput::median(r);
                        println!("{}", serde_json::to_string(&case).expect("plain data"));
                    }
                }
            }
            Ok(())
        }
    }
}
