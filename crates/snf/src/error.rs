//! The crate's one error type.

use sampo_core::CoreError;
use std::path::PathBuf;

/// Errors of `sampo-snf`.
#[derive(Debug, thiserror::Error)]
pub enum SnfError {
    /// A configuration parameter is out of range; `name` is the field as written in
    /// the TOML config, nested fields dotted (e.g. `flow.hidden`, `train.lr`).
    #[error("invalid snf parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Field name, dotted.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A flow file that cannot be used (another format or version, another
    /// dimension, a malformed body).
    #[error("flow file {path}: {reason}")]
    FlowFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Training diverged: every sample of a batch had a non-finite loss, or a
    /// gradient became non-finite.
    #[error("snf training diverged at iteration {iteration}: {reason}")]
    Diverged {
        /// Training iteration (from 1).
        iteration: usize,
        /// What became non-finite.
        reason: String,
    },
    /// An error from a core contract.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl SnfError {
    /// Shorthand for [`SnfError::InvalidParameter`].
    pub fn invalid(
        name: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        SnfError::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl From<SnfError> for CoreError {
    fn from(e: SnfError) -> Self {
        match e {
            SnfError::InvalidParameter {
                name,
                value,
                reason,
            } => CoreError::InvalidParameter {
                name,
                value,
                reason,
            },
            SnfError::Core(c) => c,
            other @ SnfError::FlowFile { .. } => CoreError::Config {
                message: other.to_string(),
            },
            other => CoreError::Unsupported {
                reason: other.to_string(),
            },
        }
    }
}
