//! Counts in English for every message: `1 file`, `2 files`, never `1 files` or `file(s)`.

/// `n` and the noun that agrees with it: `count(1, "error", "errors")` is `1 error`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noun_agrees_with_the_number() {
        for (n, text) in [
            (0u64, "0 mirror jobs"),
            (1, "1 mirror job"),
            (2, "2 mirror jobs"),
        ] {
            assert_eq!(count(n, "mirror job", "mirror jobs"), text);
        }
    }
}
