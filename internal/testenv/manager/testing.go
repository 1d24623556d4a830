package manager

import "github.com/imagepin/imagepin/internal/testenv"

// StartT starts m for t and stops it when t ends: t fails when the manager
// does not become ready, or does not exit 0 within the grace period after
// SIGTERM. When t has failed, the end of the manager's log is logged.
func StartT(t testenv.TB, m *Manager) {
	t.Helper()
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("imagepin manager log (end):\n%s", m.LogTail())
		}
		if err := m.Stop(); err != nil {
			t.Errorf("%v", err)
		}
	})
}
