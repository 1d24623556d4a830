package main

import (
	"errors"
	"io/fs"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	cases := map[string]struct {
		env   string
		files map[string]string
		want  int64
	}{
		"cgroup v2 limit":        {files: map[string]string{cgroupV2Limit: "268435456\n"}, want: 214748364},
		"cgroup v1 limit":        {files: map[string]string{cgroupV1Limit: "104857600\n"}, want: 83886080},
		"v2 first":               {files: map[string]string{cgroupV2Limit: "1000", cgroupV1Limit: "2000"}, want: 800},
		"v2 without a limit":     {files: map[string]string{cgroupV2Limit: "max\n", cgroupV1Limit: "2000"}, want: 0},
		"v1 without a limit":     {files: map[string]string{cgroupV1Limit: "9223372036854771712\n"}, want: 0},
		"no cgroup":              {want: 0},
		"GOMEMLIMIT set":         {env: "100MiB", files: map[string]string{cgroupV2Limit: "268435456"}, want: 0},
		"garbage is not a limit": {files: map[string]string{cgroupV2Limit: "-5"}, want: 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "GOMEMLIMIT" {
					return c.env
				}
				return ""
			}
			read := func(f string) ([]byte, error) {
				if v, ok := c.files[f]; ok {
					return []byte(v), nil
				}
				return nil, &fs.PathError{Op: "open", Path: f, Err: errors.New("no such file")}
			}
			if got := memoryLimit(getenv, read); got != c.want {
				t.Errorf("memoryLimit = %d, want %d", got, c.want)
			}
		})
	}
}
