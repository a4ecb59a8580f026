//! The distributed samplers against the exact law of their affine-Gaussian
//! recursion on Bayesian linear regression ([`sampo_distributed::exact_law`]), and
//! their documented special cases.
//!
//! Tolerances: C independent chains give the empirical mean of a coordinate an MCSE
//! of √(S_rr/C) and an empirical covariance entry a standard error of
//! √((S_rr S_cc + S_rc²)/C) (Gaussian fourth moments); every check is
//! |estimate − truth| < 4 SE, with the truth from the exact law (no Monte Carlo).

use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, Table, TargetRef};
use sampo_core::{Counter, Outcome, Run};
use sampo_distributed::exact_law::LinearLaw;
use sampo_distributed::{Method, samplers};
use sampo_targets::{DataSource, LinearRegression, Synthetic};

/// The D-ADMMS paper's linear regression, scaled down: `agents` × `per` points,
/// d = 2, σ = 4, prior std √10, features N(0, I).
fn regression(points: usize) -> LinearRegression {
    let src = DataSource {
        synthetic: Some(Synthetic {
            points,
            dim: 2,
            seed: 10,
            feature_std: 1.0,
        }),
        ..DataSource::default()
    };
    let prior = 10f64.sqrt();
    LinearRegression::new(
        src.design(prior, LinearRegression::respond(4.0)).unwrap(),
        4.0,
        prior,
    )
    .unwrap()
}

fn table(kind: &str, extra: &str) -> Table {
    let e = samplers().into_iter().find(|e| e.name == kind).unwrap();
    let mut t = (e.defaults)();
    let over: Table = toml::from_str(extra).unwrap();
    t.extend(over);
    t
}

fn build(kind: &str, extra: &str) -> Box<dyn sampo_core::plugin::Sampler> {
    let e = samplers().into_iter().find(|e| e.name == kind).unwrap();
    (e.build)(&table(kind, extra)).unwrap_or_else(|err| panic!("{kind}: {err}"))
}

fn run(kind: &str, extra: &str, target: &AnyTarget, n: usize, seed: u64) -> Run {
    let s = build(kind, extra);
    let counter = Counter::new();
    let job = Job {
        n,
        budget: Budget::gradient(1),
        chains: None,
        seed,
        init: Init::Normal { scale: 1.0 },
    };
    match s.run(TargetRef::new(target, &counter), &job, Control::none()) {
        Ok(Outcome::Finished(r)) => r,
        Ok(_) => panic!("{kind}: stopped"),
        Err(e) => panic!("{kind}: {e}"),
    }
}

/// The common fields and method of a table, as the plugin reads them.
fn law_of(kind: &str, extra: &str, t: &LinearRegression) -> LinearLaw {
    let tab = table(kind, extra);
    let (method, common) = match kind {
        "admm" => {
            let c: sampo_distributed::AdmmConfig = tab.try_into().unwrap();
            (Method::from(&c), c.common())
        }
        "d-sgld" => {
            let c: sampo_distributed::SgldConfig = tab.try_into().unwrap();
            (Method::from(&c), c.common())
        }
        "d-sghmc" => {
            let c: sampo_distributed::SghmcConfig = tab.try_into().unwrap();
            (Method::from(&c), c.common())
        }
        "d-ula" => {
            let c: sampo_distributed::UlaConfig = tab.try_into().unwrap();
            (Method::from(&c), c.common())
        }
        _ => unreachable!(),
    };
    LinearLaw::new(t, &method, &common).unwrap()
}

/// Empirical mean and covariance (divisor C) of a run's samples against (m, S).
fn check_moments(what: &str, run: &Run, mean: &[f64], cov: &[f64]) {
    let (m_hat, s_hat) = sampo_metrics::gaussian::moments_divisor_n(&run.samples);
    let c = run.samples.len() as f64;
    let d = mean.len();
    for r in 0..d {
        let se = (cov[r * d + r] / c).sqrt();
        assert!(
            (m_hat[r] - mean[r]).abs() < 4.0 * se,
            "{what}: mean[{r}] = {} vs exact {} (SE {se:.3e})",
            m_hat[r],
            mean[r]
        );
        for k in 0..d {
            let se = ((cov[r * d + r] * cov[k * d + k] + cov[r * d + k].powi(2)) / c).sqrt();
            assert!(
                (s_hat[r * d + k] - cov[r * d + k]).abs() < 4.0 * se,
                "{what}: cov[{r}][{k}] = {} vs exact {} (SE {se:.3e})",
                s_hat[r * d + k],
                cov[r * d + k]
            );
        }
    }
}

const CHAINS: usize = 3000;

#[test]
fn every_sampler_matches_its_exact_law_at_a_finite_iteration() {
    let t = regression(5 * 10);
    let target = AnyTarget::FiniteSum(Box::new(t.clone()));
    let base = "agents = 5\niterations = 12\n";
    let cases = [
        ("admm", "graph = \"cycle\"\n"),
        ("admm", "graph = \"complete\"\nnoise = \"calibrated\"\n"),
        (
            "admm",
            "graph = \"complete\"\nneighbour_sum = \"reference\"\n",
        ),
        ("admm", "graph = \"star\"\noutput = \"average\"\n"),
        ("d-sgld", "graph = \"cycle\"\nagent = 3\n"),
        ("d-sghmc", "graph = \"cycle\"\n"),
        ("d-ula", "graph = \"complete\"\ndelta1 = 0.55\n"),
    ];
    for (k, (kind, extra)) in cases.iter().enumerate() {
        let extra = format!("{base}{extra}");
        let r = run(kind, &extra, &target, CHAINS, 100 + k as u64);
        let law = law_of(kind, &extra, &t);
        let at = law.trajectory(12).pop().unwrap();
        let tab = table(kind, &extra);
        let (m, s) = if tab["output"].as_str() == Some("average") {
            law.average(&at)
        } else {
            law.agent(&at, tab["agent"].as_integer().unwrap() as usize)
        };
        check_moments(&format!("{kind} {extra:?}"), &r, &m, &s);
    }
}

#[test]
fn d_admms_mean_converges_to_the_exact_posterior_mean() {
    // Stationary mean of every agent = the posterior mean (the noiseless fixed point
    // is consensus at the MAP, which is μ for a Gaussian posterior); and after 150
    // rounds the sampler's ensemble mean is within 4 MCSE of μ.
    let t = regression(20 * 10);
    let mu = t.posterior().mean().to_vec();
    // ρ = 100 on the complete graph converges slowest (its recursion's largest
    // eigenvalue off the conserved subspace is closest to 1).
    for (graph, rho) in [
        ("cycle", 5.0),
        ("complete", 5.0),
        ("star", 5.0),
        ("complete", 100.0),
    ] {
        let extra = format!("graph = \"{graph}\"\nrho = {rho:?}\n");
        let law = law_of("admm", &extra, &t);
        let st = law.stationary().unwrap();
        let asym = (&st.cov - st.cov.transpose()).norm();
        assert!(
            asym == 0.0,
            "{graph}, ρ = {rho}: asymmetric covariance ({asym:e})"
        );
        for i in [0, 7, 19] {
            let (m, _) = law.agent(&st, i);
            for r in 0..2 {
                assert!(
                    (m[r] - mu[r]).abs() < 1e-8 * (1.0 + mu[r].abs()),
                    "{graph}: agent {i}: {m:?} vs {mu:?}"
                );
            }
        }
    }
    let target = AnyTarget::FiniteSum(Box::new(t.clone()));
    let extra = "graph = \"cycle\"\niterations = 150\n";
    let r = run("admm", extra, &target, CHAINS, 7);
    let law = law_of("admm", extra, &t);
    let (_, s) = law.agent(&law.trajectory(150).pop().unwrap(), 0);
    check_moments("admm at 150 vs μ", &r, &mu, &s);
}

#[test]
fn one_agent_without_edges_is_the_documented_special_case() {
    let t = regression(30);
    let target = AnyTarget::FiniteSum(Box::new(t.clone()));
    let mu = t.posterior().mean();
    // D-ADMMS with no neighbour: the noise enters only through the edge terms, so
    // every chain returns the MAP (= μ here) after one round (samplers-b.md §3.7, 2).
    let one = "agents = 1\ngraph = \"empty\"\niterations = 3\n";
    let r = run("admm", one, &target, 5, 1);
    for x in r.samples.as_slice().chunks(2) {
        assert!(
            (x[0] - mu[0]).abs() < 1e-10 && (x[1] - mu[1]).abs() < 1e-10,
            "{x:?} vs {mu:?}"
        );
    }
    // D-SGLD with one agent is ULA on the posterior: its stationary covariance is
    // (P − ηP²/2)⁻¹ with P the posterior precision, in closed form.
    let law = law_of("d-sgld", one, &t);
    let (_, s) = law.agent(&law.stationary().unwrap(), 0);
    let p = t.posterior().covariance().precision(2);
    let eta = 0.009;
    let p2 = [
        p[0] * p[0] + p[1] * p[2],
        p[0] * p[1] + p[1] * p[3],
        p[2] * p[0] + p[3] * p[2],
        p[2] * p[1] + p[3] * p[3],
    ];
    let m: Vec<f64> = (0..4).map(|k| p[k] - 0.5 * eta * p2[k]).collect();
    let det = m[0] * m[3] - m[1] * m[2];
    let inv = [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det];
    for k in 0..4 {
        assert!(
            (s[k] - inv[k]).abs() < 1e-9 * inv[k].abs().max(1.0),
            "{k}: {} vs {}",
            s[k],
            inv[k]
        );
    }
}
