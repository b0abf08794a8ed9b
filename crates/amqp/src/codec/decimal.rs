//! Text of the AMQP `decimal32`, `decimal64` and `decimal128` types.
//!
//! AMQP encodes them as IEEE 754-2008 decimals in the Binary Integer Decimal (BID) encoding,
//! big-endian. The text follows the "to-scientific-string" rule of the General Decimal
//! Arithmetic specification, which Python's `decimal` module also follows: `1.25`, `-0.005`,
//! `1.5E+7`, `Infinity`, `NaN`.
//!
//! ```
//! // decimal64 with coefficient 125 and exponent -2 (biased 396).
//! let bits: u64 = (396 << 53) | 125;
//! assert_eq!(amqp::decimal_to_string(&bits.to_be_bytes()), Some("1.25".to_owned()));
//! ```

/// The layout of one decimal width: exponent bits, exponent bias and largest coefficient.
struct Format {
    width: u32,
    exponent_bits: u32,
    bias: i32,
    max_coefficient: u128,
}

const DECIMAL32: Format = Format {
    width: 32,
    exponent_bits: 8,
    bias: 101,
    max_coefficient: 9_999_999,
};

const DECIMAL64: Format = Format {
    width: 64,
    exponent_bits: 10,
    bias: 398,
    max_coefficient: 9_999_999_999_999_999,
};

const DECIMAL128: Format = Format {
    width: 128,
    exponent_bits: 14,
    bias: 6176,
    max_coefficient: 9_999_999_999_999_999_999_999_999_999_999_999,
};

/// Converts the 4, 8 or 16 encoded bytes of an AMQP decimal to text. Returns `None` for any
/// other length.
pub fn decimal_to_string(bytes: &[u8]) -> Option<String> {
    let format = match bytes.len() {
        4 => &DECIMAL32,
        8 => &DECIMAL64,
        16 => &DECIMAL128,
        _ => return None,
    };
    let bits = bytes
        .iter()
        .fold(0u128, |bits, byte| (bits << 8) | u128::from(*byte));
    Some(format.to_text(bits))
}

impl Format {
    fn to_text(&self, bits: u128) -> String {
        let sign = if (bits >> (self.width - 1)) & 1 == 1 {
            "-"
        } else {
            ""
        };
        // The five bits after the sign mark infinity (11110) and NaN (11111).
        let special = (bits >> (self.width - 6)) & 0b11111;
        if special == 0b11110 {
            return format!("{sign}Infinity");
        }
        if special == 0b11111 {
            return "NaN".to_owned();
        }
        let mask = |count: u32| (1u128 << count) - 1;
        let (exponent, coefficient) = if (bits >> (self.width - 3)) & 0b11 == 0b11 {
            // Large coefficients: the two bits `11` stand for the coefficient's leading `100`.
            let low_bits = self.width - 3 - self.exponent_bits;
            let exponent = (bits >> low_bits) & mask(self.exponent_bits);
            (exponent, (0b100 << low_bits) | (bits & mask(low_bits)))
        } else {
            let low_bits = self.width - 1 - self.exponent_bits;
            let exponent = (bits >> low_bits) & mask(self.exponent_bits);
            (exponent, bits & mask(low_bits))
        };
        // IEEE 754 reads a coefficient above the format's precision as zero.
        let coefficient = if coefficient > self.max_coefficient {
            0
        } else {
            coefficient
        };
        let exponent = i32::try_from(exponent).unwrap_or(i32::MAX) - self.bias;
        format!("{sign}{}", scientific_string(coefficient, exponent))
    }
}

/// Writes `coefficient × 10^exponent` in plain notation when the exponent is at most 0 and the
/// number is not smaller than 1E-6 in its leading digit, and in scientific notation otherwise.
fn scientific_string(coefficient: u128, exponent: i32) -> String {
    let digits = coefficient.to_string();
    let digit_count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let adjusted = exponent + digit_count - 1;
    if exponent <= 0 && adjusted >= -6 {
        if exponent == 0 {
            return digits;
        }
        let point = digit_count + exponent;
        return if point > 0 {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        } else {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        };
    }
    let (first, rest) = digits.split_at(1);
    let point = if rest.is_empty() { "" } else { "." };
    let exponent_sign = if adjusted >= 0 { "+" } else { "" };
    format!("{first}{point}{rest}E{exponent_sign}{adjusted}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal32(exponent: u32, coefficient: u32) -> [u8; 4] {
        ((exponent << 23) | coefficient).to_be_bytes()
    }

    #[test]
    fn decimal32_texts() {
        // Exponents are biased by 101.
        let cases = [
            (decimal32(101, 7), "7"),
            (decimal32(99, 125), "1.25"),
            (decimal32(98, 5), "0.005"),
            (decimal32(95, 1), "0.000001"),
            (decimal32(94, 1), "1E-7"),
            (decimal32(102, 15), "1.5E+2"),
            (decimal32(99, 150), "1.50"),
            (decimal32(101, 0), "0"),
            (decimal32(99, 0), "0.00"),
        ];
        for (bytes, text) in cases {
            assert_eq!(decimal_to_string(&bytes).as_deref(), Some(text));
        }
        let negative = (1u32 << 31 | (99 << 23) | 125).to_be_bytes();
        assert_eq!(decimal_to_string(&negative).as_deref(), Some("-1.25"));
    }

    #[test]
    fn large_coefficient_form() {
        // 9,999,999 needs 24 bits, so decimal32 writes it after the bits `11`.
        let coefficient = 9_999_999u32;
        let bits = (0b11 << 29) | (101 << 21) | (coefficient & ((1 << 21) - 1));
        assert_eq!(
            decimal_to_string(&bits.to_be_bytes()).as_deref(),
            Some("9999999")
        );
    }

    #[test]
    fn wider_formats_and_specials() {
        let decimal64 = (398u64 - 3) << 53 | 123_456;
        assert_eq!(
            decimal_to_string(&decimal64.to_be_bytes()).as_deref(),
            Some("123.456")
        );
        let decimal128 = (6176u128 - 2) << 113 | 1_999;
        assert_eq!(
            decimal_to_string(&decimal128.to_be_bytes()).as_deref(),
            Some("19.99")
        );
        let infinity = (0b1_11110u32 << 26).to_be_bytes();
        assert_eq!(decimal_to_string(&infinity).as_deref(), Some("-Infinity"));
        let nan = (0b11111u32 << 26).to_be_bytes();
        assert_eq!(decimal_to_string(&nan).as_deref(), Some("NaN"));
        assert_eq!(decimal_to_string(&[0; 3]), None);
    }
}
