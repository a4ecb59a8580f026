//! The one error type of `sampo-core`, shared by the sampler crates.
//!
//! Every variant says what was wrong and where: the parameter's name and value, the
//! step and chain of a divergence, the path of a failed file operation.

use std::path::PathBuf;

/// Errors raised by core contracts, the runner and checkpoints.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A buffer or configuration does not have the dimension the target expects.
    #[error("dimension mismatch in {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// What was being checked, e.g. "initial position of chain 3".
        what: String,
        /// The dimension required.
        expected: usize,
        /// The dimension found.
        got: usize,
    },
    /// A configuration parameter is out of its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Field name as written in the config.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The target returned a non-finite log density where a finite one is required
    /// (e.g. at an initial position).
    #[error("non-finite log density {value} at step {step}, particle {particle}")]
    NonFiniteLogDensity {
        /// Step index (0 = initialization).
        step: u64,
        /// Particle or chain index.
        particle: usize,
        /// The value returned (NaN, ±inf).
        value: f64,
    },
    /// An unadjusted sampler produced a non-finite state.
    #[error("chain {chain} diverged at step {step}: {reason}")]
    Diverged {
        /// Global step index (warm-up steps included), counted from 1.
        step: u64,
        /// Chain (particle) index.
        chain: usize,
        /// What became non-finite.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A configuration table that does not deserialize (unknown field, wrong type,
    /// unknown `kind`); the message names the field.
    #[error("{message}")]
    Config {
        /// What is wrong, e.g. "unknown field `stepsize`, expected `step_size` or `adapt`".
        message: String,
    },
    /// A sampler cannot run on this target or with this budget (a gradient-based
    /// sampler on a density-only target, a budget unit it never spends).
    #[error("{reason}")]
    Unsupported {
        /// Why, naming what is missing.
        reason: String,
    },
    /// A checkpoint file is malformed or does not match the run being resumed.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// A kernel step that left the state non-finite. The runner turns it into
/// [`CoreError::Diverged`] by adding the step and chain index.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    /// What became non-finite, e.g. "log density = NaN" or "position x\[3\] = inf".
    pub reason: String,
}

impl CoreError {
    /// Shorthand for [`CoreError::InvalidParameter`].
    pub fn invalid(
        name: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        CoreError::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`CoreError::DimensionMismatch`].
    pub fn dim(what: impl Into<String>, expected: usize, got: usize) -> Self {
        CoreError::DimensionMismatch {
            what: what.into(),
            expected,
            got,
        }
    }
}
