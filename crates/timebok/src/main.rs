//! The `timebok` command.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    web::log_panics_without_their_message();
    match timebok::run(timebok::Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("timebok: {error}");
            ExitCode::FAILURE
        }
    }
}
