"""A local stand-in for Stripe's API, and Stripe's webhook signing, for the Stripe tests.

No machine here reaches Stripe. The official library is pointed (STRIPE_API_BASE) at this
small HTTP server on 127.0.0.1, which records every request as the library sent it and
answers Checkout Session creation as Stripe would. Webhook payloads are signed exactly as
Stripe signs them.
"""
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    form: dict[str, str]  # the form-encoded body, flattened as Stripe sends it: "line_items[0][quantity]"


@dataclass
class StripeStandIn:
    """A running stand-in: `url` is its API base; `requests` what it received, in order.

    Set `failure = (status, body)` to answer the next requests with a Stripe error instead.
    """

    server: ThreadingHTTPServer
    requests: list[RecordedRequest] = field(default_factory=list)
    failure: tuple[int, dict] | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _session(form: dict[str, str]) -> dict:
    """A plausible Checkout Session built from the request's own fields."""
    session_id = f"cs_test_{secrets.token_hex(12)}"
    amount = sum(
        int(value) * int(form.get(key.replace("[price_data][unit_amount]", "[quantity]"), "1"))
        for key, value in form.items() if key.endswith("[price_data][unit_amount]")
    )
    return {
        "id": session_id,
        "object": "checkout.session",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        "mode": form.get("mode"),
        "currency": form.get("currency"),
        "amount_total": amount,
        "status": "open",
        "payment_status": "unpaid",
        "client_reference_id": form.get("client_reference_id"),
        "customer_email": form.get("customer_email"),
        "expires_at": int(form.get("expires_at", "0")),
        "metadata": {key[9:-1]: value for key, value in form.items() if key.startswith("metadata[")},
        "livemode": False,
    }


def _handler(standin: StripeStandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
            headers = {name.lower(): value for name, value in self.headers.items()}
            standin.requests.append(RecordedRequest("POST", self.path, headers, form))
            if standin.failure:
                status, body = standin.failure
            elif self.path == "/v1/checkout/sessions":
                status, body = 200, _session(form)
            else:
                status, body = 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}
            self._answer(status, body)

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


def start() -> StripeStandIn:
    """Start a stand-in on a free port of 127.0.0.1, serving from a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    standin = StripeStandIn(server)
    server.RequestHandlerClass = _handler(standin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return standin


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send: t=<ts>,v1=HMAC_SHA256(secret, "<ts>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_type: str, data_object: dict, event_id: str | None = None) -> dict:
    """An event in Stripe's format (API version 2024-06-20, test mode)."""
    return {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": data_object},
        "api_version": "2024-06-20",
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    }
