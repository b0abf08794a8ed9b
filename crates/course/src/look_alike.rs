//! ASCII letters and digits that characters of other scripts look like or stand for.
//!
//! Azure names allow only ASCII letters and digits (with a few punctuation marks), so a name
//! typed with a full-width keyboard layout, or pasted from text that mixes in Cyrillic or Greek
//! letters, is rejected although it looks right. Naming the ASCII character to type instead
//! gives the person a fix they can see.

/// Returns the ASCII letter or digit that `c` looks like or stands for, in the case it has.
/// Examples are `D` for the full-width `Ｄ` (U+FF24), `a` for the Cyrillic `а` (U+0430), `o`
/// for the Greek `ο` (U+03BF) and `3` for the Arabic-Indic digit `٣` (U+0663). ASCII characters
/// and characters without such a counterpart give `None`.
// NOTE: the Cyrillic and Greek lists hold the letters that print like an ASCII letter in common
// fonts, not every confusable character that Unicode's confusables data lists.
pub(crate) fn ascii_look_alike(c: char) -> Option<char> {
    let code = u32::from(c);
    let mapped = match code {
        // Full-width forms of `!` to `~` sit at a fixed distance from ASCII.
        0xFF01..=0xFF5E => code - 0xFEE0,
        // Decimal digits of other scripts: Arabic-Indic, Extended Arabic-Indic, Devanagari,
        // Bengali.
        0x0660..=0x0669 => code - 0x0660 + u32::from('0'),
        0x06F0..=0x06F9 => code - 0x06F0 + u32::from('0'),
        0x0966..=0x096F => code - 0x0966 + u32::from('0'),
        0x09E6..=0x09EF => code - 0x09E6 + u32::from('0'),
        _ => return letter_look_alike(c),
    };
    char::from_u32(mapped).filter(char::is_ascii_alphanumeric)
}

/// Maps the Cyrillic and Greek letters that print like an ASCII letter.
fn letter_look_alike(c: char) -> Option<char> {
    let ascii = match c {
        // Cyrillic lower case.
        'а' => 'a',
        'с' => 'c',
        'ԁ' => 'd',
        'е' => 'e',
        'һ' => 'h',
        'і' => 'i',
        'ј' => 'j',
        'о' => 'o',
        'р' => 'p',
        'ѕ' => 's',
        'у' => 'y',
        'х' => 'x',
        // Cyrillic upper case.
        'А' => 'A',
        'В' => 'B',
        'С' => 'C',
        'Е' => 'E',
        'Н' => 'H',
        'І' => 'I',
        'Ј' => 'J',
        'К' => 'K',
        'М' => 'M',
        'О' => 'O',
        'Р' => 'P',
        'Ѕ' => 'S',
        'Т' => 'T',
        'Х' => 'X',
        'Ү' => 'Y',
        // Greek.
        'ο' => 'o',
        'ν' => 'v',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        _ => return None,
    };
    Some(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_letters_and_digits_map_to_ascii() {
        assert_eq!(ascii_look_alike('Ｄ'), Some('D'));
        assert_eq!(ascii_look_alike('ｄ'), Some('d'));
        assert_eq!(ascii_look_alike('１'), Some('1'));
        // A full-width hyphen is ASCII punctuation, not a letter or digit.
        assert_eq!(ascii_look_alike('－'), None);
    }

    #[test]
    fn cyrillic_and_greek_look_alikes_map_to_ascii() {
        assert_eq!(ascii_look_alike('\u{430}'), Some('a'));
        assert_eq!(ascii_look_alike('\u{415}'), Some('E'));
        assert_eq!(ascii_look_alike('\u{3bf}'), Some('o'));
        assert_eq!(ascii_look_alike('\u{3a1}'), Some('P'));
    }

    #[test]
    fn digits_of_other_scripts_map_to_ascii() {
        assert_eq!(ascii_look_alike('\u{663}'), Some('3'));
        assert_eq!(ascii_look_alike('\u{6f7}'), Some('7'));
        assert_eq!(ascii_look_alike('\u{966}'), Some('0'));
    }

    #[test]
    fn other_characters_have_no_look_alike() {
        for c in ['a', '-', 'é', 'ß', 'д', '\u{200b}', '_'] {
            assert_eq!(ascii_look_alike(c), None, "{c}");
        }
    }
}
