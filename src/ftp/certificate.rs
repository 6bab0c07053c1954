//! Which server certificates a session trusts, and why one was refused, in words.
//!
//! `--ca-file PEM` holds certificates the user trusts. Each is a root (a private CA that
//! signs the server's certificate) and, as lftp and curl do, also trusted as itself: a server
//! whose certificate is byte for byte one of them is pinned. Such a certificate is often
//! self-signed and marked `CA:TRUE` (OpenSSL 3's `req -x509` does that), which webpki refuses
//! as a server's certificate; for a pinned one only its dates and its names are checked, since
//! the user vouched for the rest. The handshake still proves the server holds its key.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// `--ca-file`'s verifier: a pinned certificate is checked as itself, any other the usual way
/// (a chain to one of the file's certificates).
#[derive(Debug)]
pub(super) struct CaFile {
    pinned: Vec<CertificateDer<'static>>,
    chains: Arc<WebPkiServerVerifier>,
}

impl CaFile {
    pub(super) fn new(
        certs: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<CaFile, String> {
        let mut roots = RootCertStore::empty();
        for cert in &certs {
            roots.add(cert.clone()).map_err(|e| e.to_string())?;
        }
        let chains = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(CaFile {
            pinned: certs,
            chains,
        })
    }
}

impl ServerCertVerifier for CaFile {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref())
        {
            return verify_pinned(end_entity, server_name, now);
        }
        self.chains
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chains.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chains.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chains.supported_verify_schemes()
    }
}

/// A certificate the user gave: its dates and its names still count (a pinned certificate
/// that expired, or was made for another host, is refused as any other).
fn verify_pinned(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let (not_before, not_after) = validity(cert.as_ref()).ok_or(CertificateError::BadEncoding)?;
    let at = |secs: i64| UnixTime::since_unix_epoch(Duration::from_secs(secs.max(0) as u64));
    let seconds = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if seconds < not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: at(not_before),
        }
        .into());
    }
    if seconds > not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: at(not_after),
        }
        .into());
    }
    rustls::client::verify_server_name(&ParsedCertificate::try_from(cert)?, server_name)?;
    Ok(ServerCertVerified::assertion())
}

/// The validity of a DER certificate (RFC 5280 4.1.2.5) as (notBefore, notAfter) in seconds
/// since 1970; `None` when it cannot be read. webpki checks the dates only on its way to a
/// root, which a pinned certificate does not take.
fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (certificate, _) = element(der, SEQUENCE)?;
    let (mut tbs, _) = element(certificate, SEQUENCE)?;
    if tbs.first() == Some(&VERSION) {
        tbs = skip(tbs)?;
    }
    // serialNumber, signature, issuer
    for _ in 0..3 {
        tbs = skip(tbs)?;
    }
    let (dates, _) = element(tbs, SEQUENCE)?;
    let (not_before, rest) = time(dates)?;
    let (not_after, _) = time(rest)?;
    Some((not_before, not_after))
}

const SEQUENCE: u8 = 0x30;
/// `[0] EXPLICIT Version`, absent in version 1 certificates.
const VERSION: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The contents of the element with `tag` at the start of `input`, and what follows it.
fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&length, rest) = rest.split_first()?;
    let (length, rest) = if length < 0x80 {
        (usize::from(length), rest)
    } else {
        let count = usize::from(length & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let length = bytes
            .iter()
            .fold(0usize, |sum, &b| (sum << 8) | usize::from(b));
        (length, rest)
    };
    (rest.len() >= length).then(|| rest.split_at(length))
}

/// What follows the element at the start of `input`, whatever its tag.
fn skip(input: &[u8]) -> Option<&[u8]> {
    let tag = *input.first()?;
    element(input, tag).map(|(_, rest)| rest)
}

/// A UTCTime (`YYMMDDHHMMSSZ`, years 1950 to 2049) or a GeneralizedTime (`YYYYMMDDHHMMSSZ`)
/// as RFC 5280 4.1.2.5 allows them, in seconds since 1970, and what follows it.
fn time(input: &[u8]) -> Option<(i64, &[u8])> {
    let tag = *input.first()?;
    let (text, rest) = element(input, tag)?;
    let digits = text.strip_suffix(b"Z")?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(digits.get(range)?).ok()?.parse().ok()
    };
    let (year, fields) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy = number(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (number(0..4)?, &digits[4..]),
        _ => return None,
    };
    let field =
        |i: usize| -> Option<u32> { std::str::from_utf8(&fields[i..i + 2]).ok()?.parse().ok() };
    let seconds = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, field(0)?, field(2)?)?
        .and_hms_opt(field(4)?, field(6)?, field(8)?)?
        .and_utc()
        .timestamp();
    Some((seconds, rest))
}

/// Why a certificate was refused and what to do, as the end of one sentence that starts
/// "the server's certificate was rejected: ".
pub fn rejection(error: &CertificateError) -> String {
    match error {
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<&str> = presented.iter().filter_map(|n| plain_name(n)).collect();
            let host = expected.to_str();
            match names.as_slice() {
                [] => format!(
                    "it names no host, so not {host}: the server needs a certificate with {host} in its subjectAltName"
                ),
                names => format!(
                    "it is for {}, not for {host}: connect by one of its names, or have the server's certificate name {host}",
                    listed(names)
                ),
            }
        }
        CertificateError::ExpiredContext { time, not_after } => format!(
            "it expired on {} (it is {} here): the server's certificate must be renewed, or this computer's clock is wrong",
            date(*not_after),
            date(*time)
        ),
        CertificateError::NotValidYetContext { time, not_before } => format!(
            "it is valid only from {} (it is {} here): check this computer's clock",
            date(*not_before),
            date(*time)
        ),
        other => problem(&format!("{other:?}")).to_string(),
    }
}

/// A certificate problem in words, from rustls's or webpki's name for it (`UnknownIssuer`,
/// `Other(OtherError(CaUsedAsEndEntity))`, ...), which is also what reaches us as text when
/// the error was turned into a string on the way.
pub fn problem(name: &str) -> &'static str {
    const PROBLEMS: [(&str, &str); 12] = [
        (
            "UnknownIssuer",
            "its issuer is unknown: give the certificate of the CA that issued it, or the server's own certificate, with --ca-file PEM",
        ),
        (
            "CaUsedAsEndEntity",
            "it is a CA's certificate (as the self-signed ones of `openssl req -x509` are) and not one given with --ca-file: give this very certificate with --ca-file PEM to trust it",
        ),
        (
            "NotValidForName",
            "it is not valid for this host name: connect by a name it names",
        ),
        (
            "Expired",
            "it has expired: the server's certificate must be renewed, or this computer's clock is wrong",
        ),
        (
            "NotValidYet",
            "it is not valid yet: check this computer's clock",
        ),
        (
            "Revoked",
            "it has been revoked: the server needs a new certificate",
        ),
        (
            "BadSignature",
            "its signature does not verify: someone may be impersonating the server",
        ),
        (
            "UnsupportedSignatureAlgorithm",
            "it is signed with an algorithm not accepted: the server needs a certificate signed with RSA, ECDSA or Ed25519 and SHA-256 or better",
        ),
        (
            "InvalidPurpose",
            "it is not meant for a TLS server (its extended key usage): the server needs a serverAuth certificate",
        ),
        (
            "BadEncoding",
            "it is malformed: the server needs a valid certificate",
        ),
        (
            "UnhandledCriticalExtension",
            "it has a critical extension that is not understood: the server needs a plainer certificate",
        ),
        ("ApplicationVerificationFailure", "the check of it failed"),
    ];
    PROBLEMS
        .iter()
        .find(|(key, _)| name.contains(key))
        .map_or(
            "it is not acceptable: give it, or its CA's certificate, with --ca-file PEM if you trust it",
            |(_, words)| words,
        )
}

/// A name as webpki presents it (`DnsName("a.example")`, `IpAddress(127.0.0.1)`), plainly;
/// `None` for kinds that never match a host (directory names, URIs).
fn plain_name(presented: &str) -> Option<&str> {
    if let Some(dns) = presented.strip_prefix("DnsName(\"") {
        return dns.strip_suffix("\")");
    }
    presented.strip_prefix("IpAddress(")?.strip_suffix(')')
}

/// "a", "a or b", "a, b or c", at most four then "and N more".
fn listed(names: &[&str]) -> String {
    const SHOWN: usize = 4;
    let shown = &names[..names.len().min(SHOWN)];
    let mut text = match shown {
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    if names.len() > SHOWN {
        text = format!("{} (and {} more)", shown.join(", "), names.len() - SHOWN);
    }
    text
}

fn date(time: UnixTime) -> String {
    i64::try_from(time.as_secs())
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map_or_else(
            || format!("{} s after 1970", time.as_secs()),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER of `Validity ::= SEQUENCE { notBefore, notAfter }` inside a minimal certificate
    /// shape: version, serial, algorithm, issuer, validity.
    fn certificate(version: bool, before: (u8, &str), after: (u8, &str)) -> Vec<u8> {
        fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            if body.len() < 0x80 {
                out.push(body.len() as u8);
            } else {
                out.extend([0x82, (body.len() >> 8) as u8, body.len() as u8]);
            }
            out.extend_from_slice(body);
            out
        }
        let mut tbs = Vec::new();
        if version {
            tbs.extend(tlv(VERSION, &tlv(0x02, &[2])));
        }
        tbs.extend(tlv(0x02, &[0x01, 0x23]));
        tbs.extend(tlv(SEQUENCE, &tlv(0x06, &[0x2a, 0x86])));
        // an issuer long enough for a two-byte length
        tbs.extend(tlv(SEQUENCE, &[0x05; 200]));
        let dates = [
            tlv(before.0, before.1.as_bytes()),
            tlv(after.0, after.1.as_bytes()),
        ]
        .concat();
        tbs.extend(tlv(SEQUENCE, &dates));
        tbs.extend(tlv(SEQUENCE, &[]));
        tlv(
            SEQUENCE,
            &[tlv(SEQUENCE, &tbs), tlv(SEQUENCE, &[])].concat(),
        )
    }

    #[test]
    fn validity_reads_both_time_forms_and_refuses_what_is_not_a_date() {
        let utc = |s| (UTC_TIME, s);
        let general = |s| (GENERALIZED_TIME, s);
        for (version, before, after, want) in [
            (
                true,
                utc("261207041720Z"),
                utc("270106041720Z"),
                Some((1_796_617_040, 1_799_209_040)),
            ),
            // version 1: no [0]
            (
                false,
                utc("700101000000Z"),
                general("20500101000000Z"),
                Some((0, 2_524_608_000)),
            ),
            // UTCTime years 50..99 are 19xx
            (
                true,
                utc("500101000000Z"),
                utc("491231235959Z"),
                Some((-631_152_000, 2_524_607_999)),
            ),
            (
                true,
                general("99991231235959Z"),
                general("00010101000000Z"),
                Some((253_402_300_799, -62_135_596_800)),
            ),
            // not dates
            (true, utc("261307041720Z"), utc("270106041720Z"), None),
            (true, utc("2612070417Z"), utc("270106041720Z"), None),
            (true, utc("261207041720"), utc("270106041720Z"), None),
            (true, utc("26120704172+Z"), utc("270106041720Z"), None),
            (true, (0x13, "261207041720Z"), utc("270106041720Z"), None),
            (true, general("261207041720Z"), utc("270106041720Z"), None),
        ] {
            let der = certificate(version, before, after);
            assert_eq!(validity(&der), want, "{before:?} {after:?}");
        }
    }

    #[test]
    fn validity_of_cut_or_wrong_bytes_is_none_without_a_panic() {
        let der = certificate(
            true,
            (UTC_TIME, "261207041720Z"),
            (UTC_TIME, "270106041720Z"),
        );
        for end in 0..der.len() {
            assert_eq!(validity(&der[..end]), None, "cut at {end}");
        }
        assert_eq!(validity(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(validity(&[0x30, 0x80]), None);
        assert_eq!(validity(&[0x31, 0x00]), None);
    }

    #[test]
    fn rejections_say_what_was_wrong_and_what_to_do() {
        let at = |secs| UnixTime::since_unix_epoch(Duration::from_secs(secs));
        let name = |presented: &[&str]| CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("127.0.0.1").unwrap(),
            presented: presented.iter().map(|s| s.to_string()).collect(),
        };
        for (error, want) in [
            (
                name(&["DnsName(\"elsewhere.invalid\")"]),
                "it is for elsewhere.invalid, not for 127.0.0.1: connect by one of its names",
            ),
            (
                name(&["DnsName(\"a\")", "IpAddress(10.0.0.1)", "DirectoryName"]),
                "it is for a or 10.0.0.1, not for 127.0.0.1",
            ),
            (
                name(&[
                    "DnsName(\"a\")",
                    "DnsName(\"b\")",
                    "DnsName(\"c\")",
                    "DnsName(\"d\")",
                    "DnsName(\"e\")",
                    "DnsName(\"f\")",
                ]),
                "it is for a, b, c, d (and 2 more), not for 127.0.0.1",
            ),
            (name(&[]), "it names no host, so not 127.0.0.1"),
            (
                CertificateError::ExpiredContext {
                    time: at(1_796_617_040),
                    not_after: at(1_796_530_640),
                },
                "it expired on 2026-12-06 04:17 UTC (it is 2026-12-07 04:17 UTC here): the server's certificate must be renewed",
            ),
            (
                CertificateError::NotValidYetContext {
                    time: at(0),
                    not_before: at(1_796_617_040),
                },
                "it is valid only from 2026-12-07 04:17 UTC (it is 1970-01-01 00:00 UTC here): check this computer's clock",
            ),
            (
                CertificateError::UnknownIssuer,
                "its issuer is unknown: give the certificate of the CA that issued it, or the server's own certificate, with --ca-file PEM",
            ),
            (CertificateError::Expired, "it has expired: "),
            (
                CertificateError::InvalidPurpose,
                "it is not meant for a TLS server",
            ),
        ] {
            let said = rejection(&error);
            assert!(said.starts_with(want), "{error:?}: {said}");
            assert!(!said.contains('{') && !said.contains("Context"), "{said}");
        }
    }
}
