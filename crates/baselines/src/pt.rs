//! Parallel tempering with a reference (non-reversible PT, Syed, Bouchard-Côté,
//! Deligiannidis & Doucet 2022).
//!
//! One chain of the runner holds R replicas on a ladder `0 = β_0 < β_1 < … <
//! β_{R−1} = 1` of the path `π_β ∝ ref^{1−β} π̃^β` ([`crate::path`]); its output is
//! the β = 1 replica. One step is
//!
//! 1. **Local exploration.** The β = 0 replica is replaced by an exact draw of the
//!    reference (evaluated once, so that it can be swapped up); every other replica
//!    makes one MALA (or random-walk Metropolis) move at its β with its own step
//!    size. Cost: R evaluations.
//! 2. **Communication** (deterministic even–odd swaps, Syed et al. 2022, Alg. 1): at
//!    even steps the pairs (0,1), (2,3), …, at odd steps (1,2), (3,4), … propose to
//!    exchange states, accepted with probability `min(1, exp((β_{i+1} − β_i)(ℓ_{i+1}
//!    − ℓ_i)))`, `ℓ = log π̃ − log ref` (π_{β_i}(x_{i+1}) π_{β_{i+1}}(x_i) over
//!    π_{β_i}(x_i) π_{β_{i+1}}(x_{i+1})). Swaps cost nothing: ℓ is cached.
//!
//! Alternating even and odd swaps makes each replica's walk over the ladder
//! persistent rather than diffusive: its number of round trips (β = 0 to β = 1 and
//! back) per step does not vanish as R grows (Syed et al. 2022, Thm. 3), and every
//! round trip brings a fresh exact reference draw to β = 1.
//!
//! **Ladder adaptation** (`ladder = "adaptive"`, the default; Syed et al. 2022,
//! Alg. 4). During warm-up, at steps 16, 32, 64, … the mean swap rejection `r_i` of
//! every pair since the last update defines the communication barrier
//! `Λ(β_i) = Σ_{j<i} r_j` (linear between ladder points); the new ladder puts
//! `β'_k = Λ⁻¹(k Λ(1)/(R − 1))`, equalizing the rejection rates. `ladder =
//! "geometric"` keeps the initial ladder: β = 0 and R − 1 points geometric from
//! `beta_min` to 1. **Step sizes** adapt per level during warm-up by Robbins–Monro
//! on log h, gain `(1 + t)^{−0.6}`, towards 0.574 (MALA) or 0.234 (RWM), and are
//! frozen when warm-up ends.
//!
//! **Reported.** `swap_rate` (mean swap acceptance over pairs), `min_swap_rate`
//! (the worst pair) and `round_trips` per step and chain, over the sampling steps.

use crate::moves::{Move, Particle, Scratch, mala, particle_at, particle_at_density, rwm};
use crate::path::Reference;
use crate::population::Model;
use sampo_core::rng::{StreamRng, uniform};
use sampo_core::{CoreError, Divergence, EvalCounts, Kernel, StepInfo, validate};
use serde::{Deserialize, Serialize};

/// How the ladder is chosen.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Ladder {
    /// Re-placed during warm-up to equalize swap rejection (see the module docs).
    /// Default.
    #[default]
    Adaptive,
    /// Fixed: β = 0, then geometric from `beta_min` to 1.
    Geometric,
}

/// Parallel tempering (see the module docs).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PtConfig {
    /// The Gaussian reference at β = 0.
    pub reference: Reference,
    /// Replicas R ≥ 2 (β = 0 and β = 1 included). Default 10.
    pub replicas: usize,
    /// Adaptive or fixed geometric ladder. Default adaptive.
    pub ladder: Ladder,
    /// The smallest positive β of the initial geometric ladder, in (0, 1). Default
    /// 0.01.
    pub beta_min: f64,
    /// The move kind within each temperature. Default MALA.
    #[serde(rename = "move")]
    pub mv: Move,
    /// Initial step size of every level (as in SMC). Default 0.1.
    pub step_size: f64,
    /// Output draws per chain when the job does not set its chains: a run of n
    /// samples uses ⌈n / samples_per_chain⌉ chains. Default 100 (long chains: the
    /// ladder and step sizes need a warm-up of a few hundred steps).
    pub samples_per_chain: usize,
}

impl Default for PtConfig {
    fn default() -> Self {
        PtConfig {
            reference: Reference::default(),
            replicas: 10,
            ladder: Ladder::Adaptive,
            beta_min: 0.01,
            mv: Move::Mala,
            step_size: 0.1,
            samples_per_chain: 100,
        }
    }
}

impl PtConfig {
    /// Checks every field (errors name the field, prefixed `pt.`).
    pub fn validate(&self) -> Result<(), CoreError> {
        validate::positive("pt.reference.scale", self.reference.scale)?;
        validate::finite("pt.reference.mean", self.reference.mean)?;
        validate::at_least("pt.replicas", self.replicas, 2)?;
        validate::open_interval("pt.beta_min", self.beta_min, 0.0, 1.0)?;
        validate::positive("pt.step_size", self.step_size)?;
        validate::at_least("pt.samples_per_chain", self.samples_per_chain, 1)?;
        Ok(())
    }

    /// The initial ladder: 0, then `beta_min^{(R−1−i)/(R−2)}` for i = 1..R−1.
    pub fn initial_ladder(&self) -> Vec<f64> {
        let r = self.replicas;
        let mut b = vec![0.0; r];
        for (i, v) in b.iter_mut().enumerate().skip(1) {
            *v = if r == 2 {
                1.0
            } else {
                self.beta_min.powf((r - 1 - i) as f64 / (r - 2) as f64)
            };
        }
        b[r - 1] = 1.0;
        b
    }
}

/// A chain's replicas, indexed by level, with each level's replica identity for
/// round-trip counting.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PtState {
    /// The replica at each level (level R − 1 is β = 1).
    pub levels: Vec<Particle>,
    /// Which replica (0..R) sits at each level.
    pub ids: Vec<usize>,
    /// Per replica: +1 after it last visited β = 0, −1 after β = 1, 0 before either.
    pub heading: Vec<i8>,
    /// Steps taken (the parity of the next swap round).
    pub steps: u64,
    /// Round trips completed.
    pub round_trips: u64,
}

/// The adapted ladder and step sizes of a chain, with the swap statistics of the
/// current adaptation round.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PtTuning {
    /// β of every level.
    pub betas: Vec<f64>,
    /// log step size of every level (level 0's is unused).
    pub log_h: Vec<f64>,
    /// Sum of swap rejection probabilities per pair since the last ladder update.
    pub rejection: Vec<f64>,
    /// Swap attempts per pair since the last ladder update.
    pub attempts: Vec<u64>,
    /// Whether warm-up has ended (nothing adapts after).
    pub frozen: bool,
}

/// One PT step's diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct PtInfo {
    /// Evaluations (R per step).
    pub evaluations: EvalCounts,
    /// MALA/RWM acceptance of every level (level 0: the exact draw, 1).
    pub move_acceptance: Vec<f64>,
    /// Swap acceptance probability of every pair attempted this step (NaN where
    /// not attempted).
    pub swap_acceptance: Vec<f64>,
    /// Round trips completed this step.
    pub round_trips: u64,
}

impl StepInfo for PtInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    /// The β = 1 replica's move acceptance.
    fn acceptance(&self) -> Option<f64> {
        self.move_acceptance.last().copied()
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        let tried: Vec<f64> = self
            .swap_acceptance
            .iter()
            .copied()
            .filter(|a| !a.is_nan())
            .collect();
        if !tried.is_empty() {
            visit("swap_rate", tried.iter().sum::<f64>() / tried.len() as f64);
        }
        visit("round_trips", self.round_trips as f64);
    }
}

/// Ladder updates happen at warm-up steps 2^k for k ≥ this (16, 32, 64, …): fewer
/// than 8 swap attempts per pair (every pair is tried every other step) give
/// rejection estimates too noisy to place a ladder on.
const FIRST_LADDER_UPDATE_LOG2: u32 = 4;

/// Parallel tempering over a model (see the module docs).
pub struct Pt<'a> {
    model: Model<'a>,
    config: PtConfig,
    dim: usize,
}

impl<'a> Pt<'a> {
    /// Validates the config against the model.
    pub fn new(model: Model<'a>, config: PtConfig) -> Result<Self, CoreError> {
        config.validate()?;
        if config.mv == Move::Mala {
            model.require_gradient()?;
        }
        let dim = model.density.dim();
        if dim == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        Ok(Pt { model, config, dim })
    }

    /// The configuration.
    pub fn config(&self) -> &PtConfig {
        &self.config
    }

    fn particle(&self, x: Vec<f64>) -> Particle {
        let r = &self.config.reference;
        match self.config.mv {
            Move::Mala => particle_at(self.model.gradient.expect("checked in new"), r, x, true),
            Move::Rwm => particle_at_density(self.model.density, r, x),
        }
    }

    fn eval_cost(&self) -> EvalCounts {
        self.model.move_cost(self.config.mv)
    }
}

/// The ladder equalizing the rejection rates `r` of its pairs (module docs).
pub fn equalized_ladder(betas: &[f64], r: &[f64]) -> Vec<f64> {
    let n = betas.len();
    // Λ at the ladder points; a floor on each rate keeps Λ strictly increasing so
    // that its inverse is defined (a pair that never rejects gets a tiny share).
    let mut lambda = vec![0.0; n];
    for i in 1..n {
        lambda[i] = lambda[i - 1] + r[i - 1].max(1e-6);
    }
    let total = lambda[n - 1];
    let mut out = vec![0.0; n];
    let mut j = 0;
    for (k, o) in out.iter_mut().enumerate().take(n - 1).skip(1) {
        let goal = total * k as f64 / (n - 1) as f64;
        while j + 1 < n - 1 && lambda[j + 1] < goal {
            j += 1;
        }
        let t = (goal - lambda[j]) / (lambda[j + 1] - lambda[j]);
        *o = betas[j] + t * (betas[j + 1] - betas[j]);
    }
    out[n - 1] = 1.0;
    out
}

impl Kernel for Pt<'_> {
    type State = PtState;
    type Info = PtInfo;
    type Tuning = PtTuning;

    fn dim(&self) -> usize {
        self.dim
    }

    /// Level 0 starts at an exact reference draw, every other level at `x0`.
    fn init(&self, x0: &[f64], rng: &mut StreamRng) -> Result<(PtState, EvalCounts), CoreError> {
        if x0.len() != self.dim {
            return Err(CoreError::dim("initial position", self.dim, x0.len()));
        }
        let r = self.config.replicas;
        let mut z = vec![0.0; self.dim];
        self.config.reference.sample(rng, &mut z);
        let first = self.particle(x0.to_vec());
        if !first.lt.is_finite() {
            return Err(CoreError::NonFiniteLogDensity {
                step: 0,
                particle: 0,
                value: first.lt,
            });
        }
        let mut levels = vec![self.particle(z)];
        levels.extend(std::iter::repeat_n(first, r - 1));
        // Level 0 and one evaluation at x0 (the copies share it).
        Ok((
            PtState {
                levels,
                ids: (0..r).collect(),
                heading: vec![0; r],
                steps: 0,
                round_trips: 0,
            },
            self.eval_cost().times(2),
        ))
    }

    fn initial_tuning(&self) -> PtTuning {
        let r = self.config.replicas;
        PtTuning {
            betas: self.config.initial_ladder(),
            log_h: vec![self.config.step_size.ln(); r],
            rejection: vec![0.0; r - 1],
            attempts: vec![0; r - 1],
            frozen: false,
        }
    }

    fn step(
        &self,
        tuning: &PtTuning,
        st: &mut PtState,
        rng: &mut StreamRng,
    ) -> Result<PtInfo, Divergence> {
        let r = self.config.replicas;
        let reference = &self.config.reference;
        // 1. Local exploration.
        let mut z = std::mem::take(&mut st.levels[0].x);
        z.resize(self.dim, 0.0);
        reference.sample(rng, &mut z);
        st.levels[0] = self.particle(z);
        let mut move_acceptance = vec![1.0; r];
        let mut s = Scratch::default();
        for (i, p) in st.levels.iter_mut().enumerate().skip(1) {
            let (b, h) = (tuning.betas[i], tuning.log_h[i].exp());
            move_acceptance[i] = match self.config.mv {
                Move::Mala => mala(
                    self.model.gradient.expect("checked in new"),
                    reference,
                    b,
                    h,
                    p,
                    rng,
                    &mut s,
                ),
                Move::Rwm => rwm(self.model.density, reference, b, h, p, rng, &mut s),
            };
        }
        // 2. Deterministic even–odd swaps.
        let mut swap_acceptance = vec![f64::NAN; r - 1];
        let parity = (st.steps % 2) as usize;
        let mut i = parity;
        while i + 1 < r {
            let (lo, hi) = (&st.levels[i], &st.levels[i + 1]);
            let log_a = (tuning.betas[i + 1] - tuning.betas[i]) * (lo.ell() - hi.ell());
            let a = if log_a >= 0.0 {
                1.0
            } else if log_a.is_nan() {
                0.0
            } else {
                log_a.exp()
            };
            swap_acceptance[i] = a;
            if uniform(rng) < a {
                st.levels.swap(i, i + 1);
                st.ids.swap(i, i + 1);
            }
            i += 2;
        }
        // Round trips: a replica heading up (last seen at β = 0) that reaches β = 1
        // turns down; one heading down that reaches β = 0 completes a trip.
        let mut trips = 0;
        let bottom = st.ids[0];
        if st.heading[bottom] == -1 {
            trips += 1;
        }
        st.heading[bottom] = 1;
        let top = st.ids[r - 1];
        if st.heading[top] == 1 {
            st.heading[top] = -1;
        }
        st.round_trips += trips;
        st.steps += 1;
        Ok(PtInfo {
            evaluations: self.eval_cost().times(r as u64),
            move_acceptance,
            swap_acceptance,
            round_trips: trips,
        })
    }

    fn position<'s>(&self, st: &'s PtState) -> &'s [f64] {
        &st.levels[self.config.replicas - 1].x
    }

    fn adapt(&self, tuning: &mut PtTuning, info: &PtInfo, iter: u64) {
        if tuning.frozen {
            return;
        }
        let target = self.config.mv.target_acceptance();
        let gain = (1.0 + iter as f64).powf(-0.6);
        for (lh, a) in tuning.log_h.iter_mut().zip(&info.move_acceptance).skip(1) {
            *lh = (*lh + gain * (a - target)).clamp(-700.0, 700.0);
        }
        for (k, a) in info.swap_acceptance.iter().enumerate() {
            if !a.is_nan() {
                tuning.rejection[k] += 1.0 - a;
                tuning.attempts[k] += 1;
            }
        }
        if self.config.ladder == Ladder::Adaptive
            && iter.is_power_of_two()
            && iter >= 1 << FIRST_LADDER_UPDATE_LOG2
        {
            self.update_ladder(tuning);
        }
    }

    fn finish_adaptation(&self, tuning: &mut PtTuning) {
        tuning.frozen = true;
    }

    fn step_size(&self, tuning: &PtTuning) -> Option<f64> {
        tuning.log_h.last().map(|v| v.exp())
    }

    fn step_cost(&self) -> Option<EvalCounts> {
        Some(self.eval_cost().times(self.config.replicas as u64))
    }

    fn init_cost(&self) -> Option<EvalCounts> {
        Some(self.eval_cost().times(2))
    }
}

impl Pt<'_> {
    /// Re-places the ladder from the round's rejection rates and starts a new round.
    fn update_ladder(&self, tuning: &mut PtTuning) {
        if tuning.attempts.contains(&0) {
            return;
        }
        let rates: Vec<f64> = tuning
            .rejection
            .iter()
            .zip(&tuning.attempts)
            .map(|(s, &n)| s / n as f64)
            .collect();
        tuning.betas = equalized_ladder(&tuning.betas, &rates);
        tuning.rejection.iter_mut().for_each(|v| *v = 0.0);
        tuning.attempts.iter_mut().for_each(|v| *v = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_ladder_is_zero_then_geometric() {
        let c = PtConfig {
            replicas: 4,
            beta_min: 0.01,
            ..PtConfig::default()
        };
        let b = c.initial_ladder();
        assert_eq!(b[0], 0.0);
        assert!((b[1] - 0.01).abs() < 1e-15 && (b[2] - 0.1).abs() < 1e-15);
        assert_eq!(b[3], 1.0);
        let two = PtConfig {
            replicas: 2,
            ..PtConfig::default()
        };
        assert_eq!(two.initial_ladder(), vec![0.0, 1.0]);
    }

    /// Equal rejection rates keep the ladder; a pair carrying all the rejection gets
    /// all the interior points.
    #[test]
    fn equalized_ladder_places_points_by_rejection() {
        let b = [0.0, 0.2, 0.5, 1.0];
        let same = equalized_ladder(&b, &[0.3, 0.3, 0.3]);
        for (x, y) in same.iter().zip(&b) {
            assert!((x - y).abs() < 1e-12, "{same:?}");
        }
        let crowded = equalized_ladder(&b, &[0.0, 0.0, 0.9]);
        assert!(
            crowded[1] > 0.5 && crowded[2] > crowded[1] && crowded[2] < 1.0,
            "{crowded:?}"
        );
        // Λ is linear on [0.5, 1]: points at Λ(1)/3 and 2Λ(1)/3 of it.
        let t = (0.9 + 2e-6) / 3.0 - 2e-6;
        assert!(
            (crowded[1] - (0.5 + 0.5 * t / 0.9)).abs() < 1e-9,
            "{crowded:?}"
        );
    }
}
