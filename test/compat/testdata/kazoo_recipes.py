#!/usr/bin/python3
"""Runs kazoo's recipes against a ZooKeeper-protocol server and checks what they promise.

Usage: kazoo_recipes.py HOST:PORT [RECIPE ...]

Every recipe works under its own fresh root znode, so several runs may share a server. Each
recipe is bounded in time (RECIPE_TIMEOUT_S); the script prints "ok <recipe> <ms>" per recipe
and, on the first failure, "FAIL <recipe>: <why>" and exits 1.
"""

import logging
import signal
import sys
import threading
import time
import uuid

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import LockTimeout
from kazoo.recipe.barrier import Barrier, DoubleBarrier
from kazoo.recipe.cache import TreeCache, TreeEvent
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock
from kazoo.recipe.party import Party, ShallowParty
from kazoo.recipe.queue import LockingQueue, Queue
from kazoo.recipe.watchers import ChildrenWatch, DataWatch

RECIPE_TIMEOUT_S = 30
WAIT_S = 10  # bound of any single wait for an expected event

HOSTS = ""
ROOT = ""
CLIENTS = []


class RecipeTimeout(Exception):
    pass


class Check(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Check(msg)


def client(**kw):
    c = KazooClient(hosts=HOSTS, timeout=10, **kw)
    c.start(timeout=WAIT_S)
    CLIENTS.append(c)
    return c


def close(c):
    try:
        c.stop()
        c.close()
    except Exception:
        pass


def wait_for(cond, what):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise Check("timed out waiting for " + what)


def run_thread(fn, *args):
    errors = []

    def body():
        try:
            fn(*args)
        except Exception as e:  # surfaced by join_all
            errors.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.errors = errors
    t.start()
    return t


def join_all(threads):
    for t in threads:
        t.join(WAIT_S)
        check(not t.is_alive(), "a recipe thread did not finish")
        if t.errors:
            raise t.errors[0]


# ---- recipes -----------------------------------------------------------------------------------

def recipe_lock(path):
    a, b = client(), client()
    la, lb = Lock(a, path, "a"), Lock(b, path, "b")
    check(la.acquire(timeout=WAIT_S), "a could not take a free lock")
    try:
        took = lb.acquire(timeout=0.5)
    except LockTimeout:
        took = False
    check(not took, "b took a lock a holds")
    check(lb.contenders() == ["a"], "contenders while a holds: %r" % lb.contenders())
    la.release()
    check(lb.acquire(timeout=WAIT_S), "b did not get the lock a released")
    lb.release()

    inside = []
    overlaps = []

    def contend(c, ident):
        lock = Lock(c, path, ident)
        for _ in range(5):
            with lock:
                if inside:
                    overlaps.append((ident, list(inside)))
                inside.append(ident)
                time.sleep(0.01)
                inside.remove(ident)

    join_all([run_thread(contend, a, "a"), run_thread(contend, b, "b")])
    check(not overlaps, "two holders at once: %r" % overlaps)


def recipe_election(path):
    a, b = client(), client()
    leaders = []
    stop = {"a": threading.Event(), "b": threading.Event()}
    active = []

    def lead(ident):
        check(not active, "%s leads while %r does" % (ident, active))
        active.append(ident)
        leaders.append(ident)
        stop[ident].wait(WAIT_S)
        active.remove(ident)

    ea, eb = Election(a, path, "a"), Election(b, path, "b")
    ta = run_thread(ea.run, lead, "a")
    wait_for(lambda: leaders == ["a"], "a to lead")
    tb = run_thread(eb.run, lead, "b")
    wait_for(lambda: len(eb.contenders()) == 2, "both contenders")
    check(eb.contenders()[0] == "a", "first contender is not the leader: %r" % eb.contenders())
    time.sleep(0.2)
    check(leaders == ["a"], "leadership changed without cancel: %r" % leaders)
    ea.cancel()
    stop["a"].set()
    wait_for(lambda: leaders == ["a", "b"], "leadership to pass to b")
    stop["b"].set()
    join_all([ta, tb])


def recipe_barrier(path):
    a, b = client(), client()
    bar = Barrier(a, path)
    bar.create()
    b.sync(path)  # b may read from another ensemble member: see recipe_party
    check(not Barrier(b, path).wait(timeout=0.3), "wait returned while the barrier stands")
    passed = []
    t = run_thread(lambda: passed.append(Barrier(b, path).wait(timeout=WAIT_S)))
    time.sleep(0.1)
    bar.remove()
    join_all([t])
    check(passed == [True], "waiter did not pass the removed barrier: %r" % passed)


def recipe_double_barrier(path):
    a, b = client(), client()
    entered = []

    def member(c, ident):
        db = DoubleBarrier(c, path, 2, identifier=ident)
        db.enter()
        entered.append(ident)
        db.leave()

    ta = run_thread(member, a, "a")
    time.sleep(0.3)
    check(entered == [], "a entered alone: %r" % entered)
    tb = run_thread(member, b, "b")
    join_all([ta, tb])
    check(sorted(entered) == ["a", "b"], "entered: %r" % entered)


def recipe_counter(path):
    clients = [client(), client()]

    def bump(c):
        counter = Counter(c, path)
        for _ in range(10):
            counter += 1

    join_all([run_thread(bump, c) for c in clients for _ in range(3)])
    clients[0].sync(path)  # the bumps went through other clients, maybe other members
    got = Counter(clients[0], path).value
    check(got == 60, "counter = %r, want 60" % got)
    fc = Counter(clients[1], path + "-float", default=0.0)
    fc += 2.5
    fc -= 1.0
    check(fc.value == 1.5, "float counter = %r" % fc.value)


def recipe_queue(path):
    a, b = client(), client()
    q = Queue(a, path)
    q.put(b"low", priority=200)
    q.put(b"first", priority=10)
    q.put(b"second", priority=10)
    q.put(b"mid", priority=100)
    check(len(q) == 4, "queue length %d" % len(q))
    b.sync(path)  # b may read from another ensemble member: see recipe_party
    qb = Queue(b, path)
    got = [qb.get() for _ in range(4)]
    check(got == [b"first", b"second", b"mid", b"low"], "queue order %r" % got)
    check(qb.get() is None, "empty queue returned an item")

    lq = LockingQueue(a, path + "-locking")
    lq.put_all([b"x", b"y"])
    b.sync(path + "-locking")
    lb = LockingQueue(b, path + "-locking")
    item = lb.get(timeout=WAIT_S)
    check(item == b"x", "locking get %r" % item)
    other = LockingQueue(a, path + "-locking").get(timeout=WAIT_S)
    check(other == b"y", "second consumer got %r, want the unlocked y" % other)
    check(lb.consume(), "consume of a held item failed")
    check(len(lb) == 1, "locking queue length %d after one consume" % len(lb))


def recipe_party(path):
    for cls, sub in ((Party, "/party"), (ShallowParty, "/shallow")):
        a, b = client(), client()
        pa, pb = cls(a, path + sub, "a"), cls(b, path + sub, "b")
        pa.join()
        pb.join()
        a.sync(path + sub)  # b joined through b's member: order a's reads after it
        members = sorted(cls(a, path + sub))
        check(members == ["a", "b"], "%s members %r" % (cls.__name__, members))
        check(len(pa) == 2, "%s len %d" % (cls.__name__, len(pa)))
        pb.leave()
        a.sync(path + sub)
        check(sorted(cls(a, path + sub)) == ["a"], "%s after leave %r" % (cls.__name__, list(cls(a, path + sub))))
        close(a)
        # b may be connected to another member of an ensemble: sync makes its reads follow
        # a's closeSession (ZooKeeper gives no cross-client ordering without it).
        b.sync(path + sub)
        check(len(cls(b, path + sub)) == 0, "%s member of a closed session remains" % cls.__name__)


def recipe_data_watch(path):
    a, b = client(), client()
    seen = []
    DataWatch(a, path, lambda data, stat, event=None: seen.append(
        (data, stat.version if stat else None, event.type if event else None)))
    wait_for(lambda: len(seen) == 1, "initial data watch call")
    check(seen[0] == (None, None, None), "initial call %r" % (seen[0],))
    b.create(path, b"v0")
    wait_for(lambda: len(seen) == 2, "created")
    for i in (1, 2):
        b.set(path, b"v%d" % i)
        wait_for(lambda: len(seen) == 2 + i, "set %d" % i)
    b.delete(path)
    wait_for(lambda: len(seen) == 5, "deleted")
    want = [(None, None, None), (b"v0", 0, "CREATED"), (b"v1", 1, "CHANGED"), (b"v2", 2, "CHANGED"),
            (None, None, "DELETED")]
    check(seen == want, "data watch saw %r, want %r" % (seen, want))


def recipe_children_watch(path):
    a, b = client(), client()
    b.create(path)
    a.sync(path)  # a may read from another ensemble member: see recipe_party
    seen = []
    ChildrenWatch(a, path, lambda children: seen.append(sorted(children)))
    wait_for(lambda: len(seen) == 1, "initial children")
    for i, name in enumerate(["x", "y"]):
        b.create(path + "/" + name)
        wait_for(lambda: len(seen) == 2 + i, "child " + name)
    b.delete(path + "/x")
    wait_for(lambda: len(seen) == 4, "child delete")
    b.set(path + "/y", b"data changes do not count")
    b.create(path + "/z", ephemeral=True)
    wait_for(lambda: len(seen) == 5, "ephemeral child")
    want = [[], ["x"], ["x", "y"], ["y"], ["y", "z"]]
    check(seen == want, "children watch saw %r, want %r" % (seen, want))


def recipe_tree_cache(path):
    a, b = client(), client()
    b.create(path + "/a/b", b"1", makepath=True)
    a.sync(path)  # a may read from another ensemble member: see recipe_party
    events = []
    cache = TreeCache(a, path)
    cache.listen(lambda ev: events.append((ev.event_type, ev.event_data.path if ev.event_data else None)))
    cache.start()
    try:
        wait_for(lambda: (TreeEvent.INITIALIZED, None) in events, "cache initialised")
        initial = sorted(p for t, p in events if t == TreeEvent.NODE_ADDED)
        check(initial == [path, path + "/a", path + "/a/b"], "initial nodes %r" % initial)
        del events[:]
        b.create(path + "/a/c", b"2")
        wait_for(lambda: (TreeEvent.NODE_ADDED, path + "/a/c") in events, "add /a/c")
        b.set(path + "/a/b", b"3")
        wait_for(lambda: (TreeEvent.NODE_UPDATED, path + "/a/b") in events, "update /a/b")
        b.delete(path + "/a", recursive=True)
        wait_for(lambda: (TreeEvent.NODE_REMOVED, path + "/a") in events, "remove /a")
        removed = sorted(p for t, p in events if t == TreeEvent.NODE_REMOVED)
        check(removed == [path + "/a", path + "/a/b", path + "/a/c"], "removed %r" % removed)
        order = [e for e in events if e[1] in (path + "/a/c", path + "/a/b")]
        check(order[0] == (TreeEvent.NODE_ADDED, path + "/a/c"), "event order %r" % (order,))
        check(cache.get_data(path + "/a") is None, "cache still holds a deleted node")
    finally:
        cache.close()


def recipe_ephemeral_cleanup(path):
    a, b = client(), client()
    a.create(path + "/eph", b"x", ephemeral=True, makepath=True)
    a.create(path + "/seq-", b"x", ephemeral=True, sequence=True)
    b.sync(path)  # b may read from another ensemble member: see recipe_party
    check(len(b.get_children(path)) == 2, "ephemerals not visible")
    close(a)
    b.sync(path)  # see recipe_party: order b's reads after a's closeSession
    check(b.get_children(path) == [], "ephemerals survive their session: %r" % b.get_children(path))


def recipe_session_expiry(path):
    a = client()
    states = []
    a.add_listener(lambda s: states.append(s))
    a.create(path + "/eph", b"x", ephemeral=True, makepath=True)
    old_id = a.client_id[0]
    # Expire a's session the way ZooKeeper's own tests do: open a second connection with the
    # same session id and password and close it, which ends the session on the server.
    dup = KazooClient(hosts=HOSTS, timeout=10, client_id=a.client_id)
    dup.start(timeout=WAIT_S)
    dup.stop()
    dup.close()
    wait_for(lambda: KazooState.LOST in states, "a to see its session lost")
    wait_for(lambda: a.state == KazooState.CONNECTED, "a to reconnect with a new session")
    check(a.client_id[0] != old_id, "session id unchanged after expiry")
    check(a.exists(path + "/eph") is None, "ephemeral of the expired session remains")


RECIPES = [
    ("lock", recipe_lock),
    ("election", recipe_election),
    ("barrier", recipe_barrier),
    ("double_barrier", recipe_double_barrier),
    ("counter", recipe_counter),
    ("queue", recipe_queue),
    ("party", recipe_party),
    ("data_watch", recipe_data_watch),
    ("children_watch", recipe_children_watch),
    ("tree_cache", recipe_tree_cache),
    ("ephemeral_cleanup", recipe_ephemeral_cleanup),
    ("session_expiry", recipe_session_expiry),
]


def on_alarm(signum, frame):
    raise RecipeTimeout("recipe exceeded %d s" % RECIPE_TIMEOUT_S)


def main(argv):
    global HOSTS, ROOT
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    HOSTS = argv[1]
    wanted = set(argv[2:])
    unknown = wanted - {n for n, _ in RECIPES}
    if unknown:
        print("FAIL unknown recipes: %s" % sorted(unknown))
        return 2
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    signal.signal(signal.SIGALRM, on_alarm)
    ROOT = "/kazoo-recipes-" + uuid.uuid4().hex[:8]
    admin = KazooClient(hosts=HOSTS, timeout=10)
    admin.start(timeout=WAIT_S)
    admin.create(ROOT)
    failed = False
    for name, fn in RECIPES:
        if wanted and name not in wanted:
            continue
        start = time.monotonic()
        signal.alarm(RECIPE_TIMEOUT_S)
        try:
            fn(ROOT + "/" + name)
            print("ok %s %d" % (name, (time.monotonic() - start) * 1000), flush=True)
        except Exception as e:
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
            failed = True
        finally:
            signal.alarm(0)
            while CLIENTS:
                close(CLIENTS.pop())
        if failed:
            break
    try:
        admin.delete(ROOT, recursive=True)
    finally:
        close(admin)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
