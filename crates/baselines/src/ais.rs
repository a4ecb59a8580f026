//! Annealed importance sampling (Neal 2001).
//!
//! N particles start as exact draws of the Gaussian reference and follow a fixed
//! schedule `0 = β_0 < β_1 < … < β_T = 1` along `π_β ∝ ref^{1−β} π̃^β`
//! ([`crate::path`]). Step t reweights, `log w_i += (β_t − β_{t−1}) ℓ(x_i)` with
//! `ℓ = log π̃ − log ref` at the particle's current position, then moves each
//! particle by `moves` MALA (or random-walk Metropolis) moves that leave π_{β_t}
//! invariant (Neal 2001, eq. 3–5). No resampling: each particle's weight is an
//! unbiased estimate of Z = ∫π̃, and
//!
//! ```text
//! log Ẑ = log (1/N) Σ_i w_i,   SE(log Ẑ) ≈ sd(w) / (√N mean(w))   (delta method),
//! ```
//!
//! ([`sampo_metrics::logz::importance_log_z`]). The output is the weighted final
//! population.
//!
//! **Schedule.** `β_t = (t/T)^p` with `p = schedule_power` (default 4): for a
//! reference far from the target, ℓ varies most at small β, and the power schedule
//! spends most steps there. **Step size.** Adapted between steps from the mean
//! acceptance over particles, as in SMC; the adaptation at step t uses only moves
//! already made, so each particle's weight stays a product of ratios of a fixed
//! path (the kernels depend on the population's past, which makes the particles
//! dependent but keeps the estimator consistent).

use crate::moves::Move;
use crate::path::Reference;
use crate::population::{Model, Population};
use sampo_core::{
    CoreError, Diagnostics, EvalCounts, Particles, PopulationKernel, StepInfo, validate,
};
use serde::{Deserialize, Serialize};

/// Annealed importance sampling (see the module docs).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AisConfig {
    /// The Gaussian reference the path starts from.
    pub reference: Reference,
    /// Temperatures T ≥ 1 (`None`: as many as the job's budget pays for).
    pub steps: Option<u64>,
    /// The schedule `β_t = (t/T)^p`, p ≥ 1. Default 4.
    pub schedule_power: f64,
    /// Metropolis moves per particle and temperature ≥ 1. Default 1 (Neal's
    /// setting: many temperatures, one move each).
    pub moves: usize,
    /// The move kind. Default MALA.
    #[serde(rename = "move")]
    pub mv: Move,
    /// Initial step size h (as in SMC), adapted between temperatures. Default 0.1.
    pub step_size: f64,
}

impl Default for AisConfig {
    fn default() -> Self {
        AisConfig {
            reference: Reference::default(),
            steps: None,
            schedule_power: 4.0,
            moves: 1,
            mv: Move::Mala,
            step_size: 0.1,
        }
    }
}

impl AisConfig {
    /// Checks every field (errors name the field, prefixed `ais.`).
    pub fn validate(&self) -> Result<(), CoreError> {
        validate::positive("ais.reference.scale", self.reference.scale)?;
        validate::finite("ais.reference.mean", self.reference.mean)?;
        if let Some(t) = self.steps {
            validate::at_least("ais.steps", t as usize, 1)?;
        }
        if !(self.schedule_power >= 1.0 && self.schedule_power.is_finite()) {
            return Err(CoreError::invalid(
                "ais.schedule_power",
                self.schedule_power,
                "must be a finite number >= 1",
            ));
        }
        validate::at_least("ais.moves", self.moves, 1)?;
        validate::positive("ais.step_size", self.step_size)?;
        Ok(())
    }
}

/// The AIS state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AisState {
    /// Particles, weights and streams.
    pub population: Population,
    /// Temperatures done.
    pub t: u64,
    /// The step size of the next moves.
    pub step_size: f64,
}

/// One AIS step's diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AisInfo {
    /// Evaluations of the step.
    pub evaluations: EvalCounts,
    /// Mean acceptance of its moves.
    pub acceptance: f64,
    /// The temperature.
    pub beta: f64,
}

impl StepInfo for AisInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn acceptance(&self) -> Option<f64> {
        Some(self.acceptance)
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("beta", self.beta);
    }
}

/// AIS over a model with T temperatures.
pub struct Ais<'a> {
    model: Model<'a>,
    config: AisConfig,
    steps: u64,
    dim: usize,
}

impl<'a> Ais<'a> {
    /// An AIS run of `steps` temperatures (the config's `steps` when set).
    pub fn new(model: Model<'a>, config: AisConfig, steps: u64) -> Result<Self, CoreError> {
        config.validate()?;
        let steps = config.steps.unwrap_or(steps);
        validate::at_least("ais.steps", steps as usize, 1)?;
        if config.mv == Move::Mala {
            model.require_gradient()?;
        }
        let dim = model.density.dim();
        if dim == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        Ok(Ais {
            model,
            config,
            steps,
            dim,
        })
    }

    /// β_t.
    pub fn beta(&self, t: u64) -> f64 {
        if t >= self.steps {
            1.0
        } else {
            (t as f64 / self.steps as f64).powf(self.config.schedule_power)
        }
    }

    /// Temperatures T.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// log Ẑ and its delta-method standard error from the state's weights.
    pub fn log_z(&self, st: &AisState) -> Option<(f64, f64)> {
        sampo_metrics::logz::importance_log_z(&st.population.log_w)
            .ok()
            .map(|e| (e.log_z, e.std_err))
    }
}

impl PopulationKernel for Ais<'_> {
    type State = AisState;
    type Info = AisInfo;

    fn dim(&self) -> usize {
        self.dim
    }

    /// Exact reference draws; the runner's positions are not used.
    fn init(&self, x0: &Particles, seed: u64) -> Result<(AisState, EvalCounts), CoreError> {
        let c = &self.config;
        let (population, cost) =
            Population::from_reference(&self.model, &c.reference, c.mv, x0.len(), self.dim, seed)?;
        Ok((
            AisState {
                population,
                t: 0,
                step_size: c.step_size,
            },
            cost,
        ))
    }

    fn step(&self, st: &mut AisState, _step: u64) -> Result<AisInfo, CoreError> {
        let c = &self.config;
        let (b0, b1) = (self.beta(st.t), self.beta(st.t + 1));
        st.t += 1;
        st.population.reweight(b1 - b0);
        let (acc, evaluations) =
            st.population
                .mutate(&self.model, &c.reference, c.mv, b1, st.step_size, c.moves)?;
        // As in SMC: log h moves by (ā − a*), kept within e^{±700}.
        let log_h = (st.step_size.ln() + acc - c.mv.target_acceptance()).clamp(-700.0, 700.0);
        st.step_size = log_h.exp();
        Ok(AisInfo {
            evaluations,
            acceptance: acc,
            beta: b1,
        })
    }

    fn positions<'s>(&self, st: &'s AisState) -> &'s [f64] {
        &st.population.positions
    }

    fn log_weights<'s>(&self, st: &'s AisState) -> Option<&'s [f64]> {
        Some(&st.population.log_w)
    }

    fn schedule_len(&self) -> Option<u64> {
        Some(self.steps)
    }

    fn ready(&self, st: &AisState) -> bool {
        st.t >= self.steps
    }

    fn diagnostics(&self, st: &AisState, d: &mut Diagnostics) {
        if let Some((lz, se)) = self.log_z(st) {
            d.stats.insert("log_z".into(), lz);
            d.stats.insert("log_z_se".into(), se);
        }
        d.stats.insert("kish_ess".into(), st.population.ess());
        d.stats.insert("temperatures".into(), self.steps as f64);
        d.stats.insert("final_step_size".into(), st.step_size);
    }
}
