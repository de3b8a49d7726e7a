#!/usr/bin/env python3
"""load.py - one phase of the DURZ experiment's client load, run inside the
client network namespace by experiment/durz.sh.

  load.py run --plan PLAN --phase P --start EPOCH --end EPOCH --out SENT.json --logdir DIR

Waits until --start, then runs every client of the plan active in phase P
until --end:

* dnsperf clients: one dnsperf process per source address (-a ADDR), its
  query file in binary form (-B: the EDNS size and DO bit are in each
  message), -Q RATE, -l the seconds left until --end; -m tcp for the
  TCP-only resolver. Its "Queries sent" is what it sent.
* retry clients (the resolvers whose buffers are smaller than a signed
  answer): a thread per source address that sends each query of its file
  over UDP at its rate, waits for the answer (1 s), and when the answer has
  TC=1 asks the same question again over TCP from the same address (a
  new connection, closed after the answer), as a resolver does. It counts
  what it sent over UDP and TCP, the TC answers and the timeouts.

Writes SENT.json: per source address its instance, tool and counts
({"udp": N, "tcp": N} sent, plus tc/timeouts for retry clients), and the
phase's start and end. Exit status 1 when a dnsperf failed to run.
"""
import argparse
import json
import os
import random
import re
import socket
import struct
import subprocess
import threading
import time


def read_bin(path):
    data = open(path, "rb").read()
    out, off = [], 0
    while off + 2 <= len(data):
        (n,) = struct.unpack("!H", data[off:off + 2])
        out.append(data[off + 2:off + 2 + n])
        off += 2 + n
    return out


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        b = s.recv(n - len(buf))
        if not b:
            raise OSError("connection closed")
        buf += b
    return buf


class Retry(threading.Thread):
    """A resolver's UDP-then-TCP-on-TC logic for one source address."""

    def __init__(self, c, server, start, end):
        super().__init__(daemon=True)
        self.c, self.server, self.t0, self.end = c, server, start, end
        self.fam = socket.AF_INET6 if c["family"] == 6 else socket.AF_INET
        self.msgs = read_bin(c["files"][c["phase"]])
        self.rnd = random.Random(c["addr"])
        self.n = dict(udp=0, tcp=0, tc=0, udp_timeouts=0, tcp_failures=0, answers=0)
        self.error = None

    def tcp(self, msg):
        s = socket.socket(self.fam, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.bind((self.c["addr"], 0))
            s.connect((self.server, 53))
            qid = self.rnd.getrandbits(16)
            m = struct.pack("!H", qid) + msg[2:]
            s.sendall(struct.pack("!H", len(m)) + m)
            self.n["tcp"] += 1  # handed to the kernel: on the wire
            (ln,) = struct.unpack("!H", recv_exact(s, 2))
            recv_exact(s, ln)
        except OSError:
            self.n["tcp_failures"] += 1
        finally:
            s.close()

    def run(self):
        try:
            self._run()
        except Exception as e:  # reported, not fatal to the other clients
            self.error = repr(e)

    def _run(self):
        u = socket.socket(self.fam, socket.SOCK_DGRAM)
        u.bind((self.c["addr"], 0))
        u.connect((self.server, 53))
        gap = 1.0 / self.c["rate"]
        # started late (a slow reload, a busy machine): begin now, never
        # catch up with a burst
        nxt = max(self.t0, time.time()) + self.rnd.random() * gap
        i = 0
        while nxt < self.end:
            d = nxt - time.time()
            if d > 0:
                time.sleep(d)
            msg = self.msgs[i % len(self.msgs)]
            i += 1
            qid = self.rnd.getrandbits(16)
            u.send(struct.pack("!H", qid) + msg[2:])
            self.n["udp"] += 1
            deadline = time.time() + 1.0
            resp = None
            while True:
                left = deadline - time.time()
                if left <= 0:
                    break
                u.settimeout(left)
                try:
                    r = u.recv(65535)
                except OSError:  # timeout, or an ICMP error
                    break
                if len(r) >= 12 and struct.unpack("!H", r[:2])[0] == qid:
                    resp = r
                    break
            if resp is None:
                self.n["udp_timeouts"] += 1
            else:
                self.n["answers"] += 1
                if resp[2] & 0x02:  # TC
                    self.n["tc"] += 1
                    self.tcp(msg)
            nxt += gap
        u.close()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--plan", required=True)
    r.add_argument("--phase", required=True)
    r.add_argument("--start", type=float, required=True)
    r.add_argument("--end", type=float, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--logdir", required=True)
    a = p.parse_args()
    plan = json.load(open(a.plan))
    os.makedirs(a.logdir, exist_ok=True)
    d = a.start - time.time()
    if d > 0:
        time.sleep(d)
    elif d < -0.5:
        print("load.py: phase %s: started %.1f s late" % (a.phase, -d))
    procs, threads = [], []
    for c in plan["clients"]:
        if a.phase not in c["phases"]:
            continue
        c = dict(c, phase=a.phase)
        server = plan["service6"] if c["family"] == 6 else plan["service4"]
        if c["tool"] == "retry":
            t = Retry(c, server, a.start, a.end)
            t.start()
            threads.append(t)
            continue
        secs = int(a.end - time.time())
        if secs < 1:
            raise SystemExit("load.py: no time left for dnsperf in phase %s" % a.phase)
        cmd = ["dnsperf", "-s", server, "-a", c["addr"], "-d", c["files"][a.phase], "-B",
               "-l", str(secs), "-Q", str(c["rate"]), "-c", "1", "-q", "20", "-t", "1"]
        if c["tool"] == "dnsperf-tcp":
            cmd += ["-m", "tcp"]
        log = os.path.join(a.logdir, "dnsperf-%s-%s.log" % (a.phase, c["addr"].replace(":", "_")))
        procs.append((c, log, subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT)))
    out = dict(phase=a.phase, start=a.start, end=a.end, clients={})
    bad = 0
    for c, log, pr in procs:
        rc = pr.wait()
        text = open(log).read()
        m = re.search(r"Queries sent:\s+(\d+)", text)
        if rc != 0 or not m:
            bad += 1
            print("load.py: dnsperf for %s exited %d (%s)" % (c["addr"], rc, log))
            sent = 0
        else:
            sent = int(m.group(1))
        lost = re.search(r"Queries lost:\s+(\d+)", text)
        tr = "tcp" if c["tool"] == "dnsperf-tcp" else "udp"
        out["clients"][c["addr"]] = dict(instance=c["instance"], tool=c["tool"], kind=c["kind"],
                                         udp=sent if tr == "udp" else 0, tcp=sent if tr == "tcp" else 0,
                                         lost=int(lost.group(1)) if lost else None)
    for t in threads:
        t.join()
        c = t.c
        if t.error:
            bad += 1
            print("load.py: retry client %s failed: %s" % (c["addr"], t.error))
        out["clients"][c["addr"]] = dict(instance=c["instance"], tool=c["tool"], kind=c["kind"], **t.n)
    out["finished"] = time.time()
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    udp = sum(v["udp"] for v in out["clients"].values())
    tcp = sum(v["tcp"] for v in out["clients"].values())
    tc = sum(v.get("tc", 0) for v in out["clients"].values())
    print("load %s: %d clients sent %d UDP and %d TCP queries (%d TC answers retried over TCP), "
          "all done %.1f s after the load window" % (a.phase, len(out["clients"]), udp, tcp, tc,
                                                     max(0.0, out["finished"] - a.end)))
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
