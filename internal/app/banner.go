package app

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
)

// docsURL is where the documentation is read.
const docsURL = "https://github.com/openbell/openbell/tree/main/docs"

// printBanner tells the operator, once the server listens, where it is, how
// to authenticate (the new token, shown this once), where its data is, a
// first request to try and where to read on.
func printBanner(w io.Writer, url, publicURL, token string, cfg Config) {
	fmt.Fprintf(w, "\nopenbell %s is listening on %s\n\n", Version, url)
	fmt.Fprintf(w, "  API        %s/v1 (the Callbell REST API; GET /healthz needs no token)\n", url)
	fmt.Fprintf(w, "  inbox      %s/ (the web inbox: sign in with the token, or a user's password set by `openbell user password`)\n", publicURL)
	if publicURL != url {
		fmt.Fprintf(w, "  links      %s (--public-url)\n", publicURL)
	}
	example := token
	if token != "" {
		fmt.Fprintf(w, "  token      new, of the default account; shown only this once (only its hash is stored):\n\n    %s\n\n", token)
	} else {
		example = "$OPENBELL_TOKEN"
		fmt.Fprintf(w, "  token      the default account's tokens are stored hashed; `openbell token create` prints a new one\n")
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintf(w, "  data       PostgreSQL %s\n", redactURL(cfg.DatabaseURL))
	} else {
		fmt.Fprintf(w, "  data       %s (SQLite)\n", absPath(cfg.DataDir))
	}
	fmt.Fprintf(w, "  try        curl -H \"Authorization: Bearer %s\" %s/v1/contacts\n", example, url)
	fmt.Fprintf(w, "  docs       %s, `openbell --help`\n\n", docsURL)
}

// redactURL is a database URL without its password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unreadable URL)"
	}
	return u.Redacted()
}

// absPath is path made absolute when it can be.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
