//! The family's sampler kinds for the harness registry: `sgld`, `dsgld`, `fsgld` (in
//! process).
//!
//! It needs a finite-sum target (`linear-regression`, `logistic-regression`) and a
//! budget in data terms (`--budget data-terms:100000`): a step touches `batch_size`
//! data terms and no full gradient, so it is compared with full-gradient samplers
//! (which touch N terms per gradient) at equal data passes. One independent chain per
//! output sample by default, from the job's initial positions, the first half of each
//! chain's steps warm-up ([`sampo_core::plugin::Job::chain_plan`]). FSGLD fits its
//! surrogates once per run, before the chains start; the fit's data terms come out of
//! the budget ([`sampo_core::plugin::Job::after_setup`]) and are reported with the
//! run's ([`Outcome::with_setup`]; a resumed run refits, deterministically).
//! With a decaying step the output is weighted: each draw by the sum of the steps it
//! stands for ([`crate::Schedule::window_log_weight`]).

use crate::{DsgldConfig, FsgldConfig, Sgld, SgldConfig};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, CostUnit, EvalSource, Kernel, Outcome};
use std::time::Instant;

/// Steps between observer calls (Ctrl-C answers within a fraction of a second).
const SEGMENT: u64 = 200;

enum Config {
    Sgld(SgldConfig),
    Dsgld(DsgldConfig),
    Fsgld(FsgldConfig),
}

struct SgldSampler {
    config: Config,
}

impl Sampler for SgldSampler {
    fn config(&self) -> Table {
        match &self.config {
            Config::Sgld(c) => to_table(c),
            Config::Dsgld(c) => to_table(c),
            Config::Fsgld(c) => to_table(c),
        }
    }

    fn needs(&self) -> Needs {
        Needs::FINITE_SUM
    }

    fn budget_unit(&self) -> CostUnit {
        CostUnit::DataTerms
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        let kind = match &self.config {
            Config::Sgld(_) => "sgld",
            Config::Dsgld(_) => "dsgld",
            Config::Fsgld(_) => "fsgld",
        };
        target.check(kind, Needs::FINITE_SUM)?;
        let t = target.finite_sum()?;
        let before = target.counter().counts();
        let clock = Instant::now();
        let kernel = match &self.config {
            Config::Sgld(c) => Sgld::new(&t, c.clone())?,
            Config::Dsgld(c) => Sgld::dsgld(&t, c.clone())?,
            Config::Fsgld(c) => Sgld::fsgld(&t, c.clone(), job.seed)?,
        };
        let setup = target.counter().counts().since(&before);
        let wall = clock.elapsed().as_secs_f64();
        let job = job.after_setup(setup)?;
        let out = control
            .run_chains(&kernel, &job, &target, SEGMENT)?
            .with_setup(setup, wall);
        let schedule = kernel.config().schedule;
        match out {
            Outcome::Finished(mut run) if !schedule.is_constant() => {
                // Step-weighted draws (Welling & Teh 2011, §4): the plan run_chains
                // used fixes the step after which each draw was kept.
                let plan = job.chain_plan(kernel.init_cost(), kernel.step_cost(), SEGMENT)?;
                let per = run.draws_per_chain as u64;
                let h0 = kernel.config().step_size;
                let weights = (0..run.samples.len() as u64)
                    .map(|r| {
                        let s = plan.warmup + (r % per + 1) * plan.thin;
                        schedule.window_log_weight(h0, s, plan.thin)
                    })
                    .collect();
                run.log_weights = Some(weights);
                Ok(Outcome::Finished(run))
            }
            other => Ok(other),
        }
    }
}

fn build(t: &Table) -> Result<Box<dyn Sampler>, CoreError> {
    let config: SgldConfig = from_table(t)?;
    config.validate()?;
    Ok(Box::new(SgldSampler {
        config: Config::Sgld(config),
    }))
}

fn build_dsgld(t: &Table) -> Result<Box<dyn Sampler>, CoreError> {
    let config: DsgldConfig = from_table(t)?;
    config.validate()?;
    Ok(Box::new(SgldSampler {
        config: Config::Dsgld(config),
    }))
}

fn build_fsgld(t: &Table) -> Result<Box<dyn Sampler>, CoreError> {
    let config: FsgldConfig = from_table(t)?;
    config.validate()?;
    Ok(Box::new(SgldSampler {
        config: Config::Fsgld(config),
    }))
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "sgld",
            description: "stochastic-gradient Langevin (Welling & Teh 2011): minibatch gradients of a \
                      finite sum, constant or polynomial step schedule, optional RMSprop \
                      preconditioning (pSGLD); budget in data terms",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&SgldConfig::default()),
            build,
        },
        SamplerEntry {
            name: "dsgld",
            description: "distributed SGLD (Ahn et al. 2014): chains visiting contiguous shards of a \
                      finite sum, local_steps SGLD steps per visit (round-robin or categorical), \
                      in process; budget in data terms",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&DsgldConfig::default()),
            build: build_dsgld,
        },
        SamplerEntry {
            name: "fsgld",
            description: "federated SGLD (El Mekkaoui et al. 2021): DSGLD plus the conducive gradient \
                      of per-shard Gaussian surrogates (Laplace at the local MAP, or local SGLD \
                      moments) fitted once per run, in process; budget in data terms",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&FsgldConfig::default()),
            build: build_fsgld,
        },
    ]
}
