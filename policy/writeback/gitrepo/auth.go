package gitrepo

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/skeema/knownhosts"
)

// Keys of a credentials Secret, as Flux names them.
const (
	// UsernameKey and PasswordKey are HTTP basic credentials. A password
	// without a username is a token (GitHub, GitLab, Gitea accept any user).
	UsernameKey = "username"
	PasswordKey = "password"
	// BearerTokenKey is sent as an HTTP Authorization: Bearer header.
	BearerTokenKey = "bearerToken"
	// IdentityKey is a PEM SSH private key; PasswordKey is its passphrase.
	IdentityKey = "identity"
	// KnownHostsKey holds known_hosts lines for the SSH server. Required
	// with IdentityKey: host keys are always verified.
	KnownHostsKey = "known_hosts"
	// CAKey holds extra PEM certificates to trust for HTTPS.
	CAKey = "ca.crt"
)

// tokenUser is the user name sent with a token that has none.
const tokenUser = "git"

// Auth returns the credentials in a Secret's data for the repository at
// url: SSH keys for ssh:// and user@host:path URLs, HTTP basic or bearer
// credentials otherwise. No data means no credentials (nil). Errors wrap
// ErrInvalidCredentials and never contain secret values.
func Auth(url string, data map[string][]byte) (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return nil, fmt.Errorf("%w: repository URL: %v", ErrInvalidCredentials, err)
	}
	if ep.Protocol == "ssh" {
		return sshAuth(ep, data)
	}
	return httpAuth(data)
}

func httpAuth(data map[string][]byte) (transport.AuthMethod, error) {
	user, pass, token := string(data[UsernameKey]), string(data[PasswordKey]), string(data[BearerTokenKey])
	switch {
	case token != "" && (user != "" || pass != ""):
		return nil, fmt.Errorf("%w: set %s or %s/%s, not both", ErrInvalidCredentials, BearerTokenKey, UsernameKey, PasswordKey)
	case token != "":
		return &githttp.TokenAuth{Token: token}, nil
	case user != "" && pass == "":
		return nil, fmt.Errorf("%w: %s without %s", ErrInvalidCredentials, UsernameKey, PasswordKey)
	case pass != "" && user == "":
		return &githttp.BasicAuth{Username: tokenUser, Password: pass}, nil
	case pass != "":
		return &githttp.BasicAuth{Username: user, Password: pass}, nil
	}
	if len(data[IdentityKey]) > 0 {
		return nil, fmt.Errorf("%w: %s is for ssh:// URLs", ErrInvalidCredentials, IdentityKey)
	}
	return nil, nil
}

func sshAuth(ep *transport.Endpoint, data map[string][]byte) (transport.AuthMethod, error) {
	if len(data[IdentityKey]) == 0 || len(data[KnownHostsKey]) == 0 {
		return nil, fmt.Errorf("%w: an SSH URL needs %s and %s", ErrInvalidCredentials, IdentityKey, KnownHostsKey)
	}
	user := ep.User
	if user == "" {
		user = "git"
	}
	keys, err := gitssh.NewPublicKeys(user, data[IdentityKey], string(data[PasswordKey]))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidCredentials, IdentityKey, err)
	}
	db, err := knownHostsDB(data[KnownHostsKey])
	if err != nil {
		return nil, err
	}
	port := ep.Port
	if port == 0 {
		port = 22
	}
	keys.HostKeyCallback = db.HostKeyCallback()
	// Offer only the host key types known_hosts lists: otherwise the server
	// may present another type, which verification would refuse.
	keys.HostKeyAlgorithms = db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, strconv.Itoa(port)))
	return keys, nil
}

// knownHostsDB reads known_hosts lines. The reader only takes files, so
// they pass through a private temporary file, removed at once.
func knownHostsDB(lines []byte) (*knownhosts.HostKeyDB, error) {
	f, err := os.CreateTemp("", "imagepin-known-hosts-")
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(lines)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	db, err := gitssh.NewKnownHostsDb(f.Name())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidCredentials, KnownHostsKey, err)
	}
	return db, nil
}
