//! A job: how many samples, at which cost per sample, from where.
//!
//! **Budget.** Samplers are compared at a matched cost *per output sample*, in the
//! unit that fits them: gradient evaluations (the default), density evaluations,
//! total evaluations or data terms ([`crate::CostUnit`]). Wall-clock budgets are
//! resolved by the harness into one of these before a sampler runs.
//!
//! **Chain plans** ([`Job::chain_plan`]). A run producing n samples with C chains
//! (default C = n: one independent chain per sample, as ZOD-MC and SLIPS run their
//! baselines) gives each chain the share `budget · n / C`. For a kernel with a fixed
//! cost per step (`c` in the budget's unit, initialization `c₀`) that is
//! `S = (share − c₀) / c` steps: the first half is warm-up, and the second half is
//! thinned so that each chain keeps ⌈n/C⌉ draws, the last at step S. A kernel of
//! variable cost runs cost-limited instead ([`crate::RunConfig::cost_unit`]): half
//! of its share in warm-up, then the other half in sampling steps, of which ⌈n/C⌉
//! evenly spaced in step index are kept.

use crate::{CoreError, CostUnit, EvalCounts, Particles, RunConfig, rng};
use serde::{Deserialize, Serialize};

/// A cost per output sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// What is counted.
    pub unit: CostUnit,
    /// How many per output sample.
    pub per_sample: u64,
}

impl Budget {
    /// `per_sample` gradient evaluations per sample.
    pub fn gradient(per_sample: u64) -> Self {
        Budget {
            unit: CostUnit::Gradient,
            per_sample,
        }
    }
}

impl std::fmt::Display for Budget {
    /// `1000` for gradient budgets (the default unit), `density:50000` otherwise.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.unit {
            CostUnit::Gradient => write!(f, "{}", self.per_sample),
            u => write!(f, "{u}:{}", self.per_sample),
        }
    }
}

impl std::str::FromStr for Budget {
    type Err = String;
    /// `1000` (gradient evaluations), `gradient:1000`, `density:50000`,
    /// `total:2000`, `data-terms:100000`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (unit, count) = match s.split_once(':') {
            Some((u, c)) => (
                CostUnit::from_name(u.trim()).ok_or_else(|| {
                    format!(
                        "unknown budget unit `{u}`; valid: gradient, density, total, data-terms (seconds: in the harness)"
                    )
                })?,
                c,
            ),
            None => (CostUnit::Gradient, s),
        };
        let per_sample: u64 = count.trim().parse().map_err(|_| {
            format!("budget `{s}`: `{count}` is not a whole number of evaluations per sample")
        })?;
        Ok(Budget { unit, per_sample })
    }
}

/// Where chains (or particles) start.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// N(0, scale² I), row i from the stream `(seed ^ INIT_SALT, i)`.
    Normal {
        /// The standard deviation.
        scale: f64,
    },
    /// Given positions (one row per chain, or one row for all).
    Positions(Particles),
}

/// Salt for the initial-position streams, so they differ from the chains' streams.
pub const INIT_SALT: u64 = 0x1A17_5A17;

/// What to produce and at which cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Output samples.
    pub n: usize,
    /// Cost per output sample.
    pub budget: Budget,
    /// Chains (default n; population samplers run n particles and ignore it).
    pub chains: Option<usize>,
    /// Master seed.
    pub seed: u64,
    /// Initial positions.
    pub init: Init,
}

impl Job {
    /// A job of `n` samples at `budget` with one chain per sample from N(0, I).
    pub fn new(n: usize, budget: Budget, seed: u64) -> Self {
        Job {
            n,
            budget,
            chains: None,
            seed,
            init: Init::Normal { scale: 1.0 },
        }
    }

    /// The job left after a setup phase spent `setup` (a surrogate fitted once per
    /// run, [`crate::Outcome::with_setup`]): the budget's total `per_sample · n` less
    /// the setup's count in the budget's unit, spread over the samples (rounded down,
    /// so the whole run stays within the budget). An error names the budget when the
    /// setup leaves less than one evaluation per sample.
    pub fn after_setup(&self, setup: EvalCounts) -> Result<Job, CoreError> {
        let unit = self.budget.unit;
        let total = self.budget.per_sample.saturating_mul(self.n as u64);
        let spent = setup.in_unit(unit);
        let per_sample = total.saturating_sub(spent) / self.n as u64;
        if per_sample == 0 {
            return Err(CoreError::Unsupported {
                reason: format!(
                    "budget `{}` is too small: the setup spends {spent} `{unit}` evaluations \
                     of the run's {total}, leaving less than one per sample",
                    self.budget
                ),
            });
        }
        Ok(Job {
            budget: Budget { unit, per_sample },
            ..self.clone()
        })
    }

    /// Checks the fields (errors name them).
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.n == 0 {
            return Err(CoreError::invalid("n", 0, "must be >= 1"));
        }
        if self.budget.per_sample == 0 {
            return Err(CoreError::invalid(
                "budget",
                self.budget,
                "must be >= 1 evaluation per sample",
            ));
        }
        if let Some(c) = self.chains
            && (c == 0 || c > self.n)
        {
            return Err(CoreError::invalid(
                "chains",
                c,
                format!("must be in 1..=n (n = {})", self.n),
            ));
        }
        match &self.init {
            Init::Normal { scale } => {
                crate::validate::positive("init_scale", *scale)?;
            }
            Init::Positions(p) => {
                if p.is_empty() {
                    return Err(CoreError::invalid("init", "no rows", "needs positions"));
                }
                crate::validate::all_finite("init", p.as_slice())?;
            }
        }
        Ok(())
    }

    /// Chains of a per-chain kernel (default: one per sample).
    pub fn chain_count(&self) -> usize {
        self.chains.unwrap_or(self.n)
    }

    /// `count` initial positions in dimension d (see [`Init`]); given positions must
    /// have `count` rows or one.
    pub fn initial_positions(&self, count: usize, d: usize) -> Result<Particles, CoreError> {
        match &self.init {
            Init::Normal { scale } => {
                let mut p = Particles::zeros(count, d);
                for i in 0..count {
                    let mut r = rng::stream(self.seed ^ INIT_SALT, i as u64);
                    let row = p.row_mut(i);
                    rng::fill_standard_normal(&mut r, row);
                    row.iter_mut().for_each(|v| *v *= scale);
                }
                Ok(p)
            }
            Init::Positions(p) => {
                if p.dim() != d {
                    return Err(CoreError::dim("initial positions", d, p.dim()));
                }
                if p.len() == count {
                    Ok(p.clone())
                } else if p.len() == 1 {
                    Ok(Particles::repeat(p.row(0), count))
                } else {
                    Err(CoreError::dim(
                        "number of initial positions",
                        count,
                        p.len(),
                    ))
                }
            }
        }
    }

    /// The run plan of independent chains for this job (see the module docs), for
    /// a kernel whose initialization and steps cost `init_cost` and `step_cost`
    /// when fixed (`None`: variable, the run is then cost-limited). Fails, naming
    /// the unit, when the kernel's fixed steps spend nothing in the budget's unit.
    pub fn chain_plan(
        &self,
        init_cost: Option<EvalCounts>,
        step_cost: Option<EvalCounts>,
        segment: u64,
    ) -> Result<RunConfig, CoreError> {
        self.validate()?;
        let unit = self.budget.unit;
        let c = self.chain_count();
        let m = self.n.div_ceil(c) as u64;
        let share = self.budget.per_sample.saturating_mul(self.n as u64) / c as u64;
        let mut rc = match (init_cost, step_cost) {
            (Some(init), Some(step)) => {
                let per_step = step.in_unit(unit);
                if per_step == 0 {
                    return Err(CoreError::Unsupported {
                        reason: format!(
                            "budget `{}`: this sampler spends no `{unit}` evaluations per step \
                             (a step costs {} gradient, {} density evaluations); give the budget \
                             in a unit it spends",
                            self.budget, step.gradient, step.density
                        ),
                    });
                }
                let steps = share.saturating_sub(init.in_unit(unit)) / per_step;
                if steps < m {
                    return Err(CoreError::Unsupported {
                        reason: format!(
                            "budget `{}` is too small: each of the {c} chains must keep {m} draw(s), \
                             which takes {} `{unit}` evaluations at initialization and {per_step} per step, \
                             at least {} per sample",
                            self.budget,
                            init.in_unit(unit),
                            ((init.in_unit(unit) + m * per_step) * c as u64)
                                .div_ceil(self.n as u64)
                        ),
                    });
                }
                let sampling = steps - steps / 2;
                let thin = (sampling / m).max(1);
                let draws = thin * m;
                let mut rc = RunConfig::new(c, steps - draws, draws, self.seed);
                rc.thin = thin;
                rc
            }
            _ => {
                let warmup = share / 2;
                let thin = ((share - warmup) / m).max(1);
                let mut rc = RunConfig::new(c, warmup, thin * m, self.seed);
                rc.thin = thin;
                rc.cost_unit = Some(unit);
                rc
            }
        };
        rc.segment = segment;
        Ok(rc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_is_taken_from_the_whole_budget() {
        let job = Job::new(4, "data-terms:100".parse().unwrap(), 1);
        // 400 in all, 50 spent: 350 left, 87 per sample (348 ≤ 350).
        let setup = EvalCounts {
            data_terms: 50,
            gradient: 7,
            ..EvalCounts::ZERO
        };
        let after = job.after_setup(setup).unwrap();
        assert_eq!(after.budget.per_sample, 87);
        assert_eq!(after.budget.unit, CostUnit::DataTerms);
        assert_eq!((after.n, after.seed), (4, 1));
        // Another unit's evaluations do not count against this budget.
        let free = EvalCounts::gradient(1000);
        assert_eq!(job.after_setup(free).unwrap().budget.per_sample, 100);
        let all = EvalCounts {
            data_terms: 397,
            ..EvalCounts::ZERO
        };
        let err = job.after_setup(all).unwrap_err().to_string();
        assert!(err.contains("budget") && err.contains("397"), "{err}");
    }

    #[test]
    fn budgets_parse_in_every_unit() {
        assert_eq!("1000".parse::<Budget>().unwrap(), Budget::gradient(1000));
        let b: Budget = "density:50000".parse().unwrap();
        assert_eq!((b.unit, b.per_sample), (CostUnit::Density, 50_000));
        assert_eq!(b.to_string(), "density:50000");
        assert_eq!(Budget::gradient(7).to_string(), "7");
        assert!(
            "total:2x"
                .parse::<Budget>()
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            "watts:3"
                .parse::<Budget>()
                .unwrap_err()
                .contains("unknown budget unit")
        );
    }

    #[test]
    fn fixed_cost_plan_spends_the_budget() {
        let g1 = Some(EvalCounts::gradient(1));
        // One chain per sample: budget − 1 steps (plus the initial evaluation).
        let job = Job::new(100, Budget::gradient(1000), 1);
        let p = job.chain_plan(g1, g1, 50).unwrap();
        assert_eq!((p.chains, p.total_steps(), p.kept()), (100, 999, 1));
        // 10 chains × 10 draws each.
        let p = Job {
            chains: Some(10),
            ..job.clone()
        }
        .chain_plan(g1, g1, 50)
        .unwrap();
        assert_eq!((p.chains, p.kept()), (10, 10));
        assert!(p.total_steps() < 10_000 && p.total_steps() >= 9000);
        // A unit the kernel never spends is refused by name.
        let e = Job {
            budget: "density:1000".parse().unwrap(),
            ..job.clone()
        }
        .chain_plan(g1, g1, 50)
        .unwrap_err()
        .to_string();
        assert!(e.contains("`density`"), "{e}");
        // Variable cost: a cost-limited plan.
        let p = Job {
            budget: "density:1000".parse().unwrap(),
            ..job.clone()
        }
        .chain_plan(None, None, 50)
        .unwrap();
        assert_eq!(p.cost_unit, Some(CostUnit::Density));
        assert_eq!((p.warmup, p.draws, p.kept()), (500, 500, 1));
        // Small budgets are spent exactly, never exceeded.
        let p = Job {
            budget: Budget::gradient(2),
            ..job.clone()
        }
        .chain_plan(g1, g1, 50)
        .unwrap();
        assert_eq!((p.total_steps(), p.warmup, p.kept()), (1, 0, 1));
        let e = Job {
            budget: Budget::gradient(1),
            ..job.clone()
        }
        .chain_plan(g1, g1, 50)
        .unwrap_err()
        .to_string();
        assert!(e.contains("too small"), "{e}");
        assert!(
            Job {
                chains: Some(101),
                ..job
            }
            .validate()
            .is_err()
        );
    }
}
