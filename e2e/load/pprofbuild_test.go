package load

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
	"github.com/imagepin/imagepin/internal/testenv/manager"
)

// pprofOverlay is a file that the benchmark adds to package main of
// cmd/imagepin through `go build -overlay`, without touching the tree:
// `imagepin manager` has no profiling endpoint of its own. It serves
// net/http/pprof on $IMAGEPIN_LOAD_PPROF_ADDR when that is set.
const pprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("` + pprofAddrEnv + `"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

type buildResult struct {
	bin string
	err error
}

// buildProfiled builds imagepin into dir with the pprof overlay.
func buildProfiled(dir string) buildResult {
	root, err := buildtool.RepoRoot()
	if err != nil {
		return buildResult{err: err}
	}
	src := filepath.Join(dir, "zz_load_pprof.go")
	if err := os.WriteFile(src, []byte(pprofOverlay), 0o600); err != nil {
		return buildResult{err: err}
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(root, "cmd", "imagepin", "zz_load_pprof.go"): src},
	})
	if err != nil {
		return buildResult{err: err}
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		return buildResult{err: err}
	}
	bin, err := manager.Build(context.Background(), dir, "-overlay", overlayFile)
	return buildResult{bin: bin, err: err}
}
