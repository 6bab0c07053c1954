//! Commands on the control connection alone: directories, names, sizes, times, raw ones.

use suppaftp::{FtpError, Status};

use super::listing::{self, Entry};
use super::path::check_sendable;
use super::reply::{
    code_of, ftp_error, is_not_offered, parse_257, parse_size_reply, reply_lines, reply_text,
};
use super::session::Session;
use crate::error::{Error, Result};
use crate::journal::mask_command;

impl Session {
    /// The current directory, from the 257 reply read as RFC 959 says (quotes inside the
    /// name doubled: `257 "/say ""hi""" is cwd` is `/say "hi"`).
    pub fn pwd(&mut self) -> Result<String> {
        let reply = self
            .stream
            .custom_command("PWD", &[Status::PathCreated])
            .map_err(|e| ftp_error("pwd", e))?;
        let text = reply_text(&reply.body);
        parse_257(&text).ok_or_else(|| Error::Protocol {
            what: "pwd".to_string(),
            message: format!("no directory in the reply: {text}"),
        })
    }

    /// Whether `path` is an existing directory: CWD there and back. For the rare replies
    /// that need it (a listing refused with 450/550), so it takes the surest way.
    pub(super) fn is_existing_dir(&mut self, path: &str) -> Result<bool> {
        let here = self.pwd()?;
        if self.stream.cwd(path).is_err() {
            return Ok(false);
        }
        self.stream
            .cwd(&here)
            .map_err(|e| ftp_error(format!("cd {here}"), e))?;
        Ok(true)
    }

    pub fn cwd(&mut self, path: &str) -> Result<()> {
        let what = format!("cd {path}");
        check_sendable(&what, path)?;
        self.stream.cwd(path).map_err(|e| ftp_error(what, e))
    }

    pub fn cdup(&mut self) -> Result<()> {
        self.stream.cdup().map_err(|e| ftp_error("cdup", e))
    }

    pub fn mkdir(&mut self, path: &str) -> Result<()> {
        let what = format!("mkdir {path}");
        check_sendable(&what, path)?;
        self.stream.mkdir(path).map_err(|e| ftp_error(what, e))
    }

    /// Creates `dir` unless it is already a directory (another client, or an earlier attempt
    /// whose reply was lost); a file in the way is the error the server gave.
    pub fn ensure_dir(&mut self, dir: &str) -> Result<()> {
        match self.mkdir(dir) {
            Err(err) => match self.stat(dir)? {
                Some(entry) if entry.kind == listing::EntryKind::Dir => Ok(()),
                _ => Err(err),
            },
            ok => ok,
        }
    }

    /// `mkdir -p`: every missing level.
    pub fn mkdir_all(&mut self, dir: &str) -> Result<()> {
        let absolute = dir.starts_with('/');
        let mut prefix = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            prefix = if prefix.is_empty() && !absolute {
                part.to_string()
            } else {
                format!("{prefix}/{part}")
            };
            self.ensure_dir(&prefix)?;
        }
        Ok(())
    }

    pub fn rmdir(&mut self, path: &str) -> Result<()> {
        let what = format!("rmdir {path}");
        check_sendable(&what, path)?;
        self.stream.rmdir(path).map_err(|e| ftp_error(what, e))
    }

    pub fn delete(&mut self, path: &str) -> Result<()> {
        let what = format!("rm {path}");
        check_sendable(&what, path)?;
        self.stream.rm(path).map_err(|e| ftp_error(what, e))
    }

    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let what = format!("rename {from} {to}");
        check_sendable(&what, from)?;
        check_sendable(&what, to)?;
        self.stream.rename(from, to).map_err(|e| ftp_error(what, e))
    }

    /// Sends RNFR alone: the first half of the two-step rename, to check the source exists.
    pub fn rename_from(&mut self, from: &str) -> Result<()> {
        let what = format!("rnfr {from}");
        check_sendable(&what, from)?;
        self.stream
            .custom_command(format!("RNFR {from}"), &[Status::RequestFilePending])
            .map(|_| ())
            .map_err(|e| ftp_error(what, e))
    }

    /// SIZE, with the reply read here: suppaftp's `size` compiles a Unicode regex on first
    /// use, a third of a megabyte of heap for one number.
    pub fn size(&mut self, path: &str) -> Result<u64> {
        let what = format!("size {path}");
        let text = self.file_status(&what, "SIZE", path)?;
        parse_size_reply(&text).ok_or_else(|| Error::Protocol {
            what,
            message: format!("unreadable SIZE reply: {text}"),
        })
    }

    /// The remote modification time, unix seconds UTC.
    pub fn mdtm(&mut self, path: &str) -> Result<i64> {
        let what = format!("mdtm {path}");
        let text = self.file_status(&what, "MDTM", path)?;
        text.get(4..)
            .and_then(|value| listing::parse_ftp_time(value.trim()))
            .ok_or_else(|| Error::Protocol {
                what,
                message: format!("unreadable MDTM reply: {text}"),
            })
    }

    /// `VERB path` answered with 213 (RFC 3659 SIZE and MDTM): the reply as one line of text,
    /// or the refusal as an error about `what`.
    fn file_status(&mut self, what: &str, verb: &str, path: &str) -> Result<String> {
        check_sendable(what, path)?;
        let reply = self
            .stream
            .custom_command(format!("{verb} {path}"), &[Status::File])
            .map_err(|e| ftp_error(what, e))?;
        Ok(reply_text(&reply.body))
    }

    /// Sets the remote mtime with MFMT where offered, else 2-arg MDTM (vsftpd). Returns
    /// false when the server can do neither; we then stop asking for this connection.
    pub fn set_mtime(&mut self, path: &str, unix: i64) -> Result<bool> {
        let what = format!("set mtime {path}");
        check_sendable(&what, path)?;
        if self.caps.mtime_unsettable {
            return Ok(false);
        }
        let stamp = listing::format_ftp_time(unix);
        let verb = if self.caps.has("MFMT") {
            "MFMT"
        } else {
            "MDTM"
        };
        let expected = [Status::File, Status::RequestedFileActionOk];
        match self
            .stream
            .custom_command(format!("{verb} {stamp} {path}"), &expected)
        {
            Ok(_) => {
                self.caps.mdtm_settable |= verb == "MDTM";
                Ok(true)
            }
            Err(FtpError::UnexpectedResponse(r))
                if verb == "MDTM" && !self.caps.mdtm_settable && code_of(&r) >= 500 =>
            {
                log::debug!(
                    "2-arg MDTM refused ({}); not setting mtimes",
                    reply_text(&r.body)
                );
                self.caps.mtime_unsettable = true;
                Ok(false)
            }
            Err(e) => Err(ftp_error(what, e)),
        }
    }

    /// MLST where offered: one round trip, no data connection.
    pub fn stat(&mut self, path: &str) -> Result<Option<Entry>> {
        let what = format!("stat {path}");
        check_sendable(&what, path)?;
        if self.caps.has("MLST") {
            return match self.stream.mlst(Some(path)) {
                Ok(line) => listing::parse_mlsd_line(&line).map_err(|e| Error::Protocol {
                    what,
                    message: e.to_string(),
                }),
                Err(FtpError::UnexpectedResponse(r)) if code_of(&r) >= 500 => Ok(None),
                Err(e) => Err(ftp_error(what, e)),
            };
        }
        let name = super::path::file_name(path);
        let parent = match super::path::parent(path) {
            "" => ".",
            dir => dir,
        };
        match self.listing(parent) {
            Ok(listing) => match listing.entries.into_iter().find(|e| e.name == name) {
                Some(entry) => Ok(Some(entry)),
                // Absent from what could be read: an unread line may be the very entry.
                None => match listing.unparsed.first() {
                    Some(e) => Err(Error::Protocol {
                        what,
                        message: e.to_string(),
                    }),
                    None => Ok(None),
                },
            },
            Err(err) if err.reply_code().is_some_and(|code| code >= 500) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `SITE CHMOD MODE path` (octal, as every server that offers it reads it). Any 2xx is
    /// success. A refusal stays a typed reply error naming the mode and path; one saying the
    /// server has no such command (500, 502, 504: pure-ftpd built without it, libunftp, IIS)
    /// says that before the reply, since "502 Unknown SITE command" alone reads like a typo.
    pub fn chmod(&mut self, path: &str, mode: u32) -> Result<()> {
        let what = format!("chmod {mode:o} {path}");
        check_sendable(&what, path)?;
        match self
            .stream
            .custom_command(format!("SITE CHMOD {mode:o} {path}"), &[Status::CommandOk])
        {
            Ok(_) => Ok(()),
            Err(FtpError::UnexpectedResponse(r)) if (200..300).contains(&code_of(&r)) => Ok(()),
            Err(FtpError::UnexpectedResponse(r)) if is_not_offered(code_of(&r)) => {
                Err(Error::Reply {
                    what,
                    code: code_of(&r),
                    text: format!(
                        "the server does not offer SITE CHMOD ({})",
                        reply_text(&r.body)
                    ),
                })
            }
            Err(e) => Err(ftp_error(what, e)),
        }
    }

    /// Sends a raw command and returns the reply line(s). Success is any 1xx-3xx reply.
    pub fn quote(&mut self, command: &str) -> Result<Vec<String>> {
        let what = format!("quote {}", mask_command(command));
        check_sendable(&what, command)?;
        match self.stream.custom_command(command, &[]) {
            Err(FtpError::UnexpectedResponse(r)) if code_of(&r) < 400 => Ok(reply_lines(&r.body)),
            Err(e) => Err(ftp_error(what, e)),
            Ok(r) => Ok(reply_lines(&r.body)),
        }
    }

    /// Checks the connection is alive (used before reusing one that sat idle).
    pub fn noop(&mut self) -> Result<()> {
        self.stream.noop().map_err(|e| ftp_error("noop", e))
    }

    /// Polite goodbye; errors are irrelevant since we are leaving anyway.
    pub fn quit(mut self) {
        let _ = self.stream.quit();
    }
}
