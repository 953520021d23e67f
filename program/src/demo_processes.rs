//! `vmo-interop demo` across processes (the default on a Linux host): the sysmem service, the
//! producer and two consumers each run as a process of their own, started by this one on a
//! private host platform directory and stopped by it on every path.
//!
//! 1. `vmo-interop sysmem` serves `fuchsia.sysmem2.Allocator` in the private `/svc`;
//! 2. `vmo-interop demo-producer` connects to it, allocates a shared collection, duplicates
//!    two tokens and serves `/svc/vmo-interop.demo.producer`;
//! 3. two `vmo-interop demo-consumer` processes connect to the producer and receive their
//!    tokens over the channel; everyone sets constraints; sysmem allocates;
//! 4. the producer's GPU writes the pattern; each consumer verifies it through read-only
//!    mappings and shows that the kernel and the OS refuse its writes;
//! 5. the participants release and exit; closing the service's standard input stops it.
//!
//! The report is each process's lines, with the time since the demo started and the process's
//! name, then a table of the intervals each process measured. Any process that fails ends the
//! demo: the others are killed and reaped, and the private directory is removed
//! ([`Session`]).

use anyhow::Result;

use crate::processes::READY;
use crate::report::human;
use crate::session::Session;
use crate::Outcome;

/// Which process the hidden `--fault` option makes exit mid-demo without releasing its
/// collection, as a crash would (for the tests of clean-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    Producer,
    ConsumerA,
    ConsumerB,
    /// Consumer B exits while consumer A hangs (and has to be killed).
    ConsumerBWhileAHangs,
}

pub fn run(device: usize, size: u64, buffers: u32, fault: Option<Fault>) -> Result<Outcome> {
    let mut session = Session::new("demo")?;
    let result = run_processes(&mut session, device, size, buffers, fault);
    session.finish(result)?;
    println!("demo passed in {}", human(session.elapsed()));
    Ok(Outcome::Pass)
}

fn run_processes(
    session: &mut Session,
    device: usize,
    size: u64,
    buffers: u32,
    fault: Option<Fault>,
) -> Result<()> {
    session.start_sysmem()?;
    let role = |role: &str, extra: &[String], injected: Fault| {
        let mut args = vec![role.to_owned(), "--size".to_owned(), size.to_string()];
        args.extend_from_slice(extra);
        if fault == Some(injected) {
            args.push("--fault".to_owned());
        }
        args
    };
    let producer_args = role(
        "demo-producer",
        &[
            "--device".to_owned(),
            device.to_string(),
            "--buffers".to_owned(),
            buffers.to_string(),
        ],
        Fault::Producer,
    );
    let producer = session.start("producer", &producer_args)?;
    session.wait_for(producer, READY)?;
    let mut participants = vec![producer];
    for (name, letter, injected) in [
        ("consumer A", "A", Fault::ConsumerA),
        ("consumer B", "B", Fault::ConsumerB),
    ] {
        let mut args = role(
            "demo-consumer",
            &["--name".to_owned(), letter.to_owned()],
            injected,
        );
        if fault == Some(Fault::ConsumerBWhileAHangs) {
            args.push(if letter == "A" { "--hang" } else { "--fault" }.to_owned());
        }
        participants.push(session.start(name, &args)?);
    }
    let failed = session.wait_participants(&participants)?;
    session.stop_sysmem()?;
    match failed {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
