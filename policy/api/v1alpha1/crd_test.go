package v1alpha1_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestDesignSampleAccepted applies the sample of DESIGN.md exactly as
// written (empty strings included) and reads the same spec back.
func TestDesignSampleAccepted(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(namespace(t))
	if err := cl.Create(t.Context(), u); err != nil {
		t.Fatalf("sample rejected: %v", err)
	}
	var want, got v1alpha1.ImagePolicy
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(u), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Spec, got.Spec); diff != "" {
		t.Errorf("stored spec differs from the sample (-want +got):\n%s", diff)
	}
}

// TestDefaults checks the defaults the CRD applies to a minimal policy.
func TestDefaults(t *testing.T) {
	p := policy(namespace(t), "minimal", func(p *v1alpha1.ImagePolicy) {
		p.Spec.Select = v1alpha1.TagSelection{Alphabetical: &v1alpha1.OrderSelection{}}
		p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "")
	})
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"schedule": "@every 5m", "order": "asc", "branch": "main"}
	got := map[string]string{"schedule": p.Spec.Schedule, "order": string(p.Spec.Select.Alphabetical.Order), "branch": p.Spec.WriteBack.Git.Branch}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// TestStatusSubresource checks that status and spec are written through
// separate endpoints, as the scanner and users rely on.
func TestStatusSubresource(t *testing.T) {
	ctx := t.Context()
	p := policy(namespace(t), "podinfo")
	if err := cl.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	gen := p.Generation
	p.Status = sampleStatus()
	p.Spec.Suspend = true // ignored by the status endpoint
	if err := cl.Status().Update(ctx, p); err != nil {
		t.Fatalf("status update: %v", err)
	}
	var got v1alpha1.ImagePolicy
	if err := cl.Get(ctx, client.ObjectKeyFromObject(p), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Suspend || got.Generation != gen {
		t.Errorf("status update changed the spec: suspend=%v generation %d→%d", got.Spec.Suspend, gen, got.Generation)
	}
	if diff := cmp.Diff(sampleStatus(), got.Status); diff != "" {
		t.Errorf("stored status (-want +got):\n%s", diff)
	}

	got.Status.Current = nil // ignored by the main endpoint
	got.Spec.Schedule = "@hourly"
	if err := cl.Update(ctx, &got); err != nil {
		t.Fatalf("spec update: %v", err)
	}
	if got.Status.Current == nil || got.Generation != gen+1 {
		t.Errorf("spec update: current=%v generation=%d, want status kept and generation %d", got.Status.Current, got.Generation, gen+1)
	}
}

// TestPrinterColumns reads a policy as a table, the way kubectl get does,
// and runs kubectl itself with the short name.
func TestPrinterColumns(t *testing.T) {
	ns := namespace(t)
	p := policy(ns, "podinfo")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	p.Status = sampleStatus()
	if err := cl.Status().Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	table := getTable(t, "/apis/imagepin.dev/v1alpha1/namespaces/"+ns+"/imagepolicies")
	var names []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
	}
	if diff := cmp.Diff([]string{"Name", "Image", "Tag", "Digest", "Source", "Ready", "Age"}, names); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if len(table.Rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(table.Rows))
	}
	cells := table.Rows[0].Cells[:6]
	want := []any{"podinfo", "ghcr.io/stefanprodan/podinfo", "6.5.3", "0123456789ab", "Pin", "True"}
	if diff := cmp.Diff(want, cells); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}

	assets, err := controlplane.Assets()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), filepath.Join(assets, "kubectl"), "--kubeconfig", cp.Kubeconfig,
		"get", "ipol", "-n", ns).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get ipol: %v\n%s", err, out)
	}
	if header := strings.Fields(strings.SplitN(string(out), "\n", 2)[0]); !cmp.Equal(header, []string{"NAME", "IMAGE", "TAG", "DIGEST", "SOURCE", "READY", "AGE"}) {
		t.Errorf("kubectl header = %v\n%s", header, out)
	}
}

func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	hc, err := rest.HTTPClientFor(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, strings.TrimSuffix(cp.Config.Host, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var table metav1.Table
	if err := json.NewDecoder(resp.Body).Decode(&table); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("table GET: %s: %v", resp.Status, err)
	}
	return &table
}

func sampleStatus() v1alpha1.ImagePolicyStatus {
	now := metav1.NewTime(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	current := v1alpha1.ImageRecord{Image: "ghcr.io/stefanprodan/podinfo:6.5.3@" + digest, Tag: "6.5.3", Digest: digest, Source: v1alpha1.SourcePin, Since: now}
	return v1alpha1.ImagePolicyStatus{
		ObservedGeneration: 1,
		Latest:             &v1alpha1.LatestImage{Tag: "6.5.4", Digest: digest, FoundAt: now},
		Current:            &v1alpha1.CurrentImage{ImageRecord: current, ShortDigest: "0123456789ab"},
		History:            []v1alpha1.ImageRecord{current},
		LastScan:           &v1alpha1.ScanRecord{Time: now, Duration: metav1.Duration{Duration: 1500 * time.Millisecond}, TagCount: 42, Requests: 2},
		NextScanAt:         &now,
		Conditions: []metav1.Condition{{
			Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded,
			Message: "pinned to 6.5.3", LastTransitionTime: now, ObservedGeneration: 1,
		}},
	}
}
