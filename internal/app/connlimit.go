package app

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// limitPerAddress bounds the connections one client address (the remote IP
// of the TCP connection: behind a reverse proxy, the proxy's) holds open at
// once: a connection beyond limit is closed as soon as it is accepted, before
// anything is read, so that one client cannot hold every socket and
// goroutine of the server. limit 0 means no limit.
func limitPerAddress(ln net.Listener, limit int, log *slog.Logger) net.Listener {
	if limit <= 0 {
		return ln
	}
	return &addressLimit{Listener: ln, max: limit, log: log, open: map[netip.Addr]int{}}
}

type addressLimit struct {
	net.Listener
	max int
	log *slog.Logger

	mu       sync.Mutex
	open     map[netip.Addr]int
	refused  int // since the last log line
	loggedAt time.Time
}

// Accept returns the next connection whose address is under the limit.
func (l *addressLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tcp, ok := c.RemoteAddr().(*net.TCPAddr)
		if !ok {
			return c, nil
		}
		ip := tcp.AddrPort().Addr().Unmap()
		if l.take(ip) {
			return &countedConn{Conn: c, l: l, ip: ip}, nil
		}
		c.Close()
	}
}

func (l *addressLimit) take(ip netip.Addr) bool {
	l.mu.Lock()
	if l.open[ip] < l.max {
		l.open[ip]++
		l.mu.Unlock()
		return true
	}
	// One log line a minute at most: a client that hammers must not flood
	// the log too.
	l.refused++
	refused, report := l.refused, time.Since(l.loggedAt) >= time.Minute
	if report {
		l.refused, l.loggedAt = 0, time.Now()
	}
	l.mu.Unlock()
	if report {
		l.log.Warn("refused connections over the limit per client address (--max-conns-per-ip)",
			slog.String("address", ip.String()), slog.Int("limit", l.max), slog.Int("refused", refused))
	}
	return false
}

func (l *addressLimit) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// countedConn gives its place back when closed (net/http closes every
// connection it accepted, once or more).
type countedConn struct {
	net.Conn
	l    *addressLimit
	ip   netip.Addr
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.release(c.ip) })
	return c.Conn.Close()
}

// CloseWrite lets net/http close its side of a connection gracefully (after
// an error answer) as it does on a bare *net.TCPConn.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
