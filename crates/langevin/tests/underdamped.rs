//! Underdamped Langevin: exact stationary variances of each splitting on a
//! Gaussian, one gradient per step, divergence reporting, checkpoint/resume.

mod common;

use common::*;
use sampo_core::rng;
use sampo_core::{
    CoreError, Counted, EvalSource, Kernel, Outcome, Particles, RunConfig, Runner, StopAfter,
};
use sampo_langevin::{Splitting, Underdamped, UnderdampedConfig};

/// Runs `chains` chains of `burn + n` steps by hand (the runner records positions
/// only) and returns the per-chain series of x² and v² after burn-in.
fn squares(
    kernel: &Underdamped<&Counted<DiagGaussian>>,
    chains: usize,
    burn: usize,
    n: usize,
    seed: u64,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut xs = Vec::new();
    let mut vs = Vec::new();
    for c in 0..chains {
        let mut r = rng::stream(seed, c as u64);
        let (mut st, _) = kernel.init(&[0.0], &mut r).unwrap();
        let (mut x2, mut v2) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..burn + n {
            kernel.step(&(), &mut st, &mut r).unwrap();
            if i >= burn {
                x2.push(st.position()[0].powi(2));
                v2.push(st.velocity()[0].powi(2));
            }
        }
        xs.push(x2);
        vs.push(v2);
    }
    (xs, vs)
}

/// Exact stationary variances on N(0, s²) (research notes §4.3, sympy Lyapunov
/// solve), with r = h²/(4s²):
/// BAOAB (s², 1 − r), OBABO (s²/(1 − r), 1), ABOBA (s², 1/(1 − r)).
/// Two settings, (s, h, γ) = (1, 1, 1) and (2, 1.5, 0.5): every exact value that
/// differs from the naive (s², 1) does so by more than 10 MCSE (asserted), so a
/// wrong splitting order or O coefficient fails. The means are 0 by symmetry, so
/// E[x²] and E[v²] are the variances.
#[test]
fn splittings_have_their_exact_stationary_variances() {
    for (s, h, gamma) in [(1.0f64, 1.0f64, 1.0), (2.0, 1.5, 0.5)] {
        let r = h * h / (4.0 * s * s);
        for (splitting, vx, vv) in [
            (Splitting::Baoab, s * s, 1.0 - r),
            (Splitting::Obabo, s * s / (1.0 - r), 1.0),
            (Splitting::Aboba, s * s, 1.0 / (1.0 - r)),
        ] {
            let target = Counted::new(DiagGaussian {
                mean: vec![0.0],
                sd: vec![s],
            });
            let kernel =
                Underdamped::new(&target, UnderdampedConfig::new(h, gamma, splitting)).unwrap();
            let (chains, burn, n) = (4, 1_000, 50_000);
            let (x2, v2) = squares(&kernel, chains, burn, n, 5);
            // One gradient per chain at init, then exactly one per step.
            assert_eq!(
                target.counts().gradient,
                (chains * (1 + burn + n)) as u64,
                "{splitting:?}"
            );
            assert_eq!(target.counts().density, 0);
            let what = format!("{splitting:?} s={s} h={h} γ={gamma}");
            let (_, mx) = assert_within_4_mcse(&format!("{what} Var x"), &x2, vx);
            let (_, mv) = assert_within_4_mcse(&format!("{what} Var v"), &v2, vv);
            for (exact, naive, mcse) in [(vx, s * s, mx), (vv, 1.0, mv)] {
                assert!(
                    exact == naive || (exact - naive).abs() > 10.0 * mcse,
                    "{what}: no power, exact {exact} naive {naive} MCSE {mcse}"
                );
            }
        }
    }
}

#[test]
fn init_draws_the_velocity_from_the_chain_stream_and_explicit_velocity_is_kept() {
    let target = DiagGaussian {
        mean: vec![0.0; 3],
        sd: vec![1.0; 3],
    };
    let k = Underdamped::new(&target, UnderdampedConfig::new(0.1, 1.0, Splitting::Baoab)).unwrap();
    let (st, cost) = k.init(&[0.0; 3], &mut rng::stream(5, 0)).unwrap();
    assert_eq!(cost, sampo_core::EvalCounts::gradient(1));
    let mut expect = [0.0; 3];
    rng::fill_standard_normal(&mut rng::stream(5, 0), &mut expect);
    assert_eq!(st.velocity(), &expect);
    let r = &mut rng::stream(5, 1);
    let (st2, _) = k
        .init_with_velocity(&[0.0; 3], &[1.0, 2.0, 3.0], r)
        .unwrap();
    assert_eq!(st2.velocity(), &[1.0, 2.0, 3.0]);
    assert!(k.init_with_velocity(&[0.0; 3], &[1.0], r).is_err());
    assert!(
        k.init_with_velocity(&[0.0; 3], &[1.0, f64::NAN, 0.0], r)
            .is_err()
    );
}

/// As for ULA: chain 1 starts where the cubic force overshoots and must be named.
#[test]
fn divergence_names_step_and_chain_for_every_splitting() {
    let target = Quartic { d: 2 };
    for splitting in [Splitting::Baoab, Splitting::Obabo, Splitting::Aboba] {
        let k = Underdamped::new(&target, UnderdampedConfig::new(0.1, 1.0, splitting)).unwrap();
        let init = Particles::from_rows(&[vec![0.1, 0.0], vec![0.0, 30.0]]).unwrap();
        let err = Runner::new(&k, RunConfig::new(2, 0, 200, 3))
            .unwrap()
            .run(&init)
            .unwrap_err();
        match &err {
            CoreError::Diverged { step, chain, .. } => {
                assert_eq!(*chain, 1, "{splitting:?}: {err}");
                assert!(*step >= 1 && *step <= 20, "{splitting:?}: {err}");
            }
            other => panic!("{splitting:?}: expected a divergence, got {other}"),
        }
    }
}

/// A run stopped at a segment boundary and resumed from its checkpoint equals the
/// uninterrupted run bit for bit (the undrawn-velocity flag and the cached
/// gradient are part of the serialized state).
#[test]
fn checkpoint_resume_is_bit_exact() {
    let target = DiagGaussian {
        mean: vec![0.5, -0.5],
        sd: vec![1.0, 2.0],
    };
    for splitting in [Splitting::Baoab, Splitting::Obabo, Splitting::Aboba] {
        let k = Underdamped::new(&target, UnderdampedConfig::new(0.3, 0.7, splitting)).unwrap();
        let mut cfg = RunConfig::new(3, 50, 150, 9);
        cfg.segment = 25;
        let init = Particles::repeat(&[0.0, 0.0], 1);
        let full = Runner::new(&k, cfg.clone())
            .unwrap()
            .run(&init)
            .unwrap()
            .finished()
            .unwrap();
        let path = std::env::temp_dir().join(format!(
            "sampo-langevin-ud-{splitting:?}-{}.json",
            std::process::id()
        ));
        let stopped = Runner::new(&k, cfg.clone())
            .unwrap()
            .observe(StopAfter(75))
            .checkpoint_to(&path)
            .run(&init)
            .unwrap();
        assert!(matches!(stopped, Outcome::Stopped { .. }));
        let resumed = Runner::new(&k, cfg)
            .unwrap()
            .resume(&path)
            .unwrap()
            .finished()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(full.samples, resumed.samples, "{splitting:?}");
    }
}
