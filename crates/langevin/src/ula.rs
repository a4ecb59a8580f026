//! The unadjusted Langevin algorithm (ULA): the Euler–Maruyama discretization of the
//! overdamped Langevin diffusion `dX = ∇log π(X) dt + √2 dW`,
//!
//! ```text
//! x' = x + h ∇log π(x) + √(2h) ξ,      ξ ~ N(0, I_d)
//! ```
//!
//! (Roberts & Tweedie 1996, *Exponential convergence of Langevin distributions and
//! their discrete approximations*, Bernoulli 2(4), where the step written h/2 there
//! is our h.)
//!
//! **Convention pitfall.** We follow BlackJAX and SLIPS: `h` multiplies the gradient
//! and the noise variance is `2h`. Papers that write `x + (h/2)∇log π + √h ξ` use a
//! step twice ours: their h = 0.1 is our h = 0.05.
//!
//! ULA is biased: on `N(μ, Σ)` the chain is stationary at `N(μ, Σ_h)` where each
//! eigenvalue λ of Σ becomes `λ / (1 − h/(2λ))`; it is stable iff `h < 2λ_min`.
//! A non-finite state is reported as a [`Divergence`].
//!
//! **Drifts.** The kernel runs on any [`Drift`]: every [`sampo_core::GradTarget`] is one (the
//! drift is its exact gradient), and so are estimated scores (rdMC's posterior-mean
//! score of p_t, walk-jump's smoothed score), whose workspace — scratch, random
//! stream, carried state — lives in the chain's state.
//!
//! RNG use per step: `d` standard normals, in coordinate order (an estimated drift
//! draws from its own stream in the workspace).

use crate::config::UlaConfig;
use crate::error::{LangevinError, check_density_grad, evaluate_initial, first_non_finite};
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_core::{ChainBuf, CoreError, Divergence, Drift, EvalCounts, Kernel, StepInfo};
use serde::{Deserialize, Serialize};

/// The ULA kernel over a target `T` (pass `&target` to borrow).
#[derive(Debug, Clone)]
pub struct Ula<T> {
    target: T,
    config: UlaConfig,
    /// √(2h), precomputed.
    noise_scale: f64,
}

impl<T: Drift> Ula<T> {
    /// Validates `config` and the target's dimension (≥ 1).
    pub fn new(target: T, config: UlaConfig) -> Result<Self, LangevinError> {
        config.validate()?;
        if target.drift_dim() == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1").into());
        }
        let noise_scale = (2.0 * config.step_size).sqrt();
        Ok(Ula {
            target,
            config,
            noise_scale,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &UlaConfig {
        &self.config
    }

    /// The target.
    pub fn target(&self) -> &T {
        &self.target
    }
}

/// What a ULA step needs: the position and the drift there (plus the log density
/// when the drift gives it, kept to detect divergence and for diagnostics), and the
/// drift's workspace (`()` for an exact gradient).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct UlaState<W = ()> {
    x: ChainBuf,
    grad: ChainBuf,
    log_density: Option<f64>,
    workspace: W,
    /// Scratch for the step's noise (not saved; re-created after a checkpoint load).
    #[serde(skip)]
    noise: ChainBuf,
}

impl<W: PartialEq> PartialEq for UlaState<W> {
    /// Compares the chain state only, not the scratch buffer.
    fn eq(&self, o: &Self) -> bool {
        self.x == o.x
            && self.grad == o.grad
            && self.log_density == o.log_density
            && self.workspace == o.workspace
    }
}

impl<W> UlaState<W> {
    /// The position.
    pub fn position(&self) -> &[f64] {
        &self.x
    }
    /// The drift (`∇log π` for an exact target) at the position.
    pub fn gradient(&self) -> &[f64] {
        &self.grad
    }
    /// `log π̃` at the position, when the drift gives it.
    pub fn log_density(&self) -> Option<f64> {
        self.log_density
    }
    /// The drift's workspace.
    pub fn workspace(&self) -> &W {
        &self.workspace
    }
    /// The drift's workspace, mutable (e.g. to read or reset carried statistics).
    pub fn workspace_mut(&mut self) -> &mut W {
        &mut self.workspace
    }
    /// Position, drift and workspace, mutable, for samplers that move the chain
    /// themselves between ULA steps (rdMC's reverse steps keep the particle in its
    /// ULA state). The cached log density no longer matches and is cleared.
    pub fn parts_mut(&mut self) -> (&mut [f64], &mut [f64], &mut W) {
        self.log_density = None;
        (&mut self.x, &mut self.grad, &mut self.workspace)
    }
    /// Takes the workspace out, leaving the state (a sampler that switches from a
    /// ULA warm start to its own steps keeps the estimator's stream).
    pub fn into_parts(self) -> (Vec<f64>, Vec<f64>, W) {
        (self.x.to_vec(), self.grad.to_vec(), self.workspace)
    }
}

/// Diagnostics of one ULA step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UlaInfo {
    /// `log π̃` at the new position, when the drift gives it.
    pub log_density: Option<f64>,
    /// Evaluations of the drift.
    pub evaluations: EvalCounts,
    /// Mean inner acceptance of an estimated drift, if it ran Metropolis chains.
    pub drift_acceptance: Option<f64>,
}

impl StepInfo for UlaInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
}

impl<T: Drift> Ula<T> {
    /// The state at `x0` with a given drift workspace (e.g. one seeded from a
    /// particle's own stream); returns it with the evaluations spent.
    pub fn init_with_workspace(
        &self,
        x0: &[f64],
        mut workspace: T::Workspace,
    ) -> Result<(UlaState<T::Workspace>, EvalCounts), CoreError> {
        let (x, grad, log_density, cost) = evaluate_initial(&self.target, x0, &mut workspace)?;
        let noise = ChainBuf::zeros(x.len());
        Ok((
            UlaState {
                x,
                grad,
                log_density,
                workspace,
                noise,
            },
            cost,
        ))
    }
}

impl<T: Drift> Kernel for Ula<T> {
    type State = UlaState<T::Workspace>;
    type Info = UlaInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.drift_dim()
    }

    fn init(
        &self,
        x0: &[f64],
        rng: &mut StreamRng,
    ) -> Result<(Self::State, EvalCounts), CoreError> {
        let ws = self.target.drift_workspace(rng);
        self.init_with_workspace(x0, ws)
    }

    fn initial_tuning(&self) {}

    #[inline(always)]
    fn step(
        &self,
        _tuning: &(),
        state: &mut Self::State,
        rng: &mut StreamRng,
    ) -> Result<UlaInfo, Divergence> {
        let h = self.config.step_size;
        let s = self.noise_scale;
        // Draw all the noise first (a tight RNG loop), then update in a loop that
        // vectorizes; the draws and their order are the same as interleaved.
        state.noise.ensure_len(state.x.len());
        fill_standard_normal(rng, &mut state.noise);
        let mut finite = true;
        for ((x, g), z) in state.x.iter_mut().zip(&state.grad).zip(&state.noise) {
            *x += h * g + s * z;
            finite &= x.is_finite();
        }
        if !finite {
            return Err(first_non_finite("ULA: position x", &state.x));
        }
        let eval = self
            .target
            .drift(&state.x, &mut state.workspace, &mut state.grad)?;
        state.log_density = eval.log_density;
        check_density_grad("ULA", state.log_density, &state.grad)?;
        Ok(UlaInfo {
            log_density: state.log_density,
            evaluations: eval.evaluations,
            drift_acceptance: eval.acceptance,
        })
    }

    fn position<'a>(&self, state: &'a Self::State) -> &'a [f64] {
        &state.x
    }

    fn step_size(&self, _tuning: &()) -> Option<f64> {
        Some(self.config.step_size)
    }

    fn step_cost(&self) -> Option<EvalCounts> {
        self.target.drift_cost()
    }

    fn init_cost(&self) -> Option<EvalCounts> {
        self.target.drift_cost()
    }
}
