package registry

import (
	"context"
	"os"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
)

// BinaryEnv names the environment variable that points at a registry binary,
// which then is used instead of building one with hack/registry.sh.
const BinaryEnv = "IMAGEPIN_REGISTRY_BIN"

const buildScript = "hack/registry.sh"

// Binary returns the path of the Distribution registry binary: $IMAGEPIN_REGISTRY_BIN
// when set, otherwise the last line that hack/registry.sh prints after building
// the binary if the cache does not hold it yet. The build takes minutes the
// first time on a machine, so ctx should allow for that.
func Binary(ctx context.Context) (string, error) {
	if bin := os.Getenv(BinaryEnv); bin != "" {
		return bin, nil
	}
	return buildtool.Run(ctx, buildScript)
}
