//! Expected domain failures of mutations: each a field path, a code and a
//! message, returned in the payload's `userErrors` while nothing is written.

use async_graphql::{Enum, SimpleObject};
use chrono::NaiveDate;

use crate::codelists;
use crate::money;

/// Why an input was refused.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A required value is missing or blank.
    Required,
    /// A text is longer than allowed.
    TooLong,
    /// A value has the wrong shape (e.g. an amount that is not a decimal number).
    Invalid,
    /// A code is not in its code list (DAC, ISO 4217, ISO 3166, ISO 639, …).
    UnknownCode,
    /// An end date lies before its start date.
    DateOrder,
    /// An amount is negative.
    Negative,
    /// A referenced object does not exist or is not visible to the caller.
    NotFound,
    /// The object changed since the caller read it: `expectedVersion` is stale.
    Conflict,
    /// The status change is not allowed from the current status.
    InvalidTransition,
    /// A unique value (code, slug) is already taken, or reserved.
    Duplicate,
    /// The idempotency key was used before with a different input.
    IdempotencyKeyReused,
    /// Disbursements would exceed commitments for the funder and currency.
    ExceedsCommitted,
    /// A cap on what one caller may have at a time is reached (open
    /// applications filed without a token from one client address).
    LimitReached,
}

/// One expected failure.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `["input", "budget", "currency"]`.
    pub field: Vec<String>,
    /// Machine-readable reason.
    pub code: UserErrorCode,
    /// What was wrong, for people.
    pub message: String,
}

/// Collects the failures of one input.
#[derive(Default, Debug)]
pub struct Check {
    errors: Vec<UserError>,
}

impl Check {
    /// Adds a failure at `input.<path>`.
    pub fn fail(&mut self, path: &str, code: UserErrorCode, message: impl Into<String>) {
        let mut field = vec!["input".to_owned()];
        field.extend(path.split('.').map(str::to_owned));
        self.errors.push(UserError {
            field,
            code,
            message: message.into(),
        });
    }

    /// A required text: not blank and at most `max` characters.
    pub fn text(&mut self, path: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(
                path,
                UserErrorCode::Required,
                format!("`{path}` is required"),
            );
        } else {
            self.max_len(path, value, max);
        }
    }

    /// An optional text of at most `max` characters.
    pub fn max_len(&mut self, path: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.fail(
                path,
                UserErrorCode::TooLong,
                format!("`{path}` may have at most {max} characters"),
            );
        }
    }

    /// A code that must be in a code list.
    pub fn code_in(&mut self, path: &str, value: &str, list: &[&str], what: &str) {
        if !codelists::contains(list, value) {
            let shown: String = value.chars().take(40).collect();
            self.fail(
                path,
                UserErrorCode::UnknownCode,
                format!("`{path}`: {shown:?} is not {what}"),
            );
        }
    }

    /// `start` not after `end`, when both are given.
    pub fn date_order(&mut self, path: &str, start: Option<NaiveDate>, end: Option<NaiveDate>) {
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            self.fail(
                path,
                UserErrorCode::DateOrder,
                format!("`{path}` ({end}) is before its start ({start})"),
            );
        }
    }

    /// Parses a non-negative decimal amount in a known currency into minor units.
    pub fn money(&mut self, path: &str, amount: &str, currency: &str) -> Option<i64> {
        if !codelists::contains(codelists::CURRENCIES, currency) {
            self.fail(
                &format!("{path}.currency"),
                UserErrorCode::UnknownCode,
                format!("`{path}.currency`: {currency:?} is not an ISO 4217 currency"),
            );
            return None;
        }
        match money::parse_minor(amount, currency) {
            Ok(minor) if minor < 0 => {
                self.fail(
                    &format!("{path}.amount"),
                    UserErrorCode::Negative,
                    format!("`{path}.amount` must not be negative"),
                );
                None
            }
            Ok(minor) => Some(minor),
            Err(reason) => {
                self.fail(
                    &format!("{path}.amount"),
                    UserErrorCode::Invalid,
                    format!("`{path}.amount` {reason}"),
                );
                None
            }
        }
    }

    /// A latitude and longitude in range.
    pub fn point(&mut self, path: &str, latitude: f64, longitude: f64) -> Option<(i64, i64)> {
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            self.fail(
                path,
                UserErrorCode::Invalid,
                format!("`{path}` must have a latitude within ±90 and a longitude within ±180"),
            );
            return None;
        }
        Some((
            (latitude * 1e6).round() as i64,
            (longitude * 1e6).round() as i64,
        ))
    }

    /// Whether nothing failed.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The failures.
    pub fn into_errors(self) -> Vec<UserError> {
        self.errors
    }
}

/// The refusal of a write whose `expected` version of a `what` is no longer the `current` one.
pub fn stale_version<T>(what: &str, expected: i32, current: i32) -> Option<Outcome<T>> {
    (expected != current).then(|| {
        Outcome::refuse(
            "expectedVersion",
            UserErrorCode::Conflict,
            format!("the {what} changed since version {expected}; it is at version {current} now"),
        )
    })
}

/// The result of a mutation that may be refused for expected reasons.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The change was made (or, for a repeated idempotency key, had been made).
    Done(T),
    /// Nothing was written, for these reasons.
    Refused(Vec<UserError>),
}

impl<T> Outcome<T> {
    /// A refusal with one error.
    pub fn refuse(path: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        let mut check = Check::default();
        check.fail(path, code, message);
        Self::Refused(check.into_errors())
    }
}
