package harness

import "fmt"

// Target names which server implementation a suite talks to.
type Target int

const (
	// Apache is Apache ZooKeeper 3.8 as installed by Debian (the reference implementation).
	Apache Target = iota + 1
	// ZKE is our `zkensemble server`.
	ZKE
)

func (t Target) String() string {
	switch t {
	case Apache:
		return "apache"
	case ZKE:
		return "zke"
	}
	return fmt.Sprintf("Target(%d)", int(t))
}
