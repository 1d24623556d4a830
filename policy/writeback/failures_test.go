package writeback_test

import (
	"strings"
	"testing"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestWriteBackFailures: each failure makes no commit, sets WrittenBack to
// False with its reason and a message without secrets, records a Warning
// event, and leaves the rest of the status (the scanner's) alone.
func TestWriteBackFailures(t *testing.T) {
	const badPassword = "not-the-password-42"
	tests := map[string]struct {
		setup  func(*testing.T, *fixture)
		spec   func(*v1alpha1.GitWriteBack)
		reason string
		msg    string
	}{
		"wrong password": {
			setup: func(t *testing.T, f *fixture) {
				f.secret(t, "bad", map[string]string{"username": gitUser, "password": badPassword})
			},
			spec:   func(g *v1alpha1.GitWriteBack) { g.SecretRef.Name = "bad" },
			reason: v1alpha1.ReasonAuthenticationFailed, msg: "authentication failed",
		},
		"no credentials": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.SecretRef = nil },
			reason: v1alpha1.ReasonAuthenticationFailed, msg: "authentication required",
		},
		"missing Secret": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.SecretRef.Name = "nope" },
			reason: v1alpha1.ReasonSecretNotFound, msg: "/nope",
		},
		"SSH key for an HTTP URL": {
			setup:  func(t *testing.T, f *fixture) { f.secret(t, "ssh", map[string]string{"identity": badPassword}) },
			spec:   func(g *v1alpha1.GitWriteBack) { g.SecretRef.Name = "ssh" },
			reason: v1alpha1.ReasonInvalidSecret, msg: "identity is for ssh:// URLs",
		},
		"protected branch": {
			setup: func(t *testing.T, f *fixture) {
				if err := f.git.Protect("main is protected"); err != nil {
					t.Fatal(err)
				}
			},
			reason: v1alpha1.ReasonPushRejected, msg: "push rejected",
		},
		"missing branch": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.Branch = "release" },
			reason: v1alpha1.ReasonNotFound, msg: "release",
		},
		"unreachable server": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.URL = "http://127.0.0.1:1/repo.git" },
			reason: v1alpha1.ReasonGitUnavailable, msg: "connection refused",
		},
		"no markers under the path": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.Path = "docs" },
			reason: v1alpha1.ReasonNoMarkers, msg: `no marker {"$imagepin": "`,
		},
		"path that does not exist": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.Path = "nothing/here" },
			reason: v1alpha1.ReasonNoMarkers, msg: "under nothing/here of",
		},
		"bad message template": {
			spec:   func(g *v1alpha1.GitWriteBack) { g.MessageTemplate = "{{ .Nope" },
			reason: v1alpha1.ReasonInvalidSpec, msg: "messageTemplate",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			startWriteBack(t, f.ns)
			var mods []func(*v1alpha1.GitWriteBack)
			if tc.spec != nil {
				mods = append(mods, tc.spec)
			}
			app := f.policy(t, "app", mods...)
			setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)

			waitFor(t, app, "WrittenBack False "+tc.reason, writtenBack(metav1.ConditionFalse, tc.reason))
			c := condition(app, v1alpha1.ConditionWrittenBack)
			t.Logf("WrittenBack: %s: %s", c.Reason, c.Message)
			if !strings.Contains(c.Message, tc.msg) || strings.Contains(c.Message, badPassword) || strings.Contains(c.Message, gitPassword) {
				t.Errorf("message %q; want it to contain %q and no secret", c.Message, tc.msg)
			}
			if n := len(f.git.LogT(t)); n != 1 {
				t.Errorf("%d commits; want only the seed", n)
			}
			if app.Status.WriteBack != nil || condition(app, v1alpha1.ConditionReady).Status != metav1.ConditionTrue || app.Status.Current.Tag != "1.0.0" {
				t.Errorf("write-back touched more than its condition: %+v", app.Status)
			}
			waitForEvent(t, app, tc.reason)
		})
	}
}

// waitForEvent waits for a Warning event with reason about p.
func waitForEvent(t *testing.T, p *v1alpha1.ImagePolicy, reason string) {
	t.Helper()
	waitUntil(t, "a "+reason+" event", func() bool {
		var events eventsv1.EventList
		if err := cl.List(t.Context(), &events, client.InNamespace(p.Namespace)); err != nil {
			t.Fatal(err)
		}
		for _, e := range events.Items {
			if e.Regarding.Name == p.Name && e.Reason == reason && e.Type == "Warning" {
				return !strings.Contains(e.Note, gitPassword)
			}
		}
		return false
	})
}
