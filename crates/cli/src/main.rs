//! `stowage`: presigned URLs, browser upload policies and object operations on S3 and
//! S3-compatible stores, from the command line.
//!
//! Exit codes: 0 success, 1 `exists` found nothing, 2 invalid input or usage, 3 not found,
//! 4 any other failure, 5 precondition failed, 6 not modified, 7 range not satisfiable.
//! Error messages name keys only by their hash.

mod cli;
mod commands;
mod logging;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

/// mimalloc rather than glibc's allocator. A download frees and allocates hundreds of
/// megabytes of HTTP receive buffers per GiB; glibc hands the freed pages of its per-thread
/// arenas back to the kernel at once, so each new buffer faults and is zeroed again (about
/// 50,000 page faults per GiB, a sixth of a download's CPU time), while mimalloc reuses them.
/// Built without transparent huge pages, which would round an upload's memory up by 2 MiB
/// pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("stowage: error: cannot start the async runtime: {error}");
            return ExitCode::from(commands::EXIT_FAILURE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        // A `Reported` failure has already explained itself (e.g. `rm`'s JSON report).
        Err(commands::CliError::Reported(code)) => ExitCode::from(code),
        Err(error) => {
            eprintln!("stowage: error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
