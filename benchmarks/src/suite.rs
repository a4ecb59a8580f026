//! `sampo-bench run SUITE.toml`: samplers × targets × budgets × seeds.
//!
//! ```toml
//! [suite]
//! name = "quick"
//! n = 2000                    # output samples per run
//! seeds = [1, 2, 3]
//! budgets = [1000]            # gradient evaluations per output sample (matched)
//! metrics = ["w2", "mmd", "mode-tv"]
//! noise_floor_repeats = 3     # optional (default 3)
//! init_scale = 1.0            # optional: chains start at N(0, init_scale² I)
//!
//! [[targets]]
//! preset = "8-gaussians"      # or name = "...", kind = "gmm", ... (see docs/harness.md)
//!
//! [[samplers]]
//! name = "mala"               # optional label
//! kind = "mala"
//! step_size = 0.1
//! ```
//!
//! Every finished run is appended at once to `results.csv` and `results.jsonl` and
//! its samples written, so an interrupted suite loses nothing already computed.

use crate::measure;
use crate::report::{self, Row};
use crate::sampler::{self, Request, SamplerConfig};
use crate::spec::TargetHandle;
use crate::{BenchError, plots, progress};
use rayon::prelude::*;
use sampo_core::{Counted, Particles, StopFlag};
use sampo_targets::TargetConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

fn default_repeats() -> usize {
    3
}
fn one() -> f64 {
    1.0
}

/// The `[suite]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Suite name (output folder name by default).
    pub name: String,
    /// Output samples per run.
    pub n: usize,
    /// Seeds; every (target, sampler, budget) runs once per seed.
    pub seeds: Vec<u64>,
    /// Gradient evaluations per output sample.
    pub budgets: Vec<u64>,
    /// Metric names (see `sampo-bench list metrics`).
    pub metrics: Vec<String>,
    /// Repeats of the exact-vs-exact noise floor.
    #[serde(default = "default_repeats")]
    pub noise_floor_repeats: usize,
    /// Chains start at N(0, init_scale² I).
    #[serde(default = "one")]
    pub init_scale: f64,
    /// Chains per run (default: one per output sample).
    #[serde(default)]
    pub chains: Option<usize>,
}

/// A suite file.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The `[suite]` table.
    pub settings: Settings,
    /// `(label, config)` of every `[[targets]]` entry.
    pub targets: Vec<(String, TargetConfig)>,
    /// `(label, config)` of every `[[samplers]]` entry.
    pub samplers: Vec<(String, SamplerConfig)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    suite: Settings,
    targets: Vec<toml::Spanned<toml::Table>>,
    samplers: Vec<toml::Spanned<toml::Table>>,
}

/// 1-based line and column of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, col)
}

/// Splits an optional `name` key off a table and deserializes the rest as `T`.
fn named<T: for<'de> Deserialize<'de>>(
    spanned: toml::Spanned<toml::Table>,
    text: &str,
    what: &str,
    index: usize,
    default: impl Fn(&toml::Table) -> String,
) -> Result<(String, T), String> {
    // The entry is deserialized from its parsed table (to split off `name`), which
    // carries no positions: report where the entry starts instead.
    let (line, col) = line_col(text, spanned.span().start);
    let what = format!("line {line}, column {col}: {what}");
    let what = what.as_str();
    let mut t = spanned.into_inner();
    let name = match t.remove("name") {
        Some(toml::Value::String(s)) => s,
        Some(other) => {
            return Err(format!(
                "{what}[{index}].name must be a string, not {other}"
            ));
        }
        None => default(&t),
    };
    let cfg = T::deserialize(toml::Value::Table(t))
        .map_err(|e| format!("{what}[{index}] (`{name}`): {e}"))?;
    Ok((name, cfg))
}

impl Suite {
    /// Reads and validates a suite file.
    pub fn load(path: &str) -> Result<Self, BenchError> {
        let text = std::fs::read_to_string(path).map_err(|source| BenchError::Io {
            path: path.into(),
            source,
        })?;
        let raw: RawSuite = toml::from_str(&text).map_err(|e| BenchError::Toml {
            path: path.into(),
            message: e.to_string(),
        })?;
        let bad = |message: String| BenchError::Toml {
            path: path.into(),
            message,
        };
        let label = |t: &toml::Table, key: &str| {
            t.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("unnamed")
                .to_string()
        };
        let targets = raw
            .targets
            .into_iter()
            .enumerate()
            .map(|(i, t)| named(t, &text, "targets", i, |t| label(t, "preset")))
            .collect::<Result<Vec<(String, TargetConfig)>, _>>()
            .map_err(bad)?;
        let samplers = raw
            .samplers
            .into_iter()
            .enumerate()
            .map(|(i, t)| named(t, &text, "samplers", i, |t| label(t, "kind")))
            .collect::<Result<Vec<(String, SamplerConfig)>, _>>()
            .map_err(bad)?;
        let s = raw.suite;
        let usage = |m: &str| bad(format!("[suite] {m}"));
        if s.n == 0 {
            return Err(usage("n must be >= 1"));
        }
        if s.seeds.is_empty() {
            return Err(usage("seeds must list at least one seed"));
        }
        if s.budgets.is_empty() || s.budgets.iter().any(|&b| b < 2) {
            return Err(usage("budgets must list values >= 2"));
        }
        measure::check_names(&s.metrics)?;
        if targets.is_empty() || samplers.is_empty() {
            return Err(usage("needs at least one [[targets]] and one [[samplers]]"));
        }
        for (name, c) in &samplers {
            c.validate()
                .map_err(|e| bad(format!("sampler `{name}`: {e}")))?;
        }
        Ok(Suite {
            settings: s,
            targets,
            samplers,
        })
    }
}

/// `(metric, value)` of one run; `None` where a metric does not apply.
type MetricValues = Vec<(String, Option<f64>)>;

/// Salt of the reference (exact) sample seeds, so they differ from the sampler seeds.
const REFERENCE_SALT: u64 = 0x000E_0AC7;

/// Runs the suite into `out`; prints the Markdown summary.
pub fn run(suite: &Suite, out: &Path) -> Result<(), BenchError> {
    let s = &suite.settings;
    std::fs::create_dir_all(out).map_err(|source| BenchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let mut sink = report::Sink::create(out)?;
    let total =
        (suite.targets.len() * suite.samplers.len() * s.budgets.len() * s.seeds.len()) as u64;
    let bar = progress::bar(total, &s.name);
    let stop = progress::stop_flag();
    let mut floors = Vec::new();
    for (tname, tcfg) in &suite.targets {
        let handle = TargetHandle::from_config(tname.clone(), tcfg)?;
        let exact = handle.target.exact_sampler();
        // Noise floors of the two-sample metrics at this n.
        let two: Vec<&String> = s
            .metrics
            .iter()
            .filter(|m| measure::is_two_sample(m))
            .collect();
        if let Some(ex) = exact {
            let seed0 = s.seeds[0] ^ REFERENCE_SALT.rotate_left(17);
            let fl: Vec<(String, sampo_metrics::noise_floor::NoiseFloor)> = two
                .par_iter()
                .map(|m| {
                    measure::noise_floor(m, ex, s.n, s.noise_floor_repeats, seed0, seed0)
                        .map(|f| f.map(|f| ((*m).clone(), f)))
                })
                .collect::<Result<Vec<_>, BenchError>>()?
                .into_iter()
                .flatten()
                .collect();
            floors.push((tname.clone(), fl));
        }
        let mut plot_panels: Vec<(String, Particles)> = Vec::new();
        let mut traces: Vec<(String, Vec<f64>)> = Vec::new();
        for (sname, scfg) in &suite.samplers {
            for &budget in &s.budgets {
                // Sample every seed (each run is parallel over its chains), then
                // measure all seeds at once: the exact W2 solver is sequential, so
                // seeds × metrics in parallel is what keeps both cores busy.
                let mut runs = Vec::with_capacity(s.seeds.len());
                for &seed in &s.seeds {
                    if progress::stopped() {
                        bar.abandon();
                        return Err(BenchError::Interrupted { step: 0 });
                    }
                    bar.set_message(format!("{tname} / {sname} / budget {budget} / seed {seed}"));
                    let target = Counted::new(handle.target.as_ref());
                    let req = Request {
                        n: s.n,
                        budget,
                        chains: s.chains,
                        seed,
                        init_scale: s.init_scale,
                    };
                    let outcome =
                        sampler::run(&target, scfg, &req, Some(Box::new(StopFlag(stop.clone()))));
                    // A divergence is a result (an unadjusted sampler failing on this
                    // target at this step size), not a reason to stop the suite.
                    match outcome {
                        Ok(run) => runs.push((seed, Ok(run))),
                        Err(BenchError::Core(e @ sampo_core::CoreError::Diverged { .. })) => {
                            let spent = sampo_core::EvalSource::counts(&target).total();
                            runs.push((seed, Err((e.to_string(), spent))));
                        }
                        Err(e) => return Err(e),
                    }
                }
                let measured: Vec<Option<MetricValues>> = runs
                    .par_iter()
                    .map(|(seed, run)| {
                        let Ok(run) = run else { return Ok(None) };
                        let reference = exact.map(|e| e.sample_exact_n(s.n, seed ^ REFERENCE_SALT));
                        s.metrics
                            .par_iter()
                            .map(|m| {
                                let v = if measure::is_two_sample(m) {
                                    match &reference {
                                        Some(r) => measure::two_sample(m, &run.samples, r, *seed)?,
                                        None => None,
                                    }
                                } else {
                                    measure::against_target(m, &run.samples, &handle)?
                                };
                                Ok((m.clone(), v))
                            })
                            .collect::<Result<Vec<_>, BenchError>>()
                            .map(Some)
                    })
                    .collect::<Result<_, BenchError>>()?;
                for ((seed, run), values) in runs.into_iter().zip(measured) {
                    let row = match (run, values) {
                        (Ok(run), Some(values)) => {
                            let sample_file = out
                                .join("samples")
                                .join(report::slug(tname))
                                .join(format!("{}-b{budget}-s{seed}.csv", report::slug(sname)));
                            crate::io::write_samples(&sample_file, &run.samples)?;
                            if seed == s.seeds[0] && budget == *s.budgets.last().expect("non-empty")
                            {
                                plot_panels.push((sname.clone(), run.samples.clone()));
                                let acc = &run.diagnostics.acceptance_per_step;
                                if !acc.is_empty() {
                                    traces.push((sname.clone(), acc.clone()));
                                }
                            }
                            Row {
                                target: tname.clone(),
                                sampler: sname.clone(),
                                kind: scfg.kind().to_string(),
                                budget,
                                seed,
                                n: s.n,
                                evaluations: run.evaluations.total(),
                                evals_per_sample: run.evaluations.total() as f64 / s.n as f64,
                                wall_s: run.wall_time_secs,
                                metrics: values,
                                samples: sample_file,
                                status: "ok".into(),
                            }
                        }
                        (Ok(_), None) => unreachable!("every finished run is measured"),
                        (Err((why, spent)), _) => Row {
                            target: tname.clone(),
                            sampler: sname.clone(),
                            kind: scfg.kind().to_string(),
                            budget,
                            seed,
                            n: s.n,
                            evaluations: spent,
                            evals_per_sample: f64::NAN,
                            wall_s: f64::NAN,
                            metrics: s.metrics.iter().map(|m| (m.clone(), None)).collect(),
                            samples: PathBuf::new(),
                            status: why,
                        },
                    };
                    sink.push(&row)?;
                    bar.inc(1);
                }
            }
        }
        if handle.target.dim() == 2 {
            plot_target(out, &handle, &plot_panels, s)?;
        }
        if !traces.is_empty() {
            plot_traces(out, tname, &traces)?;
        }
        if s.budgets.len() > 1 {
            let floor = floors
                .iter()
                .find(|(t, _)| t == tname)
                .map(|(_, f)| f.as_slice());
            report::plot_vs_budget(out, tname, sink.rows(), &s.metrics, floor)?;
        }
    }
    bar.finish_and_clear();
    let table = report::summary(sink.rows(), &floors, s);
    println!("{table}");
    report::write_summary(out, &table, sink.rows(), &floors)?;
    println!("results: {}", out.display());
    Ok(())
}

/// Scatter of the first seed's samples over the density (2-D targets).
fn plot_target(
    out: &Path,
    t: &TargetHandle,
    panels: &[(String, Particles)],
    s: &Settings,
) -> Result<(), BenchError> {
    let Some(ex) = t.target.exact_sampler() else {
        return Ok(());
    };
    let exact = ex.sample_exact_n(s.n, s.seeds[0] ^ REFERENCE_SALT);
    let mut refs: Vec<(String, &Particles)> = vec![("exact".to_string(), &exact)];
    refs.extend(panels.iter().map(|(n, p)| (n.clone(), p)));
    let title = format!(
        "{}: n = {}, seed {}, budget {} evaluations/sample",
        t.name,
        s.n,
        s.seeds[0],
        s.budgets.last().expect("non-empty")
    );
    plots::scatter_over_density(
        &out.join("plots")
            .join(format!("{}-samples", report::slug(&t.name))),
        &title,
        t.target.as_ref(),
        &refs,
        plots::bounds(&exact),
    )
}

/// Trace of the mean acceptance probability over chains at every step (warm-up
/// included) of the first seed, for samplers with an accept/reject step.
fn plot_traces(out: &Path, target: &str, traces: &[(String, Vec<f64>)]) -> Result<(), BenchError> {
    let series: Vec<plots::Series> = traces
        .iter()
        .enumerate()
        .map(|(k, (name, acc))| plots::Series {
            label: name.clone(),
            points: acc
                .iter()
                .enumerate()
                .map(|(t, &a)| ((t + 1) as f64, a))
                .collect(),
            err: vec![],
            markers: false,
            color: k,
        })
        .collect();
    plots::lines(
        &out.join("plots")
            .join(format!("{}-acceptance-trace", report::slug(target))),
        &plots::Axes {
            title: &format!("{target}: mean acceptance probability per step (first seed)"),
            x_label: "step",
            y_label: "mean acceptance",
            log_x: false,
        },
        &series,
    )
}

/// The default output folder of a suite.
pub fn default_out(suite: &Suite) -> PathBuf {
    PathBuf::from("out").join(report::slug(&suite.settings.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Suite, BenchError> {
        let p = std::env::temp_dir().join(format!(
            "sampo-suite-{}-{}.toml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&p, text).unwrap();
        let r = Suite::load(p.to_str().unwrap());
        std::fs::remove_file(&p).ok();
        r
    }

    const HEAD: &str =
        "[suite]\nname = \"t\"\nn = 10\nseeds = [1]\nbudgets = [10]\nmetrics = [\"w2\"]\n\n";

    #[test]
    fn suites_load_and_errors_point_at_the_entry() {
        let ok = format!(
            "{HEAD}[[targets]]\npreset = \"8-gaussians\"\n\n[[samplers]]\nname = \"m\"\nkind = \"mala\"\nstep_size = 0.1\n"
        );
        let s = load(&ok).unwrap();
        assert_eq!(s.targets[0].0, "8-gaussians");
        assert_eq!(s.samplers[0].0, "m");
        let bad = format!(
            "{HEAD}[[targets]]\npreset = \"8-gaussians\"\n\n[[samplers]]\nkind = \"mala\"\nstepsize = 0.1\n"
        );
        let e = load(&bad).unwrap_err().to_string();
        assert!(
            e.contains("line 11") && e.contains("samplers[0]") && e.contains("stepsize"),
            "{e}"
        );
        let e = load(&ok.replace("preset = \"8-gaussians\"", "preset = 3"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 8") && e.contains("targets[0]"), "{e}");
        let e = load(&ok.replace("metrics = [\"w2\"]", "metrics = [\"w3\"]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("w3") && e.contains("sliced-w2"), "{e}");
        let e = load(&ok.replace("n = 10", "n = 0"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("n must be >= 1"), "{e}");
    }
}
