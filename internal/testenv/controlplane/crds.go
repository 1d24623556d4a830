package controlplane

import (
	"context"
	"fmt"
	"path/filepath"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/buildtool"
)

// CreateCRDs installs the CustomResourceDefinitions in paths (manifests or
// folders of them; a relative path is from the repository root) and waits
// until the API server serves them. CRDs that exist are updated.
func (c *ControlPlane) CreateCRDs(paths ...string) error {
	opts, err := crdOptions(paths)
	if err != nil {
		return err
	}
	if _, err := envtest.InstallCRDs(c.Config, opts); err != nil {
		return fmt.Errorf("install CRDs %v: %w", paths, err)
	}
	return nil
}

// DeleteCRDs deletes the CustomResourceDefinitions in paths (as CreateCRDs
// reads them), and with them their objects, and waits until the API server
// no longer serves them. CRDs that do not exist count as deleted.
func (c *ControlPlane) DeleteCRDs(ctx context.Context, paths ...string) error {
	opts, err := crdOptions(paths)
	if err != nil {
		return err
	}
	if err := envtest.ReadCRDFiles(&opts); err != nil {
		return fmt.Errorf("read CRDs %v: %w", paths, err)
	}
	cl, err := client.New(c.Config, client.Options{})
	if err != nil {
		return err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return err
	}
	for _, crd := range opts.CRDs {
		if err := cl.Delete(ctx, crd); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete CRD %s: %w", crd.Name, err)
		}
	}
	for _, crd := range opts.CRDs {
		if err := waitCRDGone(ctx, cl, dc, crd); err != nil {
			return err
		}
	}
	return nil
}

// waitCRDGone waits until crd is deleted and no version of it is served.
func waitCRDGone(ctx context.Context, cl client.Client, dc discovery.DiscoveryInterface, crd *apiextensionsv1.CustomResourceDefinition) error {
	err := wait.PollUntilContextTimeout(ctx, pollInterval, startTimeout, true, func(ctx context.Context) (bool, error) {
		err := cl.Get(ctx, client.ObjectKeyFromObject(crd), &apiextensionsv1.CustomResourceDefinition{})
		if !apierrors.IsNotFound(err) {
			return false, client.IgnoreNotFound(err)
		}
		for _, v := range crd.Spec.Versions {
			served, err := servedResources(dc, crd.Spec.Group+"/"+v.Name)
			if err != nil || served[crd.Spec.Names.Plural] {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s still served: %w", crd.Name, err)
	}
	return nil
}

// servedResources returns the resources the API server serves in
// groupVersion; none when it serves no such group version.
func servedResources(dc discovery.DiscoveryInterface, groupVersion string) (map[string]bool, error) {
	list, err := dc.ServerResourcesForGroupVersion(groupVersion)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", groupVersion, err)
	}
	served := map[string]bool{}
	for _, r := range list.APIResources {
		served[r.Name] = true
	}
	return served, nil
}

// InstallCRDs installs the CustomResourceDefinitions in paths (see
// CreateCRDs) for the rest of t; when t ends it deletes them and waits
// until they are gone.
func (c *ControlPlane) InstallCRDs(t testenv.TB, paths ...string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := c.DeleteCRDs(ctx, paths...); err != nil {
			t.Errorf("remove the CRDs the test installed: %v", err)
		}
	})
	if err := c.CreateCRDs(paths...); err != nil {
		t.Fatal(err)
	}
}

// RemoveCRDs deletes the CustomResourceDefinitions in paths (see
// CreateCRDs) for the rest of t, so that t sees a cluster without them,
// and installs them again when t ends. Tests that need those CRDs must not
// run in parallel with t.
func (c *ControlPlane) RemoveCRDs(t testenv.TB, paths ...string) {
	t.Helper()
	t.Cleanup(func() {
		if err := c.CreateCRDs(paths...); err != nil {
			t.Errorf("install the CRDs the test removed again: %v", err)
		}
	})
	if err := c.DeleteCRDs(t.Context(), paths...); err != nil {
		t.Fatal(err)
	}
}

// crdOptions are envtest's options for the CRDs in paths.
func crdOptions(paths []string) (envtest.CRDInstallOptions, error) {
	root, err := buildtool.RepoRoot()
	if err != nil {
		return envtest.CRDInstallOptions{}, err
	}
	abs := make([]string, len(paths))
	for i, p := range paths {
		if abs[i] = p; !filepath.IsAbs(p) {
			abs[i] = filepath.Join(root, p)
		}
	}
	return envtest.CRDInstallOptions{Paths: abs, ErrorIfPathMissing: true}, nil
}
