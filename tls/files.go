package autotls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// maxPEMFile bounds what is read of tls_cert and tls_key: a certificate
// chain or a key is a few KiB, so a huge file is a mistake (or a device).
const maxPEMFile = 1 << 20

// keyPair is the certificate read from tls_cert and tls_key. Reload swaps
// it atomically, so handshakes never wait for a reload.
type keyPair struct {
	certFile, keyFile string
	current           atomic.Pointer[tls.Certificate]
}

func loadKeyPair(certFile, keyFile string) (*keyPair, error) {
	kp := &keyPair{certFile: certFile, keyFile: keyFile}
	if err := kp.reload(); err != nil {
		return nil, err
	}
	return kp, nil
}

// reload reads both files and, only if they make a valid pair, serves
// them from the next handshake on.
func (kp *keyPair) reload() error {
	if kp.keyFile == "" {
		return errors.New("tls_key is not set; tls_cert needs it")
	}
	certPEM, err := readPEM(kp.certFile)
	if err != nil {
		return fmt.Errorf("tls_cert: %w", err)
	}
	keyPEM, err := readPEM(kp.keyFile)
	if err != nil {
		return fmt.Errorf("tls_key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("tls_cert %s with tls_key %s: %w", kp.certFile, kp.keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("tls_cert %s: %w", kp.certFile, err)
		}
	}
	if time.Now().After(cert.Leaf.NotAfter) {
		return fmt.Errorf("tls_cert %s: the certificate expired on %s", kp.certFile, cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	kp.current.Store(&cert)
	return nil
}

func (kp *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return kp.current.Load(), nil
}

func (kp *keyPair) leaf() *x509.Certificate { return kp.current.Load().Leaf }

// readPEM reads a whole file of at most maxPEMFile bytes.
func readPEM(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxPEMFile {
		return nil, fmt.Errorf("%s: larger than %d bytes, not a PEM certificate or key", path, maxPEMFile)
	}
	return b, nil
}
