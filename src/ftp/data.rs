//! Data connections: listings, downloads and uploads, streamed through one buffer, each
//! checked by its final reply.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use rustls::{ClientConnection, StreamOwned};
use suppaftp::{DataStream, FtpError, TlsStream};

use super::ascii::{ToLocal, ToWire};
use super::deadline::Paced;
use super::fetch::Lines;
use super::listing::{self, Entry, Listing, ListingError};
use super::path::check_sendable;
use super::refusal::{self, Found};
use super::reply::{code_of, ftp_error, io_message, reply_text};
use super::session::Session;
use crate::error::{Error, Result};

/// Buffer for streaming transfers: big enough to keep loopback and LAN links busy, small
/// enough that memory stays constant whatever the file size.
const TRANSFER_BUFFER: usize = 256 * 1024;
/// What a session's buffer starts at: it grows to `TRANSFER_BUFFER` only while reads fill
/// it, so connections that send small files never hold (or zero) the full size.
const FIRST_BUFFER: usize = 16 * 1024;

/// Where a passive data connection goes: always the control connection's peer, at the port
/// the server named. A 227 reply names an address too, but behind NAT it is a private one,
/// and a hostile server could name any host on the user's network and feed it data (curl's
/// default since 7.74, lftp, FileZilla do the same). The second value says whether the reply
/// named another address.
pub(super) fn data_address(named: SocketAddr, peer: IpAddr) -> (SocketAddr, bool) {
    (SocketAddr::new(peer, named.port()), named.ip() != peer)
}

/// Opens a passive data connection to the server (see `data_address`), bounded by `timeout`.
pub(super) fn open_passive(
    named: SocketAddr,
    peer: IpAddr,
    timeout: Duration,
) -> suppaftp::FtpResult<TcpStream> {
    let (addr, moved) = data_address(named, peer);
    if moved {
        crate::journal::trace_note(&format!(
            "the server named {named} for the data connection; connecting to its own address {addr} instead"
        ));
    }
    let tcp = TcpStream::connect_timeout(&addr, timeout).map_err(FtpError::ConnectionError)?;
    let _ = tcp.set_read_timeout(Some(timeout));
    let _ = tcp.set_write_timeout(Some(timeout));
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

impl Session {
    /// Raw LIST lines, as the server sends them (a last line without its line end included).
    pub fn list(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        self.raw_lines("ls", "LIST", path)
    }

    /// NLST's names, as the server sends them (a last line without its line end included).
    pub fn nlst(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        self.raw_lines("nlst", "NLST", path)
    }

    /// `verb [path]`'s lines, for showing as they came; `name` names it in errors.
    fn raw_lines(&mut self, name: &str, verb: &str, path: Option<&str>) -> Result<Vec<String>> {
        let what = format!("{name} {}", path.unwrap_or("."));
        let command = match path {
            Some(p) => {
                check_sendable(&what, p)?;
                format!("{verb} {p}")
            }
            None => verb.to_string(),
        };
        let first = self.fetch_lines(&what, &command);
        // Another command's lines cannot stand in for these.
        let (lines, _) = self.dir_lines(&what, &command, path, first, false)?;
        Ok(lines.lines.into_iter().chain(lines.unterminated).collect())
    }

    /// A directory's entries, all of them: for callers that act on what is missing (stat)
    /// or on everything (rm -r), a line that does not parse is an error.
    pub fn entries(&mut self, path: &str) -> Result<Vec<Entry>> {
        let listing = self.listing(path)?;
        match listing.unparsed.first() {
            Some(e) => Err(Error::Protocol {
                what: format!("list {path}"),
                message: e.to_string(),
            }),
            None => Ok(listing.entries),
        }
    }

    /// A directory's listing, parsed: MLSD where the server offers it (exact times, clean
    /// names), LIST otherwise. The lines no format reads come back beside the entries, never
    /// dropped: the caller shows them, warns, and does not take the folder as fully known
    /// (a silently missing entry would make a mirror re-upload or delete).
    pub fn listing(&mut self, path: &str) -> Result<Listing> {
        let what = format!("list {path}");
        check_sendable(&what, path)?;
        let (lines, mlsd) = if self.caps.has("MLST") {
            let command = format!("MLSD {path}");
            let first = self.fetch_lines(&what, &command);
            // LIST's lines may stand in for a refused MLSD: read as LIST lines.
            let (lines, list_lines) = self.dir_lines(&what, &command, Some(path), first, true)?;
            (lines, !list_lines)
        } else {
            (self.list_all(&what, path)?, false)
        };
        let mut listing = listing::parse_listing(lines.lines, mlsd, crate::clock::now_unix());
        // The data stopped in the middle of a line: whether the server merely left out the
        // final line end or the listing was cut there cannot be told, so that line is not
        // read as an entry and the folder is not taken as fully known (no deletes from it).
        if let Some(rest) = lines.unterminated {
            listing.unparsed.push(ListingError::new(
                &rest,
                "no line end after it: the listing may have been cut here",
            ));
        }
        Ok(listing)
    }

    /// LIST with `-a`, so that servers hiding dot files (vsftpd, pure-ftpd) show them: a
    /// mirror must see `.htaccess` and its own stale temporaries. A server that takes `-a`
    /// for a file name gets a plain LIST.
    fn list_all(&mut self, what: &str, path: &str) -> Result<Lines> {
        let command = format!("LIST -a {path}");
        let (lines, _) = match self.fetch_lines(what, &command) {
            Err(err) if err.reply_code().is_some_and(|code| code >= 500) => {
                let command = format!("LIST {path}");
                let first = self.fetch_lines(what, &command);
                self.dir_lines(what, &command, Some(path), first, false)?
            }
            first => self.dir_lines(what, &command, Some(path), first, false)?,
        };
        Ok(lines)
    }

    /// The lines of listing `command` of folder `dir` (None: the current one), given what
    /// its first attempt (`first`) returned. A 450/550 refusal of a folder that does not
    /// exist stays the server's refusal; of one that exists, it is an empty listing only
    /// with proof (see `refusal`), else [`Error::ListingRefused`]: its contents are unknown.
    /// With `stand_in`, the other way's lines may come back instead (the flag says so:
    /// they are LIST lines).
    fn dir_lines(
        &mut self,
        what: &str,
        command: &str,
        dir: Option<&str>,
        first: Result<Lines>,
        stand_in: bool,
    ) -> Result<(Lines, bool)> {
        let refused = match first {
            Err(err) if matches!(err.reply_code(), Some(450 | 550)) => err,
            other => return other.map(|lines| (lines, false)),
        };
        // Whether it exists is asked only now: refusals are rare.
        if !self.is_existing_dir(dir.unwrap_or("."))? {
            return Err(refused);
        }
        match self.ask_again(what, command, dir, &refused)? {
            Found::Empty(how) => {
                crate::journal::trace_note(&format!(
                    "{what}: the folder exists and {how}: it is empty"
                ));
                Ok((Lines::default(), false))
            }
            Found::Listed(lines) => Ok((lines, false)),
            Found::Other(other, lines) if stand_in => {
                crate::journal::trace_note(&format!("{what}: read with {other} instead"));
                Ok((lines, true))
            }
            Found::Other(..) | Found::Unknown => Err(refusal::unknown(refused)),
        }
    }

    /// Downloads `path` into `out`, streaming; returns the byte count.
    pub fn retrieve(
        &mut self,
        path: &str,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        self.retrieve_from(path, 0, None, out, progress)
    }

    /// Downloads `path` from byte `offset` on (REST), streaming into `out`; returns the byte
    /// count received. `limit`: the most bytes this RETR may bring (the rest of a file of
    /// known length): one byte more proves the server sends something else than it
    /// announced (an offset ignored, a file without end), and the transfer stops there with
    /// [`Error::Unproven`], the data connection reset.
    pub fn retrieve_from(
        &mut self,
        path: &str,
        offset: u64,
        limit: Option<u64>,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let what = format!("get {path}");
        check_sendable(&what, path)?;
        let mut data = data_retry(|| {
            if offset > 0 {
                self.stream.resume_transfer(offset as usize)?;
            }
            self.stream.retr_as_stream(path)
        })
        .map_err(|e| ftp_error(what.as_str(), e))?;
        let _ = data
            .get_ref()
            .get_ref()
            .set_read_timeout(Some(self.params.timeout));
        let watch = crate::cancel::watch_data(data.get_ref().get_ref());
        // ASCII: the wire's CRLF become local line ends; the count is of bytes received.
        let mut paced = Paced::limited(&mut data, self.params.timeout, self.params.limits.clone());
        let mut capped = Capped {
            inner: &mut paced,
            left: limit.unwrap_or(u64::MAX),
            over: false,
        };
        let copied = if self.binary {
            pump(&mut capped, out, &mut self.buffer, progress)
        } else {
            let mut local = ToLocal::new(out);
            pump(&mut capped, &mut local, &mut self.buffer, progress)
                .and_then(|n| local.finish().map(|()| n).map_err(|e| (Side::Output, e)))
        };
        let over = capped.over;
        drop(watch);
        if over {
            // Reset, not closed: a server sending without end learns at once.
            let _ =
                socket2::SockRef::from(data.get_ref().get_ref()).set_linger(Some(Duration::ZERO));
            let detail = format!(
                "the server sent more than the {} bytes expected{}; stopped there",
                limit.unwrap_or(0),
                if offset > 0 {
                    format!(" from byte {offset}")
                } else {
                    String::new()
                }
            );
            return match data.finish().map_err(|e| ftp_error(what.as_str(), e)) {
                // Its final reply did not come: the control connection is out of step.
                Err(err) if err.is_connection_lost() => Err(Error::Connection {
                    what,
                    message: detail,
                }),
                _ => Err(Error::Unproven { what, detail }),
            };
        }
        transfer_result(what, copied, data.finish(), Side::Output)
    }

    /// Uploads `input` to `path` (STOR, or APPE when `append`), streaming; returns the byte count.
    pub fn store(
        &mut self,
        path: &str,
        input: &mut dyn Read,
        append: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let what = format!("put {path}");
        check_sendable(&what, path)?;
        let opened = if append {
            data_retry(|| self.stream.append_with_stream(path))
        } else {
            data_retry(|| self.stream.put_with_stream(path))
        };
        let data = opened.map_err(|e| ftp_error(what.as_str(), e))?;
        self.send(what, data, input, progress)
    }

    /// Continues the upload of `path`, which holds `offset` bytes already, with `input` (the
    /// rest): REST `offset` + STOR, or APPE where the server refuses REST (500-504: not
    /// understood or not implemented; APPE adds at the end, which is `offset`). Returns the
    /// byte count sent.
    pub fn store_from(
        &mut self,
        path: &str,
        offset: u64,
        input: &mut dyn Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        if offset == 0 {
            return self.store(path, input, false, progress);
        }
        let what = format!("put {path}");
        check_sendable(&what, path)?;
        let opened = data_retry(|| {
            self.stream.resume_transfer(offset as usize)?;
            self.stream.put_with_stream(path)
        })
        .map_err(|e| ftp_error(what.as_str(), e));
        let data = match opened {
            Err(err) if err.reply_code().is_some_and(|c| (500..=504).contains(&c)) => {
                log::debug!("{err}; appending instead (APPE)");
                data_retry(|| self.stream.append_with_stream(path))
                    .map_err(|e| ftp_error(what.as_str(), e))?
            }
            other => other?,
        };
        self.send(what, data, input, progress)
    }

    /// Streams `input` into an upload's data connection and reads the final reply.
    fn send<T>(
        &mut self,
        what: String,
        mut data: suppaftp::TransferStream<T>,
        input: &mut dyn Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64>
    where
        T: TlsStream<InnerStream = StreamOwned<ClientConnection, TcpStream>>,
    {
        let _ = data
            .get_ref()
            .get_ref()
            .set_write_timeout(Some(self.params.timeout));
        let watch = crate::cancel::watch_data(data.get_ref().get_ref());
        // ASCII: local line ends go as CRLF; the count is of bytes sent.
        let mut paced = Paced::limited(&mut data, self.params.timeout, self.params.limits.clone());
        let copied = if self.binary {
            pump(input, &mut paced, &mut self.buffer, progress)
        } else {
            pump(
                &mut ToWire::new(input),
                &mut paced,
                &mut self.buffer,
                progress,
            )
        };
        drop(watch);
        match &copied {
            Ok(_) => close_tls_upload(data.get_mut()),
            // Our side stopped (Ctrl-C, an unreadable file) or the connection was shut
            // under it (Ctrl-C): reset it as it closes instead of ending it. A clean end
            // would tell the server the file is complete, and only once everything still
            // queued on the way had drained.
            Err(_) => {
                let _ = socket2::SockRef::from(data.get_ref().get_ref())
                    .set_linger(Some(Duration::ZERO));
            }
        }
        transfer_result(what, copied, data.finish(), Side::Input)
    }
}

/// Runs a command that opens a data connection, again when the server could not open one
/// (425): servers with a small passive port range and several sessions (proftpd) sometimes
/// pick a port that is still taken. Nothing was transferred, so a retry is safe.
pub(super) fn data_retry<T>(
    mut op: impl FnMut() -> suppaftp::FtpResult<T>,
) -> suppaftp::FtpResult<T> {
    const ATTEMPTS: u32 = 3;
    let mut attempt = 1;
    loop {
        match op() {
            Err(FtpError::UnexpectedResponse(r)) if code_of(&r) == 425 && attempt < ATTEMPTS => {
                log::debug!(
                    "data connection refused ({}); trying again",
                    reply_text(&r.body)
                );
                std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Ends an upload's TLS data connection properly: close_notify, half-close, then read until
/// the server closes. Reading through rustls takes in the session tickets the server sent on
/// this connection; servers that demand TLS session reuse on data connections (vsftpd,
/// proftpd) need a fresh ticket for every transfer under TLS 1.3, where each is single-use,
/// and an upload that never reads would run out of them after two transfers.
fn close_tls_upload<T>(data: &mut DataStream<T>)
where
    T: TlsStream<InnerStream = StreamOwned<ClientConnection, TcpStream>>,
{
    let DataStream::Ssl(tls) = data else {
        return;
    };
    let stream = tls.mut_ref();
    stream.conn.send_close_notify();
    while stream.conn.wants_write() {
        if stream.conn.write_tls(&mut stream.sock).is_err() {
            return;
        }
    }
    let _ = stream.sock.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

/// A transfer's outcome: the copy must have worked and so must `finish()`, which closes the
/// data connection and reads the final reply, where errors such as 452/552 (disk full) or
/// 522 show up.
/// A failed copy says which side failed: a local disk error (full, unreadable) is not a
/// lost connection, and must not send the shell reconnecting or a download into `get -c`.
fn transfer_result(
    what: String,
    copied: std::result::Result<u64, (Side, io::Error)>,
    finished: suppaftp::FtpResult<()>,
    local: Side,
) -> Result<u64> {
    let bytes = copied.map_err(|(side, e)| {
        if side == local {
            Error::Local {
                what: what.clone(),
                source: e,
            }
        } else {
            Error::Connection {
                what: what.clone(),
                message: io_message(&e),
            }
        }
    })?;
    finished.map_err(|e| ftp_error(what, e))?;
    Ok(bytes)
}

/// A download's data, read up to `left` more bytes: a byte beyond sets `over` and fails
/// the read (see [`Session::retrieve_from`]).
struct Capped<'a> {
    inner: &'a mut dyn Read,
    left: u64,
    over: bool,
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.over = true;
                    Err(io::Error::other("more bytes than expected"))
                }
            };
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..room])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// Which end of a copy an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Copies with a large buffer, reporting progress after each chunk.
fn pump(
    input: &mut dyn Read,
    out: &mut dyn Write,
    buffer: &mut Vec<u8>,
    progress: &mut dyn FnMut(u64),
) -> std::result::Result<u64, (Side, io::Error)> {
    // One buffer per session, allocated on first use: zeroing 256 KiB for every small file
    // was a visible share of an upload's CPU. It starts small and doubles whenever a read
    // fills it: a big file reaches the full size after a few reads, while sessions that
    // only ever send small files keep 16 KiB each instead of 256.
    if buffer.is_empty() {
        *buffer = vec![0; FIRST_BUFFER];
    }
    let mut total = 0u64;
    loop {
        let n = match input.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((Side::Input, e)),
        };
        out.write_all(&buffer[..n]).map_err(|e| (Side::Output, e))?;
        total += n as u64;
        progress(total);
        if n == buffer.len() && n < TRANSFER_BUFFER {
            // What it held is spent: freed first, so old and new never take memory together,
            // and no copy.
            *buffer = Vec::new();
            *buffer = vec![0; (n * 2).min(TRANSFER_BUFFER)];
        }
    }
    out.flush().map_err(|e| (Side::Output, e))?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_connections_go_to_the_control_peer() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        for (named, want, moved) in [
            ("127.0.0.1:1025", "127.0.0.1:1025", false),
            ("127.0.0.2:1025", "127.0.0.1:1025", true),
            ("10.0.0.5:40000", "127.0.0.1:40000", true),
            ("192.168.1.20:21", "127.0.0.1:21", true),
        ] {
            assert_eq!(
                data_address(addr(named), peer),
                (addr(want), moved),
                "{named}"
            );
        }
        let peer6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            data_address(addr("10.0.0.5:40000"), peer6),
            (addr("[::1]:40000"), true)
        );
    }
}
