package hostile

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/internal/testenv/attack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// hostile is the stack under attack and what the steps share.
type hostile struct {
	*stack.Stack
	denied *attack.Listener // on an address of --registry-deny-cidrs
	fast   client.Client    // the administrator, without a client-side rate limit
	token  string           // of a ServiceAccount allowed to get /metrics
}

// namespaces are the test's namespaces, and sets up the fast client.
func (h *hostile) namespaces(t *testing.T) []client.Object {
	t.Helper()
	cfg := rest.CopyConfig(h.ControlPlane.Config)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.WarningHandler = rest.NoWarnings{}
	var err error
	if h.fast, err = client.New(cfg, client.Options{Scheme: h.Client.Scheme()}); err != nil {
		t.Fatal(err)
	}
	return []client.Object{stack.NewNamespace(enabled, v1alpha1.PinningEnabled), stack.NewNamespace(strict, v1alpha1.PinningStrict)}
}

// newPod is a Pod of namespace ns, named with prefix, with one container per image.
func newPod(ns, prefix string, images ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: prefix}}
	for i, image := range images {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: image})
	}
	return p
}

// update reads p again, changes it with change and updates it, retrying on
// conflicts.
func (h *hostile) update(ctx context.Context, p *corev1.Pod, change func(*corev1.Pod)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		change(p)
		return h.Client.Update(ctx, p)
	})
}

// gone waits until p no longer exists.
func (h *hostile) gone(ctx context.Context, p *corev1.Pod) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, stack.StepTimeout, true, func(ctx context.Context) (bool, error) {
		err := h.Client.Get(ctx, client.ObjectKeyFromObject(p), &corev1.Pod{})
		return apierrors.IsNotFound(err), nil
	})
}

// rssMiB is the resident memory of process pid.
func rssMiB(t *testing.T, pid int) float64 {
	t.Helper()
	return procStatusMiB(t, pid, "VmRSS:")
}

// procStatusMiB is the field (such as "VmRSS:") of /proc/pid/status, in MiB.
func procStatusMiB(t *testing.T, pid int, field string) float64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == field {
			kb, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// metricsNeedAToken scrapes the manager's /metrics, served as the chart's
// default metrics.secure says: refused without a token, answered to a
// ServiceAccount bound to the chart's metrics-reader ClusterRole. The
// manager checks the token as the chart's ServiceAccount, so this proves
// the chart's TokenReview and SubjectAccessReview permissions too.
func (h *hostile) metricsNeedAToken(t *testing.T) {
	attack.WaitListening(t, h.Manager.MetricsAddr)
	if code, _ := h.scrape(t, ""); code != http.StatusUnauthorized {
		t.Errorf("without a token: status %d, want 401", code)
	}
	h.token = attack.Scraper(t, h.ControlPlane.Config, stack.Namespace, "scraper", stack.Release+"-metrics-reader")
	if code, body := h.scrape(t, h.token); code != http.StatusOK || !strings.Contains(body, "imagepin_admission_requests_total") {
		t.Errorf("with the scraper's token: status %d, want the metrics", code)
	}
}

// scrape GETs the manager's /metrics with token.
func (h *hostile) scrape(t *testing.T, token string) (int, string) {
	t.Helper()
	return attack.Scrape(t, "https://"+h.Manager.MetricsAddr+"/metrics", token)
}

// series returns the lines of the metric family name on /metrics.
func (h *hostile) series(t *testing.T, name string) []string {
	t.Helper()
	code, body := h.scrape(t, h.token)
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			out = append(out, line)
		}
	}
	return out
}

// gauge reads the value of an unlabelled gauge on /metrics.
func (h *hostile) gauge(t *testing.T, name string) float64 {
	t.Helper()
	lines := h.series(t, name)
	if len(lines) != 1 {
		t.Fatalf("%s: %d lines on /metrics, want 1", name, len(lines))
	}
	v, err := strconv.ParseFloat(strings.Fields(lines[0])[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// settle waits until the lookups that outlive their admissions have ended
// (goroutines back within maxGoroutines of before) and returns the count.
func (h *hostile) settle(t *testing.T, before float64) float64 {
	t.Helper()
	now := 0.0
	err := wait.PollUntilContextTimeout(t.Context(), time.Second, 2*time.Minute, true, func(context.Context) (bool, error) {
		now = h.gauge(t, "go_goroutines")
		return now <= before+maxGoroutines, nil
	})
	if err != nil {
		t.Errorf("goroutines %.0f, %.0f before the Pods: lookups did not end", now, before)
	}
	return now
}
