//! `hash-key`.

use super::error::{CmdResult, EXIT_OK};
use crate::cli::HashKeyArgs;

/// Prints the key's hash, as logs and error messages show it.
pub(super) fn hash_key(args: &HashKeyArgs) -> CmdResult {
    println!("{}", stowage_core::hash_s3_key(&args.key));
    Ok(EXIT_OK)
}
