//! The `alliance` binary: parse the command line, start logging, dispatch.

use std::process::ExitCode;

use alliance_api::cli::Cli;
use alliance_api::telemetry;
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match cli.run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            tracing::error!(%error, detail = ?error, "stopped");
            eprintln!("alliance: {error}");
            ExitCode::FAILURE
        }
    }
}
