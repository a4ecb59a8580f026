//! The outer loop of rdMC (the paper's Algorithm 1), particle by particle.
//!
//! For particle `i` (independent of every other particle):
//!
//! 1. `Y ~ N(0, (1 − e^{−2T}) I)`, the Gaussian part of `p_T`;
//! 2. warm start: `init.warm_start_steps` ULA steps on `p_T` with step
//!    `init.step_scale · (1 − e^{−2T})`, run by the `sampo_langevin::Ula` kernel on
//!    an [`EstimatedScore`] target whose gradient is the inner estimate of
//!    `∇log p_T` (its last estimate, at the final warm-start position, is reused by
//!    the first reverse step);
//! 3. for k = 0 … K−1: `v ≈ ∇log p_{t_k}(Y)` by the inner estimator, then one
//!    exponential-integrator (or Euler–Maruyama) step of length `η_k = t_k − t_{k+1}`;
//! 4. at `t_K = δ`: return `Y`, the Tweedie mean `m_δ(Y)` or a draw from `q_δ(·|Y)`
//!    ([`crate::Output`]).
//!
//! **Randomness.** Particle `i` uses two streams: `rng::stream(seed, i)` for the
//! initial draw, the warm-start and the outer noise, and
//! `rng::stream(seed ^ INNER_SALT, i)` for its inner estimates. Particles run in
//! parallel with rayon and are collected in index order, so the output is
//! bit-identical for any number of threads.

use crate::config::{Output, RdmcConfig};
use crate::error::RdmcError;
use crate::schedule;
use crate::score::{CallInfo, InnerFailure, ScoreEstimator, Workspace};
use rayon::prelude::*;
use sampo_core::rng::{StreamRng, fill_standard_normal, stream};
use sampo_core::{
    Counted, Diagnostics, EvalCounts, EvalSource, GradTarget, Kernel, Particles, Run, Target,
};
use sampo_langevin::{Ula, UlaConfig};
use std::sync::Mutex;
use std::time::Instant;

/// Salt of the inner-estimator streams (`seed ^ INNER_SALT`, particle index).
pub const INNER_SALT: u64 = 0x5D1F_F05E_0B5E_55ED;

/// A validated rdMC sampler.
#[derive(Debug, Clone, PartialEq)]
pub struct Rdmc {
    config: RdmcConfig,
    times: Vec<f64>,
}

/// An rdMC run with the statistics that do not fit [`Run`].
#[derive(Debug, Clone, PartialEq)]
pub struct RdmcOutput {
    /// Samples (`chains = n`, `draws_per_chain = 1`), evaluations, wall time and
    /// diagnostics: `acceptance_per_step[k]` is the mean inner MALA acceptance over
    /// particles at the reverse steps where MALA chains ran (all K steps, or the
    /// last ones when `inner.is_only_above` is set), `chain_acceptance[i]` particle
    /// i's mean over its MALA calls, `step_sizes[i]` its last inner step size
    /// (ULA/MALA), `final_positions` the particles at δ before the output map
    /// (when the output is not `final`).
    pub run: Run,
    /// Inner estimates whose IS weights all vanished (the documented fallback).
    pub fallbacks: u64,
}

struct ParticleOut {
    x: Vec<f64>,
    y_delta: Vec<f64>,
    acceptance: Vec<f64>,
    step_size: Option<f64>,
    fallbacks: u64,
}

/// `p_T` as a [`GradTarget`] known only through its estimated score, so that the
/// warm start is the `sampo_langevin::Ula` kernel. The log density is a constant
/// placeholder (ULA never uses it); the gradient is one inner estimate, drawn from
/// the particle's inner stream held in the mutex (uncontended: one particle, one
/// thread). A failed estimate writes NaN into the gradient (ULA then reports a
/// divergence) and keeps the reason.
struct EstimatedScore<'e, 'a, T: ?Sized> {
    estimator: &'e ScoreEstimator<'a, T>,
    t: f64,
    dim: usize,
    cell: Mutex<ScoreCell>,
}

struct ScoreCell {
    rng: StreamRng,
    ws: Workspace,
    last: CallInfo,
    failure: Option<InnerFailure>,
}

impl<T: GradTarget + ?Sized> Target for EstimatedScore<'_, '_, T> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn log_density(&self, _x: &[f64]) -> f64 {
        0.0
    }
}

impl<T: GradTarget + ?Sized> GradTarget for EstimatedScore<'_, '_, T> {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut guard = self.cell.lock().unwrap_or_else(|p| p.into_inner());
        let cell = &mut *guard;
        match self
            .estimator
            .score(self.t, x, &mut cell.ws, &mut cell.rng, grad)
        {
            Ok(info) => cell.last = info,
            Err(f) => {
                cell.failure = Some(f);
                grad.iter_mut().for_each(|g| *g = f64::NAN);
            }
        }
        0.0
    }
}

impl Rdmc {
    /// Validates `config` (errors name the field).
    pub fn new(config: RdmcConfig) -> Result<Self, RdmcError> {
        config.validate()?;
        let times = schedule::times(&config.schedule);
        Ok(Rdmc { config, times })
    }

    /// The configuration.
    pub fn config(&self) -> &RdmcConfig {
        &self.config
    }

    /// The forward times `t_0 = T > … > t_K = δ`.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Target evaluations per output sample (see [`RdmcConfig::evaluations_per_sample`]).
    pub fn evaluations_per_sample(&self) -> EvalCounts {
        self.config.evaluations_per_sample()
    }

    /// Runs `n` particles on a counted target; `Run::evaluations` is the counter's
    /// change over the run.
    pub fn sample<T: GradTarget>(
        &self,
        target: &Counted<T>,
        n: usize,
        seed: u64,
    ) -> Result<Run, RdmcError> {
        Ok(self.sample_with(target, Some(target), n, seed)?.run)
    }

    /// Runs `n` particles on any target; `counter` (usually the target itself, a
    /// [`Counted`]) supplies `Run::evaluations`; without one they are computed from
    /// the config ([`Rdmc::evaluations_per_sample`] × n).
    pub fn sample_with<G: GradTarget + ?Sized>(
        &self,
        target: &G,
        counter: Option<&dyn EvalSource>,
        n: usize,
        seed: u64,
    ) -> Result<RdmcOutput, RdmcError> {
        if n == 0 {
            return Err(RdmcError::invalid("n", 0, "must be >= 1 particle"));
        }
        let d = target.dim();
        if d == 0 {
            return Err(RdmcError::invalid("target dimension", 0, "must be >= 1"));
        }
        let before = counter.map(|c| c.counts());
        let start = Instant::now();
        let estimator = ScoreEstimator::new(target, self.config.inner);
        let outs: Vec<Result<ParticleOut, RdmcError>> = (0..n)
            .into_par_iter()
            .map(|i| self.particle(&estimator, d, i, seed))
            .collect();
        let wall_time_secs = start.elapsed().as_secs_f64();
        let mut parts = Vec::with_capacity(n);
        for o in outs {
            parts.push(o?);
        }
        let evaluations = match (counter, before) {
            (Some(c), Some(b)) => c.counts().since(&b),
            _ => {
                let e = self.evaluations_per_sample();
                EvalCounts {
                    density: e.density * n as u64,
                    gradient: e.gradient * n as u64,
                }
            }
        };

        let mut samples = Particles::zeros(n, d);
        let mut y_delta = Particles::zeros(n, d);
        for (i, p) in parts.iter().enumerate() {
            samples.row_mut(i).copy_from_slice(&p.x);
            y_delta.row_mut(i).copy_from_slice(&p.y_delta);
        }
        let steps_with_acc = parts.iter().map(|p| p.acceptance.len()).max().unwrap_or(0);
        let acceptance_per_step = (0..steps_with_acc)
            .map(|k| {
                parts
                    .iter()
                    .map(|p| p.acceptance.get(k).copied().unwrap_or(0.0))
                    .sum::<f64>()
                    / n as f64
            })
            .collect();
        let chain_acceptance = if steps_with_acc > 0 {
            parts
                .iter()
                .map(|p| p.acceptance.iter().sum::<f64>() / p.acceptance.len().max(1) as f64)
                .collect()
        } else {
            Vec::new()
        };
        let step_sizes = parts.iter().filter_map(|p| p.step_size).collect();
        let fallbacks = parts.iter().map(|p| p.fallbacks).sum();
        let run = Run {
            samples,
            chains: n,
            draws_per_chain: 1,
            evaluations,
            wall_time_secs,
            diagnostics: Diagnostics {
                acceptance_per_step,
                chain_acceptance,
                step_sizes,
                final_positions: (self.config.output != Output::Final).then_some(y_delta),
            },
        };
        Ok(RdmcOutput { run, fallbacks })
    }

    fn particle<T: GradTarget + ?Sized>(
        &self,
        estimator: &ScoreEstimator<'_, T>,
        d: usize,
        i: usize,
        seed: u64,
    ) -> Result<ParticleOut, RdmcError> {
        let cfg = &self.config;
        let times = &self.times;
        let k_steps = cfg.schedule.steps;
        let big_t = times[0];
        let diverged = |step: usize, time: f64, reason: String| RdmcError::Diverged {
            particle: i,
            step,
            time,
            reason,
        };
        let mut rng = stream(seed, i as u64);
        let inner_rng = stream(seed ^ INNER_SALT, i as u64);

        // 1. Y ~ N(0, (1 − e^{−2T}) I).
        let var_t = -(-2.0 * big_t).exp_m1();
        let mut y = vec![0.0; d];
        fill_standard_normal(&mut rng, &mut y);
        y.iter_mut().for_each(|v| *v *= var_t.sqrt());
        let mut v = vec![0.0; d];
        let mut acceptance = Vec::with_capacity(k_steps);
        let mut step_size = None;
        let mut record = |info: &CallInfo, acc: &mut Vec<f64>| {
            if let Some(a) = info.acceptance {
                acc.push(a);
            }
            if info.step_size.is_some() {
                step_size = info.step_size;
            }
        };

        // 2. Warm start (ULA on p_T with the estimated score), or the first score.
        let (mut irng, mut ws, first) = if cfg.init.warm_start_steps > 0 {
            let es = EstimatedScore {
                estimator,
                t: big_t,
                dim: d,
                cell: Mutex::new(ScoreCell {
                    rng: inner_rng,
                    ws: Workspace::new(d),
                    last: CallInfo::default(),
                    failure: None,
                }),
            };
            let ula = Ula::new(&es, UlaConfig::new(cfg.init.step_scale * var_t))?;
            let failure = |es: &EstimatedScore<'_, '_, T>, fallback: String| {
                let mut g = es.cell.lock().unwrap_or_else(|p| p.into_inner());
                let reason = g.failure.take().map_or(fallback, |f| f.reason);
                diverged(0, big_t, format!("warm start: {reason}"))
            };
            let mut state = match ula.init(&y) {
                Ok(s) => s,
                Err(e) => return Err(failure(&es, e.to_string())),
            };
            for _ in 0..cfg.init.warm_start_steps {
                if let Err(e) = ula.step(&(), &mut state, &mut rng) {
                    return Err(failure(&es, e.reason));
                }
            }
            y.copy_from_slice(ula.position(&state));
            v.copy_from_slice(state.gradient());
            let cell = es.cell.into_inner().unwrap_or_else(|p| p.into_inner());
            (cell.rng, cell.ws, cell.last)
        } else {
            let mut irng = inner_rng;
            let mut ws = Workspace::new(d);
            let info = estimator
                .score(big_t, &y, &mut ws, &mut irng, &mut v)
                .map_err(|f| diverged(1, big_t, f.reason))?;
            (irng, ws, info)
        };
        record(&first, &mut acceptance);

        // 3. K reverse steps.
        let mut xi = vec![0.0; d];
        for k in 0..k_steps {
            let t = times[k];
            if k > 0 {
                let info = estimator
                    .score(t, &y, &mut ws, &mut irng, &mut v)
                    .map_err(|f| diverged(k + 1, t, f.reason))?;
                record(&info, &mut acceptance);
            }
            fill_standard_normal(&mut rng, &mut xi);
            cfg.integrator.step(&mut y, &v, t - times[k + 1], &xi);
            if let Some(j) = y.iter().position(|a| !a.is_finite()) {
                return Err(diverged(k + 1, t, format!("position y[{j}] = {}", y[j])));
            }
        }

        // 4. Output at δ.
        let delta = times[k_steps];
        let x = match cfg.output {
            Output::Final => y.clone(),
            Output::Tweedie | Output::Posterior => {
                let mut out = vec![0.0; d];
                let res = if cfg.output == Output::Tweedie {
                    estimator.posterior_mean(delta, &y, &mut ws, &mut irng, &mut out)
                } else {
                    estimator.posterior_draw(delta, &y, &mut ws, &mut irng, &mut out)
                };
                let info = res.map_err(|f| diverged(k_steps + 1, delta, f.reason))?;
                if let Some(a) = info.step_size {
                    step_size = Some(a);
                }
                out
            }
        };
        Ok(ParticleOut {
            x,
            y_delta: y,
            acceptance,
            step_size,
            fallbacks: ws.fallbacks,
        })
    }
}

/// Runs rdMC with `config` for `n` particles on a counted target (the function the
/// harness calls): validates the config, samples, and returns the [`Run`]
/// (`chains = n`, `draws_per_chain = 1`, `evaluations` = the counter's change).
pub fn sample<T: GradTarget>(
    target: &Counted<T>,
    config: &RdmcConfig,
    n: usize,
    seed: u64,
) -> Result<Run, RdmcError> {
    Rdmc::new(*config)?.sample(target, n, seed)
}
