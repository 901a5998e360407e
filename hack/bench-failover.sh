#!/usr/bin/env bash
# Failover benchmark: a 3-member ensemble of zkensemble and one of Apache ZooKeeper 3.8 (Debian),
# each under a small write load; kill -9 the current leader and measure
#   - ack: time from the kill to the acknowledgement of the first write sent after it (any writer), and
#   - leader: time from the kill to the first surviving member whose srvr says "Mode: leader";
# then restart the killed member and wait until all three serve with one leader again.
# Prints one line per trial and a Markdown table (median and max) for docs/benchmarks.md.
#
# Env: TRIALS (20; both targets), ZK_TRIALS (defaults to TRIALS; Apache's restarts are slow),
#      TARGETS ("zkensemble zookeeper"), WRITERS (4), TICK_MS (2000), STEADY_S (1: load before
#      each kill), TRIAL_TIMEOUT_S (60), KEEP (1: keep the members' directories and logs).
# The writers are raw-protocol sessions (embedded Python below, no client library retry policy
# in the way): each holds one setData in flight on its own znode; after an error or a closed
# connection it opens a new session on the next member (round robin, 20 ms between attempts,
# 500 ms connect/IO timeout). Writers start on the followers; the leader gets none, so a kill
# never cuts a writer off from a member it would not have lost anyway.
# Members bind 127.0.0.11..13 (one loopback address each, distinct ports).
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${TRIALS:-20}; ZK_TRIALS=${ZK_TRIALS:-$TRIALS}; TARGETS=${TARGETS:-"zkensemble zookeeper"}
WRITERS=${WRITERS:-4}; TICK_MS=${TICK_MS:-2000}; STEADY_S=${STEADY_S:-1}; TRIAL_TIMEOUT_S=${TRIAL_TIMEOUT_S:-60}
go build -o bin/zkensemble .
work=$(mktemp -d /tmp/zke-failover.XXXXXX)
if [ "${KEEP:-}" = 1 ]; then echo "keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
export TRIALS ZK_TRIALS TARGETS WRITERS TICK_MS STEADY_S TRIAL_TIMEOUT_S
export WORK=$work ZKE_BIN=$PWD/bin/zkensemble
/usr/bin/python3 - <<'PY'
import bisect, os, socket, struct, subprocess, threading, time, statistics, signal, sys

work = os.environ["WORK"]; zke_bin = os.environ["ZKE_BIN"]
tick = int(os.environ["TICK_MS"]); writers_n = int(os.environ["WRITERS"])
steady = float(os.environ["STEADY_S"]); trial_timeout = float(os.environ["TRIAL_TIMEOUT_S"])
APACHE_CP = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-codec.jar"

def free_port(host):
    s = socket.socket(); s.bind((host, 0)); p = s.getsockname()[1]; s.close(); return p

def four(host, port, cmd="srvr", timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout); s.sendall(cmd.encode()); out = b""
            while True:
                b = s.recv(4096)
                if not b: break
                out += b
        return out.decode(errors="replace")
    except OSError:
        return ""

def mode(m):
    for l in four(m["host"], m["client"]).splitlines():
        if l.startswith("Mode: "): return l[6:].strip()
    return ""

class Ensemble:
    def __init__(self, target):
        self.target = target; self.dir = os.path.join(work, target); self.members = []
        lines = []
        for i in (1, 2, 3):
            host = "127.0.0.1%d" % i
            m = {"id": i, "host": host, "client": free_port(host), "quorum": free_port(host),
                 "election": free_port(host), "dir": os.path.join(self.dir, "m%d" % i), "proc": None}
            self.members.append(m)
            lines.append("server.%d=%s:%d:%d;%s:%d" % (i, host, m["quorum"], m["election"], host, m["client"]))
        for m in self.members:
            os.makedirs(os.path.join(m["dir"], "data"))
            with open(os.path.join(m["dir"], "data", "myid"), "w") as f: f.write("%d\n" % m["id"])
            cfg = ["tickTime=%d" % tick, "initLimit=10", "syncLimit=5",
                   "dataDir=" + os.path.join(m["dir"], "data"), "4lw.commands.whitelist=*",
                   "admin.enableServer=false", "maxClientCnxns=0"] + lines
            with open(os.path.join(m["dir"], "zoo.cfg"), "w") as f: f.write("\n".join(cfg) + "\n")

    def start(self, m):
        cfg = os.path.join(m["dir"], "zoo.cfg")
        if self.target == "zookeeper":
            cmd = ["java", "-Xmx512m", "-cp", APACHE_CP, "-Dzookeeper.log.dir=" + m["dir"],
                   "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg]
        else:
            cmd = [zke_bin, "server", "--config", cfg]
        log = open(os.path.join(m["dir"], "process.out"), "ab")
        m["proc"] = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=m["dir"], start_new_session=True)

    def kill(self, m):
        os.killpg(m["proc"].pid, signal.SIGKILL); m["proc"].wait()

    def stop(self):
        for m in self.members:
            if m["proc"] and m["proc"].poll() is None:
                os.killpg(m["proc"].pid, signal.SIGTERM)
        for m in self.members:
            if m["proc"]:
                try: m["proc"].wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(m["proc"].pid, signal.SIGKILL); m["proc"].wait()

    def wait_settled(self, timeout):
        """All three serve and exactly one leads; returns the leader."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            modes = {m["id"]: mode(m) for m in self.members}
            leaders = [m for m in self.members if modes[m["id"]] == "leader"]
            if len(leaders) == 1 and all(v in ("leader", "follower") for v in modes.values()):
                return leaders[0]
            time.sleep(0.05)
        raise RuntimeError("%s: no settled ensemble after %ss: %s" % (self.target, timeout, modes))

# --- raw ZooKeeper protocol, just enough for create + setData -----------------------------
def frame(b): return struct.pack(">i", len(b)) + b
def jstr(s): b = s.encode(); return struct.pack(">i", len(b)) + b

def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        c = s.recv(n - len(buf))
        if not c: raise OSError("closed")
        buf += c
    return buf

def read_frame(s):
    n = struct.unpack(">i", recv_exact(s, 4))[0]
    return recv_exact(s, n)

def open_session(host, port):
    s = socket.create_connection((host, port), timeout=0.5); s.settimeout(0.5)
    # ConnectRequest{protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly}
    s.sendall(frame(struct.pack(">iqiq", 0, 0, 2 * tick, 0) + struct.pack(">i", 16) + b"\0" * 16 + b"\0"))
    r = read_frame(s)
    _, timeout_ms, sid = struct.unpack(">iiq", r[:16])
    if timeout_ms <= 0: raise OSError("session refused")
    return s

def request(s, xid, op, body):
    s.sendall(frame(struct.pack(">ii", xid, op) + body))
    while True:
        r = read_frame(s)
        rxid, zxid, err = struct.unpack(">iqi", r[:16])
        if rxid == xid: return err

def create_body(path):
    acl = struct.pack(">i", 1) + struct.pack(">i", 31) + jstr("world") + jstr("anyone")
    return jstr(path) + struct.pack(">i", 0) + acl + struct.pack(">i", 0)  # empty data, persistent

def set_body(path, data): return jstr(path) + struct.pack(">i", len(data)) + data + struct.pack(">i", -1)

class Writer(threading.Thread):
    def __init__(self, ens, idx, first):
        super().__init__(daemon=True); self.ens, self.idx, self.next = ens, idx, first
        self.sent, self.acks = [], []; self.lock = threading.Lock(); self.stopped = False
        self.path = "/failover-%d" % idx
    def run(self):
        s, xid = None, 0
        while not self.stopped:
            if s is None:
                m = self.ens.members[self.next % 3]; self.next += 1
                try:
                    s = open_session(m["host"], m["client"])
                    err = request(s, 1, 1, create_body(self.path)); xid = 1
                    if err not in (0, -110): raise OSError("create err %d" % err)
                except OSError:
                    if s: s.close()
                    s = None; time.sleep(0.02); continue
            try:
                xid += 1; sent = time.monotonic()
                err = request(s, xid, 5, set_body(self.path, b"x" * 32))
                if err != 0: raise OSError("setData err %d" % err)
                with self.lock: self.sent.append(sent); self.acks.append(time.monotonic())
            except OSError:
                s.close(); s = None; time.sleep(0.02)
        if s: s.close()
    def first_ack_after(self, t):
        """The ack of the first write sent after t (a write sent before the kill may be
        committed already and answered late: it says nothing about the new leader)."""
        with self.lock:
            i = bisect.bisect_right(self.sent, t)
            return self.acks[i] if i < len(self.acks) else None

def trial(ens, writers, n):
    leader = ens.wait_settled(trial_timeout)
    time.sleep(steady)
    survivors = [m for m in ens.members if m is not leader]
    t_kill = time.monotonic(); ens.kill(leader)
    t_leader = None; end = t_kill + trial_timeout; t_ack = None
    while time.monotonic() < end and (t_leader is None or t_ack is None):
        if t_leader is None:
            for m in survivors:
                if mode(m) == "leader": t_leader = time.monotonic(); break
        if t_ack is None:
            acks = [w.first_ack_after(t_kill) for w in writers]
            acks = [a for a in acks if a is not None]
            if acks: t_ack = min(acks)
        time.sleep(0.01)
    ens.start(leader)
    t0 = time.monotonic(); ens.wait_settled(trial_timeout); rejoin = time.monotonic() - t0
    ms = lambda t: None if t is None else round((t - t_kill) * 1000)
    r = {"ack": ms(t_ack), "leader": ms(t_leader), "rejoin": round(rejoin * 1000), "killed": leader["id"]}
    print("%s trial %d: killed leader %d, first write acked after %s ms, new leader in srvr after %s ms, restarted member rejoined in %d ms"
          % (ens.target, n, r["killed"], r["ack"], r["leader"], r["rejoin"]), file=sys.stderr, flush=True)
    return r

def run(target, trials):
    ens = Ensemble(target)
    try:
        for m in ens.members: ens.start(m)
        leader = ens.wait_settled(120)
        followers = [m["id"] - 1 for m in ens.members if m is not leader]
        writers = [Writer(ens, i, followers[i % 2]) for i in range(writers_n)]
        for w in writers: w.start()
        results = [trial(ens, writers, n + 1) for n in range(trials)]
        for w in writers: w.stopped = True
        for w in writers: w.join(5)
        return results
    finally:
        ens.stop()

def summary(vals):
    v = [x for x in vals if x is not None]
    if not v: return "–", "–", 0
    return "%d" % statistics.median(v), "%d" % max(v), len(vals) - len(v)

def loadavg(): return " ".join(open("/proc/loadavg").read().split()[:3])

rows = []
for target in os.environ["TARGETS"].split():
    trials = int(os.environ["ZK_TRIALS"] if target == "zookeeper" else os.environ["TRIALS"])
    before = loadavg(); res = run(target, trials); after = loadavg()
    rows.append((target, trials, res, before, after))

cpu = ""
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"): cpu = l.split(":", 1)[1].strip(); break
print("## bench-failover %s UTC on %d cores, %s" % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), cpu))
print("3 members on 127.0.0.11-13, tickTime=%d initLimit=10 syncLimit=5; %d raw writer sessions (setData, 32 B, one in flight each) started on the followers; kill -9 of the leader after %.0f s of load" % (tick, writers_n, steady))
print()
print("| server | trials | first acked write after kill ms (median) | (max) | new leader in srvr ms (median) | (max) | restarted member rejoined ms (median) | (max) | trials without an ack | load average before → after |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
for target, trials, res, before, after in rows:
    a = summary([r["ack"] for r in res]); l = summary([r["leader"] for r in res]); j = summary([r["rejoin"] for r in res])
    name = "Apache ZooKeeper 3.8" if target == "zookeeper" else "zkensemble"
    print("| %s | %d | %s | %s | %s | %s | %s | %s | %d | %s → %s |" % (name, trials, a[0], a[1], l[0], l[1], j[0], j[1], a[2], before, after))
print()
for target, trials, res, before, after in rows:
    print("%s ack ms each: %s" % (target, " ".join(str(r["ack"]) for r in res)))
PY
