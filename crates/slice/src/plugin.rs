//! The family's sampler kinds for the harness registry ([`sampo_core::plugin`]):
//! `gpss`, `hruss`, `elliptical`, `elliptical-naive`, `slice`.
//!
//! All are variable-cost, density-only kernels: a job runs cost-limited (one chain
//! per sample unless the job sets its chains; half of each chain's share is
//! warm-up, the rest sampling, its draws evenly spaced in step index; see
//! [`sampo_core::plugin::Job::chain_plan`]). A gradient budget is refused by name.

use crate::config::{EllipticalConfig, GpssConfig, HrussConfig, UnivariateConfig};
use crate::{Elliptical, Gpss, Hruss, Univariate};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, CostUnit, Kernel, Outcome, Target};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Iterations between observer calls: an iteration costs a few to a few hundred
/// evaluations, so 10 answer Ctrl-C promptly (and let a checkpoint land inside a
/// short run) at no measurable bookkeeping cost.
const SEGMENT: u64 = 10;

/// Runs `kernel` for `job` (see the module docs).
fn drive<K: Kernel>(
    kernel: &K,
    target: &TargetRef<'_>,
    job: &Job,
    control: Control<'_>,
) -> Result<Outcome, CoreError> {
    let unit = job.budget.unit;
    let spends = match unit {
        CostUnit::Density | CostUnit::Total => true,
        CostUnit::Gradient => false,
        CostUnit::DataTerms => target.density().data_terms() > 0,
    };
    if !spends {
        return Err(CoreError::Unsupported {
            reason: format!(
                "budget `{}`: slice samplers spend no `{unit}` evaluations (they evaluate the \
                 density only); give the budget in density or total evaluations",
                job.budget
            ),
        });
    }
    control.run_chains(kernel, job, target, SEGMENT)
}

/// A config that builds its kernel on a target and runs a job with it.
trait SliceKind: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Builds the kernel on `density` and runs `job`.
    fn run(
        &self,
        density: &dyn Target,
        target: &TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError>;
}

/// `SliceKind` for a config whose kernel is built by `Kernel::new(target, &config)`.
macro_rules! slice_kind {
    ($($config:ty => $kernel:ident),* $(,)?) => {$(
        impl SliceKind for $config {
            fn run(
                &self,
                t: &dyn Target,
                r: &TargetRef<'_>,
                j: &Job,
                c: Control<'_>,
            ) -> Result<Outcome, CoreError> {
                drive(&$kernel::new(t, self)?, r, j, c)
            }
        }
    )*};
}

slice_kind!(
    GpssConfig => Gpss,
    HrussConfig => Hruss,
    EllipticalConfig => Elliptical,
    UnivariateConfig => Univariate,
);

struct SliceSampler<C> {
    config: C,
}

impl<C: SliceKind> Sampler for SliceSampler<C> {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        Needs::DENSITY
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        let density = target.density();
        self.config.run(&density, &target, job, control)
    }
}

/// Builds a sampler of kind `C` from its table, checking the config against a
/// 2-D stand-in (dimension-dependent fields are checked again at run time).
fn build<C: SliceKind>(
    t: &Table,
    check: fn(&C) -> Result<(), CoreError>,
) -> Result<Box<dyn Sampler>, CoreError> {
    let config: C = from_table(t)?;
    check(&config)?;
    Ok(Box::new(SliceSampler { config }))
}

fn check_gpss(c: &GpssConfig) -> Result<(), CoreError> {
    crate::config::check_common("gpss", c.w, c.max_proposals)
}
fn check_hruss(c: &HrussConfig) -> Result<(), CoreError> {
    crate::config::check_common("hruss", c.w, c.max_proposals)
}
fn check_elliptical(c: &EllipticalConfig) -> Result<(), CoreError> {
    crate::config::check_common("elliptical", None, c.max_proposals)?;
    if let Some(v) = c.prior.variance {
        sampo_core::validate::positive("elliptical.prior.variance", v)?;
    }
    Ok(())
}
fn check_naive(c: &EllipticalConfig) -> Result<(), CoreError> {
    if c.prior != crate::config::PriorConfig::default() {
        return Err(CoreError::invalid(
            "elliptical-naive.prior",
            "given",
            "the naive variant's prior is N(0, I); use kind `elliptical` for another prior",
        ));
    }
    check_elliptical(c)
}
fn check_slice(c: &UnivariateConfig) -> Result<(), CoreError> {
    crate::config::check_common("slice", Some(c.w), c.max_proposals)
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "gpss",
            description: "Gibbsian polar slice sampling (Schär et al. 2023), window max(1, √d), \
                          density evaluations only (docs/slice.md)",
            needs: Needs::DENSITY,
            defaults: || to_table(&GpssConfig::default()),
            build: |t| build::<GpssConfig>(t, check_gpss),
        },
        SamplerEntry {
            name: "hruss",
            description: "hit-and-run uniform slice sampling, window max(1, √d) (docs/slice.md)",
            needs: Needs::DENSITY,
            defaults: || to_table(&HrussConfig::default()),
            build: |t| build::<HrussConfig>(t, check_hruss),
        },
        SamplerEntry {
            name: "elliptical",
            description: "elliptical slice sampling (Murray et al. 2010) with a Gaussian prior \
                          `prior = { mean, variance | variances | cov }` (docs/slice.md)",
            needs: Needs::DENSITY,
            defaults: || to_table(&EllipticalConfig::default()),
            build: |t| build::<EllipticalConfig>(t, check_elliptical),
        },
        SamplerEntry {
            name: "elliptical-naive",
            description: "elliptical slice sampling with the prior N(0, I), for any target \
                          (the GPSS paper's naive ESS)",
            needs: Needs::DENSITY,
            defaults: || to_table(&EllipticalConfig::default()),
            build: |t| build::<EllipticalConfig>(t, check_naive),
        },
        SamplerEntry {
            name: "slice",
            description: "Neal's univariate stepping-out slice sampler, coordinate by coordinate, \
                          window 1 (docs/slice.md)",
            needs: Needs::DENSITY,
            defaults: || to_table(&UnivariateConfig::default()),
            build: |t| build::<UnivariateConfig>(t, check_slice),
        },
    ]
}
