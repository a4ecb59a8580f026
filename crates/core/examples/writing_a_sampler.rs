//! The worked example of docs/writing-a-sampler.md: a gradient-free random-walk
//! Metropolis family joining the registry. Run with
//! `cargo run -p sampo-core --example writing_a_sampler`.

use sampo_core::plugin::{
    AnyTarget, Control, Job, Needs, Registry, Sampler, SamplerEntry, Table, TargetRef, from_table,
    to_table,
};
use sampo_core::rng::{StreamRng, standard_normal, uniform};
use sampo_core::{
    CoreError, Counter, Divergence, EvalCounts, Kernel, Outcome, Runner, StepInfo, Target, validate,
};
use serde::{Deserialize, Serialize};

// 1. The config: typed serde, every field named, unknown fields rejected.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct RwmConfig {
    step_size: f64,
}

// 2. The kernel: State holds what the next step needs; Info reports the step's cost.
struct Rwm<T> {
    target: T,
    h: f64,
}
#[derive(Clone, Serialize, Deserialize)]
struct State {
    x: Vec<f64>,
    log_density: f64,
}
struct Info {
    accept: f64,
}
impl StepInfo for Info {
    fn evaluations(&self) -> EvalCounts {
        EvalCounts::density(1)
    }
    fn acceptance(&self) -> Option<f64> {
        Some(self.accept)
    }
}
impl<T: Target> Kernel for Rwm<T> {
    type State = State;
    type Info = Info;
    type Tuning = ();
    fn dim(&self) -> usize {
        self.target.dim()
    }
    fn init(&self, x0: &[f64], _rng: &mut StreamRng) -> Result<(State, EvalCounts), CoreError> {
        let log_density = self.target.log_density(x0);
        if !log_density.is_finite() {
            return Err(CoreError::NonFiniteLogDensity {
                step: 0,
                particle: 0,
                value: log_density,
            });
        }
        Ok((
            State {
                x: x0.to_vec(),
                log_density,
            },
            EvalCounts::density(1),
        ))
    }
    fn initial_tuning(&self) {}
    fn step(&self, _: &(), s: &mut State, rng: &mut StreamRng) -> Result<Info, Divergence> {
        let y: Vec<f64> =
            s.x.iter()
                .map(|x| x + self.h * standard_normal(rng))
                .collect();
        let ly = self.target.log_density(&y);
        let accept = if ly.is_nan() {
            0.0
        } else {
            (ly - s.log_density).exp().min(1.0)
        };
        if uniform(rng) < accept {
            (s.x, s.log_density) = (y, ly);
        }
        Ok(Info { accept })
    }
    fn position<'a>(&self, s: &'a State) -> &'a [f64] {
        &s.x
    }
    fn step_cost(&self) -> Option<EvalCounts> {
        Some(EvalCounts::density(1))
    }
    fn init_cost(&self) -> Option<EvalCounts> {
        Some(EvalCounts::density(1))
    }
}

// 3. The plug-in: a Sampler built from the config, and one SamplerEntry.
struct RwmSampler(RwmConfig);
impl Sampler for RwmSampler {
    fn config(&self) -> Table {
        to_table(&self.0)
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
        let kernel = Rwm {
            target: target.density(),
            h: self.0.step_size,
        };
        let plan = job.chain_plan(kernel.init_cost(), kernel.step_cost(), 50)?;
        let init = job.initial_positions(plan.chains, target.dim())?;
        let runner = Runner::new(&kernel, plan)?.count_with(target.counter());
        control.drive(runner, &init)
    }
}

fn entries() -> Vec<SamplerEntry> {
    vec![SamplerEntry {
        name: "rwm",
        description: "random-walk Metropolis, step 0.5",
        needs: Needs::DENSITY,
        defaults: || to_table(&RwmConfig { step_size: 0.5 }),
        build: |t| {
            let c: RwmConfig = from_table(t)?;
            validate::positive("rwm.step_size", c.step_size)?;
            Ok(Box::new(RwmSampler(c)))
        },
    }]
}

/// A density-only target: N(0, I₂).
struct Normal2;
impl Target for Normal2 {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -0.5 * (x[0] * x[0] + x[1] * x[1])
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The harness's one registration line per family:
    let registry = Registry::new().with(entries());
    let built = registry.build_named("rwm")?;
    let target = AnyTarget::Density(Box::new(Normal2));
    let counter = Counter::new();
    let job = Job::new(1000, "density:200".parse()?, 7);
    let Outcome::Finished(run) =
        built
            .sampler
            .run(TargetRef::new(&target, &counter), &job, Control::none())?
    else {
        unreachable!("no observer")
    };
    let m = run.samples.mean();
    println!(
        "{} samples, mean ({:.3}, {:.3}), {} density evaluations",
        run.samples.len(),
        m[0],
        m[1],
        run.evaluations.density
    );
    assert_eq!(run.evaluations.density, 1000 * 200);
    Ok(())
}
