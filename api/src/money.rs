//! Money: integer minor units in the database, a decimal string in the API.

/// ISO 4217 currencies without minor units.
pub const NO_DECIMALS: [&str; 17] = [
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];

/// ISO 4217 currencies with three digits of minor units.
pub const THREE_DECIMALS: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// Digits after the decimal point of an ISO 4217 currency.
pub fn exponent(currency: &str) -> u32 {
    if NO_DECIMALS.contains(&currency) {
        0
    } else if THREE_DECIMALS.contains(&currency) {
        3
    } else {
        2
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

/// Parses a decimal string such as `"12500.50"` into minor units of `currency`.
pub fn parse_minor(amount: &str, currency: &str) -> Result<i64, &'static str> {
    let amount = amount.trim();
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let exp = exponent(currency) as usize;
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || (digits.contains('.') && fraction.is_empty())
    {
        return Err("must be a decimal number such as 12500.00");
    }
    if fraction.len() > exp {
        return Err("has more decimals than the currency allows");
    }
    let mut text = String::from(whole);
    text.push_str(fraction);
    text.extend(std::iter::repeat_n('0', exp - fraction.len()));
    let value: i64 = text.parse().map_err(|_| "is too large")?;
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_decimal_strings_exactly() {
        assert_eq!(parse_minor("12500.5", "EUR"), Ok(1_250_050));
        assert_eq!(parse_minor("0.05", "UAH"), Ok(5));
        assert_eq!(parse_minor("-1", "EUR"), Ok(-100));
        assert_eq!(parse_minor("1500", "JPY"), Ok(1500));
        assert!(parse_minor("1.001", "EUR").is_err());
        assert!(parse_minor("1e5", "EUR").is_err());
        assert!(parse_minor("", "EUR").is_err());
        assert!(parse_minor("1.", "EUR").is_err());
        assert!(parse_minor("99999999999999999999", "EUR").is_err());
    }
}
