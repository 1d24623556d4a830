package writeback_test

import (
	"context"
	"fmt"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/imagepin/imagepin/internal/metawatch"
	"github.com/imagepin/imagepin/policy/writeback"
)

// This is how imagepin's manager wires Git write-back: beside the scanner,
// on the elected leader, with its clones in a writable folder (the
// container's /tmp). SetupWithManager registers the TargetIndex itself.
func ExampleNew() {
	ctx := ctrl.SetupSignalHandler()
	cfg, err := ctrl.GetConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{LeaderElection: true, LeaderElectionID: "imagepin-scanner"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := addWriteBack(ctx, mgr, "", writeback.DefaultDebounce, writeback.DefaultResync, writeback.DefaultTimeout); err != nil {
		fmt.Println(err)
		return
	}
	_ = mgr.Start(ctx)
}

// addWriteBack is what `imagepin manager` runs for --git-cache-dir,
// --writeback-debounce, --writeback-resync and --writeback-timeout.
func addWriteBack(ctx context.Context, mgr ctrl.Manager, cacheDir string, debounce, resync, timeout time.Duration) error {
	if cacheDir == "" {
		var err error
		if cacheDir, err = os.MkdirTemp("", "imagepin-git-"); err != nil {
			return fmt.Errorf("git cache dir: %w", err)
		}
	}
	// One metadata cache per manager: the scanner takes its Secret events
	// from the same one.
	meta, err := metawatch.NewCache(mgr)
	if err != nil {
		return fmt.Errorf("write-back: %w", err)
	}
	wb, err := writeback.New(writeback.Options{
		Client:     mgr.GetClient(),
		APIReader:  mgr.GetAPIReader(),
		Events:     mgr.GetEventRecorder("imagepin-writeback"),
		Registerer: ctrlmetrics.Registry,
		Metadata:   meta,
		CacheDir:   cacheDir,
		Debounce:   debounce,
		Resync:     resync,
		Timeout:    timeout,
	})
	if err != nil {
		return fmt.Errorf("write-back: %w", err)
	}
	return wb.SetupWithManager(ctx, mgr)
}
