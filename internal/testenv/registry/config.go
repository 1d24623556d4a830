package registry

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	"golang.org/x/crypto/bcrypt"
)

// configTemplate is a Distribution v3 configuration. Paths are quoted with
// strconv.Quote, whose output is a valid YAML double-quoted string. Upload
// purging is off, and the access log unless asked for: neither helps a
// short-lived test registry, and the access log would push errors out of
// the log tail.
var configTemplate = template.Must(template.New("config.yml").Funcs(template.FuncMap{
	"quote": strconv.Quote,
}).Parse(`version: 0.1
log:
  level: warn
  formatter: text
  accesslog:
    disabled: {{ not .AccessLog }}
storage:
{{- if .InMemory }}
  inmemory: {}
{{- else }}
  filesystem:
    rootdirectory: {{ quote .StorageDir }}
{{- end }}
  delete:
    enabled: {{ .EnableDelete }}
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: {{ .Addr }}
  secret: {{ quote .Secret }}
{{- if .DebugAddr }}
  debug:
    addr: {{ .DebugAddr }}
    prometheus:
      enabled: true
{{- end }}
{{- if .TLS }}
  tls:
    certificate: {{ quote .CertFile }}
    key: {{ quote .KeyFile }}
{{- end }}
{{- if .HtpasswdFile }}
auth:
  htpasswd:
    realm: imagepin-test-registry
    path: {{ quote .HtpasswdFile }}
{{- end }}
{{- if .NotifyURL }}
notifications:
  endpoints:
    - name: test
      url: {{ quote .NotifyURL }}
      timeout: 2s
      threshold: 3
      backoff: 1s
{{- end }}
`))

// config holds what configTemplate needs.
type config struct {
	Addr, Secret, StorageDir string
	EnableDelete, TLS        bool
	CertFile, KeyFile        string
	HtpasswdFile             string
	AccessLog                bool
	NotifyURL                string
	DebugAddr                string
	InMemory                 bool
}

// writeFiles writes the configuration and the files it refers to (serving
// certificate and key, htpasswd) into dir and returns the configuration's path.
func writeFiles(dir string, cfg config, certs *serverCerts, username, password string) (string, error) {
	if certs != nil {
		cfg.TLS = true
		cfg.CertFile = filepath.Join(dir, "tls.crt")
		cfg.KeyFile = filepath.Join(dir, "tls.key")
		if err := writeFile(cfg.CertFile, certs.certPEM); err != nil {
			return "", err
		}
		if err := writeFile(cfg.KeyFile, certs.keyPEM); err != nil {
			return "", err
		}
	}
	if username != "" {
		cfg.HtpasswdFile = filepath.Join(dir, "htpasswd")
		if err := writeHtpasswd(cfg.HtpasswdFile, username, password); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	if err := configTemplate.Execute(&b, cfg); err != nil {
		return "", fmt.Errorf("render registry config: %w", err)
	}
	path := filepath.Join(dir, "config.yml")
	return path, writeFile(path, []byte(b.String()))
}

// writeHtpasswd writes a one-user htpasswd file. Distribution accepts only
// bcrypt entries; the minimum cost keeps every authenticated request fast.
func writeHtpasswd(path, username, password string) error {
	if strings.ContainsAny(username, ":\n") {
		return fmt.Errorf("htpasswd user %q: must not contain ':' or a newline", username)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return fmt.Errorf("bcrypt password of %q: %w", username, err)
	}
	return writeFile(path, []byte(username+":"+string(hash)+"\n"))
}

func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// newSecret returns a random http.secret. Distribution signs upload state
// with it and would otherwise generate one and warn about it.
func newSecret() string {
	return rand.Text()
}
