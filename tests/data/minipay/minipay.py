#!/usr/bin/python3
"""minipay: a one-process payment service, the worked example of "Drill your own service"
(scenarios/README.md). Deliberately unlike refpay: its own API shape, Python's standard library
only, one SQLite file, no replication, no alerts (a log-pattern detector watches its restarts).

API (JSON over HTTP/1.1):
  POST /api/transfers     {"ref": KEY, "src": "user-1", "dst": "user-2", "cents": 123}
                          202 {"ok": true}        accepted and committed; the same again for a
                                                  repeated ref with the same body (idempotent)
                          400 {"error": ...}      not JSON, a field missing or of the wrong type
                          409 {"error": ...}      the ref was already used for another transfer
                          422 {"error": ...}      unknown account, src = dst, insufficient funds
  GET  /api/ledger.ndjson every committed transfer in commit order, one JSON object a line:
                          {"ref": ..., "src": ..., "dst": ..., "cents": ...}
  GET  /api/balances      {"accounts": [{"id": "user-1", "balance": ...}, ...]}
  GET  /health            200 {"status": "ok"}; 503 {"status": "heartbeat late"} when the
                          background heartbeat thread has not beaten for a second (or died)

Usage: minipay.py --listen ADDR:PORT --data DIR [--accounts N] [--initial-balance B]
                  [--lose-every N]

--data holds minipay.db (SQLite); a restart on the same directory keeps every committed transfer.
--lose-every N is a seeded bug for drills: every Nth accepted transfer is acknowledged (202) but
silently not stored (0: off). Each such transfer is logged to stderr as "lose-every: dropped REF"
so that a test can check what the harness finds against what was really dropped.

Log lines (stderr): "minipay starting recovery" and "recovered N transfers" when it starts on an
existing database (after a crash or a restart), "minipay initialised N accounts" on an empty one,
then "minipay ready on ADDR:PORT".

A background thread beats every 100 ms by sleeping the three ways Python programs wait
(time.sleep, an Event's and a Condition's timeout) and stamping time.monotonic(); /health fails
when it is late. It is how a drill sees that the lab did not break the service's own timers: a
clock shim that broke time.sleep would kill the thread ("heartbeat thread died: ...") and make
minipay unhealthy.
"""

import argparse
import json
import os
import socketserver
import sqlite3
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024


def log(message):
    print(message, file=sys.stderr, flush=True)


class Ledger:
    """Accounts and transfers in one SQLite database; one connection behind a lock."""

    def __init__(self, path, accounts, initial_balance, lose_every):
        existed = os.path.exists(path)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.lock = threading.Lock()
        self.lose_every = lose_every
        self.accepted = 0  # transfers accepted since this process started (for --lose-every)
        if existed:
            log("minipay starting recovery")
        self.db.execute("CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS transfers (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " ref TEXT UNIQUE NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, cents INTEGER NOT NULL)")
        self.db.execute("BEGIN")  # idempotent: a start interrupted here is completed by the next
        self.db.executemany("INSERT OR IGNORE INTO accounts (id, balance) VALUES (?, ?)",
                            ((f"user-{i}", initial_balance) for i in range(1, accounts + 1)))
        self.db.execute("COMMIT")
        if existed:
            (count,) = self.db.execute("SELECT COUNT(*) FROM transfers").fetchone()
            log(f"recovered {count} transfers")
        else:
            log(f"minipay initialised {accounts} accounts")

    def transfer(self, ref, src, dst, cents):
        """Returns (status, body)."""
        with self.lock:
            row = self.db.execute("SELECT src, dst, cents FROM transfers WHERE ref = ?", (ref,)).fetchone()
            if row is not None:
                if row == (src, dst, cents):
                    return 202, {"ok": True}
                return 409, {"error": "ref already used for another transfer"}
            if src == dst:
                return 422, {"error": "src and dst are the same account"}
            balances = dict(self.db.execute("SELECT id, balance FROM accounts WHERE id IN (?, ?)", (src, dst)))
            if src not in balances or dst not in balances:
                return 422, {"error": "unknown account"}
            if balances[src] < cents:
                return 422, {"error": "insufficient funds"}
            self.accepted += 1
            if self.lose_every > 0 and self.accepted % self.lose_every == 0:
                log(f"lose-every: dropped {ref}")
                return 202, {"ok": True}
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", (cents, src))
                self.db.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (cents, dst))
                self.db.execute("INSERT INTO transfers (ref, src, dst, cents) VALUES (?, ?, ?, ?)",
                                (ref, src, dst, cents))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            return 202, {"ok": True}

    def export(self):
        with self.lock:
            rows = self.db.execute("SELECT ref, src, dst, cents FROM transfers ORDER BY seq").fetchall()
        return "".join(json.dumps({"ref": r, "src": s, "dst": d, "cents": c}) + "\n" for r, s, d, c in rows)

    def balances(self):
        with self.lock:
            rows = self.db.execute("SELECT id, balance FROM accounts ORDER BY id").fetchall()
        return {"accounts": [{"id": i, "balance": b} for i, b in rows]}


class Heartbeat:
    """A background thread that waits 100 ms at a time, as a service's periodic worker does."""

    PERIOD_S = 0.1
    LATE_S = 1.0

    def __init__(self):
        self.last = time.monotonic()
        self.alive = True
        threading.Thread(target=self.run, name="heartbeat", daemon=True).start()

    def run(self):
        event, condition = threading.Event(), threading.Condition()
        try:
            while True:
                time.sleep(self.PERIOD_S)
                event.wait(self.PERIOD_S / 2)
                with condition:
                    condition.wait(self.PERIOD_S / 2)
                self.last = time.monotonic()
        except BaseException as error:  # noqa: the point is to report any failure
            self.alive = False
            log(f"heartbeat thread died: {error!r}")

    def healthy(self):
        return self.alive and time.monotonic() - self.last < self.LATE_S


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length
    # The headers and the body go out in two writes; without TCP_NODELAY the second waits for the
    # client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True
    ledger = None
    heartbeat = None

    def log_message(self, format, *args):  # no access log
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            if self.heartbeat.healthy():
                self.answer(200, {"status": "ok"})
            else:
                self.answer(503, {"status": "heartbeat late"})
        elif self.path == "/api/ledger.ndjson":
            self.answer(200, self.ledger.export(), "application/x-ndjson")
        elif self.path == "/api/balances":
            self.answer(200, self.ledger.balances())
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            return self.answer(400, {"error": "bad Content-Length"})
        raw = self.rfile.read(length)
        if self.path != "/api/transfers":
            return self.answer(404, {"error": "not found"})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.answer(400, {"error": "not JSON"})
        if not isinstance(body, dict):
            return self.answer(400, {"error": "expected a JSON object"})
        ref, src, dst, cents = (body.get(k) for k in ("ref", "src", "dst", "cents"))
        if not all(isinstance(v, str) and v for v in (ref, src, dst)):
            return self.answer(400, {"error": "ref, src and dst must be non-empty strings"})
        if not isinstance(cents, int) or isinstance(cents, bool) or cents <= 0:
            return self.answer(400, {"error": "cents must be a positive integer"})
        status, answer = self.ledger.transfer(ref, src, dst, cents)
        self.answer(status, answer)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def server_bind(self):
        # HTTPServer.server_bind looks up the host's fully qualified name (reverse DNS); a lab
        # node has no name server, so that lookup would hang the start until it times out.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client gave up (its timeout) or went away: not minipay's error
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="minipay: a one-process payment service")
    parser.add_argument("--listen", required=True, help="ADDR:PORT")
    parser.add_argument("--data", required=True, help="directory of minipay.db")
    parser.add_argument("--accounts", type=int, default=64)
    parser.add_argument("--initial-balance", type=int, default=1_000_000)
    parser.add_argument("--lose-every", type=int, default=0,
                        help="seeded bug: acknowledge but do not store every Nth transfer (0: off)")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    os.makedirs(args.data, exist_ok=True)
    Handler.ledger = Ledger(os.path.join(args.data, "minipay.db"), args.accounts, args.initial_balance,
                            args.lose_every)
    Handler.heartbeat = Heartbeat()
    server = Server((host, int(port)), Handler)
    log(f"minipay ready on {args.listen}" + (f" (lose-every {args.lose_every})" if args.lose_every else ""))
    server.serve_forever()


if __name__ == "__main__":
    main()
