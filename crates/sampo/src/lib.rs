#![doc = include_str!("../../../README.md")]
//!
//! ## Crate map
//!
//! The facade re-exports the workspace crates under short names:
//! [`core`] (contracts, runner, plug-in contract), [`targets`], [`langevin`],
//! [`score`] (the shared posterior-mean estimators), [`rdmc`], [`baselines`] (SMC,
//! AIS, parallel tempering), [`nuts`] (NUTS through nuts-rs), [`slice`] (GPSS and the slice samplers), [`walkjump`] (walk-jump sampling), [`ensemble`] (gradient-free Föllmer/OU ensembles and emcee moves), [`distributed`] (D-ADMMS and the decentralized Langevin baselines), [`sgld`] (stochastic-gradient Langevin), [`metrics`], and a
//! [`prelude`] with what a typical program needs (every sampler family included).

pub use sampo_baselines as baselines;
pub use sampo_core as core;
pub use sampo_distributed as distributed;
pub use sampo_ensemble as ensemble;
pub use sampo_langevin as langevin;
pub use sampo_metrics as metrics;
pub use sampo_nuts as nuts;
pub use sampo_rdmc as rdmc;
pub use sampo_score as score;
pub use sampo_sgld as sgld;
pub use sampo_slice as slice;
pub use sampo_snf as snf;
pub use sampo_targets as targets;
pub use sampo_walkjump as walkjump;

/// `use sampo::prelude::*;` brings the traits, the runner and every sampler family.
pub mod prelude {
    pub use sampo_baselines::{Ais, AisConfig, Model, Pt, PtConfig, Reference, Smc, SmcConfig};
    pub use sampo_core::{
        CoreError, CostUnit, Counted, Drift, EvalCounts, EvalSource, ExactSampler, FiniteSumTarget,
        GradTarget, Kernel, Observer, Outcome, Particles, PopulationKernel, Progress, Run,
        RunConfig, Runner, Smoothable, StopAfter, StopFlag, Target,
    };
    pub use sampo_distributed::{AdmmConfig, GraphSpec, kernel::Decentralized};
    pub use sampo_ensemble::moves::{DeMoveConfig, Ensemble, StretchConfig, WalkMoveConfig};
    pub use sampo_ensemble::{Follmer, FollmerConfig, OuEnsemble, OuEnsembleConfig};
    pub use sampo_langevin::{
        DualAveraging, LangevinConfig, Mala, MalaConfig, Splitting, Ula, UlaConfig, Underdamped,
        UnderdampedConfig,
    };
    pub use sampo_metrics::ess::{ess, mcse_mean};
    pub use sampo_nuts::{Nuts, NutsConfig};
    pub use sampo_rdmc::{Rdmc, RdmcConfig};
    pub use sampo_sgld::{Preconditioner, Schedule, Sgld, SgldConfig};
    pub use sampo_slice::{
        Elliptical, EllipticalConfig, Gpss, GpssConfig, Hruss, HrussConfig, Univariate,
        UnivariateConfig,
    };
    pub use sampo_targets::{TargetConfig, preset};
    pub use sampo_walkjump::{WalkJump, WalkJumpConfig};
}
