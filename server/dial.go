package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// errDenied marks a connection the address policy refused.
var errDenied = errors.New("address not allowed")

// metadataAddrs are cloud instance metadata services outside the
// private and link-local ranges.
var metadataAddrs = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT, Alibaba's 100.100.100.200
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 of any of the above
}

// dialGuard connects only to public addresses, to the hosts the
// configuration names (registries, the Hub endpoint), and to the prefixes
// it allows. It
// resolves a name once and dials the address it checked, so a name that
// resolves to a public address for the check and a private one for the
// connection (DNS rebinding) gets nowhere; every redirect is a new dial
// and is checked the same way.
type dialGuard struct {
	allow []netip.Prefix
	hosts map[string]bool // "host" (any port) or "host:port", lower case
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newDialGuard(c Config) (*dialGuard, error) {
	g := &dialGuard{hosts: map[string]bool{}, dial: (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext}
	for _, a := range c.AllowAddresses {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			ip, ierr := netip.ParseAddr(a)
			if ierr != nil {
				return nil, fmt.Errorf("config: allow_addresses: %q is not an address or CIDR prefix", a)
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		g.allow = append(g.allow, p.Masked())
	}
	for _, s := range c.Sources.push() {
		for _, r := range s.src.registries() {
			g.hosts[strings.ToLower(r)] = true
		}
	}
	for _, src := range []MLflowSource{c.Sources.MLflow, c.Sources.Databricks} {
		if u, err := url.Parse(src.TrackingURI); err == nil && u.Hostname() != "" && src.Secret != "" {
			g.hosts[strings.ToLower(u.Hostname())] = true
		}
	}
	// A Hub mirror the configuration names is allowed by name too.
	if u, err := url.Parse(c.HFEndpoint); err == nil && u.Hostname() != "" {
		g.hosts[strings.ToLower(u.Hostname())] = true
	}
	return g, nil
}

// transport is an HTTP transport whose every connection the guard checks.
func (g *dialGuard) transport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = g.DialContext
	return t
}

func (g *dialGuard) named(host, port string) bool {
	host = strings.ToLower(host)
	return g.hosts[host] || g.hosts[net.JoinHostPort(host, port)]
}

// permitted says whether ip may be dialled for a host no registry setting
// names.
func (g *dialGuard) permitted(ip netip.Addr) bool {
	for _, p := range g.allow {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range metadataAddrs {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// DialContext resolves addr, checks every address and dials the first
// permitted one that answers.
func (g *dialGuard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	named := g.named(host, port)
	var last error
	for _, ip := range ips {
		ip = ip.Unmap()
		if !named && !g.permitted(ip) {
			last = fmt.Errorf("connect to %s (%s): %w: loopback, link-local, private and metadata addresses need allow_addresses", host, ip, errDenied)
			continue
		}
		c, err := g.dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	if last == nil {
		last = fmt.Errorf("%s resolves to no address", host)
	}
	return nil, last
}
