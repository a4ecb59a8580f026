//! MALA: moments on a correlated Gaussian, dual-averaging acceptance, invariance on
//! a mixture started at exact draws, rejection of NaN/−∞ proposals, resume.

mod common;

use common::*;
use sampo_core::rng;
use sampo_core::{
    Counted, EvalSource, Kernel, Outcome, Particles, Run, RunConfig, Runner, StopAfter,
};
use sampo_langevin::{DualAveraging, Mala, MalaConfig, Ula, UlaConfig};
use sampo_metrics::hypothesis::chi2_gof;

/// z-tests (4 MCSE, ESS from each chain's own series, summed over 10 chains) of
/// E[x_i] = 0, E[x_i²] = 1 and E[x_0 x_1] = ρ on a unit-variance bivariate normal
/// with ρ = 0.9 (eigenvalues 1.9 and 0.1: a mixing test, not just a scale test),
/// after dual-averaging warm-up from a poor initial step.
#[test]
fn mala_moments_and_dual_averaging_on_a_correlated_gaussian() {
    let rho = 0.9;
    let target = Counted::new(Correlated2 { rho });
    let da = DualAveraging::default();
    let kernel = Mala::new(&target, MalaConfig::new(1.0).with_adaptation(da.clone())).unwrap();
    let (chains, warmup, draws) = (10, 2_000, 20_000);
    let run = Runner::new(&kernel, RunConfig::new(chains, warmup, draws, 2024))
        .unwrap()
        .count_with(&target)
        .run(&Particles::repeat(&[3.0, -3.0], 1))
        .unwrap()
        .finished()
        .unwrap();
    // One fused evaluation per step (plus one at init), nothing else.
    let steps = warmup + draws;
    assert_eq!(target.counts().gradient, chains as u64 * (1 + steps));
    assert_eq!(target.counts().density, 0);

    for j in 0..2 {
        assert_within_4_mcse(&format!("E x{j}"), &columns(&run, j, |x| x), 0.0);
        assert_within_4_mcse(&format!("E x{j}²"), &columns(&run, j, |x| x * x), 1.0);
    }
    let cross: Vec<Vec<f64>> = (0..chains)
        .map(|c| run.chain(c).chunks_exact(2).map(|x| x[0] * x[1]).collect())
        .collect();
    assert_within_4_mcse("E x0 x1", &cross, rho);

    check_adapted_acceptance(&run, da.target_accept);
}

/// The frozen step ε̄ reaches acceptance δ up to (i) the spread of the adaptation
/// outcome between chains, which the 10 independent chains measure (4 standard
/// errors of their mean), plus (ii) a deterministic bias allowance of 0.02. The
/// allowance comes from a linearization of dual averaging (Hoffman & Gelman 2014, §3.2.1) around
/// the root ε* of E[α(ε)] = δ: with slope a' = dα/dlog ε ≈ −0.3 and per-step
/// acceptance variance σ² ≤ 0.25, the iterates log ε_t fluctuate with variance
/// ≈ σ²/(2|a'|γ√t) ≈ 0.1 at t = 2000; ε̄ is a geometric mean of them, and the
/// curvature of α in log ε turns that variance into a bias of order
/// |α''|·Var/2 ≈ 0.01, doubled for safety. The O(γ log(10)/√T) ≈ 0.003 lag of
/// H̄_T is negligible.
fn check_adapted_acceptance(run: &Run, delta: f64) {
    let acc = &run.diagnostics.chain_acceptance;
    assert_eq!(acc.len(), run.chains);
    let n = acc.len() as f64;
    let mean = acc.iter().sum::<f64>() / n;
    let sd = (acc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let tol = 4.0 * sd / n.sqrt() + 0.02;
    eprintln!(
        "acceptance {mean:.4} ± {:.4} (tolerance {tol:.4}); steps {:?}",
        sd / n.sqrt(),
        run.diagnostics.step_sizes
    );
    assert!(
        (mean - delta).abs() < tol,
        "post-warm-up acceptance {mean} vs target {delta} (tolerance {tol}, per chain {acc:?})"
    );
    // Every chain froze a finite positive step of its own.
    let hs = &run.diagnostics.step_sizes;
    assert_eq!(hs.len(), run.chains);
    assert!(hs.iter().all(|h| h.is_finite() && *h > 0.0), "{hs:?}");
}

/// The 2-D mixture 0.2 N((−6,0), 0.5²I) + 0.3 N((6,0), I) + 0.5 N((0,8), 0.8²I).
/// Modes are ≥ 10 apart, so a draw is nearer another mode's centre with
/// probability < Φ(−5) ≈ 3e-7: nearest-centre assignment recovers the component.
fn mixture() -> IsoMixture {
    IsoMixture {
        weights: vec![0.2, 0.3, 0.5],
        means: vec![vec![-6.0, 0.0], vec![6.0, 0.0], vec![0.0, 8.0]],
        sds: vec![0.5, 1.0, 0.8],
    }
}

/// Cells: nearest mode × quartile of R² = |x − m_k|²/s_k², which is χ²₂ =
/// Exp(mean 2) within component k (quartile edges −2 ln(1 − q)). Under the target
/// each cell has probability w_k/4.
fn cell_counts(m: &IsoMixture, xs: &Particles) -> (Vec<u64>, Vec<f64>) {
    let edges: Vec<f64> = [0.25f64, 0.5, 0.75]
        .iter()
        .map(|q| -2.0 * (1.0 - q).ln())
        .collect();
    let mut counts = vec![0u64; 12];
    for x in xs.as_slice().chunks_exact(2) {
        let k = m.nearest(x);
        let r2 = x
            .iter()
            .zip(&m.means[k])
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / (m.sds[k] * m.sds[k]);
        let b = edges.iter().filter(|&&e| r2 >= e).count();
        counts[4 * k + b] += 1;
    }
    let probs = m.weights.iter().flat_map(|w| [w / 4.0; 4]).collect();
    (counts, probs)
}

/// Invariance: 20 000 chains started at exact draws of the mixture must still be
/// distributed as the mixture after 50 MALA steps, in mode weights and in the
/// radial profile inside each mode (χ² test on 12 cells, p > 0.001; the chains are
/// independent, so the final positions are i.i.d.). A negative control shows the
/// test has power: ULA at the same step (stationary variance inflated by up to
/// 1/(1 − h/(2s²)) = 1.25 in the narrow mode) must fail it.
#[test]
fn mala_keeps_an_exact_mixture_sample_invariant() {
    let m = mixture();
    let n = 20_000;
    let init = m.sample_n(n, 77);
    let (c0, p0) = cell_counts(&m, &init);
    assert!(chi2_gof(&c0, &p0).p_value > 1e-3, "exact sampler itself");

    let h = 0.1;
    let mut cfg = RunConfig::new(n, 0, 50, 78);
    cfg.thin = 50; // keep only the final position of each chain
    let kernel = Mala::new(&m, MalaConfig::new(h)).unwrap();
    let run = Runner::new(&kernel, cfg.clone())
        .unwrap()
        .run(&init)
        .unwrap()
        .finished()
        .unwrap();
    assert_eq!(run.samples.len(), n);
    let acc = run.diagnostics.chain_acceptance.iter().sum::<f64>() / n as f64;
    assert!(
        acc > 0.5 && acc < 1.0,
        "acceptance {acc}: the chains must move"
    );
    let (c, p) = cell_counts(&m, &run.samples);
    let t = chi2_gof(&c, &p);
    eprintln!("MALA χ² {t:?}");
    assert!(
        t.p_value > 1e-3,
        "MALA changed the mixture: {t:?}, counts {c:?}"
    );

    let ula = Ula::new(&m, UlaConfig::new(h)).unwrap();
    let biased = Runner::new(&ula, cfg)
        .unwrap()
        .run(&init)
        .unwrap()
        .finished()
        .unwrap();
    let (c, p) = cell_counts(&m, &biased.samples);
    let t = chi2_gof(&c, &p);
    eprintln!("ULA χ² {t:?} counts {c:?}");
    assert!(t.p_value < 1e-3, "negative control: ULA should fail, {t:?}");
}

/// A proposal whose log density is NaN (or −∞) is rejected: positions never enter
/// the bad half-space, such proposals report acceptance 0, and the step never errors.
#[test]
fn mala_rejects_nan_and_neg_inf_proposals() {
    for outside in [f64::NAN, f64::NEG_INFINITY] {
        let target = Truncated { edge: 0.5, outside };
        let kernel = Mala::new(&target, MalaConfig::new(0.8)).unwrap();
        let tuning = kernel.initial_tuning();
        let mut r = rng::stream(3, 0);
        let (mut st, _) = kernel.init(&[0.0], &mut r).unwrap();
        let (mut bad, mut accepted) = (0, 0);
        for _ in 0..5_000 {
            let info = kernel.step(&tuning, &mut st, &mut r).unwrap();
            assert!(st.position()[0] <= 0.5, "entered the excluded half-space");
            assert!(st.log_density().is_finite());
            if !info.proposal_log_density.is_finite() {
                bad += 1;
                assert_eq!(info.acceptance_probability, 0.0);
                assert!(!info.accepted);
            }
            accepted += info.accepted as usize;
        }
        assert!(
            bad > 100,
            "{outside}: only {bad} excluded proposals: test too weak"
        );
        assert!(accepted > 1_000, "{outside}: the chain must still move");
    }
    // Through the runner: no divergence error for an adjusted kernel.
    let target = Truncated {
        edge: 0.5,
        outside: f64::NAN,
    };
    let kernel = Mala::new(&target, MalaConfig::new(0.8)).unwrap();
    let run = Runner::new(&kernel, RunConfig::new(4, 100, 1_000, 1))
        .unwrap()
        .run(&Particles::repeat(&[0.0], 1))
        .unwrap()
        .finished()
        .unwrap();
    assert!(run.samples.as_slice().iter().all(|x| *x <= 0.5));
}

/// Stopped during warm-up (the dual-averaging state is in the checkpoint) and
/// resumed, MALA equals the uninterrupted run bit for bit, tuning included.
#[test]
fn mala_checkpoint_resume_is_bit_exact_during_adaptation() {
    let target = Correlated2 { rho: 0.5 };
    let kernel = Mala::new(
        &target,
        MalaConfig::new(0.5).with_adaptation(DualAveraging::default()),
    )
    .unwrap();
    let mut cfg = RunConfig::new(3, 100, 100, 4);
    cfg.segment = 30;
    let init = Particles::repeat(&[1.0, 1.0], 1);
    let full = Runner::new(&kernel, cfg.clone())
        .unwrap()
        .run(&init)
        .unwrap()
        .finished()
        .unwrap();
    let path =
        std::env::temp_dir().join(format!("sampo-langevin-mala-{}.json", std::process::id()));
    let stopped = Runner::new(&kernel, cfg.clone())
        .unwrap()
        .observe(StopAfter(50))
        .checkpoint_to(&path)
        .run(&init)
        .unwrap();
    assert!(matches!(stopped, Outcome::Stopped { step: 60, .. }));
    let resumed = Runner::new(&kernel, cfg)
        .unwrap()
        .resume(&path)
        .unwrap()
        .finished()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(full.samples, resumed.samples);
    assert_eq!(full.diagnostics.step_sizes, resumed.diagnostics.step_sizes);
    assert_eq!(
        full.diagnostics.acceptance_per_step,
        resumed.diagnostics.acceptance_per_step
    );
}

/// Without adaptation the step is exactly the configured one; with it the frozen
/// step differs per chain (each chain adapts on its own).
#[test]
fn mala_step_size_fixed_or_adapted_per_chain() {
    let target = Correlated2 { rho: 0.0 };
    let fixed = Mala::new(&target, MalaConfig::new(0.37)).unwrap();
    let run = Runner::new(&fixed, RunConfig::new(3, 50, 10, 1))
        .unwrap()
        .run(&Particles::repeat(&[0.0, 0.0], 1))
        .unwrap()
        .finished()
        .unwrap();
    assert_eq!(run.diagnostics.step_sizes, vec![0.37; 3]);

    let adapted = Mala::new(
        &target,
        MalaConfig::new(0.37).with_adaptation(DualAveraging::default()),
    )
    .unwrap();
    let run = Runner::new(&adapted, RunConfig::new(3, 200, 10, 1))
        .unwrap()
        .run(&Particles::repeat(&[0.0, 0.0], 1))
        .unwrap()
        .finished()
        .unwrap();
    let hs = &run.diagnostics.step_sizes;
    assert!(hs[0] != hs[1] && hs[1] != hs[2], "{hs:?}");
    assert!(hs.iter().all(|h| (h - 0.37).abs() > 1e-12), "{hs:?}");
}
