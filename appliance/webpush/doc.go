// Package webpush sends Web Push messages from the server straight to the
// push service of a user's browser (Mozilla's autopush, Google's FCM,
// Apple's, Microsoft's), with no third-party library: the protocol is
// small, and its cryptography is in the standard library.
//
// Three RFCs make a push:
//
//   - RFC 8030 (the Web Push protocol): the browser's PushManager gives
//     the page a subscription, an endpoint URL at its push service and
//     two keys; the server POSTs a message to the endpoint with a TTL
//     header and optional Urgency and Topic headers, and the service
//     answers 201, or 404/410 once the subscription is gone.
//   - RFC 8291 (message encryption), with the aes128gcm content coding of
//     RFC 8188: for each message the server makes an ephemeral P-256 key
//     pair and a random salt, agrees a secret with the subscription's
//     p256dh key by ECDH, mixes in its auth secret with HKDF, and seals the
//     payload with AES-128-GCM as one record; the push service sees only
//     ciphertext.
//   - RFC 8292 (VAPID): every request carries a JWT signed (ES256) with
//     the server's long-lived key pair, whose public half the page gave
//     the browser as applicationServerKey when it subscribed; the service
//     refuses messages for that subscription signed by any other key.
//
// Start from GenerateKeys, once, and keep the Keys (they marshal to JSON)
// in the data directory and its backups: new keys orphan every existing
// subscription. Keys.PublicKey is the applicationServerKey for the web
// client. Then NewSender, and Sender.Send for each (Subscription, Message).
// Send's error says what the caller does next: nil, delivered to the push
// service; ErrGone, drop the subscription; a *StatusError, the service's
// refusal (with its Retry-After on 429); anything else, the request did
// not get an answer.
//
// Where a subscription comes from: the browser, through a page, so
// through a user. Subscription.Validate (and CheckEndpoint) refuse what
// cannot be a push endpoint or key: a URL that is not absolute https, keys
// of the wrong length or off the curve. They look at the URL alone. The
// server must also refuse an endpoint whose host resolves inside its own
// network, so that a subscription cannot make it POST to its loopback or
// LAN: it passes an egress.Client as the Sender's Doer, which checks every
// address at every dial, and may call egress.Client.Check when a
// subscription is saved to refuse it at once. This package does not repeat
// that check.
//
// Decrypt is the browser's half of RFC 8291, for tests that stand in for
// a push service and a browser.
package webpush
