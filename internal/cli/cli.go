// Package cli parses the flags of openbell's commands: one line for a bad
// flag, naming it, its value and what it takes, with a pointer to --help;
// --help written where asked (and reported as flag.ErrHelp, which is no
// failure); and each flag that is not given read from its environment
// variable, so that a bad variable only matters when its flag is not given.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// UsageError is a command line that cannot run: a bad flag, a bad variable,
// a missing or extra argument.
type UsageError struct {
	// Command is the command whose --help lists the flags ("openbell serve").
	Command string
	// Problem is one line: what is wrong and what is expected.
	Problem string
}

func (e *UsageError) Error() string {
	return fmt.Sprintf("%s (see %s --help)", e.Problem, e.Command)
}

// Usagef returns the UsageError of fs's command.
func Usagef(fs *flag.FlagSet, format string, args ...any) error {
	return &UsageError{Command: fs.Name(), Problem: fmt.Sprintf(format, args...)}
}

// EnvName is the variable a flag of openbell reads: OPENBELL_ and the
// flag's name in capitals with underscores (--rate-limit: OPENBELL_RATE_LIMIT).
func EnvName(flagName string) string {
	return "OPENBELL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args with fs. Flags may come before, between or after the
// positional arguments, which it returns. --help (-h) writes fs.Usage to
// help and returns flag.ErrHelp. Each flag not given on the command line
// whose env(name) names a variable that getenv finds set takes the
// variable's value; env may be nil.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string, env func(flagName string) string, help io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard) // the flag package prints the usage on any error
	var positional []string
	rest := args
	for {
		err := fs.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(help)
			fs.Usage()
			return nil, flag.ErrHelp
		}
		if err != nil {
			return nil, &UsageError{Command: fs.Name(), Problem: problem(fs, err)}
		}
		if fs.NArg() == 0 {
			break
		}
		// "--" ends the flags: everything after it is positional.
		if consumed := len(rest) - fs.NArg(); consumed > 0 && rest[consumed-1] == "--" {
			positional = append(positional, fs.Args()...)
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if env == nil {
		return positional, nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := env(f.Name)
		if err != nil || given[f.Name] || name == "" {
			return
		}
		v := getenv(name)
		if v == "" {
			return
		}
		if serr := f.Value.Set(v); serr != nil {
			err = &UsageError{Command: fs.Name(), Problem: name + ": " + expected(f, v, serr)}
		}
	})
	return positional, err
}

var (
	notDefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	noValue    = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	badValue   = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-+([^:]+): (.*)$`)
)

// problem rewrites an error of flag.FlagSet.Parse as one line.
func problem(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := notDefined.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown flag --%s", m[1])
	}
	if m := noValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	if m := badValue.FindStringSubmatch(msg); m != nil {
		value, uerr := strconv.Unquote(m[1])
		if f := fs.Lookup(m[2]); f != nil && uerr == nil {
			return "--" + f.Name + ": " + expected(f, value, errors.New(m[3]))
		}
	}
	return msg
}

// expected says why value does not suit flag f, and what would.
func expected(f *flag.Flag, value string, err error) string {
	var kind any
	if g, ok := f.Value.(flag.Getter); ok {
		kind = g.Get()
	}
	switch kind.(type) {
	case time.Duration:
		return DurationProblem(value)
	case int, int64, uint, uint64:
		if _, perr := strconv.ParseFloat(value, 64); perr == nil && !strings.ContainsAny(value, ".eE") {
			return fmt.Sprintf("%q is too large", value)
		}
		return fmt.Sprintf("%q is not a whole number", value)
	case bool:
		return fmt.Sprintf("%q is not true or false", value)
	}
	return fmt.Sprintf("%q: %v", value, err)
}

// DurationProblem says why value is not a duration in Go's syntax.
func DurationProblem(value string) string {
	if _, err := strconv.ParseFloat(value, 64); err == nil {
		return fmt.Sprintf("%q needs a unit, such as %ss", value, value)
	}
	return fmt.Sprintf("%q is not a duration: a number and a unit, such as 500ms, 10s, 5m or 1h", value)
}

// PrintFlags writes fs's flags as --help lists them: each with two dashes,
// its value's kind, its default and its usage.
func PrintFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "      %s\n", usage)
	})
}
