//! Money: integer minor units in the database, a decimal string in the API.

/// Digits after the decimal point of an ISO 4217 currency.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Formats `minor` units of `currency` as a decimal string, e.g. `1250000` EUR as `"12500.00"`.
pub fn format_minor(minor: i64, currency: &str) -> String {
    let exp = exponent(currency);
    if exp == 0 {
        return minor.to_string();
    }
    let scale = 10_i128.pow(exp);
    let value = i128::from(minor);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units_by_currency() {
        assert_eq!(format_minor(1_250_000, "EUR"), "12500.00");
        assert_eq!(format_minor(-5, "UAH"), "-0.05");
        assert_eq!(format_minor(1500, "JPY"), "1500");
        assert_eq!(format_minor(1, "KWD"), "0.001");
        assert_eq!(format_minor(i64::MIN, "EUR"), "-92233720368547758.08");
    }
}
