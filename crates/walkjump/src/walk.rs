//! One walk: a fresh Langevin chain from `sampo-langevin` on a walk target, run for
//! a given number of steps.
//!
//! Every walk starts a new chain at its starting point: the kernels' `init`
//! evaluates the drift there (one estimate) and, for the underdamped kernel, draws
//! the velocity from its invariant law `N(0, I)` (unit mass). A fresh velocity at
//! each measurement is a full momentum refresh, which keeps the invariant law of
//! every walk target.
//!
//! **Friction convention** (stated once; the reference codes mix two): γ is a rate
//! per unit time, so the O step over a step h multiplies the velocity by `e^{−γh}`.
//! SLIPS passes `friction_eff / h` and then applies `e^{−friction}` per step, i.e. it
//! means `γh = friction_eff`; Genentech's "effective friction" is the same product.
//! Our default `γ = 1/σ` with `h = 0.5σ` is `γh = 0.5`.

use crate::config::{Resolved, Walk};
use sampo_core::rng::StreamRng;
use sampo_core::{CoreError, Drift, EvalCounts, GradTarget, Kernel, MeanAcceptance, StepInfo};
use sampo_langevin::{Mala, MalaConfig, Splitting, Ula, UlaConfig, Underdamped, UnderdampedConfig};

/// What one walk spent, and its mean MALA acceptance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkCost {
    /// Evaluations (drift estimates), the start included.
    pub evaluations: EvalCounts,
    /// Mean acceptance probability over the steps (MALA only).
    pub acceptance: Option<f64>,
}

/// Why a walk failed: at its start (a non-finite start or drift) or at a step.
#[derive(Debug)]
pub enum WalkError {
    /// The chain could not start.
    Init(CoreError),
    /// Step `step` (from 1) diverged.
    Step {
        /// The step.
        step: usize,
        /// Why.
        reason: String,
    },
}

fn run<K: Kernel>(
    k: &K,
    y: &mut [f64],
    steps: usize,
    rng: &mut StreamRng,
) -> Result<WalkCost, WalkError> {
    let (mut state, mut evaluations) = k.init(y, rng).map_err(WalkError::Init)?;
    let tuning = k.initial_tuning();
    let mut acc = MeanAcceptance::default();
    for step in 1..=steps {
        let info = k
            .step(&tuning, &mut state, rng)
            .map_err(|e| WalkError::Step {
                step,
                reason: e.reason,
            })?;
        evaluations += info.evaluations();
        acc.add(info.acceptance());
    }
    y.copy_from_slice(k.position(&state));
    Ok(WalkCost {
        evaluations,
        acceptance: acc.mean(),
    })
}

/// Walks `y` for `steps` steps on `target` with ULA or the underdamped kernel (the
/// kernels that need only a drift).
pub fn walk_drift<D: Drift>(
    walk: Walk,
    params: &Resolved,
    target: D,
    y: &mut [f64],
    steps: usize,
    rng: &mut StreamRng,
) -> Result<WalkCost, WalkError> {
    let h = params.step_size;
    match walk {
        Walk::Ula => {
            let k = Ula::new(target, UlaConfig::new(h)).map_err(|e| WalkError::Init(e.into()))?;
            run(&k, y, steps, rng)
        }
        Walk::Underdamped => {
            let cfg = UnderdampedConfig::new(h, params.friction, Splitting::Aboba);
            let k = Underdamped::new(target, cfg).map_err(|e| WalkError::Init(e.into()))?;
            run(&k, y, steps, rng)
        }
        Walk::Mala => Err(WalkError::Init(CoreError::invalid(
            "walk",
            "mala",
            "MALA needs the walk target's density (analytic scores)",
        ))),
    }
}

/// Walks `y` on a walk target with a density: any of the three kernels.
pub fn walk_target<T: GradTarget>(
    walk: Walk,
    params: &Resolved,
    target: T,
    y: &mut [f64],
    steps: usize,
    rng: &mut StreamRng,
) -> Result<WalkCost, WalkError> {
    match walk {
        Walk::Mala => {
            let k = Mala::new(target, MalaConfig::new(params.step_size))
                .map_err(|e| WalkError::Init(e.into()))?;
            run(&k, y, steps, rng)
        }
        other => walk_drift(other, params, target, y, steps, rng),
    }
}
