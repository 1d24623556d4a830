//go:build !unix

package testenv

import (
	"errors"
	"os"
)

// lock does nothing where there are no flock locks.
func lock(*os.File) error {
	return nil
}

// tryLock fails: without locks no owner can be told dead, so sweep
// removes nothing.
func tryLock(*os.File) error {
	return errors.ErrUnsupported
}
