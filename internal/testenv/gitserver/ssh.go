package gitserver

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSH serves the repository over SSH: public-key authentication with one
// client key, and git upload-pack / receive-pack run for the session.
type SSH struct {
	// URL is the repository's ssh:// URL (user git).
	URL string
	// ClientKey is the PEM (OpenSSH) private key the server accepts.
	ClientKey []byte
	// KnownHosts is a known_hosts line with the server's host key.
	KnownHosts []byte

	ln     net.Listener
	wg     sync.WaitGroup
	server *Server
	mu     sync.Mutex
	conns  map[net.Conn]bool
}

func (s *Server) startSSH() (*SSH, error) {
	hostSigner, hostPub, err := newSigner()
	if err != nil {
		return nil, err
	}
	clientSigner, _, err := newSigner()
	if err != nil {
		return nil, err
	}
	clientPEM, err := ssh.MarshalPrivateKey(clientSigner.(privateKeySigner).key, "imagepin test client")
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(key.Marshal(), clientSigner.PublicKey().Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown public key")
	}}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	srv := &SSH{
		URL:        "ssh://git@" + addr + "/" + RepoName,
		ClientKey:  pem.EncodeToMemory(clientPEM),
		KnownHosts: []byte(knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostPub) + "\n"),
		ln:         ln,
		server:     s,
	}
	srv.wg.Add(1)
	go srv.serve(cfg)
	return srv, nil
}

// privateKeySigner keeps the private key of a signer, to export it as PEM.
type privateKeySigner struct {
	ssh.Signer
	key ed25519.PrivateKey
}

func newSigner() (ssh.Signer, ssh.PublicKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return privateKeySigner{Signer: signer, key: priv}, signer.PublicKey(), nil
}

func (s *SSH) serve(cfg *ssh.ServerConfig) {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.track(conn, true)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.track(conn, false)
			s.handleConn(conn, cfg)
		}()
	}
}

func (s *SSH) handleConn(conn net.Conn, cfg *ssh.ServerConfig) {
	defer conn.Close()
	sc, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			return
		}
		s.session(ch, requests)
	}
}

// session runs the git command of an exec request on the channel.
func (s *SSH) session(ch ssh.Channel, requests <-chan *ssh.Request) {
	defer ch.Close()
	var env []string
	for req := range requests {
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if ssh.Unmarshal(req.Payload, &kv) == nil && kv.Name == "GIT_PROTOCOL" {
				env = append(env, kv.Name+"="+kv.Value)
			}
			_ = req.Reply(true, nil)
		case "exec":
			var cmd struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &cmd); err != nil {
				_ = req.Reply(false, nil)
				return
			}
			_ = req.Reply(true, nil)
			code := s.exec(ch, cmd.Command, env)
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// exec runs "git-upload-pack '/repo.git'" or "git-receive-pack '/repo.git'".
func (s *SSH) exec(ch ssh.Channel, command string, env []string) uint32 {
	service, path, _ := strings.Cut(command, " ")
	path = strings.Trim(path, "'\"")
	if (service != "git-upload-pack" && service != "git-receive-pack") || strings.TrimPrefix(path, "/") != RepoName {
		fmt.Fprintf(ch.Stderr(), "unsupported command %q\n", command)
		return 1
	}
	cmd := exec.Command(s.server.git, strings.TrimPrefix(service, "git-"), s.server.dir)
	cmd.Env = append(append(cmd.Environ(), s.server.env...), env...)
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	// Not cmd.Stdin = ch: Wait would wait for the client to close its side,
	// and clients wait for the exit status first.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 1
	}
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return uint32(exit.ExitCode())
		}
		return 1
	}
	return 0
}

func (s *SSH) track(conn net.Conn, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[net.Conn]bool{}
	}
	if open {
		s.conns[conn] = true
	} else {
		delete(s.conns, conn)
	}
}

func (s *SSH) close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for conn := range s.conns {
		_ = conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
