//! `sampo-bench`: the command line of the Sampo benchmark harness (a thin layer over
//! the `sampo_bench` library).
//!
//! - `list [targets|samplers|metrics|figures]`
//! - `sample --target SPEC --sampler SPEC --n N --seed S [--budget B] [--set k=v] --out FILE`
//! - `reference --target SPEC [--sampler SPEC] [--chains C] [--draws M] [--budget B] --out DIR`
//! - `compare A.csv (B.csv | --target SPEC) [--metrics w2,mmd,...]`
//! - `run SUITE.toml [--out DIR] [--threads N]`
//! - `figure NAME [--out DIR]`
//! - `eval --target SPEC --points FILE --out FILE`
//! - `diagnose FILE --chains C [--convention arviz|sampo]`
//! - `throughput [--target SPEC --sampler SPEC --particles N --steps K --threads 1,2]`
//!
//! Exit code 0 on success, 1 on error, 130 when interrupted (finished results kept).

use clap::{Parser, Subcommand};
use sampo_bench::budget::BudgetSpec;
use sampo_bench::execute::{Request, Status, execute};
use sampo_bench::registry::registry;
use sampo_bench::{
    BenchError, compare, diagnose, eval, figures, io, measure, memory, progress, reference, spec,
    suite, throughput,
};
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
    /// Lists targets, samplers (with what they need), metrics or figures.
    List {
        /// `targets`, `samplers`, `metrics` or `figures` (default: all).
        what: Option<String>,
    },
    /// Samples one sampler on one target and writes the samples (CSV, or .npy).
    Sample {
        /// Target preset or TOML file with a [target] table.
        #[arg(long)]
        target: String,
        /// Sampler kind (see `list samplers`) or TOML file with a [sampler] table.
        #[arg(long)]
        sampler: String,
        /// Number of output samples.
        #[arg(long, default_value_t = 2000)]
        n: usize,
        /// Master seed (a non-negative integer).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        seed: u64,
        /// Budget per output sample: 1000 (gradient evaluations), density:50000,
        /// total:2000, data-terms:100000 or seconds:0.002.
        #[arg(long, default_value = "1000")]
        budget: String,
        /// Chains (default: one per output sample).
        #[arg(long)]
        chains: Option<usize>,
        /// Overrides a field of the sampler's configuration, e.g. `step_size=0.1` or
        /// `inner.samples=512` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Chains start at N(0, s² I).
        #[arg(long, default_value_t = 1.0)]
        init_scale: f64,
        /// Output file (.csv or .npy).
        #[arg(long)]
        out: PathBuf,
        /// Where the distributed samplers' agents run: `in-process`, or `mpi` under
        /// `mpirun` (rank 0 writes the output; needs a build with `--features mpi`).
        #[arg(long, default_value = "in-process")]
        network: String,
    },
    /// Writes a reference set (long multi-chain run with R̂ and ESS) for a target
    /// without an exact sampler (docs/physics.md); prints its diagnostics as JSON.
    Reference {
        /// Target preset or TOML file with a [target] table.
        #[arg(long)]
        target: String,
        /// Sampler kind or TOML file (an unweighted MCMC sampler).
        #[arg(long, default_value = "mala-adapt")]
        sampler: String,
        /// Chains (at least 2, for R̂).
        #[arg(long, default_value_t = 16)]
        chains: usize,
        /// Kept draws per chain.
        #[arg(long, default_value_t = 1250)]
        draws: usize,
        /// Budget per kept draw (as for `sample`).
        #[arg(long, default_value = "2000")]
        budget: String,
        /// Master seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Overrides a field of the sampler's configuration (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Chains start at N(0, s² I) (reduced coordinates for particle systems).
        #[arg(long, default_value_t = 1.0)]
        init_scale: f64,
        /// Output folder (samples.npy and reference.json).
        #[arg(long)]
        out: PathBuf,
    },
    /// Compares sample files (or a file with a target's exact samples); prints JSON.
    Compare {
        /// Samples to assess (a `log_w` column makes them weighted).
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
        /// Repeats of the noise floor (with --target; 0 turns it off).
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
        /// Start over: empty results.csv / results.jsonl in the output folder
        /// (without it, a rerun skips the runs already recorded there).
        #[arg(long)]
        fresh: bool,
    },
    /// Regenerates a paper figure with the numbers behind it.
    Figure {
        /// Figure name (see `list figures`).
        name: String,
        /// Output folder.
        #[arg(long, default_value = "out/figures")]
        out: PathBuf,
    },
    /// Writes the log density and gradient of a target at given points (CSV).
    Eval {
        /// Target preset or TOML file.
        #[arg(long)]
        target: String,
        /// Points (CSV or .npy, one row per point).
        #[arg(long)]
        points: PathBuf,
        /// Output CSV: log_density, grad_x0, …
        #[arg(long)]
        out: PathBuf,
    },
    /// MCMC diagnostics (R-hat, bulk and tail ESS, MCSE) of a chain-major sample file.
    Diagnose {
        /// Samples, chain-major (chain c's draws are rows c·m .. (c+1)·m).
        file: PathBuf,
        /// Number of chains.
        #[arg(long)]
        chains: usize,
        /// `arviz` (ArviZ's summary, default) or `sampo`.
        #[arg(long, default_value = "arviz")]
        convention: String,
    },
    /// Batched particle-update throughput; one JSON line per case. Without --target
    /// and --sampler: ULA and MALA on gmm40-fab and gmm100.
    Throughput {
        /// Target preset or TOML file (default: gmm40-fab and gmm100).
        #[arg(long)]
        target: Option<String>,
        /// Sampler kind or TOML file (default: ula and mala).
        #[arg(long)]
        sampler: Option<String>,
        /// Overrides a field of the sampler's configuration (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
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
        Err(e @ BenchError::Interrupted(_)) => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_list(title: &str, items: &[(String, String)]) {
    println!("{title}:");
    for (n, d) in items {
        println!("  {n:<22} {d}");
    }
}

fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
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
                print_list("targets", &owned(&sampo_targets::preset_descriptions()));
            }
            if all || what == "samplers" {
                let items: Vec<(String, String)> = registry()
                    .entries()
                    .iter()
                    .map(|e| {
                        (
                            e.name.to_string(),
                            format!("[needs: {}] {}", e.needs, e.description),
                        )
                    })
                    .collect();
                print_list("samplers", &items);
            }
            if all || what == "metrics" {
                print_list("metrics", &owned(measure::METRICS));
            }
            if all || what == "figures" {
                print_list("figures", &owned(figures::FIGURES));
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
            sets,
            init_scale,
            out,
            network,
        } => {
            // MPI first: every rank builds the same samplers on the same backend.
            let _mpi = match network.as_str() {
                "in-process" => None,
                "mpi" => Some(sampo_distributed::backend::use_mpi().map_err(|e| {
                    BenchError::Usage(format!("--network mpi: {}", sampo_core::CoreError::from(e)))
                })?),
                other => {
                    return Err(BenchError::Usage(format!(
                        "--network `{other}`: valid: in-process, mpi"
                    )));
                }
            };
            let root = sampo_distributed::backend::is_root();
            // Everything that can be checked is checked before any work.
            if root {
                io::check_writable(&out)?;
            }
            let budget: BudgetSpec = budget
                .parse()
                .map_err(|m: String| BenchError::Usage(format!("--budget: {m}")))?;
            let handle = spec::target(&target)?;
            let sampler = spec::sampler(&sampler, &sets)?;
            if n == 0 {
                return Err(BenchError::Usage("--n must be >= 1".into()));
            }
            memory::check(n, handle.dim(), chains.unwrap_or(n))?;
            let req = Request {
                n,
                budget,
                chains,
                seed,
                init_scale,
            };
            let flag = progress::stop_flag();
            let ex = execute(
                &handle,
                &sampler,
                &req,
                vec![Box::new(sampo_core::StopFlag(flag))],
            );
            for w in &ex.warnings {
                eprintln!("warning: {w}");
            }
            let run = match (&ex.status, ex.run) {
                (Status::Ok, Some(run)) => run,
                (Status::Interrupted, _) => {
                    return Err(BenchError::Interrupted(format!(
                        "the run stopped before it finished; nothing was written to {}",
                        out.display()
                    )));
                }
                (status, _) => {
                    return Err(BenchError::Sampler {
                        label: sampler.label.clone(),
                        source: sampo_core::CoreError::Unsupported {
                            reason: status.text(),
                        },
                    });
                }
            };
            // Under MPI each rank counted its own agents' evaluations: report the sum,
            // and only rank 0 writes and reports.
            let mut run = run;
            run.evaluations = sampo_distributed::backend::sum_over_processes(run.evaluations);
            sampo_distributed::backend::combine_stats(&mut run.diagnostics.stats);
            if !root {
                return Ok(());
            }
            io::write_run(&out, &run)?;
            let info = serde_json::json!({
                "out": out, "target": handle.name, "sampler": sampler.label, "kind": sampler.kind(),
                "n": run.samples.len(), "dim": run.samples.dim(), "seed": seed,
                "budget": budget.to_string(),
                "resolved_budget": ex.resolved.map(|b| b.to_string()),
                "evaluations": run.evaluations, "wall_s": ex.wall_s,
                "budget_note": ex.budget_note, "weighted": run.log_weights.is_some(),
                "stats": run.diagnostics.stats,
                "processes": sampo_distributed::backend::processes(),
            });
            println!("{info}");
            Ok(())
        }
        Command::Reference {
            target,
            sampler,
            chains,
            draws,
            budget,
            seed,
            sets,
            init_scale,
            out,
        } => {
            let budget: BudgetSpec = budget
                .parse()
                .map_err(|m: String| BenchError::Usage(format!("--budget: {m}")))?;
            let args = reference::Args {
                target,
                sampler,
                sets,
                chains,
                draws,
                budget,
                seed,
                init_scale,
                out,
            };
            let meta = reference::generate(&args)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&meta).expect("plain data")
            );
            if !meta.converged {
                return Err(BenchError::Usage(format!(
                    "not converged: largest R̂ {:.4} >= {} (written to {} marked `converged: false`); rerun with a larger --budget or --draws",
                    meta.rhat_max,
                    reference::RHAT_LIMIT,
                    args.out.display()
                )));
            }
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
                (Some(_), Some(_)) => {
                    return Err(BenchError::Usage(
                        "give either a second sample file or --target, not both".into(),
                    ));
                }
                (None, None) => {
                    return Err(BenchError::Usage(
                        "nothing to compare against: give a second sample file or --target SPEC"
                            .into(),
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
            fresh,
        } => {
            let s = suite::Suite::load(&path)?;
            let out = out.unwrap_or_else(|| suite::default_out(&s));
            io::check_dir_writable(&out).map_err(|source| BenchError::Io {
                path: out.clone(),
                source,
            })?;
            match threads {
                Some(0) => Err(BenchError::Usage("--threads must be >= 1".into())),
                Some(t) => rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .map_err(|e| BenchError::Usage(format!("cannot start {t} threads: {e}")))?
                    .install(|| suite::run(&s, &out, fresh)),
                None => suite::run(&s, &out, fresh),
            }
        }
        Command::Figure { name, out } => figures::run(&name, &out),
        Command::Eval {
            target,
            points,
            out,
        } => {
            let n = eval::eval(&target, &points, &out)?;
            eprintln!("{n} points evaluated: {}", out.display());
            Ok(())
        }
        Command::Diagnose {
            file,
            chains,
            convention,
        } => {
            let doc = diagnose::diagnose(&file, chains, &convention)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("plain data")
            );
            Ok(())
        }
        Command::Throughput {
            target,
            sampler,
            sets,
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
                                t, s, &sets, particles, steps, th, seed,
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
