//! Names are bytes: a lossless mapping between the bytes a server (or a Unix file system)
//! uses for a name and the `String` the rest of ftpsh works with.
//!
//! FTP names are byte strings; servers without `UTF8` in FEAT send Latin-1, CP1252 or
//! Shift-JIS. A lossy decode (U+FFFD) would turn `r\xe4ksm\xf6rg\xe5s.txt` into a name no
//! command can reach again. Here valid UTF-8 decodes as itself and every other byte
//! becomes one character of a reserved private-use block, U+EF80..=U+EFFF (the block
//! MirBSD's OPTU-8 uses for the same purpose), which encoding turns back into the byte.
//!
//! Collisions are made impossible on the way in: a real U+EF80..=U+EFFF character in valid
//! UTF-8 (3 bytes) decodes as its three bytes, each reserved, so `encode(decode(b)) == b`
//! for every byte string `b` (tested on every string of one or two bytes, on chosen
//! three-byte ones and on random input).
//! The one ambiguity left is a user *typing* a reserved character: it means its byte.
//! For display, `crate::escape` shows a reserved character as `\xHH`.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// The first character of the reserved block: byte `0x80 + i` is `RAW_BASE + i`.
const RAW_BASE: u32 = 0xEF80;

/// The character that stands for `byte` (only bytes >= 0x80 can be invalid UTF-8).
fn raw_char(byte: u8) -> char {
    debug_assert!(byte >= 0x80);
    char::from_u32(RAW_BASE + u32::from(byte - 0x80)).expect("in the BMP private-use area")
}

/// The byte a reserved character stands for; None for every other character.
pub fn raw_byte(c: char) -> Option<u8> {
    let offset = u32::from(c).checked_sub(RAW_BASE)?;
    u8::try_from(offset)
        .ok()
        .filter(|o| *o < 0x80)
        .map(|o| o + 0x80)
}

/// Bytes to text, keeping every byte: valid UTF-8 as itself, other bytes reserved.
pub fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        if valid.chars().any(|c| raw_byte(c).is_some()) {
            for c in valid.chars() {
                if raw_byte(c).is_some() {
                    let mut utf8 = [0u8; 4];
                    c.encode_utf8(&mut utf8)
                        .bytes()
                        .for_each(|b| out.push(raw_char(b)));
                } else {
                    out.push(c);
                }
            }
        } else {
            out.push_str(valid);
        }
        chunk.invalid().iter().for_each(|b| out.push(raw_char(*b)));
    }
    out
}

/// Text back to the bytes it came from: reserved characters become their byte.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match raw_byte(c) {
            Some(byte) => out.push(byte),
            None => {
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out
}

/// A local file name as text. Unix names are bytes and map losslessly, so a file whose
/// name is not UTF-8 is uploaded under exactly its bytes. Elsewhere (Windows: UTF-16) a
/// name that is not valid Unicode is None: the caller skips it and says so.
pub fn from_os(name: &OsStr) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(decode(name.as_bytes()))
    }
    #[cfg(not(unix))]
    {
        name.to_str().map(str::to_string)
    }
}

/// The local file name for a remote name. Unix: the server's bytes themselves (a valid
/// file name, and the one `ls` in that folder will show as the server does). Elsewhere:
/// see `windows_name`.
pub fn to_os(name: &str) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(encode(name))
    }
    #[cfg(not(unix))]
    {
        OsString::from(windows_name(name))
    }
}

/// A local path the user typed (an argument, a word of `-c` or of a script line): the
/// bytes it stands for. A word read from bytes that are not UTF-8 (`put caf\xe9.txt` in a
/// Latin-1 script) names that very file, never the UTF-8 form of its reserved characters.
pub fn to_path(word: &str) -> PathBuf {
    PathBuf::from(to_os(word))
}

/// A name for a file system that wants Unicode (Windows): a byte that is not UTF-8 is read
/// as Latin-1, the legacy encoding of most servers that send such bytes (`r\xe4ksm\xf6rg
/// \xe5s.txt` becomes `räksmörgås.txt`); bytes 0x80..=0x9F, control characters in Latin-1,
/// become `_`.
#[cfg_attr(unix, allow(dead_code))]
pub fn windows_name(name: &str) -> String {
    name.chars()
        .map(|c| match raw_byte(c) {
            Some(byte) if byte >= 0xA0 => char::from(byte),
            Some(_) => '_',
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_decodes_as_itself_and_other_bytes_are_kept() {
        assert_eq!(decode("räksmörgås.txt".as_bytes()), "räksmörgås.txt");
        let latin1 = b"r\xe4ksm\xf6rg\xe5s.txt";
        let text = decode(latin1);
        assert_eq!(text.chars().filter(|c| raw_byte(*c).is_some()).count(), 3);
        assert_eq!(encode(&text), latin1);
        assert_ne!(text, decode("räksmörgås.txt".as_bytes()));
    }

    #[test]
    fn every_short_byte_string_round_trips() {
        let mut bytes = Vec::with_capacity(3);
        for a in 0..=255u8 {
            bytes.clear();
            bytes.push(a);
            assert_eq!(encode(&decode(&bytes)), bytes);
            for b in 0x80..=0xffu8 {
                bytes.truncate(1);
                bytes.push(b);
                assert_eq!(encode(&decode(&bytes)), bytes, "{bytes:x?}");
                for c in [0x00u8, 0x41, 0x80, 0x9b, 0xbe, 0xbf, 0xe4, 0xee, 0xef] {
                    bytes.truncate(2);
                    bytes.push(c);
                    assert_eq!(encode(&decode(&bytes)), bytes, "{bytes:x?}");
                }
            }
        }
    }

    #[test]
    fn random_byte_strings_round_trip() {
        // xorshift: deterministic, no dependency.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 12) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let text = decode(&bytes);
            assert_eq!(encode(&text), bytes, "{bytes:x?}");
            assert_eq!(decode(&encode(&text)), text);
        }
    }

    #[test]
    fn a_real_reserved_character_cannot_collide_with_a_raw_byte() {
        // U+EF80 sent as UTF-8 (EE BE 80) and the raw byte 0x80 are different names.
        let real = "x\u{ef80}".as_bytes();
        let raw = b"x\x80";
        assert_ne!(decode(real), decode(raw));
        assert_eq!(encode(&decode(real)), real);
        assert_eq!(encode(&decode(raw)), raw);
    }

    #[test]
    fn reserved_block_is_exactly_128_characters() {
        assert_eq!(raw_byte('\u{ef7f}'), None);
        assert_eq!(raw_byte('\u{ef80}'), Some(0x80));
        assert_eq!(raw_byte('\u{efff}'), Some(0xff));
        assert_eq!(raw_byte('\u{f000}'), None);
        assert_eq!(raw_byte('a'), None);
    }

    #[test]
    fn windows_names_read_stray_bytes_as_latin1() {
        assert_eq!(
            windows_name(&decode(b"r\xe4ksm\xf6rg\xe5s.txt")),
            "räksmörgås.txt"
        );
        assert_eq!(windows_name(&decode(b"a\x9bb")), "a_b");
        assert_eq!(windows_name("plain é"), "plain é");
    }

    #[cfg(unix)]
    #[test]
    fn unix_names_are_the_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let bytes = b"r\xe4ksm\xf6rg\xe5s.txt";
        let name = from_os(OsStr::from_bytes(bytes)).unwrap();
        assert_eq!(to_os(&name).as_bytes(), bytes);
    }
}
