// Package kustomize sets the image of an ImagePolicy in a kustomization's
// images list (newTag and digest), for Git write-back targets of kind
// kustomization. The entry is the one whose name or newName is the
// policy's repository; when there is none, one is added. Every other byte
// of the file stays as it was (package yamledit).
//
// Both newTag and digest are written: kustomize (v5) then builds
// repository:tag@digest, so the tag stays readable in Git and in the
// workload, and the digest decides what runs. Older kustomize versions
// keep only the digest.
package kustomize
