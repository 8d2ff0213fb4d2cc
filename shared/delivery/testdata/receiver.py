"""A webhook receiver for partnerkit's delivery tests.

It verifies every request with Standard Webhooks' official Python library
(pip standardwebhooks), answers 500 to the first `fail_first` verified
requests and 200 after that, and records what it saw. Control:
  POST /_control {"secret": "whsec_...", "fail_first": n, "delay_ms": n}
  GET  /_received -> {"accepted": [event...], "attempts": [id...], "bad": n}
It prints its port on the first line of standard output.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

lock = threading.Lock()
state = {"secret": None, "fail_first": 0, "delay_ms": 0, "accepted": [], "attempts": [], "bad": 0, "seen": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/_received":
            return self.reply(404)
        with lock:
            out = {k: state[k] for k in ("accepted", "attempts", "bad")}
        self.reply(200, json.dumps(out).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/_control":
            with lock:
                state.update(json.loads(body))
            return self.reply(204)
        with lock:
            secret, delay = state["secret"], state["delay_ms"]
        try:
            Webhook(secret).verify(body, {k.lower(): v for k, v in self.headers.items()})
        except WebhookVerificationError:
            with lock:
                state["bad"] += 1
            return self.reply(401)
        if delay:
            time.sleep(delay / 1000)
        event = json.loads(body)
        if event["id"] != self.headers["webhook-id"]:
            with lock:
                state["bad"] += 1
            return self.reply(400)
        with lock:
            state["attempts"].append(event["id"])
            state["seen"] += 1
            ok = state["seen"] > state["fail_first"]
            if ok:
                state["accepted"].append(event)
        self.reply(200 if ok else 500)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
