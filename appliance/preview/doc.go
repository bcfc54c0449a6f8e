// Package preview makes the link previews of chat messages: the title,
// description, image and site name that a page announces in its
// OpenGraph and Twitter-card tags, for the first link in a message.
//
// Start from FirstLink, which finds the link in a message's text, and
// from New, which returns a Fetcher whose Fetch gets a URL's Preview.
//
// A Fetcher goes out only through an egress.Client, so that a link a user
// typed can never make the server reach its own network: every address
// dialled is checked after DNS resolution, and every redirect again. Build
// that client from Policy, which sets the limits of a preview fetch (5 s,
// 1 MB, 3 redirects). Fetch reads only the page's head, caches each URL's
// answer (a failure for a shorter time), and lets concurrent callers for
// one URL share one request.
//
// Fetch blocks until the preview is made or its context ends; the chat
// layer calls it in a goroutine of its own, after the message is sent,
// and sends the preview when it comes.
package preview
