//! `sampo-bench`: the Sampo benchmark harness.
//!
//! - `sampo-bench quick`: the main job (Langevin samplers on four presets).
//! - `sampo-bench throughput`: particle-steps per second of batched Langevin updates.
//! - `sampo-bench list [targets|samplers]`: what names are valid.

mod error;
mod quick;
mod spec;
mod throughput;

pub use error::BenchError;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "sampo-bench", version, about = "Sampo benchmark harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The quick job: ULA and MALA on 8 Gaussians, GMM40, funnel and many-well.
    Quick {
        /// Master seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Batched Langevin throughput; prints one JSON line per case. Without --target
    /// and --sampler it runs the standard cases (ULA and MALA on gmm40-fab and gmm100).
    Throughput {
        /// Target preset or TOML file (default: gmm40-fab and gmm100).
        #[arg(long)]
        target: Option<String>,
        /// Sampler kind (ula, mala, underdamped) or TOML file (default: ula and mala).
        #[arg(long)]
        sampler: Option<String>,
        /// Step size for a named sampler (default 0.05).
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
    /// Lists valid target or sampler names.
    List {
        /// `targets` or `samplers` (default: both).
        what: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), BenchError> {
    match cli.command {
        Command::Quick { seed } => quick::run(seed),
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
            if particles == 0 || steps == 0 {
                return Err(BenchError::Usage(
                    "--particles and --steps must be >= 1".into(),
                ));
            }
            if repeat == 0 {
                return Err(BenchError::Usage("--repeat must be >= 1".into()));
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
        Command::List { what } => {
            let what = what.as_deref().unwrap_or("all");
            if !matches!(what, "all" | "targets" | "samplers") {
                return Err(BenchError::Usage(format!(
                    "unknown list `{what}`; valid: targets, samplers"
                )));
            }
            if matches!(what, "all" | "targets") {
                println!("targets:");
                for (name, desc) in sampo_targets::preset_descriptions() {
                    println!("  {name:<22} {desc}");
                }
            }
            if matches!(what, "all" | "samplers") {
                println!("samplers:");
                for name in spec::SAMPLER_NAMES {
                    println!("  {name}");
                }
            }
            Ok(())
        }
    }
}
