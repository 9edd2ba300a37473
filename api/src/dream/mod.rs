//! DREAM, Ukraine's national reconstruction registry: reading its project
//! records (`../shared/standards/dream/openapi.yaml`, `GET /ideas/{id}`) and
//! importing them as projects, idempotently by DREAM id.

pub mod import;
pub mod record;
