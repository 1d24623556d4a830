package yamledit_test

import (
	"errors"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/yamledit"
	"github.com/imagepin/imagepin/policy/writeback/yamledit/edittest"
)

func TestEdits(t *testing.T) {
	tests := map[string]struct {
		src, want string
		edit      func(*yamledit.Doc) error
	}{
		"set keeps single quotes": {"a: 'x' # c\n", "a: 'y' # c\n", func(d *yamledit.Doc) error {
			k, v := yamledit.Get(d.Root(), "a")
			return d.Set(k, v, "y")
		}},
		"set quotes a number": {"a: x\n", "a: \"1.10\"\n", func(d *yamledit.Doc) error {
			k, v := yamledit.Get(d.Root(), "a")
			return d.Set(k, v, "1.10")
		}},
		"add pairs to a nested block mapping": {"m:\n    a: 1\n    b: [x]\nz: 2\n", "m:\n    a: 1\n    b: [x]\n    c: d\nz: 2\n", func(d *yamledit.Doc) error {
			_, m := yamledit.Get(d.Root(), "m")
			return d.AddPairs(m, []yamledit.Pair{{Key: "c", Value: "d"}})
		}},
		"append to a wide sequence": {"s:\n    -   a: 1\n", "s:\n    -   a: 1\n    -   a: \"2\"\n        b: c\n", func(d *yamledit.Doc) error {
			_, s := yamledit.Get(d.Root(), "s")
			return d.AppendMapping(s, []yamledit.Pair{{Key: "a", Value: "2"}, {Key: "b", Value: "c"}})
		}},
		"new key at the end without a final newline": {"a: 1", "a: 1\ns:\n- k: v", func(d *yamledit.Doc) error {
			return d.SetSequence(d.Root(), nil, "s", []yamledit.Pair{{Key: "k", Value: "v"}})
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := yamledit.Parse([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.edit(d); err != nil {
				t.Fatal(err)
			}
			out, touched := d.Bytes()
			if string(out) != tc.want {
				t.Errorf("got %q; want %q", out, tc.want)
			}
			edittest.Check(t, []byte(tc.src), out, touched)
		})
	}
}

func TestRefusals(t *testing.T) {
	d, err := yamledit.Parse([]byte("a: &x 1\nb: !!str 2\nc: |\n  3\nd: \"x\n  y\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "b", "c", "d"} {
		k, v := yamledit.Get(d.Root(), key)
		if err := d.Set(k, v, "v"); !errors.Is(err, yamledit.ErrUnsupported) {
			t.Errorf("Set of %s: %v; want ErrUnsupported", key, err)
		}
	}
	k, v := yamledit.Get(d.Root(), "a")
	if err := d.Set(k, v, "has space"); err == nil {
		t.Error("a value that is not an image reference was accepted")
	}
}

// TestVerifyCatchesAWrongEdit: Verify compares data, so an edit that
// changed anything but the intended value is refused.
func TestVerifyCatchesAWrongEdit(t *testing.T) {
	set := func(data any) error { return yamledit.SetIn(data, "a", "2") }
	if err := yamledit.Verify([]byte("a: 1\nb: 1\n"), []byte("a: '2'\nb: 1\n"), set); err != nil {
		t.Errorf("the intended edit: %v", err)
	}
	if err := yamledit.Verify([]byte("a: 1\nb: 1\n"), []byte("a: '2'\nb: 2\n"), set); !errors.Is(err, yamledit.ErrUnsupported) {
		t.Errorf("an edit of b too: %v; want ErrUnsupported", err)
	}
}
