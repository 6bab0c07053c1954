"""Owns the pyftpdlib test server (one with MFMT) that tests/support/pyftpd.rs runs.

Usage: pyftpd_server.py FOLDER
       pyftpd_server.py FOLDER --tls CERTDIR KIND
       pyftpd_server.py FOLDER --quirk NAME

Serves FOLDER on 127.0.0.1 at an OS-chosen port to user "alice" with password
"s3cret pw" (all permissions), prints the port as the first line of stdout,
then serves until killed. Passive data ports: pyftpdlib's default (any free
port) on 127.0.0.1.

With --tls (needs pyOpenSSL, which brings `cryptography`), the script first
writes into CERTDIR:

  ca.pem          a private CA (the file to give ftpsh --ca-file)
  server.pem      the server's certificate, signed by that CA
  server-key.pem  its key
  other-ca.pem    an unrelated CA, for "trusted roots that do not include ca.pem"

then serves FTPS with TLS required on the control and the data connections
(USER/PASS before AUTH TLS, and PASV/EPSV/PORT/EPRT before PROT P, get 550).
KIND chooses the server certificate:

  good        SAN IP:127.0.0.1 and DNS:localhost, valid now
  wrong-name  SAN DNS:elsewhere.invalid only
  expired     the good names, but expired yesterday
  implicit    the good certificate, and implicit FTPS: TLS from the first
              byte, the 220 banner is sent once the handshake is done
              (pyftpdlib only does explicit AUTH TLS by itself)
  self-signed the certificate of the usual one-liner `openssl req -x509
              -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext
              subjectAltName=IP:127.0.0.1` as OpenSSL 3 makes it: its own
              issuer, marked CA:TRUE; ca.pem is that certificate itself
  self-signed-wrong-name  the same for CN and SAN DNS:elsewhere.invalid
  self-signed-expired     the same, expired yesterday
  given       the server.pem and server-key.pem already in CERTDIR (the
              test made them); nothing is written
  given-implicit  the same, implicit FTPS

With --quirk (plain FTP), the server misbehaves in one way, NAME:

  quota         an upload (STOR, APPE, STOU) of more than 64 KiB is refused
                after its data has arrived: the file keeps its first 64 KiB
                and the transfer's final reply is "552 Quota exceeded ..."
                instead of 226
  evil-listing  listings (MLSD, LIST, NLST) of the folder /evil add hostile
                names to the real ones, after them: "../escape.txt",
                "/etc/passwd", "a/b.txt", ".." (as a directory) and
                "..\\win.txt"; a name also present for real is not added twice
  maxconn       at most 2 control connections per client IP; the next one
                gets "421 Too many connections from the same IP address."
  latin1        a server from before RFC 2640: names travel in Latin-1
                (ISO-8859-1) and FEAT has no UTF8. On disk names are UTF-8:
                the file "r\u00e4ksm\u00f6rg\u00e5s.txt" is listed as the bytes
                r\xe4ksm\xf6rg\xe5s.txt, and a command finds it only when it
                sends exactly those bytes (its UTF-8 form reads as another name)
  zone          listings (MLSD, LIST) give times in the server's own zone,
                two hours east of UTC (use_gmt_times off, TZ=Etc/GMT-2), as
                servers that list local times do; MFMT still sets UTC
  shift         listings (MLSD, LIST) give times shifted by the whole hours
                written in the file FOLDER.hours beside the served folder (read
                at every listing; none or no file: 0), as a server whose clock
                changed zone or DST between two passes; MFMT still sets UTC
  no-overwrite  RNTO onto a name that exists is refused ("550 Cannot create a
                file when that file already exists."), as Windows-backed servers
                do: an upload over a file has to move the old one aside first
  no-rest       REST is not implemented ("502 Command not implemented."), as on
                servers that resume only with APPE
  refuse-listing  listings (MLSD, LIST, NLST) of every folder named "flaky" are
                answered "450 Directory temporarily unavailable." while a file
                named "refuse-listings" exists at the served root (the test
                creates and removes it): a folder whose listing fails for a while
  slow          uploads are read at most 256 KiB per second (pyftpdlib's
                ThrottledDTPHandler), so a test can change a file while it
                is being sent
  stor-ignores-rest  REST is answered "350" but the STOR after it writes from
                byte 0, truncating (as some small servers do)
  appe-overwrites    REST is not implemented (502) and APPE truncates the file
                and writes from byte 0, as STOR does
  retr-ignores-rest  REST is answered "350" but the RETR after it sends the
                whole file from byte 0
  endless-retr  RETR sends the file's bytes, then zeros without end (listings
                and SIZE still give the file's real size)
"""

import datetime
import itertools
import logging
import os
import sys

# A server without TLS has no use for pyOpenSSL, which pyftpdlib imports when it can (a third
# of its start-up): the tests start dozens of these servers on a busy 2-core machine.
if "--tls" not in sys.argv[1:]:
    sys.modules["OpenSSL"] = None

try:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer
except ImportError as exc:
    sys.exit(f"pyftpd_server.py: pyftpdlib is not installed ({exc}); pip install pyftpdlib")

USER = "alice"
PASS = "s3cret pw"
TLS_KINDS = (
    "good",
    "wrong-name",
    "expired",
    "implicit",
    "self-signed",
    "self-signed-wrong-name",
    "self-signed-expired",
    "given",
    "given-implicit",
)
QUIRKS = (
    "quota",
    "evil-listing",
    "maxconn",
    "slow",
    "latin1",
    "zone",
    "shift",
    "no-rest",
    "no-overwrite",
    "refuse-listing",
    "stor-ignores-rest",
    "appe-overwrites",
    "retr-ignores-rest",
    "endless-retr",
)
SLOW_BYTES_PER_SECOND = 256 * 1024
QUOTA_BYTES = 64 * 1024
EVIL_FOLDER = "/evil"
# (name, is_dir) added to every listing of EVIL_FOLDER.
EVIL_NAMES = (
    ("../escape.txt", False),
    ("/etc/passwd", False),
    ("a/b.txt", False),
    ("..", True),
    ("..\\win.txt", False),
)


def write_private(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def write_certs(certdir: str, kind: str) -> tuple:
    """Writes the CA, the server certificate and key (see the module doc) into certdir;
    returns (certfile, keyfile)."""
    certfile = os.path.join(certdir, "server.pem")
    keyfile = os.path.join(certdir, "server-key.pem")
    if kind.startswith("given"):
        return certfile, keyfile
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    pem = serialization.Encoding.PEM

    def make_ca(name: str):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return key, cert

    ca_key, ca_cert = make_ca("ftpsh test CA")
    _, other_ca_cert = make_ca("ftpsh unrelated test CA")

    if kind.endswith("wrong-name"):
        names = [x509.DNSName("elsewhere.invalid")]
    else:
        names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    if kind.endswith("expired"):
        not_before = now - datetime.timedelta(days=10)
        not_after = now - datetime.timedelta(days=1)
    else:
        not_before = now - datetime.timedelta(hours=1)
        not_after = now + datetime.timedelta(days=1)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind.startswith("self-signed"):
        # As `openssl req -x509 -subj /CN=NAME -addext subjectAltName=...` (OpenSSL 3):
        # its own issuer, SKI, AKI, CA:TRUE, one name in the SAN, no key usages.
        name = "elsewhere.invalid" if kind.endswith("wrong-name") else "127.0.0.1"
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names[:1]), critical=False)
            .sign(key, hashes.SHA256())
        )
        # The file to trust is the certificate itself, and the server sends no chain.
        ca_cert = cert
        chain = cert.public_bytes(pem)
    else:
        cert = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ftpsh test server")])
            )
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        # The chain the server sends: its certificate, then the CA's.
        chain = cert.public_bytes(pem) + ca_cert.public_bytes(pem)

    os.makedirs(certdir, exist_ok=True)
    with open(os.path.join(certdir, "ca.pem"), "wb") as f:
        f.write(ca_cert.public_bytes(pem))
    with open(os.path.join(certdir, "other-ca.pem"), "wb") as f:
        f.write(other_ca_cert.public_bytes(pem))
    with open(certfile, "wb") as f:
        f.write(chain)
    write_private(
        keyfile,
        key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    return certfile, keyfile


def tls_handler(certdir: str, kind: str):
    try:
        from pyftpdlib.handlers import TLS_FTPHandler
    except ImportError:
        TLS_FTPHandler = None
    if TLS_FTPHandler is None:
        sys.exit("pyftpd_server.py: pyOpenSSL is not installed; pip install pyopenssl")
    certfile, keyfile = write_certs(certdir, kind)

    class ExplicitHandler(TLS_FTPHandler):
        pass

    class ImplicitHandler(TLS_FTPHandler):
        """Implicit FTPS: the handshake starts at once; the banner follows it."""

        _greeted = False

        def handle(self):
            self.secure_connection(self.ssl_context)

        def handle_ssl_established(self):
            if not self._greeted:
                self._greeted = True
                TLS_FTPHandler.handle(self)

    handler = ImplicitHandler if kind.endswith("implicit") else ExplicitHandler
    handler.certfile = certfile
    handler.keyfile = keyfile
    handler.tls_control_required = True
    handler.tls_data_required = True
    return handler


def quota_handler():
    """Uploads over QUOTA_BYTES: the first QUOTA_BYTES stay on disk, the final reply is 552."""
    from pyftpdlib.handlers import DTPHandler

    class QuotaDTPHandler(DTPHandler):
        def close(self):
            over = (
                not self._closed
                and self.receive
                and self.tot_bytes_received > QUOTA_BYTES
                and self.file_obj is not None
                and not self.file_obj.closed
                and self._resp
                and self._resp[0].startswith("226")
            )
            if over:
                # Before DTPHandler.close() replies: the client may act on the reply at once.
                self.file_obj.flush()
                self.file_obj.truncate(QUOTA_BYTES)
                self._resp = (
                    f"552 Quota exceeded: uploads are limited to {QUOTA_BYTES} bytes.",
                    logging.getLogger(__name__).info,
                )
            DTPHandler.close(self)

    class QuotaHandler(FTPHandler):
        dtp_handler = QuotaDTPHandler

    return QuotaHandler


def evil_listing_handler():
    """Listings of EVIL_FOLDER carry EVIL_NAMES after the real entries."""
    from pyftpdlib.handlers.ftp.producers import BufferedIteratorProducer

    def mlsd_line(name: str, is_dir: bool) -> str:
        kind = "type=dir;perm=elcdmpf" if is_dir else "type=file;size=7;perm=radfwMT"
        return f"{kind};modify=20240101000000;unique=fe01; {name}\r\n"

    def list_line(name: str, is_dir: bool) -> str:
        mode = "drwxr-xr-x" if is_dir else "-rw-r--r--"
        size = 4096 if is_dir else 7
        return f"{mode}   1 owner    group    {size:8d} Jan 01 00:00 {name}\r\n"

    class EvilListingHandler(FTPHandler):
        _evil_real = None  # the real names of EVIL_FOLDER while one of its listings is built

        def _listing(self, method, path):
            if self.fs.fs2ftp(path).rstrip("/") == EVIL_FOLDER and self.fs.isdir(path):
                try:
                    self._evil_real = set(self.fs.listdir(path))
                except OSError:
                    self._evil_real = set()
            try:
                return method(self, path)
            finally:
                self._evil_real = None

        def ftp_MLSD(self, path):
            return self._listing(FTPHandler.ftp_MLSD, path)

        def ftp_LIST(self, path):
            return self._listing(FTPHandler.ftp_LIST, path)

        def ftp_NLST(self, path):
            return self._listing(FTPHandler.ftp_NLST, path)

        def push_dtp_data(self, data, isproducer=False, file=None, cmd=None):
            if self._evil_real is not None and cmd in ("MLSD", "LIST", "NLST"):
                fmt = {"MLSD": mlsd_line, "LIST": list_line}.get(cmd, lambda n, _: f"{n}\r\n")
                extra = [
                    fmt(name, is_dir).encode(self.encoding, self.unicode_errors)
                    for name, is_dir in EVIL_NAMES
                    if name not in self._evil_real
                ]
                if isproducer:
                    data = BufferedIteratorProducer(itertools.chain(data.iterator, extra))
                else:
                    data = data + b"".join(extra)
            return FTPHandler.push_dtp_data(self, data, isproducer, file, cmd)

    return EvilListingHandler


def resume_quirk_handler(name: str):
    """Servers that get resumed transfers wrong, each in its own way (see the module doc)."""

    class StorIgnoresRest(FTPHandler):
        def ftp_STOR(self, file, mode="w"):
            if mode == "w":
                self._restart_position = 0
            return super().ftp_STOR(file, mode)

    class AppeOverwrites(FTPHandler):
        def ftp_REST(self, line):
            self.respond("502 Command not implemented.")

        def ftp_APPE(self, file):
            return self.ftp_STOR(file, mode="w")

    class RetrIgnoresRest(FTPHandler):
        def ftp_RETR(self, file):
            self._restart_position = 0
            return super().ftp_RETR(file)

    class Endless:
        """The file's bytes, then zeros for ever."""

        def __init__(self, fd):
            self.fd = fd

        def more(self):
            data = self.fd.read(65536) if not self.fd.closed else b""
            return data or b"\0" * 65536

    class EndlessRetr(FTPHandler):
        use_sendfile = False  # sendfile would send the file alone, not the producer

        def ftp_RETR(self, file):
            self._restart_position = 0
            try:
                fd = self.run_as_current_user(self.fs.open, file, "rb")
            except OSError as err:
                self.respond(f"550 {err.strerror}.")
                return
            self.push_dtp_data(Endless(fd), isproducer=True, file=fd, cmd="RETR")
            return file

    return {
        "stor-ignores-rest": StorIgnoresRest,
        "appe-overwrites": AppeOverwrites,
        "retr-ignores-rest": RetrIgnoresRest,
        "endless-retr": EndlessRetr,
    }[name]


def main() -> None:
    args = sys.argv[1:]
    max_cons_per_ip = 0
    if len(args) == 1:
        handler = FTPHandler
    elif len(args) == 4 and args[1] == "--tls" and args[3] in TLS_KINDS:
        handler = tls_handler(args[2], args[3])
    elif len(args) == 3 and args[1] == "--quirk" and args[2] in QUIRKS:
        if args[2] == "quota":
            handler = quota_handler()
        elif args[2] == "evil-listing":
            handler = evil_listing_handler()
        elif args[2] == "latin1":

            class Latin1Handler(FTPHandler):
                encoding = "latin-1"

            handler = Latin1Handler
        elif args[2] == "zone":
            import time

            os.environ["TZ"] = "Etc/GMT-2"
            time.tzset()

            class ZoneHandler(FTPHandler):
                use_gmt_times = False

            handler = ZoneHandler
        elif args[2] == "shift":
            import time

            hours_file = args[0].rstrip("/") + ".hours"
            gmtime = time.gmtime

            def shifted(secs=None):
                try:
                    with open(hours_file) as f:
                        hours = int(f.read().strip() or "0")
                except (OSError, ValueError):
                    hours = 0
                return gmtime((time.time() if secs is None else secs) + hours * 3600)

            # pyftpdlib looks time.localtime up at each listing when use_gmt_times is off.
            time.localtime = shifted

            class ShiftHandler(FTPHandler):
                use_gmt_times = False

            handler = ShiftHandler
        elif args[2] == "no-overwrite":

            class NoOverwriteHandler(FTPHandler):
                def ftp_RNTO(self, path):
                    if self._rnfr and os.path.lexists(path):
                        self._rnfr = None
                        self.respond("550 Cannot create a file when that file already exists.")
                        return
                    return super().ftp_RNTO(path)

            handler = NoOverwriteHandler
        elif args[2] in ("stor-ignores-rest", "appe-overwrites", "retr-ignores-rest", "endless-retr"):
            handler = resume_quirk_handler(args[2])
        elif args[2] == "no-rest":

            class NoRestHandler(FTPHandler):
                def ftp_REST(self, line):
                    self.respond("502 Command not implemented.")

            handler = NoRestHandler
        elif args[2] == "refuse-listing":
            switch = os.path.join(args[0], "refuse-listings")

            class RefuseListingHandler(FTPHandler):
                def _refused(self, path):
                    if os.path.basename(path.rstrip("/")) == "flaky" and os.path.exists(switch):
                        self.respond("450 Directory temporarily unavailable.")
                        return True
                    return False

                def ftp_MLSD(self, path):
                    if not self._refused(path):
                        return super().ftp_MLSD(path)

                def ftp_LIST(self, path):
                    if not self._refused(path):
                        return super().ftp_LIST(path)

                def ftp_NLST(self, path):
                    if not self._refused(path):
                        return super().ftp_NLST(path)

            handler = RefuseListingHandler
        elif args[2] == "slow":
            from pyftpdlib.handlers import ThrottledDTPHandler

            class SlowDTPHandler(ThrottledDTPHandler):
                read_limit = SLOW_BYTES_PER_SECOND

            class SlowHandler(FTPHandler):
                dtp_handler = SlowDTPHandler

            handler = SlowHandler
        else:

            class MaxConnHandler(FTPHandler):
                pass

            handler = MaxConnHandler
            max_cons_per_ip = 2
    else:
        sys.exit(
            "usage: pyftpd_server.py FOLDER [--tls CERTDIR " + "|".join(TLS_KINDS) + "]\n"
            "       pyftpd_server.py FOLDER --quirk "
            + "|".join(QUIRKS)
        )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASS, args[0], perm="elradfmwMT")
    handler.authorizer = authorizer
    handler.auth_failed_timeout = 0  # answer a wrong password at once (default: 3 s)
    server = FTPServer(("127.0.0.1", 0), handler)
    server.max_cons_per_ip = max_cons_per_ip
    port = server.socket.getsockname()[1]
    print(port, flush=True)
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    main()
