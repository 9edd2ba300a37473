//! Benchmark harness of the Alliance reconstruction API: a deterministic data
//! generator ([`generate`]), a service started in-process on the generated
//! database ([`server`]) and the measured queries ([`measure`]).

pub mod compare;
pub mod generate;
pub mod load;
pub mod measure;
pub mod queries;
pub mod server;

/// Why a benchmark run stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database already holds members: the generator writes only into an empty one.
    #[error("the database already holds data; generate into an empty database")]
    NotEmpty,
    /// A database statement failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The service failed to start or answer.
    #[error("service: {0}")]
    Service(String),
    /// A measured request failed or answered with errors.
    #[error("request failed: {0}")]
    Request(String),
}
