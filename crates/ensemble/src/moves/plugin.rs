//! The moves' sampler kinds for the harness registry ([`sampo_core::plugin`]):
//! `stretch`, `walk-move`, `de-move`.
//!
//! **Budget.** A walker's step costs one density evaluation and its start one, so
//! the run is planned as W chains of a fixed-cost kernel
//! ([`sampo_core::plugin::Job::chain_plan`] with `chains = W`): each walker gets
//! the share `budget · n / W`, half of its steps warm up, and the other half are
//! thinned so that ⌈n/W⌉ ensembles are kept, the last at the final step; the
//! output (walker-major) is cut to n samples. Budgets count density evaluations (or
//! total evaluations); a gradient budget is refused by name. **Walkers** and
//! **init**: see [`super::config`]; walkers start at the job's initial positions.

use super::config::{DeMoveConfig, StretchConfig, WalkMoveConfig};
use super::ensemble::{Ensemble, MoveConfig};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, EvalCounts, Outcome, Runner};

/// Steps between observer calls and checkpoints (as the baselines' chains).
const SEGMENT: u64 = 50;

/// Every walker's start and every proposal: one density evaluation.
const ONE_DENSITY: EvalCounts = EvalCounts::density(1);

struct MoveSampler<C> {
    ensemble: Ensemble<C>,
}

impl<C: MoveConfig> Sampler for MoveSampler<C> {
    fn config(&self) -> Table {
        to_table(self.ensemble.config())
    }

    fn needs(&self) -> Needs {
        Needs::DENSITY
    }

    fn warnings(&self, target: &TargetRef<'_>) -> Vec<String> {
        let d = target.dim();
        match self.ensemble.config().walkers() {
            Some(w) if w < 2 * d => vec![format!(
                "{}: {w} walkers in d = {d}; emcee refuses fewer than 2d = {} (the ensemble \
                 spans its space slowly)",
                C::KIND,
                2 * d
            )],
            _ => Vec::new(),
        }
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        target.check(C::KIND, Needs::DENSITY)?;
        let d = target.dim();
        let walkers = self.ensemble.walkers_for(job.n, job.chains, d)?;
        let mut job = job.clone();
        job.chains = Some(walkers);
        let plan = job.chain_plan(Some(ONE_DENSITY), Some(ONE_DENSITY), SEGMENT)?;
        let density = target.density();
        let kernel = self.ensemble.kernel(&density, walkers)?;
        let init = job.initial_positions(walkers, d)?;
        let runner = Runner::population(&kernel, plan)?.count_with(target.counter());
        Ok(control.drive(runner, &init)?.truncated(job.n))
    }
}

/// The entry of move configuration `C`.
fn entry<C: MoveConfig>(description: &'static str) -> SamplerEntry {
    SamplerEntry {
        name: C::KIND,
        description,
        needs: Needs::DENSITY,
        defaults: || to_table(&C::default()),
        build: |t| {
            let config: C = from_table(t)?;
            Ok(Box::new(MoveSampler {
                ensemble: Ensemble::new(config)?,
            }))
        },
    }
}

/// The moves' entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        entry::<StretchConfig>(
            "emcee's affine-invariant stretch move (Goodman & Weare 2010), a = 2, red-blue \
             halves of max(2(d+1), 32) walkers, gradient-free (docs/ensemble.md)",
        ),
        entry::<WalkMoveConfig>(
            "emcee's walk move (Goodman & Weare 2010): Gaussian steps with the complementary \
             half's covariance, gradient-free (docs/ensemble.md)",
        ),
        entry::<DeMoveConfig>(
            "emcee's differential-evolution move (ter Braak 2006), y = x + γ(x_j − x_k), \
             γ₀ = 2.38/√(2d), gradient-free (docs/ensemble.md)",
        ),
    ]
}
