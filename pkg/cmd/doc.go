// Package cmd wires the subcommands of the zkensemble binary. Each subcommand lives in its own
// file and registers itself in init(); it parses its flags and calls into the package that owns
// the work (pkg/server, pkg/cli, pkg/bench, ...). Nothing here holds logic worth testing on its own.
package cmd
