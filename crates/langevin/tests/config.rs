//! Configs: TOML round-trips, defaults, unknown fields, and errors naming the field.

use sampo_langevin::{
    DualAveraging, LangevinConfig, LangevinError, Mala, MalaConfig, Splitting, Ula, UlaConfig,
    Underdamped, UnderdampedConfig,
};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Suite {
    sampler: LangevinConfig,
}

fn parse(s: &str) -> Result<Suite, toml::de::Error> {
    toml::from_str(s)
}

#[test]
fn toml_reads_the_cli_form() {
    let s = parse("[sampler]\nkind = \"mala\"\nstep_size = 0.1\n").unwrap();
    assert_eq!(s.sampler, LangevinConfig::Mala(MalaConfig::new(0.1)));
    assert_eq!(s.sampler.kind(), "mala");

    let s = parse("[sampler]\nkind = \"mala\"\nstep_size = 0.1\nadapt = {}\n").unwrap();
    assert_eq!(
        s.sampler,
        LangevinConfig::Mala(MalaConfig::new(0.1).with_adaptation(DualAveraging::default()))
    );
    let s = parse(
        "[sampler]\nkind = \"mala\"\nstep_size = 0.1\n[sampler.adapt]\ntarget_accept = 0.65\nkappa = 0.8\n",
    )
    .unwrap();
    let LangevinConfig::Mala(m) = &s.sampler else {
        panic!()
    };
    let da = m.adapt.as_ref().unwrap();
    assert_eq!(
        (da.target_accept, da.kappa, da.t0, da.gamma),
        (0.65, 0.8, 10.0, 0.05)
    );

    let s = parse("[sampler]\nkind = \"ula\"\nstep_size = 0.01\n").unwrap();
    assert_eq!(s.sampler, LangevinConfig::Ula(UlaConfig::new(0.01)));

    // Defaults: friction 1, BAOAB; splitting names in either case.
    let s = parse("[sampler]\nkind = \"underdamped\"\nstep_size = 0.2\n").unwrap();
    assert_eq!(
        s.sampler,
        LangevinConfig::Underdamped(UnderdampedConfig::new(0.2, 1.0, Splitting::Baoab))
    );
    let s = parse(
        "[sampler]\nkind = \"underdamped\"\nstep_size = 0.2\nfriction = 0.5\nsplitting = \"obabo\"\n",
    )
    .unwrap();
    assert_eq!(
        s.sampler,
        LangevinConfig::Underdamped(UnderdampedConfig::new(0.2, 0.5, Splitting::Obabo))
    );
}

#[test]
fn toml_round_trips_every_kind() {
    let configs = [
        LangevinConfig::Ula(UlaConfig::new(0.05)),
        LangevinConfig::Mala(MalaConfig::new(0.3)),
        LangevinConfig::Mala(MalaConfig::new(0.3).with_adaptation(DualAveraging {
            target_accept: 0.6,
            t0: 5.0,
            gamma: 0.1,
            kappa: 1.0,
            mu_scale: 2.0,
        })),
        LangevinConfig::Underdamped(UnderdampedConfig::new(0.1, 2.0, Splitting::Aboba)),
    ];
    for c in configs {
        let suite = Suite { sampler: c };
        let text = toml::to_string(&suite).unwrap();
        assert!(text.contains("kind = "), "{text}");
        let back: Suite = toml::from_str(&text).unwrap();
        assert_eq!(back, suite, "{text}");
        // JSON too (checkpoints and result files).
        let json = serde_json::to_string(&suite).unwrap();
        assert_eq!(serde_json::from_str::<Suite>(&json).unwrap(), suite);
    }
}

#[test]
fn toml_rejects_unknown_fields_and_kinds() {
    for bad in [
        "[sampler]\nkind = \"mala\"\nstep_size = 0.1\nstepsize = 0.2\n",
        "[sampler]\nkind = \"ula\"\nstep_size = 0.1\nfriction = 1.0\n",
        "[sampler]\nkind = \"mala\"\nstep_size = 0.1\n[sampler.adapt]\ndelta = 0.5\n",
        "[sampler]\nkind = \"underdamped\"\nstep_size = 0.1\nsplitting = \"BABO\"\n",
        "[sampler]\nkind = \"hmc\"\nstep_size = 0.1\n",
        "[sampler]\nstep_size = 0.1\n",
    ] {
        assert!(parse(bad).is_err(), "accepted: {bad}");
    }
}

/// Asserts the error names the field (and the value) and is a parameter error.
fn names(e: LangevinError, field: &str, value: &str) {
    let msg = e.to_string();
    assert!(matches!(e, LangevinError::InvalidParameter { .. }), "{msg}");
    assert!(
        msg.contains(&format!("`{field}`")),
        "{msg} does not name {field}"
    );
    assert!(msg.contains(value), "{msg} does not show {value}");
}

#[test]
fn bad_configs_name_the_field() {
    #[derive(Debug)]
    struct T;
    impl sampo_core::Target for T {
        fn dim(&self) -> usize {
            1
        }
        fn log_density(&self, _: &[f64]) -> f64 {
            0.0
        }
    }
    impl sampo_core::GradTarget for T {
        fn log_density_grad(&self, _: &[f64], g: &mut [f64]) -> f64 {
            g[0] = 0.0;
            0.0
        }
    }
    for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        names(
            Ula::new(T, UlaConfig::new(h)).unwrap_err(),
            "step_size",
            &h.to_string(),
        );
        names(
            Mala::new(T, MalaConfig::new(h)).unwrap_err(),
            "step_size",
            &h.to_string(),
        );
        names(
            Underdamped::new(T, UnderdampedConfig::new(h, 1.0, Splitting::Baoab)).unwrap_err(),
            "step_size",
            &h.to_string(),
        );
        names(
            Underdamped::new(T, UnderdampedConfig::new(0.1, h, Splitting::Obabo)).unwrap_err(),
            "friction",
            &h.to_string(),
        );
    }
    let da = |f: &dyn Fn(&mut DualAveraging)| {
        let mut d = DualAveraging::default();
        f(&mut d);
        Mala::new(T, MalaConfig::new(0.1).with_adaptation(d)).unwrap_err()
    };
    names(da(&|d| d.target_accept = 1.0), "adapt.target_accept", "1");
    names(da(&|d| d.target_accept = 0.0), "adapt.target_accept", "0");
    names(da(&|d| d.kappa = 0.5), "adapt.kappa", "0.5");
    names(da(&|d| d.kappa = 1.2), "adapt.kappa", "1.2");
    names(da(&|d| d.gamma = 0.0), "adapt.gamma", "0");
    names(da(&|d| d.t0 = -1.0), "adapt.t0", "-1");
    names(da(&|d| d.mu_scale = f64::NAN), "adapt.mu_scale", "NaN");

    // The sampler is named too, and LangevinConfig::validate agrees.
    let e = LangevinConfig::Underdamped(UnderdampedConfig::new(0.1, -2.0, Splitting::Baoab))
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("underdamped"), "{e}");
    // Converts into the core error, keeping the field.
    let c: sampo_core::CoreError = e.into();
    assert!(c.to_string().contains("underdamped.friction"), "{c}");
    assert!(
        LangevinConfig::Mala(MalaConfig::new(0.1))
            .validate()
            .is_ok()
    );
}

#[test]
fn zero_dimensional_targets_are_rejected() {
    #[derive(Debug)]
    struct Z;
    impl sampo_core::Target for Z {
        fn dim(&self) -> usize {
            0
        }
        fn log_density(&self, _: &[f64]) -> f64 {
            0.0
        }
    }
    impl sampo_core::GradTarget for Z {
        fn log_density_grad(&self, _: &[f64], _: &mut [f64]) -> f64 {
            0.0
        }
    }
    assert!(Ula::new(Z, UlaConfig::new(0.1)).is_err());
    assert!(Mala::new(Z, MalaConfig::new(0.1)).is_err());
    assert!(Underdamped::new(Z, UnderdampedConfig::new(0.1, 1.0, Splitting::Baoab)).is_err());
}
