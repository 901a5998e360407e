package server

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// connectZK opens a go-zookeeper session and waits until it is established.
func connectZK(t testing.TB, addr string) *zk.Conn {
	t.Helper()
	conn, events, err := zk.Connect([]string{addr}, 2*time.Second, zk.WithLogger(zkQuietLogger{}))
	if err != nil {
		t.Fatalf("zk.Connect: %v", err)
	}
	t.Cleanup(conn.Close)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return conn
			}
		case <-deadline:
			t.Fatalf("no session within 5s")
		}
	}
}

type zkQuietLogger struct{}

func (zkQuietLogger) Printf(string, ...interface{}) {}

func TestCRUDAndStat(t *testing.T) {
	s := startServer(t, nil)
	c := connectZK(t, s.Addr())

	path, err := c.Create("/app", []byte("v1"), 0, zk.WorldACL(zk.PermAll))
	if err != nil || path != "/app" {
		t.Fatalf("create: %q %v", path, err)
	}
	data, st, err := c.Get("/app")
	if err != nil || string(data) != "v1" {
		t.Fatalf("get: %q %v", data, err)
	}
	createZxid := st.Czxid
	if st.Mzxid != createZxid || st.Pzxid != createZxid || st.Version != 0 || st.DataLength != 2 || st.Ctime == 0 || st.Ctime != st.Mtime {
		t.Errorf("stat after create: %+v", st)
	}

	st2, err := c.Set("/app", []byte("v22"), 0)
	if err != nil || st2.Version != 1 || st2.Mzxid <= createZxid || st2.Czxid != createZxid || st2.DataLength != 3 {
		t.Fatalf("set: %+v %v", st2, err)
	}
	if _, err := c.Set("/app", []byte("x"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Errorf("set with a stale version: %v, want ErrBadVersion", err)
	}

	seq, err := c.Create("/app/item-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil || seq != "/app/item-0000000000" {
		t.Fatalf("sequential create: %q %v", seq, err)
	}
	children, st3, err := c.Children("/app")
	if err != nil || !reflect.DeepEqual(children, []string{"item-0000000000"}) {
		t.Fatalf("children: %v %v", children, err)
	}
	if st3.Cversion != 1 || st3.NumChildren != 1 || st3.Pzxid <= st2.Mzxid {
		t.Errorf("parent stat after child create: %+v", st3)
	}

	if _, err := c.Create("/app", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNodeExists) {
		t.Errorf("duplicate create: %v", err)
	}
	if _, err := c.Create("/missing/child", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNoNode) {
		t.Errorf("create under a missing parent: %v", err)
	}
	if err := c.Delete("/app", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Errorf("delete a parent: %v", err)
	}
	if err := c.Delete("/app/item-0000000000", -1); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if ok, _, err := c.Exists("/app/item-0000000000"); err != nil || ok {
		t.Errorf("exists after delete: %v %v", ok, err)
	}
	if _, err := c.Create("/app/bad/", nil, 0, zk.WorldACL(zk.PermAll)); err == nil {
		t.Errorf("create with a trailing slash succeeded")
	}

	// Multi: all or nothing.
	_, err = c.Multi(&zk.CreateRequest{Path: "/m1", Acl: zk.WorldACL(zk.PermAll)}, &zk.CheckVersionRequest{Path: "/app", Version: 99})
	if err == nil {
		t.Fatalf("multi with a failing check succeeded")
	}
	if ok, _, _ := c.Exists("/m1"); ok {
		t.Errorf("failed multi left /m1 behind")
	}
	res, err := c.Multi(&zk.CreateRequest{Path: "/m1", Acl: zk.WorldACL(zk.PermAll)}, &zk.SetDataRequest{Path: "/m1", Data: []byte("x"), Version: 0})
	if err != nil || len(res) != 2 || res[0].String != "/m1" || res[1].Stat == nil || res[1].Stat.Version != 1 {
		t.Fatalf("multi: %+v %v", res, err)
	}

	// ACLs: digest auth.
	if err := c.AddAuth("digest", []byte("user:pw")); err != nil {
		t.Fatalf("addauth: %v", err)
	}
	if _, err := c.Create("/secret", []byte("s"), 0, zk.DigestACL(zk.PermAll, "user", "pw")); err != nil {
		t.Fatalf("create with digest ACL: %v", err)
	}
	other := connectZK(t, s.Addr())
	if _, _, err := other.Get("/secret"); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("get without auth: %v, want ErrNoAuth", err)
	}
	if _, _, err := other.GetACL("/secret"); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("getACL without READ or ADMIN: %v, want ErrNoAuth", err)
	}
	shared := append(zk.DigestACL(zk.PermAll, "user", "pw"), zk.WorldACL(zk.PermRead)...)
	if _, err := c.Create("/shared", nil, 0, shared); err != nil {
		t.Fatal(err)
	}
	acl, _, err := other.GetACL("/shared")
	if err != nil {
		t.Fatalf("getACL needs READ or ADMIN only: %v", err)
	}
	if len(acl) != 2 || acl[0].ID != "user:x" {
		t.Errorf("getACL without ADMIN should mask the digest: %+v", acl)
	}
}

func TestWatchEventBeforeNewData(t *testing.T) {
	s := startServer(t, nil)
	c := connectZK(t, s.Addr())
	if _, err := c.Create("/w", []byte("0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	w := connectZK(t, s.Addr())
	for i := 1; i <= 20; i++ {
		_, _, ch, err := w.GetW("/w")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Set("/w", []byte{byte('0' + i%10)}, -1); err != nil {
			t.Fatal(err)
		}
		// go-zookeeper delivers the event on ch as soon as it reads it; the reply of a read sent
		// after the writer's reply must come after it.
		data, _, err := w.Get("/w")
		if err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-ch:
			if ev.Type != zk.EventNodeDataChanged || ev.Path != "/w" {
				t.Fatalf("event %+v", ev)
			}
		default:
			t.Fatalf("round %d: read %q before the watch event arrived", i, data)
		}
	}
}
