//! Log events on stderr, at the level `-v` asks for.

use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Sends stowage's events at `verbosity`'s level and above to stderr: WARN with no `-v`,
/// INFO with one, DEBUG with two, TRACE with more. Other crates' events (the AWS SDK's,
/// hyper's) pass at ERROR only, whatever the level: below it they carry raw keys, URLs and
/// signing material, or repeat what stowage reports itself. Colours only when stderr is a
/// terminal.
pub(crate) fn init(verbosity: u8) {
    let level = match verbosity {
        0 => Level::WARN,
        1 => Level::INFO,
        2 => Level::DEBUG,
        _ => Level::TRACE,
    };
    let filter = Targets::new()
        .with_target("stowage", level)
        .with_default(Level::ERROR);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .with(filter)
        .init();
}
