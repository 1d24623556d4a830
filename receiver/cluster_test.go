package receiver_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/receiver"
)

const ownNamespace = "imagepin-system"

// TestReceiverAgainstAPIServer wires the receiver as the manager does,
// against a real API server: without its Secret it refuses everything and
// takes the Secret once it appears; a push marks every policy of the
// repository, in every namespace and however its image is spelled, with one
// value, and no other policy; a wrong token marks nothing; a rotated Secret
// takes effect without a restart.
func TestReceiverAgainstAPIServer(t *testing.T) {
	cp := controlPlane.Get(t)
	cl := newClient(t, cp)
	for _, ns := range []string{ownNamespace, "team-a", "team-b"} {
		create(t, cl, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ownNamespace, Name: "imagepin-receiver"},
		Data: map[string][]byte{receiver.TokenKey: []byte("first-token")}}
	pushed := []types.NamespacedName{{Namespace: "team-a", Name: "app"}, {Namespace: "team-b", Name: "app"}}
	for _, key := range pushed {
		create(t, cl, policy(key, "registry.example:5000/team/app"))
	}
	other := types.NamespacedName{Namespace: "team-b", Name: "other"}
	create(t, cl, policy(other, "registry.example:5000/team/other"))
	nginx := []types.NamespacedName{{Namespace: "team-a", Name: "nginx"}, {Namespace: "team-b", Name: "nginx"}}
	create(t, cl, policy(nginx[0], "nginx"))
	create(t, cl, policy(nginx[1], "docker.io/library/nginx"))
	url := startReceiver(t, cp, types.NamespacedName{Namespace: ownNamespace, Name: secret.Name})
	if code := send(t, url+"first-token", distributionPush("team/app")); code != http.StatusServiceUnavailable {
		t.Errorf("before the Secret exists: %d, want 503", code)
	}
	assertNotRequested(t, cl, pushed...)
	create(t, cl, secret)
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return send(t, url+"first-token", `{"events":[]}`) == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("the token of a Secret created after the start is never used: %v", err)
	}

	if code := send(t, url+"guess", distributionPush("team/app")); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code := send(t, url+"first-token", distributionPush("team/app")); code != http.StatusAccepted {
		t.Fatalf("push: %d, want 202", code)
	}
	values := waitRequested(t, cl, pushed...)
	if values[0] != values[1] {
		t.Errorf("one push, two request values %q and %q", values[0], values[1])
	}
	assertNotRequested(t, cl, other, nginx[0], nginx[1])

	secret.Data[receiver.TokenKey] = []byte("second-token")
	if err := cl.Update(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return send(t, url+"first-token", `{}`) == http.StatusUnauthorized, nil
	})
	if err != nil {
		t.Fatalf("the old token still works after the Secret was rotated: %v", err)
	}
	if code := send(t, url+"second-token", dockerHubPush("library/nginx")); code != http.StatusAccepted {
		t.Fatalf("push with the rotated token: %d, want 202", code)
	}
	waitRequested(t, cl, nginx...)
	assertNotRequested(t, cl, other)
}

// startReceiver runs a manager with the receiver, wired as cmd/imagepin
// does, and returns the URL to append a token to.
func startReceiver(t *testing.T, cp *controlplane.ControlPlane, secret types.NamespacedName) string {
	t.Helper()
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{Scheme: kubescheme.NewT(t), Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := governing.IndexPolicies(t.Context(), mgr.GetFieldIndexer()); err != nil {
		t.Fatal(err)
	}
	addr := testenv.FreeAddrT(t)
	r, err := receiver.New(receiver.Options{
		Addr: addr, Tokens: receiver.NewSecretToken(mgr.GetAPIReader(), secret, time.Second),
		Policies: mgr.GetCache(), RepositoryIndex: governing.RepositoryIndex, Patcher: mgr.GetClient(),
		Registerer: prometheus.NewRegistry(), Quiet: 100 * time.Millisecond, MinInterval: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := mgr.Add(r); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, "manager", mgr.Start)
	url := "http://" + addr + receiver.EventsPath
	err = wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		resp, err := http.Get(url)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return true, nil
	})
	if err != nil {
		t.Fatalf("receiver never listened on %s", addr)
	}
	return url
}

func send(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func distributionPush(repo string) string {
	return fmt.Sprintf(`{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json",
"repository":%q,"tag":"1.0.0"},"request":{"host":"registry.example:5000"}}]}`, repo)
}

func dockerHubPush(repo string) string {
	return fmt.Sprintf(`{"push_data":{"tag":"latest"},"repository":{"repo_name":%q}}`, repo)
}

// waitRequested waits until each policy carries a scan request and returns
// the request values.
func waitRequested(t *testing.T, cl client.Client, keys ...types.NamespacedName) []string {
	t.Helper()
	values := make([]string, len(keys))
	for i, key := range keys {
		err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			var p v1alpha1.ImagePolicy
			if err := cl.Get(ctx, key, &p); err != nil {
				return false, err
			}
			values[i] = p.Annotations[v1alpha1.ScanRequestedAnnotation]
			return values[i] != "", nil
		})
		if err != nil {
			t.Fatalf("%s never asked to scan: %v", key, err)
		}
	}
	return values
}

// assertNotRequested checks, a while after the pushes, that no request
// reached these policies.
func assertNotRequested(t *testing.T, cl client.Client, keys ...types.NamespacedName) {
	t.Helper()
	time.Sleep(time.Second)
	for _, key := range keys {
		var p v1alpha1.ImagePolicy
		if err := cl.Get(t.Context(), key, &p); err != nil {
			t.Fatal(err)
		}
		if v, ok := p.Annotations[v1alpha1.ScanRequestedAnnotation]; ok {
			t.Errorf("%s asked to scan (%q) though its repository was not pushed", key, v)
		}
	}
}

func policy(key types.NamespacedName, image string) *v1alpha1.ImagePolicy {
	return &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
		Spec: v1alpha1.ImagePolicySpec{Image: image, Suspend: true,
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "^1"}}},
	}
}

func create(t *testing.T, cl client.Client, obj client.Object) {
	t.Helper()
	if err := cl.Create(t.Context(), obj); err != nil {
		t.Fatal(err)
	}
}

func newClient(t *testing.T, cp *controlplane.ControlPlane) client.Client {
	t.Helper()
	cl, err := client.New(cp.Config, client.Options{Scheme: kubescheme.NewT(t)})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
