package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// filesPoll is how often the cert dir is looked at while it holds no
// usable key pair yet.
const filesPoll = time.Second

// errNotLoaded fails TLS handshakes before a certificate is loaded.
var errNotLoaded = errors.New("no serving certificate loaded yet")

// serving is the webhook server's certificate: the key pair in the cert
// dir, loaded and then watched for changes (fsnotify and a 10 s poll) by
// controller-runtime's certwatcher, which is created only once the files
// exist.
type serving struct {
	dir     string
	managed bool // written by this process, not mounted
	expiry  *expiry
	wake    chan struct{}
	written atomic.Bool

	mu      sync.RWMutex
	watcher *certwatcher.CertWatcher
}

func newServing(dir string, managed bool, e *expiry) *serving {
	return &serving{dir: dir, managed: managed, expiry: e, wake: make(chan struct{}, 1)}
}

func (s *serving) paths() (cert, key string) {
	return filepath.Join(s.dir, corev1.TLSCertKey), filepath.Join(s.dir, corev1.TLSPrivateKeyKey)
}

func (s *serving) current() *certwatcher.CertWatcher {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.watcher
}

// GetCertificate serves the loaded certificate, or fails the handshake.
func (s *serving) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if w := s.current(); w != nil {
		return w.GetCertificate(hello)
	}
	return nil, errNotLoaded
}

// ready fails until a certificate is served and, when this process writes
// the files, until it has written them: files left by an earlier run are
// not trusted before the Secret confirms them.
func (s *serving) ready() error {
	if s.managed && !s.written.Load() {
		return fmt.Errorf("serving certificate not written to %s yet", s.dir)
	}
	if s.current() == nil {
		return fmt.Errorf("no serving certificate loaded from %s yet", s.dir)
	}
	return nil
}

// Start waits for a usable key pair in the cert dir, then lets the
// certwatcher keep it current until ctx ends.
func (s *serving) Start(ctx context.Context) error {
	w, err := s.await(ctx)
	if err != nil {
		return nil // only ctx ends the wait: a normal stop
	}
	w.RegisterCallback(func(c tls.Certificate) {
		s.expiry.set(certServing, c.Leaf)
		logf.FromContext(ctx).Info("serving certificate loaded", "serial", c.Leaf.SerialNumber.Text(16), "notAfter", c.Leaf.NotAfter)
	})
	s.mu.Lock()
	s.watcher = w
	s.mu.Unlock()
	if err := w.Start(ctx); err != nil {
		return fmt.Errorf("watch %s: %w", s.dir, err)
	}
	return nil
}

// await polls the cert dir, and looks again at once when install wrote it,
// until the key pair loads or ctx ends.
func (s *serving) await(ctx context.Context) (*certwatcher.CertWatcher, error) {
	tick := time.NewTicker(filesPoll)
	defer tick.Stop()
	cert, key := s.paths()
	for logged := false; ; logged = true {
		w, err := certwatcher.New(cert, key)
		if err == nil {
			return w, nil
		}
		if !logged {
			logf.FromContext(ctx).Info("waiting for a key pair in the cert dir", "certDir", s.dir, "reason", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		case <-s.wake:
		}
	}
}

// install writes the key pair into the cert dir and has it served at once
// rather than at the certwatcher's next event or poll.
func (s *serving) install(ctx context.Context, certPEM, keyPEM []byte) error {
	changed, err := writeFiles(s.dir, map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM})
	if err != nil {
		return fmt.Errorf("write key pair to %s: %w", s.dir, err)
	}
	if changed {
		logf.FromContext(ctx).V(1).Info("key pair written", "certDir", s.dir)
		s.reload(ctx)
	}
	s.written.Store(true)
	return nil
}

func (s *serving) reload(ctx context.Context) {
	w := s.current()
	if w == nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
		return
	}
	if err := w.ReadCertificate(); err != nil {
		logf.FromContext(ctx).Error(err, "reload the serving certificate", "certDir", s.dir)
	}
}
