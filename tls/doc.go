// Package autotls serves makechat over HTTPS: automatic certificates from
// an ACME certificate authority (Let's Encrypt by default) through
// certmagic, or a certificate and key from files that can be reloaded
// without a restart; plus the plain-HTTP side that answers ACME HTTP-01
// challenges and redirects everything else to HTTPS, and the HSTS header.
//
// The folder is tls/, as the design's layout names it; the package is
// autotls because "tls" would shadow crypto/tls in every file that needs
// both, this one included.
//
// Start from New with Options, which picks the mode: Options.Domain for
// automatic certificates, Options.CertFile and Options.KeyFile for files.
// The caller owns the listeners and servers: Manager.TLSConfig is for the
// HTTPS listener, Manager.HTTPHandler wraps the plain-HTTP handler (see
// Redirect), Manager.Start begins obtaining and renewing certificates once
// both listeners accept connections, and Manager.Stop ends the background
// work. HSTS wraps the HTTPS handler.
//
// Certificates, the ACME account key and certmagic's locks are kept under
// Options.DataDir/certmagic (directories 0700, files 0600). Failures to
// get or renew a certificate are logged as one line each and retried in
// the background with backoff (1, 2, 2, 5, 10 minutes ... up to 6 hours
// between attempts, for 30 days), while the server keeps serving.
package autotls
