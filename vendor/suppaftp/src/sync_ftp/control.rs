//! Control-connection state shared between an FTP client and its in-flight data transfer.
//!
//! The control connection (command socket, reply reader, and the "data connection open" flag)
//! lives behind an [`Arc`]`<`[`Mutex`]`>` so that a [`super::TransferStream`] can finalize itself:
//! once the data socket is closed, the stream locks the control connection, clears the flag and
//! reads the server's completion reply. FTP allows a single data connection per session, so the
//! lock never serializes anything that could have run concurrently before.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::data_stream::DataStream;
use super::tls::TlsStream;
use crate::Status;
use crate::command::Command;
use crate::encoding::Encoding;
use crate::types::{FtpError, FtpResult, MAX_REPLY_SIZE, ReplyDeadline, ReplyTooLarge, Response};

/// Replies that complete a data transfer: `226` or `250`.
pub(super) const TRANSFER_COMPLETE: &[Status] =
    &[Status::ClosingDataConnection, Status::RequestedFileActionOk];

/// Shared, lockable handle to a [`ControlChannel`].
pub(super) type SharedControl<T> = Arc<Mutex<ControlChannel<T>>>;

/// Command socket plus the reply reader and the data-connection bookkeeping.
#[derive(Debug)]
pub(super) struct ControlChannel<T>
where
    T: TlsStream,
{
    /// Buffered reader over the control socket; writes go through [`BufReader::get_mut`].
    pub(super) reader: BufReader<DataStream<T>>,
    /// Whether a data connection is currently open.
    ///
    /// FTP forbids more than one data connection at a time, so this flag guards every data
    /// command against opening a second one.
    pub(super) data_connection_open: bool,
    /// Offset set by `resume_transfer`, sent as `REST` right before the next RETR/STOR/APPE.
    pub(super) restart: Option<usize>,
    /// Encoding of command lines and of the file names read back.
    pub(super) encoding: Arc<dyn Encoding>,
    /// ftpsh fork: how long one reply may take to arrive in full, if bounded.
    pub(super) reply_deadline: Option<Duration>,
    /// When the reply being read was first waited for.
    reply_started: Instant,
}

/// Locks `control`, recovering the inner state if a previous holder panicked.
pub(super) fn lock<T>(control: &Mutex<ControlChannel<T>>) -> MutexGuard<'_, ControlChannel<T>>
where
    T: TlsStream,
{
    control
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Unwraps a shared control channel that is no longer referenced by any transfer.
///
/// # Errors
///
/// Returns [`FtpError::DataConnectionAlreadyOpen`] if a [`super::TransferStream`] still holds a
/// reference to the control channel.
#[cfg(feature = "secure")]
pub(super) fn into_exclusive<T>(control: SharedControl<T>) -> FtpResult<ControlChannel<T>>
where
    T: TlsStream,
{
    Arc::try_unwrap(control)
        .map(|mutex| {
            mutex
                .into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        })
        .map_err(|_| FtpError::DataConnectionAlreadyOpen)
}

impl<T> ControlChannel<T>
where
    T: TlsStream,
{
    /// Wraps `stream` as a fresh control channel with no data connection open.
    pub(super) fn new(stream: DataStream<T>, encoding: Arc<dyn Encoding>) -> Self {
        Self {
            reader: BufReader::new(stream),
            data_connection_open: false,
            restart: None,
            encoding,
            reply_deadline: None,
            reply_started: Instant::now(),
        }
    }

    /// Wraps `stream` into a [`SharedControl`].
    pub(super) fn shared(stream: DataStream<T>, encoding: Arc<dyn Encoding>) -> SharedControl<T> {
        Arc::new(Mutex::new(Self::new(stream, encoding)))
    }

    /// Returns the control socket.
    pub(super) fn socket(&self) -> &TcpStream {
        self.reader.get_ref().get_ref()
    }

    /// Sends `command` on the control connection, encoded with [`Self::encoding`].
    pub(super) fn perform(&mut self, command: Command) -> FtpResult<()> {
        let command = command.to_string();
        crate::command::validate_command_line(&command)?;
        trace!("CC OUT: {}", command.trim_end_matches("\r\n"));
        let line = self
            .encoding
            .encode(&command)
            .map_err(FtpError::ConnectionError)?;
        crate::command::validate_encoded_command_line(&line)?;
        let line = crate::command::escape_telnet_iac(&line);

        self.reader
            .get_mut()
            .write_all(&line)
            .map_err(FtpError::ConnectionError)
    }

    /// Reads one reply and checks that its status is `expected_code`.
    pub(super) fn read_response(&mut self, expected_code: Status) -> FtpResult<Response> {
        self.read_response_in(&[expected_code])
    }

    /// Reads one (possibly multi-line) reply and checks that its status is in `expected_code`.
    pub(super) fn read_response_in(&mut self, expected_code: &[Status]) -> FtpResult<Response> {
        let mut line = Vec::new();
        let mut body: Vec<u8> = Vec::new();
        self.reply_started = Instant::now();
        if self.read_line(&mut line, 0)? == 0 {
            return Err(FtpError::ConnectionError(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before the response",
            )));
        }
        body.extend(line.iter());

        trace!("CC IN: {:?}", line);

        if line.len() < 5 {
            return Err(FtpError::BadResponse);
        }

        let code_word: u32 = code_from_buffer(&line, 3)?;
        let mut code = Status::from(code_word);

        trace!("Code parsed from response: {} ({})", code, code_word);

        // RFC 959 requires the terminal line to repeat the opening code, but some servers,
        // including glFTPd, use a different operative code. FEAT remains special because
        // `feat` reads its continuation lines after `read_response` returns the `211-` opener.
        // FTP replies start with a three-digit code and one separator.
        let expected = [line[0], line[1], line[2], 0x20];
        let feat_opener = [line[0], line[1], line[2], b'-'];
        let is_terminal = |reply: &[u8]| {
            reply.len() >= 4
                && reply[0].is_ascii_digit()
                && reply[1].is_ascii_digit()
                && reply[2].is_ascii_digit()
                && (reply[3] == b' '
                    || (expected_code.contains(&Status::System) && reply[0..4] == feat_opener))
        };
        trace!("CC IN: {:?}", line);
        while !is_terminal(&line) {
            line.clear();
            let bytes_read = self.read_line(&mut line, body.len())?;
            if bytes_read == 0 {
                return Err(FtpError::ConnectionError(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed during multiline response",
                )));
            }
            body.extend(line.iter());
            trace!("CC IN: {:?}", line);
        }

        if line[0..4] != expected {
            code = Status::from(code_from_buffer(&line, 3)?);
            trace!("Code updated from terminal response: {}", code);
        }

        let response: Response = Response::new(code, body);
        // Return Ok or error with response
        if expected_code.contains(&code) {
            Ok(response)
        } else {
            Err(FtpError::UnexpectedResponse(response))
        }
    }

    /// Reads bytes from the control connection until `\n` or EOF is found.
    ///
    /// `reply_len` is the number of bytes of the same reply read before this line; together they
    /// may not exceed [`MAX_REPLY_SIZE`].
    ///
    /// # Errors
    ///
    /// Returns [`ReplyTooLarge`] as a [`FtpError::ConnectionError`] once the reply exceeds
    /// [`MAX_REPLY_SIZE`], without reading further.
    pub(super) fn read_line(&mut self, line: &mut Vec<u8>, reply_len: usize) -> FtpResult<usize> {
        // One byte past the limit tells a reply that exceeds it from one that just fits.
        let room = MAX_REPLY_SIZE.saturating_sub(reply_len + line.len()) as u64 + 1;
        let bytes_read = match self.reply_deadline {
            Some(limit) => self.read_line_until(line, room as usize, limit)?,
            None => (&mut self.reader)
                .take(room)
                .read_until(b'\n', line)
                .map_err(FtpError::ConnectionError)?,
        };
        if reply_len + line.len() > MAX_REPLY_SIZE {
            return Err(ReplyTooLarge.into());
        }
        Ok(bytes_read)
    }

    /// `read_until(b'\n')` of at most `room` bytes that gives up once the reply has taken
    /// longer than `limit` since it was first waited for (ftpsh fork): each read is bounded
    /// by the socket's timeout, and the deadline is checked after every one.
    fn read_line_until(
        &mut self,
        line: &mut Vec<u8>,
        room: usize,
        limit: Duration,
    ) -> FtpResult<usize> {
        let mut read = 0;
        while read < room {
            if self.reply_started.elapsed() > limit {
                return Err(ReplyDeadline(limit).into());
            }
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(FtpError::ConnectionError(err)),
            };
            if available.is_empty() {
                break;
            }
            let take = available.len().min(room - read);
            let (n, done) = match available[..take].iter().position(|b| *b == b'\n') {
                Some(end) => (end + 1, true),
                None => (take, false),
            };
            line.extend_from_slice(&available[..n]);
            self.reader.consume(n);
            read += n;
            if done {
                break;
            }
        }
        Ok(read)
    }

    /// Fails with [`FtpError::DataConnectionAlreadyOpen`] if a data connection is open.
    pub(super) fn guard_multiple_data_connections(&self) -> FtpResult<()> {
        if self.data_connection_open {
            Err(FtpError::DataConnectionAlreadyOpen)
        } else {
            Ok(())
        }
    }

    /// Marks the data connection as closed and reads the transfer completion reply.
    ///
    /// The data socket must already be closed, otherwise the server never sends the reply.
    pub(super) fn complete_transfer(&mut self) -> FtpResult<Response> {
        self.data_connection_open = false;
        trace!("data connection closed; reading transfer reply");
        self.read_response_in(TRANSFER_COMPLETE)
    }
}

/// Parses the leading `len` bytes of `buf` as a numeric reply code.
fn code_from_buffer(buf: &[u8], len: usize) -> FtpResult<u32> {
    if buf.len() < len {
        return Err(FtpError::BadResponse);
    }
    let buffer = buf[0..len].to_vec();
    let as_string = String::from_utf8(buffer).map_err(|_| FtpError::BadResponse)?;
    as_string.parse::<u32>().map_err(|_| FtpError::BadResponse)
}

/// Locked view of the control socket of an [`super::ImplFtpStream`].
///
/// Dereferences to the underlying [`TcpStream`], so socket options such as timeouts can be set
/// on the control connection. The control connection stays locked for as long as this value is
/// alive: drop it before finishing or dropping a [`super::TransferStream`], which needs the same
/// lock to read the transfer reply.
///
/// # Examples
///
/// ```rust,no_run
/// use std::time::Duration;
///
/// use suppaftp::FtpStream;
///
/// let stream = FtpStream::connect("127.0.0.1:21").unwrap();
/// stream
///     .get_ref()
///     .set_read_timeout(Some(Duration::from_secs(10)))
///     .unwrap();
/// ```
#[derive(Debug)]
pub struct ControlSocket<'a, T>
where
    T: TlsStream,
{
    guard: MutexGuard<'a, ControlChannel<T>>,
}

impl<'a, T> ControlSocket<'a, T>
where
    T: TlsStream,
{
    /// Locks `control` and exposes its socket.
    pub(super) fn lock(control: &'a Mutex<ControlChannel<T>>) -> Self {
        Self {
            guard: lock(control),
        }
    }
}

impl<T> Deref for ControlSocket<'_, T>
where
    T: TlsStream,
{
    type Target = TcpStream;

    fn deref(&self) -> &Self::Target {
        self.guard.socket()
    }
}

#[cfg(all(test, feature = "secure"))]
mod tls_transition_tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::thread;
    use std::time::Duration;

    use super::super::tls::{NoTlsStream, TlsConnector};
    use crate::{FtpError, FtpResult, FtpStream};

    #[derive(Debug)]
    struct UnusedConnector;

    impl TlsConnector for UnusedConnector {
        type Stream = NoTlsStream;

        fn connect(&self, _: &str, _: std::net::TcpStream) -> FtpResult<Self::Stream> {
            panic!("TLS must not start while a transfer owns the control connection")
        }
    }

    #[test]
    fn should_reject_tls_changes_before_sending_commands() {
        for secure in [false, true] {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let server = thread::spawn(move || {
                let (socket, _) = listener.accept().unwrap();
                socket
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(socket);
                reader.get_mut().write_all(b"220 ready\r\n").unwrap();
                let mut command = String::new();
                reader.read_line(&mut command).unwrap();
                if !command.is_empty() {
                    let reply: &[u8] = if secure {
                        b"234 start TLS\r\n"
                    } else {
                        b"200 cleared\r\n"
                    };
                    reader.get_mut().write_all(reply).unwrap();
                    reader.read_to_end(&mut Vec::new()).unwrap();
                }
                command
            });
            let ftp = FtpStream::connect(address).unwrap();
            // A live transfer retains this handle even when a TLS transition consumes the client.
            let transfer_control = Arc::clone(&ftp.control);
            let result = if secure {
                ftp.into_secure(UnusedConnector, "localhost")
            } else {
                ftp.clear_command_channel()
            };
            assert!(matches!(result, Err(FtpError::DataConnectionAlreadyOpen)));
            drop(transfer_control);
            assert_eq!(server.join().unwrap(), "");
        }
    }
}

#[cfg(test)]
mod reply_size_tests {
    use crate::FtpStream;
    use crate::types::reply_size_fixture::{
        assert_connection_closed, assert_reply_too_large, greeting_of_max_size, serve,
        serve_and_hang_up,
    };

    #[test]
    fn should_accept_a_reply_of_exactly_the_limit() {
        let address = serve(greeting_of_max_size(), None, Vec::new());
        assert!(FtpStream::connect(address).is_ok());
    }

    #[test]
    fn should_reject_a_reply_one_byte_over_the_limit() {
        let mut greeting = greeting_of_max_size();
        greeting.insert(4, b'a');
        let address = serve(greeting, None, Vec::new());
        assert_reply_too_large(FtpStream::connect(address).map(|_| ()));
    }

    #[test]
    fn should_reject_an_endless_greeting_line() {
        let address = serve(b"220 ".to_vec(), None, b"a".repeat(4096));
        assert_reply_too_large(FtpStream::connect(address).map(|_| ()));
    }

    #[test]
    fn should_reject_an_endless_multiline_greeting() {
        let address = serve(b"220-welcome\r\n".to_vec(), None, b" hi\r\n".repeat(1024));
        assert_reply_too_large(FtpStream::connect(address).map(|_| ()));
    }

    #[test]
    fn should_reject_an_endless_feat_reply() {
        let address = serve(
            b"220 ready\r\n".to_vec(),
            Some(b"211-Features\r\n"),
            b" UTF8\r\n".repeat(1024),
        );
        let mut ftp = FtpStream::connect(address).unwrap();
        assert_reply_too_large(ftp.feat().map(|_| ()));
    }

    #[test]
    fn should_report_a_connection_closed_before_the_greeting() {
        assert_connection_closed(FtpStream::connect(serve_and_hang_up()).map(|_| ()));
    }
}
