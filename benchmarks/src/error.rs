//! The harness's error type: every variant names the input at fault.

use std::path::PathBuf;

/// Errors of `sampo-bench`.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A name (sampler, metric, figure, list) that is not known.
    #[error("unknown {what} `{name}`; valid: {valid}")]
    UnknownName {
        /// What kind of name.
        what: &'static str,
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
    /// A data file that does not parse.
    #[error("{path}: {reason}")]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
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
    /// Bad command-line or suite usage.
    #[error("{0}")]
    Usage(String),
    /// Two inputs disagree in dimension.
    #[error("dimension mismatch: {what}: {left} vs {right}")]
    Dimension {
        /// What was compared.
        what: String,
        /// First dimension.
        left: usize,
        /// Second dimension.
        right: usize,
    },
    /// The run was interrupted (Ctrl-C); says what was kept.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A sampler of a suite or command line could not be built or cannot run
    /// (named, with the reason).
    #[error("sampler `{label}`: {source}")]
    Sampler {
        /// The sampler's label.
        label: String,
        /// Why.
        #[source]
        source: sampo_core::CoreError,
    },
    /// A target could not be built.
    #[error(transparent)]
    Target(#[from] sampo_targets::TargetError),
    /// A Langevin kernel could not be built (figures that use the library directly).
    #[error(transparent)]
    Langevin(#[from] sampo_langevin::LangevinError),
    /// A metric failed.
    #[error(transparent)]
    Metric(#[from] sampo_metrics::MetricError),
    /// The run failed.
    #[error(transparent)]
    Core(#[from] sampo_core::CoreError),
}
