//! `LangevinConfig::build`: the kind-dispatching kernel reproduces the concrete
//! kernels bit for bit and checkpoints like them.

mod common;

use common::Correlated2;
use sampo_core::{Kernel, Outcome, Particles, Run, RunConfig, Runner, StopAfter};
use sampo_langevin::{AnyLangevin, LangevinConfig, Mala, Ula, Underdamped};

fn run<K: Kernel>(k: &K, cfg: &RunConfig) -> Run {
    Runner::new(k, cfg.clone())
        .unwrap()
        .run(&Particles::repeat(&[0.5, -0.5], 1))
        .unwrap()
        .finished()
        .unwrap()
}

#[test]
fn built_kernels_match_the_concrete_ones() {
    let target = Correlated2 { rho: 0.3 };
    let cfg = RunConfig::new(3, 40, 60, 8);
    for text in [
        "kind = \"ula\"\nstep_size = 0.1\n",
        "kind = \"mala\"\nstep_size = 0.4\nadapt = { target_accept = 0.7 }\n",
        "kind = \"underdamped\"\nstep_size = 0.2\nsplitting = \"ABOBA\"\n",
    ] {
        let c: LangevinConfig = toml::from_str(text).unwrap();
        let any = c.build(&target).unwrap();
        let a = run(&any, &cfg);
        let b = match (&c, &any) {
            (LangevinConfig::Ula(u), AnyLangevin::Ula(_)) => {
                run(&Ula::new(&target, u.clone()).unwrap(), &cfg)
            }
            (LangevinConfig::Mala(m), AnyLangevin::Mala(_)) => {
                run(&Mala::new(&target, m.clone()).unwrap(), &cfg)
            }
            (LangevinConfig::Underdamped(u), AnyLangevin::Underdamped(_)) => {
                run(&Underdamped::new(&target, u.clone()).unwrap(), &cfg)
            }
            _ => panic!("built the wrong kind for {text}"),
        };
        assert_eq!(a.samples, b.samples, "{text}");
        assert_eq!(a.diagnostics, b.diagnostics, "{text}");
    }
    let bad: LangevinConfig = toml::from_str("kind = \"ula\"\nstep_size = -1.0\n").unwrap();
    assert!(bad.build(&target).is_err());
}

#[test]
fn built_kernel_resumes_bit_exact() {
    let target = Correlated2 { rho: 0.3 };
    let c: LangevinConfig =
        toml::from_str("kind = \"mala\"\nstep_size = 0.4\nadapt = {}\n").unwrap();
    let k = c.build(&target).unwrap();
    let mut cfg = RunConfig::new(2, 60, 60, 5);
    cfg.segment = 20;
    let full = run(&k, &cfg);
    let path = std::env::temp_dir().join(format!("sampo-langevin-any-{}.json", std::process::id()));
    let init = Particles::repeat(&[0.5, -0.5], 1);
    let stopped = Runner::new(&k, cfg.clone())
        .unwrap()
        .observe(StopAfter(40))
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
    assert_eq!(full.samples, resumed.samples);
    assert_eq!(full.diagnostics.step_sizes, resumed.diagnostics.step_sizes);
}
