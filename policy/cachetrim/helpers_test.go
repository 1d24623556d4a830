package cachetrim_test

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// fleetPolicy is policy i of a fleet as the API server sends it after its
// first scan: ten policies per repository in ten namespaces, five ranges.
func fleetPolicy(i int) *v1alpha1.ImagePolicy {
	repo := fmt.Sprintf("registry.example.com/fleet/app%04d", i/10)
	digest := "sha256:" + strings.Repeat(fmt.Sprintf("%x", i%5), 64)
	tag := fmt.Sprintf("1.%d.9", 19-i%5)
	at := metav1.NewTime(time.Date(2026, 12, 2, 7, 30, 5, 0, time.UTC))
	rec := v1alpha1.ImageRecord{Image: repo + ":" + tag + "@" + digest, Tag: tag, Digest: digest, Source: v1alpha1.SourceScan, Since: at}
	next := metav1.NewTime(at.Add(55 * time.Second))
	return &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("app%04d", i/10), Namespace: fmt.Sprintf("team-%02d", i%10),
			UID: types.UID(fmt.Sprintf("6f1c2a9b-8e7d-4c1a-9f2e-%012d", i)), ResourceVersion: fmt.Sprint(100000 + i),
			Generation: 1, CreationTimestamp: at,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "argocd"},
		},
		Spec: v1alpha1.ImagePolicySpec{Image: repo, Schedule: "*/5 * * * *",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: []string{"^1", "<1.19.0", "~1.10", "1.5.x", ">=1.0.0 <1.3.0"}[i%5]}}},
		Status: v1alpha1.ImagePolicyStatus{
			ObservedGeneration: 1,
			Latest:             &v1alpha1.LatestImage{Tag: tag, Digest: digest, FoundAt: at},
			Current:            &v1alpha1.CurrentImage{ImageRecord: rec, ShortDigest: digest[7:19]},
			History:            []v1alpha1.ImageRecord{rec},
			LastScan:           &v1alpha1.ScanRecord{Time: at, Duration: metav1.Duration{Duration: 35 * time.Millisecond}, TagCount: 200, Requests: 3},
			NextScanAt:         &next,
			Conditions: []metav1.Condition{
				{Type: v1alpha1.ConditionScanned, Status: metav1.ConditionTrue, ObservedGeneration: 1, LastTransitionTime: at,
					Reason: v1alpha1.ReasonSucceeded, Message: "latest allowed tag is " + tag + " (" + digest[7:19] + ") among 200 tags"},
				{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: 1, LastTransitionTime: at,
					Reason: v1alpha1.ReasonSucceeded, Message: "pods are pinned to " + rec.Image},
			},
		},
	}
}
