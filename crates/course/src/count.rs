//! Counts in messages, such as "1 difference" and "2 differences", so the CLI and the desktop
//! app put a noun in the singular or the plural by the same rule.

use std::fmt::Display;

/// Returns "1 lead" or "N leads": the singular for exactly one, the plural for any other count.
pub fn counted<N: Display + PartialEq + From<u8>>(
    count: N,
    singular: &str,
    plural: &str,
) -> String {
    if count == N::from(1) {
        format!("1 {singular}")
    } else {
        format!("{count} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_singular_and_plural() {
        assert_eq!(counted(1u64, "lead", "leads"), "1 lead");
        assert_eq!(counted(0u64, "lead", "leads"), "0 leads");
        assert_eq!(counted(30usize, "customer", "customers"), "30 customers");
        assert_eq!(counted(1i64, "partition", "partitions"), "1 partition");
    }
}
