//! TLS for FTPS: the rustls client configuration (system roots, `--ca-file` (see
//! certificate.rs), or no checks when the user opts out) and readable TLS errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::certificate::{self, CaFile};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain FTP.
    #[default]
    Off,
    /// AUTH TLS on the usual port, then PBSZ 0 / PROT P.
    Explicit,
    /// TLS from the first byte (port 990).
    Implicit,
}

#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub mode: TlsMode,
    /// Trust this PEM bundle (a private CA or a self-signed server certificate) instead of the
    /// system roots.
    pub ca_file: Option<PathBuf>,
    /// Skip certificate verification entirely.
    pub insecure: bool,
}

/// Which TLS version a session offers.
///
/// TLS 1.2 comes first: servers that demand TLS session reuse on data connections (vsftpd,
/// proftpd, FileZilla Server) accept a TLS 1.2 session resumed any number of times, while a
/// TLS 1.3 ticket is single-use in rustls, and proftpd only accepts tickets of the control
/// connection, so its third transfer would fail. TLS 1.3 is the fallback for servers that
/// refuse 1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Tls12,
    Tls13,
}

/// The rustls configuration for a session. One provider is named explicitly: the plain
/// builder panics when two crypto providers end up in the dependency graph.
pub fn client_config(options: &TlsOptions, version: Version) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match version {
        Version::Tls12 => &[&rustls::version::TLS12],
        Version::Tls13 => &[&rustls::version::TLS13],
    };
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(|e| Error::Connect(format!("TLS setup: {e}")))?;
    let config = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider)))
            .with_no_client_auth()
    } else if let Some(path) = &options.ca_file {
        // Its certificates are roots and, each, trusted as itself (see certificate.rs).
        let verifier = CaFile::new(certs_from_file(path)?, provider)
            .map_err(|e| Error::Connect(format!("--ca-file {}: {e}", path.display())))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(system_roots()?)
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

fn certs_from_file(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let what = || format!("--ca-file {}", path.display());
    // read as every file the user names for configuration is: whole, if regular and small
    let pem =
        crate::small_file::read(path).map_err(|e| Error::Connect(format!("{}: {e}", what())))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Connect(format!("{}: {e}", what())))?;
    if certs.is_empty() {
        return Err(Error::Connect(format!(
            "{}: no certificate in the file",
            what()
        )));
    }
    Ok(certs)
}

fn system_roots() -> Result<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_string(), ToString::to_string);
        return Err(Error::Connect(format!(
            "TLS: cannot load the system's trusted certificates ({why}); use --ca-file PEM"
        )));
    }
    Ok(roots)
}

/// The start of every certificate rejection.
const REJECTED: &str = "the server's certificate was rejected: ";

/// A TLS failure that reached us as text: a certificate rejection becomes one sentence. The
/// caller's words before it say TLS ("TLS 127.0.0.1:990: ...").
pub fn describe_tls_text(message: &str) -> String {
    match message.split_once("invalid peer certificate") {
        Some((_, problem)) => format!("{REJECTED}{}", certificate::problem(problem)),
        None => message.to_string(),
    }
}

/// True when a failed handshake says the peer does not speak the offered TLS version.
pub fn is_version_mismatch(message: &str) -> bool {
    message.contains("ProtocolVersion") || message.contains("peer is incompatible")
}

/// Says what was wrong with a certificate, or with the handshake, if `err` came from TLS.
pub fn describe_tls_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source = Some(err);
    while let Some(e) = source {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(cert) => {
                    format!("{REJECTED}{}", certificate::rejection(cert))
                }
                other => other.to_string(),
            });
        }
        source = e.source();
    }
    None
}

/// `--insecure`: accepts any certificate, still checking the handshake signatures.
#[derive(Debug)]
struct AcceptAnything(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_rejections_read_as_one_sentence() {
        for (text, want) in [
            (
                "invalid peer certificate: UnknownIssuer",
                "its issuer is unknown",
            ),
            (
                "invalid peer certificate: NotValidForNameContext { expected: DnsName(\"x\"), presented: [] }",
                "not valid for this host name",
            ),
            (
                "invalid peer certificate: ExpiredContext { time: UnixTime(1) }",
                "has expired",
            ),
            (
                "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
                "it is a CA's certificate",
            ),
            (
                "invalid peer certificate: Other(OtherError(Foo))",
                "it is not acceptable",
            ),
        ] {
            let said = describe_tls_text(text);
            assert!(
                said.starts_with("the server's certificate was rejected: ") && said.contains(want),
                "{text}: {said}"
            );
            assert!(!said.contains('{') && !said.contains("Context"), "{said}");
        }
        assert_eq!(describe_tls_text("handshake failed"), "handshake failed");
    }
}
