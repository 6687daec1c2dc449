"""An agency's system receiving Jiwon's webhooks, for tests/applications_webhooks.rs.

Usage: webhook_receiver.py LOG SECRET_FILE
Listens on 127.0.0.1 (a free port, printed as {"port": N} on the first stdout line),
answers 500 to the first request and 200 afterwards, and for each request appends one JSON
line to LOG: the headers that matter, the body, and whether X-Jiwon-Signature verifies
against the secret read from SECRET_FILE at that moment (written by the test once the
webhook exists). Exits when stdin closes.
"""
import hashlib
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

LOG, SECRET_FILE = sys.argv[1], sys.argv[2]
count = 0
lock = threading.Lock()


def verified(secret, timestamp, body, header):
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    given = [p.strip()[3:] for p in header.split(",") if p.strip().startswith("v1=")]
    return any(hmac.compare_digest(expected, g) for g in given)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            with open(SECRET_FILE) as f:
                secret = f.read().strip()
        except OSError:
            secret = ""
        ok = bool(secret) and verified(
            secret,
            self.headers.get("X-Jiwon-Timestamp", ""),
            body,
            self.headers.get("X-Jiwon-Signature", ""),
        )
        with lock:
            count += 1
            code = 500 if count == 1 else 200
            with open(LOG, "a") as f:
                f.write(json.dumps({
                    "n": count,
                    "answered": code,
                    "verified": ok,
                    "event": self.headers.get("X-Jiwon-Event"),
                    "delivery": self.headers.get("X-Jiwon-Delivery"),
                    "content_type": self.headers.get("Content-Type"),
                    "body": json.loads(body or b"null"),
                }, ensure_ascii=False) + "\n")
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(json.dumps({"port": server.server_address[1]}), flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
