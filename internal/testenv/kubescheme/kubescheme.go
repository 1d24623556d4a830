// Package kubescheme builds the one scheme that tests and the test
// environment use: the Kubernetes types of client-go and imagepin's
// ImagePolicy, plus whatever a caller adds (cert-manager's types, say).
package kubescheme

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// AddFunc adds types to a scheme, as the AddToScheme of an API group does.
type AddFunc func(*runtime.Scheme) error

// New returns a scheme of the Kubernetes types, ImagePolicy and extra.
func New(extra ...AddFunc) (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range append([]AddFunc{clientgoscheme.AddToScheme, v1alpha1.AddToScheme}, extra...) {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("scheme: %w", err)
		}
	}
	return s, nil
}

// Must is New that panics on error, for a test package's variables.
func Must(extra ...AddFunc) *runtime.Scheme {
	s, err := New(extra...)
	if err != nil {
		panic(err)
	}
	return s
}

// NewT is New that fails t on error.
func NewT(t testenv.TB, extra ...AddFunc) *runtime.Scheme {
	t.Helper()
	s, err := New(extra...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
