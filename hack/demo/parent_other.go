//go:build !linux

package main

// stopWithParent does nothing: only Linux signals the death of a parent
// (parentEnv is not read either). There a killed make demo leaves the demo
// running until Ctrl-C.
func stopWithParent() error {
	return nil
}
