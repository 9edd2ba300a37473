//! Code lists the API validates input against, written into the project from
//! the IATI code lists (DAC 5-digit sectors, ISO 4217 currencies, ISO 3166-1
//! countries, ISO 639-1 languages, document categories). Each list is sorted, so membership is a
//! binary search; a test compares them with the standards when those are present.

/// OECD DAC 5-digit purpose codes (IATI Sector, vocabulary 1).
pub const DAC_PURPOSE_CODES: &[&str] = &[
    "11110", "11120", "11130", "11182", "11220", "11230", "11231", "11232", "11240", "11250",
    "11260", "11320", "11330", "11420", "11430", "12110", "12181", "12182", "12191", "12196",
    "12220", "12230", "12240", "12250", "12261", "12262", "12263", "12264", "12281", "12310",
    "12320", "12330", "12340", "12350", "12382", "13010", "13020", "13030", "13040", "13081",
    "13096", "14010", "14015", "14020", "14021", "14022", "14030", "14031", "14032", "14040",
    "14050", "14081", "15110", "15111", "15112", "15113", "15114", "15116", "15117", "15118",
    "15119", "15121", "15122", "15123", "15124", "15125", "15126", "15127", "15128", "15129",
    "15130", "15131", "15132", "15133", "15134", "15135", "15136", "15137", "15142", "15143",
    "15144", "15150", "15151", "15152", "15153", "15154", "15155", "15156", "15160", "15170",
    "15180", "15185", "15190", "15196", "15210", "15220", "15230", "15240", "15250", "15261",
    "16010", "16011", "16012", "16013", "16014", "16015", "16020", "16030", "16040", "16050",
    "16061", "16062", "16063", "16064", "16065", "16066", "16070", "16080", "21010", "21011",
    "21012", "21013", "21020", "21021", "21022", "21023", "21024", "21030", "21040", "21050",
    "21061", "21081", "22010", "22011", "22012", "22013", "22020", "22030", "22040", "23110",
    "23111", "23112", "23181", "23182", "23183", "23210", "23220", "23230", "23231", "23232",
    "23240", "23250", "23260", "23270", "23310", "23320", "23330", "23340", "23350", "23360",
    "23410", "23510", "23610", "23620", "23630", "23631", "23640", "23641", "23642", "24010",
    "24020", "24030", "24040", "24050", "24081", "25010", "25020", "25030", "25040", "31110",
    "31120", "31130", "31140", "31150", "31161", "31162", "31163", "31164", "31165", "31166",
    "31181", "31182", "31191", "31192", "31193", "31194", "31195", "31210", "31220", "31261",
    "31281", "31282", "31291", "31310", "31320", "31381", "31382", "31391", "32110", "32120",
    "32130", "32140", "32161", "32162", "32163", "32164", "32165", "32166", "32167", "32168",
    "32169", "32170", "32171", "32172", "32173", "32174", "32182", "32210", "32220", "32261",
    "32262", "32263", "32264", "32265", "32266", "32267", "32268", "32310", "33110", "33120",
    "33130", "33140", "33150", "33181", "33210", "41010", "41020", "41030", "41040", "41081",
    "41082", "43010", "43030", "43031", "43032", "43040", "43041", "43042", "43050", "43060",
    "43071", "43072", "43073", "43081", "43082", "51010", "52010", "53030", "53040", "60010",
    "60020", "60030", "60040", "60061", "60062", "60063", "72010", "72011", "72012", "72040",
    "72050", "73010", "74020", "91010", "93010", "93011", "93012", "93013", "93014", "93015",
    "93016", "93017", "93018", "99810", "99820",
];

/// ISO 4217 currency codes (IATI Currency).
pub const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHF", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS",
    "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
    "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UZS", "VED", "VES", "VND", "VUV",
    "WST", "XAF", "XBT", "XCD", "XDR", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

/// ISO 3166-1 alpha-2 country codes (IATI Country).
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

/// ISO 639-1 language codes (IATI Language).
pub const LANGUAGES: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "id",
    "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk", "kl", "km",
    "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo", "lt", "lu",
    "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng",
    "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt",
    "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn",
    "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn",
    "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh",
    "yi", "yo", "za", "zh", "zu",
];

/// IATI DocumentCategory codes.
pub const DOCUMENT_CATEGORIES: &[&str] = &[
    "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11", "A12", "B01",
    "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12", "B13", "B14",
    "B15", "B16", "B17", "B18",
];

/// Whether `code` is in the sorted list `list`.
pub fn contains(list: &[&str], code: &str) -> bool {
    list.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [
            DAC_PURPOSE_CODES,
            CURRENCIES,
            COUNTRIES,
            LANGUAGES,
            DOCUMENT_CATEGORIES,
        ] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(contains(DAC_PURPOSE_CODES, "11220"));
        assert!(contains(CURRENCIES, "UAH") && contains(CURRENCIES, "EUR"));
        assert!(contains(COUNTRIES, "UA") && !contains(COUNTRIES, "XX"));
        assert!(contains(LANGUAGES, "uk"));
    }
}
