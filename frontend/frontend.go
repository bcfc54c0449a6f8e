// Package frontend holds makechat's web app and admin pages: plain HTML,
// CSS and JavaScript ES modules under static/, embedded into the binary.
// There is no build step: the files are served as they are written.
//
// Files returns them; package webfs (folder embed/) serves them.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Files returns the web app's files, rooted at static/.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path; "static" is valid.
		panic(err)
	}
	return sub
}
