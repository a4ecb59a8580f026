//! Walk-jump sampling as a [`PopulationKernel`]: one runner step per measurement,
//! so a run gets the runner's observers, checkpoints and bit-identical resume.
//!
//! Particle i (independent of every other particle), **one at a time**:
//!
//! - **step 1**: `y_1 = u + σ ξ` (u the particle's initial position), `n_1` walk
//!   steps on `p(y_1) = p_σ`, then the jump `x̂_1 = x̂(ȳ_1)`;
//! - **step m = 2 … M**: `y_m = x̂_{m−1} + σ ξ` (SLIPS's initialization), `n_m` walk
//!   steps on `p(y_m | y_{1:m−1})`, `ȳ_m = ȳ_{m−1} + (y_m − ȳ_{m−1})/m`, then
//!   `x̂_m = x̂(ȳ_m)`; after step M the output is `x̂_M` or a posterior draw.
//!
//! The positions after step m are the `x̂_m` (the tunnelling diagnostic follows
//! them), so the run keeps the population after step M. **All at once**: the
//! state is the M measurements `y_t = u + σ ξ_t`; step m runs `n_m` steps of one
//! chain on `p(y_{1:M})`, then sets the positions to `x̂(ȳ)` at level σ²/M.
//!
//! **Randomness.** Particle i draws everything (initial noise, walk noise, the
//! streams of its estimators, posterior draws) from `rng::stream(seed, i)`, split
//! where an estimator needs a stream of its own; particles advance in parallel and
//! are reduced in index order, so the output is bit-identical for any number of
//! threads.

use crate::config::{Chain, Output, Resolved, WalkJumpConfig};
use crate::scores::{Conditional, Estimated, Joint, Scores};
use crate::walk::{WalkError, walk_drift, walk_target};
use rayon::prelude::*;
use sampo_core::rng::{StreamRng, fill_standard_normal, split, stream};
use sampo_core::{
    CoreError, Diagnostics, EvalCounts, MeanAcceptance, Particles, PopulationKernel, StepInfo,
};
use sampo_score::Workspace;
use serde::{Deserialize, Serialize};

/// Walk-jump over borrowed scores.
pub struct WalkJumpKernel<'a> {
    config: WalkJumpConfig,
    params: Resolved,
    scores: Scores<'a>,
    d: usize,
}

/// One particle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Particle {
    rng: StreamRng,
    /// OAT: `Σ_{t≤m} y_t` after step m; AAO: unused.
    sum: Vec<f64>,
    /// OAT: the last measurement; AAO: all M (M·d).
    y: Vec<f64>,
    /// The jump estimator's workspace.
    ws: Workspace,
    acc_sum: f64,
    acc_count: u64,
}

/// The population and its positions (the current jumps; after step M, the output).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalkJumpState {
    particles: Vec<Particle>,
    positions: Vec<f64>,
}

impl WalkJumpState {
    /// The particles' current measurements: the last `y_m` (OAT) or all M (AAO),
    /// particle after particle.
    pub fn measurements(&self) -> Vec<f64> {
        self.particles
            .iter()
            .flat_map(|p| p.y.iter().copied())
            .collect()
    }
}

/// Diagnostics of one measurement step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkJumpInfo {
    /// Evaluations over all particles.
    pub evaluations: EvalCounts,
    /// Mean MALA acceptance (MALA walks only).
    pub acceptance: Option<f64>,
    /// The measurement m.
    pub m: u64,
}

impl StepInfo for WalkJumpInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn acceptance(&self) -> Option<f64> {
        self.acceptance
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("m", self.m as f64);
    }
}

impl<'a> WalkJumpKernel<'a> {
    /// The kernel; `config` validated, `params` resolved for the target, `scores`
    /// built for `config.measurements` levels.
    pub fn new(config: WalkJumpConfig, params: Resolved, scores: Scores<'a>, d: usize) -> Self {
        WalkJumpKernel {
            config,
            params,
            scores,
            d,
        }
    }

    /// σ, the step and the friction of this run.
    pub fn params(&self) -> &Resolved {
        &self.params
    }

    fn diverged(&self, i: usize, m: u64, what: &str, e: WalkError) -> CoreError {
        match e {
            WalkError::Init(err) => CoreError::Diverged {
                step: m,
                chain: i,
                reason: format!("{what}: walk start: {err}"),
            },
            WalkError::Step { step, reason } => CoreError::Diverged {
                step: m,
                chain: i,
                reason: format!("{what}: walk step {step}: {reason}"),
            },
        }
    }

    /// Adds `σ ξ` to `y`.
    fn add_noise(&self, rng: &mut StreamRng, y: &mut [f64]) {
        let mut xi = vec![0.0; y.len()];
        fill_standard_normal(rng, &mut xi);
        let s = self.params.sigma;
        y.iter_mut().zip(&xi).for_each(|(v, e)| *v += s * e);
    }

    /// Runs the walk of measurement m on `y`.
    fn walk(
        &self,
        m: usize,
        sum: Option<&[f64]>,
        y: &mut [f64],
        rng: &mut StreamRng,
    ) -> Result<crate::walk::WalkCost, WalkError> {
        let c = &self.config;
        let steps = c.walk_steps(m);
        let sigma2 = self.params.sigma * self.params.sigma;
        let analytic = matches!(self.scores, Scores::Analytic { .. });
        match (sum, analytic) {
            (Some(sum), true) => {
                let t = Conditional {
                    scores: &self.scores,
                    m,
                    sigma2,
                    sum,
                };
                walk_target(c.walk, &self.params, t, y, steps, rng)
            }
            (None, true) => {
                let t = Joint {
                    scores: &self.scores,
                    m: c.measurements,
                    sigma2,
                    d: self.d,
                };
                walk_target(c.walk, &self.params, t, y, steps, rng)
            }
            (sum, false) => {
                let t = Estimated {
                    scores: &self.scores,
                    m: if sum.is_some() { m } else { c.measurements },
                    sigma2,
                    d: self.d,
                    sum,
                };
                walk_drift(c.walk, &self.params, t, y, steps, rng)
            }
        }
    }

    /// Advances particle i by measurement step m; `pos` holds its current jump (or
    /// initial position) and receives the new one.
    fn advance(
        &self,
        i: usize,
        p: &mut Particle,
        pos: &mut [f64],
        m: usize,
    ) -> Result<(EvalCounts, Option<f64>), CoreError> {
        let c = &self.config;
        let big_m = c.measurements;
        let sigma2 = self.params.sigma * self.params.sigma;
        let (cost, level_m, ybar) = match c.chain {
            Chain::Oat => {
                // y_m = x̂_{m−1} + σξ (x̂_0 = the initial position u).
                p.y.copy_from_slice(pos);
                self.add_noise(&mut p.rng, &mut p.y);
                let (sum, y, rng) = (&mut p.sum, &mut p.y, &mut p.rng);
                let w = self
                    .walk(m, Some(sum), y, rng)
                    .map_err(|e| self.diverged(i, m as u64, &format!("measurement {m}"), e))?;
                sum.iter_mut().zip(y.iter()).for_each(|(s, v)| *s += v);
                let ybar: Vec<f64> = sum.iter().map(|s| s / m as f64).collect();
                (w, m, ybar)
            }
            Chain::Aao => {
                let w = self
                    .walk(m, None, &mut p.y, &mut p.rng)
                    .map_err(|e| self.diverged(i, m as u64, &format!("segment {m}"), e))?;
                let mut ybar = vec![0.0; self.d];
                for b in p.y.chunks_exact(self.d) {
                    ybar.iter_mut()
                        .zip(b)
                        .for_each(|(o, v)| *o += v / big_m as f64);
                }
                (w, big_m, ybar)
            }
        };
        let level = sigma2 / level_m as f64;
        let last = m == big_m;
        let jump = if last && c.output == Output::PosteriorDraw {
            self.scores
                .posterior_draw(level_m, level, &ybar, &mut p.ws, pos)
        } else {
            self.scores.jump(level_m, level, &ybar, &mut p.ws, pos)
        }
        .map_err(|e| CoreError::Diverged {
            step: m as u64,
            chain: i,
            reason: format!("jump after measurement {m}: {}", e.reason),
        })?;
        if let Some(j) = pos.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::Diverged {
                step: m as u64,
                chain: i,
                reason: format!("jump x̂[{j}] = {}", pos[j]),
            });
        }
        if let Some(a) = cost.acceptance {
            p.acc_sum += a;
            p.acc_count += 1;
        }
        Ok((cost.evaluations + jump, cost.acceptance))
    }
}

impl PopulationKernel for WalkJumpKernel<'_> {
    type State = WalkJumpState;
    type Info = WalkJumpInfo;

    fn dim(&self) -> usize {
        self.d
    }

    /// Particle i starts at row i of `x0` (AAO: every measurement at `u + σ ξ_t`).
    fn init(&self, x0: &Particles, seed: u64) -> Result<(WalkJumpState, EvalCounts), CoreError> {
        let d = self.d;
        let big_m = self.config.measurements;
        let particles = (0..x0.len())
            .map(|i| {
                let mut rng = stream(seed, i as u64);
                let ws = Workspace::new(d, split(&mut rng));
                let u = x0.row(i);
                let y = match self.config.chain {
                    Chain::Oat => u.to_vec(),
                    Chain::Aao => {
                        let mut y: Vec<f64> = (0..big_m).flat_map(|_| u.iter().copied()).collect();
                        self.add_noise(&mut rng, &mut y);
                        y
                    }
                };
                Particle {
                    rng,
                    sum: vec![0.0; d],
                    y,
                    ws,
                    acc_sum: 0.0,
                    acc_count: 0,
                }
            })
            .collect();
        Ok((
            WalkJumpState {
                particles,
                positions: x0.as_slice().to_vec(),
            },
            EvalCounts::ZERO,
        ))
    }

    fn step(&self, state: &mut WalkJumpState, step: u64) -> Result<WalkJumpInfo, CoreError> {
        let d = self.d;
        let m = step as usize;
        let results: Vec<Result<(EvalCounts, Option<f64>), CoreError>> = state
            .particles
            .par_iter_mut()
            .zip(state.positions.par_chunks_mut(d))
            .enumerate()
            .map(|(i, (p, pos))| self.advance(i, p, pos, m))
            .collect();
        let mut info = WalkJumpInfo {
            evaluations: EvalCounts::ZERO,
            acceptance: None,
            m: step,
        };
        let mut acc = MeanAcceptance::default();
        for r in results {
            let (e, a) = r?;
            info.evaluations += e;
            acc.add(a);
        }
        info.acceptance = acc.mean();
        Ok(info)
    }

    fn positions<'s>(&self, state: &'s WalkJumpState) -> &'s [f64] {
        &state.positions
    }

    fn schedule_len(&self) -> Option<u64> {
        Some(self.config.measurements as u64)
    }

    fn diagnostics(&self, state: &WalkJumpState, diag: &mut Diagnostics) {
        let ps = &state.particles;
        if ps.iter().any(|p| p.acc_count > 0) {
            diag.chain_acceptance = ps
                .iter()
                .map(|p| p.acc_sum / p.acc_count.max(1) as f64)
                .collect();
        }
        diag.step_sizes = vec![self.params.step_size; ps.len()];
        diag.stats.insert("sigma".into(), self.params.sigma);
    }
}
