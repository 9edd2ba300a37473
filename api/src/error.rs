//! The one error type of the service and how it reaches clients.
//!
//! Every failure is an [`AppError`]. Clients see a short public message and an
//! `extensions.code`; whatever is internal (SQL, driver messages, file paths) is
//! written to the log only, under the request's id.

use std::sync::Arc;

use async_graphql::ErrorExtensions as _;
use sea_orm::DbErr;

/// Result of the service layer.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An argument is malformed or out of range. Code `BAD_USER_INPUT`; the
    /// message names the argument and says what was wrong.
    #[error("{message}")]
    BadUserInput {
        /// The argument at fault, e.g. `first` or `filter.territoryId`.
        argument: String,
        /// What was wrong, for the client.
        message: String,
    },
    /// The caller has not authenticated or the credentials are invalid. Code `UNAUTHENTICATED`.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller is authenticated but may not do this. Code `FORBIDDEN`.
    #[error("not allowed")]
    Forbidden,
    /// The database could not be reached in time. Code `UNAVAILABLE`; the
    /// detail goes to the log.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] DbErr),
    /// A database failure. Code `INTERNAL`; the detail goes to the log.
    #[error("internal error")]
    Database(#[source] DbErr),
    /// Any other failure of the service itself. Code `INTERNAL`; the detail goes to the log.
    #[error("internal error")]
    Internal(String),
    /// The request asks for more than a limit allows (depth, cost, aliases,
    /// size, …). Code `LIMIT_EXCEEDED`; the message names the limit.
    #[error("{0}")]
    LimitExceeded(String),
    /// The query asks for what this deployment does not serve: the subgraph
    /// SDL (`_service`) while introspection is off. Code
    /// `GRAPHQL_VALIDATION_FAILED`, with the message of any query that does
    /// not fit the schema, so that it tells nothing about the schema.
    #[error("the query does not fit the schema")]
    NotInSchema,
    /// The caller spent its query cost budget. Code `RATE_LIMITED`.
    #[error("rate limit exceeded: retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the budget allows the request again.
        retry_after_secs: u64,
    },
}

impl AppError {
    /// A `BAD_USER_INPUT` error for `argument`.
    pub fn bad_input(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            argument: argument.into(),
            message: message.into(),
        }
    }

    /// An internal error with detail for the log.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    /// The `extensions.code` clients see.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Database(_) | Self::Internal(_) => "INTERNAL",
            Self::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Self::NotInSchema => "GRAPHQL_VALIDATION_FAILED",
            Self::RateLimited { .. } => "RATE_LIMITED",
        }
    }

    /// Logs the detail of a failure of the service (never shown to clients).
    pub fn log(&self) {
        match self {
            Self::Unavailable(e) => tracing::error!(error = %e, "database unavailable"),
            Self::Database(e) => tracing::error!(error = %e, "database error"),
            Self::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => {}
        }
    }

    /// Converts into a GraphQL error, logging internal detail.
    fn to_graphql(&self) -> async_graphql::Error {
        self.log();
        let code = self.code();
        let argument = match self {
            Self::BadUserInput { argument, .. } => Some(argument.clone()),
            _ => None,
        };
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(argument) = &argument {
                ext.set("argument", argument.as_str());
            }
        })
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        match error {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable(error),
            other => Self::Database(other),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.to_graphql()
    }
}

/// Loader errors are shared between all the fields that waited on one batch.
impl From<Arc<AppError>> for AppError {
    fn from(error: Arc<AppError>) -> Self {
        match Arc::try_unwrap(error) {
            Ok(error) => error,
            Err(shared) => match &*shared {
                Self::BadUserInput { argument, message } => Self::bad_input(argument, message),
                Self::Unauthenticated => Self::Unauthenticated,
                Self::Forbidden => Self::Forbidden,
                Self::Unavailable(e) => Self::Unavailable(DbErr::Custom(e.to_string())),
                Self::Database(e) => Self::Database(DbErr::Custom(e.to_string())),
                Self::Internal(detail) => Self::Internal(detail.clone()),
                Self::LimitExceeded(message) => Self::LimitExceeded(message.clone()),
                Self::NotInSchema => Self::NotInSchema,
                Self::RateLimited { retry_after_secs } => Self::RateLimited {
                    retry_after_secs: *retry_after_secs,
                },
            },
        }
    }
}
