//! Golden values: what a fixed seed gives, pinned (rand_distr's value-stability
//! tests are the model), so that a dependency upgrade or a refactor that changes
//! the random streams or the arithmetic of a step fails loudly here. The thread-count
//! and resume identity tests elsewhere check consistency; these check stability.
//!
//! The values were produced by this code at the commit that added them; the
//! samplers' outputs at that commit were checked bit for bit against the outputs of
//! the previous implementation (`sampo-bench sample` on ULA, MALA, adaptive MALA,
//! underdamped Langevin and three rdMC configurations). Floats compare to 1e-14
//! relative, as rand_distr does, to allow for platforms that differ in the last bit.

use sampo_core::rng::{self, StreamRng};
use sampo_core::{Counted, ExactSampler, GradTarget, Kernel, Particles, PopulationKernel, Target};
use sampo_langevin::{Mala, MalaConfig, Splitting, Ula, UlaConfig, Underdamped, UnderdampedConfig};
use sampo_rdmc::{Rdmc, RdmcConfig};

/// Fails with the values got, so a deliberate change can re-pin them (with
/// `SAMPO_REPIN=1` every pin prints its values instead of failing).
fn pin(what: &str, got: &[f64], want: &[f64]) {
    if std::env::var_os("SAMPO_REPIN").is_some() {
        eprintln!("PIN {what}: {got:?}");
        return;
    }
    let ok = got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| (g - w).abs() <= 1e-14 * w.abs().max(1.0));
    assert!(ok, "{what}: got {got:?}, pinned {want:?}");
}

/// N(0, diag(1, 1/4)).
struct Gauss;
impl Target for Gauss {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -0.5 * (x[0] * x[0] + 4.0 * x[1] * x[1])
    }
}
impl GradTarget for Gauss {
    fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = -x[0];
        g[1] = -4.0 * x[1];
        self.log_density(x)
    }
}

#[test]
fn rng_streams_are_pinned() {
    use rand::Rng;
    let mut a = rng::stream(0, 0);
    let mut b = rng::stream(7, 3);
    let words: Vec<u64> = (0..3)
        .map(|_| a.next_u64())
        .chain((0..3).map(|_| b.next_u64()))
        .collect();
    if std::env::var_os("SAMPO_REPIN").is_some() {
        eprintln!("PIN words: {words:?}");
    } else {
        assert_eq!(words, GOLDEN_WORDS, "stream words: {words:?}");
    }
    let mut r = rng::stream(1, 2);
    let z: Vec<f64> = (0..3).map(|_| rng::standard_normal(&mut r)).collect();
    pin("standard normals of stream (1, 2)", &z, &GOLDEN_NORMALS);
    let u: Vec<f64> = (0..2).map(|_| rng::uniform(&mut r)).collect();
    pin("uniforms after them", &u, &GOLDEN_UNIFORMS);
    let mut s: StreamRng = rng::split(&mut r);
    pin(
        "a split stream's first normal",
        &[rng::standard_normal(&mut s)],
        &GOLDEN_SPLIT,
    );
}

fn one_step<K: Kernel>(k: &K, tuning_steps: usize) -> Vec<f64> {
    let mut r = rng::stream(42, 0);
    let (mut st, _) = k.init(&[0.3, -0.7], &mut r).unwrap();
    let tuning = k.initial_tuning();
    for _ in 0..tuning_steps {
        k.step(&tuning, &mut st, &mut r).unwrap();
    }
    k.position(&st).to_vec()
}

#[test]
fn one_step_of_each_kernel_is_pinned() {
    pin(
        "ULA h = 0.1",
        &one_step(&Ula::new(&Gauss, UlaConfig::new(0.1)).unwrap(), 1),
        &GOLDEN_ULA,
    );
    pin(
        "MALA h = 0.2, 3 steps",
        &one_step(&Mala::new(&Gauss, MalaConfig::new(0.2)).unwrap(), 3),
        &GOLDEN_MALA,
    );
    for (s, want) in [
        (Splitting::Baoab, GOLDEN_BAOAB),
        (Splitting::Obabo, GOLDEN_OBABO),
        (Splitting::Aboba, GOLDEN_ABOBA),
    ] {
        let k = Underdamped::new(&Gauss, UnderdampedConfig::new(0.3, 1.5, s)).unwrap();
        pin(&format!("{s:?} h = 0.3"), &one_step(&k, 1), &want);
    }
}

#[test]
fn the_first_rdmc_steps_are_pinned() {
    let c: RdmcConfig = toml::from_str(
        "schedule = { steps = 8, horizon = 2.0 }\ninner = { kind = \"is\", samples = 256 }",
    )
    .unwrap();
    let rdmc = Rdmc::new(c).unwrap();
    let t = Counted::new(Gauss);
    let k = rdmc.kernel(&t, true);
    let (mut st, cost) = k
        .init(&Particles::zeros(1, 2), 9)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cost.density, 256);
    let init = k.positions(&st).to_vec();
    pin("rdMC initial particle", &init, &GOLDEN_RDMC_INIT);
    k.step(&mut st, 1).unwrap();
    k.step(&mut st, 2).unwrap();
    pin(
        "rdMC after two reverse steps",
        k.positions(&st),
        &GOLDEN_RDMC_STEP2,
    );
}

#[test]
fn exact_draws_are_pinned() {
    let m = sampo_targets::GaussianMixture::eight_gaussians();
    let p = m.sample_exact_n(2, 9);
    pin("8-gaussians exact draws", p.as_slice(), &GOLDEN_EXACT);
}

/// A registry-built sampler's run of 8 samples on `Gauss`, seed 3, N(0, I) start.
fn run_on_gauss(
    built: &sampo_core::plugin::Built,
    budget: sampo_core::plugin::Budget,
) -> sampo_core::Run {
    use sampo_core::plugin::{AnyTarget, Control, Init, Job, TargetRef};
    let t = AnyTarget::Gradient(Box::new(Gauss));
    let job = Job {
        n: 8,
        budget,
        chains: None,
        seed: 3,
        init: Init::Normal { scale: 1.0 },
    };
    let counter = sampo_core::Counter::new();
    built
        .sampler
        .run(TargetRef::new(&t, &counter), &job, Control::none())
        .unwrap()
        .finished()
        .unwrap()
}

/// The baselines through their registry entries: 8 particles (chains) on `Gauss` at
/// 60 gradient evaluations per sample, seed 3; the first two samples, and log Ẑ
/// where the sampler estimates it. NUTS's pin also catches a nuts-rs update that
/// changes its streams or arithmetic; it holds on x86-64 with AVX2 and FMA, the
/// path nuts-rs's SIMD layer (pulp, feature `x86-v3`) takes there, and is skipped
/// elsewhere (its scalar fallback rounds differently).
#[test]
fn the_baselines_are_pinned() {
    use sampo_core::plugin::Budget;
    for (kind, want) in [
        ("smc", &GOLDEN_SMC[..]),
        ("ais", &GOLDEN_AIS[..]),
        ("pt", &GOLDEN_PT[..]),
        ("nuts", &GOLDEN_NUTS[..]),
    ] {
        if kind == "nuts" && !pulp_takes_x86_v3() {
            eprintln!("nuts pin skipped: it is pinned on x86-64 with AVX2 and FMA only");
            continue;
        }
        let built = sampo_bench::registry::registry().build_named(kind).unwrap();
        let run = run_on_gauss(&built, Budget::gradient(60));
        let mut got = run.samples.as_slice()[..4].to_vec();
        got.extend(run.diagnostics.stats.get("log_z"));
        pin(kind, &got, want);
    }
}

/// The flows through their registry entries: 8 particles on `Gauss`, seed 3; the
/// first two samples and their log weights. `snf` trains a small flow (2 transforms
/// of [8] nets, 20 ML + 20 mixed iterations on 64 annealed data points), so the pin
/// also covers the initialization, the training streams and Adam (and the GEMM
/// kernel matrixmultiply picks at run time: AVX2/FMA on this project's machines).
#[test]
fn the_flows_are_pinned() {
    use sampo_core::plugin::Budget;
    let small: toml::Table = toml::from_str(
        "kind = \"snf\"\nflow = { transforms = 2, hidden = [8] }\n\
         train = { ml_iterations = 20, mixed_iterations = 20, batch = 16 }\n\
         data = { n = 64 }\nanneal = { blocks = 3 }",
    )
    .unwrap();
    for (kind, want) in [("snf-free", &GOLDEN_SNF_FREE[..]), ("snf", &GOLDEN_SNF[..])] {
        let reg = sampo_bench::registry::registry();
        let built = if kind == "snf" {
            reg.build(&small).unwrap()
        } else {
            reg.build_named(kind).unwrap()
        };
        let run = run_on_gauss(&built, Budget::gradient(1));
        let mut got = run.samples.as_slice()[..4].to_vec();
        got.extend(&run.log_weights.expect("weighted output")[..2]);
        pin(kind, &got, want);
    }
}

/// The slice samplers through their registry entries: 8 chains on `Gauss` at 60
/// density evaluations per sample, seed 3; the first two samples.
#[test]
fn the_slice_samplers_are_pinned() {
    use sampo_core::plugin::{AnyTarget, Control, Init, Job, TargetRef};
    let t = AnyTarget::Gradient(Box::new(Gauss));
    for (kind, want) in [
        ("gpss", &GOLDEN_GPSS[..]),
        ("hruss", &GOLDEN_HRUSS[..]),
        ("elliptical", &GOLDEN_ELLIPTICAL[..]),
        ("slice", &GOLDEN_SLICE[..]),
    ] {
        let built = sampo_bench::registry::registry().build_named(kind).unwrap();
        let job = Job {
            n: 8,
            budget: "density:60".parse().unwrap(),
            chains: None,
            seed: 3,
            init: Init::Normal { scale: 1.0 },
        };
        let run = built
            .sampler
            .run(
                TargetRef::new(&t, &sampo_core::Counter::new()),
                &job,
                Control::none(),
            )
            .unwrap()
            .finished()
            .unwrap();
        pin(kind, &run.samples.as_slice()[..4], want);
    }
}

/// Walk-jump through its registry entry (defaults: 64 measurements, analytic
/// scores, underdamped walks) on the 8-Gaussians mixture: 4 particles from
/// N(0, I), seed 3; the first two samples.
#[test]
fn walkjump_is_pinned() {
    use sampo_core::plugin::{AnyTarget, Control, Init, Job, TargetRef};
    let t = AnyTarget::Gradient(Box::new(sampo_targets::GaussianMixture::eight_gaussians()));
    let built = sampo_bench::registry::registry()
        .build_named("walkjump")
        .unwrap();
    let job = Job {
        n: 4,
        budget: sampo_core::plugin::Budget::gradient(984),
        chains: None,
        seed: 3,
        init: Init::Normal { scale: 1.0 },
    };
    let run = built
        .sampler
        .run(
            TargetRef::new(&t, &sampo_core::Counter::new()),
            &job,
            Control::none(),
        )
        .unwrap()
        .finished()
        .unwrap();
    pin("walkjump", &run.samples.as_slice()[..4], &GOLDEN_WALKJUMP);
}

/// The gradient-free diffusions through their registry entries (defaults: pilot
/// reference, ensemble-mixture estimates) on the 8-Gaussians mixture: 4 particles,
/// 3200 density evaluations per sample, seed 3; the first two samples.
#[test]
fn ensemble_diffusions_are_pinned() {
    use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, TargetRef};
    let t = AnyTarget::Gradient(Box::new(sampo_targets::GaussianMixture::eight_gaussians()));
    for (kind, want) in [
        ("follmer", &GOLDEN_FOLLMER),
        ("ou-ensemble", &GOLDEN_OU_ENSEMBLE),
    ] {
        let built = sampo_bench::registry::registry().build_named(kind).unwrap();
        let job = Job {
            n: 4,
            budget: Budget {
                unit: sampo_core::CostUnit::Density,
                per_sample: 3200,
            },
            chains: None,
            seed: 3,
            init: Init::Normal { scale: 1.0 },
        };
        let run = built
            .sampler
            .run(
                TargetRef::new(&t, &sampo_core::Counter::new()),
                &job,
                Control::none(),
            )
            .unwrap()
            .finished()
            .unwrap();
        pin(kind, &run.samples.as_slice()[..4], want);
    }
}

/// Whether nuts-rs's SIMD dispatch runs its AVX2/FMA kernels on this machine.
fn pulp_takes_x86_v3() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

const GOLDEN_WORDS: [u64; 6] = [
    18353448787882852715,
    5247628295075597669,
    4410003019446201239,
    2127681152851702100,
    13208953060659833664,
    8904366315308566127,
];
const GOLDEN_NORMALS: [f64; 3] = [-2.051480041665491, 0.41651698697935063, -2.0820139570319465];
const GOLDEN_UNIFORMS: [f64; 2] = [0.14501349467905844, 0.7034931496295734];
const GOLDEN_SPLIT: [f64; 1] = [0.5754164444647745];
const GOLDEN_ULA: [f64; 2] = [-0.7784074720530427, -0.8164908048049202];
const GOLDEN_MALA: [f64; 2] = [-0.6259492110275187, -0.05348656010821298];
const GOLDEN_BAOAB: [f64; 2] = [-0.11260216042710834, -0.8453828184867271];
const GOLDEN_OBABO: [f64; 2] = [-0.0026546996228965503, -0.8344741641337292];
const GOLDEN_ABOBA: [f64; 2] = [-0.09964516867507353, -0.8257823168704811];
const GOLDEN_RDMC_INIT: [f64; 2] = [-0.03905414135369902, -0.3160624574695493];
const GOLDEN_RDMC_STEP2: [f64; 2] = [-1.0480685576586615, -0.7017464667821615];
const GOLDEN_EXACT: [f64; 4] = [
    6.804175541361745,
    -8.874928932496907,
    10.293424778603681,
    0.7583850606154504,
];
const GOLDEN_SMC: [f64; 5] = [
    0.9211562778389322,
    -0.16378955463624634,
    1.9254359497199685,
    0.39712117254419094,
    0.9154144920910502,
];
const GOLDEN_SNF_FREE: [f64; 6] = [
    1.0317798638692661,
    -0.40148151116080777,
    0.01910687666705834,
    0.05737010408191415,
    1.3168264840133372,
    0.8623712286322647,
];
const GOLDEN_SNF: [f64; 6] = [
    0.4345234926206834,
    -0.10558260117962914,
    1.9772471077680234,
    -0.5029089649582263,
    1.7905026529244827,
    2.3549647485238703,
];
const GOLDEN_AIS: [f64; 5] = [
    -0.3269824953724983,
    0.6849959317573766,
    -0.28324509369192,
    -0.5918062543802883,
    1.0946366002019716,
];
const GOLDEN_PT: [f64; 4] = [
    -1.1346954091330974,
    -0.10279288502326714,
    -0.43290154298413003,
    0.3180175243113468,
];
const GOLDEN_NUTS: [f64; 4] = [
    -0.31045816995271264,
    0.16010046202224687,
    2.0755820359535653,
    -0.5753696027390316,
];
const GOLDEN_GPSS: [f64; 4] = [
    0.3251054966272108,
    -0.9432651600982165,
    -0.8048853131867653,
    0.06695110699241316,
];
const GOLDEN_HRUSS: [f64; 4] = [
    -1.60647651402977,
    -0.5499310657165235,
    2.357612569098192,
    -0.4021490291381882,
];
const GOLDEN_ELLIPTICAL: [f64; 4] = [
    -1.6303382181523847,
    -0.23827819185697002,
    0.695700542515727,
    0.027462270493163382,
];
const GOLDEN_SLICE: [f64; 4] = [
    0.7695282351714128,
    -0.5160255445472888,
    -0.17229692570253796,
    -0.05730661620078892,
];
const GOLDEN_WALKJUMP: [f64; 4] = [
    0.06511714841037472,
    10.466310925678844,
    9.543230970692235,
    -0.3266194153148084,
];
const GOLDEN_FOLLMER: [f64; 4] = [
    7.598572683652737,
    -7.3309181447492255,
    -8.781160155168005,
    7.613106854070891,
];
const GOLDEN_OU_ENSEMBLE: [f64; 4] = [
    -7.596372455336171,
    7.054022034007813,
    0.8747450360969424,
    -9.196687760356518,
];

/// The distributed samplers through their registry entries with their defaults (20
/// agents on a cycle, 100 rounds): 8 chains, seed 3, on a 2-D linear regression over
/// 40 synthetic points (seed 10); the first two samples. D-ADMMS's pin covers the
/// closed-form proximal plans, the others the mixing weights and the noise streams.
#[test]
fn the_distributed_samplers_are_pinned() {
    use sampo_core::plugin::{Budget, Init, Job};
    let t = sampo_conformance::regression(40);
    for (kind, want) in [
        ("admm", &GOLDEN_ADMM[..]),
        ("d-sgld", &GOLDEN_DSGLD[..]),
        ("d-sghmc", &GOLDEN_DSGHMC[..]),
        ("d-ula", &GOLDEN_DULA[..]),
    ] {
        let built = sampo_bench::registry::registry().build_named(kind).unwrap();
        let job = Job {
            n: 8,
            budget: Budget::gradient(1),
            chains: None,
            seed: 3,
            init: Init::Normal { scale: 1.0 },
        };
        let run = sampo_conformance::run_built(&built, &t, &job);
        pin(kind, &run.samples.as_slice()[..4], want);
    }
}

#[test]
fn sgld_is_pinned() {
    use sampo_core::plugin::{Init, Job};
    let t = sampo_conformance::regression(40);
    for (what, table, want) in [
        (
            "sgld",
            "kind = \"sgld\"\nstep_size = 0.01\nbatch_size = 4",
            &GOLDEN_SGLD[..],
        ),
        (
            "psgld, polynomial",
            "kind = \"sgld\"\nstep_size = 0.01\nbatch_size = 4\n\
             schedule = { kind = \"polynomial\", b = 5.0, gamma = 0.55 }\n\
             preconditioner = { kind = \"rmsprop\" }",
            &GOLDEN_PSGLD[..],
        ),
        (
            // The mode (two passes over the 40 points) and the gradient there (one)
            // leave 65 of the 80 data terms per sample: 8 steps of 2 × 4 per chain.
            "sgld-cv",
            "kind = \"sgld\"\nstep_size = 0.01\nbatch_size = 4\ncontrol_variate = \"map\"",
            &GOLDEN_SGLD_CV[..],
        ),
        (
            "dsgld, categorical",
            "kind = \"dsgld\"\nstep_size = 0.01\nbatch_size = 4\nlocal_steps = 3\n\
             visits = \"categorical\"",
            &GOLDEN_DSGLD_SHARDS[..],
        ),
        (
            // The Laplace fit (two passes over the 40 points) leaves 70 of the 80 data
            // terms per sample: 17 steps per chain.
            "fsgld",
            "kind = \"fsgld\"\nstep_size = 0.01\nbatch_size = 4\nlocal_steps = 3",
            &GOLDEN_FSGLD[..],
        ),
        (
            "fsgld, moments, diagonal",
            "kind = \"fsgld\"\nstep_size = 0.01\nbatch_size = 4\nlocal_steps = 3\n\
             surrogate = { kind = \"moments\", steps = 4, precision = \"diagonal\", variance_floor = 0.1 }",
            &GOLDEN_FSGLD_MOMENTS[..],
        ),
    ] {
        let table: toml::Table = toml::from_str(table).unwrap();
        let built = sampo_bench::registry::registry().build(&table).unwrap();
        let job = Job {
            n: 8,
            // 20 steps of 4 data terms per chain.
            budget: "data-terms:80".parse().unwrap(),
            chains: None,
            seed: 3,
            init: Init::Normal { scale: 1.0 },
        };
        let run = sampo_conformance::run_built(&built, &t, &job);
        pin(what, &run.samples.as_slice()[..4], want);
    }
}

const GOLDEN_SGLD: [f64; 4] = [
    -1.5117342933205524,
    -1.6944907567711966,
    -2.215359983721533,
    -1.9066124706917402,
];
const GOLDEN_DSGLD_SHARDS: [f64; 4] = [
    -1.8403527584482922,
    -0.23730452540425542,
    -1.3159246342050444,
    -2.2280485197849305,
];
const GOLDEN_SGLD_CV: [f64; 4] = [
    -0.41487056579723314,
    -0.6506678992218445,
    -0.5164507145642917,
    -1.163995893959203,
];
const GOLDEN_FSGLD: [f64; 4] = [
    -0.30292682125372467,
    -1.442622568456011,
    -0.6056028817935967,
    -1.7449702224190768,
];
const GOLDEN_FSGLD_MOMENTS: [f64; 4] = [
    -0.5182003348554779,
    -1.5752084960280541,
    -1.0607447466139588,
    -1.9079690999932004,
];
const GOLDEN_PSGLD: [f64; 4] = [
    -5.205326747879215,
    -4.423901606177067,
    -4.618209522699441,
    -4.174141964731941,
];

const GOLDEN_ADMM: [f64; 4] = [
    -2.2184089549675674,
    -1.5793771784895483,
    -2.630531666698744,
    -1.6681568240049447,
];
const GOLDEN_DSGLD: [f64; 4] = [
    -1.6509092403754713,
    -0.7627263248598906,
    -0.7522584747264491,
    -0.18640013640847675,
];
const GOLDEN_DSGHMC: [f64; 4] = [
    -2.014130653579921,
    -0.8789462113707793,
    -1.329847101750448,
    -0.5058608980876915,
];
const GOLDEN_DULA: [f64; 4] = [
    -2.00222149174871,
    -0.9069415923995492,
    -0.9924610717639848,
    -0.320265261874088,
];
