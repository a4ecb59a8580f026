//! The crate's one error type.

use sampo_core::CoreError;
use sampo_langevin::LangevinError;

/// Errors of `sampo-rdmc`.
#[derive(Debug, thiserror::Error)]
pub enum RdmcError {
    /// A configuration parameter is out of range; `name` is the field as written in
    /// the TOML config, nested fields dotted (e.g. `schedule.horizon`, `inner.samples`).
    #[error("invalid rdmc parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Field name, dotted.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A particle became non-finite (outer update, warm start or an inner ULA chain).
    #[error(
        "rdmc particle {particle} diverged at outer step {step} (forward time {time}): {reason}"
    )]
    Diverged {
        /// Particle index.
        particle: usize,
        /// Outer step: 0 is the initialization and warm start, k ≥ 1 the k-th reverse step.
        step: usize,
        /// Forward time at which the score was being estimated.
        time: f64,
        /// What became non-finite.
        reason: String,
    },
    /// An error from a core contract (dimension mismatch, non-finite initial state, …).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An error from a Langevin kernel constructor.
    #[error(transparent)]
    Langevin(#[from] LangevinError),
}

impl RdmcError {
    /// Shorthand for [`RdmcError::InvalidParameter`].
    pub fn invalid(
        name: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        RdmcError::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Re-labels a core validation error with the dotted config prefix.
    pub(crate) fn field(prefix: &str, e: CoreError) -> Self {
        match e {
            CoreError::InvalidParameter {
                name,
                value,
                reason,
            } => RdmcError::InvalidParameter {
                name: format!("{prefix}{name}"),
                value,
                reason,
            },
            other => RdmcError::Core(other),
        }
    }
}

impl From<RdmcError> for CoreError {
    /// Lets callers that speak [`CoreError`] (the harness) use `?` on this crate.
    fn from(e: RdmcError) -> Self {
        match e {
            RdmcError::InvalidParameter {
                name,
                value,
                reason,
            } => CoreError::InvalidParameter {
                name: format!("rdmc.{name}"),
                value,
                reason,
            },
            RdmcError::Diverged {
                particle,
                step,
                time,
                reason,
            } => CoreError::Diverged {
                step: step as u64,
                chain: particle,
                reason: format!("rdmc (forward time {time}): {reason}"),
            },
            RdmcError::Core(c) => c,
            RdmcError::Langevin(l) => l.into(),
        }
    }
}
