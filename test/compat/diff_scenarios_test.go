package compat

import (
	"encoding/binary"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

const (
	mP   = protocol.ModePersistent
	mE   = protocol.ModeEphemeral
	mPS  = protocol.ModePersistentSequential
	mES  = protocol.ModeEphemeralSequential
	mC   = protocol.ModeContainer
	mT   = protocol.ModePersistentWithTTL
	mTS  = protocol.ModePersistentSequentialWithTTL
	wAny = protocol.WatcherAny
)

// superSecret is the password of the "super" digest user configured on every differential
// server (DigestAuthenticationProvider.superDigest).
const superSecret = "s3cret"

// frame builds a raw frame: a length prefix (which may lie) and a body.
func frame(length uint32, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, length), body...)
}

// scenarios is the differential suite. Each runs under its own root, as session "a" first,
// with further sessions "b", "c" where it says so.
var scenarios = []scenario{
	{"create-modes", func(r string) []step {
		return []step{
			createStep(r+"/p", "d", mP), createStep(r+"/e", "d", mE),
			createStep(r+"/ps-", "d", mPS), createStep(r+"/ps-", "d", mPS), createStep(r+"/es-", "d", mES),
			create2(r+"/p2", "d", mP), create2(r+"/e2", "d", mE), create2(r+"/ps2-", "", mPS), create2(r+"/es2-", "", mES),
			createContainer(r + "/c"), createTTL(r+"/t", mT, 100000), createTTL(r+"/ts-", mTS, 100000),
			createStep(r+"/cviacreate", "", mC), create2(r+"/tviacreate2", "", mT),
			createTTL(r+"/tnotttl", mP, 100000), createTTL(r+"/tzero", mT, 0), createTTL(r+"/thuge", mT, 1<<50),
			req(protocol.OpCreateContainer, &jute.CreateRequest{Path: r + "/cmode0", ACL: openACL, Flags: 0}),
			createStep(r+"/badmode", "", protocol.CreateMode(7)), createStep(r+"/negmode", "", protocol.CreateMode(-1)),
			children2(r, false),
			getData(r+"/e", false), getData(r+"/c", false), getData(r+"/t", false), exists(r+"/ts-0000000011", false),
		}
	}},
	{"create-errors", func(r string) []step {
		return []step{
			createStep(r+"/x", "", mP), createStep(r+"/x", "", mP), create2(r+"/x", "", mP),
			createStep(r+"/missing/child", "", mP), createStep(r+"/e", "", mE), createStep(r+"/e/child", "", mP),
			createStep(r+"/e/seq", "", mPS), createStep("", "", mP), createStep("relative", "", mP),
			createStep(r+"/trailing/", "", mP), createStep(r+"/a//b", "", mP), createStep(r+"/a/./b", "", mP),
			createStep(r+"/a/../b", "", mP), createStep(r+"/nul\x00", "", mP), createStep("/", "", mP),
			createStep(r+"/x/", "", mPS), createStep(r+"/", "", mPS),
			createStep(r+"/zero\u0001ctl", "", mP), createStep(r+"/uni\u00e9", "", mP),
			createStep("/zookeeper/mine", "", mP), createStep("/zookeeper/quota/mine", "", mP),
			children(r, false),
		}
	}},
	{"stat-fields", func(r string) []step {
		return []step{
			createStep(r+"/p", "parent", mP), getData(r+"/p", false),
			create2(r+"/p/c1", "c", mP), create2(r+"/p/c2", "c", mE), getData(r+"/p", false),
			setData(r+"/p/c1", "changed", -1), getData(r+"/p", false), exists(r+"/p/c1", false),
			deleteStep(r+"/p/c2", -1), getData(r+"/p", false),
			setACL(r+"/p", worldACL(protocol.PermAll), -1), setACL(r+"/p", worldACL(protocol.PermAll), 1),
			getData(r+"/p", false), getACL(r + "/p"), setData(r+"/p", "", 0), setData(r+"/p", "", -1),
			getData(r+"/p", false), children2(r+"/p", false), exists(r+"/p", false),
		}
	}},
	{"versions-and-deletes", func(r string) []step {
		return []step{
			createStep(r+"/v", "0", mP), setData(r+"/v", "1", 0), setData(r+"/v", "2", 0), setData(r+"/v", "3", 5),
			setData(r+"/v", "4", -1), deleteStep(r+"/v", 0), createStep(r+"/v/k", "", mP), deleteStep(r+"/v", -1),
			deleteStep(r+"/v/k", 1), deleteStep(r+"/v/k", 0), deleteStep(r+"/v", 2), deleteStep(r+"/v", 2),
			deleteStep(r+"/nonexistent", -1), setData(r+"/nonexistent", "", -1), setACL(r+"/nonexistent", openACL, -1),
			deleteStep("/", -1), deleteStep("/zookeeper", -1), deleteStep(r+"/bad//path", -1), setData("bad", "", -1),
			setData(r+"/v", "big", -2),
		}
	}},
	{"sequential-names", func(r string) []step {
		return []step{
			createStep(r+"/q", "", mP), createStep(r+"/q/plain", "", mP), createStep(r+"/q/n-", "", mPS),
			createStep(r+"/q/n-", "", mES), deleteStep(r+"/q/plain", -1), createStep(r+"/q/", "", mPS),
			create2(r+"/q/x", "", mPS), setData(r+"/q/x0000000004", "data does not bump cversion", -1),
			createStep(r+"/q/y", "", mPS), children2(r+"/q", false),
		}
	}},
	{"reads", func(r string) []step {
		return []step{
			createStep(r+"/n", "hello", mP), createStep(r+"/n/a", "", mP), createStep(r+"/n/b", "", mP),
			createStep(r+"/n/b/c", "", mP), createStep(r+"/empty", "", mP), setData(r+"/empty", "", -1),
			getData(r+"/n", false), getData(r+"/empty", false), getData(r+"/missing", false),
			exists(r+"/n", false), exists(r+"/missing", false), getACL(r + "/n"), getACL(r + "/missing"),
			children(r+"/n", false), children(r+"/missing", false), children2(r+"/n", false), children2(r+"/missing", false),
			allChildren(r), allChildren(r + "/n/b/c"), allChildren(r + "/missing"), sharedStat(getData("/zookeeper", false)),
			children("/zookeeper", false), sharedStat(getACL("/zookeeper")), getData("/zookeeper/config", false),
			syncStep(r + "/n"), syncStep(r + "/missing"), syncStep("bad"), ping(), getData("bad", false),
			// "" names the root in ZooKeeper's node map: exists answers with the root's Stat.
			sharedStat(exists("", false)), children("/zookeeper/", false),
		}
	}},
	{"multi-success", func(r string) []step {
		return []step{
			createStep(r+"/m", "", mP),
			multi(mCreate(r+"/m/a", "1", mP), mCreate2(r+"/m/b", "2", mPS), mCreate2(r+"/m/e", "3", mE),
				mSet(r+"/m/a", "11", 0), mCheck(r+"/m/a", 1), mCheck(r+"/m", -1), mDelete(r+"/m/a", 1)),
			children2(r+"/m", false), getData(r+"/m/e", false),
			multi(), getData(r+"/m", false),
		}
	}},
	{"multi-failures", func(r string) []step {
		return []step{
			createStep(r+"/f", "", mP), createStep(r+"/f/x", "", mP),
			multi(mDelete(r+"/f/nope", -1), mCreate(r+"/f/y", "", mP), mSet(r+"/f/x", "v", -1)),
			multi(mCreate(r+"/f/y", "", mP), mCheck(r+"/f/x", 3), mSet(r+"/f/x", "v", -1)),
			multi(mCreate(r+"/f/y", "", mP), mSet(r+"/f/x", "v", -1), mCreate(r+"/f/x", "", mP)),
			multi(mCreate(r+"/f/y", "", mP), mCreate(r+"/f/y", "", mP)),
			multi(mCreate(r+"/f/z", "", mE), mCreate(r+"/f/z/child", "", mP)),
			multi(mDelete(r+"/f", -1)),
			multi(mCreate(r+"/f/bad//path", "", mP)),
			multi(mCheck(r+"/f/nope", -1)),
			children2(r+"/f", false), getData(r+"/f/x", false),
		}
	}},
	{"multi-read", func(r string) []step {
		return []step{
			createStep(r+"/d", "data", mP), createStep(r+"/d/k", "", mP),
			multiRead(mGetData(r+"/d"), mGetData(r+"/missing"), mChildren(r+"/d"), mChildren(r+"/missing"), mGetData(r+"/d/k")),
			multiRead(), multiRead(mChildren("bad")),
		}
	}},
	{"check-outside-multi", func(r string) []step {
		// ZooKeeper 3.9.3+ answers a top-level check (op 13, meant for multi) with
		// Unimplemented and closes the connection (ZOOKEEPER-2623); 3.8.0 runs it as a write.
		// One check per session, since the connection may not survive it. Only failing forms:
		// 3.8.0 never answers a successful one, which would cost a read timeout.
		return seq(
			[]step{connectStep("b"), createStep(r+"/c", "", mP),
				req(protocol.OpCheck, &jute.CheckVersionRequest{Path: r + "/c", Version: 7})},
			on("b", req(protocol.OpCheck, &jute.CheckVersionRequest{Path: r + "/missing", Version: -1})),
		)
	}},
	{"one-shot-watches", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/w", "0", mP),
				getData(r+"/w", true), exists(r+"/new", true), children(r+"/w", true), exists(r+"/w", true)},
			on("b", setData(r+"/w", "1", -1), setData(r+"/w", "2", -1), createStep(r+"/new", "", mP),
				createStep(r+"/w/c", "", mP), createStep(r+"/w/d", "", mP)),
			[]step{getData(r+"/w", false), getData(r+"/w", true), children(r+"/w", true), setData(r+"/w", "self", -1),
				getData(r+"/w/c", true), exists(r+"/w/c", true)},
			on("b", deleteStep(r+"/w/c", -1)),
			[]step{drain("a"), getData(r+"/new", true), children(r+"/new", true)},
			on("b", deleteStep(r+"/new", -1)),
		)
	}},
	{"persistent-watches", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/p", "0", mP), addWatch(r+"/p", protocol.AddWatchPersistent),
				getData(r+"/p", true)},
			on("b", setData(r+"/p", "1", -1), setData(r+"/p", "2", -1), createStep(r+"/p/c", "", mP),
				setData(r+"/p/c", "child data: no event", -1), deleteStep(r+"/p/c", -1), deleteStep(r+"/p", -1),
				createStep(r+"/p", "again", mP)),
			[]step{drain("a"), checkWatches(r+"/p", protocol.WatcherPersistent), checkWatches(r+"/p", protocol.WatcherData),
				removeWatches(r+"/p", protocol.WatcherPersistent), removeWatches(r+"/p", protocol.WatcherPersistent)},
			on("b", setData(r+"/p", "unwatched", -1)),
			[]step{addWatch(r+"/missing", protocol.AddWatchPersistent), addWatch(r+"/p", protocol.AddWatchMode(7)),
				removeWatches(r+"/missing", wAny)},
		)
	}},
	{"recursive-watches", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/t", "", mP), addWatch(r+"/t", protocol.AddWatchPersistentRecursive),
				children(r+"/t", true)},
			on("b", createStep(r+"/t/a", "", mP), createStep(r+"/t/a/b", "", mP), setData(r+"/t/a/b", "x", -1),
				create2(r+"/t/a/s-", "", mPS), deleteStep(r+"/t/a/b", -1), setData(r+"/t", "top", -1),
				createStep(r+"/outside", "", mP)),
			[]step{drain("a"), addWatch(r+"/t", protocol.AddWatchPersistent),
				checkWatches(r+"/t", protocol.WatcherPersistentRecursive)},
			on("b", setData(r+"/t", "both", -1)),
			[]step{drain("a"), removeWatches(r+"/t", protocol.WatcherPersistentRecursive)},
			on("b", createStep(r+"/t/a/late", "", mP)),
		)
	}},
	{"check-remove-watches", func(r string) []step {
		return seq(
			[]step{createStep(r+"/n", "", mP), checkWatches(r+"/n", protocol.WatcherData),
				checkWatches(r+"/n", wAny), getData(r+"/n", true), checkWatches(r+"/n", protocol.WatcherData),
				checkWatches(r+"/n", protocol.WatcherChildren), checkWatches(r+"/n", wAny),
				removeWatches(r+"/n", protocol.WatcherChildren), removeWatches(r+"/n", protocol.WatcherData),
				removeWatches(r+"/n", protocol.WatcherData), children(r+"/n", true), exists(r+"/n", true),
				removeWatches(r+"/n", wAny), checkWatches(r+"/missing", wAny), exists(r+"/missing", true),
				checkWatches(r+"/missing", protocol.WatcherData), removeWatches(r+"/missing", protocol.WatcherData),
				checkWatches(r+"/n", protocol.WatcherType(9)), checkWatches("bad", wAny)},
		)
	}},
	{"delete-triggers-all", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/d", "", mP), createStep(r+"/d/k", "", mP),
				getData(r+"/d/k", true), exists(r+"/d/k", true), children(r+"/d/k", true), children(r+"/d", true),
				addWatch(r+"/d", protocol.AddWatchPersistentRecursive)},
			on("b", deleteStep(r+"/d/k", -1), deleteStep(r+"/d", -1)),
		)
	}},
	{"ephemerals", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/n", "", mP), createStep(r+"/n/e1", "", mE),
				createStep(r+"/n/es-", "", mES), createStep(r+"/e2", "", mE), getEphemerals("/"),
				getEphemerals(r + "/n"), getEphemerals(r + "/n/e"), getEphemerals(r + "/none"), getEphemerals("")},
			on("b", getEphemerals("/"), exists(r+"/n/e1", true), children(r+"/n", true), allChildren(r)),
			[]step{closeSession(), expectClose("a")},
			on("b", hashOrder(children(r+"/n", false)), getEphemerals("/"), createStep(r+"/n/e3", "", mE), getEphemerals(r)),
		)
	}},
	{"acl-perms", func(r string) []step {
		var steps []step
		for _, p := range []struct {
			name  string
			perms protocol.Perm
		}{{"r", protocol.PermRead}, {"w", protocol.PermWrite}, {"c", protocol.PermCreate},
			{"d", protocol.PermDelete}, {"a", protocol.PermAdmin}, {"none", 0}} {
			n := r + "/" + p.name
			steps = append(steps,
				createStep(n, "", mP), createStep(n+"/kid", "", mP), setACL(n, worldACL(p.perms), -1),
				getData(n, false), setData(n, "w", -1), createStep(n+"/new", "", mP), deleteStep(n+"/kid", -1),
				getACL(n), children(n, false), exists(n, false), setACL(n, worldACL(p.perms), -1),
				multiRead(mGetData(n)), multi(mSet(n, "w", -1)))
		}
		return steps
	}},
	{"acl-digest-auth", func(r string) []step {
		return seq(
			[]step{connectStep("b"), auth("digest", "alice:secret"), whoAmI(),
				createACL(r+"/a", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "auth", ID: ""}}}), getACL(r + "/a"),
				createACL(r+"/d", []jute.ACL{{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: "digest", ID: digestID("bob", "pw")}}}),
				getData(r+"/d", false)},
			on("b", getData(r+"/a", false), whoAmI(), auth("digest", "alice:wrong"), getData(r+"/a", false),
				auth("digest", "bob:pw"), getData(r+"/d", false), getData(r+"/a", false), auth("digest", "alice:secret"),
				getData(r+"/a", false), whoAmI(), auth("digest", "nocolon"), whoAmI()),
			[]step{auth("digest", "super:"+superSecret), whoAmI(), setData(r+"/d", "super", -1)},
		)
	}},
	{"acl-ip-and-invalid", func(r string) []step {
		ip := func(id string, perms protocol.Perm) []jute.ACL {
			return []jute.ACL{{Perms: int32(perms), ID: jute.Id{Scheme: "ip", ID: id}}}
		}
		return []step{
			createACL(r+"/local", ip("127.0.0.1", protocol.PermAll)), getData(r+"/local", false),
			createACL(r+"/cidr", ip("127.0.0.0/8", protocol.PermRead)), getData(r+"/cidr", false),
			createACL(r+"/other", ip("10.1.2.3", protocol.PermAll)), getData(r+"/other", false),
			createACL(r+"/othernet", ip("10.0.0.0/8", protocol.PermAll)), getData(r+"/othernet", false),
			createACL(r+"/badip", ip("300.1.1.1", protocol.PermAll)), createACL(r+"/badmask", ip("127.0.0.1/40", protocol.PermAll)),
			createACL(r+"/noacl", nil), createACL(r+"/emptyacl", []jute.ACL{}),
			createACL(r+"/scheme", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "bogus", ID: "x"}}}),
			createACL(r+"/authnone", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "auth", ID: ""}}}),
			createACL(r+"/digestbad", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "nocolon"}}}),
			createACL(r+"/world", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "someone"}}}),
			createACL(r+"/zeroperm", worldACL(0)), createACL(r+"/bigperm", worldACL(255)),
			createStep(r+"/s", "", mP), setACL(r+"/s", nil, -1), setACL(r+"/s", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "bogus", ID: "x"}}}, -1),
			getACL(r + "/s"), getACL(r + "/bigperm"),
		}
	}},
	{"auth-failed", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/n", "", mP), auth("bogus", "x"), expectClose("a")},
			on("b", getData(r+"/n", false), auth("ip", "127.0.0.1"), whoAmI()),
		)
	}},
	{"handshake-timeouts", func(r string) []step {
		return []step{
			connectWith("b", connectSpec{timeoutMS: 1}), connectWith("c", connectSpec{timeoutMS: 4001}),
			connectWith("d", connectSpec{timeoutMS: 1 << 30}), connectWith("e", connectSpec{timeoutMS: -5}),
			connectWith("f", connectSpec{noReadOnly: true}), connectWith("g", connectSpec{readOnly: true}),
			on("f", getData(r, false))[0], on("g", createStep(r+"/ro", "", mP))[0],
		}
	}},
	{"handshake-resume", func(r string) []step {
		return []step{
			createStep(r+"/e", "", mE), drop("a"), connectWith("a", connectSpec{resume: "a"}), getData(r+"/e", false),
			connectWith("b", connectSpec{resume: "a", badPasswd: true}), expectClose("b"),
			connectWith("c", connectSpec{sessionID: 0x1234567}), expectClose("c"),
			connectWith("d", connectSpec{zxidAhead: true}),
			connectWith("e", connectSpec{resume: "a", noReadOnly: true}), on("e", exists(r+"/e", false))[0],
			expectClose("a"),
		}
	}},
	{"setwatches-after-reconnect", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/x", "", mP), createStep(r+"/z", "", mP), createStep(r+"/same", "", mP),
				getData(r+"/x", true), exists(r+"/y", true), children(r+"/z", true), getData(r+"/same", true), drop("a")},
			on("b", setData(r+"/x", "1", -1), createStep(r+"/y", "", mP), createStep(r+"/z/c", "", mP)),
			[]step{connectWith("a", connectSpec{resume: "a"}),
				setWatches([]string{r + "/x", r + "/same"}, []string{r + "/y"}, []string{r + "/z"})},
			on("b", setData(r+"/same", "later", -1)),
			[]step{drain("a")},
		)
	}},
	{"setwatches2-persistent", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/p", "", mP), createStep(r+"/t", "", mP),
				addWatch(r+"/p", protocol.AddWatchPersistent), addWatch(r+"/t", protocol.AddWatchPersistentRecursive),
				getData(r+"/p", true), drop("a")},
			on("b", setData(r+"/p", "missed", -1), createStep(r+"/t/missed", "", mP)),
			[]step{connectWith("a", connectSpec{resume: "a"}),
				setWatches2([]string{r + "/p"}, nil, nil, []string{r + "/p"}, []string{r + "/t"})},
			on("b", setData(r+"/p", "seen", -1), createStep(r+"/t/seen", "", mP)),
			[]step{drain("a")},
		)
	}},
	{"close-session", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/e", "", mE)},
			on("b", exists(r+"/e", true)),
			[]step{closeSession(), expectClose("a"), connectWith("c", connectSpec{resume: "a"}), expectClose("c")},
			on("b", exists(r+"/e", false)),
		)
	}},
	{"oversized-packet", func(r string) []step {
		return seq(
			[]step{connectStep("b"), createStep(r+"/n", "", mP),
				rawBytes("a", frame(protocol.DefaultMaxBufferBytes+1, make([]byte, 64))), expectClose("a")},
			on("b", getData(r+"/n", false)),
			[]step{connectWith("a", connectSpec{resume: "a"}), getData(r+"/n", false)},
		)
	}},
	{"garbage", func(r string) []step {
		return seq(
			[]step{connectStep("b"), connectStep("c"), createStep(r+"/n", "", mP),
				reqXid(77, protocol.OpCode(9999), nil),
				rawBytes("a", frame(2, []byte("zz"))), expectClose("a")},
			on("b", getData(r+"/n", false), rawBytes("b", frame(0xffffffff, nil)), expectClose("b")),
			// A getData header without its body: ZooKeeper answers MarshallingError and keeps the
			// connection, which the next request shows.
			on("c", getData(r+"/n", false), rawBytes("c", frame(8, []byte{0, 0, 0, 5, 0, 0, 0, 4})), getData(r+"/n", false)),
			[]step{connectWith("d", connectSpec{skipHandshake: true})},
			on("d", rawBytes("d", []byte("\x00\x00\x00\x03abc")), expectClose("d")),
			[]step{connectWith("e", connectSpec{skipHandshake: true})},
			on("e", rawBytes("e", frame(protocol.DefaultMaxBufferBytes+1, nil)), expectClose("e")),
			[]step{connectStep("f")},
			on("f", getData(r+"/n", false)),
		)
	}},
	{"whoami-sync-ping", func(r string) []step {
		return []step{
			whoAmI(), ping(), syncStep(r), syncStep("/"), reqXid(-2, protocol.OpPing, nil),
			reqXid(1000, protocol.OpGetData, &jute.GetDataRequest{Path: r}), reqXid(5, protocol.OpGetData, &jute.GetDataRequest{Path: r}),
			whoAmI(),
		}
	}},
}
