// CuratorRecipes runs Apache Curator's framework and recipes (Debian's libcurator-*-java) against
// the server(s) in argv[0], as an application would use them, and prints "ok <name>" or
// "FAIL <name>: <why>" per scenario. Exit status 0 only when every scenario passed. Used by
// test/compat/curator_test.go (Apache ZooKeeper and zkensemble standalone) and by
// test/ensemble (a 3-member zkensemble ensemble through a connect string of all members).
//
// Every scenario works under its own root znode and bounds itself in time, so the program
// never hangs on a server that does not answer.

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.PathChildrenCache;
import org.apache.curator.framework.recipes.cache.PathChildrenCacheEvent;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

public class CuratorRecipes {
    static final int SCENARIO_SECONDS = 40;
    static String connect;
    static String root;
    static final List<CuratorFramework> clients = Collections.synchronizedList(new ArrayList<>());

    interface Scenario {
        void run(String base) throws Exception;
    }

    static CuratorFramework client() throws Exception {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs(20000)
                .connectionTimeoutMs(10000)
                .retryPolicy(new ExponentialBackoffRetry(100, 5))
                .build();
        c.start();
        if (!c.blockUntilConnected(15, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no connection to " + connect + " within 15 s");
        }
        clients.add(c);
        return c;
    }

    static void check(boolean cond, String what) {
        if (!cond) {
            throw new AssertionError(what);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** waitFor polls cond every 20 ms for up to seconds. */
    static void waitFor(Callable<Boolean> cond, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (cond.call()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
    }

    // ---- scenarios -------------------------------------------------------------------------

    static void crud(String base) throws Exception {
        CuratorFramework c = client();
        String p = c.create().creatingParentsIfNeeded().forPath(base + "/a/b", b("v1"));
        check(p.equals(base + "/a/b"), "create returned " + p);
        Stat st = new Stat();
        check(s(c.getData().storingStatIn(st).forPath(p)).equals("v1"), "getData");
        check(st.getVersion() == 0 && st.getDataLength() == 2 && st.getNumChildren() == 0, "stat " + st);
        Stat st2 = c.setData().withVersion(0).forPath(p, b("v2"));
        check(st2.getVersion() == 1 && st2.getMzxid() > st.getMzxid(), "setData stat " + st2);
        try {
            c.setData().withVersion(0).forPath(p, b("v3"));
            throw new AssertionError("setData with a stale version succeeded");
        } catch (KeeperException.BadVersionException expected) {
        }
        try {
            c.create().forPath(p);
            throw new AssertionError("second create succeeded");
        } catch (KeeperException.NodeExistsException expected) {
        }
        try {
            c.delete().forPath(base + "/missing");
            throw new AssertionError("delete of a missing node succeeded");
        } catch (KeeperException.NoNodeException expected) {
        }
        check(c.getChildren().forPath(base + "/a").equals(List.of("b")), "children of a");
        String seq = c.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(base + "/a/seq-");
        check(seq.matches(".*/seq-\\d{10}"), "sequential name " + seq);
        String cont = c.create().creatingParentContainersIfNeeded().forPath(base + "/cont/x/y");
        check(c.checkExists().forPath(base + "/cont/x").getEphemeralOwner() == 0, "container parent " + cont);
        String ttl = c.create().withTtl(60000).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath(base + "/ttl", b("t"));
        check(s(c.getData().forPath(ttl)).equals("t"), "ttl node data");
        c.delete().deletingChildrenIfNeeded().forPath(base + "/a");
        check(c.checkExists().forPath(base + "/a") == null, "deleteAll left " + base + "/a");
    }

    static void transaction(String base) throws Exception {
        CuratorFramework c = client();
        c.create().forPath(base);
        CuratorOp a = c.transactionOp().create().forPath(base + "/a", b("1"));
        CuratorOp bb = c.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(base + "/b");
        CuratorOp set = c.transactionOp().setData().forPath(base + "/a", b("2"));
        List<CuratorTransactionResult> res = c.transaction().forOperations(a, bb, set);
        check(res.size() == 3 && res.get(0).getForPath().equals(base + "/a"), "results " + res);
        check(s(c.getData().forPath(base + "/a")).equals("2"), "data after transaction");
        CuratorOp create = c.transactionOp().create().forPath(base + "/c");
        CuratorOp badCheck = c.transactionOp().check().withVersion(99).forPath(base + "/a");
        try {
            c.transaction().forOperations(create, badCheck);
            throw new AssertionError("a transaction with a failing check committed");
        } catch (KeeperException.BadVersionException expected) {
        }
        check(c.checkExists().forPath(base + "/c") == null, "a failed transaction left " + base + "/c");
    }

    static void ephemeralGoesWithSession(String base) throws Exception {
        CuratorFramework owner = client();
        CuratorFramework other = client();
        owner.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(base + "/e", b("x"));
        other.sync().forPath(base + "/e");
        Stat st = other.checkExists().forPath(base + "/e");
        long sid = owner.getZookeeperClient().getZooKeeper().getSessionId();
        check(st != null && st.getEphemeralOwner() == sid, "ephemeral owner " + st);
        owner.close();
        waitFor(() -> {
            other.sync().forPath(base);
            return other.checkExists().forPath(base + "/e") == null;
        }, 15, "the ephemeral of a closed session to go");
    }

    static void acl(String base) throws Exception {
        CuratorFramework open = client();
        CuratorFramework authed = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs(20000).retryPolicy(new RetryNTimes(3, 100))
                .authorization("digest", b("curator:secret")).build();
        authed.start();
        clients.add(authed);
        check(authed.blockUntilConnected(15, TimeUnit.SECONDS), "authed client connects");
        String digest = DigestAuthenticationProvider.generateDigest("curator:secret");
        List<ACL> acls = List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)));
        open.create().creatingParentsIfNeeded().withACL(acls).forPath(base + "/secret", b("s"));
        try {
            open.getData().forPath(base + "/secret");
            throw new AssertionError("read without auth succeeded");
        } catch (KeeperException.NoAuthException expected) {
        }
        authed.sync().forPath(base + "/secret"); // it may be on another member than open
        check(s(authed.getData().forPath(base + "/secret")).equals("s"), "read with auth");
        // getACL needs READ or ADMIN since ZooKeeper 3.6 (ZOOKEEPER-1392): ask as the owner.
        check(authed.getACL().forPath(base + "/secret").get(0).getId().getId().equals(digest), "getACL");
        try {
            open.getACL().forPath(base + "/secret");
            throw new AssertionError("getACL without auth succeeded");
        } catch (KeeperException.NoAuthException expected) {
        }
    }

    static void mutex(String base) throws Exception {
        CuratorFramework c1 = client();
        CuratorFramework c2 = client();
        AtomicInteger inside = new AtomicInteger(), maxInside = new AtomicInteger(), counter = new AtomicInteger();
        ExecutorService ex = Executors.newFixedThreadPool(2);
        List<Future<Object>> fs = new ArrayList<>();
        for (CuratorFramework c : List.of(c1, c2)) {
            fs.add(ex.submit(() -> {
                InterProcessMutex m = new InterProcessMutex(c, base + "/lock");
                for (int i = 0; i < 10; i++) {
                    check(m.acquire(15, TimeUnit.SECONDS), "acquire");
                    try {
                        check(m.acquire(1, TimeUnit.SECONDS), "re-entrant acquire");
                        m.release();
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        int v = counter.get();
                        Thread.sleep(2);
                        counter.set(v + 1);
                        inside.decrementAndGet();
                    } finally {
                        m.release();
                    }
                }
                return null;
            }));
        }
        for (Future<Object> f : fs) {
            f.get(SCENARIO_SECONDS, TimeUnit.SECONDS);
        }
        ex.shutdownNow();
        check(maxInside.get() == 1 && counter.get() == 20, "mutual exclusion: max inside " + maxInside + ", counter " + counter);
    }

    static void readWriteLock(String base) throws Exception {
        CuratorFramework c1 = client();
        CuratorFramework c2 = client();
        InterProcessReadWriteLock l1 = new InterProcessReadWriteLock(c1, base + "/rw");
        InterProcessReadWriteLock l2 = new InterProcessReadWriteLock(c2, base + "/rw");
        check(l1.readLock().acquire(10, TimeUnit.SECONDS), "first reader");
        check(l2.readLock().acquire(10, TimeUnit.SECONDS), "second reader alongside");
        check(!l2.writeLock().acquire(300, TimeUnit.MILLISECONDS), "writer got in while readers hold");
        l1.readLock().release();
        l2.readLock().release();
        check(l2.writeLock().acquire(10, TimeUnit.SECONDS), "writer after readers left");
        check(!l1.readLock().acquire(300, TimeUnit.MILLISECONDS), "reader got in while the writer holds");
        l2.writeLock().release();
    }

    static void semaphore(String base) throws Exception {
        List<InterProcessSemaphoreV2> sems = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sems.add(new InterProcessSemaphoreV2(client(), base + "/sem", 2));
        }
        Lease l0 = sems.get(0).acquire(10, TimeUnit.SECONDS);
        Lease l1 = sems.get(1).acquire(10, TimeUnit.SECONDS);
        check(l0 != null && l1 != null, "two leases");
        check(sems.get(2).acquire(300, TimeUnit.MILLISECONDS) == null, "a third lease beyond the limit of 2");
        sems.get(0).returnLease(l0);
        Lease l2 = sems.get(2).acquire(10, TimeUnit.SECONDS);
        check(l2 != null, "a lease after one was returned");
        sems.get(1).returnLease(l1);
        sems.get(2).returnLease(l2);
    }

    static void leaderLatch(String base) throws Exception {
        List<LeaderLatch> latches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LeaderLatch l = new LeaderLatch(client(), base + "/latch", "p" + i);
            l.start();
            latches.add(l);
        }
        waitFor(() -> latches.stream().filter(LeaderLatch::hasLeadership).count() == 1, 15, "one leader");
        LeaderLatch leader = latches.stream().filter(LeaderLatch::hasLeadership).findFirst().get();
        check(latches.get(0).getLeader().getId().equals(leader.getId()), "getLeader agrees: " + latches.get(0).getLeader());
        leader.close();
        latches.remove(leader);
        waitFor(() -> latches.stream().filter(LeaderLatch::hasLeadership).count() == 1, 15, "a new leader after close");
        for (LeaderLatch l : latches) {
            l.close();
        }
    }

    static void atomicLong(String base) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        List<Future<Object>> fs = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            CuratorFramework c = client();
            fs.add(ex.submit(() -> {
                DistributedAtomicLong n = new DistributedAtomicLong(c, base + "/counter", new RetryNTimes(200, 5));
                for (int i = 0; i < 15; i++) {
                    AtomicValue<Long> v = n.increment();
                    check(v.succeeded(), "increment did not succeed");
                }
                return null;
            }));
        }
        for (Future<Object> f : fs) {
            f.get(SCENARIO_SECONDS, TimeUnit.SECONDS);
        }
        ex.shutdownNow();
        long got = new DistributedAtomicLong(client(), base + "/counter", new RetryNTimes(3, 10)).get().postValue();
        check(got == 30, "counter " + got + ", want 30");
    }

    static void sharedCount(String base) throws Exception {
        SharedCount a = new SharedCount(client(), base + "/count", 0);
        SharedCount bc = new SharedCount(client(), base + "/count", 0);
        a.start();
        bc.start();
        VersionedValue<Integer> v = a.getVersionedValue();
        check(a.trySetCount(v, 5), "trySetCount with the current version");
        check(!a.trySetCount(v, 6), "trySetCount with a stale version succeeded");
        waitFor(() -> bc.getCount() == 5, 10, "the other SharedCount to see 5 (watch)");
        a.close();
        bc.close();
    }

    interface CacheWrite {
        void run() throws Exception;
    }

    static void curatorCache(String base) throws Exception {
        CuratorFramework c = client();
        c.create().forPath(base);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        CuratorCache cache = CuratorCache.build(c, base);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(n -> events.add("created " + n.getPath()))
                .forChanges((o, n) -> events.add("changed " + n.getPath() + " " + s(n.getData())))
                .forDeletes(o -> events.add("deleted " + o.getPath()))
                .build());
        CountDownLatch initialized = new CountDownLatch(1);
        cache.listenable().addListener(CuratorCacheListener.builder().forInitialized(initialized::countDown).build());
        cache.start();
        check(initialized.await(10, TimeUnit.SECONDS), "cache initialised");
        check(("created " + base).equals(events.poll(5, TimeUnit.SECONDS)), "initial event for the root");
        CuratorFramework w = client();
        List<String> want = List.of("created " + base + "/k", "created " + base + "/k/deep", "changed " + base + "/k 2", "deleted " + base + "/k/deep");
        // One write per reported event: CuratorCache reports a node with the data it fetches
        // once it hears of it, so writes that outrun those fetches fold together (k "created"
        // already holding "2" and no change; k/deep created and deleted before any fetch
        // never shows), against ZooKeeper too once its writes are fast enough.
        CacheWrite[] writes = {
            () -> w.create().forPath(base + "/k", b("1")),
            () -> w.create().forPath(base + "/k/deep", b("d")),
            () -> w.setData().forPath(base + "/k", b("2")),
            () -> w.delete().forPath(base + "/k/deep"),
        };
        List<String> got = new ArrayList<>();
        for (CacheWrite write : writes) {
            write.run();
            String e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                break;
            }
            got.add(e);
        }
        // CuratorCache fetches a changed node's data before it reports the change, so a change
        // and a later event on another path can arrive either way round; per path, the order
        // is the servers' (watch events in zxid order).
        check(byPath(got).equals(byPath(want)), "cache events " + got + ", want " + want + " (per path)");
        cache.close();
    }

    /** byPath groups "<kind> <path> [data]" events by path, keeping their order per path. */
    static java.util.Map<String, List<String>> byPath(List<String> events) {
        java.util.Map<String, List<String>> out = new java.util.TreeMap<>();
        for (String e : events) {
            out.computeIfAbsent(e.split(" ")[1], k -> new ArrayList<>()).add(e);
        }
        return out;
    }

    static void pathChildrenCache(String base) throws Exception {
        CuratorFramework c = client();
        c.create().forPath(base);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        @SuppressWarnings("deprecation")
        PathChildrenCache cache = new PathChildrenCache(c, base, true);
        cache.getListenable().addListener((cl, e) -> {
            if (e.getType() == PathChildrenCacheEvent.Type.CHILD_ADDED
                    || e.getType() == PathChildrenCacheEvent.Type.CHILD_UPDATED
                    || e.getType() == PathChildrenCacheEvent.Type.CHILD_REMOVED) {
                events.add(e.getType() + " " + e.getData().getPath());
            }
        });
        cache.start(PathChildrenCache.StartMode.BUILD_INITIAL_CACHE);
        CuratorFramework w = client();
        w.create().forPath(base + "/x", b("1"));
        check(("CHILD_ADDED " + base + "/x").equals(events.poll(10, TimeUnit.SECONDS)), "child added");
        w.setData().forPath(base + "/x", b("2"));
        check(("CHILD_UPDATED " + base + "/x").equals(events.poll(10, TimeUnit.SECONDS)), "child updated");
        w.delete().forPath(base + "/x");
        check(("CHILD_REMOVED " + base + "/x").equals(events.poll(10, TimeUnit.SECONDS)), "child removed");
        cache.close();
    }

    static void persistentWatch(String base) throws Exception {
        CuratorFramework c = client();
        c.create().forPath(base);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        Watcher watcher = (WatchedEvent e) -> {
            if (e.getType() != Watcher.Event.EventType.None) {
                events.add(e.getType() + " " + e.getPath());
            }
        };
        c.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(watcher).forPath(base);
        CuratorFramework w = client();
        w.create().forPath(base + "/p", b("1"));
        w.setData().forPath(base + "/p", b("2"));
        w.setData().forPath(base + "/p", b("3"));
        List<String> want = List.of("NodeCreated " + base + "/p", "NodeDataChanged " + base + "/p", "NodeDataChanged " + base + "/p");
        List<String> got = new ArrayList<>();
        while (got.size() < want.size()) {
            String e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                break;
            }
            got.add(e);
        }
        check(got.equals(want), "persistent recursive watch events " + got + ", want " + want);
        c.watchers().remove(watcher).ofType(Watcher.WatcherType.Any).forPath(base);
        w.setData().forPath(base + "/p", b("4"));
        String late = events.poll(500, TimeUnit.MILLISECONDS);
        check(late == null || late.startsWith("PersistentWatchRemoved"), "an event after removeWatches: " + late);
    }

    static void doubleBarrier(String base) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        List<Future<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CuratorFramework c = client();
            fs.add(ex.submit(() -> {
                DistributedDoubleBarrier bar = new DistributedDoubleBarrier(c, base + "/barrier", 2);
                return bar.enter(15, TimeUnit.SECONDS) && bar.leave(15, TimeUnit.SECONDS);
            }));
        }
        for (Future<Boolean> f : fs) {
            check(f.get(SCENARIO_SECONDS, TimeUnit.SECONDS), "a member timed out at the barrier");
        }
        ex.shutdownNow();
    }

    static void queue(String base) throws Exception {
        QueueSerializer<String> ser = new QueueSerializer<>() {
            public byte[] serialize(String item) {
                return b(item);
            }

            public String deserialize(byte[] bytes) {
                return s(bytes);
            }
        };
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        QueueConsumer<String> consumer = new QueueConsumer<>() {
            public void consumeMessage(String message) {
                got.add(message);
            }

            public void stateChanged(CuratorFramework client, ConnectionState newState) {
            }
        };
        DistributedQueue<String> producer = QueueBuilder.builder(client(), null, ser, base + "/q").buildQueue();
        producer.start();
        for (int i = 0; i < 5; i++) {
            producer.put("item-" + i);
        }
        DistributedQueue<String> reader = QueueBuilder.builder(client(), consumer, ser, base + "/q").buildQueue();
        reader.start();
        List<String> items = new ArrayList<>();
        while (items.size() < 5) {
            String m = got.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                break;
            }
            items.add(m);
        }
        check(items.equals(List.of("item-0", "item-1", "item-2", "item-3", "item-4")), "queue order " + items);
        producer.close();
        reader.close();
    }

    static void persistentNode(String base) throws Exception {
        CuratorFramework c = client();
        PersistentNode node = new PersistentNode(c, CreateMode.EPHEMERAL, false, base + "/pn", b("here"));
        node.start();
        check(node.waitForInitialCreate(10, TimeUnit.SECONDS), "initial create");
        CuratorFramework other = client();
        other.sync().forPath(base + "/pn");
        other.delete().forPath(base + "/pn");
        waitFor(() -> {
            other.sync().forPath(base);
            return other.checkExists().forPath(base + "/pn") != null;
        }, 15, "PersistentNode to re-create its node after a delete (watch)");
        node.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: CuratorRecipes host:port[,host:port...]");
            System.exit(2);
        }
        connect = args[0];
        root = "/curator-" + System.currentTimeMillis();
        String[] names = {"crud", "transaction", "ephemeral", "acl", "mutex", "readWriteLock", "semaphore",
            "leaderLatch", "atomicLong", "sharedCount", "curatorCache", "pathChildrenCache", "persistentWatch",
            "doubleBarrier", "queue", "persistentNode"};
        Scenario[] runs = {CuratorRecipes::crud, CuratorRecipes::transaction, CuratorRecipes::ephemeralGoesWithSession,
            CuratorRecipes::acl, CuratorRecipes::mutex, CuratorRecipes::readWriteLock, CuratorRecipes::semaphore,
            CuratorRecipes::leaderLatch, CuratorRecipes::atomicLong, CuratorRecipes::sharedCount,
            CuratorRecipes::curatorCache, CuratorRecipes::pathChildrenCache, CuratorRecipes::persistentWatch,
            CuratorRecipes::doubleBarrier, CuratorRecipes::queue, CuratorRecipes::persistentNode};
        int failed = 0;
        ExecutorService runner = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < names.length; i++) {
            String base = root + "/" + names[i];
            Scenario sc = runs[i];
            long start = System.nanoTime();
            Future<Object> f = runner.submit(() -> {
                sc.run(base);
                return null;
            });
            try {
                f.get(SCENARIO_SECONDS, TimeUnit.SECONDS);
                System.out.printf("ok %s (%d ms)%n", names[i], TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                System.out.printf("FAIL %s: %s%n", names[i], e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                failed++;
                f.cancel(true);
                System.out.printf("FAIL %s: did not finish within %d s%n", names[i], SCENARIO_SECONDS);
            } finally {
                synchronized (clients) {
                    for (CuratorFramework c : clients) {
                        c.close();
                    }
                    clients.clear();
                }
            }
            System.out.flush();
        }
        System.out.printf("%d of %d scenarios passed%n", names.length - failed, names.length);
        System.exit(failed == 0 ? 0 : 1);
    }
}
