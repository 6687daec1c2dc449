#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd): accepts every message and writes it,
as received, to <dir>/<n>.eml. Prints one JSON line {"port": N} once it listens.

Usage: smtp_sink.py <dir> [--delay-ms N] [--auth USER:PASSWORD] [--idle-timeout-s N]
                     [--starttls CERT_DIR] [--reject-rcpt ADDRESS]

  --auth            require AUTH (PLAIN/LOGIN) with these credentials before MAIL FROM
  --idle-timeout-s  close a client's connection after N idle seconds (as relays do)
  --reject-rcpt     answer "550 no such user" to RCPT TO:<ADDRESS>, and append a line to
                    <dir>/rejected.log for each time it was asked
  --starttls        offer STARTTLS and require it before MAIL FROM, with a certificate for
                    localhost signed by a fresh test CA; the CA is written to CERT_DIR/ca.pem
                    and its path printed as "ca" in the JSON line. Each stored message then
                    starts with "X-Sink-TLS: <TLS version>" (or "none").
"""
import asyncio
import datetime
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, directory, delay, tls=False, reject=None):
        self.directory = directory
        self.delay = delay
        self.tls = tls
        self.reject = reject
        self.n = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and address.lower() == self.reject.lower():
            with open(os.path.join(self.directory, "rejected.log"), "a") as f:
                f.write(address + "\n")
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.n += 1
            n = self.n
        path = os.path.join(self.directory, f"{os.getpid()}-{n:08d}.eml")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            if session.ssl is not None or self.tls:
                ssl_object = (session.ssl or {}).get("ssl_object")
                version = ssl_object.version() if ssl_object else "none"
                f.write(b"X-Sink-TLS: " + version.encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, path)
        return "250 OK stored"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def arg(name):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return None


def authenticator(expected_user, expected_password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            auth_data is not None
            and auth_data.login.decode() == expected_user
            and auth_data.password.decode() == expected_password
        )
        return AuthResult(success=ok, handled=False)

    return check


def test_certificates(cert_dir):
    """A CA and a leaf certificate for localhost/127.0.0.1 signed by it (rustls refuses a
    self-signed CA used as the server's own certificate). Returns (ca_path, ssl_context)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    os.makedirs(cert_dir, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jiwon test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = os.path.join(cert_dir, "ca.pem")
    cert_path = os.path.join(cert_dir, "server.pem")
    key_path = os.path.join(cert_dir, "server.key")
    with open(ca_path, "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(cert_path, "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return ca_path, context


def main():
    directory = sys.argv[1]
    delay = int(arg("--delay-ms") or 0) / 1000.0
    os.makedirs(directory, exist_ok=True)
    port = free_port()
    kwargs = {}
    if arg("--auth"):
        user, password = arg("--auth").split(":", 1)
        kwargs.update(
            authenticator=authenticator(user, password),
            auth_required=True,
            auth_require_tls=False,
        )
    if arg("--idle-timeout-s"):
        kwargs["timeout"] = float(arg("--idle-timeout-s"))
    ready = {"port": port}
    if arg("--starttls"):
        ca_path, context = test_certificates(arg("--starttls"))
        kwargs.update(tls_context=context, require_starttls=True)
        ready["ca"] = ca_path
    controller = Controller(
        Sink(directory, delay, tls=bool(arg("--starttls")), reject=arg("--reject-rcpt")),
        hostname="127.0.0.1",
        port=port,
        **kwargs,
    )
    controller.start()
    print(json.dumps(ready), flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
