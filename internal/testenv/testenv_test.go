package testenv_test

import (
	"testing"

	"github.com/imagepin/imagepin/internal/testenv"
)

func TestShortFollowsTheFlag(t *testing.T) {
	if testenv.Short() != testing.Short() {
		t.Errorf("Short() = %v, testing.Short() = %v", testenv.Short(), testing.Short())
	}
}

func TestSkipShort(t *testing.T) {
	ran := false
	t.Run("inner", func(t *testing.T) {
		testenv.SkipShort(t, "starts something")
		ran = true
	})
	if ran == testing.Short() {
		t.Errorf("under -short=%v the test ran: %v", testing.Short(), ran)
	}
}
