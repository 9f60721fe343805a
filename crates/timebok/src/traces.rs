//! OpenTelemetry traces over OTLP/HTTP, when `[traces] otlp_endpoint` names a collector; off
//! by default. A trace shows one request (or one notification's delivery) with the booking
//! core's operation and each database statement in it: the spans of target
//! [`store::measure::TRACE_TARGET`], which the logs leave out.
//!
//! Spans leave the process in batches from the SDK's own thread, so a slow or absent
//! collector costs a request nothing; what does not fit in the SDK's queue is dropped.
//! `OTEL_EXPORTER_OTLP_HEADERS` and the `OTEL_BSP_*` variables are read as the
//! OpenTelemetry specification says.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use serde::{Deserialize, Serialize};

/// `[traces]` as an operator writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraceSettings {
    /// The collector's OTLP/HTTP address, such as `http://otel-collector:4318`; spans go to
    /// `/v1/traces` under it. Traces are off when absent.
    pub otlp_endpoint: Option<String>,
    /// The share of requests traced, from 0 to 1. A request whose `traceparent` is followed
    /// keeps its caller's decision.
    pub sample_ratio: f64,
    /// `service.name` of the spans.
    pub service_name: String,
    /// Continue the trace a W3C `traceparent` header names. Only behind a proxy or gateway
    /// that sets (or strips) it: a client could otherwise choose what is traced.
    pub accept_traceparent: bool,
}

impl Default for TraceSettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            sample_ratio: 1.0,
            service_name: "timebok".into(),
            accept_traceparent: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("[traces] otlp_endpoint = «{0}» is not an http:// or https:// URL")]
    Endpoint(String),
    #[error("[traces] sample_ratio must be between 0 and 1, not {0}")]
    SampleRatio(f64),
    #[error("[traces] service_name must not be empty")]
    ServiceName,
    #[error("[traces]: the exporter could not be built: {0}")]
    Exporter(String),
}

impl TraceSettings {
    /// The address spans are posted to, when traces are on.
    pub fn check(&self) -> Result<Option<reqwest::Url>, TraceError> {
        if !(0.0..=1.0).contains(&self.sample_ratio) {
            return Err(TraceError::SampleRatio(self.sample_ratio));
        }
        if self.service_name.trim().is_empty() {
            return Err(TraceError::ServiceName);
        }
        let Some(endpoint) = &self.otlp_endpoint else {
            return Ok(None);
        };
        let bad = || TraceError::Endpoint(endpoint.clone());
        let base = reqwest::Url::parse(endpoint).map_err(|_| bad())?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(bad());
        }
        let path = format!("{}/v1/traces", base.path().trim_end_matches('/'));
        let mut traces = base;
        traces.set_path(&path);
        Ok(Some(traces))
    }
}

/// The tracer provider while traces are on; [`Tracing::shutdown`] sends what is left.
pub struct Tracing {
    provider: SdkTracerProvider,
}

impl Tracing {
    /// Starts the exporter when `[traces]` names a collector, and the propagator that reads
    /// `traceparent` when it is accepted.
    pub fn start(settings: &TraceSettings) -> Result<Option<Self>, TraceError> {
        let Some(endpoint) = settings.check()? else {
            return Ok(None);
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint.as_str())
            .build()
            .map_err(|error| TraceError::Exporter(error.to_string()))?;
        let resource = Resource::builder()
            .with_service_name(settings.service_name.clone())
            .with_attribute(opentelemetry::KeyValue::new(
                "service.version",
                env!("CARGO_PKG_VERSION"),
            ))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                settings.sample_ratio,
            ))))
            .with_resource(resource)
            .build();
        if settings.accept_traceparent {
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        }
        Ok(Some(Self { provider }))
    }

    /// The layer that turns the spans of [`store::measure::TRACE_TARGET`] into OpenTelemetry
    /// spans, with the warnings and errors logged inside them as their events.
    pub fn layer<S>(&self) -> impl tracing_subscriber::Layer<S> + use<S>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        use tracing_subscriber::Layer as _;
        let tracer = self.provider.tracer("timebok");
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_filter(
                tracing_subscriber::filter::filter_fn(|metadata| {
                    if metadata.is_span() {
                        metadata.target() == store::measure::TRACE_TARGET
                    } else {
                        *metadata.level() <= tracing::Level::WARN
                            && !metadata.target().starts_with("opentelemetry")
                    }
                })
                .with_max_level_hint(tracing::Level::INFO),
            )
    }

    /// Sends the spans still queued, waiting at most a few seconds for the collector.
    pub fn shutdown(self) {
        if let Err(error) = self
            .provider
            .shutdown_with_timeout(std::time::Duration::from_secs(5))
        {
            tracing::warn!(%error, "the last traces could not be sent");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut TraceSettings)) -> TraceSettings {
        let mut settings = TraceSettings::default();
        change(&mut settings);
        settings
    }

    #[test]
    fn traces_are_off_unless_a_collector_is_named() {
        assert_eq!(TraceSettings::default().check().ok(), Some(None));
        assert!(matches!(
            Tracing::start(&TraceSettings::default()),
            Ok(None)
        ));
    }

    #[test]
    fn spans_go_to_v1_traces_under_the_collectors_address() {
        for (endpoint, expected) in [
            ("http://otel:4318", "http://otel:4318/v1/traces"),
            ("http://otel:4318/", "http://otel:4318/v1/traces"),
            (
                "https://gw.example.no/otlp",
                "https://gw.example.no/otlp/v1/traces",
            ),
        ] {
            let settings = with(|s| s.otlp_endpoint = Some(endpoint.into()));
            let url = settings.check().expect("valid").expect("on");
            assert_eq!(url.as_str(), expected);
        }
    }

    #[test]
    fn bad_settings_are_refused_with_what_is_wrong() {
        for endpoint in ["otel:4318", "ftp://otel", "http://", ""] {
            let settings = with(|s| s.otlp_endpoint = Some(endpoint.into()));
            let message = settings.check().expect_err(endpoint).to_string();
            assert!(message.contains("otlp_endpoint"), "{message}");
        }
        for ratio in [-0.1, 1.5, f64::NAN] {
            let message = with(|s| s.sample_ratio = ratio)
                .check()
                .expect_err("a ratio outside 0–1")
                .to_string();
            assert!(message.contains("sample_ratio"), "{message}");
        }
        assert!(with(|s| s.service_name = " ".into()).check().is_err());
    }
}
