#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd): accepts every message and writes it,
as received, to <dir>/<n>.eml. Prints one JSON line {"port": N} once it listens.

Usage: smtp_sink.py <dir> [--delay-ms N] [--auth USER:PASSWORD] [--idle-timeout-s N]

  --auth            require AUTH (PLAIN/LOGIN) with these credentials before MAIL FROM
  --idle-timeout-s  close a client's connection after N idle seconds (as relays do)
"""
import asyncio
import json
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.n = 0
        self.lock = threading.Lock()

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
    controller = Controller(
        Sink(directory, delay),
        hostname="127.0.0.1",
        port=port,
        **kwargs,
    )
    controller.start()
    print(json.dumps({"port": port}), flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
