package gitrepo_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

func TestAuth(t *testing.T) {
	ssh := gitserver.StartT(t, gitserver.Options{SSH: true}).SSH
	tests := map[string]struct {
		url  string
		data map[string]string
		want string // the method's type, or "error"
	}{
		"none":                 {"https://git.example.com/r.git", nil, "<nil>"},
		"basic":                {"https://git.example.com/r.git", map[string]string{"username": "u", "password": "p"}, "*http.BasicAuth u"},
		"token as password":    {"https://git.example.com/r.git", map[string]string{"password": "tok"}, "*http.BasicAuth git"},
		"bearer token":         {"https://git.example.com/r.git", map[string]string{"bearerToken": "tok"}, "*http.TokenAuth"},
		"token and basic":      {"https://git.example.com/r.git", map[string]string{"bearerToken": "tok", "password": "p"}, "error"},
		"username only":        {"https://git.example.com/r.git", map[string]string{"username": "u"}, "error"},
		"identity over https":  {"https://git.example.com/r.git", map[string]string{"identity": "k"}, "error"},
		"ssh":                  {"ssh://git@host/r.git", map[string]string{"identity": string(ssh.ClientKey), "known_hosts": string(ssh.KnownHosts)}, "*ssh.PublicKeys git"},
		"scp-like":             {"deploy@host:org/r.git", map[string]string{"identity": string(ssh.ClientKey), "known_hosts": string(ssh.KnownHosts)}, "*ssh.PublicKeys deploy"},
		"ssh without hosts":    {"ssh://git@host/r.git", map[string]string{"identity": string(ssh.ClientKey)}, "error"},
		"ssh without identity": {"ssh://git@host/r.git", map[string]string{"known_hosts": string(ssh.KnownHosts)}, "error"},
		"ssh, bad key":         {"ssh://git@host/r.git", map[string]string{"identity": "secret-key-bytes", "known_hosts": string(ssh.KnownHosts)}, "error"},
		"ssh, bad known_hosts": {"ssh://git@host/r.git", map[string]string{"identity": string(ssh.ClientKey), "known_hosts": "secret garbage"}, "error"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			data := map[string][]byte{}
			for k, v := range tc.data {
				data[k] = []byte(v)
			}
			method, err := gitrepo.Auth(tc.url, data)
			got := fmt.Sprintf("%T", method)
			switch m := method.(type) {
			case *githttp.BasicAuth:
				got += " " + m.Username
			case *gitssh.PublicKeys:
				got += " " + m.User
			case nil:
				got = "<nil>"
			}
			if err != nil {
				got = "error"
				if !errors.Is(err, gitrepo.ErrInvalidCredentials) {
					t.Errorf("error %v does not wrap ErrInvalidCredentials", err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("the error shows the secret: %v", err)
				}
			}
			if got != tc.want {
				t.Errorf("Auth = %s (%v); want %s", got, err, tc.want)
			}
		})
	}
}

func TestWriteOverSSH(t *testing.T) {
	srv := gitserver.StartT(t, gitserver.Options{SSH: true})
	srv.CommitT(t, "seed", map[string]string{"apps/values.yaml": values})
	other := gitserver.StartT(t, gitserver.Options{SSH: true}).SSH // another host key and client key
	tests := map[string]struct {
		identity, knownHosts []byte
		want                 error
	}{
		"key and host key":  {srv.SSH.ClientKey, srv.SSH.KnownHosts, nil},
		"unknown key":       {other.ClientKey, srv.SSH.KnownHosts, gitrepo.ErrAuthentication},
		"host key mismatch": {srv.SSH.ClientKey, mismatch(srv.SSH.KnownHosts, other.KnownHosts), gitrepo.ErrAuthentication},
		"host not known":    {srv.SSH.ClientKey, other.KnownHosts, gitrepo.ErrAuthentication},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			method, err := gitrepo.Auth(srv.SSH.URL, map[string][]byte{"identity": tc.identity, "known_hosts": tc.knownHosts})
			if err != nil {
				t.Fatal(err)
			}
			req := gitrepo.Request{Target: gitrepo.Target{URL: srv.SSH.URL, Branch: "main", Auth: method}, Paths: []string{"apps"}, Edit: setTag("3.0.0")}
			res, err := newWriter(t, "").Write(t.Context(), req)
			t.Logf("Write: %v", err)
			if !errors.Is(err, tc.want) || (tc.want == nil) != res.Pushed {
				t.Fatalf("Write = %+v, %v; want %v", res, err, tc.want)
			}
		})
	}
	if got := srv.FileT(t, "apps/values.yaml"); !strings.Contains(got, `"3.0.0"`) {
		t.Errorf("values.yaml after the SSH write:\n%s", got)
	}
}

// mismatch returns a known_hosts line for host's address with other's key.
func mismatch(host, other []byte) []byte {
	addr, _, _ := strings.Cut(string(host), " ")
	_, key, _ := strings.Cut(string(other), " ")
	return []byte(addr + " " + key)
}
