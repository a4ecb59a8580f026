//! Walk-jump against closed forms: the walk targets' curvature against the OAT and
//! AAO condition numbers, their gradients against finite differences, the jump on a
//! Gaussian, the Monte Carlo jumps against the analytic one on a mixture, the whole
//! chain against its exact discretization on a Gaussian, the mode weights of the
//! defaults, and named errors.

use sampo_core::numdiff;
use sampo_core::plugin::{AnyTarget, Control, Init, Job, TargetRef};
use sampo_core::{Counter, EvalSource, GradTarget, Particles, Smoothable, Target, rng};
use sampo_score::{IsConfig, PosteriorMean, Proposal, Workspace};
use sampo_targets::linalg::symmetric_eigenvalues;
use sampo_targets::{Covariance, Funnel, Gaussian, GaussianMixture};
use sampo_walkjump::kappa::{kappa_aao, kappa_oat, oat_precision};
use sampo_walkjump::{Conditional, Joint, Scores, WalkJump, WalkJumpConfig, samplers};

fn analytic<'a>(t: &dyn Smoothable, sigma2: f64, big_m: usize, counter: &'a Counter) -> Scores<'a> {
    Scores::Analytic {
        levels: (1..=big_m)
            .map(|m| t.smoothed(sigma2 / m as f64).unwrap())
            .collect(),
        counter,
    }
}

/// The Hessian of `f` at x by central differences of its gradient (h = 1e-4; the
/// targets below are quadratic, so the differences are exact up to rounding).
fn hessian(t: &dyn GradTarget, x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let h = 1e-4;
    let mut out = vec![0.0; n * n];
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[j] += h;
        xm[j] -= h;
        t.log_density_grad(&xp, &mut gp);
        t.log_density_grad(&xm, &mut gm);
        for i in 0..n {
            out[i * n + j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    out
}

/// On `N(0, diag(λ_min, λ_max))` the OAT walk target is Gaussian with precisions
/// `P_m(λ)` along the axes and the AAO joint has eigenvalues `1/σ²`, `1/(σ² + Mλ)`:
/// the condition numbers of the research notes' closed forms, measured on the walk
/// targets themselves.
#[test]
fn walk_targets_have_the_closed_form_condition_numbers() {
    let (lmin, lmax, sigma2) = (0.2, 5.0, 2.0);
    let g = Gaussian::new(vec![0.0, 0.0], Covariance::Diagonal(vec![lmin, lmax])).unwrap();
    let counter = Counter::new();
    let big_m = 6;
    let scores = analytic(&g, sigma2, big_m, &counter);
    let sum = [0.7, -1.3];
    for m in 1..=big_m {
        let c = Conditional {
            scores: &scores,
            m,
            sigma2,
            sum: &sum,
        };
        let hs = hessian(&c, &[0.3, 0.1]);
        assert!(
            (-hs[0] - oat_precision(sigma2, lmin, m)).abs() < 1e-6,
            "m = {m}"
        );
        assert!(
            (-hs[3] - oat_precision(sigma2, lmax, m)).abs() < 1e-6,
            "m = {m}"
        );
        assert!(hs[1].abs() < 1e-7 && hs[2].abs() < 1e-7);
        let kappa = hs[0] / hs[3];
        assert!(
            (kappa - kappa_oat(sigma2, lmin, lmax, m)).abs() < 1e-5,
            "m = {m}"
        );
    }
    // κ_OAT(1) = (σ² + λmax)/(σ² + λmin) and κ_OAT → 1.
    assert!((kappa_oat(sigma2, lmin, lmax, 1) - (sigma2 + lmax) / (sigma2 + lmin)).abs() < 1e-14);
    assert!(kappa_oat(sigma2, lmin, lmax, 1000) < 1.01);
    for big in [1, 3, 6] {
        let j = Joint {
            scores: &scores,
            m: big,
            sigma2,
            d: 2,
        };
        let x: Vec<f64> = (0..2 * big).map(|i| 0.1 * i as f64).collect();
        let hs = hessian(&j, &x);
        let ev: Vec<f64> =
            symmetric_eigenvalues(&hs.iter().map(|v| -v).collect::<Vec<_>>(), 2 * big);
        let kappa = ev[2 * big - 1] / ev[0];
        assert!(
            (kappa - kappa_aao(sigma2, lmin, lmax, big)).abs() < 1e-4,
            "M = {big}: {ev:?}"
        );
    }
    assert!(kappa_aao(sigma2, lmin, lmax, 100) > 200.0);
}

/// The walk targets' gradients against central differences of their densities, on
/// a mixture (non-quadratic), at random points (numdiff's tolerance).
#[test]
fn walk_target_gradients_match_finite_differences() {
    let mix = GaussianMixture::zodmc_gmm2d();
    let counter = Counter::new();
    let scores = analytic(&mix, 30.0, 5, &counter);
    let mut r = rng::stream(3, 0);
    let mut sum = [0.0; 2];
    for _ in 0..30 {
        rng::fill_standard_normal(&mut r, &mut sum);
        sum.iter_mut().for_each(|s| *s *= 10.0);
        let mut y = [0.0; 2];
        rng::fill_standard_normal(&mut r, &mut y);
        for m in [1, 3, 5] {
            let c = Conditional {
                scores: &scores,
                m,
                sigma2: 30.0,
                sum: &sum,
            };
            numdiff::check_gradient(&c, &y, 1e-6).unwrap();
        }
        let mut ys = [0.0; 10];
        rng::fill_standard_normal(&mut r, &mut ys);
        ys.iter_mut().for_each(|v| *v *= 8.0);
        let j = Joint {
            scores: &scores,
            m: 5,
            sigma2: 30.0,
            d: 2,
        };
        numdiff::check_gradient(&j, &ys, 1e-6).unwrap();
    }
    assert!(
        counter.counts().gradient > 0,
        "analytic evaluations are counted"
    );
}

/// The jump on `N(μ, S)`: `x̂(ȳ) = μ + S (S + s² I)⁻¹ (ȳ − μ)`, here diagonal.
#[test]
fn the_jump_on_a_gaussian_is_the_posterior_mean() {
    let mu = [1.0, -2.0];
    let s = [0.5, 3.0];
    let g = Gaussian::new(mu.to_vec(), Covariance::Diagonal(s.to_vec())).unwrap();
    let counter = Counter::new();
    let scores = analytic(&g, 4.0, 4, &counter);
    let mut ws = Workspace::new(2, rng::stream(1, 0));
    let ybar = [3.0, 1.0];
    for m in 1..=4 {
        let v = 4.0 / m as f64;
        let mut out = [0.0; 2];
        scores.jump(m, v, &ybar, &mut ws, &mut out).unwrap();
        for i in 0..2 {
            let want = mu[i] + s[i] / (s[i] + v) * (ybar[i] - mu[i]);
            assert!(
                (out[i] - want).abs() < 1e-13,
                "m = {m}: {} vs {want}",
                out[i]
            );
        }
    }
    assert_eq!(counter.counts().gradient, 4);
}

/// The Monte Carlo jumps (importance sampling, and its gradient-based variant)
/// against the analytic `E[X | ȳ]` on the ZOD-MC mixture: the mean of 60
/// replicates lies within 4 standard errors of the truth (the self-normalized
/// estimators' O(1/N) bias at N = 2048 is far below that).
#[test]
fn monte_carlo_jumps_match_the_analytic_posterior_mean() {
    let mix = GaussianMixture::zodmc_gmm2d();
    let counter = Counter::new();
    let exact = analytic(&mix, 9.0, 1, &counter);
    let plan = IsConfig {
        samples: 2048,
        proposal: Proposal::Iid,
        ..Default::default()
    };
    let dens: &dyn Target = &mix;
    let grad: &dyn GradTarget = &mix;
    let is = Scores::Is {
        estimator: PosteriorMean::new(dens, [&plan]),
        plan,
    };
    let isg = Scores::IsGradient {
        estimator: PosteriorMean::new(grad, [&plan]),
        plan,
    };
    for ybar in [[4.0, 5.0], [9.0, 2.0], [-2.0, 10.0]] {
        let mut ws = Workspace::new(2, rng::stream(0, 0));
        let mut truth = [0.0; 2];
        exact.jump(1, 9.0, &ybar, &mut ws, &mut truth).unwrap();
        for scores in [&is, &isg] {
            let reps: Vec<[f64; 2]> = (0..60)
                .map(|r| {
                    let mut ws = Workspace::new(2, rng::stream(11, r));
                    let mut out = [0.0; 2];
                    scores.jump(1, 9.0, &ybar, &mut ws, &mut out).unwrap();
                    out
                })
                .collect();
            for i in 0..2 {
                let xs: Vec<f64> = reps.iter().map(|x| x[i]).collect();
                let n = xs.len() as f64;
                let m = xs.iter().sum::<f64>() / n;
                let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                let se = sd / n.sqrt();
                assert!(
                    (m - truth[i]).abs() < 4.0 * se + 1e-12,
                    "ȳ = {ybar:?}: {m} vs {} (SE {se})",
                    truth[i]
                );
            }
        }
    }
}

/// The whole chain on `N(μ, diag(λ))` with ULA walks is affine in Gaussian noise, so
/// its output is Gaussian with a mean and variance computable exactly per
/// coordinate by propagating `(S, y)` through the recursion (crate docs):
/// `y_m = x̂_{m−1} + σξ`, then `n_m` steps `y ← y + h (x̂(ȳ) − y)/σ² + √(2h) ξ` with
/// `x̂(ȳ) = μ + a_m (ȳ − μ)`, `a_m = λ/(λ + σ²/m)`, `ȳ = (S + y)/m`, then `S += y`;
/// output `x̂_M`. 20 000 particles: the sample mean and variance lie within 4
/// standard errors of the exact ones (the output is exactly Gaussian, so the SE of
/// the variance is `var·√(2/(n−1))`).
#[test]
fn the_chain_matches_its_exact_discretization_on_a_gaussian() {
    let mu = [2.0, -1.0];
    let lam = [0.5, 4.0];
    let g = Gaussian::new(mu.to_vec(), Covariance::Diagonal(lam.to_vec())).unwrap();
    let config: WalkJumpConfig =
        toml::from_str("sigma = 1.5\nmeasurements = 5\nsteps_per_measurement = 3\nfirst_walk_steps = 7\nwalk = \"ula\"\nstep_size = 0.6")
            .unwrap();
    let wj = WalkJump::new(config.clone()).unwrap();
    let n = 20_000;
    let target = AnyTarget::Gradient(Box::new(g));
    let run = wj.sample(&target, &Particles::zeros(n, 2), 21).unwrap();
    let (sigma2, h) = (1.5f64 * 1.5, 0.6);
    for i in 0..2 {
        // Mean vector and covariance of z = (S, y) (one coordinate).
        let (mut m_s, mut v_ss) = (0.0f64, 0.0f64);
        let a = |m: usize| lam[i] / (lam[i] + sigma2 / m as f64);
        for m in 1..=config.measurements {
            // y_m = x̂_{m−1} + σξ, x̂_0 = 0 (the initial position).
            let (c0, c1) = if m == 1 {
                (0.0, 0.0)
            } else {
                let am = a(m - 1);
                (mu[i] * (1.0 - am), am / (m - 1) as f64)
            };
            let mut m_y = c0 + c1 * m_s;
            let mut v_yy = c1 * c1 * v_ss + sigma2;
            let mut v_sy = c1 * v_ss;
            // ULA: y ← α y + β S + γ + √(2h) ξ.
            let am = a(m);
            let alpha = 1.0 - h * (1.0 - am / m as f64) / sigma2;
            let beta = h * am / (m as f64 * sigma2);
            let gamma = h * mu[i] * (1.0 - am) / sigma2;
            for _ in 0..config.walk_steps(m) {
                m_y = alpha * m_y + beta * m_s + gamma;
                let new_yy =
                    alpha * alpha * v_yy + 2.0 * alpha * beta * v_sy + beta * beta * v_ss + 2.0 * h;
                v_sy = alpha * v_sy + beta * v_ss;
                v_yy = new_yy;
            }
            m_s += m_y;
            v_ss += 2.0 * v_sy + v_yy;
        }
        let big_m = config.measurements as f64;
        let am = a(config.measurements);
        let mean = mu[i] * (1.0 - am) + am * m_s / big_m;
        let var = am * am * v_ss / (big_m * big_m);
        let xs: Vec<f64> = run.samples.rows().map(|x| x[i]).collect();
        let nn = xs.len() as f64;
        let sm = xs.iter().sum::<f64>() / nn;
        let sv = xs.iter().map(|x| (x - sm).powi(2)).sum::<f64>() / (nn - 1.0);
        assert!(
            (sm - mean).abs() < 4.0 * (var / nn).sqrt(),
            "coord {i}: mean {sm} vs {mean}"
        );
        assert!(
            (sv - var).abs() < 4.0 * var * (2.0 / (nn - 1.0)).sqrt(),
            "coord {i}: var {sv} vs {var}"
        );
    }
}

/// The defaults on the ZOD-MC mixture (modes 11 apart, weights 0.1–0.4, the
/// lightest mode at the start) and its radius-26 variant: mode weights within 0.05
/// in total variation at n = 2000, the criterion (the multinomial noise of
/// the estimated weights alone is about 0.015 in TV at this n), at 984 gradient
/// evaluations per sample.
#[test]
fn the_defaults_find_every_mode_with_the_right_weights() {
    let wj = WalkJump::new(WalkJumpConfig::default()).unwrap();
    assert_eq!(wj.evaluations_per_sample().gradient, 984);
    for m in [
        GaussianMixture::zodmc_gmm2d(),
        GaussianMixture::zodmc_gmm2d_radius(26.0).unwrap(),
    ] {
        let n = 2000;
        let target = AnyTarget::Gradient(Box::new(m.clone()));
        let run = wj.sample(&target, &Particles::zeros(n, 2), 5).unwrap();
        let mut w = vec![0.0; m.n_components()];
        for x in run.samples.rows() {
            w[m.nearest_component(x)] += 1.0 / n as f64;
        }
        let tv: f64 = w
            .iter()
            .zip(m.weights())
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 2.0;
        assert!(tv < 0.05, "TV {tv}: {w:?}");
        assert_eq!(run.evaluations.gradient, 984 * n as u64);
    }
}

/// Bad configurations are errors naming the field; a target without closed-form
/// smoothing is refused with the remedy.
#[test]
fn bad_configurations_are_named_errors() {
    for (text, field) in [
        ("sigma = 0.0", "sigma"),
        ("sigma = -1.0", "sigma"),
        ("measurements = 0", "measurements"),
        ("first_walk_steps = 0", "first_walk_steps"),
        ("step_size = 0.0", "step_size"),
        ("walk = \"mala\"\nscore = { kind = \"is\" }", "walk"),
        ("score = { kind = \"is\", samples = 0 }", "score.samples"),
    ] {
        let c: WalkJumpConfig = toml::from_str(text).unwrap();
        let err = WalkJump::new(c).unwrap_err().to_string();
        assert!(err.contains(field), "{text}: {err}");
    }
    assert!(toml::from_str::<WalkJumpConfig>("sigmaa = 1.0").is_err());
    let funnel = AnyTarget::Gradient(Box::new(Funnel::new(2, 3.0).unwrap()));
    let entry = &samplers()[0];
    let built = (entry.build)(&(entry.defaults)()).unwrap();
    let job = Job {
        n: 4,
        budget: sampo_core::plugin::Budget::gradient(100),
        chains: None,
        seed: 1,
        init: Init::Normal { scale: 1.0 },
    };
    let counter = Counter::new();
    let err = built
        .run(TargetRef::new(&funnel, &counter), &job, Control::none())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("smoothing"), "{err}");
    // A Monte Carlo score on the funnel runs only with σ given.
    let c: WalkJumpConfig = toml::from_str("score = { kind = \"is\" }").unwrap();
    let err = WalkJump::new(c)
        .unwrap()
        .sample(&funnel, &Particles::zeros(2, 2), 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("sigma"), "{err}");
    let c: WalkJumpConfig =
        toml::from_str("sigma = 3.0\nmeasurements = 3\nscore = { kind = \"is\", samples = 16 }")
            .unwrap();
    let run = WalkJump::new(c)
        .unwrap()
        .sample(&funnel, &Particles::zeros(2, 2), 1)
        .unwrap();
    assert!(run.samples.as_slice().iter().all(|v| v.is_finite()));
}
