//! Config: TOML defaults, round trip, and bad values naming the field.

use sampo_rdmc::{Grid, InnerConfig, Output, Rdmc, RdmcConfig};

#[test]
fn empty_and_partial_toml_take_the_defaults() {
    let c: RdmcConfig = toml::from_str("").unwrap();
    assert_eq!(c, RdmcConfig::default());
    let c: RdmcConfig =
        toml::from_str("[schedule]\nT = 3.0\nK = 10\n[inner]\nkind = \"ula\"\nsteps = 5\n")
            .unwrap();
    assert_eq!(c.schedule.horizon, 3.0);
    assert_eq!(c.schedule.steps, 10);
    assert_eq!(c.schedule.grid, Grid::Geometric);
    match c.inner {
        InnerConfig::Ula(u) => {
            assert_eq!(u.steps, 5);
            assert_eq!(u.chains, 8);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.output, Output::Posterior);
    Rdmc::new(c).unwrap();
}

#[test]
fn toml_round_trip() {
    for text in [
        "",
        "integrator = \"euler_maruyama\"\noutput = \"tweedie\"\nschedule = { grid = \"uniform\" }\ninner = { kind = \"is\", samples = 64, proposal = \"iid\" }",
        "inner = { kind = \"mala\", is_only_above = 1.5 }\ninit = { warm_start_steps = 0 }",
        "inner = { kind = \"mala\", start_samples = 32, proposal = \"antithetic\" }\nschedule = { linear_above = 2.0 }",
    ] {
        let c: RdmcConfig = toml::from_str(text).unwrap();
        let back: RdmcConfig = toml::from_str(&toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c, "{text}");
    }
}

#[test]
fn unknown_fields_are_rejected() {
    assert!(toml::from_str::<RdmcConfig>("horizon = 3.0").is_err());
    assert!(toml::from_str::<RdmcConfig>("schedule = { horizn = 3.0 }").is_err());
    assert!(toml::from_str::<RdmcConfig>("inner = { kind = \"is\", chains = 3 }").is_err());
    assert!(toml::from_str::<RdmcConfig>("inner = { kind = \"hmc\" }").is_err());
}

fn err(text: &str) -> String {
    let c: RdmcConfig = toml::from_str(text).unwrap();
    Rdmc::new(c).unwrap_err().to_string()
}

#[test]
fn bad_values_name_the_field() {
    let e = err("schedule = { horizon = 0.05, early_stop = 0.05 }");
    assert!(
        e.contains("schedule.horizon") && e.contains("early_stop"),
        "{e}"
    );
    let e = err("schedule = { early_stop = 0.0 }");
    assert!(e.contains("schedule.early_stop"), "{e}");
    let e = err("schedule = { steps = 0 }");
    assert!(e.contains("schedule.steps"), "{e}");
    let e = err("inner = { kind = \"is\", samples = 0 }");
    assert!(e.contains("inner.samples"), "{e}");
    let e = err("inner = { kind = \"mala\", chains = 0 }");
    assert!(e.contains("inner.chains"), "{e}");
    let e = err("inner = { kind = \"ula\", step_scale = -0.1 }");
    assert!(e.contains("inner.step_scale"), "{e}");
    let e = err("inner = { kind = \"ula\", max_step = 0.0 }");
    assert!(e.contains("inner.max_step"), "{e}");
    let e = err("inner = { kind = \"mala\", keep = 0.0 }");
    assert!(e.contains("inner.keep"), "{e}");
    let e = err("init = { step_scale = 0.0 }");
    assert!(e.contains("init.step_scale"), "{e}");
    let e = err("inner = { kind = \"mala\", start_samples = 0 }");
    assert!(e.contains("inner.start_samples"), "{e}");
    let e = err("inner = { kind = \"is\", defensive_fraction = 1.0 }");
    assert!(e.contains("inner.defensive_fraction"), "{e}");
    let e = err("inner = { kind = \"mala\", defensive_scale = 0.5 }");
    assert!(e.contains("inner.defensive_scale"), "{e}");
    let e = err("schedule = { linear_above = -1.0 }");
    assert!(e.contains("schedule.linear_above"), "{e}");
    assert!(
        toml::from_str::<RdmcConfig>("inner = { kind = \"is\", proposal = \"sobol\" }").is_err()
    );
}
