package scenario

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanrequest"
	"github.com/imagepin/imagepin/receiver"
)

// notificationRequestsScan posts a registry push notification of the
// sample repository to the manager's receiver, with the token of the Secret
// the chart generated: the manager, with only the chart's RBAC, reads that
// Secret and asks the policy to scan, and the scanner handles the request.
func (sc *scenario) notificationRequestsScan(t *testing.T) {
	var secret corev1.Secret
	if err := sc.Client.Get(t.Context(), client.ObjectKey{Namespace: stack.Namespace, Name: stack.Release + "-receiver"}, &secret); err != nil {
		t.Fatalf("the chart's receiver Secret: %v", err)
	}
	body := fmt.Sprintf(`{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json",
"repository":%q,"tag":"1.3.0"},"request":{"host":%q}}]}`, strings.TrimPrefix(sc.Image, sc.Registry.Host+"/"), sc.Registry.Host)
	url := "http://" + sc.Manager.ReceiverAddr + receiver.EventsPath + string(secret.Data[receiver.TokenKey])
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("notification answered %s, want 202", resp.Status)
	}
	_, err = sc.WaitPolicy(t.Context(), policyKey, "the scan request handled", func(p *v1alpha1.ImagePolicy) bool {
		v := p.Annotations[v1alpha1.ScanRequestedAnnotation]
		return v != "" && scanrequest.Handled(p, v)
	})
	if err != nil {
		t.Fatal(err)
	}
}
