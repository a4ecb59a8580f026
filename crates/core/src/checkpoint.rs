//! Checkpoint files: everything a run needs to continue bit for bit.
//!
//! A checkpoint holds the run configuration, the run-wide accumulators (acceptance
//! trace, evaluation counts, wall time) and the sampler's record: per chain the
//! kernel state, the tuning, the RNG state and the draws kept so far
//! ([`ChainRecord`]), or the whole population state and its kept snapshots
//! ([`PopulationRecord`]). It is JSON (serde_json with `float_roundtrip`, so every
//! f64 reads back exactly) and is written atomically: to a temporary file in the
//! same folder, then renamed.

use crate::rng::StreamRng;
use crate::{CoreError, EvalCounts};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Format tag checked on load (v2: cost-limited runs, population records, stats).
pub const FORMAT: &str = "sampo-checkpoint-v2";

/// Sums of a key-value statistic over the sampling steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatSums {
    /// `(key, sum, count)`, in the order keys first appeared.
    pub entries: Vec<(String, f64, u64)>,
}

impl StatSums {
    /// Adds `sum` over `count` values of `key`.
    pub fn add(&mut self, key: &str, sum: f64, count: u64) {
        match self.entries.iter_mut().find(|e| e.0 == key) {
            Some(e) => {
                e.1 += sum;
                e.2 += count;
            }
            None => self.entries.push((key.to_string(), sum, count)),
        }
    }

    /// Adds every entry of `other`.
    pub fn merge(&mut self, other: &StatSums) {
        for (k, s, c) in &other.entries {
            self.add(k, *s, *c);
        }
    }
}

/// How far a chain (or the population) has come; shared by both record kinds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Steps taken.
    pub steps: u64,
    /// Evaluations reported so far, initialization included.
    pub spent: EvalCounts,
    /// Cost-limited runs: the spending (in the run's unit) when warm-up ended;
    /// `None` while warming up.
    pub warmup_end: Option<u64>,
    /// Draws kept so far (a cost-limited chain: draws in its buffer).
    pub kept: u64,
    /// Cost-limited chains: sampling steps between buffered draws (1, doubled each
    /// time the buffer of 2m draws is halved); 0 for step-limited runs and
    /// populations, which keep by their own rule (see [`crate::runner`]).
    #[serde(default)]
    pub stride: u64,
    /// Cost-limited runs: steps taken when warm-up ended.
    #[serde(default)]
    pub warmup_steps: u64,
    /// Consecutive steps that spent nothing in the run's cost unit (a guard against
    /// a budget unit the kernel never spends).
    pub idle: u64,
    /// Statistic sums over the sampling steps.
    pub stats: StatSums,
}

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
    /// Progress and cost of this chain.
    pub at: Position,
}

/// A population's full state and its kept snapshots.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PopulationRecord<S> {
    /// The population kernel's state.
    pub state: S,
    /// Kept snapshots of the positions, step-major (`kept × n × d`).
    pub snapshots: Vec<f64>,
    /// Log weights of the kept snapshots (`kept × n`), for weighted kernels.
    pub snapshot_log_weights: Option<Vec<f64>>,
    /// Progress and cost.
    pub at: Position,
}

/// A run frozen after some steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint<R> {
    /// Always [`FORMAT`].
    pub format: String,
    /// The configuration of the run.
    pub config: crate::RunConfig,
    /// Dimension of the state space.
    pub dim: usize,
    /// The sampler's record: `Vec<ChainRecord>` or a [`PopulationRecord`].
    pub record: R,
    /// Sum of the acceptance probabilities reported at each step index (over chains).
    pub acceptance_sum: Vec<f64>,
    /// Number of acceptance probabilities at each step index.
    pub acceptance_count: Vec<u64>,
    /// Evaluations measured by the run's counter so far.
    pub evaluations: EvalCounts,
    /// Whether the run has a counter (else `evaluations` = the kernel's reports).
    pub counted: bool,
    /// Evaluations the kernel reported so far.
    pub reported: EvalCounts,
    /// Wall-clock seconds spent so far.
    pub wall_time_secs: f64,
}

impl<R: Serialize + DeserializeOwned> Checkpoint<R> {
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
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
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
        // Check the tag first, so an old file gets a clear message.
        #[derive(Deserialize)]
        struct Tag {
            format: String,
        }
        let bad = |reason: String| CoreError::Checkpoint {
            path: path.to_path_buf(),
            reason,
        };
        let tag: Tag = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a checkpoint file: {e}")))?;
        if tag.format != FORMAT {
            return Err(bad(format!("format `{}`, expected `{FORMAT}`", tag.format)));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a readable checkpoint for this sampler: {e}")))
    }
}
