//! What the slice samplers on a plain point (HRUSS, elliptical, univariate) share:
//! the state (the point and its log density), the target handle with its
//! counting, the current point's re-evaluation for each threshold, and the named
//! error of a loop that hit `max_proposals`.

use sampo_core::{CoreError, Divergence, EvalCounts, Target};
use serde::{Deserialize, Serialize};

/// A chain's state: the point and its log density.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointState {
    pub(crate) x: Vec<f64>,
    pub(crate) log_density: f64,
}

/// The initial state at `x0` (one evaluation), or a named error.
fn start(target: &dyn Target, x0: &[f64]) -> Result<PointState, CoreError> {
    sampo_core::validate::length("initial position", x0, target.dim())?;
    let log_density = target.log_density(x0);
    if !log_density.is_finite() {
        return Err(CoreError::NonFiniteLogDensity {
            step: 0,
            particle: 0,
            value: log_density,
        });
    }
    Ok(PointState {
        x: x0.to_vec(),
        log_density,
    })
}

/// The named error of a loop that hit `max_proposals`.
pub(crate) fn give_up(sampler: &str, limit: u64) -> Divergence {
    Divergence {
        reason: format!(
            "{sampler}: no point of the slice after {limit} proposals (`max_proposals`): the \
             target's density is NaN or −∞ around the chain, or the window is far too small"
        ),
    }
}

/// The target and the counting conventions of a point sampler.
pub(crate) struct PointTarget<'a> {
    pub(crate) target: &'a dyn Target,
    pub(crate) max_proposals: u64,
    reevaluate: bool,
    terms: u64,
}

impl<'a> PointTarget<'a> {
    pub(crate) fn new(target: &'a dyn Target, max_proposals: u64, reevaluate: bool) -> Self {
        PointTarget {
            target,
            max_proposals,
            reevaluate,
            terms: target.data_terms(),
        }
    }

    /// The state at `x0` and its one evaluation.
    pub(crate) fn init(&self, x0: &[f64]) -> Result<(PointState, EvalCounts), CoreError> {
        Ok((start(self.target, x0)?, self.counts(1)))
    }

    /// Evaluates the current point again when the reference convention asks for it
    /// (`reevaluate_current`); returns the evaluations spent (0 or 1).
    pub(crate) fn refresh(&self, s: &mut PointState) -> u64 {
        if self.reevaluate {
            s.log_density = self.target.log_density(&s.x);
            1
        } else {
            0
        }
    }

    /// `n` density evaluations with their data terms.
    pub(crate) fn counts(&self, n: u64) -> EvalCounts {
        EvalCounts::density(n).with_data_terms(n * self.terms)
    }
}
