"""Owns the pyftpdlib test server (one with MFMT) that tests/support/pyftpd.rs runs.

Usage: pyftpd_server.py FOLDER

Serves FOLDER on 127.0.0.1 at an OS-chosen port to user "alice" with password
"s3cret pw" (all permissions), prints the port as the first line of stdout,
then serves until killed. Passive data ports: pyftpdlib's default (any free
port) on 127.0.0.1.
"""

import logging
import sys

try:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer
except ImportError as exc:
    sys.exit(f"pyftpd_server.py: pyftpdlib is not installed ({exc}); pip install pyftpdlib")

USER = "alice"
PASS = "s3cret pw"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: pyftpd_server.py FOLDER")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASS, sys.argv[1], perm="elradfmwMT")
    handler = FTPHandler
    handler.authorizer = authorizer
    handler.auth_failed_timeout = 0  # answer a wrong password at once (default: 3 s)
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    print(port, flush=True)
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    main()
