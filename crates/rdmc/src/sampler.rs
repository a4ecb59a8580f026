//! The outer loop of rdMC (the paper's Algorithm 1) as a [`PopulationKernel`]: the
//! runner advances every particle one outer step per step, so rdMC gets the
//! runner's observers (progress, Ctrl-C), checkpoints and bit-identical resume.
//!
//! For particle `i` (independent of every other particle):
//!
//! - **init**: `Y ~ N(0, (1 − e^{−2T}) I)`, the Gaussian part of `p_T` (or given
//!   positions), and the first score estimate at T;
//! - **steps 1 … W** (warm start): `init.warm_start_steps` ULA steps on `p_T` with step
//!   `init.step_scale · (1 − e^{−2T})`, run by the `sampo_langevin::Ula` kernel on the
//!   [`ScoreAt`] drift (its last estimate, at the final warm-start position, is
//!   reused by the first reverse step);
//! - **steps W+1 … W+K**: reverse step k = 0 … K−1: `v ≈ ∇log p_{t_k}(Y)` by the inner
//!   estimator (at k = 0 the one already in hand), then one exponential-integrator
//!   (or Euler–Maruyama) step of length `η_k = t_k − t_{k+1}`;
//! - **step W+K+1** (unless the output is `final`): at `t_K = δ`, the Tweedie mean
//!   `m_δ(Y)` or a draw from `q_δ(·|Y)` ([`crate::Output`]).
//!
//! The schedule therefore has `W + K + (output ≠ final)` steps, and the run keeps the
//! population after the last one.
//!
//! **Randomness.** Particle `i` uses two streams: `rng::stream(seed, i)` for the
//! initial draw, the warm-start noise and the outer noise, and
//! `rng::stream(seed ^ INNER_SALT, i)` (in its estimator workspace) for its inner
//! estimates. Particles advance in parallel with rayon and are reduced in index
//! order, so the output is bit-identical for any number of threads.

use crate::config::{Output, RdmcConfig};
use crate::error::RdmcError;
use crate::schedule;
use crate::score::{ScoreAt, ScoreEstimator};
use rayon::prelude::*;
use sampo_core::rng::{StreamRng, fill_standard_normal, stream};
use sampo_core::{
    CoreError, Counted, Diagnostics, EvalCounts, EvalSource, GradTarget, Kernel, MeanAcceptance,
    Outcome, Particles, PopulationKernel, Run, RunConfig, Runner, StepInfo,
};
use sampo_langevin::{Ula, UlaConfig, UlaState};
use sampo_score::Workspace;
use serde::{Deserialize, Serialize};

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
    /// diagnostics: `acceptance_per_step[s]` is the mean inner MALA acceptance over
    /// the particles that ran MALA chains at step s (`None` where none did),
    /// `chain_acceptance[i]` particle i's mean over its MALA calls, `step_sizes[i]`
    /// its last inner step size (ULA/MALA), `final_positions` the particles at δ
    /// before the output map.
    pub run: Run,
    /// Inner estimates whose IS weights all vanished (the documented fallback).
    pub fallbacks: u64,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Warm-start ULA step on p_T.
    Warm,
    /// Reverse step k.
    Reverse(usize),
    /// The output map at δ.
    Output,
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

    /// Steps of the schedule: warm start + K reverse steps + the output step.
    pub fn schedule_len(&self) -> u64 {
        (self.config.init.warm_start_steps
            + self.config.schedule.steps
            + usize::from(self.config.output != Output::Final)) as u64
    }

    /// The run configuration of `n` particles: the whole schedule, keeping the
    /// population after its last step; observers and checkpoints after every step.
    pub fn run_config(&self, n: usize, seed: u64) -> RunConfig {
        let len = self.schedule_len();
        let mut rc = RunConfig::new(n, 0, len, seed);
        rc.thin = len;
        rc.segment = 1;
        rc
    }

    /// The population kernel over `target`. With `own_init`, particles start from
    /// `N(0, (1 − e^{−2T}) I)` drawn from their streams and the runner's initial
    /// positions are ignored; otherwise they start at the given positions.
    pub fn kernel<'a, T: GradTarget + ?Sized>(
        &'a self,
        target: &'a T,
        own_init: bool,
    ) -> RdmcKernel<'a, T> {
        RdmcKernel {
            rdmc: self,
            estimator: ScoreEstimator::new(target, self.config.inner),
            d: target.dim(),
            own_init,
        }
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
    /// [`Counted`]) supplies `Run::evaluations`; without one they are the
    /// evaluations the estimators reported (exact).
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
        let kernel = self.kernel(target, true);
        let mut runner = Runner::population(&kernel, self.run_config(n, seed))?;
        if let Some(c) = counter {
            runner = runner.count_with(c);
        }
        let run = match runner.run(&Particles::zeros(1, d))? {
            Outcome::Finished(run) => run,
            Outcome::Stopped { .. } => unreachable!("no observer can stop this run"),
        };
        let fallbacks = run
            .diagnostics
            .stats
            .get(FALLBACKS_TOTAL)
            .map_or(0, |&f| f as u64);
        Ok(RdmcOutput { run, fallbacks })
    }
}

/// Key of the total fallback count in `Run::diagnostics.stats`.
pub const FALLBACKS_TOTAL: &str = "fallbacks_total";

/// rdMC over a borrowed target, one outer step per runner step.
pub struct RdmcKernel<'a, T: ?Sized> {
    rdmc: &'a Rdmc,
    estimator: ScoreEstimator<'a, T>,
    d: usize,
    own_init: bool,
}

/// One particle: its position and score (the state of a ULA chain over the
/// estimated score, whose workspace holds the estimator's stream), its outer
/// stream, and its inner-chain statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParticleState {
    chain: UlaState<Workspace>,
    rng: StreamRng,
    acc_sum: f64,
    acc_count: u64,
    step_size: Option<f64>,
}

/// The population: particles and their current positions (n × d; after the
/// output step, the output).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RdmcState {
    particles: Vec<ParticleState>,
    positions: Vec<f64>,
}

impl RdmcState {
    /// Inner estimates whose importance weights all vanished, over all particles.
    pub fn fallbacks(&self) -> u64 {
        self.particles
            .iter()
            .map(|p| p.chain.workspace().fallbacks)
            .sum()
    }
}

/// Diagnostics of one outer step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdmcInfo {
    /// Evaluations over all particles.
    pub evaluations: EvalCounts,
    /// Mean inner MALA acceptance over the particles that ran MALA chains.
    pub acceptance: Option<f64>,
    /// Estimates at this step that fell back (every IS weight vanished).
    pub fallbacks: u64,
    /// The forward time of this step's estimates.
    pub time: f64,
}

impl StepInfo for RdmcInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn acceptance(&self) -> Option<f64> {
        self.acceptance
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("fallbacks", self.fallbacks as f64);
        visit("t", self.time);
    }
}

/// One particle's part of a step.
struct ParticleStep {
    evaluations: EvalCounts,
    acceptance: Option<f64>,
    fallbacks: u64,
}

impl<'a, T: GradTarget + ?Sized> RdmcKernel<'a, T> {
    fn config(&self) -> &RdmcConfig {
        &self.rdmc.config
    }

    /// The warm-start ULA kernel on p_T (also the particles' initial state).
    fn warm_kernel(&self) -> Ula<ScoreAt<'_, 'a, T>> {
        let big_t = self.rdmc.times[0];
        let var_t = -(-2.0 * big_t).exp_m1();
        Ula::new(
            ScoreAt {
                estimator: &self.estimator,
                t: big_t,
            },
            UlaConfig::new(self.config().init.step_scale * var_t),
        )
        .expect("validated step scale")
    }

    fn phase(&self, step: u64) -> Phase {
        let w = self.config().init.warm_start_steps as u64;
        let k = self.config().schedule.steps as u64;
        if step <= w {
            Phase::Warm
        } else if step <= w + k {
            Phase::Reverse((step - w - 1) as usize)
        } else {
            Phase::Output
        }
    }

    fn diverged(particle: usize, step: usize, time: f64, reason: String) -> RdmcError {
        RdmcError::Diverged {
            particle,
            step,
            time,
            reason,
        }
    }

    fn advance(
        &self,
        i: usize,
        p: &mut ParticleState,
        pos: &mut [f64],
        phase: Phase,
    ) -> Result<ParticleStep, RdmcError> {
        let cfg = self.config();
        let times = &self.rdmc.times;
        let before = p.chain.workspace().fallbacks;
        let (evaluations, info_acc, step_size) = match phase {
            Phase::Warm => {
                let ula = self.warm_kernel();
                let info = ula.step(&(), &mut p.chain, &mut p.rng).map_err(|e| {
                    Self::diverged(i, 0, times[0], format!("warm start: {}", e.reason))
                })?;
                (info.evaluations, info.drift_acceptance, None)
            }
            Phase::Reverse(k) => {
                let t = times[k];
                let (y, v, ws) = p.chain.parts_mut();
                let mut spent = EvalCounts::ZERO;
                let mut acc = None;
                let mut h = None;
                if k > 0 {
                    let e = self
                        .estimator
                        .score(t, y, ws, v)
                        .map_err(|f| Self::diverged(i, k + 1, t, f.reason))?;
                    spent = e.evaluations;
                    acc = e.acceptance;
                    h = e.step_size;
                }
                // The outer noise: d normals from the particle's stream (`pos` is free
                // scratch until the positions are copied below).
                fill_standard_normal(&mut p.rng, pos);
                cfg.integrator.step(y, v, t - times[k + 1], pos);
                if let Some(j) = y.iter().position(|a| !a.is_finite()) {
                    return Err(Self::diverged(
                        i,
                        k + 1,
                        t,
                        format!("position y[{j}] = {}", y[j]),
                    ));
                }
                pos.copy_from_slice(y);
                (spent, acc, h)
            }
            Phase::Output => {
                let delta = times[cfg.schedule.steps];
                let (y, _, ws) = p.chain.parts_mut();
                let e = if cfg.output == Output::Tweedie {
                    self.estimator.posterior_mean(delta, y, ws, pos)
                } else {
                    self.estimator.posterior_draw(delta, y, ws, pos)
                }
                .map_err(|f| Self::diverged(i, cfg.schedule.steps + 1, delta, f.reason))?;
                (e.evaluations, e.acceptance, e.step_size)
            }
        };
        if let Some(a) = info_acc {
            p.acc_sum += a;
            p.acc_count += 1;
        }
        if step_size.is_some() {
            p.step_size = step_size;
        }
        if phase == Phase::Warm {
            pos.copy_from_slice(p.chain.position());
        }
        Ok(ParticleStep {
            evaluations,
            acceptance: info_acc,
            fallbacks: p.chain.workspace().fallbacks - before,
        })
    }
}

impl<T: GradTarget + ?Sized> PopulationKernel for RdmcKernel<'_, T> {
    type State = RdmcState;
    type Info = RdmcInfo;

    fn dim(&self) -> usize {
        self.d
    }

    fn init(&self, x0: &Particles, seed: u64) -> Result<(RdmcState, EvalCounts), CoreError> {
        let d = self.d;
        let big_t = self.rdmc.times[0];
        let sd = (-(-2.0 * big_t).exp_m1()).sqrt();
        let ula = self.warm_kernel();
        let results: Vec<Result<(ParticleState, EvalCounts), RdmcError>> = (0..x0.len())
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(seed, i as u64);
                let mut y = vec![0.0; d];
                if self.own_init {
                    // Y ~ N(0, (1 − e^{−2T}) I).
                    fill_standard_normal(&mut rng, &mut y);
                    y.iter_mut().for_each(|v| *v *= sd);
                } else {
                    y.copy_from_slice(x0.row(i));
                }
                let ws = Workspace::new(d, stream(seed ^ INNER_SALT, i as u64));
                let (chain, cost) = ula.init_with_workspace(&y, ws).map_err(|e| {
                    Self::diverged(i, 0, big_t, format!("first score estimate: {e}"))
                })?;
                Ok((
                    ParticleState {
                        chain,
                        rng,
                        acc_sum: 0.0,
                        acc_count: 0,
                        step_size: None,
                    },
                    cost,
                ))
            })
            .collect();
        let mut particles = Vec::with_capacity(results.len());
        let mut spent = EvalCounts::ZERO;
        for r in results {
            let (p, c) = r?;
            spent += c;
            particles.push(p);
        }
        let positions = particles
            .iter()
            .flat_map(|p| p.chain.position().iter().copied())
            .collect();
        Ok((
            RdmcState {
                particles,
                positions,
            },
            spent,
        ))
    }

    fn step(&self, state: &mut RdmcState, step: u64) -> Result<RdmcInfo, CoreError> {
        let phase = self.phase(step);
        let d = self.d;
        let results: Vec<Result<ParticleStep, RdmcError>> = state
            .particles
            .par_iter_mut()
            .zip(state.positions.par_chunks_mut(d))
            .enumerate()
            .map(|(i, (p, pos))| self.advance(i, p, pos, phase))
            .collect();
        let mut info = RdmcInfo {
            evaluations: EvalCounts::ZERO,
            acceptance: None,
            fallbacks: 0,
            time: match phase {
                Phase::Warm => self.rdmc.times[0],
                Phase::Reverse(k) => self.rdmc.times[k],
                Phase::Output => self.rdmc.times[self.config().schedule.steps],
            },
        };
        let mut acc = MeanAcceptance::default();
        for r in results {
            let s = r?;
            info.evaluations += s.evaluations;
            info.fallbacks += s.fallbacks;
            acc.add(s.acceptance);
        }
        info.acceptance = acc.mean();
        Ok(info)
    }

    fn positions<'s>(&self, state: &'s RdmcState) -> &'s [f64] {
        &state.positions
    }

    fn schedule_len(&self) -> Option<u64> {
        Some(self.rdmc.schedule_len())
    }

    fn diagnostics(&self, state: &RdmcState, diag: &mut Diagnostics) {
        let ps = &state.particles;
        if ps.iter().any(|p| p.acc_count > 0) {
            diag.chain_acceptance = ps
                .iter()
                .map(|p| p.acc_sum / p.acc_count.max(1) as f64)
                .collect();
        }
        diag.step_sizes = ps.iter().filter_map(|p| p.step_size).collect();
        if self.config().output != Output::Final {
            let ys: Vec<f64> = ps
                .iter()
                .flat_map(|p| p.chain.position().iter().copied())
                .collect();
            diag.final_positions =
                Some(Particles::from_vec(ps.len(), self.d, ys).expect("n × d positions"));
        }
        diag.stats
            .insert(FALLBACKS_TOTAL.to_string(), state.fallbacks() as f64);
    }
}

/// Runs rdMC with `config` for `n` particles on a counted target: validates the
/// config, samples, and returns the [`Run`] (`chains = n`, `draws_per_chain = 1`,
/// `evaluations` = the counter's change).
pub fn sample<T: GradTarget>(
    target: &Counted<T>,
    config: &RdmcConfig,
    n: usize,
    seed: u64,
) -> Result<Run, RdmcError> {
    Rdmc::new(*config)?.sample(target, n, seed)
}
