//! The harness's error type: every variant names the input at fault.

use std::path::PathBuf;

/// Errors of `sampo-bench`.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A sampler name that is not known.
    #[error("unknown sampler `{name}`; valid names: {valid} (or a path to a .toml file)")]
    UnknownSampler {
        /// The name given.
        name: String,
        /// The valid names.
        valid: String,
    },
    /// A TOML file that does not parse; the message has line and column.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Bad command-line usage.
    #[error("{0}")]
    Usage(String),
    /// A target could not be built.
    #[error(transparent)]
    Target(#[from] sampo_targets::TargetError),
    /// A sampler could not be built.
    #[error(transparent)]
    Sampler(#[from] sampo_langevin::LangevinError),
    /// The run failed.
    #[error(transparent)]
    Core(#[from] sampo_core::CoreError),
}
