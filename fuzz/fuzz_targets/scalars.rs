//! The values clients send as text: global IDs, cursors and money amounts are
//! either read or refused with a message, never a panic.
#![no_main]

use alliance_api::{ids, money, pagination::Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ids::decode_any(text, "id");
    let _ = ids::decode(text, "Project", "id");
    if let Ok(cursor) = Cursor::decode(text, "after") {
        // What decodes encodes back to a cursor that decodes the same.
        assert_eq!(Cursor::decode(&cursor.encode(), "after").ok(), Some(cursor));
    }
    for currency in ["EUR", "UAH", "JPY", "KWD"] {
        if let Ok(minor) = money::parse_minor(text, currency) {
            assert_eq!(money::parse_minor(&money::format_minor(minor, currency), currency), Ok(minor));
        }
    }
});
