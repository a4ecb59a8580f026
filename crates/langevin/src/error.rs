//! The crate's one error type, and the finiteness checks that turn a non-finite
//! state of an unadjusted kernel into a [`Divergence`].

use sampo_core::{ChainBuf, CoreError, Divergence, Drift, EvalCounts, validate};

/// Errors of `sampo-langevin`.
#[derive(Debug, thiserror::Error)]
pub enum LangevinError {
    /// A configuration parameter is out of range; `name` is the field as written in
    /// the config (nested fields dotted, e.g. `adapt.kappa`).
    #[error("invalid {sampler} parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Which sampler's config: "ula", "mala" or "underdamped".
        sampler: &'static str,
        /// Field name.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An error from a core contract (dimension mismatch, non-finite initial state, …).
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl LangevinError {
    /// Attaches the sampler name to a core validation error; other errors pass through.
    pub(crate) fn config(sampler: &'static str, e: CoreError) -> Self {
        match e {
            CoreError::InvalidParameter {
                name,
                value,
                reason,
            } => LangevinError::InvalidParameter {
                sampler,
                name,
                value,
                reason,
            },
            other => LangevinError::Core(other),
        }
    }
}

impl From<LangevinError> for CoreError {
    /// Lets callers that speak [`CoreError`] (the harness) use `?` on this crate.
    fn from(e: LangevinError) -> Self {
        match e {
            LangevinError::InvalidParameter {
                sampler,
                name,
                value,
                reason,
            } => CoreError::InvalidParameter {
                name: format!("{sampler}.{name}"),
                value,
                reason,
            },
            LangevinError::Core(c) => c,
        }
    }
}

/// Cold path: names the first non-finite entry of `v` (called only after a check failed).
#[cold]
pub(crate) fn first_non_finite(what: &str, v: &[f64]) -> Divergence {
    let reason = match v.iter().position(|a| !a.is_finite()) {
        Some(i) => format!("{what}[{i}] = {}", v[i]),
        None => format!("{what} is non-finite"),
    };
    Divergence { reason }
}

/// A non-finite log density (NaN, ±∞, when the drift gives one) or gradient at a
/// new position is a divergence of an unadjusted kernel.
#[inline]
pub(crate) fn check_density_grad(
    scheme: &str,
    log_density: Option<f64>,
    grad: &[f64],
) -> Result<(), Divergence> {
    if let Some(log_density) = log_density
        && !log_density.is_finite()
    {
        return Err(Divergence {
            reason: format!("{scheme}: log density = {log_density} at the new position"),
        });
    }
    if !grad.iter().all(|g| g.is_finite()) {
        return Err(first_non_finite(&format!("{scheme}: gradient"), grad));
    }
    Ok(())
}

/// Everything `init` needs: checks the dimension and finiteness of `x0`, evaluates
/// the drift once (with the chain's workspace) and checks the result. A non-finite
/// log density is [`CoreError::NonFiniteLogDensity`] (particle 0: the runner
/// renames it to the chain); a failed drift estimate is [`CoreError::Diverged`] at
/// step 0; a non-finite drift is an invalid initial position.
/// Returns `(x0, drift, log density if known, evaluations spent)`.
pub(crate) fn evaluate_initial<D: Drift + ?Sized>(
    drift: &D,
    x0: &[f64],
    ws: &mut D::Workspace,
) -> Result<(ChainBuf, ChainBuf, Option<f64>, EvalCounts), CoreError> {
    validate::length("initial position", x0, drift.drift_dim())?;
    validate::all_finite("initial position", x0)?;
    let x = ChainBuf::from_slice(x0);
    let mut grad = ChainBuf::zeros(x.len());
    let eval = drift
        .drift(&x, ws, &mut grad)
        .map_err(|d| CoreError::Diverged {
            step: 0,
            chain: 0,
            reason: format!("drift at the initial position: {}", d.reason),
        })?;
    if let Some(lp) = eval.log_density
        && !lp.is_finite()
    {
        return Err(CoreError::NonFiniteLogDensity {
            step: 0,
            particle: 0,
            value: lp,
        });
    }
    if let Some(i) = grad.iter().position(|g| !g.is_finite()) {
        return Err(CoreError::invalid(
            format!("gradient[{i}] at the initial position"),
            grad[i],
            "the gradient at the initial position must be finite",
        ));
    }
    Ok((x, grad, eval.log_density, eval.evaluations))
}
