//! `sampo-bench run SUITE.toml`: samplers × targets × budgets × seeds.
//!
//! ```toml
//! [suite]
//! name = "quick"
//! n = 2000                    # output samples per run
//! seeds = [1, 2, 3]
//! budgets = [1000]            # per output sample: 1000 (gradient evaluations),
//!                             # "density:50000", "total:2000", "seconds:0.002"
//! metrics = ["w2", "mmd", "mode-tv"]
//! noise_floor_repeats = 3     # optional (default 3)
//! init_scale = 1.0            # optional: chains start at N(0, init_scale² I)
//!
//! [[targets]]
//! preset = "8-gaussians"      # or name = "...", kind = "gmm", ... (see docs/harness.md)
//!
//! [[samplers]]
//! name = "mala"               # optional label
//! kind = "mala"               # any registered kind (`sampo-bench list samplers`)
//! step_size = 0.1
//! only_targets = ["8-gaussians"]  # optional: run this sampler on these targets only
//! budgets = ["density:20000"]     # optional: its own budgets instead of the suite's
//! ```
//!
//! **Fail fast.** Every entry is parsed, built and checked before anything runs:
//! targets, samplers (through the registry, so errors name the field and, for a bad
//! value, its line), metrics, budgets, each sampler's needs against each target's
//! capabilities, duplicate labels and seeds.
//!
//! Every finished run is appended at once to `results.csv` and `results.jsonl` and
//! its samples written, so an interrupted suite loses nothing already computed. A
//! sampler's failure is a row with its message, and the suite goes on.

use crate::budget::BudgetSpec;
use crate::execute::{Executed, Request, Status, execute};
use crate::measure;
use crate::reference::ReferenceSet;
use crate::report::{self, ChainDiagnostics, Row};
use crate::spec::{SamplerSpec, TargetHandle, build_table, key_line, line_col};
use crate::{BenchError, plots, progress};
use rayon::prelude::*;
use sampo_core::{Particles, StopFlag};
use sampo_targets::TargetConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

fn default_repeats() -> usize {
    3
}
fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    name: String,
    n: usize,
    seeds: Vec<u64>,
    budgets: Vec<toml::Value>,
    metrics: Vec<String>,
    #[serde(default = "default_repeats")]
    noise_floor_repeats: usize,
    #[serde(default = "one")]
    init_scale: f64,
    #[serde(default)]
    chains: Option<usize>,
}

/// The `[suite]` table, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Suite name (output folder name by default).
    pub name: String,
    /// Output samples per run.
    pub n: usize,
    /// Seeds; every (target, sampler, budget) runs once per seed.
    pub seeds: Vec<u64>,
    /// Budgets per output sample.
    pub budgets: Vec<BudgetSpec>,
    /// Metric names (see `sampo-bench list metrics`).
    pub metrics: Vec<String>,
    /// Repeats of the exact-vs-exact noise floor.
    pub noise_floor_repeats: usize,
    /// Chains start at N(0, init_scale² I).
    pub init_scale: f64,
    /// Chains per run (default: one per output sample).
    pub chains: Option<usize>,
}

/// One `[[samplers]]` entry.
pub struct SamplerEntry {
    /// The built sampler and its label.
    pub spec: SamplerSpec,
    /// Targets it runs on (`None`: all).
    pub only_targets: Option<Vec<String>>,
    /// Its own budgets, instead of the suite's (a density-only sampler in a suite
    /// budgeted in gradient evaluations, say).
    pub budgets: Option<Vec<BudgetSpec>>,
}

impl SamplerEntry {
    /// The budgets it runs at: its own, or the suite's.
    pub fn budgets<'a>(&'a self, s: &'a Settings) -> &'a [BudgetSpec] {
        self.budgets.as_deref().unwrap_or(&s.budgets)
    }
}

/// A suite file.
pub struct Suite {
    /// The `[suite]` table.
    pub settings: Settings,
    /// `(label, config)` of every `[[targets]]` entry.
    pub targets: Vec<(String, TargetConfig)>,
    /// The reference set (`reference = "DIR"`, a `sampo-bench reference` output
    /// folder, relative to the suite file) of the targets that name one, read and
    /// checked once when the suite is loaded.
    pub references: std::collections::HashMap<String, std::sync::Arc<ReferenceSet>>,
    /// Every `[[samplers]]` entry.
    pub samplers: Vec<SamplerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    suite: RawSettings,
    targets: Vec<toml::Spanned<toml::Table>>,
    samplers: Vec<toml::Spanned<toml::Table>>,
}

/// The field a build error names: the last component of an invalid parameter's
/// dotted name, or the first backquoted name of a deserialization message.
fn error_key(e: &BenchError) -> Option<String> {
    let BenchError::Sampler { source, .. } = e else {
        return None;
    };
    match source {
        sampo_core::CoreError::InvalidParameter { name, .. } => name
            .rsplit('.')
            .next()
            .map(|s| s.trim_end_matches(']').to_string()),
        sampo_core::CoreError::Config { message } => {
            let mut parts = message.split('`');
            parts.next();
            parts.next().map(str::to_string)
        }
        _ => None,
    }
}

fn is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

impl Suite {
    /// Reads and validates a suite file; nothing runs before every entry is checked.
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
        let at = |span: &std::ops::Range<usize>| {
            let (line, col) = line_col(&text, span.start);
            format!("line {line}, column {col}")
        };

        let mut targets = Vec::new();
        let mut references = std::collections::HashMap::new();
        let base = Path::new(path).parent().unwrap_or(Path::new("."));
        for (i, spanned) in raw.targets.into_iter().enumerate() {
            let span = spanned.span();
            let mut t = spanned.into_inner();
            let name = take_name(&mut t, "preset")
                .map_err(|m| bad(format!("{}: targets[{i}]{m}", at(&span))))?;
            let reference = match t.remove("reference") {
                None => None,
                Some(toml::Value::String(dir)) => Some(base.join(dir)),
                Some(other) => {
                    return Err(bad(format!(
                        "{}: targets[{i}].reference must be the path of a `sampo-bench reference` folder, not {other}",
                        at(&span)
                    )));
                }
            };
            let cfg = TargetConfig::deserialize(toml::Value::Table(t))
                .map_err(|e| bad(format!("{}: targets[{i}] (`{name}`): {e}", at(&span))))?;
            // Build now: a bad value is found before any run.
            let handle = TargetHandle::from_config(name.clone(), &cfg).map_err(|e| {
                let where_ = crate::spec::target_error_key(&e)
                    .and_then(|k| key_line(&text, &span, &k))
                    .map_or_else(|| at(&span), |l| format!("line {l}"));
                bad(format!("{where_}: targets[{i}] (`{name}`): {e}"))
            })?;
            if let Some(dir) = reference {
                let set = ReferenceSet::load(&dir, &cfg).map_err(|e| {
                    bad(format!(
                        "{}: targets[{i}] (`{name}`).reference: {e}",
                        at(&span)
                    ))
                })?;
                references.insert(name.clone(), std::sync::Arc::new(set));
            } else if handle.reference_sampler().is_none() {
                eprintln!(
                    "note: target `{name}` has no exact sampler and no `reference`: its two-sample metrics stay empty (see `sampo-bench reference`)"
                );
            }
            if targets.iter().any(|(n, _)| n == &name) {
                return Err(bad(format!(
                    "{}: targets[{i}]: the label `{name}` is used twice (give `name = \"...\"`)",
                    at(&span)
                )));
            }
            targets.push((name, cfg));
        }

        let mut samplers: Vec<SamplerEntry> = Vec::new();
        for (i, spanned) in raw.samplers.into_iter().enumerate() {
            let span = spanned.span();
            let mut t = spanned.into_inner();
            let label = take_name(&mut t, "kind")
                .map_err(|m| bad(format!("{}: samplers[{i}]{m}", at(&span))))?;
            let only_targets = match t.remove("only_targets") {
                None => None,
                Some(toml::Value::Array(a)) => Some(
                    a.into_iter()
                        .map(|v| match v {
                            toml::Value::String(s) => Ok(s),
                            other => Err(bad(format!(
                                "{}: samplers[{i}].only_targets: `{other}` is not a target label",
                                at(&span)
                            ))),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                Some(other) => {
                    return Err(bad(format!(
                        "{}: samplers[{i}].only_targets must be a list of target labels, not {other}",
                        at(&span)
                    )));
                }
            };
            let budgets = match t.remove("budgets") {
                None => None,
                Some(toml::Value::Array(a)) if !a.is_empty() => Some(
                    a.iter()
                        .map(BudgetSpec::from_toml)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|m| bad(format!("{}: samplers[{i}].budgets: {m}", at(&span))))?,
                ),
                Some(other) => {
                    return Err(bad(format!(
                        "{}: samplers[{i}].budgets must be a non-empty list of budgets, not {other}",
                        at(&span)
                    )));
                }
            };
            let spec = build_table(&label, &t, &[]).map_err(|e| {
                let where_ = error_key(&e)
                    .and_then(|k| key_line(&text, &span, &k))
                    .map_or_else(|| at(&span), |l| format!("line {l}"));
                bad(format!("{where_}: samplers[{i}]: {e}"))
            })?;
            if samplers.iter().any(|s| s.spec.label == label) {
                return Err(bad(format!(
                    "{}: samplers[{i}]: the label `{label}` is used twice (give `name = \"...\"`)",
                    at(&span)
                )));
            }
            if let Some(only) = &only_targets
                && let Some(missing) = only.iter().find(|o| !targets.iter().any(|(n, _)| n == *o))
            {
                return Err(bad(format!(
                    "{}: samplers[{i}].only_targets names `{missing}`, which is not a target of this suite",
                    at(&span)
                )));
            }
            samplers.push(SamplerEntry {
                spec,
                only_targets,
                budgets,
            });
        }

        let s = raw.suite;
        let usage = |m: String| bad(format!("[suite] {m}"));
        if s.n == 0 {
            return Err(usage("n must be >= 1".into()));
        }
        if s.seeds.is_empty() {
            return Err(usage("seeds must list at least one seed".into()));
        }
        let mut sorted = s.seeds.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(usage(format!(
                "seeds lists {} twice: two runs would overwrite each other's files",
                w[0]
            )));
        }
        if s.budgets.is_empty() {
            return Err(usage("budgets must list at least one budget".into()));
        }
        let budgets = s
            .budgets
            .iter()
            .map(BudgetSpec::from_toml)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| usage(format!("budgets: {m}")))?;
        measure::check_names(&s.metrics)?;
        if !(s.init_scale.is_finite() && s.init_scale > 0.0) {
            return Err(usage(format!(
                "init_scale = {} must be finite and > 0",
                s.init_scale
            )));
        }
        if let Some(c) = s.chains
            && (c == 0 || c > s.n)
        {
            return Err(usage(format!(
                "chains = {c} must be in 1..=n (n = {})",
                s.n
            )));
        }
        if targets.is_empty() || samplers.is_empty() {
            return Err(usage(
                "needs at least one [[targets]] and one [[samplers]]".into(),
            ));
        }
        let suite = Suite {
            settings: Settings {
                name: s.name,
                n: s.n,
                seeds: s.seeds,
                budgets,
                metrics: s.metrics,
                noise_floor_repeats: s.noise_floor_repeats,
                init_scale: s.init_scale,
                chains: s.chains,
            },
            targets,
            references,
            samplers,
        };
        // What each sampler needs, against what each of its targets provides.
        for (tname, tcfg) in &suite.targets {
            let handle = TargetHandle::from_config(tname.clone(), tcfg)?;
            for e in suite.samplers_for(tname) {
                let needs = e.spec.built.sampler.needs();
                let missing = needs.missing(&handle.target.provides());
                if !missing.is_empty() {
                    return Err(bad(format!(
                        "sampler `{}` needs the {} of target `{tname}`, which it does not provide",
                        e.spec.label,
                        missing.join(" and ")
                    )));
                }
            }
        }
        Ok(suite)
    }

    /// The sampler entries that run on target `t`.
    pub fn samplers_for<'s>(&'s self, t: &'s str) -> impl Iterator<Item = &'s SamplerEntry> + 's {
        self.samplers.iter().filter(move |e| {
            e.only_targets
                .as_ref()
                .is_none_or(|o| o.iter().any(|x| x == t))
        })
    }

    /// Number of runs.
    pub fn run_count(&self) -> usize {
        let seeds = self.settings.seeds.len();
        self.targets
            .iter()
            .map(|(t, _)| {
                self.samplers_for(t)
                    .map(|e| e.budgets(&self.settings).len() * seeds)
                    .sum::<usize>()
            })
            .sum()
    }
}

/// Removes an optional `name` key (the label; default: the value of `fallback`).
fn take_name(t: &mut toml::Table, fallback: &str) -> Result<String, String> {
    match t.remove("name") {
        Some(toml::Value::String(s)) => Ok(s),
        Some(other) => Err(format!(".name must be a string, not {other}")),
        None => Ok(t
            .get(fallback)
            .and_then(|v| v.as_str())
            .unwrap_or("unnamed")
            .to_string()),
    }
}

/// `(metric, value)` of one run; `None` where a metric does not apply.
type MetricValues = Vec<(String, Option<f64>)>;

/// Salt of the reference (exact) sample seeds, so they differ from the sampler seeds.
const REFERENCE_SALT: u64 = 0x000E_0AC7;

/// Runs the suite into `out`; prints the Markdown summary.
///
/// **Reruns resume.** Rows already in `out/results.jsonl` with the same target and
/// its config, sampler label and full config, budget, seed, n, init scale and chains
/// are not run again (a failed row is a result too: the same seed fails the same
/// way); they enter the summary as they are, and how many were skipped is printed.
/// Rows from other configurations stay in the files and out of the summary. Nothing
/// is truncated unless `fresh` is set.
pub fn run(suite: &Suite, out: &Path, fresh: bool) -> Result<(), BenchError> {
    let s = &suite.settings;
    std::fs::create_dir_all(out).map_err(|source| BenchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let (mut sink, previous) = report::Sink::open(out, &s.metrics, fresh)?;
    let total = suite.run_count();
    let mut keys_now = Vec::with_capacity(total);
    let mut skipped = 0usize;
    let bar = progress::bar(total as u64, &s.name);
    let stop = progress::stop_flag();
    let started = std::time::Instant::now();
    let mut done = 0usize;
    let mut floors = Vec::new();
    for (tname, tcfg) in &suite.targets {
        let mut handle = TargetHandle::from_config(tname.clone(), tcfg)?;
        handle.reference = suite.references.get(tname).cloned();
        let handle = handle;
        let tconfig = target_config_text(tcfg, handle.reference.as_deref());
        let exact = handle.reference_sampler();
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
                    measure::noise_floor(
                        m,
                        ex,
                        s.n,
                        s.noise_floor_repeats,
                        (seed0, seed0),
                        Some(&handle),
                    )
                    .map(|f| f.map(|f| ((*m).clone(), f)))
                })
                .collect::<Result<Vec<_>, BenchError>>()?
                .into_iter()
                .flatten()
                .collect();
            floors.push((tname.clone(), fl));
        }
        let mut plot_panels: Vec<(String, Particles)> = Vec::new();
        let mut traces: Vec<(String, Vec<Option<f64>>)> = Vec::new();
        let mut warned: Vec<String> = Vec::new();
        for entry in suite.samplers_for(tname) {
            let sampler = &entry.spec;
            let sname = &sampler.label;
            let budgets = entry.budgets(s);
            for &budget in budgets {
                // Sample every seed (each run is parallel over its chains), then
                // measure all seeds at once: the exact W2 solver is sequential, so
                // seeds × metrics in parallel is what keeps both cores busy.
                let mut runs: Vec<(u64, Executed)> = Vec::with_capacity(s.seeds.len());
                for &seed in &s.seeds {
                    let key = identity(tname, &tconfig, sampler, budget, seed, s).key();
                    keys_now.push(key.clone());
                    if let Some(old) = previous.iter().find(|r| r.key() == key) {
                        skipped += 1;
                        done += 1;
                        bar.inc(1);
                        if seed == s.seeds[0]
                            && Some(&budget) == budgets.last()
                            && old.status == "ok"
                            && let Ok((p, _)) = crate::io::read_weighted(&old.samples)
                        {
                            plot_panels.push((sname.clone(), p));
                        }
                        sink.reuse(old.clone());
                        continue;
                    }
                    if progress::stopped() {
                        bar.abandon();
                        return Err(interrupted(done, total, out));
                    }
                    bar.set_message(format!("{tname} / {sname} / budget {budget} / seed {seed}"));
                    let req = Request {
                        n: s.n,
                        budget,
                        chains: s.chains,
                        seed,
                        init_scale: s.init_scale,
                    };
                    let ex = execute(
                        &handle,
                        sampler,
                        &req,
                        vec![Box::new(StopFlag(stop.clone()))],
                    );
                    for w in &ex.warnings {
                        if !warned.contains(w) {
                            bar.suspend(|| eprintln!("warning: {sname} on {tname}: {w}"));
                            warned.push(w.clone());
                        }
                    }
                    if ex.status == Status::Interrupted {
                        bar.abandon();
                        return Err(interrupted(done, total, out));
                    }
                    runs.push((seed, ex));
                }
                let measured: Vec<Option<(MetricValues, Option<ChainDiagnostics>)>> = runs
                    .par_iter()
                    .map(|(seed, ex)| {
                        let Some(run) = &ex.run else { return Ok(None) };
                        let weights = measure::run_weights(run)?;
                        let wa = weights.as_deref();
                        let reference = exact.map(|e| e.sample_exact_n(s.n, seed ^ REFERENCE_SALT));
                        let values = s
                            .metrics
                            .par_iter()
                            .map(|m| {
                                let v = if measure::is_run_metric(m) {
                                    measure::of_run(m, run, &handle)
                                } else if measure::is_two_sample(m) {
                                    match &reference {
                                        Some(r) => measure::two_sample_for(
                                            m,
                                            &run.samples,
                                            wa,
                                            r,
                                            *seed,
                                            Some(&handle),
                                        )?,
                                        None => None,
                                    }
                                } else {
                                    measure::against_target(m, &run.samples, wa, &handle)?
                                };
                                Ok((m.clone(), v))
                            })
                            .collect::<Result<Vec<_>, BenchError>>()?;
                        Ok(Some((values, chain_diagnostics(run))))
                    })
                    .collect::<Result<_, BenchError>>()?;
                for ((seed, ex), values) in runs.into_iter().zip(measured) {
                    let row = make_row(
                        tname,
                        &tconfig,
                        sampler,
                        budget,
                        Some(&budget) == budgets.last(),
                        seed,
                        s,
                        &ex,
                        values,
                        out,
                        &mut plot_panels,
                        &mut traces,
                    )?;
                    sink.push(&row)?;
                    done += 1;
                    bar.inc(1);
                    if !is_terminal() {
                        eprintln!(
                            "[{done}/{total} {:.0}s] {tname} / {sname} / {budget} / seed {seed}: {}",
                            started.elapsed().as_secs_f64(),
                            if row.status == "ok" { "ok" } else { "failed" }
                        );
                    }
                }
            }
        }
        if handle.dim() == 2 {
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
            report::plot_vs_budget(out, tname, sink.rows(), &s.metrics, &s.budgets, floor)?;
        }
    }
    bar.finish_and_clear();
    if skipped > 0 {
        eprintln!(
            "resumed: {skipped} of {total} runs were already in {} and were not run again",
            out.display()
        );
    }
    let other = previous
        .iter()
        .filter(|r| !keys_now.contains(&r.key()))
        .count();
    if other > 0 {
        eprintln!(
            "{other} earlier rows in {} are from another configuration: kept there, left out of this summary",
            out.join("results.jsonl").display()
        );
    }
    let table = report::summary(sink.rows(), &floors, s);
    println!("{table}");
    report::write_summary(out, &table, sink.rows(), &floors)?;
    println!("results: {}", out.display());
    Ok(())
}

/// The error of an interrupted suite, saying what was kept.
fn interrupted(done: usize, total: usize, out: &Path) -> BenchError {
    BenchError::Interrupted(format!(
        "{done} of {total} runs finished and are in {}; rerun the same command to resume",
        out.join("results.csv").display()
    ))
}

/// The target's config as a row records it (and as resume keys compare it): its
/// TOML, and for a target measured against a reference set, the set's seed, size
/// and regenerating command, so a regenerated set is not mistaken for the old one.
fn target_config_text(tcfg: &TargetConfig, reference: Option<&ReferenceSet>) -> String {
    let mut t = toml::to_string(tcfg).unwrap_or_default();
    if let Some(r) = reference {
        let m = &r.meta;
        t.push_str(&format!(
            "# reference: seed {}, {} chains × {} draws, sampler {} ({})\n",
            m.seed,
            m.chains,
            m.draws_per_chain,
            m.sampler,
            m.command.replace('\n', " ")
        ));
    }
    t
}

/// A row carrying only what identifies a run (for resume keys).
fn identity(
    tname: &str,
    tconfig: &str,
    sampler: &SamplerSpec,
    budget: BudgetSpec,
    seed: u64,
    s: &Settings,
) -> Row {
    Row {
        target: tname.to_string(),
        sampler: sampler.label.clone(),
        kind: sampler.kind().to_string(),
        budget: budget.to_string(),
        resolved_budget: String::new(),
        seed,
        n: s.n,
        density: 0,
        gradient: 0,
        data_terms: 0,
        wall_s: 0.0,
        per_sample: 0.0,
        budget_note: String::new(),
        metrics: Vec::new(),
        chain_diagnostics: None,
        samples: PathBuf::new(),
        status: String::new(),
        target_config: tconfig.to_string(),
        sampler_config: toml::to_string(&sampler.built.table()).unwrap_or_default(),
        init_scale: s.init_scale,
        chains: s.chains,
    }
}

/// R̂, ESS and MCSE of a multi-chain run with at least 4 draws per chain (per
/// coordinate and the worst); `None` otherwise or when a coordinate's diagnostics
/// are undefined.
fn chain_diagnostics(run: &sampo_core::Run) -> Option<ChainDiagnostics> {
    if run.draws_per_chain < 4 || run.log_weights.is_some() {
        return None;
    }
    let conv = sampo_metrics::diagnostics::EssConvention::Arviz;
    let per = sampo_metrics::diagnostics::summarize(&run.samples, run.chains, conv).ok()?;
    let mut d = ChainDiagnostics {
        rhat_max: f64::NEG_INFINITY,
        ess_bulk_min: f64::INFINITY,
        ess_tail_min: f64::INFINITY,
        coordinates: Vec::with_capacity(per.len()),
    };
    for c in per {
        let c = c.ok()?;
        d.rhat_max = d.rhat_max.max(c.rhat);
        d.ess_bulk_min = d.ess_bulk_min.min(c.ess_bulk);
        d.ess_tail_min = d.ess_tail_min.min(c.ess_tail);
        d.coordinates.push(c);
    }
    Some(d)
}

/// The row of one executed run; writes its samples and keeps the first seed's for
/// the plots.
#[allow(clippy::too_many_arguments)]
fn make_row(
    tname: &str,
    tconfig: &str,
    sampler: &SamplerSpec,
    budget: BudgetSpec,
    last_budget: bool,
    seed: u64,
    s: &Settings,
    ex: &Executed,
    values: Option<(MetricValues, Option<ChainDiagnostics>)>,
    out: &Path,
    plot_panels: &mut Vec<(String, Particles)>,
    traces: &mut Vec<(String, Vec<Option<f64>>)>,
) -> Result<Row, BenchError> {
    let sname = &sampler.label;
    let resolved = match (budget, ex.resolved) {
        (BudgetSpec::Seconds(_), Some(b)) => b.to_string(),
        _ => String::new(),
    };
    let mut row = Row {
        resolved_budget: resolved,
        density: ex.evaluations.density,
        gradient: ex.evaluations.gradient,
        data_terms: ex.evaluations.data_terms,
        wall_s: ex.wall_s,
        per_sample: ex.per_sample(&budget, s.n),
        budget_note: ex.budget_note.clone().unwrap_or_default(),
        metrics: s.metrics.iter().map(|m| (m.clone(), None)).collect(),
        status: ex.status.text(),
        ..identity(tname, tconfig, sampler, budget, seed, s)
    };
    if let (Some(run), Some((values, diag))) = (&ex.run, values) {
        let file = out.join("samples").join(report::slug(tname)).join(format!(
            "{}-b{}-s{seed}.csv",
            report::slug(sname),
            report::slug(&budget.to_string())
        ));
        crate::io::write_run(&file, run)?;
        if seed == s.seeds[0] && last_budget {
            plot_panels.push((sname.clone(), run.samples.clone()));
            let acc = &run.diagnostics.acceptance_per_step;
            if acc.iter().any(Option::is_some) {
                traces.push((sname.clone(), acc.clone()));
            }
        }
        row.metrics = values;
        row.chain_diagnostics = diag;
        row.samples = file;
    }
    Ok(row)
}

/// Scatter of the first seed's samples over the density (2-D targets).
fn plot_target(
    out: &Path,
    t: &TargetHandle,
    panels: &[(String, Particles)],
    s: &Settings,
) -> Result<(), BenchError> {
    let Some(ex) = t.reference_sampler() else {
        return Ok(());
    };
    let exact = ex.sample_exact_n(s.n, s.seeds[0] ^ REFERENCE_SALT);
    let mut refs: Vec<(String, &Particles)> = vec![("exact".to_string(), &exact)];
    refs.extend(panels.iter().map(|(n, p)| (n.clone(), p)));
    let last = s.budgets.last().expect("non-empty");
    let title = format!(
        "{}: n = {}, seed {}, budget {} per sample",
        t.name, s.n, s.seeds[0], last
    );
    plots::scatter_over_density(
        &out.join("plots")
            .join(format!("{}-samples", report::slug(&t.name))),
        &title,
        t.target.density(),
        &refs,
        plots::bounds(&exact),
    )
}

/// Trace of the mean acceptance probability over chains at every step (warm-up
/// included) of the first seed, for samplers with an accept/reject step.
fn plot_traces(
    out: &Path,
    target: &str,
    traces: &[(String, Vec<Option<f64>>)],
) -> Result<(), BenchError> {
    let series: Vec<plots::Series> = traces
        .iter()
        .enumerate()
        .map(|(k, (name, acc))| plots::Series {
            label: name.clone(),
            points: acc
                .iter()
                .enumerate()
                .filter_map(|(t, a)| a.map(|a| ((t + 1) as f64, a)))
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

    /// The error message of loading `text` (which must fail).
    fn load_err(text: &str) -> String {
        load(text)
            .err()
            .expect("the suite should be refused")
            .to_string()
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
        assert_eq!(s.samplers[0].spec.label, "m");
        let bad = format!(
            "{HEAD}[[targets]]\npreset = \"8-gaussians\"\n\n[[samplers]]\nkind = \"mala\"\nstepsize = 0.1\n"
        );
        let e = load_err(&bad);
        assert!(
            e.contains("line 13") && e.contains("samplers[0]") && e.contains("stepsize"),
            "{e}"
        );
        // A bad value is reported at its own line.
        let e = load_err(&ok.replace("step_size = 0.1", "step_size = -0.1"));
        assert!(e.contains("line 14") && e.contains("step_size"), "{e}");
        let e = load_err(&ok.replace("preset = \"8-gaussians\"", "preset = 3"));
        assert!(e.contains("line 8") && e.contains("targets[0]"), "{e}");
        let e = load_err(&ok.replace("metrics = [\"w2\"]", "metrics = [\"w3\"]"));
        assert!(e.contains("w3") && e.contains("sliced-w2"), "{e}");
        let e = load_err(&ok.replace("n = 10", "n = 0"));
        assert!(e.contains("n must be >= 1"), "{e}");
        let e = load_err(&ok.replace("kind = \"mala\"", "kind = \"no-such-kind\""));
        assert!(e.contains("rdmc") && e.contains("mala-adapt"), "{e}");
        let e = load_err(&ok.replace("budgets = [10]", "budgets = [\"watts:3\"]"));
        assert!(e.contains("budget unit"), "{e}");
    }

    #[test]
    fn a_sampler_can_have_its_own_budgets() {
        let text = format!(
            "{HEAD}[[targets]]\npreset = \"8-gaussians\"\n\n[[samplers]]\nkind = \"mala\"\n\n\
             [[samplers]]\nkind = \"gpss\"\nbudgets = [\"density:100\", \"density:200\"]\n"
        );
        let s = load(&text).unwrap();
        assert!(s.samplers[0].budgets.is_none());
        let own: Vec<String> = s.samplers[1]
            .budgets(&s.settings)
            .iter()
            .map(|b| b.to_string())
            .collect();
        assert_eq!(own, ["density:100", "density:200"]);
        // mala at the suite's one budget, gpss at its two.
        assert_eq!(s.run_count(), 3);
        let e = load_err(&text.replace(
            "budgets = [\"density:100\", \"density:200\"]",
            "budgets = []",
        ));
        assert!(e.contains("samplers[1].budgets"), "{e}");
        let e = load_err(&text.replace("\"density:100\"", "\"watts:3\""));
        assert!(
            e.contains("samplers[1].budgets") && e.contains("budget unit"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_labels_and_seeds_are_rejected() {
        let two = format!(
            "{HEAD}[[targets]]\npreset = \"8-gaussians\"\n\n[[samplers]]\nkind = \"ula\"\n\n[[samplers]]\nkind = \"ula\"\nstep_size = 0.01\n"
        );
        let e = load_err(&two);
        assert!(e.contains("`ula` is used twice"), "{e}");
        let seeds = format!(
            "{}[[targets]]\npreset = \"8-gaussians\"\n\n[[samplers]]\nkind = \"ula\"\n",
            HEAD.replace("seeds = [1]", "seeds = [1, 1]")
        );
        let e = load_err(&seeds);
        assert!(e.contains("seeds lists 1 twice"), "{e}");
    }

    #[test]
    fn only_targets_restricts_a_sampler_and_must_name_targets() {
        let text = format!(
            "{HEAD}[[targets]]\npreset = \"8-gaussians\"\n\n[[targets]]\npreset = \"funnel\"\n\n[[samplers]]\nkind = \"rdmc\"\nonly_targets = [\"8-gaussians\"]\n\n[[samplers]]\nkind = \"ula\"\n"
        );
        let s = load(&text).unwrap();
        assert_eq!(s.samplers_for("funnel").count(), 1);
        assert_eq!(s.samplers_for("8-gaussians").count(), 2);
        assert_eq!(s.run_count(), 3);
        let e = load_err(&text.replace("[\"8-gaussians\"]", "[\"9gmm\"]"));
        assert!(e.contains("`9gmm`"), "{e}");
    }
}
