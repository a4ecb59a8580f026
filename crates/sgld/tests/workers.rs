//! DSGLD and FSGLD on workers ([`sampo_sgld::Workers`]): the chains travelling over
//! the network are the independent chains of the kernel, bit for bit, in one process
//! and with the workers split over several "processes" (threads joined by a
//! barrier network: the MPI backend's contract, without MPI; the MPI run itself is
//! `.ci/run`'s `mpirun` check of the CLI).

mod common;

use common::logistic;
use sampo_core::rng::stream;
use sampo_core::{
    Counted, EvalCounts, EvalSource, FiniteSumTarget, Kernel, Outcome, Particles, PopulationKernel,
    Run, RunConfig, Runner, Target,
};
use sampo_distributed::DistributedError;
use sampo_distributed::network::{InProcess, Network, Routes, Traffic};
use sampo_sgld::{Center, DsgldConfig, FsgldConfig, Precision, Sgld, Surrogate, Visits, Workers};
use std::ops::Range;
use std::sync::{Arc, Barrier, Mutex};

/// Chains, and a plan whose kept steps (10, 13, 16, 19) fall on and between the
/// visits' ends (every 4 steps).
const CHAINS: usize = 5;
const TAU: u64 = 4;

fn plan() -> RunConfig {
    let mut rc = RunConfig::new(CHAINS, 7, 12, 21);
    rc.thin = 3;
    rc
}

fn init(d: usize) -> Particles {
    let rows: Vec<f64> = (0..CHAINS * d).map(|i| 0.1 * i as f64 - 0.3).collect();
    Particles::from_vec(CHAINS, d, rows).unwrap()
}

fn dsgld(visits: Visits) -> DsgldConfig {
    DsgldConfig {
        step_size: 0.01,
        batch_size: 3,
        shards: 4,
        local_steps: TAU,
        visits,
        ..DsgldConfig::default()
    }
}

fn fsgld(visits: Visits, surrogate: Surrogate) -> FsgldConfig {
    FsgldConfig::with_surrogate(dsgld(visits), surrogate)
}

/// The configurations checked: DSGLD and FSGLD (Laplace at the global MAP: Newton
/// over the gathered shards; moments), both visit rules.
fn cases() -> Vec<(String, Option<DsgldConfig>, Option<FsgldConfig>)> {
    let mut out = Vec::new();
    for visits in [Visits::RoundRobin, Visits::Categorical] {
        out.push((format!("dsgld {visits:?}"), Some(dsgld(visits)), None));
        for (name, s) in [
            ("laplace", Surrogate::default()),
            (
                "moments",
                Surrogate::Moments {
                    steps: 200,
                    precision: Precision::Diagonal,
                    variance_floor: 0.0,
                },
            ),
            (
                "laplace local",
                Surrogate::Laplace {
                    center: Center::LocalMap,
                    precision: Precision::Full,
                    variance_floor: 0.0,
                },
            ),
        ] {
            out.push((
                format!("fsgld {name} {visits:?}"),
                None,
                Some(fsgld(visits, s)),
            ));
        }
    }
    out
}

type NetFn<'n> = Box<dyn FnOnce(Routes) -> Result<Box<dyn Network + 'n>, DistributedError> + 'n>;

fn build<'n, T: FiniteSumTarget>(
    t: T,
    d: &Option<DsgldConfig>,
    f: &Option<FsgldConfig>,
    net: NetFn<'n>,
) -> Workers<'n, T> {
    match (d, f) {
        (Some(d), _) => Workers::dsgld(t, d.clone(), net).unwrap(),
        (_, Some(f)) => Workers::fsgld(t, f.clone(), 3, net).unwrap(),
        _ => unreachable!(),
    }
}

fn run<T: FiniteSumTarget>(w: Workers<'_, T>) -> (Run, EvalCounts) {
    let w = w.keeping(&plan());
    let out = Runner::population(&w, plan())
        .unwrap()
        .run(&init(w.dim()))
        .unwrap();
    let Outcome::Finished(run) = out else {
        panic!("stopped")
    };
    // What this process's chains spent, from the steps' reports.
    let steps = run.reported_evaluations;
    assert!(steps.data_terms > 0);
    (run, steps)
}

#[test]
fn chains_on_workers_are_the_kernels_independent_chains() {
    let t = logistic();
    for (what, d, f) in cases() {
        let w = build(&t, &d, &f, Box::new(|r| Ok(Box::new(InProcess::new(r)))));
        // The same chains, one at a time, through the kernel's own init and step.
        let k: &Sgld<&_> = w.kernel();
        let cfg = plan();
        let x0 = init(t.dim());
        let mut want = Vec::new();
        for c in 0..CHAINS {
            let mut rng = stream(cfg.seed, c as u64);
            let (mut st, _) = k.init_chain(x0.row(c), &mut rng, c).unwrap();
            for s in 1..=cfg.warmup + cfg.draws {
                k.step(&(), &mut st, &mut rng).unwrap();
                if s > cfg.warmup && (s - cfg.warmup).is_multiple_of(cfg.thin) {
                    want.extend_from_slice(st.position());
                }
            }
        }
        let kernel_draws = want;
        let (got, _) = run(w);
        assert_eq!(got.samples.as_slice(), &kernel_draws[..], "{what}");
        assert_eq!(got.draws_per_chain, 4, "{what}");
    }
}

#[test]
fn round_robin_chains_start_spread_over_the_workers() {
    let t = logistic();
    let k = Sgld::dsgld(&t, dsgld(Visits::RoundRobin)).unwrap();
    let first: Vec<usize> = (0..CHAINS)
        .map(|c| {
            let mut rng = stream(1, c as u64);
            k.init_chain(&[0.0; 3], &mut rng, c).unwrap().0.shard()
        })
        .collect();
    assert_eq!(first, [0, 1, 2, 3, 0]);
}

/// The MPI backend's blocks: process p of P holds agents ⌊pN/P⌋ .. ⌊(p+1)N/P⌋.
fn block(agents: usize, processes: usize, p: usize) -> Range<usize> {
    p * agents / processes..(p + 1) * agents / processes
}

/// Workers split over `processes` threads: a network whose rounds meet at a barrier
/// and pass through a shared board of every agent's row (the MPI backend's
/// contract: a block of agents per process, fixed routes, all-or-nothing rounds).
struct Board {
    rows: Mutex<Vec<f64>>,
    barrier: Barrier,
}

struct Split {
    routes: Routes,
    local: Range<usize>,
    board: Arc<Board>,
    traffic: Traffic,
}

impl Split {
    /// Posts the local rows, waits for every process, then reads with `read`.
    fn round(&mut self, m: usize, local_rows: &[f64], read: impl FnOnce(&[f64])) {
        {
            let mut rows = self.board.rows.lock().unwrap();
            let n = self.routes.agents();
            rows.resize(n * m, 0.0);
            rows[self.local.start * m..self.local.end * m].copy_from_slice(local_rows);
        }
        self.board.barrier.wait();
        read(&self.board.rows.lock().unwrap());
        self.board.barrier.wait();
    }
}

impl Network for Split {
    fn routes(&self) -> &Routes {
        &self.routes
    }
    fn local(&self) -> Range<usize> {
        self.local.clone()
    }
    fn exchange(&mut self, m: usize, out: &[f64], inc: &mut [f64]) -> Result<(), DistributedError> {
        let (routes, local) = (self.routes.clone(), self.local.clone());
        let mut moved = 0;
        self.round(m, out, |rows| {
            let mut k = 0;
            for a in local.clone() {
                for &s in routes.sources(a) {
                    inc[k * m..(k + 1) * m].copy_from_slice(&rows[s * m..(s + 1) * m]);
                    moved += u64::from(s != a);
                    k += 1;
                }
            }
        });
        self.traffic.rounds += 1;
        self.traffic.messages += moved;
        self.traffic.bytes += 8 * m as u64 * moved;
        Ok(())
    }
    fn gather(&mut self, m: usize, local: &[f64], all: &mut [f64]) -> Result<(), DistributedError> {
        self.round(m, local, |rows| all.copy_from_slice(&rows[..all.len()]));
        Ok(())
    }
    fn traffic(&self) -> Traffic {
        self.traffic
    }
}

#[test]
fn workers_split_over_processes_give_the_in_process_run() {
    let t = logistic();
    for processes in [2usize, 3] {
        for (what, d, f) in cases() {
            let counted = Counted::new(&t);
            let (want, want_steps) = run(build(
                &counted,
                &d,
                &f,
                Box::new(|r| Ok(Box::new(InProcess::new(r)))),
            ));
            let want_total = counted.counter().counts();
            let board = Arc::new(Board {
                rows: Mutex::new(Vec::new()),
                barrier: Barrier::new(processes),
            });
            let results: Vec<(Run, EvalCounts, EvalCounts, EvalCounts)> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = (0..processes)
                        .map(|p| {
                            let board = board.clone();
                            let (d, f, t) = (d.clone(), f.clone(), &t);
                            scope.spawn(move || {
                                let counted = Counted::new(t);
                                let net: NetFn<'_> = Box::new(move |routes: Routes| {
                                    let local = block(routes.agents(), processes, p);
                                    Ok(Box::new(Split {
                                        routes,
                                        local,
                                        board,
                                        traffic: Traffic::default(),
                                    }))
                                });
                                let w = build(&counted, &d, &f, net);
                                let setup = counted.counter().counts();
                                let total_setup = w.sum_counts(setup).unwrap();
                                let (r, steps) = run(w);
                                (r, steps, setup, total_setup)
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
            let what = format!("{what}, {processes} processes");
            let mut steps = EvalCounts::ZERO;
            let mut setup = EvalCounts::ZERO;
            for (r, s, local_setup, total_setup) in &results {
                assert_eq!(r.samples.as_slice(), want.samples.as_slice(), "{what}");
                assert_eq!(
                    r.diagnostics.final_positions, want.diagnostics.final_positions,
                    "{what}"
                );
                steps += *s;
                setup += *local_setup;
                assert_eq!(*total_setup, want_total.since(&want_steps), "{what}");
            }
            // Every data term is counted once, by the process that touched it.
            assert_eq!(steps, want_steps, "{what}");
            assert_eq!(setup + steps, want_total, "{what}");
        }
    }
}
