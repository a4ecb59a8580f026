//! The runner owns the sampling loop (argmin's `Executor` is the model): warm-up
//! with adaptation, draws with thinning, observers, checkpoints and resume.
//!
//! Chains advance in segments of `segment` steps. Within a segment, chains run in
//! parallel with rayon, each with its own RNG stream `(seed, chain)`; between
//! segments the runner reduces diagnostics in chain order, calls the observers and
//! writes checkpoints. Nothing depends on how rayon splits the work, so the output
//! is bit-identical for any thread count, and a run stopped at a segment boundary
//! and resumed from its checkpoint equals the uninterrupted run bit for bit.

use crate::checkpoint::{ChainRecord, Checkpoint, FORMAT};
use crate::kernel::{Kernel, StepInfo};
use crate::observer::{Observer, Phase, Progress};
use crate::{CoreError, Diagnostics, EvalCounts, EvalSource, Particles, Run, rng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How long to run and what to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Number of independent chains.
    pub chains: usize,
    /// Warm-up (adaptation) steps per chain; not kept.
    pub warmup: u64,
    /// Sampling steps per chain after warm-up.
    pub draws: u64,
    /// Keep every `thin`-th sampling step.
    #[serde(default = "one")]
    pub thin: u64,
    /// Master seed; chain `c` uses stream `(seed, c)`.
    pub seed: u64,
    /// Steps between observer calls (and the granularity of checkpoints and stops).
    #[serde(default = "default_segment")]
    pub segment: u64,
    /// Write a checkpoint every this many steps (rounded up to a segment boundary);
    /// 0 writes one only when a run is stopped early.
    #[serde(default)]
    pub checkpoint_every: u64,
}

fn one() -> u64 {
    1
}
fn default_segment() -> u64 {
    100
}

impl RunConfig {
    /// A config with thin 1, segments of 100 steps and no periodic checkpoints.
    pub fn new(chains: usize, warmup: u64, draws: u64, seed: u64) -> Self {
        RunConfig {
            chains,
            warmup,
            draws,
            thin: 1,
            seed,
            segment: default_segment(),
            checkpoint_every: 0,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.chains == 0 {
            return Err(CoreError::invalid("chains", 0, "must be >= 1"));
        }
        if self.thin == 0 {
            return Err(CoreError::invalid("thin", 0, "must be >= 1"));
        }
        if self.segment == 0 {
            return Err(CoreError::invalid("segment", 0, "must be >= 1"));
        }
        if self.draws / self.thin == 0 {
            return Err(CoreError::invalid(
                "draws",
                self.draws,
                format!("keeps no draw with thin = {}", self.thin),
            ));
        }
        Ok(())
    }

    /// Total steps per chain.
    pub fn total_steps(&self) -> u64 {
        self.warmup + self.draws
    }

    /// Draws kept per chain.
    pub fn kept(&self) -> usize {
        (self.draws / self.thin) as usize
    }
}

/// Result of [`Runner::run`] and [`Runner::resume`].
#[derive(Debug)]
pub enum Outcome {
    /// All steps were run.
    Finished(Run),
    /// An observer stopped the run; draws kept so far are in `partial`, and the
    /// checkpoint (if one was configured) can resume it.
    Stopped {
        /// Steps completed.
        step: u64,
        /// Where the checkpoint was written.
        checkpoint: Option<PathBuf>,
        /// The draws kept so far (chain-major, `draws_per_chain` so far per chain).
        partial: Run,
    },
}

impl Outcome {
    /// The finished run; `None` if the run was stopped.
    pub fn finished(self) -> Option<Run> {
        match self {
            Outcome::Finished(r) => Some(r),
            Outcome::Stopped { .. } => None,
        }
    }
}

type Record<K> = ChainRecord<<K as Kernel>::State, <K as Kernel>::Tuning>;

/// Drives a [`Kernel`] over many chains.
pub struct Runner<'a, K: Kernel> {
    kernel: &'a K,
    config: RunConfig,
    observers: Vec<Box<dyn Observer + 'a>>,
    counter: Option<&'a dyn EvalSource>,
    checkpoint: Option<PathBuf>,
}

impl<'a, K: Kernel> Runner<'a, K> {
    /// Validates the config.
    pub fn new(kernel: &'a K, config: RunConfig) -> Result<Self, CoreError> {
        config.validate()?;
        Ok(Runner {
            kernel,
            config,
            observers: Vec::new(),
            counter: None,
            checkpoint: None,
        })
    }

    /// Adds an observer.
    pub fn observe(mut self, obs: impl Observer + 'a) -> Self {
        self.observers.push(Box::new(obs));
        self
    }

    /// Reads evaluation counts from `counter` (usually the [`crate::Counted`] target
    /// the kernel evaluates).
    pub fn count_with(mut self, counter: &'a dyn EvalSource) -> Self {
        self.counter = Some(counter);
        self
    }

    /// Writes checkpoints to `path` (see [`RunConfig::checkpoint_every`]).
    pub fn checkpoint_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// Runs from `init` (n × d with n = `chains`, or a single row used for every
    /// chain).
    pub fn run(self, init: &Particles) -> Result<Outcome, CoreError> {
        let d = self.kernel.dim();
        let n = self.config.chains;
        if init.dim() != d {
            return Err(CoreError::dim("initial positions", d, init.dim()));
        }
        if init.len() != n && init.len() != 1 {
            return Err(CoreError::dim(
                "number of initial positions (chains)",
                n,
                init.len(),
            ));
        }
        let kernel = self.kernel;
        let seed = self.config.seed;
        let kept = self.config.kept();
        let evals_at_start = self.counts();
        let chains = (0..n)
            .into_par_iter()
            .map(|c| {
                let x0 = init.row(if init.len() == 1 { 0 } else { c });
                let state = kernel.init(x0).map_err(|e| match e {
                    CoreError::NonFiniteLogDensity { value, .. } => {
                        CoreError::NonFiniteLogDensity {
                            step: 0,
                            particle: c,
                            value,
                        }
                    }
                    other => other,
                })?;
                Ok(ChainRecord {
                    state,
                    tuning: kernel.initial_tuning(),
                    rng: rng::stream(seed, c as u64),
                    draws: Vec::with_capacity(kept * d),
                    accept_sum: 0.0,
                    accept_count: 0,
                })
            })
            .collect::<Result<Vec<_>, CoreError>>()?;
        let ck = Checkpoint {
            format: FORMAT.to_string(),
            config: self.config.clone(),
            dim: d,
            step: 0,
            chains,
            acceptance_per_step: Vec::new(),
            // Initialization evaluates the target too: count it.
            evaluations: self.counts().since(&evals_at_start),
            wall_time_secs: 0.0,
        };
        self.drive(ck)
    }

    /// Continues the run saved at `path`. The kernel must be the one the run
    /// started with; the config must match the checkpoint's.
    pub fn resume(self, path: &Path) -> Result<Outcome, CoreError> {
        let ck: Checkpoint<K::State, K::Tuning> = Checkpoint::load(path)?;
        let bad = |reason: String| CoreError::Checkpoint {
            path: path.to_path_buf(),
            reason,
        };
        if ck.dim != self.kernel.dim() {
            return Err(bad(format!(
                "dimension {} but the kernel has {}",
                ck.dim,
                self.kernel.dim()
            )));
        }
        if ck.config != self.config {
            return Err(bad(format!(
                "saved config {:?} differs from {:?}",
                ck.config, self.config
            )));
        }
        if ck.chains.len() != self.config.chains {
            return Err(bad(format!("{} chains saved", ck.chains.len())));
        }
        self.drive(ck)
    }

    fn drive(mut self, mut ck: Checkpoint<K::State, K::Tuning>) -> Result<Outcome, CoreError> {
        let kernel = self.kernel;
        let cfg = self.config.clone();
        let total = cfg.total_steps();
        let evals_at_start = self.counts();
        let evals_before = ck.evaluations;
        let mut last_checkpoint = ck.step;
        while ck.step < total {
            let t0 = Instant::now();
            let from = ck.step;
            let to = (from + cfg.segment).min(total);
            let results: Vec<Result<Vec<f64>, CoreError>> = ck
                .chains
                .par_iter_mut()
                .enumerate()
                .map(|(c, ch)| advance(kernel, &cfg, ch, c, from, to))
                .collect();
            let mut per_chain = Vec::with_capacity(results.len());
            for r in results {
                per_chain.push(r?);
            }
            // Mean acceptance per step, reduced in chain order (deterministic).
            let len = (to - from) as usize;
            let mut seg_mean = None;
            if per_chain.first().is_some_and(|a| a.len() == len) {
                let mut acc = vec![0.0; len];
                for a in &per_chain {
                    for (s, v) in acc.iter_mut().zip(a) {
                        *s += v;
                    }
                }
                let n = per_chain.len() as f64;
                acc.iter_mut().for_each(|v| *v /= n);
                seg_mean = Some(acc.iter().sum::<f64>() / len as f64);
                ck.acceptance_per_step.extend(acc);
            }
            ck.step = to;
            ck.wall_time_secs += t0.elapsed().as_secs_f64();
            ck.evaluations = evals_before + self.counts().since(&evals_at_start);

            let progress = Progress {
                step: to,
                total,
                phase: if to <= cfg.warmup {
                    Phase::Warmup
                } else {
                    Phase::Sampling
                },
                mean_acceptance: seg_mean,
                evaluations: ck.evaluations,
            };
            let mut stop = false;
            for obs in self.observers.iter_mut() {
                if let ControlFlow::Break(()) = obs.observe(&progress) {
                    stop = true;
                }
            }
            let periodic = cfg.checkpoint_every > 0 && to - last_checkpoint >= cfg.checkpoint_every;
            if let Some(path) = &self.checkpoint
                && (stop || periodic)
                && to < total
            {
                ck.save(path)?;
                last_checkpoint = to;
            }
            if stop && to < total {
                let checkpoint = self.checkpoint.take();
                let partial = assemble(kernel, &ck);
                return Ok(Outcome::Stopped {
                    step: to,
                    checkpoint,
                    partial,
                });
            }
        }
        Ok(Outcome::Finished(assemble(kernel, &ck)))
    }

    fn counts(&self) -> EvalCounts {
        self.counter.map(|c| c.counts()).unwrap_or_default()
    }
}

/// Runs chain `c` from step `from` to `to` (global step indices, 0-based count of
/// completed steps). Returns the acceptance probability of each step if the
/// kernel reports one.
fn advance<K: Kernel>(
    kernel: &K,
    cfg: &RunConfig,
    ch: &mut Record<K>,
    c: usize,
    from: u64,
    to: u64,
) -> Result<Vec<f64>, CoreError> {
    let mut acc = Vec::with_capacity((to - from) as usize);
    for s in from..to {
        let step = s + 1; // 1-based index of the step being taken
        let info = kernel
            .step(&ch.tuning, &mut ch.state, &mut ch.rng)
            .map_err(|d| CoreError::Diverged {
                step,
                chain: c,
                reason: d.reason,
            })?;
        let a = info.acceptance();
        if let Some(a) = a {
            acc.push(a);
        }
        if step <= cfg.warmup {
            kernel.adapt(&mut ch.tuning, &info, step);
            if step == cfg.warmup {
                kernel.finish_adaptation(&mut ch.tuning);
            }
        } else {
            if let Some(a) = a {
                ch.accept_sum += a;
                ch.accept_count += 1;
            }
            if (step - cfg.warmup).is_multiple_of(cfg.thin) {
                ch.draws.extend_from_slice(kernel.position(&ch.state));
            }
        }
    }
    Ok(acc)
}

fn assemble<K: Kernel>(kernel: &K, ck: &Checkpoint<K::State, K::Tuning>) -> Run {
    let d = ck.dim;
    let n = ck.chains.len();
    let m = ck.chains.first().map_or(0, |c| c.draws.len() / d.max(1));
    let mut data = Vec::with_capacity(n * m * d);
    let mut finals = Vec::with_capacity(n * d);
    let mut chain_acceptance = Vec::new();
    let mut step_sizes = Vec::new();
    for ch in &ck.chains {
        data.extend_from_slice(&ch.draws);
        finals.extend_from_slice(kernel.position(&ch.state));
        if ch.accept_count > 0 {
            chain_acceptance.push(ch.accept_sum / ch.accept_count as f64);
        }
        if let Some(h) = kernel.step_size(&ch.tuning) {
            step_sizes.push(h);
        }
    }
    let samples = Particles::from_vec(n * m, d, data).expect("chains keep equal draw counts");
    let final_positions = Particles::from_vec(n, d, finals).expect("one position per chain");
    Run {
        samples,
        chains: n,
        draws_per_chain: m,
        evaluations: ck.evaluations,
        wall_time_secs: ck.wall_time_secs,
        diagnostics: Diagnostics {
            acceptance_per_step: ck.acceptance_per_step.clone(),
            chain_acceptance,
            step_sizes,
            final_positions: Some(final_positions),
        },
    }
}
