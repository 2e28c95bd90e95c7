package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/openbell/openbell/internal/cli"
)

const healthcheckUsage = `Usage: openbell healthcheck [--url URL | --addr HOST:PORT] [--timeout D]

Asks a running server's GET /healthz and exits 0 when it answers 200, 1
otherwise (not listening, starting, database unreachable, no answer within
--timeout). Meant for a container's health check, where no curl is at hand.
Without --url it asks the server of --addr (OPENBELL_ADDR, as openbell
serve reads it), on 127.0.0.1 when that address is 0.0.0.0 or [::].
`

// HealthcheckFlags returns the flags of `openbell healthcheck`, for shell
// completion.
func HealthcheckFlags() *flag.FlagSet {
	var o healthcheckOptions
	return o.flags()
}

type healthcheckOptions struct {
	url, addr string
	timeout   time.Duration
}

func (o *healthcheckOptions) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("openbell healthcheck", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), healthcheckUsage+"\nFlags:\n")
		cli.PrintFlags(fs.Output(), fs)
	}
	fs.StringVar(&o.url, "url", "", "the `URL` to ask; default http://<--addr>/healthz")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "the server's listen address, host:port (OPENBELL_ADDR)")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Second, "time the server has to answer")
	return fs
}

// RunHealthcheck runs `openbell healthcheck` with args: nil when the server
// answers GET /healthz with 200, an error saying what it answered otherwise.
func RunHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var o healthcheckOptions
	fs := o.flags()
	rest, err := cli.Parse(fs, args, getenv, func(name string) string {
		if name == "addr" {
			return cli.EnvName(name)
		}
		return ""
	}, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return cli.Usagef(fs, "unexpected argument %q", rest[0])
	}
	if o.timeout <= 0 {
		return cli.Usagef(fs, "--timeout: %s must be more than 0", o.timeout)
	}
	url := o.url
	if url == "" {
		if url, err = healthURL(o.addr); err != nil {
			return cli.Usagef(fs, "%v", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return cli.Usagef(fs, "--url: %q is not a URL", url)
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("unhealthy: %s did not answer within %s", url, o.timeout)
	} else if err != nil {
		return fmt.Errorf("unhealthy: %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	answer := strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", url, answer)
	}
	fmt.Fprintf(stdout, "healthy: %s answered %s\n", url, answer)
	return nil
}

// healthURL is the /healthz URL of a server listening on addr; an address
// of every interface is asked on loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("--addr: %q is not host:port, such as 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
