//! `serve`: the memory backend as an S3 endpoint, for any SDK, tool or browser.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};

use stowage_core::SigningCredentials;
use stowage_memory::{HttpServer, MemoryStorage};

use super::error::{CliError, CmdResult, EXIT_OK};
use crate::cli::ServeArgs;

/// The region the store answers for, and signatures must name.
const REGION: &str = "us-east-1";

/// Serves an empty in-memory store on 127.0.0.1 until Ctrl-C, printing first the shell
/// variables (`export NAME=value` lines) that point the AWS SDKs and CLI at it.
pub(super) async fn serve(args: &ServeArgs) -> CmdResult {
    let mut builder = MemoryStorage::builder();
    if let Some(credentials) = credentials(args) {
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
    server.allow_unsigned(args.anonymous);
    if !args.allow_origins.is_empty() {
        for bucket in &args.buckets {
            server.allow_origins(bucket, args.allow_origins.iter().cloned());
        }
    }
    let credentials = storage.credentials();
    let variables = [
        ("AWS_ENDPOINT_URL", server.endpoint()),
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id()),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key()),
        ("AWS_REGION", REGION),
    ];
    let mut stdout = std::io::stdout().lock();
    variables
        .iter()
        .try_for_each(|(name, value)| writeln!(stdout, "export {name}={value}"))
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::Local(format!("cannot print the endpoint: {error}")))?;
    drop(stdout);
    eprintln!(
        "stowage: serving an in-memory S3 endpoint at {} (nothing is persisted){}; Ctrl-C stops it",
        server.endpoint(),
        if args.anonymous {
            ", unsigned requests answered"
        } else {
            ""
        }
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| CliError::Local(format!("cannot wait for Ctrl-C: {error}")))?;
    Ok(EXIT_OK)
}

/// The flags' key pair, else `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` when both are
/// set and not empty, else none (the store makes a random one).
fn credentials(args: &ServeArgs) -> Option<SigningCredentials> {
    if let (Some(id), Some(secret)) = (&args.access_key_id, &args.secret_access_key) {
        return Some(SigningCredentials::new(id, secret));
    }
    let access_key_id = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
    let secret_access_key = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
    (!access_key_id.is_empty() && !secret_access_key.is_empty())
        .then(|| SigningCredentials::new(access_key_id, secret_access_key))
}
