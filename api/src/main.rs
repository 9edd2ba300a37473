//! The `alliance` binary: parse the command line, start logging, dispatch.

use std::process::ExitCode;

use alliance_api::cli::Cli;
use alliance_api::telemetry;
use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates and frees
/// thousands of small values on whichever worker thread runs it, and mimalloc
/// serves that faster and gives freed pages back to the system sooner than
/// glibc's per-thread arenas. Its version 2 line: it returns freed pages
/// after 10 ms where version 3 waits a second, which under load held a
/// third more memory for no gain in speed (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the runtime: the trace exporter has a thread of its own, and its
    // last batch is sent when `_telemetry` is dropped, after the runtime.
    let _telemetry = telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("alliance: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(cli.run()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            tracing::error!(%error, detail = ?error, "stopped");
            eprintln!("alliance: {error}");
            ExitCode::FAILURE
        }
    };
    drop(runtime);
    code
}
