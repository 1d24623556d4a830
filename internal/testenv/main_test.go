package testenv_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv"
)

// ownerEnv makes the test binary act as a process that creates a TempDir
// with the prefix the variable holds, prints its path and exits without
// removing it, as a killed demo does.
const ownerEnv = "TESTENV_TEMPDIR_OWNER"

func TestMain(m *testing.M) {
	if prefix := os.Getenv(ownerEnv); prefix != "" {
		d, err := testenv.NewTempDir(prefix)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(d.Path)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
