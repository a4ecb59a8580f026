//! The slice samplers leave their targets invariant (KS tests from exact starts on
//! a Gaussian and the multivariate Cauchy), GPSS keeps θ on the sphere, a long
//! GPSS chain on the Cauchy matches the exact law of |x|²/d, loops that cannot
//! find the slice stop with a named error, and elliptical slice sampling on its own
//! prior accepts every first proposal.

use sampo_core::{CoreError, Kernel, Particles, RunConfig, Runner, Target};
use sampo_metrics::hypothesis::ks_test;
use sampo_slice::{
    Elliptical, EllipticalConfig, Gpss, GpssConfig, Hruss, HrussConfig, PriorConfig, Univariate,
    UnivariateConfig,
};
use sampo_targets::{Cauchy, Gaussian};
use statrs::distribution::{Beta, ChiSquared, ContinuousCDF, FisherSnedecor};

const D: usize = 5;
/// Chains started at exact draws, each taking STEPS iterations.
const CHAINS: usize = 4000;
const STEPS: u64 = 5;
/// KS p-value below which a law is rejected: 16 tests at 1e-3 each.
const ALPHA: f64 = 1e-3;

/// The last state of CHAINS chains of `kernel` started at exact draws of `target`.
fn after_steps<K: Kernel>(kernel: &K, target: &dyn Target, seed: u64) -> Particles {
    let init = target
        .exact_sampler()
        .expect("exact sampler")
        .sample_exact_n(CHAINS, seed);
    let mut rc = RunConfig::new(CHAINS, 0, STEPS, seed);
    rc.thin = STEPS;
    Runner::new(kernel, rc)
        .unwrap()
        .run(&init)
        .unwrap()
        .finished()
        .unwrap()
        .samples
}

fn sq_norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// KS tests of the radius law (`radius_cdf` of |x|²) and of the direction law
/// ((θ₁ + 1)/2 ~ Beta((d−1)/2, (d−1)/2) for a rotation-invariant target).
fn check_laws(name: &str, x: &Particles, radius_cdf: &dyn Fn(f64) -> f64) {
    let rows: Vec<&[f64]> = (0..x.len()).map(|i| x.row(i)).collect();
    let r2: Vec<f64> = rows.iter().map(|r| sq_norm(r)).collect();
    let ks = ks_test(&r2, radius_cdf);
    assert!(ks.p_value > ALPHA, "{name}: radius law, KS {ks:?}");
    let beta = Beta::new((D as f64 - 1.0) / 2.0, (D as f64 - 1.0) / 2.0).unwrap();
    let u: Vec<f64> = rows
        .iter()
        .map(|r| (r[0] / sq_norm(r).sqrt() + 1.0) / 2.0)
        .collect();
    let ks = ks_test(&u, |v| beta.cdf(v));
    assert!(ks.p_value > ALPHA, "{name}: direction law, KS {ks:?}");
}

#[test]
fn every_sampler_leaves_a_gaussian_and_the_cauchy_invariant() {
    let gauss = Gaussian::standard(D).unwrap();
    let cauchy = Cauchy::new(D).unwrap();
    let chi2 = ChiSquared::new(D as f64).unwrap();
    let f = FisherSnedecor::new(D as f64, 1.0).unwrap();
    let gauss_law = |v: f64| chi2.cdf(v);
    let cauchy_law = |v: f64| f.cdf(v / D as f64);
    for (tname, t, law) in [
        (
            "gauss",
            &gauss as &dyn Target,
            &gauss_law as &dyn Fn(f64) -> f64,
        ),
        (
            "cauchy",
            &cauchy as &dyn Target,
            &cauchy_law as &dyn Fn(f64) -> f64,
        ),
    ] {
        let x = after_steps(&Gpss::new(t, &GpssConfig::default()).unwrap(), t, 1);
        check_laws(&format!("gpss/{tname}"), &x, law);
        let x = after_steps(&Hruss::new(t, &HrussConfig::default()).unwrap(), t, 2);
        check_laws(&format!("hruss/{tname}"), &x, law);
        let x = after_steps(
            &Elliptical::new(t, &EllipticalConfig::default()).unwrap(),
            t,
            3,
        );
        check_laws(&format!("elliptical/{tname}"), &x, law);
        let x = after_steps(
            &Univariate::new(t, &UnivariateConfig::default()).unwrap(),
            t,
            4,
        );
        check_laws(&format!("slice/{tname}"), &x, law);
    }
}

#[test]
fn the_tests_above_can_fail() {
    // A kernel that is not invariant (GPSS on the Cauchy, the law checked against
    // the Gaussian's) must be rejected by the same test.
    let cauchy = Cauchy::new(D).unwrap();
    let chi2 = ChiSquared::new(D as f64).unwrap();
    let x = after_steps(
        &Gpss::new(&cauchy, &GpssConfig::default()).unwrap(),
        &cauchy,
        1,
    );
    let r2: Vec<f64> = (0..x.len()).map(|i| sq_norm(x.row(i))).collect();
    assert!(ks_test(&r2, |v| chi2.cdf(v)).p_value < ALPHA);
}

#[test]
fn theta_stays_on_the_sphere_over_a_million_iterations() {
    let t = Gaussian::standard(D).unwrap();
    let k = Gpss::new(&t, &GpssConfig::default()).unwrap();
    let mut rng = sampo_core::rng::stream(9, 0);
    let (mut s, _) = k.init(&[1.0, 0.5, -0.5, 2.0, 0.1], &mut rng).unwrap();
    let mut worst: f64 = 0.0;
    for i in 0..1_000_000 {
        k.step(&(), &mut s, &mut rng).unwrap();
        if i % 1000 == 0 {
            worst = worst.max((sq_norm(s.theta()).sqrt() - 1.0).abs());
        }
    }
    worst = worst.max((sq_norm(s.theta()).sqrt() - 1.0).abs());
    assert!(worst < 1e-12, "|‖θ‖ − 1| reached {worst}");
}

#[test]
fn a_long_gpss_chain_on_the_cauchy_matches_the_law_of_its_radius() {
    // d = 10, one chain of 200 000 iterations from (1, …, 1), w = d as in the paper;
    // every 50th draw (GPSS's IAT of log r is ~9 in d = 100) against F(d, 1).
    let d = 10;
    let t = Cauchy::new(d).unwrap();
    let k = Gpss::new(&t, &GpssConfig::with_window(d as f64)).unwrap();
    let mut rc = RunConfig::new(1, 1000, 200_000, 4);
    rc.thin = 50;
    let run = Runner::new(&k, rc)
        .unwrap()
        .run(&Particles::repeat(&vec![1.0; d], 1))
        .unwrap()
        .finished()
        .unwrap();
    let f = FisherSnedecor::new(d as f64, 1.0).unwrap();
    let v: Vec<f64> = (0..run.samples.len())
        .map(|i| sq_norm(run.samples.row(i)) / d as f64)
        .collect();
    let ks = ks_test(&v, |x| f.cdf(x));
    assert!(ks.p_value > ALPHA, "{ks:?}");
}

/// Finite only at the one point the chain starts from: no loop can find the slice.
struct Needle;
impl Target for Needle {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        if x == [1.0, 1.0] { 0.0 } else { f64::NAN }
    }
}

#[test]
fn a_slice_no_loop_can_find_is_a_named_error_not_a_hang() {
    let config = GpssConfig {
        max_proposals: 200,
        reevaluate_current: false,
        ..Default::default()
    };
    let k = Gpss::new(&Needle, &config).unwrap();
    let mut rng = sampo_core::rng::stream(1, 0);
    let (mut s, _) = k.init(&[1.0, 1.0], &mut rng).unwrap();
    let e = k.step(&(), &mut s, &mut rng).unwrap_err();
    assert!(
        e.reason.contains("max_proposals") && e.reason.contains("200"),
        "{}",
        e.reason
    );
}

#[test]
fn elliptical_slice_on_its_own_prior_accepts_every_first_proposal() {
    let cov = [2.0, 0.6, 0.6, 0.5];
    let t = Gaussian::with_full_cov(vec![1.0, -1.0], &cov).unwrap();
    let config = EllipticalConfig {
        prior: PriorConfig {
            mean: Some(vec![1.0, -1.0]),
            cov: Some(cov.to_vec()),
            ..Default::default()
        },
        reevaluate_current: false,
        ..Default::default()
    };
    let k = Elliptical::new(&t, &config).unwrap();
    let mut rng = sampo_core::rng::stream(2, 0);
    let (mut s, _) = k.init(&[0.0, 0.0], &mut rng).unwrap();
    for _ in 0..1000 {
        let info = k.step(&(), &mut s, &mut rng).unwrap();
        assert_eq!(info.proposals, 1);
        assert_eq!(info.evaluations.density, 1);
    }
}

#[test]
fn bad_fields_are_named() {
    let t = Gaussian::standard(3).unwrap();
    let named = |e: CoreError, field: &str| {
        assert!(e.to_string().contains(field), "{field}: {e}");
    };
    let w = GpssConfig::with_window;
    named(Gpss::new(&t, &w(f64::NAN)).err().unwrap(), "gpss.w");
    named(Gpss::new(&t, &w(-1.0)).err().unwrap(), "gpss.w");
    let c = GpssConfig {
        centre: Some(vec![0.0, f64::NAN, 0.0]),
        ..Default::default()
    };
    named(Gpss::new(&t, &c).err().unwrap(), "gpss.centre");
    let c = GpssConfig {
        transform: Some(vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]),
        ..Default::default()
    };
    named(Gpss::new(&t, &c).err().unwrap(), "gpss.transform[1][1]");
    let h = HrussConfig::with_window(f64::NAN);
    named(Hruss::new(&t, &h).err().unwrap(), "hruss.w");
    let p = |prior| EllipticalConfig {
        prior,
        ..Default::default()
    };
    let e = Elliptical::new(
        &t,
        &p(PriorConfig {
            variance: Some(f64::NAN),
            ..Default::default()
        }),
    );
    named(e.err().unwrap(), "elliptical.prior.variance");
    let e = Elliptical::new(
        &t,
        &p(PriorConfig {
            variance: Some(1.0),
            variances: Some(vec![1.0; 3]),
            ..Default::default()
        }),
    );
    named(e.err().unwrap(), "at most one");
    let e = Elliptical::new(
        &t,
        &p(PriorConfig {
            variances: Some(vec![1.0; 2]),
            ..Default::default()
        }),
    );
    named(e.err().unwrap(), "elliptical.prior.variances");
    let s = UnivariateConfig {
        w: f64::NAN,
        ..Default::default()
    };
    named(Univariate::new(&t, &s).err().unwrap(), "slice.w");
    // GPSS needs d >= 2 and a start away from its centre.
    named(
        Gpss::new(&Gaussian::standard(1).unwrap(), &GpssConfig::default())
            .err()
            .unwrap(),
        "d >= 2",
    );
    let k = Gpss::new(&t, &GpssConfig::default()).unwrap();
    let e = k
        .init(&[0.0; 3], &mut sampo_core::rng::stream(0, 0))
        .err()
        .unwrap();
    named(e, "radius > 0");
}

#[test]
fn an_affine_pre_transform_keeps_gpss_exact() {
    // N(μ, Σ) with GPSS centred at μ with L = chol(Σ): in z the target is N(0, I).
    let cov = [4.0, 1.2, 1.2, 1.0];
    let t = Gaussian::with_full_cov(vec![3.0, -2.0], &cov).unwrap();
    let l = [2.0, 0.0, 0.6, 0.8]; // chol(Σ): [[2, 0], [0.6, 0.8]]
    let k = Gpss::new(
        &t,
        &GpssConfig {
            centre: Some(vec![3.0, -2.0]),
            transform: Some(l.to_vec()),
            ..Default::default()
        },
    )
    .unwrap();
    let x = after_steps(&k, &t, 6);
    // Whitened squared radius ~ χ²₂.
    let chi2 = ChiSquared::new(2.0).unwrap();
    let r2: Vec<f64> = (0..x.len())
        .map(|i| {
            let r = x.row(i);
            let z0 = (r[0] - 3.0) / 2.0;
            let z1 = (r[1] + 2.0 - 0.6 * z0) / 0.8;
            z0 * z0 + z1 * z1
        })
        .collect();
    let ks = ks_test(&r2, |v| chi2.cdf(v));
    assert!(ks.p_value > ALPHA, "{ks:?}");
}

#[test]
fn one_chain_on_a_tight_budget_gives_consecutive_draws() {
    // `sample --chains 1 --n 2000 --budget density:15`: the sampling half of the
    // share buys fewer than n iterations, so the chain runs exactly n after warm-up
    // and keeps them all. Consecutive draws: the mean distance between successive
    // output rows is the mean step length of the sampling iterations.
    use sampo_core::plugin::{AnyTarget, Control, Init, Job, TargetRef};
    let t = AnyTarget::Density(Box::new(Gaussian::standard(10).unwrap()));
    let entry = sampo_slice::samplers().remove(0);
    assert_eq!(entry.name, "gpss");
    let sampler = (entry.build)(&(entry.defaults)()).unwrap();
    let job = Job {
        n: 2000,
        budget: "density:15".parse().unwrap(),
        chains: Some(1),
        seed: 8,
        init: Init::Normal { scale: 1.0 },
    };
    let run = sampler
        .run(
            TargetRef::new(&t, &sampo_core::Counter::new()),
            &job,
            Control::none(),
        )
        .unwrap()
        .finished()
        .unwrap();
    assert_eq!(run.samples.len(), 2000);
    let x = &run.samples;
    let mean_gap = (1..x.len())
        .map(|i| {
            x.row(i)
                .iter()
                .zip(x.row(i - 1))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        })
        .sum::<f64>()
        / (x.len() - 1) as f64;
    let mss = run.diagnostics.stats["step_length"];
    // The stats average over all 2000 sampling steps, the gaps over 1999 of them.
    assert!((mean_gap - mss).abs() < 0.01 * mss, "{mean_gap} vs {mss}");
}

#[test]
fn the_naive_variant_refuses_a_prior() {
    let entry = sampo_slice::samplers()
        .into_iter()
        .find(|e| e.name == "elliptical-naive")
        .unwrap();
    let mut t = (entry.defaults)();
    t.insert(
        "prior".into(),
        toml::from_str::<toml::Table>("variance = 2.0")
            .unwrap()
            .into(),
    );
    let e = (entry.build)(&t).err().unwrap().to_string();
    assert!(e.contains("elliptical-naive.prior"), "{e}");
    assert!((entry.build)(&(entry.defaults)()).is_ok());
}
