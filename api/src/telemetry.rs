//! Structured logs (an env filter, `RUST_LOG`, and a text or JSON format,
//! `LOG_FORMAT`) and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, traces
//! exported over OTLP/HTTP (the standard `OTEL_EXPORTER_OTLP_*` variables
//! apply; service name `alliance-api`).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Keeps the trace exporter alive; dropping it sends what is still buffered.
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("alliance: flushing traces failed: {error}");
        }
    }
}

/// Installs the global subscriber; logs go to stderr so that stdout stays for
/// command output such as `alliance schema`. Call it outside any async
/// runtime (the exporter runs on a thread of its own).
pub fn init(format: LogFormat) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let traces = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|endpoint| !endpoint.trim().is_empty())
        .and_then(|_| match exporter() {
            Ok(provider) => Some(provider),
            Err(error) => {
                eprintln!("alliance: traces are not exported: {error}");
                None
            }
        });
    let otel = traces.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("alliance-api"))
    });
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .init(),
        LogFormat::Text => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .init(),
    }
    Telemetry { traces }
}

fn exporter() -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name("alliance-api")
                .build(),
        )
        .build())
}
