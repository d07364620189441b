//! `serve`: the memory backend over HTTP, for browser tests without S3.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};

use stowage_core::SigningCredentials;
use stowage_memory::{HttpServer, MemoryStorage};

use super::error::{CliError, CmdResult, EXIT_OK};
use crate::cli::ServeArgs;

/// Serves an empty in-memory store on 127.0.0.1 until Ctrl-C, printing its endpoint first.
pub(super) async fn serve(args: &ServeArgs) -> CmdResult {
    let mut builder = MemoryStorage::builder();
    if let Some(credentials) = credentials_from_env() {
        builder = builder.credentials(credentials);
    }
    let storage = builder.build();
    for bucket in &args.buckets {
        storage
            .create_bucket(bucket)
            .map_err(|error| CliError::Invalid(format!("--bucket: {error}")))?;
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let server = HttpServer::bind(&storage, addr)
        .await
        .map_err(|error| CliError::Local(format!("cannot listen on {addr}: {error}")))?;
    if !args.allow_origins.is_empty() {
        for bucket in &args.buckets {
            server.allow_origins(bucket, args.allow_origins.iter().cloned());
        }
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", server.endpoint())
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::Local(format!("cannot print the endpoint: {error}")))?;
    drop(stdout);
    eprintln!(
        "stowage: serving an in-memory store at {} (nothing is persisted); Ctrl-C stops it",
        server.endpoint()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| CliError::Local(format!("cannot wait for Ctrl-C: {error}")))?;
    Ok(EXIT_OK)
}

/// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, when both are set and not empty.
fn credentials_from_env() -> Option<SigningCredentials> {
    let access_key_id = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
    let secret_access_key = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
    (!access_key_id.is_empty() && !secret_access_key.is_empty())
        .then(|| SigningCredentials::new(access_key_id, secret_access_key))
}
