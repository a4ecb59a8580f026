//! The target as nuts-rs sees it: a [`CpuLogpFunc`] over a [`GradTarget`] that
//! counts its own calls, so each draw reports exactly the gradient evaluations it
//! spent, whatever nuts-rs's own statistics count.

use nuts_rs::{CpuLogpFunc, CpuMathError, HasDims, LogpError};
use sampo_core::GradTarget;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A non-finite log density or gradient: recoverable, so nuts-rs treats the
/// trajectory as divergent (Stan's behaviour) instead of stopping.
#[derive(Debug, thiserror::Error)]
#[error("non-finite {what} at a leapfrog step")]
pub struct NonFinite {
    what: &'static str,
}

impl LogpError for NonFinite {
    fn is_recoverable(&self) -> bool {
        true
    }
}

/// `log π̃` and its gradient, with a call counter shared with the kernel.
pub struct Logp<'a> {
    target: &'a dyn GradTarget,
    calls: Arc<AtomicU64>,
}

impl<'a> Logp<'a> {
    /// Wraps `target`; every evaluation adds one to `calls`.
    pub fn new(target: &'a dyn GradTarget, calls: Arc<AtomicU64>) -> Self {
        Logp { target, calls }
    }
}

impl HasDims for Logp<'_> {
    fn dim_sizes(&self) -> HashMap<String, u64> {
        HashMap::from([("x".to_string(), self.target.dim() as u64)])
    }
}

impl CpuLogpFunc for Logp<'_> {
    type LogpError = NonFinite;
    type FlowParameters = ();
    type ExpandedVector = Vec<f64>;

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn logp(&mut self, position: &[f64], gradient: &mut [f64]) -> Result<f64, NonFinite> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let v = self.target.log_density_grad(position, gradient);
        if !v.is_finite() {
            return Err(NonFinite {
                what: "log density",
            });
        }
        if !gradient.iter().all(|g| g.is_finite()) {
            return Err(NonFinite { what: "gradient" });
        }
        Ok(v)
    }

    fn expand_vector<R: rand::Rng + ?Sized>(
        &mut self,
        _rng: &mut R,
        array: &[f64],
    ) -> Result<Vec<f64>, CpuMathError> {
        Ok(array.to_vec())
    }
}
