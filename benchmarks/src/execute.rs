//! One sampler on one target for one job: the budget resolved (a wall-clock budget
//! by a pilot, see [`crate::budget`]), the target counted in every unit, the run's
//! failure turned into a status rather than an error, and the cost checked against
//! the budget.
//!
//! **Failures are results.** Whatever a sampler's run returns as an error (a
//! divergence, a failed inner estimate, a numerical failure) becomes
//! [`Status::Failed`] with its message, so a suite records it as a row and goes on;
//! so does a finished run whose samples left every plausible range of the target
//! ([`crate::validity`]). Only the harness's own failures (files it cannot write)
//! are errors here.
//!
//! **Budget check.** The cost per sample in the budget's unit (seconds for a
//! wall-clock budget) is compared with the request; a difference above
//! [`BUDGET_TOLERANCE`] is reported in [`Executed::budget_note`], with the reason
//! when the sampler's cost is fixed by its configuration.

use crate::budget::BudgetSpec;
use crate::spec::{SamplerSpec, TargetHandle};
use sampo_core::plugin::{Budget, Control, Init, Job, TargetRef};
use sampo_core::{CostUnit, Counter, EvalCounts, EvalSource, Observer, Outcome, Run};
use std::time::Instant;

/// Relative difference between the requested and the spent cost above which a row
/// is marked.
pub const BUDGET_TOLERANCE: f64 = 0.10;

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Finished with `n` samples.
    Ok,
    /// The sampler failed; why.
    Failed(String),
    /// Stopped by an observer (Ctrl-C) before finishing.
    Interrupted,
}

impl Status {
    /// `ok`, the failure message, or `interrupted`.
    pub fn text(&self) -> String {
        match self {
            Status::Ok => "ok".into(),
            Status::Failed(m) => m.clone(),
            Status::Interrupted => "interrupted".into(),
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Request {
    /// Output samples.
    pub n: usize,
    /// Budget per output sample.
    pub budget: BudgetSpec,
    /// Chains (default: one per sample).
    pub chains: Option<usize>,
    /// Seed.
    pub seed: u64,
    /// Chains start at N(0, init_scale² I).
    pub init_scale: f64,
}

impl Request {
    /// `n` samples, one chain each from N(0, I), at `per_sample` evaluations per
    /// sample in the sampler's primary unit (gradient evaluations if it needs the
    /// gradient, else density evaluations): the figures' equal-cost request.
    pub fn in_primary_unit(sampler: &SamplerSpec, n: usize, per_sample: u64, seed: u64) -> Self {
        Request {
            n,
            budget: BudgetSpec::Evals(Budget {
                unit: primary_unit(sampler),
                per_sample,
            }),
            chains: None,
            seed,
            init_scale: 1.0,
        }
    }

    fn job(&self, budget: Budget) -> Job {
        Job {
            n: self.n,
            budget,
            chains: self.chains,
            seed: self.seed,
            init: Init::Normal {
                scale: self.init_scale,
            },
        }
    }
}

/// One executed job.
pub struct Executed {
    /// The run (absent when the sampler failed).
    pub run: Option<Run>,
    /// How it ended.
    pub status: Status,
    /// Evaluations counted (by unit), including a failed run's.
    pub evaluations: EvalCounts,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// The evaluation budget the sampler was given (a seconds budget resolved).
    pub resolved: Option<Budget>,
    /// Why the cost differs from the budget by more than [`BUDGET_TOLERANCE`].
    pub budget_note: Option<String>,
    /// The sampler's warnings about this target.
    pub warnings: Vec<String>,
}

impl Executed {
    /// The cost per sample in the budget's unit (seconds per sample for a
    /// wall-clock budget).
    pub fn per_sample(&self, budget: &BudgetSpec, n: usize) -> f64 {
        match budget {
            BudgetSpec::Evals(b) => self.evaluations.in_unit(b.unit) as f64 / n as f64,
            BudgetSpec::Seconds(_) => self.wall_s / n as f64,
        }
    }
}

/// The unit a sampler's wall-clock pilot counts in: gradient evaluations if it
/// needs a gradient, else density evaluations.
fn primary_unit(s: &SamplerSpec) -> CostUnit {
    if s.built.sampler.needs().gradient {
        CostUnit::Gradient
    } else {
        CostUnit::Density
    }
}

/// Runs `sampler` on `target` for `req`, with `observers` (progress, Ctrl-C).
pub fn execute<'a>(
    target: &TargetHandle,
    sampler: &SamplerSpec,
    req: &Request,
    observers: Vec<Box<dyn Observer + 'a>>,
) -> Executed {
    let counter = Counter::new();
    let view = TargetRef::new(&target.target, &counter);
    let s = sampler.built.sampler.as_ref();
    let warnings = s.warnings(&view);
    let fixed = s
        .fixed_cost_on(&view)
        .map(|per| (per, s.setup_cost_on(&view)));
    let t0 = Instant::now();
    let resolved = match req.budget {
        BudgetSpec::Evals(b) => Ok(b),
        BudgetSpec::Seconds(_) if fixed.is_some() => {
            // The config fixes the cost: run it as it is, and report the time.
            Ok(Budget::gradient(1))
        }
        BudgetSpec::Seconds(secs) => pilot(target, sampler, req, secs),
    };
    let budget = match resolved {
        Ok(b) => b,
        Err(why) => {
            return Executed {
                run: None,
                status: Status::Failed(why),
                evaluations: counter.counts(),
                wall_s: t0.elapsed().as_secs_f64(),
                resolved: None,
                budget_note: None,
                warnings,
            };
        }
    };
    counter.reset();
    let job = req.job(budget);
    let control = Control {
        observers,
        ..Control::default()
    };
    let t1 = Instant::now();
    let outcome = s.run(view, &job, control);
    let wall = t1.elapsed().as_secs_f64();
    // Under MPI each rank counts its own agents' evaluations; the budget is the
    // whole job's, so the note compares the sum (every rank gets here: the run is
    // collective). In process the sum is the local count.
    let evaluations = sampo_distributed::backend::sum_over_processes(counter.counts());
    let (run, status) = match outcome {
        Ok(Outcome::Finished(mut run)) => {
            // Finite blow-ups are failures too (crate::validity).
            let range = crate::validity::reference(&target.target)
                .or_else(|| target.reference.as_ref()?.plausible());
            match crate::validity::check(&run.samples, target.target.density(), range) {
                None => {
                    // Particle systems: back to particle coordinates (TargetHandle).
                    run.samples = target.reported(run.samples);
                    (Some(run), Status::Ok)
                }
                Some(why) => (None, Status::Failed(why)),
            }
        }
        Ok(Outcome::Stopped { .. }) => (None, Status::Interrupted),
        Err(e) => (None, Status::Failed(e.to_string())),
    };
    let wall_s = run.as_ref().map_or(wall, |r| r.wall_time_secs.max(0.0));
    let mut out = Executed {
        run,
        status,
        evaluations,
        wall_s,
        resolved: Some(budget).filter(|_| fixed.is_none()),
        budget_note: None,
        warnings,
    };
    if out.status == Status::Ok {
        out.budget_note = budget_note(&out, &req.budget, req.n, fixed);
    }
    out
}

/// The note when the spent cost is off the budget by more than the tolerance.
fn budget_note(
    e: &Executed,
    budget: &BudgetSpec,
    n: usize,
    fixed: Option<(EvalCounts, EvalCounts)>,
) -> Option<String> {
    let want = budget.amount();
    let got = e.per_sample(budget, n);
    if ((got - want) / want).abs() <= BUDGET_TOLERANCE {
        return None;
    }
    let unit = budget.unit_name();
    // Every unit the config spends, never summed (data terms only where nonzero).
    let units = |c: &EvalCounts| {
        let mut s = format!(
            "{} gradient + {} density evaluations",
            c.gradient, c.density
        );
        if c.data_terms > 0 {
            s += &format!(" + {} data terms", c.data_terms);
        }
        s
    };
    let why = match fixed {
        Some((c, setup)) if setup.total() > 0 || setup.data_terms > 0 => format!(
            "cost fixed by its config: {} per sample, plus {} once (setup: training, \
             precomputation)",
            units(&c),
            units(&setup)
        ),
        Some((c, _)) => format!("cost fixed by its config: {} per sample", units(&c)),
        None => "the sampler could not spend the budget exactly".into(),
    };
    let got = if got >= 100.0 {
        format!("{got:.0}")
    } else {
        format!("{got:.4}")
    };
    Some(format!(
        "spent {got} {unit} per sample against a budget of {want}: {why}"
    ))
}

/// Pilot budget per sample in the primary unit: small enough to cost little, large
/// enough that a step's cost, not the run's set-up, dominates the time.
const PILOT_BUDGET: u64 = 20;

/// Resolves a wall-clock budget into an evaluation budget (module docs of
/// [`crate::budget`]): two pilots, the second sized to a tenth of the target
/// time, give the sampler's rate of evaluations per second on this machine.
fn pilot(
    target: &TargetHandle,
    sampler: &SamplerSpec,
    req: &Request,
    secs_per_sample: f64,
) -> Result<Budget, String> {
    let unit = primary_unit(sampler);
    let total = secs_per_sample * req.n as f64;
    let mut per_sample = PILOT_BUDGET;
    for round in 0..2 {
        let counter = Counter::new();
        let view = TargetRef::new(&target.target, &counter);
        let job = req.job(Budget { unit, per_sample });
        let t = Instant::now();
        match sampler.built.sampler.run(view, &job, Control::none()) {
            Ok(Outcome::Finished(_)) => {}
            Ok(Outcome::Stopped { .. }) => return Err("interrupted during the pilot".into()),
            Err(e) => return Err(format!("pilot run for the wall-clock budget failed: {e}")),
        }
        let wall = t.elapsed().as_secs_f64().max(1e-9);
        let rate = counter.counts().in_unit(unit) as f64 / wall;
        let affordable = ((rate * total / req.n as f64).floor() as u64).max(1);
        let next = affordable / 10;
        if round == 1 || wall >= 0.05 * total || next <= per_sample {
            return Ok(Budget {
                unit,
                per_sample: affordable,
            });
        }
        per_sample = next;
    }
    unreachable!("the second round returns")
}
