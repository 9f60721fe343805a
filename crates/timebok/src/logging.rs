//! Where the process's log lines go and in what shape: text for a person at a terminal, or
//! one JSON object per line for a log shipper. Either way the lines of one request carry its
//! span: the request id, the method and the route (see `web::router`).
//!
//! Beside the logs, when `[traces]` is on, the same subscriber hands the spans made for the
//! traces to OpenTelemetry; the logs leave those spans out, so a line's span stays the
//! request's.

use serde::{Deserialize, Serialize};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{EnvFilter, FilterExt as _, filter_fn};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Sets up logging to standard error, at the level `TIMEBOK_LOG` names (`info` unless set),
/// and the traces' layer when they are on. A second call (tests run the command more than
/// once in one process) changes nothing.
pub fn init(format: LogFormat, traces: Option<&crate::traces::Tracing>) {
    let level = EnvFilter::try_from_env("TIMEBOK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let not_for_traces_alone = filter_fn(|metadata| {
        !(metadata.is_span() && metadata.target() == store::measure::TRACE_TARGET)
    });
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Text => lines.boxed(),
        LogFormat::Json => lines
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    };
    let _already = tracing_subscriber::registry()
        .with(lines.with_filter(level.and(not_for_traces_alone)))
        .with(traces.map(crate::traces::Tracing::layer))
        .try_init();
}
