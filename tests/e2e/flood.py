#!/usr/bin/env python3
"""flood.py: a hostile host for test_hostile_conn.sh. Holds N connections
from one source address to HOST:PORT for SECS seconds and opens a new one
whenever one is closed, the way a client that wants the slots would.

  idle  each connection sends one complete keep-alive request, reads the
        answer, then stays open and silent (an idle keep-alive socket)
  half  each connection sends the first half of a request's headers and
        nothing more (a half-sent request)

Prints one line at the end: "opened N refused N answered N"
(refused: connects that failed or were closed before any answer)."""
import argparse
import selectors
import signal
import socket
import sys
import time

REQ_IDLE = (b"GET /directory HTTP/1.1\r\nHost: flood\r\n"
            b"Connection: keep-alive\r\n\r\n")
REQ_HALF = b"GET /directory HTTP/1.1\r\nHost: flood\r\nX-Half: "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["idle", "half"], required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--secs", type=float, default=20)
    ap.add_argument("--ready", help="file written once the first wave is open")
    a = ap.parse_args()
    sel = selectors.DefaultSelector()
    stats = {"opened": 0, "refused": 0, "answered": 0}
    live = {}

    def open_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((a.source, 0))
            s.connect_ex((a.host, a.port))
        except OSError:
            s.close()
            stats["refused"] += 1
            return
        stats["opened"] += 1
        live[s] = {"sent": False, "got": False}
        sel.register(s, selectors.EVENT_WRITE)

    def drop(s):
        st = live.pop(s)
        if not st["got"]:
            stats["refused"] += 1
        sel.unregister(s)
        s.close()

    end = [time.monotonic() + a.secs]

    def stop(*_):
        end[0] = 0
    signal.signal(signal.SIGTERM, stop)
    for _ in range(a.count):
        open_one()
    ready_done = False
    while time.monotonic() < end[0]:
        for key, ev in sel.select(timeout=0.2):
            s = key.fileobj
            st = live.get(s)
            if st is None:
                continue
            if ev & selectors.EVENT_WRITE and not st["sent"]:
                try:
                    s.send(REQ_IDLE if a.mode == "idle" else REQ_HALF)
                    st["sent"] = True
                    sel.modify(s, selectors.EVENT_READ)
                except OSError:
                    drop(s)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                if not st["got"]:
                    stats["answered"] += 1
                st["got"] = True
            else:
                drop(s)
        if not ready_done and a.ready:
            with open(a.ready, "w") as f:
                f.write("%d\n" % len(live))
            ready_done = True
        # reopen what the server closed: keep count connections wanted
        # (at most 50 a turn, a turn at least 20 ms: a flood, not a spin)
        n = 0
        while len(live) < a.count and n < 50 and time.monotonic() < end[0]:
            open_one()
            n += 1
        if n > 0:
            time.sleep(0.02)
    for s in list(live):
        s.close()
    sys.stdout.flush()
    print("opened %d refused %d answered %d" %
          (stats["opened"], stats["refused"], stats["answered"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
