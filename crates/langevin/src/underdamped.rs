//! Underdamped (kinetic) Langevin dynamics with unit mass,
//!
//! ```text
//! dx = v dt,    dv = ∇log π(x) dt − γ v dt + √(2γ) dW,
//! ```
//!
//! whose invariant law is `π(x) ⊗ N(0, I)` in `(x, v)`, discretized by splitting it
//! into three exactly solvable flows (Leimkuhler & Matthews 2013, *Rational
//! construction of stochastic numerical methods for molecular sampling*, AMRX;
//! Leimkuhler & Matthews 2015, *Molecular Dynamics*, ch. 7):
//!
//! ```text
//! A(τ): x ← x + τ v
//! B(τ): v ← v + τ ∇log π(x)
//! O(τ): v ← e^{−γτ} v + √(1 − e^{−2γτ}) ξ,     ξ ~ N(0, I)   (exact OU flow)
//! ```
//!
//! | [`Splitting`] | one step                             | gradient evaluations            |
//! |---------------|--------------------------------------|---------------------------------|
//! | BAOAB         | B(h/2) A(h/2) O(h) A(h/2) B(h/2)     | 1 (the first B reuses the last) |
//! | OBABO         | O(h/2) B(h/2) A(h) B(h/2) O(h/2)     | 1 (the first B reuses the last) |
//! | ABOBA         | A(h/2) B(h/2) O(h) B(h/2) A(h/2)     | 1 (at the midpoint, used twice) |
//!
//! On `N(0, s²)` with `h < 2s` the exact stationary variances are (checked
//! symbolically, research notes §4.3, and by this crate's tests):
//! BAOAB `Var x = s²`, `Var v = 1 − h²/(4s²)`; OBABO `Var x = s²/(1 − h²/(4s²))`,
//! `Var v = 1`; ABOBA `Var x = s²`, `Var v = 1/(1 − h²/(4s²))`.
//!
//! **Initial velocity.** [`Kernel::init`] draws `v ~ N(0, I)` (d normals from the
//! chain's stream), so a chain started at an exact draw of π starts at the
//! continuous-time invariant law. [`Underdamped::init_with_velocity`] sets `v0`
//! explicitly instead.
//!
//! **Drifts.** Like [`crate::Ula`], the kernel runs on any [`Drift`] (every
//! [`sampo_core::GradTarget`] is one); an estimated drift keeps its workspace in the
//! state.
//!
//! For ABOBA the cached gradient and log density in the state are those at the last
//! midpoint (they are diagnostics only; the next step does not reuse them).
//!
//! RNG use: d normals for the initial velocity in `init`; per step `d` normals for
//! BAOAB and ABOBA, `2d` for OBABO (first O, then second O).
//! A non-finite position, velocity, log density or gradient is a [`Divergence`].

use crate::config::{Splitting, UnderdampedConfig};
use crate::error::{LangevinError, check_density_grad, evaluate_initial, first_non_finite};
use sampo_core::rng::{StreamRng, fill_standard_normal, standard_normal};
use sampo_core::{ChainBuf, CoreError, Divergence, Drift, EvalCounts, Kernel, StepInfo, validate};
use serde::{Deserialize, Serialize};

/// Coefficients `(e^{−γτ}, √(1 − e^{−2γτ}))` of the flow O(τ); the second is computed
/// with `expm1` so that it stays accurate when γτ is small.
fn ou_coefficients(friction: f64, tau: f64) -> (f64, f64) {
    let decay = (-friction * tau).exp();
    let noise = (-(-2.0 * friction * tau).exp_m1()).sqrt();
    (decay, noise)
}

/// The underdamped Langevin kernel over a target `T` (pass `&target` to borrow).
#[derive(Debug, Clone)]
pub struct Underdamped<T> {
    target: T,
    config: UnderdampedConfig,
    /// O(h): (decay, noise).
    o_full: (f64, f64),
    /// O(h/2): (decay, noise).
    o_half: (f64, f64),
}

impl<T: Drift> Underdamped<T> {
    /// Validates `config` and the target's dimension (≥ 1).
    pub fn new(target: T, config: UnderdampedConfig) -> Result<Self, LangevinError> {
        config.validate()?;
        if target.drift_dim() == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1").into());
        }
        let h = config.step_size;
        let g = config.friction;
        Ok(Underdamped {
            o_full: ou_coefficients(g, h),
            o_half: ou_coefficients(g, 0.5 * h),
            target,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &UnderdampedConfig {
        &self.config
    }

    /// The target.
    pub fn target(&self) -> &T {
        &self.target
    }

    /// A state at `(x0, v0)`, with the velocity given rather than drawn; `rng` seeds
    /// an estimated drift's workspace (unused for an exact gradient). Returns the
    /// state and the evaluations spent.
    pub fn init_with_velocity(
        &self,
        x0: &[f64],
        v0: &[f64],
        rng: &mut StreamRng,
    ) -> Result<(UnderdampedState<T::Workspace>, EvalCounts), CoreError> {
        validate::length("initial velocity", v0, self.target.drift_dim())?;
        validate::all_finite("initial velocity", v0)?;
        let mut workspace = self.target.drift_workspace(rng);
        let (x, grad, log_density, cost) = evaluate_initial(&self.target, x0, &mut workspace)?;
        Ok((
            UnderdampedState {
                x,
                v: ChainBuf::from_slice(v0),
                grad,
                log_density,
                workspace,
            },
            cost,
        ))
    }
}

/// Position, velocity, the cached drift (and log density when the drift gives it),
/// and the drift's workspace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UnderdampedState<W = ()> {
    x: ChainBuf,
    v: ChainBuf,
    grad: ChainBuf,
    log_density: Option<f64>,
    workspace: W,
}

impl<W> UnderdampedState<W> {
    /// The position.
    pub fn position(&self) -> &[f64] {
        &self.x
    }
    /// The velocity.
    pub fn velocity(&self) -> &[f64] {
        &self.v
    }
    /// The cached gradient (at the position for BAOAB/OBABO, at the last midpoint for ABOBA).
    pub fn gradient(&self) -> &[f64] {
        &self.grad
    }
    /// The cached log density (same point as [`UnderdampedState::gradient`]), when
    /// the drift gives it.
    pub fn log_density(&self) -> Option<f64> {
        self.log_density
    }
    /// The drift's workspace.
    pub fn workspace(&self) -> &W {
        &self.workspace
    }
}

/// Diagnostics of one underdamped step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnderdampedInfo {
    /// The log density at the point of this step's drift evaluation, if known.
    pub log_density: Option<f64>,
    /// Evaluations of the drift.
    pub evaluations: EvalCounts,
}

impl StepInfo for UnderdampedInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
}

type State<T> = UnderdampedState<<T as Drift>::Workspace>;

impl<T: Drift> Underdamped<T> {
    /// Evaluates the drift at `state.x` into the cached gradient and checks it.
    #[inline]
    fn evaluate(&self, state: &mut State<T>, scheme: &str) -> Result<EvalCounts, Divergence> {
        let eval = self
            .target
            .drift(&state.x, &mut state.workspace, &mut state.grad)?;
        state.log_density = eval.log_density;
        check_density_grad(scheme, state.log_density, &state.grad)?;
        Ok(eval.evaluations)
    }

    #[inline]
    fn check_position(state: &State<T>, finite: bool, scheme: &str) -> Result<(), Divergence> {
        if finite {
            return Ok(());
        }
        if state.x.iter().any(|a| !a.is_finite()) {
            Err(first_non_finite(&format!("{scheme}: position x"), &state.x))
        } else {
            Err(first_non_finite(&format!("{scheme}: velocity v"), &state.v))
        }
    }

    fn baoab(&self, state: &mut State<T>, rng: &mut StreamRng) -> Result<EvalCounts, Divergence> {
        let hh = 0.5 * self.config.step_size;
        let (c1, c2) = self.o_full;
        let mut finite = true;
        // B(h/2) A(h/2) O(h) A(h/2), coordinate-wise with the cached gradient.
        for ((x, v), &g) in state.x.iter_mut().zip(state.v.iter_mut()).zip(&state.grad) {
            let mut vi = *v + hh * g;
            let mut xi = *x + hh * vi;
            vi = c1 * vi + c2 * standard_normal(rng);
            xi += hh * vi;
            *x = xi;
            *v = vi;
            finite &= xi.is_finite();
        }
        Self::check_position(state, finite, "BAOAB")?;
        let cost = self.evaluate(state, "BAOAB")?;
        // B(h/2) with the new gradient.
        let mut finite = true;
        for (v, &g) in state.v.iter_mut().zip(&state.grad) {
            *v += hh * g;
            finite &= v.is_finite();
        }
        Self::check_position(state, finite, "BAOAB")?;
        Ok(cost)
    }

    fn obabo(&self, state: &mut State<T>, rng: &mut StreamRng) -> Result<EvalCounts, Divergence> {
        let h = self.config.step_size;
        let hh = 0.5 * h;
        let (c1, c2) = self.o_half;
        let mut finite = true;
        // O(h/2) B(h/2) A(h) with the cached gradient.
        for ((x, v), &g) in state.x.iter_mut().zip(state.v.iter_mut()).zip(&state.grad) {
            let vi = c1 * *v + c2 * standard_normal(rng) + hh * g;
            *x += h * vi;
            *v = vi;
            finite &= x.is_finite();
        }
        Self::check_position(state, finite, "OBABO")?;
        let cost = self.evaluate(state, "OBABO")?;
        // B(h/2) O(h/2).
        let mut finite = true;
        for (v, &g) in state.v.iter_mut().zip(&state.grad) {
            *v = c1 * (*v + hh * g) + c2 * standard_normal(rng);
            finite &= v.is_finite();
        }
        Self::check_position(state, finite, "OBABO")?;
        Ok(cost)
    }

    fn aboba(&self, state: &mut State<T>, rng: &mut StreamRng) -> Result<EvalCounts, Divergence> {
        let hh = 0.5 * self.config.step_size;
        let (c1, c2) = self.o_full;
        let mut finite = true;
        // A(h/2) to the midpoint.
        for (x, &v) in state.x.iter_mut().zip(&state.v) {
            *x += hh * v;
            finite &= x.is_finite();
        }
        Self::check_position(state, finite, "ABOBA")?;
        let cost = self.evaluate(state, "ABOBA")?;
        // B(h/2) O(h) B(h/2) A(h/2), with the midpoint gradient.
        let mut finite = true;
        for ((x, v), &g) in state.x.iter_mut().zip(state.v.iter_mut()).zip(&state.grad) {
            let mut vi = *v + hh * g;
            vi = c1 * vi + c2 * standard_normal(rng);
            vi += hh * g;
            *x += hh * vi;
            *v = vi;
            finite &= x.is_finite();
        }
        Self::check_position(state, finite, "ABOBA")?;
        Ok(cost)
    }
}

impl<T: Drift> Kernel for Underdamped<T> {
    type State = State<T>;
    type Info = UnderdampedInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.drift_dim()
    }

    /// Draws the initial velocity `v ~ N(0, I)` from the chain's stream.
    fn init(&self, x0: &[f64], rng: &mut StreamRng) -> Result<(State<T>, EvalCounts), CoreError> {
        let mut workspace = self.target.drift_workspace(rng);
        let (x, grad, log_density, cost) = evaluate_initial(&self.target, x0, &mut workspace)?;
        let mut v = ChainBuf::zeros(x.len());
        fill_standard_normal(rng, &mut v);
        Ok((
            UnderdampedState {
                x,
                v,
                grad,
                log_density,
                workspace,
            },
            cost,
        ))
    }

    fn initial_tuning(&self) {}

    #[inline]
    fn step(
        &self,
        _tuning: &(),
        state: &mut State<T>,
        rng: &mut StreamRng,
    ) -> Result<UnderdampedInfo, Divergence> {
        let evaluations = match self.config.splitting {
            Splitting::Baoab => self.baoab(state, rng)?,
            Splitting::Obabo => self.obabo(state, rng)?,
            Splitting::Aboba => self.aboba(state, rng)?,
        };
        Ok(UnderdampedInfo {
            log_density: state.log_density,
            evaluations,
        })
    }

    fn position<'a>(&self, state: &'a State<T>) -> &'a [f64] {
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
