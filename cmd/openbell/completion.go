package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/cli"
	"github.com/openbell/openbell/internal/listen"
)

const completionUsage = `Usage: openbell completion bash|zsh|fish

Prints a completion script for the shell. Load it with:

  bash   source <(openbell completion bash)            (in ~/.bashrc)
  zsh    source <(openbell completion zsh)             (in ~/.zshrc, after compinit)
  fish   openbell completion fish | source             (in ~/.config/fish/config.fish)
`

// completed is what the scripts complete after each command: its words
// (subcommands or arguments) and its flags.
type completed struct {
	name  string
	words []string
	flags []*flag.Flag
}

func completedCommands() []completed {
	flagsOf := func(fs *flag.FlagSet) []*flag.Flag {
		var out []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) { out = append(out, f) })
		return out
	}
	return []completed{
		{name: "serve", flags: flagsOf(app.ServeFlags())},
		{name: "token", words: []string{"create", "list", "revoke"}, flags: flagsOf(app.TokenFlags())},
		{name: "user", words: []string{"password"}, flags: flagsOf(app.UserFlags())},
		{name: "listen", flags: flagsOf(listen.Flags())},
		{name: "healthcheck", flags: flagsOf(app.HealthcheckFlags())},
		{name: "backup", flags: flagsOf(app.BackupFlags())},
		{name: "completion", words: []string{"bash", "zsh", "fish"}},
	}
}

func completion(args []string, stdout io.Writer) error {
	if len(args) == 1 {
		switch args[0] {
		case "bash":
			return bashCompletion(stdout)
		case "zsh":
			return zshCompletion(stdout)
		case "fish":
			return fishCompletion(stdout)
		case "-h", "-help", "--help":
			fmt.Fprint(stdout, completionUsage)
			return nil
		}
	}
	got := "nothing"
	if len(args) > 0 {
		got = fmt.Sprintf("%q", strings.Join(args, " "))
	}
	return &cli.UsageError{Command: "openbell completion", Problem: "openbell completion needs one shell, bash, zsh or fish; got " + got}
}

func flagWords(c completed) string {
	var w []string
	for _, f := range c.flags {
		w = append(w, "--"+f.Name)
	}
	return strings.Join(w, " ")
}

func bashCompletion(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# bash completion for openbell: source <(openbell completion bash)
_openbell() {
    local cur=${COMP_WORDS[COMP_CWORD]} words=""
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "` + strings.Join(commands, " ") + ` --version --help" -- "$cur"))
        return
    fi
    case ${COMP_WORDS[1]} in
`)
	for _, c := range completedCommands() {
		fmt.Fprintf(&b, "    %s)\n", c.name)
		if len(c.words) > 0 {
			fmt.Fprintf(&b, "        if [[ $COMP_CWORD -eq 2 ]]; then\n            COMPREPLY=($(compgen -W %q -- \"$cur\"))\n            return\n        fi\n", strings.Join(c.words, " "))
		}
		fmt.Fprintf(&b, "        words=%q ;;\n", flagWords(c))
	}
	b.WriteString(`    esac
    # A flag's value (a file, a directory, an address) completes as a path.
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$words --help" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _openbell openbell
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func zshCompletion(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`#compdef openbell
# zsh completion for openbell: source <(openbell completion zsh), after compinit
_openbell() {
    if (( CURRENT == 2 )); then
        compadd -- ` + strings.Join(commands, " ") + ` --version --help
        return
    fi
    local -a flags
    case $words[2] in
`)
	for _, c := range completedCommands() {
		fmt.Fprintf(&b, "    %s)\n", c.name)
		if len(c.words) > 0 {
			fmt.Fprintf(&b, "        if (( CURRENT == 3 )); then\n            compadd -- %s\n            return\n        fi\n", strings.Join(c.words, " "))
		}
		fmt.Fprintf(&b, "        flags=(%s) ;;\n", flagWords(c))
	}
	b.WriteString(`    esac
    if [[ $PREFIX == -* ]]; then
        compadd -- $flags --help
    else
        _files
    fi
}
if [[ $funcstack[1] == _openbell ]]; then
    _openbell "$@"
else
    compdef _openbell openbell
fi
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func fishCompletion(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# fish completion for openbell: openbell completion fish | source\n")
	b.WriteString("complete -c openbell -f -n __fish_use_subcommand -a '" + strings.Join(commands, " ") + "'\n")
	b.WriteString("complete -c openbell -n __fish_use_subcommand -l version -d 'print the version'\n")
	for _, c := range completedCommands() {
		cond := "__fish_seen_subcommand_from " + c.name
		if len(c.words) > 0 {
			fmt.Fprintf(&b, "complete -c openbell -f -n '%s; and not __fish_seen_subcommand_from %s' -a '%s'\n",
				cond, strings.Join(c.words, " "), strings.Join(c.words, " "))
		}
		for _, f := range c.flags {
			usage := f.Usage
			if i := strings.IndexAny(usage, ";("); i > 0 {
				usage = usage[:i]
			}
			usage = strings.TrimSpace(strings.NewReplacer("'", `\'`, "`", "").Replace(usage))
			takesValue := " -r" // a bool flag takes none
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				takesValue = ""
			}
			fmt.Fprintf(&b, "complete -c openbell -n '%s' -l %s%s -d '%s'\n", cond, f.Name, takesValue, usage)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
