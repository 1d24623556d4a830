// Command imagepin is the imagepin binary: the manager that runs in the
// cluster (webhook server and scanner), one-shot scans, and its version.
// This package only parses flags and wires packages together.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagepin:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "imagepin",
		Short:         "Keep workloads on the newest allowed image and pin every Pod to a digest",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newManagerCommand(), newScanCommand(), newScanNowCommand(), newVersionCommand())
	return root
}
