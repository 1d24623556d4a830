package registry_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

// TestNotificationsAndAccessLog pushes a tag to a registry configured with
// a notification endpoint and an access log: the endpoint receives the
// manifest push, and Requests counts one tag listing.
func TestNotificationsAndAccessLog(t *testing.T) {
	t.Parallel()
	type event struct {
		Action string `json:"action"`
		Target struct {
			Repository, Tag string
		} `json:"target"`
		Request struct {
			Host string `json:"host"`
		} `json:"request"`
	}
	var mu sync.Mutex
	var pushes []event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var env struct{ Events []event }
		if err := json.NewDecoder(req.Body).Decode(&env); err != nil {
			t.Errorf("notification body: %v", err)
		}
		mu.Lock()
		for _, ev := range env.Events {
			if ev.Action == "push" && ev.Target.Tag != "" {
				pushes = append(pushes, ev)
			}
		}
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	r := registry.StartT(t, registry.Options{NotifyURL: srv.URL + "/events", AccessLog: true})
	if _, err := r.Push(t.Context(), "team/app", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.List(mustRepo(t, r.Repo("team/app")), remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(pushes)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pushes) != 1 || pushes[0].Target.Repository != "team/app" || pushes[0].Target.Tag != "1.0.0" || pushes[0].Request.Host != r.Host {
		t.Errorf("manifest push events = %+v, want one for team/app:1.0.0 on %s", pushes, r.Host)
	}
	if n, err := r.Requests(http.MethodGet, "/v2/team/app/tags/list"); err != nil || n != 1 {
		t.Errorf("Requests counted %d tag listings (%v), want 1", n, err)
	}
}
