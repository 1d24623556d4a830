package testenv

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// recordingTB records what Run reports and runs cleanups on demand.
type recordingTB struct {
	TB
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestRun: start runs until stop or cleanup, which cancel its context and
// wait for it; its error is reported once, named; stop twice is harmless.
func TestRun(t *testing.T) {
	for _, fail := range []bool{false, true} {
		r := &recordingTB{}
		started, returned := make(chan struct{}), false
		stop := Run(r, "server", func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			returned = true
			if fail {
				return errors.New("boom")
			}
			return nil
		})
		<-started
		if len(r.cleanups) != 1 {
			t.Fatalf("%d cleanups registered, want 1", len(r.cleanups))
		}
		stop()
		if !returned {
			t.Error("stop returned before start did")
		}
		r.cleanups[0]()
		want := []string(nil)
		if fail {
			want = []string{"server: boom"}
		}
		if fmt.Sprint(r.errors) != fmt.Sprint(want) {
			t.Errorf("fail=%t: reported %q, want %q", fail, r.errors, want)
		}
	}
}
