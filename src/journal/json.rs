//! JSON objects written by hand in a fixed key order, their values by serde_json.
//!
//! serde_json escapes what JSON requires; every character a terminal would act on that JSON
//! leaves raw (DEL, C1 controls, bidi controls) is then written as `\uXXXX` too: the parsed
//! value is the same, and a JSON journal read with `tail -f` stays as safe as the text one. A
//! name that is not UTF-8 (see `crate::lossless`) has no JSON string of its own: it is then
//! shown as the text journal shows it (`r\xe4ksm...`) and `KEY_hex` holds its exact bytes.

use serde_json::Value;

use crate::escape::escape;

/// Text from anywhere (a server's reply in an error) as a JSON string value: itself when its
/// bytes are UTF-8, else shown as the text journal shows it (`\xHH` for a stray byte).
pub fn text_value(text: &str) -> Value {
    match String::from_utf8(crate::lossless::encode(text)) {
        Ok(utf8) => Value::from(utf8),
        Err(_) => Value::from(escape(text).into_owned()),
    }
}

/// A JSON object built in a fixed key order (a reader sees `time` first).
pub struct JsonObject {
    out: String,
}

impl Default for JsonObject {
    fn default() -> JsonObject {
        JsonObject::new()
    }
}

impl JsonObject {
    pub fn new() -> JsonObject {
        JsonObject {
            out: String::from("{"),
        }
    }

    pub fn field(&mut self, key: &str, value: Value) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        self.out.push_str(&Value::from(key).to_string());
        self.out.push(':');
        self.out.push_str(&value.to_string());
    }

    /// A name (lossless text): a JSON string when its bytes are UTF-8, else its escaped form
    /// plus `KEY_hex` with the exact bytes.
    pub fn name(&mut self, key: &str, name: Option<&str>) {
        let Some(name) = name else {
            self.field(key, Value::Null);
            return;
        };
        let bytes = crate::lossless::encode(name);
        match String::from_utf8(bytes) {
            Ok(utf8) => self.field(key, Value::from(utf8)),
            Err(err) => {
                self.field(key, Value::from(escape(name).into_owned()));
                let hex: String = err.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
                self.field(&format!("{key}_hex"), Value::from(hex));
            }
        }
    }

    /// The object, with what a terminal would act on and JSON leaves raw written as `\u`
    /// escapes (only possible inside strings: keys and numbers are ASCII).
    pub fn finish(mut self) -> String {
        self.out.push('}');
        if !self.out.chars().any(crate::escape::is_terminal_control) {
            return self.out;
        }
        let mut safe = String::with_capacity(self.out.len() + 16);
        for c in self.out.chars() {
            if crate::escape::is_terminal_control(c) {
                safe.push_str(&format!("\\u{:04x}", u32::from(c)));
            } else {
                safe.push(c);
            }
        }
        safe
    }
}
