//! The one error type of `sampo-targets`.
//!
//! Every variant names what was wrong: the preset asked for (with the valid names), the
//! parameter (config field) with its value and the reason, or the two dimensions that
//! disagree. Bad user input is always reported through this type, never by a panic.

use sampo_core::CoreError;

/// Errors raised when building a target from a preset name or a config.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The preset name is not known; `valid` lists every valid name.
    #[error("unknown target preset `{name}`; valid presets: {valid}")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// Comma-separated valid names (with `<d>` placeholders).
        valid: String,
    },
    /// A parameter (config field) is out of its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Field name as written in the config, e.g. `covs[2]` or `weights[0]`.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Two sizes that must agree do not.
    #[error("dimension mismatch in {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// What was being checked, e.g. `means[3]`.
        what: String,
        /// The size required.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// A data file could not be read or parsed.
    #[error("data file `{path}`: {reason}")]
    DataFile {
        /// The path as given.
        path: String,
        /// What went wrong (with the line, where one is at fault).
        reason: String,
    },
    /// Any other error from `sampo-core`.
    #[error(transparent)]
    Core(CoreError),
}

impl TargetError {
    /// Shorthand for [`TargetError::InvalidParameter`].
    pub fn invalid(
        name: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        TargetError::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`TargetError::DimensionMismatch`].
    pub fn dim(what: impl Into<String>, expected: usize, got: usize) -> Self {
        TargetError::DimensionMismatch {
            what: what.into(),
            expected,
            got,
        }
    }
}

impl From<CoreError> for TargetError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::InvalidParameter {
                name,
                value,
                reason,
            } => TargetError::InvalidParameter {
                name,
                value,
                reason,
            },
            CoreError::DimensionMismatch {
                what,
                expected,
                got,
            } => TargetError::DimensionMismatch {
                what,
                expected,
                got,
            },
            other => TargetError::Core(other),
        }
    }
}

/// Largest dimension a preset name or config may ask for (2^20). Far above any
/// benchmark here; it stops a typo such as `gauss-10000000000` from aborting the
/// process on allocation instead of returning an error.
pub const MAX_DIM: usize = 1 << 20;

/// Checks `1 <= d <= MAX_DIM`.
pub(crate) fn check_dim_param(name: &str, d: usize) -> Result<usize, TargetError> {
    if d == 0 || d > MAX_DIM {
        Err(TargetError::invalid(
            name,
            d,
            format!("dimension must be between 1 and {MAX_DIM}"),
        ))
    } else {
        Ok(d)
    }
}
