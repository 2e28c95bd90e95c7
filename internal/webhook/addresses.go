package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrPrivateAddress is the error of a connection refused by
// --webhook-deny-private.
var ErrPrivateAddress = errors.New("refused by --webhook-deny-private")

// refusePrivate is a net.Dialer Control function: it runs on the resolved
// address just before connecting, so a name that resolves (or re-resolves)
// to an internal address is refused as surely as a literal one.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", ErrPrivateAddress, host)
	}
	if kind := privateKind(ip); kind != "" {
		return fmt.Errorf("%w: %s is not globally reachable (%s)", ErrPrivateAddress, ip, kind)
	}
	return nil
}

// addressRange is a block of addresses that are not globally reachable
// (the IANA special-purpose address registries), and what it is.
type addressRange struct {
	prefix netip.Prefix
	kind   string
}

func ranges(kv ...string) []addressRange {
	out := make([]addressRange, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, addressRange{netip.MustParsePrefix(kv[i]), kv[i+1]})
	}
	return out
}

// The first range that holds an address names it, so narrower ranges come
// before the wider ones they sit in.
var (
	nonGlobal4 = ranges(
		"0.0.0.0/32", "unspecified",
		"0.0.0.0/8", "reserved", // "this network"
		"10.0.0.0/8", "private",
		"100.64.0.0/10", "shared address space", // carrier-grade NAT
		"127.0.0.0/8", "loopback",
		"169.254.0.0/16", "link-local", // cloud metadata services among them
		"172.16.0.0/12", "private",
		"192.0.0.0/24", "reserved", // IETF protocol assignments
		"192.0.2.0/24", "documentation",
		"192.88.99.0/24", "reserved", // the former 6to4 relay anycast
		"192.168.0.0/16", "private",
		"198.18.0.0/15", "benchmarking",
		"198.51.100.0/24", "documentation",
		"203.0.113.0/24", "documentation",
		"224.0.0.0/4", "multicast",
		"255.255.255.255/32", "broadcast",
		"240.0.0.0/4", "reserved",
	)
	nonGlobal6 = ranges(
		"::/128", "unspecified",
		"::1/128", "loopback",
		"64:ff9b:1::/48", "local-use NAT64",
		"100::/64", "reserved", // discard-only
		"2001:2::/48", "benchmarking",
		"2001:db8::/32", "documentation",
		"3fff::/20", "documentation",
		"fc00::/7", "unique-local",
		"fe80::/10", "link-local",
		"fec0::/10", "site-local",
		"ff00::/8", "multicast",
	)
	// IPv6 addresses that carry an IPv4 address in their last 32 bits.
	ipv4Mapped     = netip.MustParsePrefix("::ffff:0:0/96")
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	// globalUnicast6 is the only IPv6 block allocated for global unicast;
	// everything outside it (but the forms above) is reserved.
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
)

// privateKind names why ip may not be a webhook target (API.md section 4:
// any address that is not globally reachable), "" when it may. An IPv6
// address that embeds an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64)
// is judged by the IPv4 address it reaches.
func privateKind(ip netip.Addr) string {
	ip = ip.WithZone("")
	if !ip.IsValid() {
		return "invalid"
	}
	if ip.Is4() {
		return kindIn(nonGlobal4, ip)
	}
	if kind := kindIn(nonGlobal6[:2], ip); kind != "" { // :: and ::1 before the ::/96 form
		return kind
	}
	embedded := netip.AddrFrom4([4]byte(ip.AsSlice()[12:]))
	switch {
	case ipv4Mapped.Contains(ip):
		return embeddedKind(kindIn(nonGlobal4, embedded), "IPv4-mapped")
	case ipv4Compatible.Contains(ip):
		// A deprecated form (RFC 4291) that no network routes: refused
		// even when the address it embeds is global.
		if kind := kindIn(nonGlobal4, embedded); kind != "" {
			return embeddedKind(kind, "IPv4-compatible")
		}
		return "reserved, IPv4-compatible"
	case nat64.Contains(ip):
		return embeddedKind(kindIn(nonGlobal4, embedded), "NAT64")
	}
	if kind := kindIn(nonGlobal6, ip); kind != "" {
		return kind
	}
	if !globalUnicast6.Contains(ip) {
		return "reserved"
	}
	return ""
}

func kindIn(rs []addressRange, ip netip.Addr) string {
	for _, r := range rs {
		if r.prefix.Contains(ip) {
			return r.kind
		}
	}
	return ""
}

// embeddedKind names an IPv6 form of a refused IPv4 address, "" for the
// form of a global one.
func embeddedKind(kind, form string) string {
	if kind == "" {
		return ""
	}
	return kind + ", " + form
}
