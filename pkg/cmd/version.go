package cmd

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/version"
)

func init() {
	Register(Command{Name: "version", Summary: "print the version", Run: func([]string) int {
		fmt.Println(version.String())
		return 0
	}})
}
