//! Sequential Monte Carlo with adaptive tempering (Del Moral, Doucet & Jasra 2006;
//! the adaptive schedule of Jasra, Stephens, Doucet & Tsagaris 2011 with the
//! conditional ESS of Zhou, Johansen & Aston 2016).
//!
//! From N exact draws of the Gaussian reference (β = 0) to the target (β = 1) along
//! `π_β ∝ ref^{1−β} π̃^β` ([`crate::path`]). One runner step is one stage:
//!
//! 1. **Next temperature.** With normalized weights `W_i` and `ℓ_i = log π̃ − log ref`
//!    at the particles, the incremental weights of a move to β' are
//!    `G_i = exp((β' − β) ℓ_i)`, and their conditional ESS is
//!    `CESS(β') = N (Σ W_i G_i)² / Σ W_i G_i²`, which decreases from N at β' = β. β' is
//!    found by bisection so that `CESS(β') = α N` (`cess_fraction` α, default 0.5), or
//!    is 1 if `CESS(1) ≥ α N`.
//! 2. **Reweight** `w_i ← w_i G_i`; `log Ẑ += log Σ_i W_i G_i` (the stage's factor of
//!    the unbiased estimate of Z = ∫π̃).
//! 3. **Resample** (systematic by default) when the ESS falls below
//!    `resample_threshold · N` (default 1: every stage, the setting of the log Z
//!    variance estimate); at the last stage only with `output = "resampled"`.
//! 4. **Mutate**: `moves` MALA (or random-walk Metropolis) moves at β' per particle;
//!    the step h of the next stage is `h · exp(ā − a*)` with ā this stage's mean
//!    acceptance and a* 0.574 (MALA) or 0.234 (RWM).
//!
//! After β = 1 every further step is a rejuvenation sweep: resample when the ESS is
//! below `resample_threshold · N` (resample-move, Gilks & Berzuini 2001), then
//! `moves` moves at β = 1 (π-invariant). The harness spends a budget's remainder
//! this way, and stops only once β = 1 has been reached.
//!
//! **log Z.** `log Ẑ` is the log of an unbiased estimate of Z. Its single-run
//! standard error is the square root of Lee & Whiteley's (2018) relative-variance
//! estimate from the particles' Eves ([`crate::Population::relative_variance_of_z`]),
//! reported with log Ẑ in the run's statistics (`log_z`, `log_z_se`) under
//! multinomial resampling, the setting in which it is consistent. Under systematic
//! resampling (the default) it is not: offspring counts vary less, more Eves survive,
//! and on the test cases of `tests/log_z.rs` it understated the spread of log Ẑ over
//! replicates 1.7–1.9× (docs/baselines.md); `log_z_se` is then not reported, and a
//! standard error needs `resampling = "multinomial"` or replicates.

use crate::moves::Move;
use crate::path::Reference;
use crate::population::{Model, Population, Resampling, normalized};
use sampo_core::{
    CoreError, CostUnit, Diagnostics, EvalCounts, Particles, PopulationKernel, StepInfo, validate,
};
use serde::{Deserialize, Serialize};

/// What the run returns at the end.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmcOutput {
    /// The population with its weights after the last tempering stage (no last
    /// resampling; lower variance). Default. A rejuvenation sweep after it (a
    /// budget left at β = 1) resamples first, so weights are then equal.
    #[default]
    Weighted,
    /// An equally weighted population (resampled after the last reweighting).
    Resampled,
}

/// Adaptive tempered SMC (see the module docs).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SmcConfig {
    /// The Gaussian reference the path starts from.
    pub reference: Reference,
    /// Target conditional ESS of each stage, as a fraction α ∈ (0, 1) of N. Default
    /// 0.5 (BlackJAX's and Zhou et al.'s usual choice).
    pub cess_fraction: f64,
    /// Resample when the ESS is below this fraction of N, in (0, 1]. Default 1.0
    /// (every stage).
    pub resample_threshold: f64,
    /// Systematic or multinomial resampling. Default systematic.
    pub resampling: Resampling,
    /// Metropolis moves per particle and stage ≥ 1. Default 10.
    pub moves: usize,
    /// The move kind. Default MALA.
    #[serde(rename = "move")]
    pub mv: Move,
    /// Initial step size h of the moves (MALA: `x + h g + √(2h) ξ`; RWM: proposal
    /// variance h), adapted from stage to stage. Default 0.1.
    pub step_size: f64,
    /// Weighted or resampled output. Default weighted.
    pub output: SmcOutput,
}

impl Default for SmcConfig {
    fn default() -> Self {
        SmcConfig {
            reference: Reference::default(),
            cess_fraction: 0.5,
            resample_threshold: 1.0,
            resampling: Resampling::Systematic,
            moves: 10,
            mv: Move::Mala,
            step_size: 0.1,
            output: SmcOutput::Weighted,
        }
    }
}

impl SmcConfig {
    /// Checks every field (errors name the field, prefixed `smc.`).
    pub fn validate(&self) -> Result<(), CoreError> {
        validate::positive("smc.reference.scale", self.reference.scale)?;
        validate::finite("smc.reference.mean", self.reference.mean)?;
        validate::open_interval("smc.cess_fraction", self.cess_fraction, 0.0, 1.0)?;
        if !(self.resample_threshold > 0.0 && self.resample_threshold <= 1.0) {
            return Err(CoreError::invalid(
                "smc.resample_threshold",
                self.resample_threshold,
                "must lie in (0, 1]",
            ));
        }
        validate::at_least("smc.moves", self.moves, 1)?;
        validate::positive("smc.step_size", self.step_size)?;
        Ok(())
    }
}

/// The SMC state: the population, the temperature, log Ẑ and the adapted step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmcState {
    /// The particles, weights and streams.
    pub population: Population,
    /// The current temperature.
    pub beta: f64,
    /// log Ẑ so far (the product of the stages' factors).
    pub log_z: f64,
    /// The step size of the next mutation.
    pub step_size: f64,
    /// Tempering stages done (rejuvenation sweeps not included).
    pub stages: u64,
    /// Lee & Whiteley's relative variance of Ẑ, taken after the last reweighting
    /// (before that stage's resampling, which is not part of Ẑ).
    pub rel_var_z: f64,
    /// Whether `rel_var_z` is a valid estimate: multinomial resampling, or no
    /// resampling before the last reweighting (plain importance sampling).
    pub rel_var_valid: bool,
    /// Evaluations per particle spent since initialization, in the budget's unit
    /// (0 without a budget).
    pub spent: u64,
    /// The β adaptive tempering had reached when the budget forced the last stage
    /// to β = 1 (see [`Smc::with_budget`]); `None` when it was not forced.
    pub forced_from: Option<f64>,
}

/// One stage's diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmcInfo {
    /// Evaluations of the stage.
    pub evaluations: EvalCounts,
    /// Mean acceptance of the stage's moves (`None`: the budget left none).
    pub acceptance: Option<f64>,
    /// The temperature reached.
    pub beta: f64,
    /// ESS after reweighting (before resampling).
    pub ess: f64,
    /// log Ẑ so far.
    pub log_z: f64,
}

impl StepInfo for SmcInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn acceptance(&self) -> Option<f64> {
        self.acceptance
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("beta", self.beta);
        visit("ess", self.ess);
    }
}

/// Adaptive tempered SMC over a model (see the module docs).
pub struct Smc<'a> {
    model: Model<'a>,
    config: SmcConfig,
    dim: usize,
    budget: Option<(CostUnit, u64)>,
}

/// Bisection steps for the next temperature: 2⁻⁶⁰ of the remaining interval, far
/// below any change of β that moves the CESS.
const BISECTION_STEPS: usize = 60;

impl<'a> Smc<'a> {
    /// Validates the config against the model (MALA needs a gradient).
    pub fn new(model: Model<'a>, config: SmcConfig) -> Result<Self, CoreError> {
        config.validate()?;
        if config.mv == Move::Mala {
            model.require_gradient()?;
        }
        let dim = model.density.dim();
        if dim == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        Ok(Smc {
            model,
            config,
            dim,
            budget: None,
        })
    }

    /// Limits every particle to `per_particle` evaluations in `unit` after
    /// initialization. A stage that cannot afford its `moves` moves goes straight
    /// to β = 1 (a last importance-sampling step, with the moves that are left);
    /// the β it came from is reported as `forced_from_beta`, and a low `ess` says
    /// the budget was too small for the tempering to finish on its own. Once at
    /// β = 1, sweeps use what is left. Fails when one move spends nothing in `unit`.
    pub fn with_budget(mut self, unit: CostUnit, per_particle: u64) -> Result<Self, CoreError> {
        if self.model.move_cost(self.config.mv).in_unit(unit) == 0 {
            return Err(CoreError::Unsupported {
                reason: format!(
                    "smc's {:?} moves spend no `{unit}` evaluations; give the budget in a unit \
                     they spend",
                    self.config.mv
                ),
            });
        }
        self.budget = Some((unit, per_particle));
        Ok(self)
    }

    /// The configuration.
    pub fn config(&self) -> &SmcConfig {
        &self.config
    }

    /// The next temperature from β (module docs, step 1).
    fn next_beta(&self, pop: &Population, beta: f64) -> f64 {
        let w = normalized(&pop.log_w);
        let ell: Vec<f64> = pop.particles.iter().map(|p| p.ell()).collect();
        let n = w.len() as f64;
        let goal = self.config.cess_fraction * n;
        let cess = |b: f64| {
            let db = b - beta;
            let logs: Vec<f64> = ell
                .iter()
                .map(|l| {
                    let v = db * l;
                    if v.is_nan() { f64::NEG_INFINITY } else { v }
                })
                .collect();
            let m = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if m == f64::NEG_INFINITY {
                return 0.0;
            }
            let (mut s1, mut s2) = (0.0, 0.0);
            for (wi, l) in w.iter().zip(&logs) {
                let g = (l - m).exp();
                s1 += wi * g;
                s2 += wi * g * g;
            }
            n * s1 * s1 / s2
        };
        if cess(1.0) >= goal {
            return 1.0;
        }
        let (mut lo, mut hi) = (beta, 1.0);
        for _ in 0..BISECTION_STEPS {
            let mid = 0.5 * (lo + hi);
            if cess(mid) >= goal {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        // `lo` keeps CESS ≥ αN; never stall at β (a zero step would loop forever).
        if lo > beta { lo } else { hi }
    }

    /// The single-run standard error of log Ẑ of a state, where it is valid
    /// (module docs).
    pub fn log_z_se(&self, state: &SmcState) -> Option<f64> {
        state.rel_var_valid.then(|| state.rel_var_z.max(0.0).sqrt())
    }
}

impl PopulationKernel for Smc<'_> {
    type State = SmcState;
    type Info = SmcInfo;

    fn dim(&self) -> usize {
        self.dim
    }

    /// Exact reference draws; the runner's initial positions are not used (the path
    /// starts at the reference).
    fn init(&self, x0: &Particles, seed: u64) -> Result<(SmcState, EvalCounts), CoreError> {
        let c = &self.config;
        let (population, cost) =
            Population::from_reference(&self.model, &c.reference, c.mv, x0.len(), self.dim, seed)?;
        Ok((
            SmcState {
                population,
                beta: 0.0,
                log_z: 0.0,
                step_size: c.step_size,
                stages: 0,
                rel_var_z: 0.0,
                rel_var_valid: true,
                spent: 0,
                forced_from: None,
            },
            cost,
        ))
    }

    fn step(&self, st: &mut SmcState, _step: u64) -> Result<SmcInfo, CoreError> {
        let c = &self.config;
        let n = st.population.len() as f64;
        let mut ess = st.population.ess();
        // Moves this step: all of them, or what the budget still affords.
        let (moves, per_move) = match self.budget {
            None => (c.moves, 0),
            Some((unit, b)) => {
                let per = self.model.move_cost(c.mv).in_unit(unit);
                (c.moves.min(((b - st.spent.min(b)) / per) as usize), per)
            }
        };
        if st.beta < 1.0 {
            let mut next = self.next_beta(&st.population, st.beta);
            if moves < c.moves && next < 1.0 {
                st.forced_from = Some(st.beta);
                next = 1.0;
            }
            st.log_z += st.population.reweight(next - st.beta);
            st.beta = next;
            st.stages += 1;
            ess = st.population.ess();
            st.rel_var_z = st.population.relative_variance_of_z();
            st.rel_var_valid =
                c.resampling == Resampling::Multinomial || st.population.resamplings == 0;
            let resample = if st.beta >= 1.0 {
                c.output == SmcOutput::Resampled
            } else {
                ess < c.resample_threshold * n
            };
            if resample {
                st.population.resample(c.resampling);
            }
        } else if moves > 0 && ess < c.resample_threshold * n {
            // A rejuvenation sweep resamples first (resample-move): moves then
            // spread the copies, where moving a weighted population would leave
            // its weights, and its low ESS, as they are.
            st.population.resample(c.resampling);
        }
        if moves == 0 {
            return Ok(SmcInfo {
                evaluations: EvalCounts::ZERO,
                acceptance: None,
                beta: st.beta,
                ess,
                log_z: st.log_z,
            });
        }
        let (acc, evaluations) = st.population.mutate(
            &self.model,
            &c.reference,
            c.mv,
            st.beta,
            st.step_size,
            moves,
        )?;
        st.spent += moves as u64 * per_move;
        // Adapt the step towards the optimal acceptance, within e^{±700} (no over-
        // or underflow whatever the acceptance history).
        let log_h = (st.step_size.ln() + acc - c.mv.target_acceptance()).clamp(-700.0, 700.0);
        st.step_size = log_h.exp();
        let acc = Some(acc);
        Ok(SmcInfo {
            evaluations,
            acceptance: acc,
            beta: st.beta,
            ess,
            log_z: st.log_z,
        })
    }

    fn positions<'s>(&self, st: &'s SmcState) -> &'s [f64] {
        &st.population.positions
    }

    fn log_weights<'s>(&self, st: &'s SmcState) -> Option<&'s [f64]> {
        Some(&st.population.log_w)
    }

    fn ready(&self, st: &SmcState) -> bool {
        st.beta >= 1.0
    }

    fn diagnostics(&self, st: &SmcState, d: &mut Diagnostics) {
        d.stats.insert("log_z".into(), st.log_z);
        if let Some(se) = self.log_z_se(st) {
            d.stats.insert("log_z_se".into(), se);
        }
        d.stats.insert("stages".into(), st.stages as f64);
        d.stats.insert("final_step_size".into(), st.step_size);
        d.stats.insert("final_ess".into(), st.population.ess());
        if let Some(b) = st.forced_from {
            d.stats.insert("forced_from_beta".into(), b);
        }
    }
}
