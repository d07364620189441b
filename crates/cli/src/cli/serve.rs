//! Arguments of `serve`.

use clap::Args;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on, on 127.0.0.1; 0 (the default) picks a free port. The endpoint is
    /// printed on the first line of standard output.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) port: u16,

    /// Create this bucket (repeat for more). Buckets must follow S3's naming rules.
    #[arg(long = "bucket", value_name = "NAME")]
    pub(crate) buckets: Vec<String>,

    /// Let pages from this origin (e.g. http://localhost:8080, or * for any) read the
    /// answers of every bucket, like a bucket CORS rule (repeat for more). Without it,
    /// browsers can still post forms, but the page cannot read the answer.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub(crate) allow_origins: Vec<String>,
}
