//! Text for the man page (roff): the one escaping rule its generated sections share.

/// Text as roff: backslashes escaped, a line starting with `.` or `'` kept from being read
/// as a request.
pub fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e");
    match text.starts_with(['.', '\'']) {
        true => format!("\\&{text}"),
        false => text,
    }
}
