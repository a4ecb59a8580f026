//! Configurations: the flow's architecture, its stochastic blocks, training, the
//! training data, and the training-free annealed flow (`snf-free`). Defaults are the
//! double-well settings of the paper's code (samplers-b.md §2.5): 3 transforms of two
//! couplings with [64, 64] ReLU nets, Metropolis blocks of K = 20 steps with σ = 0.25,
//! Adam at 5·10⁻³ on batches of 128, 300 iterations of maximum likelihood then 300 of
//! the 50/50 ML + KL mix.

use crate::error::SnfError;
use serde::{Deserialize, Serialize};

/// The deterministic part: RealNVP couplings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowConfig {
    /// Transforms, each two couplings (parity 0 then 1). Default 3.
    pub transforms: usize,
    /// Hidden widths of the shift and scale nets. Default [64, 64].
    pub hidden: Vec<usize>,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            transforms: 3,
            hidden: vec![64, 64],
        }
    }
}

/// Which stochastic blocks go between the transforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockKind {
    /// None: a plain RealNVP flow.
    None,
    /// Metropolis random-walk blocks ([`crate::metropolis`]).
    Metropolis,
    /// Overdamped Langevin blocks ([`crate::langevin`]).
    Overdamped,
}

/// The stochastic blocks (paper's builder `boltzmann_generator_RNVP_MC`): a block on
/// u_λ with `λ_i = i/(transforms − 1)` after transform i for i < transforms − 1,
/// optionally one on the prior before the first transform and one on the target
/// after the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlockConfig {
    /// Block kind. Default metropolis.
    pub kind: BlockKind,
    /// Steps per block K ≥ 1. Default 20.
    pub steps: usize,
    /// Metropolis proposal width σ (> 0). Default 0.25.
    pub sigma: f64,
    /// Metropolis: learn one width per step ("adaptive MC"), starting from p_k =
    /// `sigma`. Default false.
    pub learned_widths: bool,
    /// Overdamped Langevin step ε (> 0). Default 0.01.
    pub step_size: f64,
    /// A block on the prior before the first transform (`diffuse_at_0`). Default true.
    pub at_prior: bool,
    /// A block on the target after the last transform (`stochastic`). Default true.
    pub at_target: bool,
}

impl Default for BlockConfig {
    fn default() -> Self {
        BlockConfig {
            kind: BlockKind::Metropolis,
            steps: 20,
            sigma: 0.25,
            learned_widths: false,
            step_size: 0.01,
            at_prior: true,
            at_target: true,
        }
    }
}

/// Training (paper's `KLTrainer.train`): `ml_iterations` of maximum likelihood, then
/// `mixed_iterations` of `w_ml·J_ML + (1 − w_ml)·J_KL`, then `kl_iterations` of KL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Maximum-likelihood iterations (need data). Default 300.
    pub ml_iterations: usize,
    /// Mixed ML + KL iterations (need data). Default 300.
    pub mixed_iterations: usize,
    /// KL (energy) iterations. Default 0.
    pub kl_iterations: usize,
    /// The ML weight of the mixed phase, in [0, 1]. Default 0.5.
    pub ml_weight: f64,
    /// Batch size (each of the ML and KL batches). Default 128.
    pub batch: usize,
    /// Adam's learning rate. Default 5e-3.
    pub lr: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            ml_iterations: 300,
            mixed_iterations: 300,
            kl_iterations: 0,
            ml_weight: 0.5,
            batch: 128,
            lr: 5e-3,
        }
    }
}

impl TrainConfig {
    /// Total iterations.
    pub fn iterations(&self) -> usize {
        self.ml_iterations + self.mixed_iterations + self.kl_iterations
    }

    /// Whether any phase needs data.
    pub fn needs_data(&self) -> bool {
        self.ml_iterations + self.mixed_iterations > 0
    }
}

/// Where the maximum-likelihood data come from when a run has none of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataSource {
    /// The training-free annealed flow's weighted population, resampled
    /// (systematic resampling) to `n` unweighted points: needs no data and no tuning,
    /// and its cost is counted.
    Annealed,
    /// No data: the ML and mixed phases must be 0.
    None,
}

/// The training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Source. Default annealed.
    pub source: DataSource,
    /// Data points. Default 10 000 (the paper's 10k).
    pub n: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            source: DataSource::Annealed,
            n: 10_000,
        }
    }
}

/// The training-free flow: Metropolis blocks on `u_λ`, `λ_j = j/J` for j = 1..J,
/// from the prior. Its path weight is annealed importance sampling's (docs/snf.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnnealConfig {
    /// Blocks J ≥ 1. Default 10.
    pub blocks: usize,
    /// Steps per block ≥ 1. Default 20.
    pub steps: usize,
    /// Proposal width σ > 0. Default 0.25.
    pub sigma: f64,
}

impl Default for AnnealConfig {
    fn default() -> Self {
        AnnealConfig {
            blocks: 10,
            steps: 20,
            sigma: 0.25,
        }
    }
}

/// The `snf` sampler: a flow trained at the start of the run, then sampled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SnfConfig {
    /// Couplings.
    pub flow: FlowConfig,
    /// Stochastic blocks.
    pub blocks: BlockConfig,
    /// Training.
    pub train: TrainConfig,
    /// Training data.
    pub data: DataConfig,
    /// The annealed flow that makes the data (`data.source = "annealed"`).
    pub anneal: AnnealConfig,
    /// Load the trained flow from this file ([`crate::file`]) instead of training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<std::path::PathBuf>,
    /// Save the flow to this file after training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub save: Option<std::path::PathBuf>,
}

fn positive(name: &str, v: f64) -> Result<(), SnfError> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(SnfError::invalid(name, v, "must be a finite number > 0"))
    }
}

fn at_least(name: &str, v: usize, min: usize) -> Result<(), SnfError> {
    if v >= min {
        Ok(())
    } else {
        Err(SnfError::invalid(
            name,
            v,
            format!("must be at least {min}"),
        ))
    }
}

/// Largest hidden width (beyond it, a 2-core CPU trains for hours).
const MAX_WIDTH: usize = 4096;
/// Most transforms and steps per block (beyond: a typo rather than a plan).
const MAX_COUNT: usize = 100_000;

impl AnnealConfig {
    /// Checks every field (errors name the field, prefixed `prefix`).
    pub fn validate(&self, prefix: &str) -> Result<(), SnfError> {
        at_least(&format!("{prefix}blocks"), self.blocks, 1)?;
        at_least(&format!("{prefix}steps"), self.steps, 1)?;
        for (n, v) in [("blocks", self.blocks), ("steps", self.steps)] {
            if v > MAX_COUNT {
                return Err(SnfError::invalid(
                    format!("{prefix}{n}"),
                    v,
                    format!("at most {MAX_COUNT}"),
                ));
            }
        }
        positive(&format!("{prefix}sigma"), self.sigma)
    }
}

impl SnfConfig {
    /// Checks every field (errors name the field).
    pub fn validate(&self) -> Result<(), SnfError> {
        at_least("flow.transforms", self.flow.transforms, 1)?;
        if self.flow.transforms > MAX_COUNT {
            return Err(SnfError::invalid(
                "flow.transforms",
                self.flow.transforms,
                format!("at most {MAX_COUNT}"),
            ));
        }
        for (i, &w) in self.flow.hidden.iter().enumerate() {
            if w == 0 || w > MAX_WIDTH {
                return Err(SnfError::invalid(
                    format!("flow.hidden[{i}]"),
                    w,
                    format!("hidden widths must be between 1 and {MAX_WIDTH}"),
                ));
            }
        }
        let b = &self.blocks;
        if b.kind != BlockKind::None {
            at_least("blocks.steps", b.steps, 1)?;
            if b.steps > MAX_COUNT {
                return Err(SnfError::invalid(
                    "blocks.steps",
                    b.steps,
                    format!("at most {MAX_COUNT}"),
                ));
            }
        }
        positive("blocks.sigma", b.sigma)?;
        positive("blocks.step_size", b.step_size)?;
        if b.learned_widths && b.kind != BlockKind::Metropolis {
            return Err(SnfError::invalid(
                "blocks.learned_widths",
                true,
                "learned widths are for metropolis blocks",
            ));
        }
        let t = &self.train;
        if !(0.0..=1.0).contains(&t.ml_weight) {
            return Err(SnfError::invalid(
                "train.ml_weight",
                t.ml_weight,
                "must be in [0, 1]",
            ));
        }
        positive("train.lr", t.lr)?;
        at_least("train.batch", t.batch, 1)?;
        if t.iterations() == 0 {
            return Err(SnfError::invalid(
                "train.ml_iterations",
                0,
                "no training at all (ml, mixed and kl iterations are all 0): use `snf-free` for the untrained flow",
            ));
        }
        if t.needs_data() {
            match self.data.source {
                DataSource::None => {
                    return Err(SnfError::invalid(
                        "data.source",
                        "none",
                        "the ml and mixed phases need data: set train.ml_iterations = train.mixed_iterations = 0, or data.source = \"annealed\"",
                    ));
                }
                DataSource::Annealed => at_least("data.n", self.data.n, 1)?,
            }
        }
        self.anneal.validate("anneal.")
    }
}
