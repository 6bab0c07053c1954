//! The control connection's text encoding: names go to the server byte for byte.
//!
//! suppaftp encodes every command and decodes listing lines, PWD/MLST replies and the
//! banner through an `Encoding`; its default (lossy UTF-8) turns a Latin-1 name into
//! U+FFFD, which no later RETR or DELE can name again. `Lossless` keeps every byte (see
//! `crate::lossless`), whatever the server's charset, and reply bodies read here are decoded
//! the same way (`reply_text`).

use std::io;

/// UTF-8 where the bytes are UTF-8; any other byte kept as a reserved character and sent
/// back as that byte.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lossless;

impl suppaftp::Encoding for Lossless {
    fn decode(&self, bytes: &[u8]) -> String {
        crate::lossless::decode(bytes)
    }

    fn encode(&self, text: &str) -> io::Result<Vec<u8>> {
        Ok(crate::lossless::encode(text))
    }
}
