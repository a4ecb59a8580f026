//! The crate's one error type, and the finiteness checks that turn a non-finite
//! state of an unadjusted kernel into a [`Divergence`].

use sampo_core::{ChainBuf, CoreError, Divergence, GradTarget, check_dim, validate};

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

/// A non-finite log density (NaN, ±∞) or gradient at a new position is a divergence
/// of an unadjusted kernel.
#[inline]
pub(crate) fn check_density_grad(
    scheme: &str,
    log_density: f64,
    grad: &[f64],
) -> Result<(), Divergence> {
    if !log_density.is_finite() {
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
/// the target once and checks the result. A non-finite log density is
/// [`CoreError::NonFiniteLogDensity`] (particle 0: the runner renames it to the
/// chain); a non-finite gradient is an invalid initial position.
/// Returns `(x0, gradient, log density)`.
pub(crate) fn evaluate_initial<T: GradTarget + ?Sized>(
    target: &T,
    x0: &[f64],
) -> Result<(ChainBuf, ChainBuf, f64), CoreError> {
    check_dim(target, "initial position", x0)?;
    validate::all_finite("initial position", x0)?;
    let x = ChainBuf::from_slice(x0);
    let mut grad = ChainBuf::zeros(x.len());
    let log_density = target.log_density_grad(&x, &mut grad);
    if !log_density.is_finite() {
        return Err(CoreError::NonFiniteLogDensity {
            step: 0,
            particle: 0,
            value: log_density,
        });
    }
    if let Some(i) = grad.iter().position(|g| !g.is_finite()) {
        return Err(CoreError::invalid(
            format!("gradient[{i}] at the initial position"),
            grad[i],
            "the gradient at the initial position must be finite",
        ));
    }
    Ok((x, grad, log_density))
}
