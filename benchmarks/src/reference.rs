//! `sampo-bench reference`: reference sets for targets without an exact sampler
//! (DW-4, Lennard-Jones, φ⁴), from our own long multi-chain runs, so that anyone can
//! regenerate them from the command line and no third-party data file is needed.
//!
//! A reference folder holds `samples.npy` (chains × draws rows, chain-major, in
//! particle coordinates with zero centre of mass for particle systems) and
//! `reference.json` ([`ReferenceMeta`]: the exact target and sampler configs, seed,
//! budget, cost, and the convergence diagnostics).
//!
//! **Convergence.** Split-R̂ (rank-normalized, bulk and tail) and bulk/tail ESS of
//! invariant statistics, over the chains: the energy u = −log π for every target,
//! plus the mean interatomic distance for particle systems, and |m| and m² (m the
//! mean of the coordinates) otherwise. Raw coordinates are not used: the targets
//! are invariant under particle relabelling, rotations or φ → −φ, and a chain need
//! not traverse those symmetric copies for the invariant metrics of
//! [`crate::physics`] to be right. A set is `converged` when every R̂ < [`RHAT_LIMIT`];
//! a suite refuses a set that is not.
//!
//! **Symmetrized.** After the diagnostics, every draw gets an independent uniformly
//! random element of the target's exact symmetry group (particle permutations and
//! O(s) for DW-4 and Lennard-Jones, φ → −φ for φ⁴; `sampo_targets::symmetry`), from
//! the stream (seed ⊕ salt, row). This leaves the target invariant and removes what
//! the chains did not traverse (a φ⁴ chain in the broken phase keeps its sign), so
//! coordinate metrics such as W2 compare with the symmetric target.
//!
//! **As a reference sampler.** [`ReferenceSet`] draws rows uniformly with
//! replacement. Two such draws of size n from N rows are not independent: a point of
//! one is also in the other with probability 1 − (1 − 1/N)^n ≈ 1 − e^{−n/N} (9.5% at
//! the default N = 20 000 and n = 2000), so noise floors computed from a set are
//! somewhat low. A sampler's output is independent of the set, so its metrics are not
//! affected.

use crate::BenchError;
use crate::budget::BudgetSpec;
use crate::execute::{Request, Status, execute};
use crate::spec::TargetHandle;
use sampo_core::rng::{StreamRng, uniform};
use sampo_core::{EvalCounts, ExactSampler, GradTarget, Particles, Target};
use sampo_metrics::diagnostics::{CoordinateSummary, EssConvention, summarize_chains};
use sampo_targets::TargetConfig;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the folder's format; a folder of another version is refused.
pub const FORMAT_VERSION: u32 = 1;
/// R̂ below which a set is converged (Vehtari et al. 2021's recommendation).
pub const RHAT_LIMIT: f64 = 1.01;
const META: &str = "reference.json";
const SAMPLES: &str = "samples.npy";
/// Salt of the symmetrization streams, so they differ from the sampler's.
const SYMMETRY_SALT: u64 = 0x5E77_5E77;

/// The diagnostics of one invariant statistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistic {
    /// `energy`, `mean_distance`, `abs_m` or `m2`.
    pub name: String,
    /// Mean, sd, MCSE, ESS bulk/tail and R̂ over the chains.
    #[serde(flatten)]
    pub summary: CoordinateSummary,
}

/// What `reference.json` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceMeta {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The target's name.
    pub target: String,
    /// The target's config as TOML (a suite checks it against its own).
    pub target_config: String,
    /// The sampler's label and kind.
    pub sampler: String,
    /// The sampler's full config as TOML.
    pub sampler_config: String,
    /// Budget per kept draw.
    pub budget: String,
    /// Master seed.
    pub seed: u64,
    /// Chains.
    pub chains: usize,
    /// Kept draws per chain.
    pub draws_per_chain: usize,
    /// Chains start at N(0, init_scale² I) (reduced coordinates for particles).
    pub init_scale: f64,
    /// Target evaluations spent.
    pub evaluations: EvalCounts,
    /// Seconds sampling, and the machine they were measured on.
    pub wall_s: f64,
    /// `uname -m` and core count of the machine.
    pub machine: String,
    /// Diagnostics of the invariant statistics.
    pub statistics: Vec<Statistic>,
    /// Largest R̂ over the statistics.
    pub rhat_max: f64,
    /// Smallest bulk ESS over the statistics.
    pub ess_bulk_min: f64,
    /// Whether every R̂ < [`RHAT_LIMIT`].
    pub converged: bool,
    /// The symmetry group the draws were symmetrized under (module docs), or
    /// `none`.
    pub symmetrized: String,
    /// The command that regenerates the set.
    pub command: String,
}

/// A loaded reference folder, usable as the target's reference sampler.
pub struct ReferenceSet {
    target: Box<dyn GradTarget>,
    draws: Particles,
    /// The plausibility range of the draws' energies, computed once.
    plausible: std::sync::OnceLock<Option<crate::validity::Plausible>>,
    /// Its metadata.
    pub meta: ReferenceMeta,
}

impl std::fmt::Debug for ReferenceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceSet")
            .field("rows", &self.draws.len())
            .field("dim", &self.draws.dim())
            .field("meta", &self.meta)
            .finish()
    }
}

fn data_err(path: &Path, reason: impl Into<String>) -> BenchError {
    BenchError::Data {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl ReferenceSet {
    /// Reads the folder `dir` and checks it against `cfg`: same format version,
    /// same target config, converged, one row per draw of the target's dimension.
    pub fn load(dir: &Path, cfg: &TargetConfig) -> Result<Self, BenchError> {
        let mp = dir.join(META);
        let text = std::fs::read_to_string(&mp).map_err(|source| BenchError::Io {
            path: mp.clone(),
            source,
        })?;
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("format_version").and_then(|v| v.as_u64()));
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(data_err(
                &mp,
                format!(
                    "format_version {version:?}: this harness reads version {FORMAT_VERSION}; regenerate the set with `sampo-bench reference`"
                ),
            ));
        }
        let meta: ReferenceMeta =
            serde_json::from_str(&text).map_err(|e| data_err(&mp, e.to_string()))?;
        let want = toml::to_string(cfg).unwrap_or_default();
        if meta.target_config != want {
            return Err(data_err(
                &mp,
                format!(
                    "made for the target config\n{}\nnot this one\n{want}",
                    meta.target_config
                ),
            ));
        }
        if !meta.converged {
            return Err(data_err(
                &mp,
                format!(
                    "not converged (largest R̂ {:.4} ≥ {RHAT_LIMIT}); regenerate it with a larger budget: {}",
                    meta.rhat_max, meta.command
                ),
            ));
        }
        let target = cfg.build()?;
        let sp = dir.join(SAMPLES);
        let draws = crate::io::read_samples(&sp)?;
        if draws.dim() != target.dim() {
            return Err(BenchError::Dimension {
                what: format!("reference samples {} vs target", sp.display()),
                left: draws.dim(),
                right: target.dim(),
            });
        }
        if draws.len() != meta.chains * meta.draws_per_chain || draws.is_empty() {
            return Err(data_err(
                &sp,
                format!(
                    "{} rows, but {META} says {} chains × {} draws",
                    draws.len(),
                    meta.chains,
                    meta.draws_per_chain
                ),
            ));
        }
        Ok(ReferenceSet {
            target,
            draws,
            plausible: std::sync::OnceLock::new(),
            meta,
        })
    }

    /// The reference draws.
    pub fn draws(&self) -> &Particles {
        &self.draws
    }

    /// The energy range of all draws, for the plausibility rule
    /// ([`crate::validity`]); computed on first use.
    pub fn plausible(&self) -> Option<crate::validity::Plausible> {
        *self
            .plausible
            .get_or_init(|| crate::validity::range_of(self, &self.draws))
    }
}

impl Target for ReferenceSet {
    fn dim(&self) -> usize {
        self.draws.dim()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        self.target.log_density(x)
    }
}

impl ExactSampler for ReferenceSet {
    /// A row drawn uniformly (module docs).
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        let n = self.draws.len();
        let k = ((uniform(rng) * n as f64) as usize).min(n - 1);
        out.copy_from_slice(self.draws.row(k));
    }
}

/// What `sampo-bench reference` runs.
pub struct Args {
    /// Target preset or file.
    pub target: String,
    /// Sampler kind or file.
    pub sampler: String,
    /// `--set` overrides.
    pub sets: Vec<String>,
    /// Chains.
    pub chains: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// Budget per kept draw.
    pub budget: BudgetSpec,
    /// Master seed.
    pub seed: u64,
    /// Chains start at N(0, s² I).
    pub init_scale: f64,
    /// Output folder.
    pub out: PathBuf,
}

impl Args {
    /// The command line that reproduces this set.
    pub fn command(&self) -> String {
        let mut c = format!(
            "sampo-bench reference --target {} --sampler {} --chains {} --draws {} --budget {} --seed {} --init-scale {} --out {}",
            self.target,
            self.sampler,
            self.chains,
            self.draws,
            self.budget,
            self.seed,
            self.init_scale,
            self.out.display()
        );
        for s in &self.sets {
            c.push_str(&format!(" --set {s}"));
        }
        c
    }
}

/// The per-chain series of the invariant statistics (module docs) of chain-major
/// samples in reported coordinates.
pub fn statistics(
    samples: &Particles,
    chains: usize,
    t: &TargetHandle,
) -> Vec<(&'static str, Vec<Vec<f64>>)> {
    let m = samples.len() / chains;
    let split = |v: Vec<f64>| -> Vec<Vec<f64>> { v.chunks(m).map(<[f64]>::to_vec).collect() };
    let mut out = vec![("energy", split(crate::physics::energies(samples, t)))];
    if let Some((d, _)) = crate::physics::distances(samples, None, t) {
        let per = d.len() / samples.len();
        let mean: Vec<f64> = d
            .chunks(per)
            .map(|c| c.iter().sum::<f64>() / per as f64)
            .collect();
        out.push(("mean_distance", split(mean)));
    } else {
        let mag = crate::physics::magnetizations(samples);
        out.push(("abs_m", split(mag.iter().map(|v| v.abs()).collect())));
        out.push(("m2", split(mag.iter().map(|v| v * v).collect())));
    }
    out
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{} with {cores} threads", std::env::consts::ARCH)
}

/// Runs the reference chains and writes the folder (also when not converged, marked
/// so, for inspection); returns its metadata.
pub fn generate(a: &Args) -> Result<ReferenceMeta, BenchError> {
    let (handle, cfg) = crate::spec::target_with_config(&a.target)?;
    if handle.target.density().exact_sampler().is_some() {
        return Err(BenchError::Usage(format!(
            "target `{}` has an exact sampler: compare against it directly (no reference run needed)",
            handle.name
        )));
    }
    if a.chains < 2 || a.draws < 4 {
        return Err(BenchError::Usage(format!(
            "--chains {} --draws {}: R̂ needs at least 2 chains of at least 4 draws",
            a.chains, a.draws
        )));
    }
    let sampler = crate::spec::sampler(&a.sampler, &a.sets)?;
    crate::io::check_dir_writable(&a.out).map_err(|source| BenchError::Io {
        path: a.out.clone(),
        source,
    })?;
    let n = a.chains * a.draws;
    crate::memory::check(n, handle.sample_dim(), a.chains)?;
    let req = Request {
        n,
        budget: a.budget,
        chains: Some(a.chains),
        seed: a.seed,
        init_scale: a.init_scale,
    };
    let flag = crate::progress::stop_flag();
    let ex = execute(
        &handle,
        &sampler,
        &req,
        vec![Box::new(sampo_core::StopFlag(flag))],
    );
    let run = match (&ex.status, ex.run) {
        (Status::Ok, Some(run)) => run,
        (status, _) => {
            return Err(BenchError::Sampler {
                label: sampler.label.clone(),
                source: sampo_core::CoreError::Unsupported {
                    reason: format!("reference run: {}", status.text()),
                },
            });
        }
    };
    if run.log_weights.is_some() || run.chains != a.chains || run.draws_per_chain != a.draws {
        return Err(BenchError::Usage(format!(
            "sampler `{}` returned {} chains × {} draws{}: a reference needs an unweighted MCMC sampler with one row per kept draw",
            sampler.label,
            run.chains,
            run.draws_per_chain,
            if run.log_weights.is_some() {
                ", weighted"
            } else {
                ""
            }
        )));
    }
    let mut stats = Vec::new();
    for (name, chains) in statistics(&run.samples, run.chains, &handle) {
        let summary = summarize_chains(&chains, EssConvention::Arviz)
            .map_err(|e| BenchError::Usage(format!("diagnostics of `{name}`: {e}")))?;
        stats.push(Statistic {
            name: name.to_string(),
            summary,
        });
    }
    let rhat_max = stats
        .iter()
        .map(|s| s.summary.rhat)
        .fold(f64::NEG_INFINITY, f64::max);
    let ess_bulk_min = stats
        .iter()
        .map(|s| s.summary.ess_bulk)
        .fold(f64::INFINITY, f64::min);
    let symmetry = cfg.symmetry()?;
    let mut samples = run.samples;
    if let Some(g) = symmetry {
        for i in 0..samples.len() {
            let mut rng = sampo_core::rng::stream(a.seed ^ SYMMETRY_SALT, i as u64);
            g.apply_random(samples.row_mut(i), &mut rng);
        }
    }
    let meta = ReferenceMeta {
        format_version: FORMAT_VERSION,
        target: handle.name.clone(),
        target_config: toml::to_string(&cfg).unwrap_or_default(),
        sampler: sampler.label.clone(),
        sampler_config: toml::to_string(&sampler.built.table()).unwrap_or_default(),
        budget: a.budget.to_string(),
        seed: a.seed,
        chains: run.chains,
        draws_per_chain: run.draws_per_chain,
        init_scale: a.init_scale,
        evaluations: run.evaluations,
        wall_s: ex.wall_s,
        machine: machine(),
        statistics: stats,
        rhat_max,
        ess_bulk_min,
        converged: rhat_max.is_finite() && rhat_max < RHAT_LIMIT,
        symmetrized: match symmetry {
            Some(sampo_targets::Symmetry::Particles(_)) => {
                "particle permutations and O(s) rotations/reflections".into()
            }
            Some(sampo_targets::Symmetry::SignFlip) => "global sign flip".into(),
            None => "none".into(),
        },
        command: a.command(),
    };
    crate::io::write_samples(&a.out.join(SAMPLES), &samples)?;
    let json = serde_json::to_string_pretty(&meta).expect("plain data");
    crate::io::atomic_write(&a.out.join(META), json.as_bytes())?;
    Ok(meta)
}
