//! The family's sampler kind for the harness registry ([`sampo_core::plugin`]):
//! `walkjump`.
//!
//! **Budget.** The cost per sample is fixed by the configuration (M measurements,
//! their walk steps and the score's sample size,
//! [`WalkJump::evaluations_per_sample`]): [`Sampler::fixed_cost`] says what it
//! spends and the harness reports the difference from the job's budget. The
//! defaults spend 984 gradient evaluations per sample, the ~1000 the benchmarks
//! compare at. **Init.** Particles start at the job's initial positions (one per
//! sample; `chains` does not apply).

use crate::config::{ScoreConfig, WalkJumpConfig};
use crate::sampler::WalkJump;
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, EvalCounts, Outcome, Runner};

/// Largest dimension in which walk-jump's Monte Carlo scores were validated (the
/// paper's Appendix H: estimated scores work in d = 2 and deteriorate by d = 8).
pub const MC_SCORE_MAX_DIM: usize = 4;

struct WalkJumpSampler {
    walkjump: WalkJump,
}

impl Sampler for WalkJumpSampler {
    fn config(&self) -> Table {
        to_table(self.walkjump.config())
    }

    fn needs(&self) -> Needs {
        match self.walkjump.config().score {
            ScoreConfig::Analytic => Needs::SMOOTHING,
            ScoreConfig::Is(_) => Needs::DENSITY,
            ScoreConfig::IsGradient(_) => Needs::GRADIENT,
        }
    }

    fn fixed_cost(&self, _dim: usize) -> Option<EvalCounts> {
        Some(self.walkjump.evaluations_per_sample())
    }

    fn warnings(&self, target: &TargetRef<'_>) -> Vec<String> {
        let d = target.dim();
        let mc = self.walkjump.config().score != ScoreConfig::Analytic;
        (mc && d > MC_SCORE_MAX_DIM)
            .then(|| {
                format!(
                    "walkjump estimates its smoothed scores by importance sampling, validated \
                     only for d <= {MC_SCORE_MAX_DIM}; at d = {d} the estimates deteriorate \
                     (the paper's Appendix H)"
                )
            })
            .into_iter()
            .collect()
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        target.check("walkjump", self.needs())?;
        let d = target.dim();
        let init = job.initial_positions(job.n, d)?;
        let density = target.density();
        let gradient = target.gradient().ok();
        let kernel = self.walkjump.kernel(&target, &density, gradient.as_ref())?;
        let runner = Runner::population(&kernel, self.walkjump.run_config(job.n, job.seed))?
            .count_with(target.counter());
        control.drive(runner, &init)
    }
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![SamplerEntry {
        name: "walkjump",
        description: "walk-jump sampling, the chain of log-concave Markov chains (OAT; \
                      docs/walkjump.md); analytic smoothed scores by default, its cost per \
                      sample fixed by its config",
        needs: Needs::SMOOTHING,
        defaults: || to_table(&WalkJumpConfig::default()),
        build: |t| {
            let c: WalkJumpConfig = from_table(t)?;
            Ok(Box::new(WalkJumpSampler {
                walkjump: WalkJump::new(c)?,
            }))
        },
    }]
}
