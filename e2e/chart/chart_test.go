package chart

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
	"github.com/imagepin/imagepin/internal/testenv/fixtures"
)

// modes are the --set arguments of each certificate mode.
var modes = map[string][]string{
	"self-signed":  {"--set", "certs.mode=self-signed"},
	"cert-manager": {"--set", "certs.mode=cert-manager"},
	"external":     {"--set", "certs.mode=external", "--set", "certs.external.secretName=imagepin-tls", "--set", "webhook.caBundle=Q0EK"},
	"manager outside the cluster": {"--set", "webhook.url=https://127.0.0.1:9443", "--set", "replicaCount=0",
		"--set", "podDisruptionBudget.enabled=false"},
}

func TestLint(t *testing.T) {
	for name, args := range modes {
		t.Run(name, func(t *testing.T) {
			helm(t, append([]string{"lint", "--strict", "charts/imagepin"}, args...)...)
		})
	}
}

// TestAcceptedByAPIServer renders the chart in every mode and has a real
// kube-apiserver validate every object (server-side dry run), with the
// chart's CRD and cert-manager's installed.
func TestAcceptedByAPIServer(t *testing.T) {
	certManagerCRDs := filepath.Join(moduleDir(t, "github.com/cert-manager/cert-manager"), "deploy", "crds")
	cp := controlPlane.Get(t)
	cp.InstallCRDs(t, chartCRDs, filepath.Join(certManagerCRDs, "cert-manager.io_issuers.yaml"),
		filepath.Join(certManagerCRDs, "cert-manager.io_certificates.yaml"))
	const ns = "chart-accepted"
	kubectl(t, cp, nil, "create", "namespace", ns)
	for name, args := range modes {
		t.Run(name, func(t *testing.T) {
			manifest := helm(t, append([]string{"template", "imagepin", "charts/imagepin", "-n", ns}, args...)...)
			out := kubectl(t, cp, manifest, "apply", "--dry-run=server", "-f", "-")
			if n := strings.Count(string(out), "(server dry run)"); n != len(documents(t, manifest)) {
				t.Errorf("server accepted %d objects, the chart rendered %d:\n%s", n, len(documents(t, manifest)), out)
			}
		})
	}
}

// TestHelmInstall installs and uninstalls the chart for real.
func TestHelmInstall(t *testing.T) {
	cp := controlPlane.Get(t)
	const ns = "chart-install"
	installChart(t, cp, ns)
	out := kubectl(t, cp, nil, "get", "deployment,service,mutatingwebhookconfiguration,validatingwebhookconfiguration,crd", "-A", "-o", "name")
	for _, want := range []string{"deployment.apps/imagepin", "service/imagepin-webhook", "mutatingwebhookconfiguration.admissionregistration.k8s.io/imagepin",
		"validatingwebhookconfiguration.admissionregistration.k8s.io/imagepin", "customresourcedefinition.apiextensions.k8s.io/imagepolicies.imagepin.dev"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("after helm install, %s is missing:\n%s", want, out)
		}
	}
	helm(t, "uninstall", "imagepin", "--kubeconfig", cp.Kubeconfig, "-n", ns)
}

// TestWebhooksMatchFixtures checks that the chart's webhook configurations
// behave like the fixtures the webhook tests run against, so those tests
// prove what the chart installs.
func TestWebhooksMatchFixtures(t *testing.T) {
	manifest := helm(t, "template", "imagepin", "charts/imagepin", "-n", "imagepin-system")
	var mutating admissionv1.MutatingWebhookConfiguration
	var validating admissionv1.ValidatingWebhookConfiguration
	for _, doc := range documents(t, manifest) {
		switch {
		case bytes.Contains(doc, []byte("kind: MutatingWebhookConfiguration")):
			unmarshal(t, doc, &mutating)
		case bytes.Contains(doc, []byte("kind: ValidatingWebhookConfiguration")):
			unmarshal(t, doc, &validating)
		}
	}
	want, wantV := fixtures.MutatingWebhook(), fixtures.ValidatingWebhook()
	// The Service differs (the fixtures name the test's); the paths must not.
	for i := range mutating.Webhooks {
		mutating.Webhooks[i].ClientConfig = webhookPath(mutating.Webhooks[i].ClientConfig)
	}
	for i := range validating.Webhooks {
		validating.Webhooks[i].ClientConfig = webhookPath(validating.Webhooks[i].ClientConfig)
	}
	for i := range want.Webhooks {
		want.Webhooks[i].ClientConfig = webhookPath(want.Webhooks[i].ClientConfig)
	}
	for i := range wantV.Webhooks {
		wantV.Webhooks[i].ClientConfig = webhookPath(wantV.Webhooks[i].ClientConfig)
	}
	if diff := cmp.Diff(want.Webhooks, mutating.Webhooks); diff != "" {
		t.Errorf("chart's Pod webhooks differ from fixtures.MutatingWebhook (-fixture +chart):\n%s", diff)
	}
	if diff := cmp.Diff(wantV.Webhooks, validating.Webhooks); diff != "" {
		t.Errorf("chart's policy webhook differs from fixtures.ValidatingWebhook (-fixture +chart):\n%s", diff)
	}
}

// webhookPath keeps only the path of a Service reference.
func webhookPath(c admissionv1.WebhookClientConfig) admissionv1.WebhookClientConfig {
	if c.Service == nil {
		return admissionv1.WebhookClientConfig{}
	}
	return admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Path: c.Service.Path}}
}

// TestValuesDocumented checks that the README's values table names every
// leaf of values.yaml.
func TestValuesDocumented(t *testing.T) {
	root, err := buildtool.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "charts/imagepin/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	unmarshal(t, data, &values)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Za-z0-9_.]+)` \\|").FindAllSubmatch(readme, -1) {
		documented[string(m[1])] = true
	}
	var missing []string
	for _, key := range leaves("", values) {
		if !documented[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("values not documented in the README's values table: %v", missing)
	}
}

// leaves lists the dotted paths of values; maps that are empty by default
// (labels, annotations) count as leaves.
func leaves(prefix string, v map[string]any) []string {
	var out []string
	for k, val := range v {
		path := prefix + k
		if m, ok := val.(map[string]any); ok && len(m) > 0 {
			out = append(out, leaves(path+".", m)...)
			continue
		}
		out = append(out, path)
	}
	return out
}

// documents splits a multi-document manifest into its non-empty documents.
func documents(t *testing.T, manifest []byte) [][]byte {
	t.Helper()
	r := yaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifest)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(doc), "kind:") {
			docs = append(docs, doc)
		}
	}
}

func unmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := sigsyaml.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func moduleDir(t *testing.T, module string) string {
	t.Helper()
	out := run(t, "go", "list", "-m", "-f", "{{.Dir}}", module)
	return strings.TrimSpace(string(out))
}
