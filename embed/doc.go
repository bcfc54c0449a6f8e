// Package webfs serves makechat's web app: the files embedded by package
// frontend, with any file of the operator's web_custom_dir taking
// precedence (as the original nginx image's custom volume did).
//
// Start from New, which loads every file once, at start-up: it hashes each
// for its ETag, precompresses what gzip shrinks, and computes the asset
// version that HTML pages refer to (/assets/<version>/...), so assets can
// be cached as immutable. Changes to web_custom_dir take effect at the
// next start.
//
// The package is named webfs rather than after its folder, embed, which
// would shadow the standard library's package of that name.
//
// Custom files are read through an os.Root: a path or symbolic link that
// leads outside web_custom_dir is never followed. Requests are answered
// from memory, so no request path ever reaches the file system.
package webfs
