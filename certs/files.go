package certs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// dataLink is the symlink that names the folder of the current key pair,
// as the kubelet lays out a Secret volume.
const dataLink = "..data"

// writeFiles makes dir hold files (name → content), all replaced at once:
// each name is a symlink into the folder that dataLink points to, and one
// rename of dataLink switches every file. A reader, such as the certwatcher,
// therefore never meets a new certificate with an old key. It reports
// whether anything changed.
func writeFiles(dir string, files map[string][]byte) (bool, error) {
	if holds(dir, files) {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create cert dir: %w", err)
	}
	data, err := os.MkdirTemp(dir, "..tls-")
	if err != nil {
		return false, fmt.Errorf("create key pair folder: %w", err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(data, name), content, 0o600); err != nil {
			return false, errors.Join(fmt.Errorf("write %s: %w", name, err), os.RemoveAll(data))
		}
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	if err := replaceLink(dir, dataLink, filepath.Base(data)); err != nil {
		return false, errors.Join(err, os.RemoveAll(data))
	}
	for name := range files {
		if err := replaceLink(dir, name, filepath.Join(dataLink, name)); err != nil {
			return false, err
		}
	}
	if old != "" && old != filepath.Base(data) {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return true, fmt.Errorf("remove the previous key pair: %w", err)
		}
	}
	return true, nil
}

// replaceLink makes dir/name a symlink to target, atomically.
func replaceLink(dir, name, target string) error {
	if current, err := os.Readlink(filepath.Join(dir, name)); err == nil && current == target {
		return nil
	}
	tmp := filepath.Join(dir, name+".tmp")
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", tmp, err)
	}
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("replace %s: %w", name, err)
	}
	return nil
}

// holds reports whether every file in dir already has its content.
func holds(dir string, files map[string][]byte) bool {
	for name, content := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, content) {
			return false
		}
	}
	return true
}
