package config

import (
	"fmt"
	"strings"
)

// Capture is [capture]: live capture from a network interface (AF_PACKET)
// by `cutover watch` (its --iface and --bpf win). No Iface: none.
type Capture struct {
	Iface string // the interface ("lo", "eth0")
	// BPF is the kernel's filter: a tcpdump expression ("udp port 5060 or
	// udp portrange 10000-20000"), compiled with tcpdump when the watch
	// starts, or the program `tcpdump -ddd` printed. "": every packet.
	BPF string
}

type rawCapture struct {
	Iface string `toml:"iface"`
	BPF   string `toml:"bpf"`
}

func (b *builder) capture(r rawCapture) Capture {
	if err := CheckIface(r.Iface); r.Iface != "" && err != nil {
		b.fail("capture.iface", "%v", err)
	}
	return Capture(r)
}

// CheckIface refuses what Linux refuses as an interface name: empty,
// 16 bytes or more, "." or "..", or with '/', ':' or white space.
func CheckIface(name string) error {
	if name == "" || len(name) >= 16 || name == "." || name == ".." || strings.ContainsFunc(name, func(r rune) bool {
		return r == '/' || r == ':' || r <= ' ' || r == 0x7f
	}) {
		return fmt.Errorf("want a network interface name such as \"eth0\" or \"lo\" (under 16 characters, no '/', ':' or spaces), got %q", name)
	}
	return nil
}

// captureSummary is `cutover check`'s line for [capture] ("" without one).
func captureSummary(c Capture) string {
	switch {
	case c.Iface == "":
		return ""
	case c.BPF == "":
		return fmt.Sprintf("  capture  %s (AF_PACKET), every packet\n", c.Iface)
	}
	return fmt.Sprintf("  capture  %s (AF_PACKET), filter %q\n", c.Iface, c.BPF)
}
