// Command makechat is a self-hosted team chat server in one binary. See
// package appliance/cli for its commands.
package main

import (
	"context"
	"os"

	"github.com/makechat/makechat/appliance/cli"
	// Root certificates (Mozilla's) built into the binary, used only when
	// the system has none, as in a scratch container: the static binary
	// can still verify Let's Encrypt's ACME server and MongoDB Atlas.
	// SSL_CERT_FILE and SSL_CERT_DIR still take a system bundle first.
	_ "golang.org/x/crypto/x509roots/fallback"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	os.Exit(cli.Run(context.Background(), os.Args, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Version: version}))
}
