// Package e2e drives the web app in a real Chromium (Debian's chromium
// package, through chromedp) against a real makechat server on a
// temporary data directory: the scenarios of the web app's issue, from
// logging in to reconnecting after a restart.
//
// The tests skip when chromium is not installed and MAKECHAT_E2E is not
// set; scripts/test installs chromium and sets MAKECHAT_E2E=1, so CI runs
// them. With MAKECHAT_SCREENSHOTS=dir they also write screenshots of the
// main screens to dir (docs/screenshots in the repository).
package e2e
