//! The `nuts` kind for the harness registry ([`sampo_core::plugin`]), and how a
//! job's budget becomes NUTS chains ([`plan`]).

use crate::config::{MIN_TUNE, NutsConfig};
use crate::kernel::Nuts;
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, CostUnit, Outcome, RunConfig, Runner, Target};

/// Draws between observer calls: a draw costs up to `max_leapfrog_steps`
/// gradients, so 20 of them answer Ctrl-C promptly on every preset while the
/// per-segment bookkeeping stays invisible.
const SEGMENT: u64 = 20;

/// Gradient evaluations kept aside for nuts-rs's initialization of a chain (it
/// evaluates the initial position, and its step-size search may try a few more),
/// so that tuning still ends inside the warm-up share.
const INIT_MARGIN: u64 = 10;

/// The shortest trajectory cap the plan accepts: 7 leapfrog steps, a tree of
/// depth 3. Below it NUTS degenerates towards a few-step HMC.
const MIN_TRAJECTORY: u64 = 7;

/// At most this fraction of a chain's share (1/20) is kept free for the one draw
/// that may overrun the warm-up and the one that may overrun the sampling phase,
/// so a run spends at least 90 % of its budget and never more.
const OVERRUN_SHARE: u64 = 20;

/// A job's budget as NUTS chains.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The runner's cost-limited plan (in gradient evaluations, or the budget's
    /// unit).
    pub run: RunConfig,
    /// Tuning draws per chain (the config's, or fewer when the budget is small).
    pub num_tune: u64,
    /// The leapfrog steps a draw may take at most.
    pub max_leapfrog_steps: u64,
}

/// The plan of `job` for `config` on a target with `data_terms` data terms per
/// evaluation (0 for targets that are not finite sums).
///
/// Chains: the job's, or ⌈n / samples_per_chain⌉; each gets the share
/// S = budget · n / chains, in gradient evaluations G = S / (cost of one). Half of
/// G is warm-up: initialization, then tuning, whose draws are capped at
/// L = min(2^maxdepth − 1, (G/2 − INIT_MARGIN) / num_tune, G / 20) leapfrog steps,
/// so that tuning always ends inside the warm-up; the rest, less 2L for the two
/// draws that may overrun, is the sampling phase, whose m kept draws are evenly
/// spaced in step index ([`sampo_core::RunConfig::cost_unit`]). A budget too small for [`MIN_TUNE`] tuning draws of
/// 7 leapfrog steps is a named error, as is a unit NUTS never spends.
pub fn plan(job: &Job, config: &NutsConfig, data_terms: u64) -> Result<Plan, CoreError> {
    job.validate()?;
    config.validate()?;
    let unit = job.budget.unit;
    let per_gradient = match unit {
        CostUnit::Gradient | CostUnit::Total => 1,
        CostUnit::DataTerms => data_terms,
        CostUnit::Density => 0,
    };
    if per_gradient == 0 {
        return Err(CoreError::Unsupported {
            reason: format!(
                "budget `{}`: nuts spends no `{unit}` evaluations (each leapfrog step costs one \
                 gradient evaluation); give the budget in gradient or total evaluations",
                job.budget
            ),
        });
    }
    let chains = job
        .chains
        .unwrap_or(job.n.div_ceil(config.samples_per_chain));
    let m = job.n.div_ceil(chains) as u64;
    let share = job.budget.per_sample.saturating_mul(job.n as u64) / chains as u64;
    let g = share / per_gradient;
    let warmup = g / 2;
    let tunable = warmup.saturating_sub(INIT_MARGIN);
    let num_tune = config.num_tune.min(tunable / MIN_TRAJECTORY);
    let by_depth = (1u64 << config.maxdepth) - 1;
    let max_leapfrog_steps = tunable
        .checked_div(num_tune)
        .map_or(0, |per_draw| by_depth.min(per_draw).min(g / OVERRUN_SHARE));
    let sampling = g.saturating_sub(warmup + 2 * max_leapfrog_steps);
    if num_tune < MIN_TUNE || max_leapfrog_steps < 3 || sampling < m {
        // Smallest share that passes: 2·(INIT_MARGIN + MIN_TUNE·7) for the warm-up
        // and 20·7 for the overrun cap.
        let need_g = (2 * (INIT_MARGIN + MIN_TUNE * MIN_TRAJECTORY))
            .max(OVERRUN_SHARE * MIN_TRAJECTORY)
            + 2 * m;
        return Err(CoreError::Unsupported {
            reason: format!(
                "budget `{}` is too small for nuts: each of the {chains} chains gets {g} gradient \
                 evaluations and needs about {need_g} (at least {MIN_TUNE} tuning draws of \
                 {MIN_TRAJECTORY} leapfrog steps in the first half, then {m} draws); give at least \
                 {} per sample, or fewer, longer chains (a larger `samples_per_chain`)",
                job.budget,
                (need_g * chains as u64 * per_gradient).div_ceil(job.n as u64)
            ),
        });
    }
    let thin = sampling / m;
    let mut run = RunConfig::new(
        chains,
        warmup * per_gradient,
        thin * m * per_gradient,
        job.seed,
    );
    run.thin = thin * per_gradient;
    run.cost_unit = Some(unit);
    run.segment = SEGMENT;
    Ok(Plan {
        run,
        num_tune,
        max_leapfrog_steps,
    })
}

struct NutsSampler {
    config: NutsConfig,
}

impl Sampler for NutsSampler {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        Needs::GRADIENT
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        let grad = target.gradient()?;
        let plan = plan(job, &self.config, grad.data_terms())?;
        let kernel = Nuts::new(&grad, &self.config)?
            .with_num_tune(plan.num_tune)
            .with_max_leapfrog_steps(plan.max_leapfrog_steps);
        let init = job.initial_positions(plan.run.chains, target.dim())?;
        let runner = Runner::new(&kernel, plan.run.clone())?.count_with(target.counter());
        let finish = |mut run: sampo_core::Run| -> Result<sampo_core::Run, CoreError> {
            // The plan ends tuning inside the warm-up; a kept tuning draw would mean
            // it did not, and the draws would not be NUTS's stationary chain.
            if run.diagnostics.stats.get("tuning").copied().unwrap_or(0.0) > 0.0 {
                return Err(CoreError::Unsupported {
                    reason: "nuts: tuning did not end inside the warm-up share (a kept draw \
                             was a tuning draw); report this with the job's budget"
                        .into(),
                });
            }
            let stats = &mut run.diagnostics.stats;
            stats.insert("num_tune".into(), plan.num_tune as f64);
            stats.insert("max_leapfrog_steps".into(), plan.max_leapfrog_steps as f64);
            run.truncate(job.n);
            Ok(run)
        };
        Ok(match control.drive(runner, &init)? {
            Outcome::Finished(run) => Outcome::Finished(finish(run)?),
            stopped => stopped,
        })
    }
}

/// The family's entry, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![SamplerEntry {
        name: "nuts",
        description: "No-U-Turn sampler (nuts-rs), diagonal mass-matrix and step-size adaptation \
                      (400 tuning draws, target acceptance 0.8, max depth 10); for unimodal \
                      targets (docs/nuts.md)",
        needs: Needs::GRADIENT,
        defaults: || to_table(&NutsConfig::default()),
        build: |t| {
            let config: NutsConfig = from_table(t)?;
            config.validate()?;
            Ok(Box::new(NutsSampler { config }))
        },
    }]
}
