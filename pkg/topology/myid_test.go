package topology

import (
	"errors"
	"testing"
)

func TestMyIDFromPodName(t *testing.T) {
	tests := []struct {
		pod     string
		want    int64
		wantErr error
	}{
		{"zk-0", 1, nil},
		{"zk-2", 3, nil},
		{"my-zk-1-6", 7, nil}, // set names may contain dashes and digits
		{"zk-254", 255, nil},
		{"zk-255", 0, ErrOrdinal}, // id 256 does not fit the session id's high byte
		{"zk-", 0, ErrPodName},
		{"zk", 0, ErrPodName},
		{"-1", 0, ErrPodName},
		{"zk-01", 0, ErrPodName},
		{"zk-a", 0, ErrPodName},
		{"zk--1", 0, ErrPodName}, // set name "zk-" is not a DNS label: never a real pod
		{"zk-+1", 0, ErrPodName},
		{"zk-99999999999999999999", 0, ErrPodName},
		{"", 0, ErrPodName},
	}
	for _, tt := range tests {
		got, err := MyIDFromPodName(tt.pod)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("MyIDFromPodName(%q) = %d, %v; want error %v", tt.pod, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("MyIDFromPodName(%q) = %d, %v; want %d", tt.pod, got, err, tt.want)
		}
	}
}

func TestServerIDRoundTrip(t *testing.T) {
	for ord := 0; ord <= MaxOrdinal; ord++ {
		id, err := ServerID(ord)
		if err != nil {
			t.Fatalf("ServerID(%d): %v", ord, err)
		}
		back, err := OrdinalOf(id)
		if err != nil || back != ord {
			t.Fatalf("OrdinalOf(ServerID(%d)=%d) = %d, %v", ord, id, back, err)
		}
		if got, err := MyIDFromPodName(PodName("zk", ord)); err != nil || got != id {
			t.Fatalf("MyIDFromPodName(PodName(zk, %d)) = %d, %v; want %d", ord, got, err, id)
		}
	}
	for _, bad := range []int{-1, MaxOrdinal + 1} {
		if _, err := ServerID(bad); !errors.Is(err, ErrOrdinal) {
			t.Errorf("ServerID(%d) err = %v, want ErrOrdinal", bad, err)
		}
	}
	for _, bad := range []int64{0, 256, -5} {
		if _, err := OrdinalOf(bad); !errors.Is(err, ErrOrdinal) {
			t.Errorf("OrdinalOf(%d) err = %v, want ErrOrdinal", bad, err)
		}
	}
}
