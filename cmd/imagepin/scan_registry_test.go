package main

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

// TestScanCommandDistribution scans a real Distribution registry that wants
// htpasswd credentials over TLS with a private CA, as a user would with
// --docker-config and --ca-file.
func TestScanCommandDistribution(t *testing.T) {
	reg := registry.StartT(t, registry.Options{Username: "ci", Password: "s3cret", TLS: true})
	digests, err := reg.Push(t.Context(), "team/app", "1.0.0", "1.1.0", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	writeFile(t, caFile, string(reg.CAPEM))
	config := func(user, pass string) string {
		path := filepath.Join(dir, user+".json")
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		writeFile(t, path, fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, reg.Host, auth))
		return path
	}
	repo := reg.Repo("team/app")

	out, errOut, err := runScan(t, "--image", repo, "--semver", "^1", "--docker-config", config("ci", "s3cret"), "--ca-file", caFile)
	if err != nil {
		t.Fatalf("scan: %v\n%s", err, errOut)
	}
	if want := repo + " 1.1.0 " + digests["1.1.0"].String() + "\n"; out != want {
		t.Errorf("scan printed %q, want %q", out, want)
	}

	_, errOut, err = runScan(t, "--image", repo, "--semver", "^1", "--docker-config", config("ci", "wrong"), "--ca-file", caFile)
	if err == nil || !strings.Contains(errOut, "unauthorized") {
		t.Errorf("wrong password: err %v, stderr %q; want unauthorized", err, errOut)
	}
	_, errOut, err = runScan(t, "--image", repo, "--semver", "^1", "--docker-config", config("ci", "s3cret"))
	if err == nil || !strings.Contains(errOut, "certificate") {
		t.Errorf("without the CA: err %v, stderr %q; want a certificate error", err, errOut)
	}
}
