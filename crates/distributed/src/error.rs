//! The crate's one error type.

use sampo_core::CoreError;

/// Errors of `sampo-distributed`.
#[derive(Debug, thiserror::Error)]
pub enum DistributedError {
    /// A configuration parameter is out of range; `name` is the field as written in
    /// the TOML config (e.g. `rho`, `graph.edges[3]`).
    #[error("invalid distributed-sampler parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Field name.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The network failed: a peer stopped answering or a message was malformed.
    #[error("network error in round {round}: {reason}")]
    Network {
        /// The exchange round (0: the initial exchange).
        round: u64,
        /// What happened.
        reason: String,
    },
    /// A local proximal problem did not converge (its Newton decrement stayed large).
    #[error(
        "agent {agent}, chain {chain}: the proximal step did not converge in iteration {iteration} (Newton decrement {decrement:e})"
    )]
    Prox {
        /// The agent.
        agent: usize,
        /// The chain.
        chain: usize,
        /// The iteration (from 1).
        iteration: u64,
        /// The decrement at the last Newton step.
        decrement: f64,
    },
    /// An error from a core contract.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl DistributedError {
    /// Shorthand for [`DistributedError::InvalidParameter`].
    pub fn invalid(
        name: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        DistributedError::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl From<DistributedError> for CoreError {
    fn from(e: DistributedError) -> Self {
        match &e {
            DistributedError::Core(_) => match e {
                DistributedError::Core(c) => c,
                _ => unreachable!("matched Core above"),
            },
            DistributedError::InvalidParameter {
                name,
                value,
                reason,
            } => CoreError::InvalidParameter {
                name: name.clone(),
                value: value.clone(),
                reason: reason.clone(),
            },
            DistributedError::Prox {
                chain, iteration, ..
            } => CoreError::Diverged {
                step: *iteration,
                chain: *chain,
                reason: e.to_string(),
            },
            DistributedError::Network { .. } => CoreError::Unsupported {
                reason: e.to_string(),
            },
        }
    }
}
