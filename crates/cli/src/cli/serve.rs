//! Arguments of `serve`.

use clap::Args;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on, on 127.0.0.1; 0 (the default) picks a free port. The endpoint is
    /// printed on the first line of standard output.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) port: u16,

    /// Create this bucket (repeat for more). Buckets must follow S3's naming rules; clients
    /// can also create them (CreateBucket).
    #[arg(long = "bucket", value_name = "NAME")]
    pub(crate) buckets: Vec<String>,

    /// Let pages from this origin (e.g. http://localhost:8080, or * for any) send requests
    /// to every bucket and read the answers, like a bucket CORS rule (repeat for more).
    /// Clients can also set a bucket's rules (PutBucketCors).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub(crate) allow_origins: Vec<String>,

    /// The access key id requests must be signed with. Default: AWS_ACCESS_KEY_ID, else a
    /// fresh random one (printed).
    #[arg(long, value_name = "ID", requires = "secret_access_key")]
    pub(crate) access_key_id: Option<String>,

    /// The secret access key requests must be signed with. Default: AWS_SECRET_ACCESS_KEY,
    /// else a fresh random one (printed).
    #[arg(long, value_name = "SECRET", requires = "access_key_id")]
    pub(crate) secret_access_key: Option<String>,

    /// Also answer requests that carry no signature, as a bucket open to anonymous access
    /// does. Signed requests are still verified.
    #[arg(long)]
    pub(crate) anonymous: bool,
}
