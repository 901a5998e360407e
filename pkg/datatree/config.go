package datatree

// SetConfig writes an ensemble's membership text into /zookeeper/config outside any txn, as
// ZKDatabase.initConfigInZKDatabase does when a quorum peer starts and after a learner syncs
// with its leader (Learner.syncWithLeader, ZOOKEEPER-2819): DataTree.setData with version -1,
// the config version as mzxid and the wall time as mtime. No watch fires and
// lastProcessedZxid is unchanged. A standalone server never calls it, so its node stays empty.
// The data is kept, not copied.
func (t *Tree) SetConfig(data []byte, configVersion, mtimeMillis int64) {
	n := t.get(ConfigPath)
	if n == nil {
		return // cannot happen: New makes the node, Insert keeps it and nothing deletes it
	}
	t.dataBytes += int64(len(data)) - int64(n.stat.dataLen)
	n.setData(data)
	n.stat.Version = -1
	n.stat.Mzxid = configVersion
	n.stat.Mtime = mtimeMillis
}
