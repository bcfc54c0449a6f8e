// Command makechat is a self-hosted team chat server in one binary. See
// package appliance/cli for its commands.
package main

import (
	"context"
	"os"

	"github.com/makechat/makechat/appliance/cli"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	os.Exit(cli.Run(context.Background(), os.Args, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Version: version}))
}
