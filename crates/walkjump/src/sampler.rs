//! The validated walk-jump sampler: builds the scores for a target and runs them.

use crate::config::{Output, ScoreConfig, WalkJumpConfig};
use crate::kernel::WalkJumpKernel;
use crate::scores::Scores;
use sampo_core::plugin::{AnyTarget, DensityView, GradView, TargetRef};
use sampo_core::{CoreError, Counter, EvalCounts, Outcome, Particles, Run, RunConfig, Runner};
use sampo_score::PosteriorMean;

/// A validated walk-jump configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkJump {
    config: WalkJumpConfig,
}

impl WalkJump {
    /// Validates `config` (errors name the field).
    pub fn new(config: WalkJumpConfig) -> Result<Self, CoreError> {
        config.validate()?;
        Ok(WalkJump { config })
    }

    /// The configuration.
    pub fn config(&self) -> &WalkJumpConfig {
        &self.config
    }

    /// Target evaluations per output sample, fixed by the configuration: every
    /// smoothed-score estimate ([`WalkJumpConfig::estimates_per_sample`]) costs one
    /// gradient evaluation (analytic), `samples` density evaluations (IS) or
    /// `samples` gradient evaluations (gradient-based IS); a posterior draw at the
    /// end costs one gradient evaluation (analytic) or `samples` density evaluations.
    pub fn evaluations_per_sample(&self) -> EvalCounts {
        let e = self.config.estimates_per_sample();
        let (each, draw) = match self.config.score {
            ScoreConfig::Analytic => (EvalCounts::gradient(1), EvalCounts::gradient(1)),
            ScoreConfig::Is(c) => (
                EvalCounts::density(c.samples as u64),
                EvalCounts::density(c.samples as u64),
            ),
            ScoreConfig::IsGradient(c) => (
                EvalCounts::gradient(c.samples as u64),
                EvalCounts::density(c.samples as u64),
            ),
        };
        match self.config.output {
            Output::Jump => each.times(e),
            Output::PosteriorDraw => each.times(e - 1) + draw,
        }
    }

    /// The run configuration of `n` particles: the M measurement steps, keeping the
    /// population after the last; observers and checkpoints after every step.
    pub fn run_config(&self, n: usize, seed: u64) -> RunConfig {
        let len = self.config.measurements as u64;
        let mut rc = RunConfig::new(n, 0, len, seed);
        rc.thin = len;
        rc.segment = 1;
        rc
    }

    /// The kernel over `target`; `density` and `gradient` are its counted views
    /// (kept alive by the caller). Errors name what the target lacks.
    pub fn kernel<'k>(
        &self,
        target: &TargetRef<'k>,
        density: &'k DensityView<'k>,
        gradient: Option<&'k GradView<'k>>,
    ) -> Result<WalkJumpKernel<'k>, CoreError> {
        let c = &self.config;
        let d = target.dim();
        if d == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        let smoothable = target.smoothable();
        let params = c.resolve(smoothable.map(|s| s.smoothing_geometry()).as_ref())?;
        let sigma2 = params.sigma * params.sigma;
        let scores = match c.score {
            ScoreConfig::Analytic => {
                let s = smoothable.ok_or_else(|| CoreError::Unsupported {
                    reason: "walkjump with score.kind = \"analytic\" needs a target with \
                             closed-form Gaussian smoothing (a Gaussian or Gaussian mixture); \
                             for this target choose a Monte Carlo score: score = { kind = \"is\" } \
                             or { kind = \"is-gradient\" }"
                        .into(),
                })?;
                let levels = (1..=c.measurements)
                    .map(|m| s.smoothed(sigma2 / m as f64))
                    .collect::<Result<Vec<_>, _>>()?;
                Scores::Analytic {
                    levels,
                    counter: target.counter(),
                }
            }
            ScoreConfig::Is(plan) => Scores::Is {
                estimator: PosteriorMean::new(density as &dyn sampo_core::Target, [&plan]),
                plan,
            },
            ScoreConfig::IsGradient(plan) => {
                let g = gradient.ok_or_else(|| CoreError::Unsupported {
                    reason: "walkjump with score.kind = \"is-gradient\" needs the target's \
                             gradient; use score.kind = \"is\" for a density-only target"
                        .into(),
                })?;
                Scores::IsGradient {
                    estimator: PosteriorMean::new(g as &dyn sampo_core::GradTarget, [&plan]),
                    plan,
                }
            }
        };
        Ok(WalkJumpKernel::new(c.clone(), params, scores, d))
    }

    /// Runs particles from `x0` (one row each) on `target`, counting into a fresh
    /// counter: the Rust entry point (the harness goes through the registry).
    pub fn sample(&self, target: &AnyTarget, x0: &Particles, seed: u64) -> Result<Run, CoreError> {
        let counter = Counter::new();
        let t = TargetRef::new(target, &counter);
        let density = t.density();
        let gradient = t.gradient().ok();
        let kernel = self.kernel(&t, &density, gradient.as_ref())?;
        let runner =
            Runner::population(&kernel, self.run_config(x0.len(), seed))?.count_with(&counter);
        match runner.run(x0)? {
            Outcome::Finished(run) => Ok(run),
            Outcome::Stopped { .. } => unreachable!("no observer can stop this run"),
        }
    }
}
