//! The `alliance` binary: parse the command line, start logging, dispatch.

use std::process::ExitCode;

use alliance_api::cli::Cli;
use alliance_api::telemetry;
use clap::Parser;

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
