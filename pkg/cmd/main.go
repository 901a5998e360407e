package cmd

import (
	"fmt"
	"os"
	"sort"
)

// Command is one subcommand of the binary.
type Command struct {
	Name    string
	Summary string
	// Run executes the subcommand with the arguments after its name and returns the exit code.
	Run func(args []string) int
}

var commands = map[string]Command{}

// Register adds a subcommand; called from init() of the file that defines it.
func Register(c Command) {
	if _, dup := commands[c.Name]; dup {
		panic("cmd: duplicate subcommand " + c.Name)
	}
	commands[c.Name] = c
}

// Main runs the subcommand named by args[0].
func Main(args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "zkensemble: unknown subcommand %q\n\n", args[0])
		usage()
		return 2
	}
	return c.Run(args[1:])
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: zkensemble <subcommand> [flags]\n\nsubcommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].Summary)
	}
}
