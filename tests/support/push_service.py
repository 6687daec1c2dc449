#!/usr/bin/env python3
"""A stand-in web push service (RFC 8030) playing the browser's side as well.

Written directly against the RFCs with the `cryptography` package only (no http_ece,
no pywebpush), so that it checks the Rust sender independently:

- it makes the user agent's P-256 key pair and 16-byte auth secret, listens on a free
  port on 127.0.0.1 and prints one JSON line to stdout:
  {"port": ..., "p256dh": <b64url uncompressed public key>, "auth": <b64url secret>};
- every POST to /push/<anything> has its VAPID header verified (RFC 8292) and its
  aes128gcm body decrypted (RFC 8291 + RFC 8188); one JSON line is appended to the file
  named by argv[1]:
  {"path", "topic", "ttl", "urgency", "payload"} and the answer is 201, or
  {"path", "error"} and the answer is 400 (413 when the body is too large);
- a path containing /gone/ answers 410 and one containing /flaky/ 503, untouched.

It exits when its stdin closes, so it never outlives the test that started it.

Usage: python3 tests/support/push_service.py LOG_FILE
"""

import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAX_BODY = 4096  # RFC 8030 §7.2: services must accept at least this much.
MAX_EXP_AHEAD = 24 * 60 * 60  # RFC 8292 §2: exp no more than 24 hours from now.


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


class Rejected(Exception):
    """The request is invalid: answer 400 (or `status`) and log the reason."""

    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.status = status


# --- RFC 8292: VAPID -------------------------------------------------------------------

def parse_vapid(header):
    """`vapid t=<jwt>, k=<key>` -> (jwt, key bytes)."""
    if not header:
        raise Rejected("no Authorization header")
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected("Authorization scheme is not vapid: %r" % scheme)
    values = {}
    for part in params.split(","):
        name, eq, value = part.strip().partition("=")
        if eq:
            values[name.strip().lower()] = value.strip()
    if "t" not in values or "k" not in values:
        raise Rejected("vapid header lacks t= or k=")
    try:
        key = b64url_decode(values["k"])
    except ValueError:
        raise Rejected("k= is not base64url")
    return values["t"], key


def verify_vapid(header, origin):
    token, key = parse_vapid(header)
    if len(key) != 65 or key[0] != 0x04:
        raise Rejected("k= is not an uncompressed P-256 point")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    except ValueError:
        raise Rejected("k= is not a point on P-256")

    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("JWT does not have three parts")
    try:
        jwt_header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError as e:
        raise Rejected("JWT is not base64url JSON: %s" % e)
    if jwt_header.get("alg") != "ES256":
        raise Rejected("JWT alg is %r, not ES256" % jwt_header.get("alg"))
    # JWS ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4), not DER.
    if len(signature) != 64:
        raise Rejected("ES256 signature is not 64 bytes")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    try:
        public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Rejected("JWT signature does not verify with k=")

    if claims.get("aud") != origin:
        raise Rejected("aud is %r, not %r" % (claims.get("aud"), origin))
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise Rejected("exp missing or not a number")
    if exp <= now:
        raise Rejected("JWT expired")
    if exp > now + MAX_EXP_AHEAD:
        raise Rejected("exp is more than 24 hours ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not (sub.startswith("mailto:") or sub.startswith("https:")):
        raise Rejected("sub missing or not a mailto:/https: contact: %r" % (sub,))
    return claims


# --- RFC 8291 + RFC 8188: aes128gcm ------------------------------------------------------

def decrypt(body, ua_private, ua_public, auth_secret):
    # Header: salt (16) | rs (uint32 BE) | idlen (1) | keyid (idlen) ; then the records.
    if len(body) < 21:
        raise Rejected("body shorter than the aes128gcm header")
    salt = body[:16]
    rs = int.from_bytes(body[16:20], "big")
    idlen = body[20]
    keyid = body[21 : 21 + idlen]
    record = body[21 + idlen :]
    if idlen != 65 or len(keyid) != 65:
        raise Rejected("keyid is not a 65-byte public key (RFC 8291 §4)")
    if rs < 18:
        raise Rejected("record size below 18")
    # RFC 8291 §4: one record only, so it must fit in rs (tag included).
    if len(record) > rs:
        raise Rejected("more than one record (body %d > rs %d)" % (len(record), rs))
    if len(record) < 17:
        raise Rejected("record shorter than tag plus delimiter")
    try:
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)
    except ValueError:
        raise Rejected("keyid is not a point on P-256")

    ecdh_secret = ua_private.exchange(ec.ECDH(), as_public)
    key_info = b"WebPush: info\x00" + ua_public + keyid
    ikm = hkdf(auth_secret, ecdh_secret, key_info, 32)
    cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)  # record 0: XOR 0
    try:
        padded = AESGCM(cek).decrypt(nonce, record, None)
    except InvalidTag:
        raise Rejected("AES-GCM authentication failed")

    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x02:
        raise Rejected("last record lacks the 0x02 padding delimiter")
    return stripped[:-1]


# --- HTTP ------------------------------------------------------------------------------

class State:
    def __init__(self, log_path):
        self.log_path = log_path
        self.lock = threading.Lock()
        self.ua_private = ec.generate_private_key(ec.SECP256R1())
        self.ua_public = self.ua_private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.auth_secret = os.urandom(16)
        self.origin = None
        self.counter = 0

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False)
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
            self.counter += 1
            return self.counter


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main()

    def log_message(self, format, *args):  # keep test output clean
        pass

    def answer(self, status, text="", headers=()):
        data = text.encode("utf-8")
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        self.answer(405, "push endpoints take POST", [("Allow", "POST")])

    def do_POST(self):
        path = self.path
        body = self.read_body()
        if not path.startswith("/push/"):
            self.answer(404, "no such subscription")
            return
        if "/gone/" in path:
            self.answer(410, "subscription expired")
            return
        if "/flaky/" in path:
            self.answer(503, "try later", [("Retry-After", "30")])
            return
        state = self.state
        try:
            verify_vapid(self.headers.get("Authorization"), state.origin)
            ttl = self.headers.get("TTL")
            if ttl is None or not ttl.strip().isdigit():
                raise Rejected("TTL header missing or not a number (RFC 8030 §5.2)")
            encoding = self.headers.get("Content-Encoding")
            if encoding != "aes128gcm":
                raise Rejected("Content-Encoding is %r, not aes128gcm" % encoding)
            if len(body) > MAX_BODY:
                raise Rejected("body of %d bytes exceeds %d" % (len(body), MAX_BODY), 413)
            plain = decrypt(body, state.ua_private, state.ua_public, state.auth_secret)
        except Rejected as e:
            state.record({"path": path, "error": str(e)})
            self.answer(e.status, str(e))
            return

        try:
            payload = json.loads(plain.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            payload = plain.decode("utf-8", errors="replace")
        n = state.record(
            {
                "path": path,
                "topic": self.headers.get("Topic"),
                "ttl": int(ttl),
                "urgency": self.headers.get("Urgency"),
                "payload": payload,
                "body_bytes": len(body),
            }
        )
        self.answer(201, "", [("Location", "/message/%d" % n)])


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: push_service.py LOG_FILE\n")
        sys.exit(2)
    state = State(sys.argv[1])
    Handler.state = state
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    state.origin = "http://127.0.0.1:%d" % port
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(
        json.dumps(
            {
                "port": port,
                "p256dh": b64url_encode(state.ua_public),
                "auth": b64url_encode(state.auth_secret),
            }
        ),
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
