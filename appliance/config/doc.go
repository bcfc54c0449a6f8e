// Package config is makechat's configuration: one option table from which
// loading, validation, the command line's help and the documentation all
// come.
//
// Start from [Load], which fills a [Config] from, lowest to highest, the
// defaults, an INI file compatible with the original makechat.conf, the
// MAKECHAT_<KEY> environment variables and the command-line flags the user
// set. [Options] lists every setting with its key, environment variable,
// flag, default and help text; [Markdown] renders that list for the docs.
//
// A value that does not validate stops loading with one line that names the
// key, where the value came from and what is wrong, so that a bad setting
// stops start-up instead of surfacing later. Values of secret options are
// never echoed in such errors.
//
// The package holds no state: every call builds what it needs, so tests may
// run in parallel.
package config
