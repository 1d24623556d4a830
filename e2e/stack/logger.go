package stack

import (
	"io"
	"log/slog"

	"github.com/go-logr/logr"
)

// Logger is the logger that a program running a stack gives
// controller-runtime (log.SetLogger): errors, one line each, to w, and
// nothing else. Without one, controller-runtime prints "log.SetLogger(...)
// was never called" with a goroutine dump once envtest, which installs the
// control plane's CRDs, logs 30 s after the program started.
func Logger(w io.Writer) logr.Logger {
	return logr.FromSlogHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}
