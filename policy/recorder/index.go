package recorder

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/workload"
)

// RevisionRepositoryIndex is the field index of revision objects by the
// repositories their Pod template names by tag.
const RevisionRepositoryIndex = "imagepin.dev/revision-repository"

// indexRevisions registers RevisionRepositoryIndex for every revision kind.
func indexRevisions(ctx context.Context, indexer client.FieldIndexer) error {
	for _, kind := range workload.Kinds() {
		if err := indexer.IndexField(ctx, workload.NewObject(kind), RevisionRepositoryIndex, revisionRepositories); err != nil {
			return fmt.Errorf("index %s by repository: %w", kind, err)
		}
	}
	return nil
}

func revisionRepositories(obj client.Object) []string {
	repos, _ := workload.TemplateRepositories(obj)
	return repos
}
