//! The checks every request passes before it runs: on any text, they answer
//! (accept or refuse) without panicking, overflowing the stack or stalling.
#![no_main]

use alliance_api::config::Limits;
use alliance_api::guard;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::default();
    // The text as a query, with the text as variables when it is JSON.
    let variables: serde_json::Value = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    if guard::before_parsing(text, &variables, &limits).is_err() {
        return;
    }
    if let Ok(document) = async_graphql::parser::parse_query(text) {
        let variables = async_graphql::Variables::from_json(variables);
        let _ = guard::check(&document, None, &variables, &limits);
        let _ = guard::is_mutation(&document, None);
    }
});
