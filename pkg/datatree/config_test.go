package datatree

import "testing"

func TestSetConfig(t *testing.T) {
	tr := New()
	before := tr.ApproximateDataSize()
	text := []byte("server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=0")
	tr.SetConfig(text, 0, 1234)
	data, st, err := tr.GetData(ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(text) {
		t.Errorf("data = %q, want %q", data, text)
	}
	if st.Version != -1 || st.Mtime != 1234 || st.Mzxid != 0 || st.Czxid != 0 || st.Aversion != -1 || st.DataLength != int32(len(text)) {
		t.Errorf("stat = %+v, want version -1, mtime 1234, zero zxids, aversion -1", st)
	}
	if got := tr.ApproximateDataSize(); got != before+int64(len(text)) {
		t.Errorf("data size = %d, want %d", got, before+int64(len(text)))
	}
	if tr.LastProcessedZxid() != 0 {
		t.Errorf("lastProcessedZxid moved to %d", tr.LastProcessedZxid())
	}
	tr.SetConfig([]byte("version=0"), 0x100000000, 5)
	if _, st, _ = tr.GetData(ConfigPath); st.Mzxid != 0x100000000 || st.DataLength != 9 {
		t.Errorf("second SetConfig: stat = %+v", st)
	}
}
