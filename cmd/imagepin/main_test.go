package main

import (
	"os"
	"testing"
)

// runAsImagepin makes the test binary run imagepin's main instead of the
// tests, so that tests can start real imagepin processes.
const runAsImagepin = "IMAGEPIN_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsImagepin) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
