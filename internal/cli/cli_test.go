package cli

import (
	"flag"
	"io"
	"slices"
	"testing"
)

// TestParsePositionalAndEnv: flags may come around positional arguments,
// "--" ends the flags, and a variable fills only a flag not given.
func TestParsePositionalAndEnv(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		pos  []string
		n    int
		name string
	}{
		{[]string{"a", "--n", "2", "b"}, nil, []string{"a", "b"}, 2, ""},
		{[]string{"--n", "2", "--", "--name", "x"}, nil, []string{"--name", "x"}, 2, ""},
		{nil, map[string]string{"OPENBELL_N": "7", "OPENBELL_NAME": "env"}, nil, 7, "env"},
		{[]string{"--n=3"}, map[string]string{"OPENBELL_N": "not a number"}, nil, 3, ""},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		n := fs.Int("n", 1, "")
		name := fs.String("name", "", "")
		pos, err := Parse(fs, tc.args, func(k string) string { return tc.env[k] }, EnvName, io.Discard)
		if err != nil || !slices.Equal(pos, tc.pos) || *n != tc.n || *name != tc.name {
			t.Errorf("%v %v: %v %q n=%d name=%q; want %q n=%d name=%q", tc.args, tc.env, err, pos, *n, *name, tc.pos, tc.n, tc.name)
		}
	}
}
