//! Checkpoint files: everything a run needs to continue bit for bit.
//!
//! A checkpoint holds the run configuration, the step reached, and per chain the
//! kernel state, the tuning, the RNG state and the draws kept so far. It is JSON
//! (serde_json with `float_roundtrip`, so every f64 reads back exactly) and is
//! written atomically: to a temporary file in the same folder, then renamed.

use crate::rng::StreamRng;
use crate::{CoreError, EvalCounts};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Format tag checked on load.
pub const FORMAT: &str = "sampo-checkpoint-v1";

/// One chain's full state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainRecord<S, U> {
    /// Kernel state.
    pub state: S,
    /// Adaptable parameters.
    pub tuning: U,
    /// The chain's RNG stream, mid-sequence.
    pub rng: StreamRng,
    /// Kept draws so far, row-major.
    pub draws: Vec<f64>,
    /// Sum of acceptance probabilities over sampling steps so far.
    pub accept_sum: f64,
    /// Number of sampling steps with an acceptance probability.
    pub accept_count: u64,
}

/// A run frozen after `step` steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint<S, U> {
    /// Always [`FORMAT`].
    pub format: String,
    /// The configuration of the run.
    pub config: crate::RunConfig,
    /// Dimension of the state space.
    pub dim: usize,
    /// Steps completed.
    pub step: u64,
    /// Per-chain records, in chain order.
    pub chains: Vec<ChainRecord<S, U>>,
    /// Mean acceptance per completed step.
    pub acceptance_per_step: Vec<f64>,
    /// Evaluations spent so far.
    pub evaluations: EvalCounts,
    /// Wall-clock seconds spent so far.
    pub wall_time_secs: f64,
}

impl<S: Serialize + DeserializeOwned, U: Serialize + DeserializeOwned> Checkpoint<S, U> {
    /// Writes atomically to `path`.
    pub fn save(&self, path: &Path) -> Result<(), CoreError> {
        let io = |source| CoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let json = serde_json::to_vec(self).map_err(|e| CoreError::Checkpoint {
            path: path.to_path_buf(),
            reason: format!("cannot serialize: {e}"),
        })?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads and checks the format tag.
    pub fn load(path: &Path) -> Result<Self, CoreError> {
        let bytes = std::fs::read(path).map_err(|source| CoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let ck: Self = serde_json::from_slice(&bytes).map_err(|e| CoreError::Checkpoint {
            path: path.to_path_buf(),
            reason: format!("not a readable checkpoint for this kernel: {e}"),
        })?;
        if ck.format != FORMAT {
            return Err(CoreError::Checkpoint {
                path: path.to_path_buf(),
                reason: format!("format `{}`, expected `{FORMAT}`", ck.format),
            });
        }
        Ok(ck)
    }
}
