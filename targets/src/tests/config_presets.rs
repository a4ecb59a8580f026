//! Presets and TOML/serde configs, including bad input.

use crate::*;
use sampo_core::Target;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct File {
    target: TargetConfig,
}

fn parse(s: &str) -> Result<TargetConfig, String> {
    toml::from_str::<File>(s)
        .map(|f| f.target)
        .map_err(|e| e.to_string())
}

fn build_err(s: &str) -> String {
    match parse(s) {
        Err(e) => e,
        Ok(c) => c
            .build()
            .err()
            .expect("config should be rejected")
            .to_string(),
    }
}

#[test]
fn every_preset_builds_and_matches_its_dimension() {
    for name in preset_names() {
        let n = name.replace("<d>", "7").replace("<L>", "4");
        let t = preset(&n).unwrap_or_else(|e| panic!("{n}: {e}"));
        let d = t.dim();
        assert!(d >= 1);
        // Distinct coordinates: particle presets are −∞ where two particles meet.
        let x: Vec<f64> = (0..d).map(|i| 0.3 + 0.37 * i as f64).collect();
        assert!(t.log_density(&x).is_finite(), "{n}");
    }
    assert_eq!(preset("gauss-12").unwrap().dim(), 12);
    assert_eq!(preset("two-modes-64").unwrap().dim(), 64);
    assert_eq!(preset("gmm100").unwrap().dim(), 100);
    assert_eq!(preset("funnel").unwrap().dim(), 10);
    assert_eq!(preset("many-well-32").unwrap().dim(), 32);
    assert_eq!(preset("dw4").unwrap().dim(), 8);
    assert_eq!(preset("lj13").unwrap().dim(), 39);
    assert_eq!(preset("lj55").unwrap().dim(), 165);
    assert_eq!(preset("phi4-16").unwrap().dim(), 256);
    assert_eq!(preset("muller-brown").unwrap().dim(), 2);
    for (name, frame) in [
        ("dw4", Some((4, 2))),
        ("lj13", Some((13, 3))),
        ("lj55", Some((55, 3))),
    ]
    .into_iter()
    .chain([("phi4-8", None), ("muller-brown", None), ("gauss-3", None)])
    {
        let got = preset_frame(name).map(|f| (f.particles(), f.spatial_dim()));
        assert_eq!(got, frame, "{name}");
    }
    assert_eq!(preset_descriptions().len(), preset_names().len());
    // gauss-<d> is N(0, I): log p(0) = −(d/2) ln 2π.
    let g = preset("gauss-3").unwrap();
    assert!((g.log_density(&[0.0; 3]) + 1.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-14);
}

#[test]
fn bad_preset_names() {
    let e = preset("gmm41").err().unwrap().to_string();
    assert!(e.contains("gmm41"), "{e}");
    for n in preset_names() {
        assert!(e.contains(n), "{e} misses {n}");
    }
    assert!(matches!(
        preset("gauss-abc"),
        Err(TargetError::UnknownPreset { .. })
    ));
    let e = preset("gauss-0").err().unwrap().to_string();
    assert!(e.contains("gauss-<d>") && e.contains("0"), "{e}");
    assert!(preset("cauchy-99999999999").is_err());
    assert!(preset("").is_err());
}

#[test]
fn user_gmm_in_toml() {
    let s = r#"
[target]
kind = "gmm"
weights = [1.0, 3.0]
means = [[-2.0, 0.0], [2.0, 1.0]]
stds = [1.0, 0.5]
"#;
    let c = parse(s).unwrap();
    let t = c.build().unwrap();
    let direct = GaussianMixture::isotropic(
        vec![0.25, 0.75],
        vec![vec![-2.0, 0.0], vec![2.0, 1.0]],
        &[1.0, 0.5],
    )
    .unwrap();
    for x in [[0.0, 0.0], [1.0, -1.0], [2.0, 1.0]] {
        assert_eq!(t.log_density(&x), direct.log_density(&x));
    }
    assert_eq!(t.log_z(), Some(0.0));
    assert!(t.exact_sampler().is_some());
    // Round trip: serialize and parse again.
    let back = toml::to_string(&File { target: c.clone() }).unwrap();
    assert_eq!(parse(&back).unwrap(), c, "{back}");
}

#[test]
fn double_well_coefficients_come_from_the_file() {
    let c = parse("[target]\nkind = \"double-well\"\na = 1.0\nb = -4.0\nc = 0.5\n").unwrap();
    let t = c.build().unwrap();
    let direct = crate::DoubleWell::with_coefficients(1.0, -4.0, 0.5).unwrap();
    let x = [0.3, -0.7];
    assert_eq!(t.log_density(&x), direct.log_density(&x));
    assert_eq!(t.log_z(), direct.log_z());
    // u(x) = 1·0.3 − 4·0.09 + 0.5·0.0081 + ½·0.49.
    let u = 0.3 - 4.0 * 0.09 + 0.5 * 0.0081 + 0.5 * 0.49;
    assert!((t.log_density(&x) + u).abs() < 1e-14);
    let err = parse("[target]\nkind = \"double-well\"\nc = -1.0\n")
        .unwrap()
        .build()
        .err()
        .expect("c < 0 accepted")
        .to_string();
    assert!(err.contains("`c`") || err.contains("c "), "{err}");
}

#[test]
fn every_kind_round_trips() {
    let cases = [
        "kind = \"gaussian\"\nmean = [1.0, 2.0]\ncov = [[2.0, 0.5], [0.5, 1.0]]",
        "kind = \"gaussian\"\nmean = [1.0, 2.0]\nstd = 2.0",
        "kind = \"gaussian\"\nmean = [1.0, 2.0]\nstds = [2.0, 0.1]",
        "kind = \"gmm\"\nmeans = [[0.0, 0.0], [0.0, 11.0]]\ncovs = [[[1.0, 0.5], [0.5, 1.0]], [[0.3, -0.2], [-0.2, 0.3]]]",
        "kind = \"funnel\"",
        "kind = \"funnel\"\ndim = 5\nscale = 1.0",
        "kind = \"many-well\"\ndim = 8",
        "kind = \"double-well\"",
        "kind = \"double-well\"\na = 1.0\nb = -4.0\nc = 0.5",
        "kind = \"rings\"\nnum_rings = 3\nsigma = 0.2",
        "kind = \"cauchy\"\ndim = 4",
        "kind = \"hyperplane-disk\"\ndim = 4",
        "kind = \"axial-modes\"\ndim = 4",
        "preset = \"gmm40-fab\"",
        "preset = \"two-modes-16\"",
    ];
    for body in cases {
        let c = parse(&format!("[target]\n{body}\n")).unwrap_or_else(|e| panic!("{body}: {e}"));
        let t = c.build().unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(t.log_density(&vec![0.1; t.dim()]).is_finite());
        let back = toml::to_string(&File { target: c.clone() }).unwrap();
        assert_eq!(parse(&back).unwrap(), c, "{back}");
    }
    // Defaults are the benchmark targets.
    let f = parse("[target]\nkind = \"funnel\"\n")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(f.dim(), 10);
    assert_eq!(
        f.log_density(&[1.0; 10]),
        Funnel::hard().log_density(&[1.0; 10])
    );
    let m = parse("[target]\nkind = \"many-well\"\n")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(m.log_z(), ManyWell::d32().log_z());
    let zod = parse(&format!("[target]\n{}\nweights = [0.1, 0.2]\n", cases[3]))
        .unwrap()
        .build()
        .unwrap();
    let x = [0.5, 3.0];
    let direct = GaussianMixture::full(
        vec![1.0, 2.0],
        vec![vec![0.0, 0.0], vec![0.0, 11.0]],
        &[
            vec![vec![1.0, 0.5], vec![0.5, 1.0]],
            vec![vec![0.3, -0.2], vec![-0.2, 0.3]],
        ],
    )
    .unwrap();
    assert!((zod.log_density(&x) - direct.log_density(&x)).abs() < 1e-14);
}

#[test]
fn bad_configs_name_the_field() {
    let gmm = |extra: &str| format!("[target]\nkind = \"gmm\"\n{extra}\n");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            gmm("weights = [1.0, -1.0]\nmeans = [[0.0], [1.0]]\nstds = [1.0, 1.0]"),
            vec!["weights[1]", "-1"],
        ),
        (
            gmm("weights = [1.0, 1.0]\nmeans = [[0.0, 1.0], [1.0, 2.0, 3.0]]\nstds = [1.0, 1.0]"),
            vec!["means[1]", "expected 2, got 3"],
        ),
        (
            gmm("weights = [1.0]\nmeans = [[0.0], [1.0]]\nstds = [1.0, 1.0]"),
            vec!["weights", "expected 2, got 1"],
        ),
        (
            gmm("means = [[0.0], [1.0]]\nstds = [1.0]"),
            vec!["stds", "expected 2, got 1"],
        ),
        (
            gmm("means = [[0.0], [1.0]]\nstds = [1.0, 0.0]"),
            vec!["stds[1]", "> 0"],
        ),
        (gmm("means = [[0.0], [1.0]]"), vec!["covs", "stds"]),
        (
            gmm("means = [[0.0, 0.0]]\ncovs = [[[1.0, 2.0], [2.0, 1.0]]]"),
            vec!["covs[0]", "positive definite"],
        ),
        (
            gmm("means = [[0.0, 0.0]]\ncovs = [[[1.0, 0.2], [0.3, 1.0]]]"),
            vec!["covs[0][1][0]", "symmetric"],
        ),
        (
            gmm("means = [[0.0, 0.0]]\ncovs = [[[1.0, 0.0, 0.0], [0.0, 1.0]]]"),
            vec!["covs[0][0]", "expected 2, got 3"],
        ),
        (
            gmm("means = [[0.0, 0.0]]\nstds = [1.0]\ncolour = 3"),
            vec!["colour"],
        ),
        (gmm("means = []\nstds = []"), vec!["means"]),
        (
            "[target]\nkind = \"gaussian\"\nmean = [0.0, 0.0]\ncov = [[1.0, 0.0]]".into(),
            vec!["cov", "expected 2, got 1"],
        ),
        (
            "[target]\nkind = \"gaussian\"\nmean = [0.0]\nstd = 1.0\nstds = [1.0]".into(),
            vec!["std"],
        ),
        (
            "[target]\nkind = \"funnel\"\nscale = -1.0".into(),
            vec!["scale", "-1"],
        ),
        (
            "[target]\nkind = \"funnel\"\ndim = 1".into(),
            vec!["dim", "1"],
        ),
        (
            "[target]\nkind = \"many-well\"\ndim = 5".into(),
            vec!["dim", "even"],
        ),
        (
            "[target]\nkind = \"rings\"\nsigma = 0.0".into(),
            vec!["sigma"],
        ),
        ("[target]\nkind = \"cauchy\"\ndim = 0".into(), vec!["dim"]),
        ("[target]\nkind = \"cauchy\"".into(), vec!["dim"]),
        ("[target]\nkind = \"gmmm\"".into(), vec!["gmmm"]),
        (
            "[target]\npreset = \"nope\"".into(),
            vec!["nope", "gmm40-fab"],
        ),
        (
            "[target]\npreset = \"9gmm\"\nkind = \"gmm\"".into(),
            vec!["preset", "kind"],
        ),
    ];
    for (s, needles) in cases {
        let e = build_err(&s);
        for n in needles {
            assert!(e.contains(n), "error for\n{s}\nis `{e}`, missing `{n}`");
        }
    }
}

#[test]
fn targets_are_send_sync_and_configs_serde() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Gaussian>();
    send_sync::<GaussianMixture>();
    send_sync::<Funnel>();
    send_sync::<ManyWell>();
    send_sync::<DoubleWell>();
    send_sync::<Rings>();
    send_sync::<Cauchy>();
    send_sync::<HyperplaneDisk>();
    send_sync::<AxialModes>();
    fn serde_clone<T: Serialize + for<'a> Deserialize<'a> + Clone + std::fmt::Debug>() {}
    serde_clone::<TargetConfig>();
    serde_clone::<TargetSpec>();
}

#[test]
fn physics_kinds_in_toml_set_every_parameter() {
    let x8 = [0.3, -0.2, 4.1, 0.5, 3.7, 4.4, -0.6, 3.9];
    let c = parse(
        "[target]\nkind = \"dw4\"\na = 0.5\nb = -2.0\nc = 0.1\nd0 = 3.0\ntemperature = 2.0\n",
    )
    .unwrap();
    let direct = MultiDoubleWell::new(4, 2, 0.5, -2.0, 0.1, 3.0)
        .unwrap()
        .with_temperature(2.0)
        .unwrap();
    assert_eq!(c.build().unwrap().log_density(&x8), direct.log_density(&x8));
    assert_eq!(c.frame().unwrap(), Some(ComFrame::new(4, 2).unwrap()));
    // Defaults are DW-4.
    let d = parse("[target]\nkind = \"dw4\"\n")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(d.log_density(&x8), MultiDoubleWell::dw4().log_density(&x8));

    let c = parse(
        "[target]\nkind = \"lennard-jones\"\nparticles = 5\nspatial_dim = 2\nepsilon = 2.0\nr_m = 1.5\noscillator = 0.0\n",
    )
    .unwrap();
    let x10: Vec<f64> = (0..10)
        .map(|i| 0.4 * i as f64 + 0.1 * (i % 3) as f64)
        .collect();
    let direct = LennardJones::new(5, 2, 2.0, 1.5, 0.0).unwrap();
    assert_eq!(
        c.build().unwrap().log_density(&x10),
        direct.log_density(&x10)
    );
    assert_eq!(c.frame().unwrap(), Some(ComFrame::new(5, 2).unwrap()));

    let mb = parse("[target]\nkind = \"muller-brown\"\nscale = 0.05\ntemperature = 0.5\n")
        .unwrap()
        .build()
        .unwrap();
    let want = MullerBrown::new(0.05)
        .unwrap()
        .with_temperature(0.5)
        .unwrap();
    assert_eq!(mb.log_density(&[0.1, 0.2]), want.log_density(&[0.1, 0.2]));
    let wq = parse("[target]\nkind = \"wolfe-quapp\"\ntheta = 0.0\n")
        .unwrap()
        .build()
        .unwrap();
    let want = WolfeQuapp::new(2.0, 0.0, 1.0).unwrap();
    assert_eq!(wq.log_density(&[0.1, 0.2]), want.log_density(&[0.1, 0.2]));
    let phi = parse("[target]\nkind = \"phi4\"\nsize = 6\nkappa = 0.25\nlambda = 0.5\n")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(phi.dim(), 36);
    let f: Vec<f64> = (0..36).map(|i| (i as f64 * 0.7).sin()).collect();
    assert_eq!(
        phi.log_density(&f),
        Phi4::new(6, 0.25, 0.5).unwrap().log_density(&f)
    );
    assert_eq!(
        parse("[target]\nkind = \"phi4\"\n")
            .unwrap()
            .frame()
            .unwrap(),
        None
    );
}

#[test]
fn bad_physics_parameters_are_named() {
    for (toml, field) in [
        ("kind = \"dw4\"\ntemperature = 0.0", "temperature"),
        ("kind = \"dw4\"\na = -1.0", "a"),
        ("kind = \"dw4\"\nparticles = 1", "particles"),
        ("kind = \"lennard-jones\"\nr_m = 0.0", "r_m"),
        ("kind = \"lennard-jones\"\noscillator = -1.0", "oscillator"),
        ("kind = \"lennard-jones\"\ntemperature = nan", "temperature"),
        ("kind = \"muller-brown\"\nscale = -0.1", "scale"),
        ("kind = \"wolfe-quapp\"\ntheta = inf", "theta"),
        ("kind = \"phi4\"\nsize = 1", "size"),
        ("kind = \"phi4\"\nkappa = -0.1", "kappa"),
    ] {
        let e = build_err(&format!("[target]\n{toml}\n"));
        assert!(e.contains(field), "{toml}: {e}");
    }
    let e = parse("[target]\nkind = \"dw4\"\nd_0 = 4.0\n").unwrap_err();
    assert!(e.contains("d_0"), "{e}");
}
