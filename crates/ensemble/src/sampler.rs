//! The validated samplers `Follmer` and `OuEnsemble`: build the kernel for a target
//! and run it.

use crate::config::{
    DEFAULT_INNER_SAMPLES, EstimatorConfig, FollmerConfig, OuEnsembleConfig, Output, PilotConfig,
};
use crate::kernel::{DiffusionKernel, Process, ReferenceSource, SampleSize};
use crate::reference::Reference;
use sampo_core::plugin::{AnyTarget, TargetRef};
use sampo_core::{
    CoreError, Counter, EvalCounts, Outcome, Particles, Run, RunConfig, Runner, Target,
};

/// What both samplers share once validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Diffusion {
    process: Process,
    output: Output,
    estimator: EstimatorConfig,
    scale: Option<f64>,
    center: Option<Vec<f64>>,
    pilot: PilotConfig,
}

impl Diffusion {
    /// The reference source for a target of dimension d.
    fn source(&self, d: usize) -> ReferenceSource {
        match self.scale {
            Some(s) => ReferenceSource::Fixed(Reference {
                center: self.center.clone().unwrap_or_else(|| vec![0.0; d]),
                scale: s,
            }),
            None => ReferenceSource::Pilot(self.pilot),
        }
    }

    /// Posterior-mean estimates per particle.
    pub fn estimates(&self) -> usize {
        self.process.estimates(self.output)
    }

    /// Density evaluations per sample when the config fixes them (given
    /// `inner_samples` and `reference_scale`: no pilot).
    pub fn fixed_cost(&self) -> Option<EvalCounts> {
        match (self.estimator.inner_samples, self.scale) {
            (Some(n), Some(_)) => Some(EvalCounts::density((n * self.estimates()) as u64)),
            _ => None,
        }
    }

    /// The kernel over `target` (counted, kept alive by the caller); `budget`:
    /// total density evaluations of an `n`-particle run, used when the config
    /// leaves `inner_samples` open.
    pub fn kernel<'k>(
        &self,
        target: &'k dyn Target,
        budget: Option<(u64, usize)>,
    ) -> Result<DiffusionKernel<'k>, CoreError> {
        let d = target.dim();
        let size = match (self.estimator.inner_samples, budget) {
            (Some(n), _) => SampleSize::Fixed(n),
            (None, Some((total, n))) => SampleSize::Budget { total, n },
            (None, None) => SampleSize::Fixed(DEFAULT_INNER_SAMPLES),
        };
        DiffusionKernel::new(
            target,
            self.process.clone(),
            self.output,
            self.estimator,
            self.source(d),
            size,
        )
    }

    /// The run configuration of `n` particles: the whole schedule, keeping the
    /// population after its last step; observers and checkpoints after every step.
    pub fn run_config(&self, n: usize, seed: u64) -> RunConfig {
        let len = self.estimates() as u64;
        let mut rc = RunConfig::new(n, 0, len, seed);
        rc.thin = len;
        rc.segment = 1;
        rc
    }

    /// Runs one particle per row of `x0` (the pilot starts from their mean and
    /// spread) with N = `inner_samples` or [`DEFAULT_INNER_SAMPLES`]: the Rust
    /// entry point (the harness goes through the registry).
    pub fn sample(&self, target: &AnyTarget, x0: &Particles, seed: u64) -> Result<Run, CoreError> {
        let counter = Counter::new();
        let t = TargetRef::new(target, &counter);
        let density = t.density();
        let kernel = self.kernel(&density, None)?;
        let runner =
            Runner::population(&kernel, self.run_config(x0.len(), seed))?.count_with(&counter);
        match runner.run(x0)? {
            Outcome::Finished(run) => Ok(run),
            Outcome::Stopped { .. } => unreachable!("no observer can stop this run"),
        }
    }
}

/// The gradient-free Schrödinger–Föllmer sampler, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Follmer {
    config: FollmerConfig,
    diffusion: Diffusion,
}

impl Follmer {
    /// Validates `config` (errors name the field).
    pub fn new(config: FollmerConfig) -> Result<Self, CoreError> {
        config.validate()?;
        let diffusion = Diffusion {
            process: Process::Follmer {
                steps: config.steps,
                integrator: config.integrator,
            },
            output: config.output,
            estimator: config.estimator,
            scale: config.reference_scale,
            center: config.center.clone(),
            pilot: config.pilot,
        };
        Ok(Follmer { config, diffusion })
    }

    /// The configuration.
    pub fn config(&self) -> &FollmerConfig {
        &self.config
    }

    /// The process, estimator and reference, ready to run.
    pub fn diffusion(&self) -> &Diffusion {
        &self.diffusion
    }
}

/// The gradient-free OU reverse diffusion, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct OuEnsemble {
    config: OuEnsembleConfig,
    diffusion: Diffusion,
}

impl OuEnsemble {
    /// Validates `config` (errors name the field).
    pub fn new(config: OuEnsembleConfig) -> Result<Self, CoreError> {
        config.validate()?;
        let diffusion = Diffusion {
            process: Process::Ou {
                times: sampo_rdmc::schedule::times(&config.schedule),
                integrator: config.integrator,
            },
            output: config.output,
            estimator: config.estimator,
            scale: config.reference_scale,
            center: config.center.clone(),
            pilot: config.pilot,
        };
        Ok(OuEnsemble { config, diffusion })
    }

    /// The configuration.
    pub fn config(&self) -> &OuEnsembleConfig {
        &self.config
    }

    /// The process, estimator and reference, ready to run.
    pub fn diffusion(&self) -> &Diffusion {
        &self.diffusion
    }
}
