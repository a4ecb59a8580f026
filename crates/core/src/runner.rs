//! The runner owns the sampling loop (argmin's `Executor` is the model): warm-up
//! with adaptation, draws with thinning, observers, checkpoints and resume, for
//! independent chains of a [`Kernel`] ([`Runner::new`]) and for a
//! [`PopulationKernel`] ([`Runner::population`]) alike.
//!
//! **Segments.** The run advances in segments of `segment` steps. Within a segment,
//! chains run in parallel with rayon, each with its own RNG stream `(seed, chain)`
//! (a population kernel parallelizes its own steps over per-particle streams);
//! between segments the runner reduces diagnostics in chain order, calls the
//! observers and writes checkpoints. Nothing depends on how rayon splits the work,
//! so the output is bit-identical for any thread count, and a run stopped at a
//! segment boundary and resumed from its checkpoint equals the uninterrupted run bit
//! for bit.
//!
//! **Limits.** By default `warmup`, `draws` and `thin` count steps. With
//! [`RunConfig::cost_unit`] set, `warmup` and `draws` count evaluations in that
//! unit, as reported by the kernel ([`crate::StepInfo::evaluations`]), and each
//! chain keeps m = `draws / thin` draws: it warms up until it has spent `warmup`
//! (its initialization included), then samples until it has spent `draws` more
//! (and taken at least m steps), and keeps m of its sampling steps **evenly spaced
//! in step index**. Chains of a variable-cost kernel (slice samplers, NUTS) thus
//! stop when they have spent their share, at different step counts.
//!
//! Why by step index: a rule that keeps the draw at which the spending crosses
//! each multiple of `thin` selects steps with probability proportional to their
//! cost, and when the cost depends on the state (NUTS's trajectory length, a slice
//! sampler's shrinkage) the kept draws follow the cost-weighted law, not the
//! target (on Neal's funnel NUTS's x₀ came out shifted by +3.9 standard
//! deviations' worth of mass). Evenly spaced steps of one chain are an ordinary
//! thinning; only the stopping time depends on the costs, as in any run of fixed
//! length. A chain buffers at most 2m draws: every `stride`-th sampling step, the
//! stride doubling and every other draw dropped when the buffer is full; at the
//! end, draws ⌊(i + ½) b / m⌋ (i < m) of the b buffered are kept, which also
//! leaves out the last steps, whose states start or end the step that crossed the
//! budget. Populations keep their snapshot when their spending crosses each
//! multiple of `thin` (one state for all particles: nothing is selected among
//! them).

use crate::checkpoint::{ChainRecord, Checkpoint, FORMAT, PopulationRecord, Position, StatSums};
use crate::kernel::{Kernel, StepInfo};
use crate::observer::{Observer, Phase, Progress};
use crate::population::PopulationKernel;
use crate::{CoreError, CostUnit, Diagnostics, EvalCounts, EvalSource, Particles, Run, rng};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How long to run and what to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Number of independent chains (for a population kernel: particles).
    pub chains: usize,
    /// Warm-up (adaptation) steps per chain, not kept; in a cost-limited run, the
    /// evaluations a chain spends in warm-up (initialization included).
    pub warmup: u64,
    /// Sampling steps per chain after warm-up (or evaluations, cost-limited).
    pub draws: u64,
    /// Keep every `thin`-th sampling step (cost-limited: keep `draws / thin` of the
    /// sampling steps, evenly spaced in step index).
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
    /// `None`: `warmup`, `draws` and `thin` count steps. `Some(unit)`: they count
    /// evaluations in `unit` spent by each chain (see the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_unit: Option<CostUnit>,
}

fn one() -> u64 {
    1
}
fn default_segment() -> u64 {
    100
}

/// Consecutive steps spending nothing in a cost-limited run's unit after which the
/// run fails: a kernel that never spends the unit (ULA and density evaluations)
/// would otherwise loop forever. Ten thousand steps is far more than any kernel
/// skips evaluating (a MALA proposal overflowing to ±∞ is rejected unevaluated).
const MAX_IDLE_STEPS: u64 = 10_000;

impl RunConfig {
    /// A step-limited config with thin 1, segments of 100 steps and no periodic
    /// checkpoints.
    pub fn new(chains: usize, warmup: u64, draws: u64, seed: u64) -> Self {
        RunConfig {
            chains,
            warmup,
            draws,
            thin: 1,
            seed,
            segment: default_segment(),
            checkpoint_every: 0,
            cost_unit: None,
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

    /// Total steps per chain (step-limited runs).
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
        /// Steps completed (by the chain that has taken the most).
        step: u64,
        /// Where the checkpoint was written.
        checkpoint: Option<PathBuf>,
        /// The draws kept so far (chain-major; chains may hold different numbers of
        /// draws in a cost-limited run, then each keeps the same smallest number).
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

    /// A finished run cut to its first `n` samples ([`Run::truncate`]: C chains of
    /// ⌈n / C⌉ draws each hold up to C − 1 more); a stopped run as it is.
    pub fn truncated(self, n: usize) -> Outcome {
        match self {
            Outcome::Finished(mut r) => {
                r.truncate(n);
                Outcome::Finished(r)
            }
            stopped => stopped,
        }
    }

    /// The run with a setup phase that ran before its runner (a surrogate fitted
    /// once per run) added: `counts` to its counted and reported evaluations and
    /// `wall_secs` to its wall time, for a finished and a stopped run alike. A resumed
    /// run repeats a deterministic setup and adds the same counts, so it reports what
    /// one uninterrupted run spends.
    pub fn with_setup(self, counts: EvalCounts, wall_secs: f64) -> Outcome {
        let add = |mut r: Run| {
            r.evaluations += counts;
            r.reported_evaluations += counts;
            r.wall_time_secs += wall_secs;
            r
        };
        match self {
            Outcome::Finished(r) => Outcome::Finished(add(r)),
            Outcome::Stopped {
                step,
                checkpoint,
                partial,
            } => Outcome::Stopped {
                step,
                checkpoint,
                partial: add(partial),
            },
        }
    }
}

/// Where a chain (or the population) stands against the run's limit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Warmup,
    Sampling,
    Done,
}

impl Position {
    fn spent_in(&self, unit: CostUnit) -> u64 {
        self.spent.in_unit(unit)
    }

    fn stage(&self, cfg: &RunConfig) -> Stage {
        match cfg.cost_unit {
            None => {
                if self.steps < cfg.warmup {
                    Stage::Warmup
                } else if self.steps < cfg.total_steps() {
                    Stage::Sampling
                } else {
                    Stage::Done
                }
            }
            Some(u) => match self.warmup_end {
                None => Stage::Warmup,
                Some(end) => {
                    let more = if self.stride > 0 {
                        // A chain: until its share is spent and m draws are buffered.
                        self.spent_in(u) - end < cfg.draws || self.kept < cfg.kept() as u64
                    } else {
                        self.kept < cfg.kept() as u64
                    };
                    if more { Stage::Sampling } else { Stage::Done }
                }
            },
        }
    }

    /// In a cost-limited run, ends warm-up at once if the initialization already
    /// spent the warm-up share.
    fn start(&mut self, cfg: &RunConfig) {
        if let Some(u) = cfg.cost_unit
            && self.spent_in(u) >= cfg.warmup
        {
            self.warmup_end = Some(self.spent_in(u));
        }
    }

    /// Accounts for one step just taken (its cost already added to `spent`) and
    /// says what to do: `(adapt, finish_adaptation, keep)`.
    fn after_step(
        &mut self,
        cfg: &RunConfig,
        was: Stage,
        cost: EvalCounts,
    ) -> Result<(bool, bool, bool), String> {
        self.steps += 1;
        let s = self.steps;
        match cfg.cost_unit {
            None => Ok(match was {
                Stage::Warmup => (true, s == cfg.warmup, false),
                _ => {
                    let keep = (s - cfg.warmup).is_multiple_of(cfg.thin);
                    if keep {
                        self.kept += 1;
                    }
                    (false, false, keep)
                }
            }),
            Some(u) => {
                if cost.in_unit(u) == 0 {
                    self.idle += 1;
                    if self.idle >= MAX_IDLE_STEPS {
                        return Err(format!(
                            "{MAX_IDLE_STEPS} consecutive steps spent no `{u}` evaluations: \
                             a budget in `{u}` cannot limit this sampler"
                        ));
                    }
                } else {
                    self.idle = 0;
                }
                let spent = self.spent_in(u);
                Ok(match was {
                    Stage::Warmup => {
                        let end = spent >= cfg.warmup;
                        if end {
                            self.warmup_end = Some(spent);
                            self.warmup_steps = s;
                        }
                        (true, end, false)
                    }
                    _ if self.stride > 0 => {
                        let keep = (s - self.warmup_steps).is_multiple_of(self.stride);
                        if keep {
                            self.kept += 1;
                        }
                        (false, false, keep)
                    }
                    _ => {
                        let since = spent - self.warmup_end.unwrap_or(0);
                        let keep = since >= (self.kept + 1) * cfg.thin;
                        if keep {
                            self.kept += 1;
                        }
                        (false, false, keep)
                    }
                })
            }
        }
    }

    /// Fraction of this chain's run done.
    fn fraction(&self, cfg: &RunConfig) -> f64 {
        match cfg.cost_unit {
            None => (self.steps as f64 / cfg.total_steps().max(1) as f64).min(1.0),
            Some(u) => {
                if self.stage(cfg) == Stage::Done {
                    1.0
                } else {
                    let all = (cfg.warmup + cfg.draws).max(1) as f64;
                    (self.spent_in(u) as f64 / all).min(0.999)
                }
            }
        }
    }
}

/// What one segment of steps produced, reduced in chain order.
#[derive(Default)]
pub struct Segment {
    /// Step index (from 0) of `acceptance_sum[0]`.
    first: u64,
    /// Sum of the acceptance probabilities reported at each step of the segment.
    acceptance_sum: Vec<f64>,
    /// Number of acceptance probabilities at each step of the segment.
    acceptance_count: Vec<u64>,
    /// Evaluations reported.
    reported: EvalCounts,
    /// Statistic sums of the segment (all phases), for the observers.
    stats: Vec<(&'static str, f64, u64)>,
}

impl Segment {
    fn starting_at(first: u64) -> Self {
        Segment {
            first,
            ..Segment::default()
        }
    }

    /// Adds an acceptance probability reported at step index `step0` (from 0).
    fn add_acceptance(&mut self, step0: u64, a: f64) {
        let k = (step0 - self.first) as usize;
        if self.acceptance_sum.len() <= k {
            self.acceptance_sum.resize(k + 1, 0.0);
            self.acceptance_count.resize(k + 1, 0);
        }
        self.acceptance_sum[k] += a;
        self.acceptance_count[k] += 1;
    }

    /// Adds one chain's acceptance probabilities, one per step from step index
    /// `first` (NaN where the chain reported none).
    fn add_chain_acceptance(&mut self, first: u64, acceptance: &[f64]) {
        let off = (first - self.first) as usize;
        let end = off + acceptance.len();
        if self.acceptance_sum.len() < end {
            self.acceptance_sum.resize(end, 0.0);
            self.acceptance_count.resize(end, 0);
        }
        for ((s, n), &a) in self.acceptance_sum[off..end]
            .iter_mut()
            .zip(&mut self.acceptance_count[off..end])
            .zip(acceptance)
        {
            if !a.is_nan() {
                *s += a;
                *n += 1;
            }
        }
    }

    /// Mean of every acceptance probability of the segment.
    fn mean_acceptance(&self) -> Option<f64> {
        let n: u64 = self.acceptance_count.iter().sum();
        (n > 0).then(|| self.acceptance_sum.iter().sum::<f64>() / n as f64)
    }
}

fn add_stat(stats: &mut Vec<(&'static str, f64, u64)>, key: &'static str, v: f64) {
    match stats.iter_mut().find(|e| e.0 == key) {
        Some(e) => {
            e.1 += v;
            e.2 += 1;
        }
        None => stats.push((key, v, 1)),
    }
}

/// What the runner needs from a sampler: implemented for [`Chains`] of a [`Kernel`]
/// and for a [`Population`] of a [`PopulationKernel`]; sealed.
pub trait Engine: Sync + sealed::Sealed {
    /// The checkpointed record.
    type Record: Clone + Send + Serialize + DeserializeOwned;
    /// The dimension.
    fn dim(&self) -> usize;
    /// Checks the config against the sampler (a fixed schedule's length).
    fn check(&self, cfg: &RunConfig) -> Result<(), CoreError>;
    /// Initializes from `init` (n rows or one row); returns the record and the cost.
    fn start(&self, init: &Particles, cfg: &RunConfig) -> Result<Self::Record, CoreError>;
    /// Number of chains (particles) in a record.
    fn count(&self, rec: &Self::Record) -> usize;
    /// Evaluations reported so far.
    fn spent(&self, rec: &Self::Record) -> EvalCounts;
    /// Advances by up to `cfg.segment` steps.
    fn advance(&self, rec: &mut Self::Record, cfg: &RunConfig) -> Result<Segment, CoreError>;
    /// `(steps, fraction done, phase, done)`.
    fn status(&self, rec: &Self::Record, cfg: &RunConfig) -> (u64, f64, Phase, bool);
    /// The run so far (evaluations and wall time are filled in by the runner).
    fn assemble(&self, rec: &Self::Record, cfg: &RunConfig) -> Run;
}

mod sealed {
    pub trait Sealed {}
    impl<K> Sealed for super::Chains<'_, K> {}
    impl<P> Sealed for super::Population<'_, P> {}
}

/// Independent chains of a per-chain [`Kernel`].
pub struct Chains<'a, K>(&'a K);

/// A [`PopulationKernel`] driven step by step.
pub struct Population<'a, P>(&'a P);

type Record<K> = ChainRecord<<K as Kernel>::State, <K as Kernel>::Tuning>;

impl<K: Kernel> Engine for Chains<'_, K> {
    type Record = Vec<Record<K>>;

    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn check(&self, _cfg: &RunConfig) -> Result<(), CoreError> {
        Ok(())
    }

    fn start(&self, init: &Particles, cfg: &RunConfig) -> Result<Self::Record, CoreError> {
        let kernel = self.0;
        // A cost-limited chain buffers up to 2m draws (see the module docs).
        let capacity = cfg.kept() * kernel.dim() * if cfg.cost_unit.is_none() { 1 } else { 2 };
        (0..cfg.chains)
            .into_par_iter()
            .map(|c| {
                let x0 = init.row(if init.len() == 1 { 0 } else { c });
                let mut rng = rng::stream(cfg.seed, c as u64);
                let (state, spent) = kernel.init(x0, &mut rng).map_err(|e| match e {
                    CoreError::NonFiniteLogDensity { value, .. } => {
                        CoreError::NonFiniteLogDensity {
                            step: 0,
                            particle: c,
                            value,
                        }
                    }
                    CoreError::Diverged {
                        step: 0, reason, ..
                    } => CoreError::Diverged {
                        step: 0,
                        chain: c,
                        reason,
                    },
                    other => other,
                })?;
                let mut at = Position {
                    spent,
                    // Cost-limited chains buffer every sampling step to begin with.
                    stride: u64::from(cfg.cost_unit.is_some()),
                    ..Position::default()
                };
                at.start(cfg);
                Ok(ChainRecord {
                    state,
                    tuning: kernel.initial_tuning(),
                    rng,
                    draws: Vec::with_capacity(capacity),
                    accept_sum: 0.0,
                    accept_count: 0,
                    at,
                })
            })
            .collect()
    }

    fn count(&self, rec: &Self::Record) -> usize {
        rec.len()
    }

    fn spent(&self, rec: &Self::Record) -> EvalCounts {
        rec.iter().map(|c| c.at.spent).sum()
    }

    fn advance(&self, rec: &mut Self::Record, cfg: &RunConfig) -> Result<Segment, CoreError> {
        let kernel = self.0;
        let first = rec.iter().map(|c| c.at.steps).min().unwrap_or(0);
        let results: Vec<Result<ChainSegment, CoreError>> = rec
            .par_iter_mut()
            .enumerate()
            .map(|(c, ch)| advance_chain(kernel, cfg, ch, c))
            .collect();
        let mut seg = Segment::starting_at(first);
        for r in results {
            let cs = r?;
            seg.reported += cs.reported;
            seg.add_chain_acceptance(cs.first_step, &cs.acceptance);
            for (key, s, n) in cs.stats {
                match seg.stats.iter_mut().find(|e| e.0 == key) {
                    Some(e) => {
                        e.1 += s;
                        e.2 += n;
                    }
                    None => seg.stats.push((key, s, n)),
                }
            }
        }
        Ok(seg)
    }

    fn status(&self, rec: &Self::Record, cfg: &RunConfig) -> (u64, f64, Phase, bool) {
        let steps = rec.iter().map(|c| c.at.steps).max().unwrap_or(0);
        let fraction = rec.iter().map(|c| c.at.fraction(cfg)).sum::<f64>() / rec.len() as f64;
        let warm = rec.iter().any(|c| c.at.stage(cfg) == Stage::Warmup);
        let done = rec.iter().all(|c| c.at.stage(cfg) == Stage::Done);
        let phase = if warm { Phase::Warmup } else { Phase::Sampling };
        (steps, fraction, phase, done)
    }

    fn assemble(&self, rec: &Self::Record, cfg: &RunConfig) -> Run {
        let kernel = self.0;
        let d = kernel.dim();
        let n = rec.len();
        // Chains of a stopped cost-limited run may hold different numbers of draws:
        // keep the same (smallest) number of each, so the layout stays chain-major;
        // a cost-limited chain's m are evenly spaced in its buffer.
        let m = rec
            .iter()
            .map(|c| c.draws.len() / d.max(1))
            .min()
            .unwrap_or(0)
            .min(cfg.kept());
        let mut data = Vec::with_capacity(n * m * d);
        let mut finals = Vec::with_capacity(n * d);
        let mut diagnostics = Diagnostics::default();
        let mut stats = StatSums::default();
        for ch in rec {
            if cfg.cost_unit.is_some() {
                let b = ch.draws.len() / d.max(1);
                for r in evenly_spaced(b, m) {
                    data.extend_from_slice(&ch.draws[r * d..(r + 1) * d]);
                }
            } else {
                data.extend_from_slice(&ch.draws[..m * d]);
            }
            finals.extend_from_slice(kernel.position(&ch.state));
            if ch.accept_count > 0 {
                diagnostics
                    .chain_acceptance
                    .push(ch.accept_sum / ch.accept_count as f64);
            }
            if let Some(h) = kernel.step_size(&ch.tuning) {
                diagnostics.step_sizes.push(h);
            }
            diagnostics.steps_per_chain.push(ch.at.steps);
            stats.merge(&ch.at.stats);
        }
        diagnostics.stats = means(&stats);
        diagnostics.final_positions =
            Some(Particles::from_vec(n, d, finals).expect("one position per chain"));
        Run {
            samples: Particles::from_vec(n * m, d, data).expect("m draws per chain"),
            log_weights: None,
            chains: n,
            draws_per_chain: m,
            evaluations: EvalCounts::ZERO,
            reported_evaluations: EvalCounts::ZERO,
            wall_time_secs: 0.0,
            diagnostics,
        }
    }
}

/// One chain's part of a segment.
struct ChainSegment {
    first_step: u64,
    /// Steps the segment may take (the acceptance buffer's capacity).
    capacity: usize,
    /// One entry per step; NaN where the kernel reported no acceptance.
    acceptance: Vec<f64>,
    reported: EvalCounts,
    stats: Vec<(&'static str, f64, u64)>,
}

impl ChainSegment {
    fn new(first_step: u64, capacity: usize) -> Self {
        ChainSegment {
            first_step,
            capacity,
            acceptance: Vec::new(),
            reported: EvalCounts::ZERO,
            stats: Vec::new(),
        }
    }
}

/// Takes step `step` (1-based; the `k`-th of this segment) of chain `c` and records
/// its acceptance (at index k of the segment, NaN marking earlier steps without
/// one; kernels without acceptance never allocate here) and statistics. What
/// follows the step (adaptation, keeping a draw) is [`finish_step`]'s.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn take_step<K: Kernel>(
    kernel: &K,
    ch: &mut Record<K>,
    c: usize,
    step: u64,
    k: usize,
    sampling: bool,
    out: &mut ChainSegment,
    sampling_stats: &mut Vec<(&'static str, f64, u64)>,
) -> Result<K::Info, CoreError> {
    let info = kernel
        .step(&ch.tuning, &mut ch.state, &mut ch.rng)
        .map_err(|d| CoreError::Diverged {
            step,
            chain: c,
            reason: d.reason,
        })?;
    if let Some(a) = info.acceptance() {
        if out.acceptance.capacity() == 0 {
            out.acceptance.reserve(out.capacity);
        }
        if out.acceptance.len() < k {
            out.acceptance.resize(k, f64::NAN);
        }
        out.acceptance.push(a);
    }
    info.stats(&mut |key, v| {
        add_stat(&mut out.stats, key, v);
        if sampling {
            add_stat(sampling_stats, key, v);
        }
    });
    Ok(info)
}

/// After a step: warm-up adaptation (and freezing it at the last warm-up step), or
/// the sampling step's acceptance sum and, when due, its kept draw.
#[inline(always)]
fn finish_step<K: Kernel>(
    kernel: &K,
    ch: &mut Record<K>,
    info: &K::Info,
    step: u64,
    (adapt, finish, keep): (bool, bool, bool),
) {
    if adapt {
        kernel.adapt(&mut ch.tuning, info, step);
        if finish {
            kernel.finish_adaptation(&mut ch.tuning);
        }
    } else {
        if let Some(a) = info.acceptance() {
            ch.accept_sum += a;
            ch.accept_count += 1;
        }
        if keep {
            ch.draws.extend_from_slice(kernel.position(&ch.state));
        }
    }
}

/// Runs chain `c` for up to `cfg.segment` steps (fewer if it finishes).
fn advance_chain<K: Kernel>(
    kernel: &K,
    cfg: &RunConfig,
    ch: &mut Record<K>,
    c: usize,
) -> Result<ChainSegment, CoreError> {
    if cfg.cost_unit.is_none() {
        return advance_chain_steps(kernel, cfg, ch, c);
    }
    let first_step = ch.at.steps;
    let mut out = ChainSegment::new(first_step, cfg.segment as usize);
    let mut sampling_stats = Vec::new();
    for k in 0..cfg.segment as usize {
        let stage = ch.at.stage(cfg);
        if stage == Stage::Done {
            break;
        }
        let step = ch.at.steps + 1; // 1-based index of the step being taken
        let sampling = stage == Stage::Sampling;
        let info = take_step(
            kernel,
            ch,
            c,
            step,
            k,
            sampling,
            &mut out,
            &mut sampling_stats,
        )?;
        let cost = info.evaluations();
        ch.at.spent += cost;
        out.reported += cost;
        let todo = ch
            .at
            .after_step(cfg, stage, cost)
            .map_err(|reason| CoreError::Diverged {
                step,
                chain: c,
                reason,
            })?;
        finish_step(kernel, ch, &info, step, todo);
        if todo.2 {
            halve_when_full::<K>(ch, cfg.kept(), kernel.dim());
        }
    }
    for (k, s, n) in sampling_stats {
        ch.at.stats.add(k, s, n);
    }
    Ok(out)
}

/// A cost-limited chain's buffer of draws at every `stride`-th sampling step:
/// when it holds 2m draws, keeps every other one (those at multiples of
/// 2·stride) and doubles the stride (see the module docs).
fn halve_when_full<K: Kernel>(ch: &mut Record<K>, m: usize, d: usize) {
    if ch.at.kept < 2 * m as u64 {
        return;
    }
    for (w, r) in (1..2 * m).step_by(2).enumerate() {
        ch.draws.copy_within(r * d..(r + 1) * d, w * d);
    }
    ch.draws.truncate(m * d);
    ch.at.kept = m as u64;
    ch.at.stride *= 2;
}

/// Rows ⌊(i + ½) b / m⌋, i < m, of `b` buffered rows: m of them evenly spaced,
/// none of the last ⌊b / 2m⌋.
fn evenly_spaced(b: usize, m: usize) -> impl Iterator<Item = usize> {
    (0..m).map(move |i| (2 * i + 1) * b / (2 * m))
}

/// [`advance_chain`] for a step-limited run: the phase of every step is known from
/// its index, so the loop does no bookkeeping beyond the old per-chain loop (this
/// is the hot path of every Langevin run).
fn advance_chain_steps<K: Kernel>(
    kernel: &K,
    cfg: &RunConfig,
    ch: &mut Record<K>,
    c: usize,
) -> Result<ChainSegment, CoreError> {
    let from = ch.at.steps;
    let to = (from + cfg.segment).min(cfg.total_steps());
    let mut out = ChainSegment::new(from, (to - from) as usize);
    let mut sampling_stats = Vec::new();
    // Accumulated locally (registers), added to the chain's record once.
    let mut spent = EvalCounts::ZERO;
    for s in from..to {
        let step = s + 1; // 1-based index of the step being taken
        let sampling = step > cfg.warmup;
        let k = (s - from) as usize;
        let info = take_step(
            kernel,
            ch,
            c,
            step,
            k,
            sampling,
            &mut out,
            &mut sampling_stats,
        )?;
        spent += info.evaluations();
        let keep = sampling && (step - cfg.warmup).is_multiple_of(cfg.thin);
        ch.at.kept += u64::from(keep);
        finish_step(
            kernel,
            ch,
            &info,
            step,
            (!sampling, step == cfg.warmup, keep),
        );
    }
    ch.at.steps = to;
    ch.at.spent += spent;
    out.reported = spent;
    for (k, s, n) in sampling_stats {
        ch.at.stats.add(k, s, n);
    }
    Ok(out)
}

fn means(stats: &StatSums) -> std::collections::BTreeMap<String, f64> {
    stats
        .entries
        .iter()
        .filter(|e| e.2 > 0)
        .map(|(k, s, n)| (k.clone(), s / *n as f64))
        .collect()
}

/// A population-level cost limit compares the population's spending with the
/// per-particle thresholds times the number of particles.
fn population_limits(cfg: &RunConfig, n: usize) -> RunConfig {
    let k = if cfg.cost_unit.is_some() { n as u64 } else { 1 };
    RunConfig {
        warmup: cfg.warmup * k,
        draws: cfg.draws * k,
        thin: cfg.thin * k,
        ..cfg.clone()
    }
}

impl<P: PopulationKernel> Engine for Population<'_, P> {
    type Record = PopulationRecord<P::State>;

    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn check(&self, cfg: &RunConfig) -> Result<(), CoreError> {
        if let Some(len) = self.0.schedule_len() {
            if cfg.cost_unit.is_some() {
                return Err(CoreError::invalid(
                    "cost_unit",
                    cfg.cost_unit.map_or("", |u| u.name()),
                    format!("this sampler runs a fixed schedule of {len} steps"),
                ));
            }
            if cfg.total_steps() != len {
                return Err(CoreError::invalid(
                    "warmup + draws",
                    cfg.total_steps(),
                    format!("this sampler runs a fixed schedule of {len} steps"),
                ));
            }
        }
        Ok(())
    }

    fn start(&self, init: &Particles, cfg: &RunConfig) -> Result<Self::Record, CoreError> {
        let x0 = if init.len() == cfg.chains {
            init.clone()
        } else {
            Particles::repeat(init.row(0), cfg.chains)
        };
        let (state, spent) = self.0.init(&x0, cfg.seed)?;
        let mut at = Position {
            spent,
            ..Position::default()
        };
        at.start(cfg);
        Ok(PopulationRecord {
            state,
            snapshots: Vec::new(),
            snapshot_log_weights: None,
            at,
        })
    }

    fn count(&self, rec: &Self::Record) -> usize {
        self.0.positions(&rec.state).len() / self.0.dim().max(1)
    }

    fn spent(&self, rec: &Self::Record) -> EvalCounts {
        rec.at.spent
    }

    fn advance(&self, rec: &mut Self::Record, cfg: &RunConfig) -> Result<Segment, CoreError> {
        let kernel = self.0;
        let lim = &population_limits(cfg, self.count(rec));
        let mut seg = Segment::starting_at(rec.at.steps);
        for _ in 0..cfg.segment {
            let stage = rec.at.stage(lim);
            if stage == Stage::Done {
                break;
            }
            let step = rec.at.steps + 1;
            let info = kernel.step(&mut rec.state, step)?;
            let cost = info.evaluations();
            rec.at.spent += cost;
            seg.reported += cost;
            if let Some(a) = info.acceptance() {
                seg.add_acceptance(step - 1, a);
            }
            info.stats(&mut |k, v| {
                add_stat(&mut seg.stats, k, v);
                if stage == Stage::Sampling {
                    rec.at.stats.add(k, v, 1);
                }
            });
            let (adapt, finish, mut keep) =
                rec.at
                    .after_step(lim, stage, cost)
                    .map_err(|reason| CoreError::Diverged {
                        step,
                        chain: 0,
                        reason,
                    })?;
            // Not ready (a tempering sampler below β = 1): no snapshot yet, and a
            // cost-limited run keeps going until the kernel is.
            if keep && !kernel.ready(&rec.state) {
                keep = false;
                rec.at.kept -= 1;
            }
            if adapt {
                kernel.adapt(&mut rec.state, &info, step);
                if finish {
                    kernel.finish_adaptation(&mut rec.state);
                }
            } else if keep {
                rec.snapshots
                    .extend_from_slice(kernel.positions(&rec.state));
                if let Some(w) = kernel.log_weights(&rec.state) {
                    rec.snapshot_log_weights
                        .get_or_insert_with(Vec::new)
                        .extend_from_slice(w);
                }
            }
        }
        Ok(seg)
    }

    fn status(&self, rec: &Self::Record, cfg: &RunConfig) -> (u64, f64, Phase, bool) {
        let lim = population_limits(cfg, self.count(rec));
        let stage = rec.at.stage(&lim);
        let phase = if stage == Stage::Warmup {
            Phase::Warmup
        } else {
            Phase::Sampling
        };
        (
            rec.at.steps,
            rec.at.fraction(&lim),
            phase,
            stage == Stage::Done,
        )
    }

    fn assemble(&self, rec: &Self::Record, _cfg: &RunConfig) -> Run {
        let kernel = self.0;
        let d = kernel.dim();
        let positions = kernel.positions(&rec.state);
        let n = positions.len() / d.max(1);
        let m = rec.snapshots.len().checked_div(n * d).unwrap_or(0);
        // Snapshots are step-major; the run is particle-major (chain-major).
        let mut data = Vec::with_capacity(n * m * d);
        for i in 0..n {
            for k in 0..m {
                let at = (k * n + i) * d;
                data.extend_from_slice(&rec.snapshots[at..at + d]);
            }
        }
        let log_weights = rec.snapshot_log_weights.as_ref().map(|w| {
            let mut out = Vec::with_capacity(n * m);
            for i in 0..n {
                for k in 0..m {
                    out.push(w[k * n + i]);
                }
            }
            out
        });
        let mut diagnostics = Diagnostics {
            final_positions: Some(
                Particles::from_vec(n, d, positions.to_vec()).expect("n × d positions"),
            ),
            steps_per_chain: vec![rec.at.steps],
            stats: means(&rec.at.stats),
            ..Diagnostics::default()
        };
        kernel.diagnostics(&rec.state, &mut diagnostics);
        Run {
            samples: Particles::from_vec(n * m, d, data).expect("m snapshots of n particles"),
            log_weights,
            chains: n,
            draws_per_chain: m,
            evaluations: EvalCounts::ZERO,
            reported_evaluations: EvalCounts::ZERO,
            wall_time_secs: 0.0,
            diagnostics,
        }
    }
}

/// Drives a sampler (chains of a [`Kernel`], or a [`PopulationKernel`]).
pub struct Runner<'a, E: Engine> {
    engine: E,
    config: RunConfig,
    observers: Vec<Box<dyn Observer + 'a>>,
    counter: Option<&'a dyn EvalSource>,
    checkpoint: Option<PathBuf>,
}

impl<'a, K: Kernel> Runner<'a, Chains<'a, K>> {
    /// Independent chains of `kernel`; validates the config.
    pub fn new(kernel: &'a K, config: RunConfig) -> Result<Self, CoreError> {
        Runner::with_engine(Chains(kernel), config)
    }
}

impl<'a, P: PopulationKernel> Runner<'a, Population<'a, P>> {
    /// A population kernel (`config.chains` = particles); validates the config,
    /// including a fixed schedule's length.
    pub fn population(kernel: &'a P, config: RunConfig) -> Result<Self, CoreError> {
        Runner::with_engine(Population(kernel), config)
    }
}

impl<'a, E: Engine> Runner<'a, E> {
    fn with_engine(engine: E, config: RunConfig) -> Result<Self, CoreError> {
        config.validate()?;
        engine.check(&config)?;
        Ok(Runner {
            engine,
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

    /// Adds a boxed observer.
    pub fn observe_boxed(mut self, obs: Box<dyn Observer + 'a>) -> Self {
        self.observers.push(obs);
        self
    }

    /// Reads evaluation counts from `counter` (usually the [`crate::Counted`] target
    /// the kernel evaluates).
    pub fn count_with(mut self, counter: &'a dyn EvalSource) -> Self {
        self.counter = Some(counter);
        self
    }

    /// Sets [`RunConfig::checkpoint_every`] (part of the config a resume must match).
    pub fn checkpoint_every(mut self, steps: u64) -> Self {
        self.config.checkpoint_every = steps;
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
        let d = self.engine.dim();
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
        let evals_at_start = self.counts();
        let t0 = Instant::now();
        let record = self.engine.start(init, &self.config)?;
        let reported = self.engine.spent(&record);
        let ck = Checkpoint {
            format: FORMAT.to_string(),
            config: self.config.clone(),
            dim: d,
            record,
            acceptance_sum: Vec::new(),
            acceptance_count: Vec::new(),
            // Initialization evaluates the target too: count it.
            evaluations: self.counts().since(&evals_at_start),
            counted: self.counter.is_some(),
            reported,
            wall_time_secs: t0.elapsed().as_secs_f64(),
        };
        self.drive(ck)
    }

    /// Continues the run saved at `path`. The sampler must be the one the run
    /// started with; the config must match the checkpoint's.
    pub fn resume(self, path: &Path) -> Result<Outcome, CoreError> {
        let ck: Checkpoint<E::Record> = Checkpoint::load(path)?;
        let bad = |reason: String| CoreError::Checkpoint {
            path: path.to_path_buf(),
            reason,
        };
        if ck.dim != self.engine.dim() {
            return Err(bad(format!(
                "dimension {} but the sampler has {}",
                ck.dim,
                self.engine.dim()
            )));
        }
        if ck.config != self.config {
            return Err(bad(format!(
                "saved config {:?} differs from {:?}",
                ck.config, self.config
            )));
        }
        let saved = self.engine.count(&ck.record);
        if saved != self.config.chains {
            return Err(bad(format!(
                "{saved} chains saved, the run has {}",
                self.config.chains
            )));
        }
        self.drive(ck)
    }

    fn drive(mut self, mut ck: Checkpoint<E::Record>) -> Result<Outcome, CoreError> {
        let cfg = self.config.clone();
        let evals_at_start = self.counts();
        let evals_before = ck.evaluations;
        let (mut step, _, _, mut done) = self.engine.status(&ck.record, &cfg);
        let mut last_checkpoint = step;
        while !done {
            let t0 = Instant::now();
            let seg = self.engine.advance(&mut ck.record, &cfg)?;
            // Acceptance per step index, summed in chain order (deterministic).
            let end = seg.first as usize + seg.acceptance_sum.len();
            if ck.acceptance_sum.len() < end {
                ck.acceptance_sum.resize(end, 0.0);
                ck.acceptance_count.resize(end, 0);
            }
            for (k, (&a, &n)) in seg
                .acceptance_sum
                .iter()
                .zip(&seg.acceptance_count)
                .enumerate()
            {
                ck.acceptance_sum[seg.first as usize + k] += a;
                ck.acceptance_count[seg.first as usize + k] += n;
            }
            ck.reported += seg.reported;
            ck.wall_time_secs += t0.elapsed().as_secs_f64();
            ck.evaluations = evals_before + self.counts().since(&evals_at_start);
            let (now, fraction, phase, finished) = self.engine.status(&ck.record, &cfg);
            step = now;
            done = finished;
            let mean_acceptance = seg.mean_acceptance();
            let progress = Progress {
                step,
                total: cfg.cost_unit.is_none().then(|| cfg.total_steps()),
                fraction,
                phase,
                mean_acceptance,
                evaluations: if ck.counted {
                    ck.evaluations
                } else {
                    ck.reported
                },
                stats: seg
                    .stats
                    .iter()
                    .map(|&(k, s, c)| (k, s / c as f64))
                    .collect(),
            };
            let mut stop = false;
            for obs in self.observers.iter_mut() {
                if let ControlFlow::Break(()) = obs.observe(&progress) {
                    stop = true;
                }
            }
            let periodic =
                cfg.checkpoint_every > 0 && step - last_checkpoint >= cfg.checkpoint_every;
            if let Some(path) = &self.checkpoint
                && (stop || periodic)
                && !done
            {
                ck.save(path)?;
                last_checkpoint = step;
            }
            if stop && !done {
                let checkpoint = self.checkpoint.take();
                let partial = self.assemble(&ck);
                return Ok(Outcome::Stopped {
                    step,
                    checkpoint,
                    partial,
                });
            }
        }
        Ok(Outcome::Finished(self.assemble(&ck)))
    }

    fn assemble(&self, ck: &Checkpoint<E::Record>) -> Run {
        let mut run = self.engine.assemble(&ck.record, &ck.config);
        run.diagnostics.acceptance_per_step = ck
            .acceptance_sum
            .iter()
            .zip(&ck.acceptance_count)
            .map(|(s, &c)| (c > 0).then(|| s / c as f64))
            .collect();
        run.evaluations = if ck.counted {
            ck.evaluations
        } else {
            ck.reported
        };
        run.reported_evaluations = ck.reported;
        run.wall_time_secs = ck.wall_time_secs;
        run
    }

    fn counts(&self) -> EvalCounts {
        self.counter.map(|c| c.counts()).unwrap_or_default()
    }
}
