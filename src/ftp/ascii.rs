//! The ASCII type (RFC 959 3.1.1.1): text crosses the wire with CRLF line ends; it is stored
//! with the local ones. Downloads turn CRLF into the local line end, uploads turn a bare LF
//! into CRLF, whatever the chunk boundaries.

use std::io::{self, Read, Write};

/// The local line end: LF, or CRLF on Windows (where the wire's CRLF is kept as it is).
const LOCAL_CRLF: bool = cfg!(windows);

/// A writer that stores wire text (CRLF) with local line ends. Call `finish` at the end: a
/// CR held back at a chunk's end is written then.
pub struct ToLocal<'a> {
    out: &'a mut dyn Write,
    held_cr: bool,
    line: Vec<u8>,
}

impl<'a> ToLocal<'a> {
    pub fn new(out: &'a mut dyn Write) -> ToLocal<'a> {
        ToLocal {
            out,
            held_cr: false,
            line: Vec::new(),
        }
    }

    /// Writes a CR that the data ended on.
    pub fn finish(self) -> io::Result<()> {
        if self.held_cr {
            self.out.write_all(b"\r")?;
        }
        self.out.flush()
    }
}

impl Write for ToLocal<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if LOCAL_CRLF {
            return self.out.write(buf);
        }
        self.line.clear();
        for &byte in buf {
            if std::mem::take(&mut self.held_cr) && byte != b'\n' {
                self.line.push(b'\r');
            }
            if byte == b'\r' {
                self.held_cr = true;
            } else {
                self.line.push(byte);
            }
        }
        self.out.write_all(&self.line)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A reader that sends local text with CRLF line ends: a bare LF becomes CRLF, a CRLF stays.
pub struct ToWire<'a> {
    input: &'a mut dyn Read,
    last_cr: bool,
    /// Converted bytes not yet handed out (a chunk grows by its bare LFs).
    pending: Vec<u8>,
    start: usize,
}

impl<'a> ToWire<'a> {
    pub fn new(input: &'a mut dyn Read) -> ToWire<'a> {
        ToWire {
            input,
            last_cr: false,
            pending: Vec::new(),
            start: 0,
        }
    }
}

impl Read for ToWire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.start == self.pending.len() {
            // Half the caller's buffer at most, so the converted chunk (at most twice as
            // long) is handed out in one or two reads.
            let mut raw = vec![0u8; (buf.len() / 2).max(1)];
            let n = self.input.read(&mut raw)?;
            if n == 0 {
                return Ok(0);
            }
            self.pending.clear();
            self.start = 0;
            for &byte in &raw[..n] {
                if byte == b'\n' && !self.last_cr {
                    self.pending.push(b'\r');
                }
                self.pending.push(byte);
                self.last_cr = byte == b'\r';
            }
        }
        let n = buf.len().min(self.pending.len() - self.start);
        buf[..n].copy_from_slice(&self.pending[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_local(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = ToLocal::new(&mut out);
        for chunk in chunks {
            writer.write_all(chunk).unwrap();
        }
        writer.finish().unwrap();
        out
    }

    fn to_wire(data: &[u8], buffer: usize) -> Vec<u8> {
        let mut input = data;
        let mut reader = ToWire::new(&mut input);
        let mut out = Vec::new();
        let mut chunk = vec![0u8; buffer];
        loop {
            let n = reader.read(&mut chunk).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&chunk[..n]);
        }
    }

    #[test]
    #[cfg(not(windows))]
    fn downloads_get_local_line_ends_across_chunks() {
        for (chunks, want) in [
            (&[&b"a\r\nb\r\n"[..]][..], &b"a\nb\n"[..]),
            (&[b"a\r", b"\nb\r", b"\n"], b"a\nb\n"),
            (&[b"no end"], b"no end"),
            (&[b"lone\rcr\r\n"], b"lone\rcr\n"),
            (&[b"ends in cr\r"], b"ends in cr\r"),
            (&[b"cr\r", b"x"], b"cr\rx"),
            (&[b"\r\n\r\n"], b"\n\n"),
            (&[b"bare\nlf"], b"bare\nlf"),
        ] {
            assert_eq!(to_local(chunks), want, "{chunks:?}");
        }
    }

    #[test]
    fn uploads_get_crlf_across_chunks() {
        for (data, want) in [
            (&b"a\nb\n"[..], &b"a\r\nb\r\n"[..]),
            (b"a\r\nb", b"a\r\nb"),
            (b"\n\n", b"\r\n\r\n"),
            (b"plain", b"plain"),
            (b"lone\rcr", b"lone\rcr"),
        ] {
            for buffer in [1, 2, 3, 64] {
                assert_eq!(
                    to_wire(data, buffer),
                    want,
                    "{data:?} in {buffer}-byte reads"
                );
            }
        }
    }
}
