#!/usr/bin/env python3
# tls_keepalive.py CA PORT GO-FILE: one TLS connection to the bridge (trusting
# CA, name localhost): GET /directory, print "first STATUS SERIAL", wait until
# GO-FILE exists (the certificate was reloaded meanwhile), GET /directory again
# on the same connection, print "second STATUS SERIAL". SERIAL is the
# certificate this connection was served (hex).
import os
import socket
import ssl
import sys
import time

ca, port, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
raw = socket.create_connection(("127.0.0.1", port), timeout=30)
s = ctx.wrap_socket(raw, server_hostname="localhost")
buf = b""


def get():
    global buf
    s.sendall(b"GET /directory HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % port)
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            return "closed"
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    n = 0
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(buf) < n:
        d = s.recv(4096)
        if not d:
            return "closed"
        buf += d
    buf = buf[n:]
    return lines[0].split()[1].decode()


serial = s.getpeercert().get("serialNumber", "?")
print("first", get(), serial, flush=True)
end = time.time() + 60
while not os.path.exists(go) and time.time() < end:
    time.sleep(0.1)
try:
    print("second", get(), s.getpeercert().get("serialNumber", "?"), flush=True)
except OSError as e:
    print("second error", e, flush=True)
