//! The one error type of `sampo-metrics`: every variant names the input at fault.

/// Errors of metric computations.
#[derive(Debug, thiserror::Error)]
pub enum MetricError {
    /// Two samples (or a sample and a target) disagree in dimension.
    #[error("dimension mismatch in {what}: {left} vs {right}")]
    DimensionMismatch {
        /// What was compared.
        what: String,
        /// Dimension of the first argument.
        left: usize,
        /// Dimension of the second argument.
        right: usize,
    },
    /// A sample is too small, has non-finite entries, or weights are invalid.
    #[error("invalid input `{name}`: {reason}")]
    InvalidInput {
        /// The argument or parameter name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An iterative solver did not converge within its budget.
    #[error("{solver} did not converge after {iterations} iterations: {detail}")]
    NotConverged {
        /// The solver.
        solver: String,
        /// Iterations spent.
        iterations: u64,
        /// Residual or other detail.
        detail: String,
    },
}

impl MetricError {
    /// Shorthand for [`MetricError::InvalidInput`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        MetricError::InvalidInput {
            name: name.into(),
            reason: reason.into(),
        }
    }
}
