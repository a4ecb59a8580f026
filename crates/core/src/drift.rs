//! The drift contract: what a Langevin-type step needs from its force term.
//!
//! An unadjusted Langevin step needs `b(x)`, usually the score `∇log π(x)` of a
//! target with an analytic gradient. Several samplers drive the same steps with an
//! *estimated* drift instead: rdMC's posterior-mean score of `p_t`, walk-jump's
//! Monte Carlo smoothed score, the gradient-free Föllmer drift. Those estimators
//! need their own scratch memory, their own random stream and sometimes state they
//! carry from call to call (an adapted inner step size), and they may fail.
//! [`Drift`] gives them one interface, so the kernels in `sampo-langevin` advance
//! them directly; nothing pretends to be a [`GradTarget`] with a fake log density.
//!
//! Every [`GradTarget`] is a [`Drift`] (blanket impl: the drift is the exact
//! gradient, the workspace is `()`), so a kernel generic over `D: Drift` runs on an
//! ordinary target with no extra cost.
//!
//! Method names carry a `drift_` prefix so that they never clash with
//! [`crate::Target`]'s on a type that implements both.

use crate::rng::StreamRng;
use crate::{Divergence, EvalCounts, GradTarget};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What one drift evaluation produced besides the drift itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftEval {
    /// Target evaluations spent.
    pub evaluations: EvalCounts,
    /// `log π̃(x)` when the evaluation yields it (an exact gradient does; an
    /// estimated score does not).
    pub log_density: Option<f64>,
    /// Mean acceptance of inner Metropolis chains, if the estimator ran any.
    pub acceptance: Option<f64>,
}

impl DriftEval {
    /// A drift that cost `evaluations` and gives no density.
    pub fn with_cost(evaluations: EvalCounts) -> Self {
        DriftEval {
            evaluations,
            log_density: None,
            acceptance: None,
        }
    }
}

/// A (possibly estimated) drift `b: R^d → R^d`.
pub trait Drift: Sync {
    /// Per-chain scratch memory, random stream and carried estimator state. It is
    /// part of a chain's state and is saved in checkpoints (scratch buffers may be
    /// `#[serde(skip)]` and re-created on use).
    type Workspace: Clone + Send + Sync + Serialize + DeserializeOwned;

    /// The dimension d.
    fn drift_dim(&self) -> usize;

    /// A fresh workspace for one chain; `rng` is that chain's stream (an estimator
    /// may seed its own stream from it).
    fn drift_workspace(&self, rng: &mut StreamRng) -> Self::Workspace;

    /// Writes `b(x)` into `out` (length d). A failed estimate is a [`Divergence`]
    /// naming the reason; `out` is then unspecified.
    fn drift(
        &self,
        x: &[f64],
        ws: &mut Self::Workspace,
        out: &mut [f64],
    ) -> Result<DriftEval, Divergence>;

    /// Evaluations of every call, when fixed.
    fn drift_cost(&self) -> Option<EvalCounts> {
        None
    }
}

impl<T: GradTarget + ?Sized> Drift for T {
    type Workspace = ();

    #[inline]
    fn drift_dim(&self) -> usize {
        self.dim()
    }

    #[inline]
    fn drift_workspace(&self, _rng: &mut StreamRng) {}

    /// The exact gradient; never fails (the kernels check finiteness themselves).
    #[inline]
    fn drift(&self, x: &[f64], _ws: &mut (), out: &mut [f64]) -> Result<DriftEval, Divergence> {
        let lp = self.log_density_grad(x, out);
        Ok(DriftEval {
            evaluations: EvalCounts::gradient(1).with_data_terms(self.data_terms()),
            log_density: Some(lp),
            acceptance: None,
        })
    }

    #[inline]
    fn drift_cost(&self) -> Option<EvalCounts> {
        Some(EvalCounts::gradient(1).with_data_terms(self.data_terms()))
    }
}
