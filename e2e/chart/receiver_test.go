package chart

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
)

// TestReceiverInstall installs the chart for real: the receiver's token is
// generated once and kept by an upgrade (which also adds the Ingress), its
// Service is separate from the webhook's, and the ServiceAccount may patch
// policies and read that Secret.
func TestReceiverInstall(t *testing.T) {
	cp := controlPlane.Get(t)
	const ns = "chart-receiver"
	installChart(t, cp, ns)
	token := receiverToken(t, cp, ns)
	if len(token) < 32 {
		t.Errorf("generated token %q is short", token)
	}
	helm(t, "upgrade", "imagepin", "charts/imagepin", "--kubeconfig", cp.Kubeconfig, "-n", ns,
		"--set", "receiver.ingress.enabled=true", "--set", "receiver.ingress.host=hooks.example.com")
	if again := receiverToken(t, cp, ns); again != token {
		t.Errorf("helm upgrade replaced the receiver token")
	}
	out := kubectl(t, cp, nil, "get", "service,ingress", "-n", ns, "-o", "name")
	for _, want := range []string{"service/imagepin-receiver", "service/imagepin-webhook", "ingress.networking.k8s.io/imagepin-receiver"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("%s is missing:\n%s", want, out)
		}
	}
	sa := "--as=system:serviceaccount:" + ns + ":imagepin"
	for _, can := range [][]string{
		{"patch", "imagepolicies.imagepin.dev", "-n", "apps"},
		{"get", "secret/imagepin-receiver", "-n", ns},
	} {
		if out := kubectl(t, cp, nil, append([]string{"auth", "can-i", sa}, can...)...); strings.TrimSpace(string(out)) != "yes" {
			t.Errorf("the manager may not %v: %s", can, out)
		}
	}
	helm(t, "uninstall", "imagepin", "--kubeconfig", cp.Kubeconfig, "-n", ns)
}

// TestReceiverValues renders the receiver's options: an existing Secret is
// used and none created, and a disabled receiver leaves no object and
// tells the manager.
func TestReceiverValues(t *testing.T) {
	manifest := helm(t, "template", "imagepin", "charts/imagepin", "-n", "imagepin-system", "--set", "receiver.existingSecret=hooks")
	if !hasObject(t, manifest, "Service", "imagepin-receiver") || hasObject(t, manifest, "Secret", "imagepin-receiver") || hasObject(t, manifest, "Secret", "hooks") {
		t.Error("with receiver.existingSecret, want the receiver Service and no receiver Secret")
	}
	for _, want := range []string{"--receiver-secret=hooks", `resourceNames: ["hooks"]`, "--receiver-bind-address=:9292", "name: receiver\n              containerPort: 9292"} {
		if !bytes.Contains(manifest, []byte(want)) {
			t.Errorf("rendered chart lacks %q", want)
		}
	}
	manifest = helm(t, "template", "imagepin", "charts/imagepin", "-n", "imagepin-system", "--set", "receiver.enabled=false")
	if !bytes.Contains(manifest, []byte("--receiver-bind-address=0")) || bytes.Contains(manifest, []byte("imagepin-receiver")) {
		t.Error("with receiver.enabled=false, the manager must get --receiver-bind-address=0 and no receiver object be rendered")
	}
}

// hasObject reports whether the manifest holds an object of kind and name.
func hasObject(t *testing.T, manifest []byte, kind, name string) bool {
	t.Helper()
	for _, doc := range documents(t, manifest) {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		unmarshal(t, doc, &obj)
		if obj.Kind == kind && obj.Metadata.Name == name {
			return true
		}
	}
	return false
}

func receiverToken(t *testing.T, cp *controlplane.ControlPlane, ns string) string {
	t.Helper()
	out := kubectl(t, cp, nil, "get", "secret", "imagepin-receiver", "-n", ns, "-o", "jsonpath={.data.token}")
	token, err := base64.StdEncoding.DecodeString(string(out))
	if err != nil {
		t.Fatalf("token %q: %v", out, err)
	}
	return string(token)
}
