//! rdMC's sampler kind for the harness registry ([`sampo_core::plugin`]): `rdmc`.
//!
//! **Budget.** rdMC's cost per sample is fixed by its configuration (the schedule's
//! K steps and the inner estimators' sample sizes, [`RdmcConfig::evaluations_per_sample`]),
//! so it does not follow the job's budget: [`Sampler::fixed_cost`] says what it
//! spends, and the harness reports the difference. **Init.** By default particles
//! start from rdMC's own initial law, the Gaussian part of `p_T`; positions given
//! explicitly ([`sampo_core::plugin::Init::Positions`]) replace it. The job's
//! `chains` does not apply (one particle per sample).

use crate::config::{InnerConfig, RdmcConfig};
use crate::sampler::Rdmc;
use sampo_core::plugin::{
    Control, Init, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, EvalCounts, Outcome, Particles, Runner};

/// Largest dimension for which rdMC's importance-sampling score estimates were
/// validated (docs/rdmc.md, "Known limitations": at d = 10 and 32 they are clipped
/// and particles escape).
pub const RDMC_IS_MAX_DIM: usize = 3;

/// A warning when `cfg` estimates scores by importance sampling (`inner.kind = "is"`,
/// or `"mala"` above `is_only_above`) on a target of dimension d > [`RDMC_IS_MAX_DIM`].
pub fn dimension_warning(cfg: &RdmcConfig, d: usize) -> Option<String> {
    let uses_is = match cfg.inner {
        InnerConfig::Is(_) => true,
        InnerConfig::Mala(m) => m.is_only_above.is_some(),
        InnerConfig::Ula(_) => false,
    };
    (uses_is && d > RDMC_IS_MAX_DIM).then(|| {
        format!(
            "rdmc estimates scores by importance sampling, validated only for d <= {RDMC_IS_MAX_DIM}; \
             at d = {d} its estimates are clipped at large t and the output can be far off \
             (docs/rdmc.md, Known limitations)"
        )
    })
}

struct RdmcSampler {
    rdmc: Rdmc,
}

impl Sampler for RdmcSampler {
    fn config(&self) -> Table {
        to_table(self.rdmc.config())
    }

    fn needs(&self) -> Needs {
        Needs::GRADIENT
    }

    fn fixed_cost(&self, _dim: usize) -> Option<EvalCounts> {
        Some(self.rdmc.evaluations_per_sample())
    }

    fn warnings(&self, target: &TargetRef<'_>) -> Vec<String> {
        dimension_warning(self.rdmc.config(), target.dim())
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
        let g = target.gradient()?;
        let d = target.dim();
        let own_init = matches!(job.init, Init::Normal { .. });
        let init = if own_init {
            Particles::zeros(1, d)
        } else {
            job.initial_positions(job.n, d)?
        };
        let kernel = self.rdmc.kernel(&g, own_init);
        let runner = Runner::population(&kernel, self.rdmc.run_config(job.n, job.seed))?
            .count_with(target.counter());
        control.drive(runner, &init)
    }
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![SamplerEntry {
        name: "rdmc",
        description: "reverse diffusion Monte Carlo, default config (docs/rdmc.md); its cost per \
                      sample is fixed by its config, not by the budget",
        needs: Needs::GRADIENT,
        defaults: || to_table(&RdmcConfig::default()),
        build: |t| {
            let c: RdmcConfig = from_table(t)?;
            Ok(Box::new(RdmcSampler {
                rdmc: Rdmc::new(c)?,
            }))
        },
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdmc_warns_above_the_validated_dimension() {
        let c = RdmcConfig::default();
        assert!(dimension_warning(&c, 2).is_none());
        let w = dimension_warning(&c, 32).unwrap();
        assert!(w.contains("d = 32"), "{w}");
        let ula: RdmcConfig = toml::from_str("inner = { kind = \"ula\" }").unwrap();
        assert!(dimension_warning(&ula, 32).is_none());
    }
}
