//! Both diffusions as one [`PopulationKernel`]: one runner step per time step, so a
//! run gets the runner's observers, checkpoints and bit-identical resume.
//!
//! **Föllmer** (reference coordinates, `X_0 = 0`, `t_k = k/K`, Δ = 1/K): step k
//! estimates `b = (m − u)/(1 − t_{k−1})` and moves
//! `u ← u + Δ b + σ_k ξ`, with `σ_k = √Δ` (Euler–Maruyama) or
//! `σ_k = √(Δ (1 − t_k)/(1 − t_{k−1}))` (exponential: the Brownian bridge to m, exact
//! for the frozen m; its last step lands on m). With `output = posterior` the last
//! step is instead a draw of `X_1 | X_{1−Δ}`, resampled from its weighted draws.
//!
//! **OU** (rdMC's reverse process on `(x − c)/s`): particles start from
//! `N(0, (1 − e^{−2T}) I)`; step k estimates the score at forward time `t_{k−1}` and
//! takes rdMC's exponential or Euler–Maruyama step to `t_k` (`sampo_rdmc::integrator`);
//! with `output = posterior` one more step draws `X_0 | X_δ`.
//!
//! **Cost.** Every estimate costs N density evaluations per particle (pooling
//! changes who uses a draw, not how many are made); the pilot, if any, runs in
//! `init`. When the budget sets N, step 1 also spends the remainder of the
//! per-particle budget (`N_1 = N + e`, e < K), so a run spends its budget to within
//! one evaluation per particle.
//!
//! **Randomness.** Particle i draws its noise from `rng::stream(seed, i)`; common
//! noise comes from `rng::stream(seed ^ COMMON_SALT, step)`; particles (or mixture
//! blocks) advance in parallel and are reduced in index order, so the output is
//! bit-identical for any number of threads.

use crate::config::{EstimatorConfig, FollmerIntegrator, Noise, Output, PilotConfig, Pooling};
use crate::estimator::{
    Defensive, NoiseSource, ParticleEstimate, Scratch, StepGeometry, StepInputs, cholesky, shape,
};
use crate::reference::{PilotReport, Reference, pilot, pilot_samples};
use rayon::prelude::*;
use sampo_core::qmc::Lattice;
use sampo_core::rng::{StreamRng, fill_standard_normal, stream};
use sampo_core::{
    CoreError, Diagnostics, EvalCounts, Particles, PopulationKernel, StepInfo, Target,
};
use sampo_rdmc::Integrator as OuIntegrator;
use serde::{Deserialize, Serialize};

/// Salt of the common-noise streams (one per step).
pub const COMMON_SALT: u64 = 0xC0AA_0115;

/// Which process, with its time grid.
#[derive(Debug, Clone, PartialEq)]
pub enum Process {
    /// The Schrödinger–Föllmer process on [0, 1] in K steps.
    Follmer {
        /// K.
        steps: usize,
        /// The integrator.
        integrator: FollmerIntegrator,
    },
    /// The OU reverse process on the forward times `t_0 = T > … > t_K = δ`.
    Ou {
        /// The K + 1 times.
        times: Vec<f64>,
        /// The integrator.
        integrator: OuIntegrator,
    },
}

impl Process {
    /// Posterior-mean estimates per particle: Föllmer K (its last step is the
    /// posterior draw or the last mean step), OU K plus one for a posterior draw.
    pub fn estimates(&self, output: Output) -> usize {
        match self {
            Process::Follmer { steps, .. } => *steps,
            Process::Ou { times, .. } => times.len() - 1 + usize::from(output == Output::Posterior),
        }
    }
}

/// Where the reference comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ReferenceSource {
    /// Given.
    Fixed(Reference),
    /// The pilot, centred at the initial positions' mean.
    Pilot(PilotConfig),
}

/// The kernel over a borrowed (counted) target.
pub struct DiffusionKernel<'a> {
    target: &'a dyn Target,
    process: Process,
    output: Output,
    estimator: EstimatorConfig,
    source: ReferenceSource,
    /// Pilot draws per round.
    pilot_samples: usize,
    /// N, and N_1 (step 1, with the remainder of the budget).
    samples: usize,
    first_samples: usize,
    lattices: Vec<Lattice>,
    d: usize,
}

/// The population.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiffusionState {
    reference: Reference,
    pilot: Option<PilotReport>,
    /// Reference coordinates, n × d.
    u: Vec<f64>,
    /// Target coordinates `c + s u`, n × d.
    positions: Vec<f64>,
    rngs: Vec<StreamRng>,
    /// The proposal shape C (d × d) for the next step, if preconditioned.
    shape: Option<Vec<f64>>,
    seed: u64,
    fallbacks: Vec<u64>,
    ess_sum: Vec<f64>,
    steps_done: u64,
}

impl DiffusionState {
    /// The reference the run uses.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// What the pilot found, if it ran.
    pub fn pilot(&self) -> Option<&PilotReport> {
        self.pilot.as_ref()
    }
}

/// Diagnostics of one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffusionInfo {
    /// Evaluations over all particles.
    pub evaluations: EvalCounts,
    /// Mean over particles of the weights' ESS as a fraction of the draws a
    /// particle's estimate used.
    pub ess_fraction: f64,
    /// Particles whose weights all vanished.
    pub fallbacks: u64,
    /// The process time at the start of the step (Föllmer t, OU forward t).
    pub time: f64,
}

impl StepInfo for DiffusionInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("ess_fraction", self.ess_fraction);
        visit("fallbacks", self.fallbacks as f64);
        visit("time", self.time);
    }
}

/// How N is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleSize {
    /// Fixed by the config.
    Fixed(usize),
    /// From a total budget of density evaluations for `n` particles.
    Budget {
        /// The whole run's budget.
        total: u64,
        /// Particles.
        n: usize,
    },
}

impl<'a> DiffusionKernel<'a> {
    /// The kernel; `estimator` validated; fails (naming `budget`) when the budget
    /// cannot pay for one draw per particle and estimate.
    pub fn new(
        target: &'a dyn Target,
        process: Process,
        output: Output,
        estimator: EstimatorConfig,
        source: ReferenceSource,
        size: SampleSize,
    ) -> Result<Self, CoreError> {
        let d = target.dim();
        if d == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        if let ReferenceSource::Fixed(r) = &source
            && r.center.len() != d
        {
            return Err(CoreError::dim("center", d, r.center.len()));
        }
        let calls = process.estimates(output);
        let (pilot_samples, pilot_cost) = match &source {
            ReferenceSource::Pilot(p) => {
                let total = match size {
                    SampleSize::Budget { total, .. } => Some(total),
                    SampleSize::Fixed(_) => None,
                };
                let m = pilot_samples(p, total);
                (m, (m * p.rounds) as u64)
            }
            ReferenceSource::Fixed(_) => (0, 0),
        };
        let (samples, first_samples) = match size {
            SampleSize::Fixed(n) => (n, n),
            SampleSize::Budget { total, n } => {
                let per = total.saturating_sub(pilot_cost) / n as u64;
                let each = per / calls as u64;
                if each == 0 {
                    return Err(CoreError::Unsupported {
                        reason: format!(
                            "budget too small: {calls} posterior estimates per particle need at \
                             least {calls} density evaluations per particle after the pilot's \
                             {pilot_cost} (budget {total} for {n} particles); raise budget or \
                             set inner_samples"
                        ),
                    });
                }
                let rest = per - each * calls as u64;
                (each as usize, (each + rest) as usize)
            }
        };
        let mut lattices: Vec<Lattice> = Vec::new();
        if estimator.noise == Noise::Lattice {
            for n in [samples, first_samples] {
                let def = Self::defensive_plan(&estimator, n).count;
                for m in [n - def, def] {
                    if m > 0 && !lattices.iter().any(|l| l.len() == m) {
                        lattices.push(Lattice::korobov(m, d));
                    }
                }
            }
        }
        Ok(DiffusionKernel {
            target,
            process,
            output,
            estimator,
            source,
            pilot_samples,
            samples,
            first_samples,
            lattices,
            d,
        })
    }

    /// Draws per particle of every estimate after the first, and of the first.
    pub fn samples(&self) -> (usize, usize) {
        (self.samples, self.first_samples)
    }

    /// Runner steps of the schedule.
    fn len(&self) -> u64 {
        self.process.estimates(self.output) as u64
    }

    fn lattice(&self, n: usize) -> Option<&Lattice> {
        self.lattices.iter().find(|l| l.len() == n)
    }

    fn defensive_plan(e: &EstimatorConfig, samples: usize) -> Defensive {
        Defensive::new(samples, e.defensive_fraction, e.defensive_scale)
    }

    /// The noise source of an estimate of `samples` draws (lattice or iid).
    fn own_noise(&self, samples: usize) -> NoiseSource<'_> {
        let def = Self::defensive_plan(&self.estimator, samples).count;
        match self.lattice(samples - def) {
            Some(main) => NoiseSource::Lattice {
                main,
                defensive: self.lattice(def),
            },
            None => NoiseSource::Iid,
        }
    }

    fn cost(&self, evaluations: u64) -> EvalCounts {
        EvalCounts::density(evaluations).with_data_terms(evaluations * self.target.data_terms())
    }

    /// The geometry and time of step k (1-based) and whether it is a posterior draw.
    fn geometry(&self, k: usize) -> (StepGeometry, f64, bool) {
        match &self.process {
            Process::Follmer { steps, .. } => {
                let t = (k - 1) as f64 / *steps as f64;
                let g = StepGeometry {
                    mean_scale: 1.0,
                    sd: (1.0 - t).sqrt(),
                    tilt: 1.0,
                };
                (g, t, k == *steps && self.output == Output::Posterior)
            }
            Process::Ou { times, .. } => {
                let kk = times.len() - 1;
                let t = times[(k - 1).min(kk)];
                let g = StepGeometry {
                    mean_scale: t.exp(),
                    sd: (2.0 * t).exp_m1().sqrt(),
                    tilt: 0.0,
                };
                (g, t, k == kk + 1)
            }
        }
    }

    /// Moves particle u by step k given `delta = m − μ`; `xi` is scratch (d).
    fn advance(&self, k: usize, u: &mut [f64], delta: &[f64], rng: &mut StreamRng, xi: &mut [f64]) {
        fill_standard_normal(rng, xi);
        match &self.process {
            Process::Follmer { steps, integrator } => {
                let kf = *steps as f64;
                let (t, t1) = ((k - 1) as f64 / kf, k as f64 / kf);
                let dt = t1 - t;
                // b = (m − u)/(1 − t); with μ = u, delta = m − u.
                let gain = dt / (1.0 - t);
                let noise = match integrator {
                    FollmerIntegrator::EulerMaruyama => dt.sqrt(),
                    FollmerIntegrator::Exponential => (dt * (1.0 - t1) / (1.0 - t)).sqrt(),
                };
                for ((uv, dv), z) in u.iter_mut().zip(delta).zip(xi.iter()) {
                    *uv += gain * dv + noise * z;
                }
            }
            Process::Ou { times, integrator } => {
                let (t, t1) = (times[k - 1], times[k]);
                // score = e^{−t}(m − μ)/(1 − e^{−2t}) = (m − μ)/(2 sinh t).
                let v: Vec<f64> = delta.iter().map(|dv| dv / (2.0 * t.sinh())).collect();
                integrator.step(u, &v, t - t1, xi);
            }
        }
    }
}

impl PopulationKernel for DiffusionKernel<'_> {
    type State = DiffusionState;
    type Info = DiffusionInfo;

    fn dim(&self) -> usize {
        self.d
    }

    /// Runs the pilot (if any) from the rows of `x0`, then places the particles:
    /// Föllmer at `X_0 = c`, OU at draws of `N(c, s²(1 − e^{−2T}) I)`. One particle
    /// per row of `x0`.
    fn init(&self, x0: &Particles, seed: u64) -> Result<(DiffusionState, EvalCounts), CoreError> {
        let d = self.d;
        let n = x0.len();
        let (reference, report, spent) = match &self.source {
            ReferenceSource::Fixed(r) => (r.clone(), None, 0),
            ReferenceSource::Pilot(p) => {
                let rep = pilot(self.target, x0, p, self.pilot_samples, seed)?;
                (rep.reference.clone(), Some(rep.clone()), rep.evaluations)
            }
        };
        let mut rngs: Vec<StreamRng> = (0..n).map(|i| stream(seed, i as u64)).collect();
        let mut u = vec![0.0; n * d];
        if let Process::Ou { times, .. } = &self.process {
            let sd = (-(-2.0 * times[0]).exp_m1()).sqrt();
            for (row, rng) in u.chunks_exact_mut(d).zip(rngs.iter_mut()) {
                fill_standard_normal(rng, row);
                row.iter_mut().for_each(|v| *v *= sd);
            }
        }
        let mut positions = vec![0.0; n * d];
        for (x, uv) in positions.chunks_exact_mut(d).zip(u.chunks_exact(d)) {
            reference.to_target(uv, x);
        }
        let shape = match self.estimator.preconditioning {
            crate::config::Preconditioning::None => None,
            crate::config::Preconditioning::Ensemble => Some(identity(d)),
        };
        Ok((
            DiffusionState {
                reference,
                pilot: report,
                u,
                positions,
                rngs,
                shape,
                seed,
                fallbacks: vec![0; n],
                ess_sum: vec![0.0; n],
                steps_done: 0,
            },
            self.cost(spent),
        ))
    }

    fn step(&self, state: &mut DiffusionState, step: u64) -> Result<DiffusionInfo, CoreError> {
        let d = self.d;
        let k = step as usize;
        let n = state.rngs.len();
        let samples = if k == 1 {
            self.first_samples
        } else {
            self.samples
        };
        let (geometry, time, is_draw) = self.geometry(k);
        let chol = match &state.shape {
            Some(c) => Some(cholesky(c, d).ok_or_else(|| CoreError::Diverged {
                step,
                chain: 0,
                reason: "the ensemble proposal shape is not positive definite".into(),
            })?),
            None => None,
        };
        let defensive = Self::defensive_plan(&self.estimator, samples);
        let inputs = StepInputs {
            target: self.target,
            reference: &state.reference,
            geometry,
            chol: chol.as_deref(),
            samples,
            defensive,
        };
        let common: Option<Vec<f64>> = (self.estimator.pooling == Pooling::Common).then(|| {
            let mut rng = stream(state.seed ^ COMMON_SALT, step);
            let mut eps = vec![0.0; samples * d];
            let mut shift = Vec::new();
            self.own_noise(samples)
                .fill(&mut eps, d, &defensive, &mut rng, &mut shift);
            eps
        });
        let noise_for = || match &common {
            Some(c) => NoiseSource::Common(c),
            None => self.own_noise(samples),
        };
        let want_cov = state.shape.is_some();
        let mut deltas = vec![0.0; n * d];
        let mut draws = is_draw.then(|| vec![0.0; n * d]);
        // Per particle: its estimate and (preconditioned) its posterior covariance.
        let results: Vec<(ParticleEstimate, Vec<f64>)> = match self.estimator.pooling {
            Pooling::Independent | Pooling::Common => {
                let draw_chunks: Vec<Option<&mut [f64]>> = match draws.as_mut() {
                    Some(v) => v.chunks_mut(d).map(Some).collect(),
                    None => (0..n).map(|_| None).collect(),
                };
                state
                    .u
                    .par_chunks(d)
                    .zip(state.rngs.par_iter_mut())
                    .zip(deltas.par_chunks_mut(d))
                    .zip(draw_chunks.into_par_iter())
                    .map_init(Scratch::default, |s, (((u, rng), delta), draw)| {
                        let est = inputs.own(u, &noise_for(), rng, s, delta, draw);
                        let mut cov = Vec::new();
                        if want_cov {
                            cov = vec![0.0; d * d];
                            inputs.add_posterior_covariance(s, &mut cov);
                        }
                        (est, cov)
                    })
                    .collect()
            }
            Pooling::Mixture => {
                let b = self.estimator.block;
                let draw_chunks: Vec<Option<&mut [f64]>> = match draws.as_mut() {
                    Some(v) => v.chunks_mut(b * d).map(Some).collect(),
                    None => (0..n.div_ceil(b)).map(|_| None).collect(),
                };
                let blocks: Vec<Vec<ParticleEstimate>> = state
                    .u
                    .par_chunks(b * d)
                    .zip(state.rngs.par_chunks_mut(b))
                    .zip(deltas.par_chunks_mut(b * d))
                    .zip(draw_chunks.into_par_iter())
                    .map_init(Scratch::default, |s, (((us, rngs), delta), draw)| {
                        let noise: Vec<NoiseSource<'_>> =
                            (0..rngs.len()).map(|_| noise_for()).collect();
                        let mut out = Vec::new();
                        inputs.mixture(us, &noise, rngs, s, delta, draw, &mut out);
                        out
                    })
                    .collect();
                blocks
                    .into_iter()
                    .flatten()
                    .map(|e| (e, Vec::new()))
                    .collect()
            }
        };
        let mut info = DiffusionInfo {
            evaluations: self.cost((n * samples) as u64),
            ess_fraction: 0.0,
            fallbacks: 0,
            time,
        };
        let used = match self.estimator.pooling {
            Pooling::Mixture => (self.estimator.block.min(n) * samples) as f64,
            _ => samples as f64,
        };
        let mut cov_acc = vec![0.0; d * d];
        for (i, (e, cov)) in results.iter().enumerate() {
            info.ess_fraction += e.ess / used / n as f64;
            if e.fallback {
                info.fallbacks += 1;
                state.fallbacks[i] += 1;
            }
            state.ess_sum[i] += e.ess;
            cov_acc.iter_mut().zip(cov).for_each(|(a, c)| *a += c);
        }
        // Move every particle (in parallel: each uses only its own stream).
        match draws {
            Some(dr) => state.u.copy_from_slice(&dr),
            None => {
                state
                    .u
                    .par_chunks_mut(d)
                    .zip(state.rngs.par_iter_mut())
                    .zip(deltas.par_chunks(d))
                    .for_each_init(
                        || vec![0.0; d],
                        |xi, ((u, rng), delta)| self.advance(k, u, delta, rng, xi),
                    );
            }
        }
        if let Some(j) = state.u.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::Diverged {
                step,
                chain: j / d,
                reason: format!("position[{}] = {} after step {k}", j % d, state.u[j]),
            });
        }
        if want_cov && self.estimator.pooling != Pooling::Mixture {
            cov_acc.iter_mut().for_each(|c| *c /= n as f64);
            if let Some(c) = shape(&cov_acc, d) {
                state.shape = Some(c);
            }
        }
        let reference = &state.reference;
        state
            .positions
            .chunks_exact_mut(d)
            .zip(state.u.chunks_exact(d))
            .for_each(|(x, u)| reference.to_target(u, x));
        state.steps_done = step;
        Ok(info)
    }

    fn positions<'s>(&self, state: &'s DiffusionState) -> &'s [f64] {
        &state.positions
    }

    fn schedule_len(&self) -> Option<u64> {
        Some(self.len())
    }

    fn diagnostics(&self, state: &DiffusionState, diag: &mut Diagnostics) {
        let steps = state.steps_done.max(1) as f64;
        diag.stats
            .insert("reference_scale".into(), state.reference.scale);
        diag.stats
            .insert("inner_samples".into(), self.samples as f64);
        let n = state.rngs.len().max(1) as f64;
        let ess = state.ess_sum.iter().sum::<f64>() / (n * steps);
        diag.stats.insert("mean_ess".into(), ess);
        diag.stats.insert(
            "fallbacks".into(),
            state.fallbacks.iter().sum::<u64>() as f64,
        );
        if let Some(p) = &state.pilot {
            diag.stats.insert("pilot_ess".into(), p.best_ess);
            diag.stats.insert("pilot_best_scale".into(), p.best_scale);
        }
    }
}

fn identity(d: usize) -> Vec<f64> {
    let mut c = vec![0.0; d * d];
    for i in 0..d {
        c[i * d + i] = 1.0;
    }
    c
}
