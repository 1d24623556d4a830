package process

import (
	"bytes"
	"fmt"
	"os"
)

// LogFile returns the path of the process's log.
func (p *Process) LogFile() string {
	return p.logFile
}

// LogTail returns the last n lines of the process's log, for error
// messages, or a note saying why there are none.
func (p *Process) LogTail(n int) string {
	return Tail(p.logFile, n)
}

// Tail returns the last n lines of the log file path, or a note saying why
// there are none. It also serves for the log of a stopped process.
func Tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
