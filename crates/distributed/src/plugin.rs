//! The family's sampler kinds for the harness registry: `admm`, `d-sgld`, `d-sghmc`,
//! `d-ula`. They need a finite-sum target (`linear-regression`,
//! `logistic-regression`), whose data terms the agents share.
//!
//! **Output and budget.** A run of n samples runs n independent chains (the
//! paper's trials) of the whole network for `iterations` rounds and reports each
//! chain's `agent` sample (or the agents' average). The cost is set by the config,
//! not by the job's budget: per sample, `iterations ×` the data terms of one round
//! (D-ADMMS on a quadratic target: none per round, and two passes over the data
//! once per run for its closed-form proximal plans), which [`Sampler::fixed_cost_on`]
//! states; D-ADMMS's Newton solves on other targets take as many steps as the data
//! need, so their cost is counted, not stated. The harness reports any difference
//! from a budget.
//! **Network.** In process, or over MPI when the program chose it
//! ([`crate::backend::use_mpi`]). **Init.** Agents start from N(0, init_std² I) drawn from their own streams; the
//! job's initial positions and `chains` do not apply.

use crate::config::{AdmmConfig, Common, SghmcConfig, SgldConfig, UlaConfig};
use crate::kernel::Decentralized;
use crate::method::Method;
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, EvalCounts, Outcome, Particles, Runner};

struct DistSampler {
    table: Table,
    method: Method,
    common: Common,
}

impl DistSampler {
    /// The kernel on `target` with n chains, or why not.
    fn kernel<'t>(
        &self,
        target: &'t sampo_core::plugin::FiniteSumView<'t>,
        n: usize,
    ) -> Result<Decentralized<'t, sampo_core::plugin::FiniteSumView<'t>>, CoreError> {
        Ok(Decentralized::with_network(
            target,
            self.method.clone(),
            self.common.clone(),
            n,
            // A closure, not the function: its `Box<dyn Network>` coerces to the
            // kernel's `Box<dyn Network + 't>` only at a call site.
            #[allow(clippy::redundant_closure)]
            |routes| crate::backend::network(routes),
        )?)
    }
}

impl Sampler for DistSampler {
    fn config(&self) -> Table {
        self.table.clone()
    }

    fn needs(&self) -> Needs {
        Needs::FINITE_SUM
    }

    fn fixed_cost(&self, _dim: usize) -> Option<EvalCounts> {
        // Data terms per round depend on the target's N: see `fixed_cost_on`.
        None
    }

    fn fixed_cost_on(&self, target: &TargetRef<'_>) -> Option<EvalCounts> {
        let t = target.finite_sum().ok()?;
        let k = self.kernel(&t, 1).ok()?;
        Some(EvalCounts {
            data_terms: k.terms_per_round()? * self.common.iterations,
            ..EvalCounts::ZERO
        })
    }

    fn setup_cost_on(&self, target: &TargetRef<'_>) -> EvalCounts {
        let Ok(t) = target.finite_sum() else {
            return EvalCounts::ZERO;
        };
        match self.kernel(&t, 1) {
            Ok(k) => EvalCounts {
                data_terms: k.setup_terms(),
                ..EvalCounts::ZERO
            },
            Err(_) => EvalCounts::ZERO,
        }
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        target.check(self.method.name(), Needs::FINITE_SUM)?;
        let t = target.finite_sum()?;
        let kernel = self.kernel(&t, job.n)?;
        let runner =
            Runner::population(&kernel, kernel.run_config(job.seed))?.count_with(target.counter());
        control.drive(runner, &Particles::zeros(job.n, target.dim()))
    }
}

fn build<C>(
    t: &Table,
    validate: fn(&C) -> Result<(), crate::DistributedError>,
    parts: fn(&C) -> (Method, Common),
) -> Result<Box<dyn Sampler>, CoreError>
where
    C: serde::Serialize + serde::de::DeserializeOwned,
{
    let c: C = from_table(t)?;
    validate(&c)?;
    let (method, common) = parts(&c);
    Ok(Box::new(DistSampler {
        table: to_table(&c),
        method,
        common,
    }))
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "admm",
            description: "D-ADMMS (Tzikas et al. 2024): consensus ADMM with a noisy proximal step, \
                          agents on a graph sharing a finite sum (docs/distributed.md); \
                          noise = \"none\" is plain ADMM",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&AdmmConfig::default()),
            build: |t| build(t, AdmmConfig::validate, |c| (Method::from(c), c.common())),
        },
        SamplerEntry {
            name: "d-sgld",
            description: "decentralized SGLD with Metropolis mixing weights (full local gradients)",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&SgldConfig::default()),
            build: |t| build(t, SgldConfig::validate, |c| (Method::from(c), c.common())),
        },
        SamplerEntry {
            name: "d-sghmc",
            description: "decentralized SGHMC with Metropolis mixing weights (full local gradients)",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&SghmcConfig::default()),
            build: |t| build(t, SghmcConfig::validate, |c| (Method::from(c), c.common())),
        },
        SamplerEntry {
            name: "d-ula",
            description: "decentralized ULA (Parayil et al. 2021) with decaying step and consensus weights",
            needs: Needs::FINITE_SUM,
            defaults: || to_table(&UlaConfig::default()),
            build: |t| build(t, UlaConfig::validate, |c| (Method::from(c), c.common())),
        },
    ]
}
