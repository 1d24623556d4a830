package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// profileSeconds is the length of each CPU profile, taken while 10-container
// Pods are created directly, directWorkers at a time.
const profileSeconds = 15

// focus is a group of stack frames whose share of a profile the summary
// shows: the share of samples with a matching frame anywhere on the stack.
type focus struct{ label, regexp string }

// backgroundFocus is the work of the API server that does not come from the
// Pod creates: its watch-cache consistency check lists every resource from
// etcd every 5 minutes (DetectCacheInconsistency), which for 10,000
// ImagePolicies means decoding them all, seconds of CPU. When it falls into
// a profile, the CPU per Pod leaves it out.
func backgroundFocus() focus {
	return focus{"background: watch-cache consistency check (not per Pod)", `cacher\.\(\*consistencyChecker\)`}
}

// profileFocus says what to look for in each component's profile.
func profileFocus() map[string][]focus {
	return map[string][]focus{
		procAPIServer: {
			{"mutating webhook calls (review encoding, HTTPS, patch apply)", `admission/plugin/webhook/mutating`},
			{"JSON patch apply", `json-patch|jsonpatch`},
			{"matchConditions (CEL)", `webhook/matchconditions`},
			{"TLS", `crypto/tls`},
			{"etcd client", `go.etcd.io/etcd/client`},
			{"garbage collection", `gcBgMarkWorker`},
			backgroundFocus(),
		},
		procImagepin: {
			{"webhook HTTP handler (decode, handle, encode)", `controller-runtime/pkg/webhook/admission\.\(\*Webhook\)\.ServeHTTP`},
			{"imagepin webhook package", `imagepin/imagepin/webhook\.`},
			{"encoding/json", `encoding/json`},
			{"TLS", `crypto/tls`},
			{"informer cache lookups", `controller-runtime/pkg/cache|client-go/tools/cache`},
			{"garbage collection", `gcBgMarkWorker`},
		},
	}
}

// componentProfile is one component's CPU profile of one namespace's load.
type componentProfile struct {
	file  string
	total time.Duration // CPU samples in the profile
	// background is the share of total that is not caused by the load
	// (see backgroundFocus).
	background float64
	shares     map[string]string
	top        string // the heaviest functions by own time
}

// profileResult are the profiles taken during one namespace's load.
type profileResult struct {
	ns         string
	pods       int64 // created while the profiles ran
	components map[string]*componentProfile
}

// runProfiles profiles the API server under the load of each direct
// namespace, and imagepin too under enabled load.
func (f *fleet) runProfiles(ctx context.Context) ([]profileResult, error) {
	var out []profileResult
	for _, ns := range directNamespaces() {
		res, err := f.profile(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", ns, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (f *fleet) profile(ctx context.Context, ns string) (profileResult, error) {
	res := profileResult{ns: ns, components: map[string]*componentProfile{}}
	sources := map[string]func(context.Context) ([]byte, error){procAPIServer: f.apiProfile}
	if ns == nsDirectEnabled {
		sources[procImagepin] = f.pinProfile
	}
	var created atomic.Int64
	var stop atomic.Bool
	loadErr := make(chan error, 1)
	go func() { loadErr <- f.steadyLoad(ctx, ns, &created, &stop) }()
	time.Sleep(time.Second) // the load is under way when the profiles start
	startCount := created.Load()
	data, err := fetchAll(ctx, sources)
	res.pods = created.Load() - startCount
	stop.Store(true)
	if err := errors.Join(err, <-loadErr); err != nil {
		return res, err
	}
	for name, prof := range data {
		cp, err := f.saveProfile(fmt.Sprintf("%s-%s", name, ns), prof, profileFocus()[name])
		if err != nil {
			return res, err
		}
		res.components[name] = cp
	}
	return res, f.deletePods(ctx, ns)
}

// steadyLoad creates 10-container Pods in ns, directWorkers at a time,
// until stop is set.
func (f *fleet) steadyLoad(ctx context.Context, ns string, created *atomic.Int64, stop *atomic.Bool) error {
	var wg sync.WaitGroup
	errs := make([]error, directWorkers)
	for w := range directWorkers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				pod := f.directPod(ns, fmt.Sprintf("prof-%d-%05d", w, i), podShapes()[1])
				err := f.cl.Create(ctx, pod)
				if err == nil {
					err = checkPinned(pod, pinnedIn(ns))
				}
				if err != nil {
					errs[w] = err
					return
				}
				created.Add(1)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// fetchAll runs the profile fetches at the same time.
func fetchAll(ctx context.Context, sources map[string]func(context.Context) ([]byte, error)) (map[string][]byte, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string][]byte{}
	var errs []error
	for name, fetch := range sources {
		wg.Go(func() {
			data, err := fetch(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			out[name] = data
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// apiProfile fetches kube-apiserver's CPU profile (--profiling is on by
// default; the administrator may read /debug/pprof).
func (f *fleet) apiProfile(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*profileSeconds*time.Second)
	defer cancel()
	return f.admin.Get().AbsPath("/debug/pprof/profile").Param("seconds", fmt.Sprint(profileSeconds)).
		Timeout(2 * profileSeconds * time.Second).DoRaw(ctx)
}

// pinProfile fetches imagepin's CPU profile from the overlay's endpoint.
func (f *fleet) pinProfile(ctx context.Context) ([]byte, error) {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", f.pprofAddr, profileSeconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// saveProfile writes the profile and its reports into the output folder.
func (f *fleet) saveProfile(name string, data []byte, focuses []focus) (*componentProfile, error) {
	cp := &componentProfile{file: filepath.Join(f.out, name+".pprof"), shares: map[string]string{}}
	if err := os.WriteFile(cp.file, data, 0o644); err != nil {
		return nil, err
	}
	var err error
	if cp.top, err = pprofText(cp.file, "-top", "-nodecount=15"); err != nil {
		return nil, err
	}
	if cp.total, err = totalSamples(cp.top); err != nil {
		return nil, err
	}
	cum, err := pprofText(cp.file, "-top", "-cum", "-nodecount=40")
	if err != nil {
		return nil, err
	}
	report := cp.top + "\n" + cum
	for _, fc := range focuses {
		out, err := pprofText(cp.file, "-top", "-cum", "-nodecount=1", "-focus="+fc.regexp)
		if err != nil {
			return nil, err
		}
		cp.shares[fc.label] = firstCumShare(out)
		if fc == backgroundFocus() {
			cp.background = percent(cp.shares[fc.label])
		}
		report += fmt.Sprintf("\n%s (focus %s): %s of all samples\n", fc.label, fc.regexp, cp.shares[fc.label])
	}
	return cp, os.WriteFile(filepath.Join(f.out, name+"-top.txt"), []byte(report), 0o644)
}
