//! Where the process's log lines go and in what shape: text for a person at a terminal, or
//! one JSON object per line for a log shipper. Either way the lines of one request carry its
//! span: the request id, the method and the route (see `web::router`).

use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Sets up logging to standard error, at the level `TIMEBOK_LOG` names (`info` unless set).
/// A second call (tests run the command more than once in one process) changes nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("TIMEBOK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _already = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
