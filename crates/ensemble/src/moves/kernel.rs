//! The red–blue ensemble kernel shared by every move (Goodman & Weare 2010, §3;
//! the parallel form of Foreman-Mackey et al. 2013, §2, Algorithm 3).
//!
//! W walkers, W even, in two fixed halves `S₀ = [0, W/2)` and `S₁ = [W/2, W)`. One
//! step updates every walker of S₀ against the current S₁ (held fixed), then every
//! walker of S₁ against the updated S₀. A walker x of one half proposes
//! `y = M(x, S_other, ξ)` ([`Move::propose`]) and accepts with probability
//!
//! ```text
//! α = min(1, exp(log f + log π(y) − log π(x)))
//! ```
//!
//! where `log f` is the move's factor (`(d − 1) log z` for the stretch move, 0 for
//! the symmetric walk and DE moves). Given the other half, each walker's update is a
//! Metropolis–Hastings kernel leaving π invariant, so the product `π^{⊗W}` is
//! invariant under a half update and hence under a step (GW 2010, §2; FM 2013 §2:
//! the complementary ensemble must not change while a half is updated, which is why
//! the halves take turns). The halves stay fixed between steps (emcee permutes them
//! each step; either order of valid half-updates leaves `π^{⊗W}` invariant).
//!
//! **Rejections.** A proposal with a non-finite coordinate is rejected without
//! evaluating the target; one whose log density is NaN or +∞ is rejected
//! (acceptance 0); −∞ is rejected by the rule itself. Each evaluated proposal costs
//! one density evaluation, initialization one per walker.
//!
//! **Randomness and threads.** Walker i draws everything from its own stream
//! `rng::stream(seed, i)`, and within a half a walker reads only the other half, so
//! a half updates in parallel (rayon, over chunks of walkers) with a result that
//! does not depend on the chunks or the threads; the step's acceptance is summed in
//! walker order. Whether a half is split over threads is decided once per run from
//! the measured time of the first step (sequential): a cheap target with few
//! walkers (emcee's 32 walkers on a 10-D Gaussian) runs faster on one thread than
//! the fork–join would cost. The decision changes the speed only, never the output.

use rayon::prelude::*;
use sampo_core::rng::{StreamRng, stream, uniform};
use sampo_core::{
    CoreError, Diagnostics, EvalCounts, Particles, PopulationKernel, StepInfo, Target,
};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// One ensemble move: the proposal of a walker given the complementary half.
pub trait Move: Sync + Send {
    /// Scratch memory one proposal needs (index and noise buffers), allocated once
    /// per chunk of walkers and reused, so that proposals do not allocate.
    type Scratch: Default + Clone + Send + Sync + 'static;

    /// Scratch for dimension `d` and halves of `half` walkers.
    fn scratch(&self, d: usize, half: usize) -> Self::Scratch;

    /// Writes the proposal for the walker at `x` (length d) into `y`, drawing from
    /// the walker's `rng`; `complement` holds the other half's positions, `half`
    /// rows of d. Returns the log acceptance factor `log f` (0 for symmetric moves).
    fn propose(
        &self,
        x: &[f64],
        complement: &[f64],
        rng: &mut StreamRng,
        scratch: &mut Self::Scratch,
        y: &mut [f64],
    ) -> f64;
}

/// A uniform index in `0..n` (n ≥ 1) from one 53-bit uniform: `⌊u n⌋`. The bias,
/// at most n · 2⁻⁵³ in any probability, is far below anything a run can resolve.
#[inline]
pub fn uniform_index(rng: &mut StreamRng, n: usize) -> usize {
    ((uniform(rng) * n as f64) as usize).min(n - 1)
}

/// One walker's stream, cached log density and acceptance sum.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Walker {
    rng: StreamRng,
    log_density: f64,
    /// Σ of the acceptance probabilities since warm-up ended (or the start).
    acc_sum: f64,
    /// The acceptance probability of the last step.
    last: f64,
}

/// A chunk's buffers: the proposals and the move's scratch.
#[derive(Debug, Clone, Default)]
struct Work<S> {
    y: Vec<f64>,
    scratch: S,
}

/// The ensemble: positions (W × d row-major), walkers, counters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnsembleState<S> {
    positions: Vec<f64>,
    walkers: Vec<Walker>,
    /// Steps counted into `acc_sum` (reset when warm-up ends).
    acc_steps: u64,
    /// Buffers (rebuilt after a resume).
    #[serde(skip)]
    work: Vec<Work<S>>,
    /// Whether to split halves over threads; decided on the first step.
    #[serde(skip)]
    parallel: Option<bool>,
}

impl<S> EnsembleState<S> {
    /// The walkers' cached log densities, in walker order.
    pub fn log_densities(&self) -> Vec<f64> {
        self.walkers.iter().map(|w| w.log_density).collect()
    }

    /// Each walker's mean acceptance probability since warm-up ended.
    pub fn acceptance(&self) -> Vec<f64> {
        let n = self.acc_steps.max(1) as f64;
        self.walkers.iter().map(|w| w.acc_sum / n).collect()
    }
}

/// One step's cost and mean acceptance over walkers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnsembleInfo {
    /// Density evaluations of the step (one per proposal evaluated).
    pub evaluations: EvalCounts,
    /// Mean acceptance probability over the W walkers.
    pub acceptance: f64,
}

impl StepInfo for EnsembleInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn acceptance(&self) -> Option<f64> {
        Some(self.acceptance)
    }
}

/// The sequential step time above which halves are split over threads. A split
/// half costs rayon's fork–join, measured at ~11 µs per half on 2 cores (32 walkers
/// on a 10-D Gaussian: 40 ns per walker sequential, 700 ns split); a step of
/// 100 µs (50 µs per half) is where splitting starts to pay.
const PARALLEL_MIN_STEP_NS: u128 = 100_000;

/// Chunks per thread when a half is split: enough for rayon's work stealing to even
/// out walkers of unequal cost (a rejected non-finite proposal costs nothing).
const CHUNKS_PER_THREAD: usize = 4;

/// How a half update uses threads; the output is the same under all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// Decided from the first step's duration (see the module docs). Default.
    #[default]
    Auto,
    /// Every half on the calling thread.
    Sequential,
    /// Every half split over rayon's threads.
    Parallel,
}

/// The red–blue kernel of move `M` on target `T` with W walkers.
pub struct EnsembleKernel<'t, M, T: ?Sized> {
    mv: M,
    target: &'t T,
    d: usize,
    walkers: usize,
    parallelism: Parallelism,
}

impl<'t, M: Move, T: Target + ?Sized> EnsembleKernel<'t, M, T> {
    /// The kernel of `mv` on `target` with `walkers` walkers (even, ≥ 4, > d; the
    /// error names `walkers`).
    pub fn new(mv: M, target: &'t T, walkers: usize) -> Result<Self, CoreError> {
        let d = target.dim();
        if d == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        super::config::check_walker_count("walkers", walkers)?;
        super::config::check_affine_span("walkers", walkers, d)?;
        Ok(EnsembleKernel {
            mv,
            target,
            d,
            walkers,
            parallelism: Parallelism::Auto,
        })
    }

    /// The same kernel with the thread policy `p` (speed only: the output does not
    /// change).
    pub fn with_parallelism(mut self, p: Parallelism) -> Self {
        self.parallelism = p;
        self
    }

    /// The move.
    pub fn mv(&self) -> &M {
        &self.mv
    }

    /// The number of walkers W.
    pub fn walkers(&self) -> usize {
        self.walkers
    }

    /// Makes sure `work` holds `chunks` buffers.
    fn ensure_work(&self, work: &mut Vec<Work<M::Scratch>>, chunks: usize) {
        if work.len() != chunks {
            let half = self.walkers / 2;
            *work = (0..chunks)
                .map(|_| Work {
                    y: vec![0.0; self.d],
                    scratch: self.mv.scratch(self.d, half),
                })
                .collect();
        }
    }

    /// Updates one walker at `x` against `complement`; returns the evaluations spent.
    #[inline]
    fn update(
        &self,
        x: &mut [f64],
        w: &mut Walker,
        complement: &[f64],
        work: &mut Work<M::Scratch>,
    ) -> u64 {
        let y = &mut work.y;
        let log_f = self
            .mv
            .propose(x, complement, &mut w.rng, &mut work.scratch, y);
        let u = uniform(&mut w.rng);
        let (p, lp, spent) = if y.iter().all(|v| v.is_finite()) {
            let lp = self.target.log_density(y);
            // NaN and +∞ are rejected; −∞ gives r = −∞ and p = 0 below.
            let p = if lp < f64::INFINITY {
                let r = log_f + lp - w.log_density;
                if r >= 0.0 {
                    1.0
                } else if r < 0.0 {
                    r.exp()
                } else {
                    0.0
                }
            } else {
                0.0
            };
            (p, lp, 1)
        } else {
            (0.0, f64::NAN, 0)
        };
        if u < p {
            x.copy_from_slice(y);
            w.log_density = lp;
        }
        w.acc_sum += p;
        w.last = p;
        spent
    }

    /// Updates half `h` (0 or 1) against the other; returns the evaluations spent.
    fn update_half(&self, state: &mut EnsembleState<M::Scratch>, h: usize, parallel: bool) -> u64 {
        let d = self.d;
        let half = self.walkers / 2;
        let chunk = if parallel {
            half.div_ceil(CHUNKS_PER_THREAD * rayon::current_num_threads())
        } else {
            half
        };
        self.ensure_work(&mut state.work, half.div_ceil(chunk));
        let (lo, hi) = state.positions.split_at_mut(half * d);
        let (active, complement): (&mut [f64], &[f64]) = if h == 0 { (lo, hi) } else { (hi, lo) };
        let walkers = &mut state.walkers[h * half..(h + 1) * half];
        let run_chunk = |xs: &mut [f64], ws: &mut [Walker], work: &mut Work<M::Scratch>| {
            xs.chunks_exact_mut(d)
                .zip(ws.iter_mut())
                .map(|(x, w)| self.update(x, w, complement, work))
                .sum::<u64>()
        };
        if parallel {
            active
                .par_chunks_mut(chunk * d)
                .zip(walkers.par_chunks_mut(chunk))
                .zip(state.work.par_iter_mut())
                .map(|((xs, ws), work)| run_chunk(xs, ws, work))
                .sum()
        } else {
            run_chunk(active, walkers, &mut state.work[0])
        }
    }
}

impl<M: Move, T: Target + ?Sized> PopulationKernel for EnsembleKernel<'_, M, T> {
    type State = EnsembleState<M::Scratch>;
    type Info = EnsembleInfo;

    fn dim(&self) -> usize {
        self.d
    }

    /// Walker i starts at row i of `x0` with stream `(seed, i)`; one evaluation per
    /// walker. Fails on a wrong number of rows, a non-finite log density (naming
    /// the walker) or walkers all at one point (the ensemble could never move).
    fn init(
        &self,
        x0: &Particles,
        seed: u64,
    ) -> Result<(EnsembleState<M::Scratch>, EvalCounts), CoreError> {
        let (w, d) = (self.walkers, self.d);
        if x0.dim() != d {
            return Err(CoreError::dim("initial positions", d, x0.dim()));
        }
        if x0.len() != w {
            return Err(CoreError::dim("initial positions (walkers)", w, x0.len()));
        }
        let positions = x0.as_slice().to_vec();
        if let Some(i) = positions.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::invalid(
                format!("initial position of walker {}", i / d),
                positions[i],
                "must be finite",
            ));
        }
        if x0.rows().all(|r| r == x0.row(0)) {
            return Err(CoreError::invalid(
                "initial positions",
                "all walkers at one point",
                "an ensemble move never leaves the affine hull of its walkers: start them \
                 at distinct points (e.g. init = normal)",
            ));
        }
        let lps: Vec<f64> = positions
            .par_chunks(d)
            .map(|x| self.target.log_density(x))
            .collect();
        if let Some(i) = lps.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFiniteLogDensity {
                step: 0,
                particle: i,
                value: lps[i],
            });
        }
        let walkers = lps
            .into_iter()
            .enumerate()
            .map(|(i, log_density)| Walker {
                rng: stream(seed, i as u64),
                log_density,
                acc_sum: 0.0,
                last: 0.0,
            })
            .collect();
        let state = EnsembleState {
            positions,
            walkers,
            acc_steps: 0,
            work: Vec::new(),
            parallel: None,
        };
        Ok((state, EvalCounts::density(w as u64)))
    }

    fn step(
        &self,
        state: &mut EnsembleState<M::Scratch>,
        _step: u64,
    ) -> Result<EnsembleInfo, CoreError> {
        let decided = match self.parallelism {
            Parallelism::Auto => state.parallel,
            Parallelism::Sequential => Some(false),
            Parallelism::Parallel => Some(true),
        };
        let spent = match decided {
            Some(parallel) => {
                self.update_half(state, 0, parallel) + self.update_half(state, 1, parallel)
            }
            None => {
                // First step of a run (or of a resumed one): sequential, timed.
                let t0 = Instant::now();
                let e = self.update_half(state, 0, false) + self.update_half(state, 1, false);
                let ns = t0.elapsed().as_nanos();
                state.parallel =
                    Some(rayon::current_num_threads() > 1 && ns >= PARALLEL_MIN_STEP_NS);
                e
            }
        };
        state.acc_steps += 1;
        let acc: f64 = state.walkers.iter().map(|w| w.last).sum();
        Ok(EnsembleInfo {
            evaluations: EvalCounts::density(spent),
            acceptance: acc / self.walkers as f64,
        })
    }

    fn positions<'s>(&self, state: &'s EnsembleState<M::Scratch>) -> &'s [f64] {
        &state.positions
    }

    /// Acceptance is reported over the sampling steps: the sums restart here.
    fn finish_adaptation(&self, state: &mut EnsembleState<M::Scratch>) {
        state.acc_steps = 0;
        state.walkers.iter_mut().for_each(|w| w.acc_sum = 0.0);
    }

    fn diagnostics(&self, state: &EnsembleState<M::Scratch>, diag: &mut Diagnostics) {
        diag.chain_acceptance = state.acceptance();
        diag.stats.insert("walkers".into(), self.walkers as f64);
    }
}
