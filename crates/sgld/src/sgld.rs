//! The SGLD kernel (Welling & Teh 2011, eq. 4), optionally preconditioned (pSGLD).
//!
//! One step from x_t, with N data terms and batch size n:
//!
//! ```text
//! B_t = (i_1, …, i_n),  i_k ~ Uniform{0, …, N − 1} independently   (n < N; B_t = 0..N if n = N)
//! ĝ_t = ∇log p(x_t) + (N/n) Σ_{i∈B_t} ∇log p(y_i | x_t)              (unbiased for ∇log π(x_t))
//! x_{t+1} = x_t + h_t G_t ĝ_t + √(2 h_t G_t) ξ_t,   ξ_t ~ N(0, I_d)
//! ```
//!
//! with h_t from the [`Schedule`] and G_t = I or the pSGLD diagonal
//! ([`crate::precondition`]). Batches are drawn with replacement, so the estimator's
//! covariance is exactly `(N²/n) Cov_i[∇log p(y_i | x)]` for any n; with n = N every term
//! is used once and ĝ is the exact gradient, so SGLD with a constant step is ULA step
//! for step (the same stream: no index is drawn, then d normals, as ULA draws).
//!
//! **Cost.** n data terms per step (N with the full batch; 2n with SGLD-CV's control
//! variate, [`crate::ControlVariate`]); the prior is free. `init` evaluates nothing:
//! every step computes its own gradient at the current position.
//!
//! **RNG use per step:** n indices (when n < N), then d standard normals.

use crate::config::{ControlVariate, DsgldConfig, FsgldConfig, SgldConfig, Visits};
use crate::precondition::Preconditioner;
use crate::surrogate::{self, Conducive, FitSettings};
use rand::RngExt;
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_core::{ChainBuf, CoreError, Divergence, EvalCounts, FiniteSumTarget, Kernel, StepInfo};
use serde::{Deserialize, Serialize};

/// The SGLD kernel over a finite sum `T` (pass `&target` to borrow).
#[derive(Debug, Clone)]
pub struct Sgld<T> {
    pub(crate) target: T,
    config: SgldConfig,
    n_terms: usize,
    sharding: Option<Sharding>,
    /// FSGLD's conducive terms, one per shard.
    pub(crate) conducive: Option<Conducive>,
    /// SGLD-CV's centre.
    centre: Option<Centre>,
}

/// SGLD-CV's centre θ̂ (the posterior mode) with `log π̃(θ̂)` and `∇log π̃(θ̂)` over all
/// the data, computed once.
#[derive(Debug, Clone)]
struct Centre {
    x: Vec<f64>,
    value: f64,
    grad: Vec<f64>,
}

/// DSGLD's shards and visits (Ahn, Shahbaba & Welling 2014, §3): shard s holds the
/// terms `⌊sN/S⌋ .. ⌊(s+1)N/S⌋`; on it the estimator is
/// `∇log p(x) + (N_s/(f_s n)) Σ_{i∈B⊂D_s} ∇log p(y_i | x)` with f_s = 1/S, unbiased
/// over the choice of shard. With τ > 1 a visit drifts under one shard's likelihood
/// raised to S: the delayed-communication bias.
#[derive(Debug, Clone)]
struct Sharding {
    ranges: Vec<(usize, usize)>,
    local_steps: u64,
    visits: Visits,
}

impl<T: FiniteSumTarget> Sgld<T> {
    /// Validates `config` against the target: `batch_size` ≤ N, dimension ≥ 1.
    pub fn new(target: T, config: SgldConfig) -> Result<Self, CoreError> {
        config.validate()?;
        let n_terms = target.n_terms();
        if n_terms == 0 {
            return Err(CoreError::invalid(
                "target",
                "0 data terms",
                "SGLD needs N >= 1",
            ));
        }
        if config.batch_size > n_terms {
            return Err(CoreError::invalid(
                "batch_size",
                config.batch_size,
                format!("must be <= the target's {n_terms} data terms"),
            ));
        }
        if target.dim() == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        // SGLD-CV: the mode (Newton passes) and one full gradient there, counted.
        let centre = match config.control_variate {
            ControlVariate::None => None,
            ControlVariate::Map => {
                let all = sampo_distributed::shard::Shard {
                    terms: 0..n_terms,
                    prior_weight: 1.0,
                };
                let x = crate::mode::map(&target, &all, "control_variate", "map", "the posterior")?;
                let mut grad = vec![0.0; x.len()];
                let value = target.full_log_density_grad(&x, &mut grad);
                Some(Centre { x, value, grad })
            }
        };
        Ok(Sgld {
            target,
            config,
            n_terms,
            sharding: None,
            conducive: None,
            centre,
        })
    }

    /// DSGLD (module docs of [`Sharding`]): validates `config` against the target
    /// (`shards` ≤ N, `batch_size` ≤ the smallest shard).
    pub fn dsgld(target: T, config: DsgldConfig) -> Result<Self, CoreError> {
        config.validate()?;
        let mut k = Sgld::new(target, config.sgld())?;
        let (big_n, s) = (k.n_terms, config.shards);
        if s > big_n {
            return Err(CoreError::invalid(
                "shards",
                s,
                format!("must be <= the target's {big_n} data terms"),
            ));
        }
        let ranges: Vec<(usize, usize)> = (0..s)
            .map(|i| (i * big_n / s, (i + 1) * big_n / s))
            .collect();
        let smallest = ranges.iter().map(|(a, b)| b - a).min().unwrap_or(0);
        if config.batch_size > smallest {
            return Err(CoreError::invalid(
                "batch_size",
                config.batch_size,
                format!("must be <= the smallest shard's {smallest} data terms"),
            ));
        }
        k.sharding = Some(Sharding {
            ranges,
            local_steps: config.local_steps,
            visits: config.visits,
        });
        Ok(k)
    }

    /// FSGLD ([`crate::surrogate`]): DSGLD on `config`'s shards plus the conducive
    /// term of surrogates fitted now on `target` (counted when `target` is; the
    /// moment fits' streams derive from `seed`).
    pub fn fsgld(target: T, config: FsgldConfig, seed: u64) -> Result<Self, CoreError> {
        config.validate()?;
        let mut k = Sgld::dsgld(target, config.dsgld())?;
        let ranges = &k.sharding.as_ref().expect("DSGLD has shards").ranges;
        let settings = FitSettings {
            step_size: config.step_size,
            batch_size: config.batch_size,
            seed,
        };
        let fitted = surrogate::fit(&k.target, ranges, &config.surrogate, settings)?;
        k.conducive = Some(Conducive::new(
            &fitted,
            surrogate::is_diagonal(&config.surrogate),
        ));
        Ok(k)
    }

    /// FSGLD's conducive terms (`None` for SGLD and DSGLD).
    pub fn conducive(&self) -> Option<&Conducive> {
        self.conducive.as_ref()
    }

    /// Data terms per step: the batch, twice with a control variate.
    fn terms_per_step(&self) -> EvalCounts {
        let batches = if self.centre.is_some() { 2 } else { 1 };
        EvalCounts {
            data_terms: (batches * self.config.batch_size) as u64,
            ..EvalCounts::ZERO
        }
    }

    /// SGLD-CV's centre θ̂ (`None` without a control variate).
    pub fn centre(&self) -> Option<&[f64]> {
        self.centre.as_ref().map(|c| c.x.as_slice())
    }

    /// The configuration.
    pub fn config(&self) -> &SgldConfig {
        &self.config
    }

    /// The shards' term ranges (empty without sharding).
    pub(crate) fn ranges(&self) -> &[(usize, usize)] {
        self.sharding.as_ref().map_or(&[], |sh| &sh.ranges)
    }

    /// Shards (1 without sharding).
    pub fn shards(&self) -> usize {
        self.sharding.as_ref().map_or(1, |sh| sh.ranges.len())
    }

    /// Steps per visit τ (`None` without sharding).
    pub fn local_steps(&self) -> Option<u64> {
        self.sharding.as_ref().map(|sh| sh.local_steps)
    }

    /// Shard visits (`None` without sharding).
    pub fn visits(&self) -> Option<Visits> {
        self.sharding.as_ref().map(|sh| sh.visits)
    }

    /// Chain `chain`'s initial state at `x0` ([`Kernel::init`] is chain 0's). With
    /// shards, its first visit starts now: round-robin chains start on shard
    /// `chain mod S`, so that a population is spread evenly over the shards' workers
    /// and moves as a whole ring ([`crate::workers`]); categorical visits draw the
    /// shard from `rng` (one index when S > 1).
    pub fn init_chain(
        &self,
        x0: &[f64],
        rng: &mut StreamRng,
        chain: usize,
    ) -> Result<(SgldState, EvalCounts), CoreError> {
        sampo_core::check_dim(&self.target, "initial position", x0)?;
        sampo_core::validate::all_finite("initial position", x0)?;
        let d = x0.len();
        let v = if self.config.preconditioner.is_adaptive() {
            ChainBuf::zeros(d)
        } else {
            ChainBuf::zeros(0)
        };
        let (shard, left) = match &self.sharding {
            None => (0, 0),
            Some(sh) => (sh.first(chain, rng), sh.local_steps),
        };
        Ok((
            SgldState {
                x: ChainBuf::from_slice(x0),
                t: 0,
                shard,
                left,
                v,
                scratch: Scratch::default(),
            },
            EvalCounts::ZERO,
        ))
    }
}

impl Sharding {
    /// The first shard of chain `chain` (see [`Sgld::init_chain`]).
    fn first(&self, chain: usize, rng: &mut StreamRng) -> usize {
        let count = self.ranges.len();
        match self.visits {
            Visits::RoundRobin => chain % count,
            Visits::Categorical if count > 1 => rng.random_range(0..count),
            Visits::Categorical => 0,
        }
    }

    /// The shard after a visit to `shard` (RNG use: one index, for categorical visits
    /// of S > 1 shards).
    fn next(&self, shard: usize, rng: &mut StreamRng) -> usize {
        let count = self.ranges.len();
        match self.visits {
            Visits::RoundRobin => (shard + 1) % count,
            Visits::Categorical if count > 1 => rng.random_range(0..count),
            Visits::Categorical => 0,
        }
    }
}

/// A chain: position, step index and the RMSprop statistics (empty without
/// preconditioning), plus scratch that is not saved.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SgldState {
    x: ChainBuf,
    /// Steps taken (the schedule's t).
    t: u64,
    /// DSGLD: the shard being visited and the steps left on this visit.
    #[serde(default)]
    shard: usize,
    #[serde(default)]
    left: u64,
    /// RMSprop's V (length d with pSGLD, else 0).
    v: ChainBuf,
    #[serde(skip)]
    scratch: Scratch,
}

#[derive(Clone, Debug, Default)]
struct Scratch {
    grad: ChainBuf,
    sum: ChainBuf,
    noise: ChainBuf,
    batch: Vec<usize>,
}

impl PartialEq for Scratch {
    /// Scratch carries nothing between steps.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl SgldState {
    /// The position.
    pub fn position(&self) -> &[f64] {
        &self.x
    }
    /// The shard being visited, or after the last step of a visit the next one
    /// (0 without shards).
    pub fn shard(&self) -> usize {
        self.shard
    }
    /// `(t, shard, left)`: what a travelling chain carries beside its position
    /// ([`crate::workers`]; DSGLD has no preconditioner state).
    pub(crate) fn counters(&self) -> (u64, usize, u64) {
        (self.t, self.shard, self.left)
    }
    /// A DSGLD chain's state from its position and counters.
    pub(crate) fn from_parts(x: &[f64], (t, shard, left): (u64, usize, u64)) -> Self {
        SgldState {
            x: ChainBuf::from_slice(x),
            t,
            shard,
            left,
            v: ChainBuf::zeros(0),
            scratch: Scratch::default(),
        }
    }
    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.t
    }
}

/// Diagnostics of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgldInfo {
    /// The step h_t used.
    pub step_size: f64,
    /// The minibatch estimate of `log π̃(x_t)` before the move.
    pub log_density_estimate: f64,
    /// Data terms touched.
    pub evaluations: EvalCounts,
}

impl StepInfo for SgldInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("step_size", self.step_size);
    }
}

impl<T: FiniteSumTarget> Kernel for Sgld<T> {
    type State = SgldState;
    type Info = SgldInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &[f64], rng: &mut StreamRng) -> Result<(SgldState, EvalCounts), CoreError> {
        self.init_chain(x0, rng, 0)
    }

    fn initial_tuning(&self) {}

    fn step(
        &self,
        _: &(),
        state: &mut SgldState,
        rng: &mut StreamRng,
    ) -> Result<SgldInfo, Divergence> {
        let d = state.x.len();
        let n = self.config.batch_size;
        let big_n = self.n_terms;
        let h = self.config.schedule.at(self.config.step_size, state.t);
        let s = &mut state.scratch;
        s.grad.ensure_len(d);
        s.sum.ensure_len(d);
        s.noise.ensure_len(d);
        // The batch's range: every term, or DSGLD's current shard. A visit's next
        // shard is chosen when it ends (below), so that a chain on workers knows
        // where to travel; a state saved before that rule (left = 0) chooses now.
        let (lo, hi) = match &self.sharding {
            None => (0, big_n),
            Some(sh) => {
                if state.left == 0 {
                    state.shard = sh.next(state.shard, rng);
                    state.left = sh.local_steps;
                }
                state.left -= 1;
                sh.ranges[state.shard]
            }
        };
        let full = n == hi - lo;
        // A full range is used in order, with no index drawn.
        if full {
            if s.batch.first() != Some(&lo) || s.batch.len() != n {
                s.batch.clear();
                s.batch.extend(lo..hi);
            }
        } else {
            s.batch.clear();
            s.batch.extend((0..n).map(|_| rng.random_range(lo..hi)));
        }
        // ĝ in one call: a counted target counts the batch once, not per term, and a
        // target may batch its terms. It scales the batch by N/n; DSGLD's shard scale
        // is S·N_s/n, so the likelihood part is rescaled by c = S·N_s/N (1 for equal
        // shards).
        let mut log_density_estimate =
            self.target
                .minibatch_log_density_grad(&state.x, &s.batch, &mut s.grad, &mut s.sum);
        if let Some(sh) = &self.sharding {
            let c = (sh.ranges.len() * (hi - lo)) as f64 / big_n as f64;
            if c != 1.0 {
                let lp = self.target.log_prior_grad(&state.x, &mut s.sum);
                for (g, p) in s.grad.iter_mut().zip(s.sum.iter()) {
                    *g = p + c * (*g - p);
                }
                log_density_estimate = lp + c * (log_density_estimate - lp);
            }
        }
        // SGLD-CV: ĝ_B(x) − ĝ_B(θ̂) + ∇log π̃(θ̂) on the same batch (the noise buffer
        // holds ĝ_B(θ̂) until the normals are drawn).
        if let Some(c) = &self.centre {
            let at_centre =
                self.target
                    .minibatch_log_density_grad(&c.x, &s.batch, &mut s.noise, &mut s.sum);
            for ((g, b), f) in s.grad.iter_mut().zip(&s.noise).zip(&c.grad) {
                *g += f - b;
            }
            log_density_estimate += c.value - at_centre;
        }
        // FSGLD: ĝ + c_s(x), the current shard's conducive term (no data term).
        if let Some(c) = &self.conducive {
            c.add(state.shard, &state.x, &mut s.grad);
        }
        fill_standard_normal(rng, &mut s.noise);
        let mut finite = true;
        match self.config.preconditioner {
            Preconditioner::Identity => {
                let sd = (2.0 * h).sqrt();
                for ((x, g), z) in state.x.iter_mut().zip(&s.grad).zip(&s.noise) {
                    *x += h * g + sd * z;
                    finite &= x.is_finite();
                }
            }
            Preconditioner::Rmsprop { alpha, epsilon } => {
                // ḡ = (ĝ − ∇log p(x))/N: the batch's mean likelihood gradient.
                self.target.log_prior_grad(&state.x, &mut s.sum);
                for j in 0..d {
                    let mean = (s.grad[j] - s.sum[j]) / big_n as f64;
                    state.v[j] = alpha * state.v[j] + (1.0 - alpha) * mean * mean;
                    let g_j = 1.0 / (epsilon + state.v[j].sqrt());
                    state.x[j] += h * g_j * s.grad[j] + (2.0 * h * g_j).sqrt() * s.noise[j];
                    finite &= state.x[j].is_finite();
                }
            }
        }
        state.t += 1;
        if !finite {
            let j = state.x.iter().position(|a| !a.is_finite()).unwrap_or(0);
            return Err(Divergence {
                reason: format!(
                    "SGLD: position x[{j}] = {} after step {} (h = {h:e}): the step is too large for this posterior",
                    state.x[j], state.t
                ),
            });
        }
        // The visit is over: choose the next shard now (the same stream position as
        // choosing it at the start of the next step).
        if let Some(sh) = &self.sharding
            && state.left == 0
        {
            state.shard = sh.next(state.shard, rng);
            state.left = sh.local_steps;
        }
        Ok(SgldInfo {
            step_size: h,
            log_density_estimate,
            evaluations: self.terms_per_step(),
        })
    }

    fn position<'a>(&self, state: &'a SgldState) -> &'a [f64] {
        &state.x
    }

    fn step_size(&self, _: &()) -> Option<f64> {
        matches!(self.config.schedule, crate::Schedule::Constant).then_some(self.config.step_size)
    }

    fn step_cost(&self) -> Option<EvalCounts> {
        Some(self.terms_per_step())
    }

    fn init_cost(&self) -> Option<EvalCounts> {
        Some(EvalCounts::ZERO)
    }
}
