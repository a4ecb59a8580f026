//! The regression posteriors: gradients and Hessians against finite differences, the
//! linear model's closed-form posterior and evidence against quadrature, the data
//! sources (inline, CSV, synthetic) and their named errors.

use crate::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sampo_core::numdiff::check_gradient;
use sampo_core::{FiniteSumTarget, Target};

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

fn synthetic(points: usize, dim: usize, feature_std: f64) -> DataSource {
    DataSource {
        synthetic: Some(Synthetic {
            points,
            dim,
            seed: 7,
            feature_std,
        }),
        ..DataSource::default()
    }
}

fn linear() -> LinearRegression {
    let design = synthetic(40, 3, 1.0)
        .design(2.0, LinearRegression::respond(0.7))
        .unwrap();
    LinearRegression::new(design, 0.7, 2.0).unwrap()
}

fn logistic() -> LogisticRegression {
    let design = synthetic(60, 3, 2.0)
        .design(3.0, LogisticRegression::respond())
        .unwrap();
    LogisticRegression::new(design, 3.0).unwrap()
}

/// The Hessian of `log π̃` from the hooks, against central differences of the
/// analytic gradient (step 1e-5; truncation ~1e-10 for these smooth targets).
fn check_hessian(t: &dyn FiniteSumTarget, x: &[f64]) -> Result<(), String> {
    let d = t.dim();
    let mut h = vec![0.0; d * d];
    assert!(t.log_prior_hessian_add(x, &mut h));
    for i in 0..t.n_terms() {
        assert!(t.log_term_hessian_add(i, x, &mut h));
    }
    let step = 1e-5;
    let (mut gp, mut gm) = (vec![0.0; d], vec![0.0; d]);
    for j in 0..d {
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[j] += step;
        xm[j] -= step;
        t.log_density_grad(&xp, &mut gp);
        t.log_density_grad(&xm, &mut gm);
        for i in 0..d {
            let fd = (gp[i] - gm[i]) / (2.0 * step);
            let scale = fd.abs().max(h[i * d + j].abs()).max(1.0);
            if (fd - h[i * d + j]).abs() > 1e-6 * scale {
                return Err(format!(
                    "H[{i}][{j}] = {} vs finite difference {fd}",
                    h[i * d + j]
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn gradients_and_hessians_match_finite_differences() {
    let (lin, log) = (linear(), logistic());
    let targets: [(&str, &dyn FiniteSumTarget); 2] = [("linear", &lin), ("logistic", &log)];
    for (name, t) in targets {
        runner(24)
            .run(&prop::collection::vec(-3.0..3.0f64, 3), |x| {
                check_gradient(t, &x, 1e-6)
                    .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
                check_hessian(t, &x).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))
            })
            .unwrap();
    }
}

#[test]
fn linear_posterior_is_the_closed_form_and_the_density_is_normalized() {
    // d = 1 so that the evidence can be checked by quadrature: y = φ x + N(0, σ²).
    let rows: Vec<Vec<f64>> = [0.3, -1.2, 0.8, 2.0, -0.5]
        .iter()
        .map(|v| vec![*v])
        .collect();
    let y = [0.5, -1.0, 1.1, 2.4, -0.2];
    let t = LinearRegression::new(Design::new(&rows, &y).unwrap(), 0.5, 1.5).unwrap();
    let (sxx, sxy): (f64, f64) = rows
        .iter()
        .zip(&y)
        .fold((0.0, 0.0), |(a, b), (r, v)| (a + r[0] * r[0], b + r[0] * v));
    let prec = 1.0 / 2.25 + sxx / 0.25;
    let mean = sxy / 0.25 / prec;
    let g = t.posterior();
    assert!((g.mean()[0] - mean).abs() < 1e-12);
    assert!((g.covariance().variance(0) - 1.0 / prec).abs() < 1e-12);
    // ∫ π̃ dx by the trapezoid rule over μ ± 12σ (the Gaussian tail beyond is < 1e-30).
    let sd = (1.0 / prec).sqrt();
    let m = 20_000;
    let h = 24.0 * sd / m as f64;
    let vals: Vec<f64> = (0..=m)
        .map(|k| t.log_density(&[mean - 12.0 * sd + k as f64 * h]))
        .collect();
    let top = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = vals
        .iter()
        .enumerate()
        .map(|(k, v)| (v - top).exp() * if k == 0 || k == m { 0.5 } else { 1.0 })
        .sum();
    let log_z = top + (s * h).ln();
    assert!(
        (t.log_z().unwrap() - log_z).abs() < 1e-9,
        "{} vs {log_z}",
        t.log_z().unwrap()
    );
    assert!(t.is_quadratic());
    assert!(!logistic().is_quadratic());
}

#[test]
fn sources_are_exclusive_and_errors_name_the_field() {
    let both = DataSource {
        x: Some(vec![vec![1.0]]),
        y: Some(vec![1.0]),
        data: Some("d.csv".into()),
        ..DataSource::default()
    };
    let e = both
        .design(1.0, LinearRegression::respond(1.0))
        .unwrap_err();
    assert!(e.to_string().contains("exactly one"), "{e}");
    let ragged = Design::new(&[vec![1.0, 2.0], vec![1.0]], &[0.0, 1.0]).unwrap_err();
    assert!(ragged.to_string().contains("x[1]"), "{ragged}");
    let short = Design::new(&[vec![1.0]], &[0.0, 1.0]).unwrap_err();
    assert!(short.to_string().contains("y (one response"), "{short}");
    let label = LogisticRegression::new(Design::new(&[vec![1.0]], &[0.5]).unwrap(), 1.0);
    assert!(label.unwrap_err().to_string().contains("y[0]"));
    let spec: TargetConfig = toml::from_str::<toml::Table>(
        "kind = \"linear-regression\"\nx = [[1.0]]\ny = [1.0]\nnoise_std = -1.0\nprior_std = 1.0",
    )
    .unwrap()
    .try_into()
    .unwrap();
    let e = spec.build_finite_sum().err().unwrap();
    assert!(e.to_string().contains("noise_std"), "{e}");
}

#[test]
fn csv_keeps_file_order_skips_a_header_and_names_the_bad_line() {
    let dir = std::env::temp_dir().join(format!("sampo-regression-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "f1,f2,y\n1.0,2.0,0.5\n-1.0,0.5,1.5\n\n3.0,1.0,-2.0\n",
    )
    .unwrap();
    let d = Design::from_csv(good.to_str().unwrap()).unwrap();
    assert_eq!((d.len(), d.dim()), (3, 2));
    assert_eq!(d.row(1), &[-1.0, 0.5]);
    assert_eq!(d.responses(), &[0.5, 1.5, -2.0]);
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "1.0,2.0,0.5\n1.0,x,0.5\n").unwrap();
    let e = Design::from_csv(bad.to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let ragged = dir.join("ragged.csv");
    std::fs::write(&ragged, "1.0,2.0,0.5\n1.0,0.5\n").unwrap();
    let e = Design::from_csv(ragged.to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("line 2: 2 columns"), "{e}");
    // The config resolves a relative path against the file's folder.
    let mut cfg: TargetConfig = toml::from_str::<toml::Table>(
        "kind = \"linear-regression\"\ndata = \"good.csv\"\nnoise_std = 1.0\nprior_std = 1.0",
    )
    .unwrap()
    .try_into()
    .unwrap();
    cfg.resolve_paths(&dir);
    let t = cfg.build_finite_sum().unwrap().unwrap();
    assert_eq!((t.n_terms(), t.dim()), (3, 2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn synthetic_logistic_data_are_mostly_separable_by_the_truth() {
    // With feature std √20 (D-ADMMS's logistic experiment) |φᵀx_true| is large, so the
    // true parameter classifies most labels right; a wrong generator would give ~50%.
    let s = Synthetic {
        points: 500,
        dim: 3,
        seed: 3,
        feature_std: 20f64.sqrt(),
    };
    let (_, truth) = s.features_and_truth(10f64.sqrt());
    let src = DataSource {
        synthetic: Some(s),
        ..DataSource::default()
    };
    let t = LogisticRegression::new(
        src.design(10f64.sqrt(), LogisticRegression::respond())
            .unwrap(),
        10f64.sqrt(),
    )
    .unwrap();
    assert!(t.accuracy(&truth) > 0.85, "{}", t.accuracy(&truth));
}
