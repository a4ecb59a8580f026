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
//! RNG use per step: `d` standard normals, in coordinate order.

use crate::config::UlaConfig;
use crate::error::{LangevinError, check_density_grad, evaluate_initial, first_non_finite};
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_core::{ChainBuf, CoreError, Divergence, GradTarget, Kernel, StepInfo};
use serde::{Deserialize, Serialize};

/// The ULA kernel over a target `T` (pass `&target` to borrow).
#[derive(Debug, Clone)]
pub struct Ula<T> {
    target: T,
    config: UlaConfig,
    /// √(2h), precomputed.
    noise_scale: f64,
}

impl<T: GradTarget> Ula<T> {
    /// Validates `config` and the target's dimension (≥ 1).
    pub fn new(target: T, config: UlaConfig) -> Result<Self, LangevinError> {
        config.validate()?;
        if target.dim() == 0 {
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

/// What a ULA step needs: the position and the gradient there (plus the log
/// density, kept to detect divergence and for diagnostics).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct UlaState {
    x: ChainBuf,
    grad: ChainBuf,
    log_density: f64,
    /// Scratch for the step's noise (not saved; re-created after a checkpoint load).
    #[serde(skip)]
    noise: ChainBuf,
}

impl PartialEq for UlaState {
    /// Compares the chain state only, not the scratch buffer.
    fn eq(&self, o: &Self) -> bool {
        self.x == o.x && self.grad == o.grad && self.log_density == o.log_density
    }
}

impl UlaState {
    /// The position.
    pub fn position(&self) -> &[f64] {
        &self.x
    }
    /// `∇log π` at the position.
    pub fn gradient(&self) -> &[f64] {
        &self.grad
    }
    /// `log π̃` at the position.
    pub fn log_density(&self) -> f64 {
        self.log_density
    }
}

/// Diagnostics of one ULA step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UlaInfo {
    /// `log π̃` at the new position.
    pub log_density: f64,
}

impl StepInfo for UlaInfo {}

impl<T: GradTarget> Kernel for Ula<T> {
    type State = UlaState;
    type Info = UlaInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &[f64]) -> Result<UlaState, CoreError> {
        let (x, grad, log_density) = evaluate_initial(&self.target, x0)?;
        let noise = ChainBuf::zeros(x.len());
        Ok(UlaState {
            x,
            grad,
            log_density,
            noise,
        })
    }

    fn initial_tuning(&self) {}

    #[inline]
    fn step(
        &self,
        _tuning: &(),
        state: &mut UlaState,
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
        state.log_density = self.target.log_density_grad(&state.x, &mut state.grad);
        check_density_grad("ULA", state.log_density, &state.grad)?;
        Ok(UlaInfo {
            log_density: state.log_density,
        })
    }

    fn position<'a>(&self, state: &'a UlaState) -> &'a [f64] {
        &state.x
    }

    fn step_size(&self, _tuning: &()) -> Option<f64> {
        Some(self.config.step_size)
    }
}
