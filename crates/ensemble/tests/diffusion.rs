//! Oracles of the diffusion samplers: the Föllmer drift and the OU score of a
//! Gaussian in closed form, the 1/√N convergence of the drift estimates to the exact
//! drift of a mixture, the pilot's reference against the mixture's covariance, and
//! end-to-end moments and mode weights. Fixed seeds; tolerances from Monte Carlo
//! standard errors.

use sampo_core::Target;
use sampo_core::plugin::AnyTarget;
use sampo_core::rng::stream;
use sampo_core::{ExactSampler, Particles};
use sampo_ensemble::estimator::{NoiseSource, Scratch, StepGeometry, StepInputs};
use sampo_ensemble::{Follmer, FollmerConfig, OuEnsemble, OuEnsembleConfig, Reference};
use sampo_targets::{Gaussian, GaussianMixture};

fn unit_reference(d: usize) -> Reference {
    Reference {
        center: vec![0.0; d],
        scale: 1.0,
    }
}

fn follmer_geometry(t: f64) -> StepGeometry {
    StepGeometry {
        mean_scale: 1.0,
        sd: (1.0 - t).sqrt(),
        tilt: 1.0,
    }
}

/// `reps` independent estimates of `m − μ` at `u`, each from N iid draws.
fn estimates(
    target: &dyn Target,
    geometry: StepGeometry,
    u: &[f64],
    samples: usize,
    reps: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let d = u.len();
    let reference = unit_reference(d);
    let inputs = StepInputs {
        target,
        reference: &reference,
        geometry,
        chol: None,
        samples,
        defensive: sampo_ensemble::estimator::Defensive::new(samples, 0.0, 1.0),
    };
    let mut s = Scratch::default();
    (0..reps)
        .map(|r| {
            let mut rng = stream(seed, r as u64);
            let mut delta = vec![0.0; d];
            inputs.own(u, &NoiseSource::Iid, &mut rng, &mut s, &mut delta, None);
            delta
        })
        .collect()
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

/// Research notes samplers-a §3.1: for π = N(μ, v) in 1-D and the unit reference,
/// `E[X_1 | X_t = x] = μ + v (x − t μ)/(t v + 1 − t)`; the Föllmer drift is
/// `(E[X_1 | x] − x)/(1 − t)`. The mean of 400 independent N = 2000 estimates is
/// within 4 standard errors of it (the self-normalized estimator's O(1/N) bias is
/// far below that).
#[test]
fn follmer_drift_of_a_gaussian_matches_the_closed_form() {
    let (mu, v) = (1.5, 0.6);
    let target = Gaussian::new(vec![mu], sampo_targets::Covariance::Isotropic(v)).unwrap();
    for &(t, x) in &[(0.0, 0.0), (0.3, 0.8), (0.7, -0.5), (0.95, 1.2)] {
        let exact_m = mu + v * (x - t * mu) / (t * v + 1.0 - t);
        let exact_b = (exact_m - x) / (1.0 - t);
        let est = estimates(&target, follmer_geometry(t), &[x], 2000, 400, 11);
        let b: Vec<f64> = est.iter().map(|d| d[0] / (1.0 - t)).collect();
        let (m, sd) = mean_sd(&b);
        let se = sd / (b.len() as f64).sqrt();
        assert!(
            (m - exact_b).abs() < 4.0 * se,
            "t = {t}, x = {x}: estimate {m} ± {se}, exact {exact_b}"
        );
    }
}

/// The OU score of π = N(μ, v): `p_t = N(a μ, a² v + 1 − a²)`, `a = e^{−t}`, score
/// `−(x − a μ)/(a² v + 1 − a²)`; the estimate is `(m − μ_t)/(2 sinh t)`.
#[test]
fn ou_score_of_a_gaussian_matches_the_closed_form() {
    let (mu, v) = (-0.7, 2.0);
    let target = Gaussian::new(vec![mu], sampo_targets::Covariance::Isotropic(v)).unwrap();
    for &(t, x) in &[(0.1f64, 0.2), (0.5, -1.0), (2.0, 0.5)] {
        let a = (-t).exp();
        let exact = -(x - a * mu) / (a * a * v + 1.0 - a * a);
        let g = StepGeometry {
            mean_scale: t.exp(),
            sd: (2.0 * t).exp_m1().sqrt(),
            tilt: 0.0,
        };
        let est = estimates(&target, g, &[x], 2000, 400, 12);
        let sc: Vec<f64> = est.iter().map(|d| d[0] / (2.0 * t.sinh())).collect();
        let (m, sd) = mean_sd(&sc);
        let se = sd / (sc.len() as f64).sqrt();
        assert!(
            (m - exact).abs() < 4.0 * se,
            "t = {t}, x = {x}: estimate {m} ± {se}, exact {exact}"
        );
    }
}

/// The exact Föllmer drift of an isotropic mixture (unit reference): given
/// component k, `X_t ~ N(t μ_k, (t² σ_k² + t(1 − t)) I)` and
/// `E[X_1 | x, k] = μ_k + t σ_k² (x − t μ_k)/(t² σ_k² + t(1 − t))`; the components
/// are weighted by their posterior probabilities.
fn exact_mixture_drift(w: &[f64], mus: &[[f64; 2]], s2: f64, t: f64, x: &[f64]) -> [f64; 2] {
    let var = t * t * s2 + t * (1.0 - t);
    let logp: Vec<f64> = w
        .iter()
        .zip(mus)
        .map(|(wk, m)| {
            let r2 = (x[0] - t * m[0]).powi(2) + (x[1] - t * m[1]).powi(2);
            wk.ln() - r2 / (2.0 * var)
        })
        .collect();
    let mx = logp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let p: Vec<f64> = logp.iter().map(|l| (l - mx).exp()).collect();
    let z: f64 = p.iter().sum();
    let mut m = [0.0; 2];
    for (pk, mu) in p.iter().zip(mus) {
        for j in 0..2 {
            m[j] += pk / z * (mu[j] + t * s2 * (x[j] - t * mu[j]) / var);
        }
    }
    [(m[0] - x[0]) / (1.0 - t), (m[1] - x[1]) / (1.0 - t)]
}

/// Drift estimates converge to the exact mixture drift as 1/√N: the RMS error over
/// 200 repetitions falls by 2 per 4× more draws (ratios within [1.6, 2.5], the
/// spread of an RMS over 200 repetitions being about 5 %; the O(1/N) bias is
/// negligible at these N), and is unbiased within 4 standard errors at N = 4096.
#[test]
fn follmer_drift_estimates_converge_at_the_monte_carlo_rate() {
    let w = [0.2, 0.3, 0.5];
    let mus = [[1.5, 0.0], [-1.0, 1.0], [0.0, -1.5]];
    let s2 = 0.25;
    let target = GaussianMixture::isotropic(
        w.to_vec(),
        mus.iter().map(|m| m.to_vec()).collect(),
        &[0.5; 3],
    )
    .unwrap();
    let (t, x) = (0.4, [0.3, -0.2]);
    let exact = exact_mixture_drift(&w, &mus, s2, t, &x);
    let mut rms = Vec::new();
    for (i, &n) in [256usize, 1024, 4096].iter().enumerate() {
        let est = estimates(&target, follmer_geometry(t), &x, n, 200, 20 + i as u64);
        let b: Vec<[f64; 2]> = est
            .iter()
            .map(|d| [d[0] / (1.0 - t), d[1] / (1.0 - t)])
            .collect();
        let err2: f64 = b
            .iter()
            .map(|v| (v[0] - exact[0]).powi(2) + (v[1] - exact[1]).powi(2))
            .sum::<f64>()
            / b.len() as f64;
        rms.push(err2.sqrt());
        if n == 4096 {
            for j in 0..2 {
                let col: Vec<f64> = b.iter().map(|v| v[j]).collect();
                let (m, sd) = mean_sd(&col);
                let se = sd / (col.len() as f64).sqrt();
                assert!(
                    (m - exact[j]).abs() < 4.0 * se,
                    "coordinate {j}: {m} ± {se} vs {}",
                    exact[j]
                );
            }
        }
    }
    for k in 0..2 {
        let ratio = rms[k] / rms[k + 1];
        assert!(
            (1.6..2.5).contains(&ratio),
            "RMS errors {rms:?}: ratio {ratio}"
        );
    }
}

/// The pilot's reference on the ZOD-MC mixture: its centre within s/4 of the
/// mixture's mean and its scale within 25 % of `√λ_max` of the mixture's covariance
/// (a rough covariance from a few dozen effective draws is all the rule needs).
#[test]
fn the_pilot_finds_the_spread_of_a_mixture() {
    for r in [11.0, 26.0] {
        let m = GaussianMixture::zodmc_gmm2d_radius(r).unwrap();
        // The mixture's mean and covariance (component covariances as in
        // `GaussianMixture::zodmc_gmm2d_radius`).
        let covs = [
            [1.0, 0.5, 0.5, 1.0],
            [0.3, -0.2, -0.2, 0.3],
            [1.0, 0.3, 0.3, 1.0],
            [1.2, -1.0, -1.0, 1.2],
        ];
        let mut mean = [0.0; 2];
        let mut second = [0.0; 4];
        for (c, cc) in covs.iter().enumerate() {
            let (w, mu) = (m.weights()[c], m.mean(c));
            for a in 0..2 {
                mean[a] += w * mu[a];
                for b in 0..2 {
                    second[a * 2 + b] += w * (cc[a * 2 + b] + mu[a] * mu[b]);
                }
            }
        }
        let cov: Vec<f64> = (0..4)
            .map(|i| second[i] - mean[i / 2] * mean[i % 2])
            .collect();
        let lambda = sampo_ensemble::reference::largest_eigenvalue(&cov, 2);
        let x0 = Particles::zeros(8, 2);
        let rep = sampo_ensemble::reference::pilot(
            &m,
            &x0,
            &sampo_ensemble::PilotConfig::default(),
            16384,
            3,
        )
        .unwrap();
        let s = rep.reference.scale;
        assert!(
            (s / lambda.sqrt() - 1.0).abs() < 0.25,
            "R = {r}: pilot scale {s}, √λ_max = {}",
            lambda.sqrt()
        );
        let dc = ((rep.reference.center[0] - mean[0]).powi(2)
            + (rep.reference.center[1] - mean[1]).powi(2))
        .sqrt();
        assert!(dc < s / 4.0, "R = {r}: centre off by {dc}");
    }
}

/// End to end on a correlated 2-D Gaussian with a fixed reference and the
/// published (independent) estimator: the output's means and variances within 4
/// Monte Carlo standard errors (n = 4000 independent particles, so the standard
/// error of a mean is σ/√n and of a variance σ²√(2/(n−1))), for both processes.
#[test]
fn both_processes_sample_a_gaussian() {
    let cov = [1.5, 0.6, 0.6, 0.8];
    let g = Gaussian::with_full_cov(vec![0.5, -1.0], &cov).unwrap();
    let target = AnyTarget::Gradient(Box::new(g));
    let n = 4000;
    let x0 = Particles::zeros(n, 2);
    let plan = "reference_scale = 1.5\ninner_samples = 512\npooling = \"independent\"";
    let f: FollmerConfig = toml::from_str(plan).unwrap();
    let o: OuEnsembleConfig = toml::from_str(plan).unwrap();
    let runs = [
        (
            "follmer",
            Follmer::new(f)
                .unwrap()
                .diffusion()
                .sample(&target, &x0, 5)
                .unwrap(),
        ),
        (
            "ou",
            OuEnsemble::new(o)
                .unwrap()
                .diffusion()
                .sample(&target, &x0, 6)
                .unwrap(),
        ),
    ];
    for (name, run) in runs {
        assert_eq!(
            run.evaluations.density,
            (n * 512 * if name == "ou" { 41 } else { 100 }) as u64
        );
        for (j, (mu, var)) in [(0.5, 1.5), (-1.0, 0.8)].into_iter().enumerate() {
            let col = run.samples.column(j);
            let (m, sd) = mean_sd(&col);
            let se_m = (var / n as f64).sqrt();
            assert!(
                (m - mu).abs() < 4.0 * se_m,
                "{name} mean[{j}] = {m}, truth {mu}"
            );
            let se_v = var * (2.0 / (n as f64 - 1.0)).sqrt();
            assert!(
                (sd * sd - var).abs() < 4.0 * se_v,
                "{name} var[{j}] = {}, truth {var}",
                sd * sd
            );
        }
    }
}

/// Mode weights on the ZOD-MC mixture (unequal weights 0.1–0.4, modes 11–16
/// apart) with the defaults and the budget of the figures: total variation from
/// the true weights below 0.05 at n = 2000 (the bar; the sampling noise of
/// the TV at n = 2000 is about 0.015).
#[test]
fn default_follmer_recovers_mixture_weights() {
    let m = GaussianMixture::zodmc_gmm2d();
    let n = 2000;
    let target = AnyTarget::Gradient(Box::new(m.clone()));
    let c: FollmerConfig = toml::from_str("inner_samples = 64").unwrap();
    let run = Follmer::new(c)
        .unwrap()
        .diffusion()
        .sample(&target, &Particles::zeros(n, 2), 1)
        .unwrap();
    let mut counts = vec![0.0; m.n_components()];
    for x in run.samples.rows() {
        counts[m.nearest_component(x)] += 1.0 / n as f64;
    }
    let tv: f64 = counts
        .iter()
        .zip(m.weights())
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / 2.0;
    assert!(tv < 0.05, "TV {tv}, weights {counts:?}");
    let _ = m.sample_exact_n(1, 1);
}

#[test]
fn bad_configs_name_the_field() {
    for (toml_text, field) in [
        ("reference_scale = -1.0", "reference_scale"),
        ("steps = 1", "steps"),
        ("inner_samples = 0", "inner_samples"),
        ("pilot = { samples = 1 }", "pilot.samples"),
        (
            "pooling = \"mixture\"\npreconditioning = \"ensemble\"",
            "preconditioning",
        ),
    ] {
        let c: FollmerConfig = toml::from_str(toml_text).unwrap();
        let err = Follmer::new(c).unwrap_err().to_string();
        assert!(err.contains(field), "{toml_text}: {err}");
    }
    let c: OuEnsembleConfig = toml::from_str("schedule = { horizon = 0.01 }").unwrap();
    let err = OuEnsemble::new(c).unwrap_err().to_string();
    assert!(err.contains("schedule.horizon"), "{err}");
    assert!(toml::from_str::<FollmerConfig>("stepz = 3").is_err());
}
