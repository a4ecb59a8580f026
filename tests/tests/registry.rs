//! The conformance suite over the registry: every registered sampler kind, present
//! and future, gets these checks for free (docs/writing-a-sampler.md):
//!
//! 1. its default table builds, and the built sampler's canonical table (written as
//!    TOML text and read back) builds the same sampler;
//! 2. a bad config is a named error: an unknown field, and a NaN in every float
//!    field of the default table, each name the field;
//! 3. it runs on a small target with exact evaluation accounting (what it reports
//!    equals what the counted target measured, in every unit; a fixed-cost sampler
//!    spends exactly its fixed cost), returns exactly n finite samples, and honours
//!    a budget in its unit (`Sampler::budget_unit`: gradient, density or data terms);
//! 4. 1 and 2 threads give bit-identical output;
//! 5. a run stopped by an observer and resumed from its checkpoint equals the
//!    uninterrupted run bit for bit;
//! 6. it refuses, by name, a target that lacks what it needs.

use sampo_bench::registry::registry;
use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, SamplerEntry, TargetRef};
use sampo_core::{CoreError, CostUnit, Counter, EvalSource, Outcome, Run, StopAfter, Target};
use sampo_targets::GaussianMixture;

/// Small enough for every sampler in a debug build: n = 12 samples in 2-D.
const N: usize = 12;

/// Data points of the finite-sum target ([`target_for`]).
const N_TERMS: usize = 40;

fn target() -> AnyTarget {
    AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()))
}

/// The small target `e` runs on: the 8-Gaussian mixture, or for a sampler that needs a
/// finite sum (the distributed samplers) a 2-D Bayesian linear regression over 40
/// synthetic points (enough for the default 20 agents to own two each).
fn target_for(e: &SamplerEntry) -> AnyTarget {
    if !e.needs.finite_sum {
        return target();
    }
    sampo_conformance::regression(N_TERMS)
}

fn job(seed: u64) -> Job {
    Job {
        n: N,
        budget: Budget::gradient(40),
        chains: None,
        seed,
        init: Init::Normal { scale: 1.0 },
    }
}

/// [`job`] with the budget in the unit `e` spends (`Sampler::budget_unit`):
/// `per` gradient evaluations for a gradient-based sampler, `10 per` density
/// evaluations for a density-only one, `per` passes over the data (`per × N_TERMS`
/// data terms) for a minibatch sampler.
///
/// Density-only samplers get 400 evaluations per sample: slice iterations cost
/// 5–20 evaluations, so a chain's overrun (at most one iteration at each of the
/// two thresholds of a cost-limited chain) stays under 10 %, and the diffusion
/// samplers' schedules (K = 100 Föllmer steps) need at least one draw per step.
fn job_for(e: &SamplerEntry, seed: u64) -> Job {
    job_per(e, seed, job(seed).budget.per_sample)
}

/// [`job_for`] at `per` (gradient evaluations, or the equivalent in the sampler's unit).
fn job_per(e: &SamplerEntry, seed: u64, per: u64) -> Job {
    let unit = registry()
        .build_named(e.name)
        .unwrap()
        .sampler
        .budget_unit();
    let per_sample = match unit {
        CostUnit::Gradient => per,
        CostUnit::DataTerms => per * N_TERMS as u64,
        _ => 10 * per,
    };
    Job {
        n: N,
        budget: Budget { unit, per_sample },
        chains: None,
        seed,
        init: Init::Normal { scale: 1.0 },
    }
}

fn run_entry(
    e: &SamplerEntry,
    t: &AnyTarget,
    job: &Job,
    control: Control<'_>,
) -> (Outcome, Counter) {
    let built = registry().build_named(e.name).unwrap();
    let counter = Counter::new();
    let out = built
        .sampler
        .run(TargetRef::new(t, &counter), job, control)
        .unwrap_or_else(|err| panic!("{}: {err}", e.name));
    (out, counter)
}

fn finished(e: &SamplerEntry, out: Outcome) -> Run {
    match out {
        Outcome::Finished(r) => r,
        Outcome::Stopped { .. } => panic!("{}: stopped without an observer", e.name),
    }
}

#[test]
fn every_kind_round_trips_through_its_toml_table() {
    for e in registry().entries() {
        let built = registry().build_named(e.name).unwrap();
        let table = built.table();
        assert_eq!(table["kind"].as_str(), Some(e.name));
        let text = toml::to_string(&table).unwrap();
        let back: toml::Table = toml::from_str(&text).unwrap();
        let rebuilt = registry()
            .build(&back)
            .unwrap_or_else(|err| panic!("{}: {err}\n{text}", e.name));
        assert_eq!(rebuilt.table(), table, "{}", e.name);
        // The defaults alone are the kind's default configuration.
        let mut defaults = (e.defaults)();
        defaults.insert("kind".into(), e.name.into());
        assert_eq!(
            registry().build(&defaults).unwrap().table(),
            table,
            "{}",
            e.name
        );
    }
}

/// Every float leaf of a table, as a dotted path.
fn float_paths(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in t {
        let path = format!("{prefix}{k}");
        match v {
            toml::Value::Float(_) => out.push(path),
            toml::Value::Table(inner) => float_paths(inner, &format!("{path}."), out),
            _ => {}
        }
    }
}

#[test]
fn bad_configs_are_named_errors() {
    for e in registry().entries() {
        let mut t = (e.defaults)();
        t.insert("kind".into(), e.name.into());
        let mut unknown = t.clone();
        unknown.insert("definitely_not_a_field".into(), 1.into());
        let err = registry()
            .build(&unknown)
            .err()
            .expect("unknown field accepted");
        assert!(
            matches!(err, CoreError::Config { .. })
                && err.to_string().contains("definitely_not_a_field"),
            "{}: {err}",
            e.name
        );
        let mut paths = Vec::new();
        float_paths(&t, "", &mut paths);
        // A kind whose floats are all optional (the slice samplers' `w`, whose
        // default depends on d, and the elliptical prior) has none in its default
        // table: its crate's tests check those fields for NaN by name.
        if paths.is_empty() {
            assert!(!e.needs.gradient, "{}: no float parameter to check", e.name);
        }
        for p in paths {
            let mut bad = t.clone();
            sampo_core::plugin::set_path(&mut bad, &p, f64::NAN.into()).unwrap();
            let leaf = p.rsplit('.').next().unwrap();
            match registry().build(&bad) {
                Ok(_) => panic!("{}: {p} = NaN accepted", e.name),
                Err(err) => assert!(err.to_string().contains(leaf), "{}: {p}: {err}", e.name),
            }
        }
    }
}

#[test]
fn every_kind_runs_with_exact_accounting() {
    for e in registry().entries() {
        let t = target_for(e);
        let built = registry().build_named(e.name).unwrap();
        let j = job_for(e, 3);
        let per = j.budget.per_sample;
        let (out, counter) = run_entry(e, &t, &j, Control::none());
        let run = finished(e, out);
        assert_eq!(run.samples.len(), N, "{}", e.name);
        assert!(
            run.samples.as_slice().iter().all(|v| v.is_finite()),
            "{}",
            e.name
        );
        assert_eq!(run.evaluations, counter.counts(), "{}", e.name);
        assert_eq!(run.reported_evaluations, run.evaluations, "{}", e.name);
        let probe = Counter::new();
        let view = TargetRef::new(&t, &probe);
        match built.sampler.fixed_cost_on(&view) {
            Some(per) => assert_eq!(
                run.evaluations,
                per.times(N as u64) + built.sampler.setup_cost_on(&view),
                "{}",
                e.name
            ),
            None => {
                // The budget (in the sampler's unit) is spent: gradient-based
                // kernels plan their overruns in and never exceed it.
                let spent = run.evaluations.in_unit(j.budget.unit);
                let budget = per * N as u64;
                if e.needs.gradient {
                    assert!(spent <= budget, "{}: {spent}", e.name);
                } else {
                    assert!(spent <= budget * 11 / 10, "{}: {spent}", e.name);
                }
                assert!(spent >= budget * 9 / 10, "{}: {spent}", e.name);
            }
        }
    }
}

#[test]
fn output_is_identical_for_one_and_two_threads() {
    for e in registry().entries() {
        let t = target_for(e);
        let runs: Vec<Run> = [1, 2]
            .into_iter()
            .map(|threads| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| finished(e, run_entry(e, &t, &job_for(e, 11), Control::none()).0))
            })
            .collect();
        assert!(runs[0].samples == runs[1].samples, "{}", e.name);
        assert!(runs[0].diagnostics == runs[1].diagnostics, "{}", e.name);
        assert_eq!(runs[0].evaluations, runs[1].evaluations, "{}", e.name);
    }
}

#[test]
fn stopped_and_resumed_runs_are_bit_identical() {
    let dir = std::env::temp_dir().join(format!("sampo-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 400 gradient evaluations per sample: Langevin chains take 399 steps, so a stop
    // after the first segment (50 steps) lands inside the run.
    for e in registry().entries() {
        let t = target_for(e);
        let job = |seed| {
            let j = job_for(e, seed);
            Job {
                budget: Budget {
                    per_sample: if j.budget.unit == CostUnit::DataTerms {
                        400 * N_TERMS as u64
                    } else {
                        400
                    },
                    ..j.budget
                },
                ..j
            }
        };
        let full = finished(e, run_entry(e, &t, &job(5), Control::none()).0);
        let path = dir.join(format!("{}.ckpt.json", e.name));
        std::fs::remove_file(&path).ok();
        let control = Control {
            checkpoint: Some(path.clone()),
            resume: true,
            ..Control::default()
        };
        let (out, _) = run_entry(e, &t, &job(5), control.observe(StopAfter(1)));
        assert!(
            matches!(out, Outcome::Stopped { .. }),
            "{}: did not stop",
            e.name
        );
        assert!(path.exists(), "{}: no checkpoint", e.name);
        let control = Control {
            checkpoint: Some(path.clone()),
            resume: true,
            ..Control::default()
        };
        let resumed = finished(e, run_entry(e, &t, &job(5), control).0);
        assert!(resumed.samples == full.samples, "{}", e.name);
        assert!(resumed.diagnostics == full.diagnostics, "{}", e.name);
        assert_eq!(
            resumed.reported_evaluations, full.reported_evaluations,
            "{}",
            e.name
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A density-only target: what a gradient-free sampler can use.
struct DensityOnly;
impl Target for DensityOnly {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -0.5 * (x[0] * x[0] + x[1] * x[1])
    }
}

#[test]
fn a_target_without_what_the_sampler_needs_is_refused_by_name() {
    let t = AnyTarget::Density(Box::new(DensityOnly));
    for e in registry().entries() {
        let built = registry().build_named(e.name).unwrap();
        let needs = built.sampler.needs();
        if !needs.gradient && !needs.smoothing {
            continue;
        }
        let counter = Counter::new();
        let err = built
            .sampler
            .run(TargetRef::new(&t, &counter), &job(1), Control::none())
            .err()
            .unwrap_or_else(|| panic!("{} ran without what it needs", e.name));
        let what = if needs.gradient {
            "gradient"
        } else {
            "smoothing"
        };
        assert!(err.to_string().contains(what), "{}: {err}", e.name);
        assert_eq!(counter.counts().total(), 0, "{}", e.name);
    }
}

#[test]
fn a_budget_unit_the_sampler_never_spends_is_refused_by_name() {
    for e in registry().entries() {
        let t = target_for(e);
        let built = registry().build_named(e.name).unwrap();
        let probe = Counter::new();
        if built
            .sampler
            .fixed_cost_on(&TargetRef::new(&t, &probe))
            .is_some()
        {
            continue;
        }
        let counter = Counter::new();
        let j = Job {
            budget: "density:100".parse().unwrap(),
            ..job(1)
        };
        let res = built
            .sampler
            .run(TargetRef::new(&t, &counter), &j, Control::none());
        // Gradient-based kernels spend no density evaluations: a named refusal.
        if built.sampler.needs().gradient {
            let err = res
                .err()
                .unwrap_or_else(|| panic!("{} accepted a density budget", e.name));
            assert!(err.to_string().contains("`density`"), "{}: {err}", e.name);
        } else {
            // Density-only kernels spend no gradient evaluations: refused at once.
            let j = Job {
                budget: Budget::gradient(100),
                ..job(1)
            };
            let err = built
                .sampler
                .run(TargetRef::new(&t, &counter), &j, Control::none())
                .err()
                .unwrap_or_else(|| panic!("{} accepted a gradient budget", e.name));
            assert!(err.to_string().contains("`gradient`"), "{}: {err}", e.name);
        }
    }
}
