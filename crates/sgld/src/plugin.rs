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

use crate::{DsgldConfig, FsgldConfig, Sgld, SgldConfig, Workers};
use sampo_core::plugin::{
    Control, FiniteSumView, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table,
    to_table,
};
use sampo_core::{CoreError, CostUnit, EvalSource, Kernel, Outcome, Runner};
use std::time::Instant;

/// Steps between observer calls (Ctrl-C answers within a fraction of a second).
const SEGMENT: u64 = 200;

enum Config {
    Sgld(SgldConfig),
    Dsgld(DsgldConfig),
    Fsgld(FsgldConfig),
}

/// A run's kernel: independent SGLD chains, or DSGLD/FSGLD chains on workers.
enum Built<'t> {
    Chains(Sgld<&'t FiniteSumView<'t>>),
    Workers(Workers<'static, &'t FiniteSumView<'t>>),
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
        // DSGLD and FSGLD run on workers (in process, or MPI when the program chose
        // it); FSGLD's surrogates are fitted there.
        let network = |routes| sampo_distributed::backend::network(routes);
        let built = match &self.config {
            Config::Sgld(c) => Built::Chains(Sgld::new(&t, c.clone())?),
            Config::Dsgld(c) => Built::Workers(Workers::dsgld(&t, c.clone(), network)?),
            Config::Fsgld(c) => Built::Workers(Workers::fsgld(&t, c.clone(), job.seed, network)?),
        };
        let local_setup = target.counter().counts().since(&before);
        let wall = clock.elapsed().as_secs_f64();
        // The budget is the whole network's: every process's setup comes out of it.
        let (setup, chains) = match &built {
            Built::Workers(w) => (w.sum_counts(local_setup)?, w.kernel()),
            Built::Chains(k) => (local_setup, k),
        };
        let job = job.after_setup(setup)?;
        let plan = job.chain_plan(chains.init_cost(), chains.step_cost(), SEGMENT)?;
        let schedule = chains.config().schedule;
        let h0 = chains.config().step_size;
        let out = match built {
            Built::Workers(w) => {
                let init = job.initial_positions(plan.chains, target.dim())?;
                let w = w.keeping(&plan);
                let runner = Runner::population(&w, plan.clone())?.count_with(target.counter());
                control.drive(runner, &init)?.truncated(job.n)
            }
            Built::Chains(k) => control.run_chains(&k, &job, &target, SEGMENT)?,
        }
        .with_setup(local_setup, wall);
        match out {
            Outcome::Finished(mut run) if !schedule.is_constant() => {
                // Step-weighted draws (Welling & Teh 2011, §4): the plan fixes the
                // step after which each draw was kept.
                let per = run.draws_per_chain as u64;
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
                      the shards on workers in process or over MPI (`--network mpi`), the chains \
                      travelling; budget in data terms",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&DsgldConfig::default()),
            build: build_dsgld,
        },
        SamplerEntry {
            name: "fsgld",
            description: "federated SGLD (El Mekkaoui et al. 2021): DSGLD plus the conducive gradient \
                      of per-shard Gaussian surrogates (Laplace at the local MAP, or local SGLD \
                      moments) fitted once per run on the workers and shared, in process or over \
                      MPI; budget in data terms",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&FsgldConfig::default()),
            build: build_fsgld,
        },
    ]
}
