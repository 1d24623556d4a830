package process

import (
	"context"
	"os/exec"
)

// Command returns the command of a short-lived tool (helm, kubectl), tied
// to us as the processes of Start are: on Linux the kernel kills it when
// the thread that started it dies, so a demo killed with SIGKILL leaves no
// helm behind. Unlike those of Start, it stays in our process group, and
// it keeps no log: the caller takes its output. The end of ctx kills it,
// as with exec.CommandContext.
func Command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = toolProcAttr()
	return cmd
}
