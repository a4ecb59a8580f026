//! The MPI backend's checks, run under `mpirun` by `tests/mpi.rs` (and by hand):
//!
//! - `mpi_agents equal`: D-ADMMS (cycle; complete with the reference neighbour sum)
//!   and D-SGHMC (complete) on a 20-agent linear regression with the agents split
//!   over the ranks; rank 0 runs the same kernels in process and checks that the
//!   reported samples and every agent's positions are bit-identical, and prints the
//!   traffic per round.
//! - `mpi_agents kill`: rank 1 dies (abort) after round 3: mpirun ends the job.
//! - `mpi_agents stall`: rank 1 stops answering after round 3: the other ranks give
//!   up after `SAMPO_MPI_TIMEOUT` seconds and abort the job.

use sampo_distributed::kernel::Decentralized;
use sampo_distributed::mpi_net::MpiNetwork;
use sampo_distributed::{AdmmConfig, Common, GraphSpec, Method, NeighbourSum, SghmcConfig};
use sampo_targets::{DataSource, LinearRegression, Synthetic};
use std::process::ExitCode;

fn target() -> LinearRegression {
    let src = DataSource {
        synthetic: Some(Synthetic {
            points: 20 * 10,
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

fn cases() -> Vec<(&'static str, Method, Common)> {
    let admm = AdmmConfig {
        iterations: 30,
        ..AdmmConfig::default()
    };
    let reference = AdmmConfig {
        graph: GraphSpec::Complete,
        neighbour_sum: NeighbourSum::Reference,
        iterations: 30,
        ..AdmmConfig::default()
    };
    let sghmc = SghmcConfig {
        graph: GraphSpec::Complete,
        iterations: 30,
        ..SghmcConfig::default()
    };
    vec![
        ("admm cycle", Method::from(&admm), admm.common()),
        (
            "admm complete, reference sum",
            Method::from(&reference),
            reference.common(),
        ),
        ("d-sghmc complete", Method::from(&sghmc), sghmc.common()),
    ]
}

const CHAINS: usize = 16;
const SEED: u64 = 2024;

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "equal".into());
    let Some((_universe, _)) = mpi::initialize_with_threading(mpi::Threading::Serialized) else {
        eprintln!("mpi_agents: MPI was already initialized");
        return ExitCode::FAILURE;
    };
    let rank = {
        use mpi::traits::Communicator;
        mpi::topology::SimpleCommunicator::world().rank()
    };
    let t = target();
    let mut ok = true;
    for (name, method, common) in cases() {
        let k = Decentralized::with_network(&t, method.clone(), common.clone(), CHAINS, |routes| {
            Ok(Box::new(MpiNetwork::from_env(routes)?))
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (mut st, _) = k.start(SEED).unwrap();
        for round in 1..=common.iterations {
            if round == 4 && rank == 1 {
                match mode.as_str() {
                    "kill" => std::process::abort(),
                    "stall" => std::thread::sleep(std::time::Duration::from_secs(600)),
                    _ => {}
                }
            }
            k.round(&mut st, round).unwrap();
        }
        let all = k.gather_all(&st).unwrap();
        if rank == 0 {
            let local = Decentralized::new(&t, method, common, CHAINS).unwrap();
            let (mut ls, _) = local.start(SEED).unwrap();
            for round in 1..=k.run_config(0).draws {
                local.round(&mut ls, round).unwrap();
            }
            let same = ls.x == all && ls.reported == st.reported;
            let tr = k.traffic();
            println!(
                "{name}: {} in process and over MPI; rank 0's agents read {} bytes per round, \
                 of which it sent {} bytes to other ranks",
                if same { "bit-identical" } else { "DIFFERENT" },
                tr.bytes / tr.rounds.max(1),
                tr.wire_bytes / tr.rounds.max(1)
            );
            ok &= same;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
