package main

import (
	"cmp"
	"flag"

	"github.com/cutover/cutover/monitor/config"
)

// inputOpts are the flags watch and collect share: the cutover file and
// what overrides where its SIP comes from (the HEP collector's address,
// an interface capture and its filter).
type inputOpts struct {
	config, listen, iface, bpf string
}

func (o *inputOpts) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.config, "c", "", "the cutover file (cutover.toml)")
	fs.StringVar(&o.listen, "listen", "", "HEP collector address, overriding [hep] listen (e.g. :9060)")
	fs.StringVar(&o.iface, "iface", "", "also capture SIP from this network interface (AF_PACKET, needs CAP_NET_RAW), overriding [capture] iface")
	fs.StringVar(&o.bpf, "bpf", "", "the capture's kernel filter: a tcpdump expression (compiled with tcpdump) or tcpdump -ddd's program, overriding [capture] bpf")
}

// load reads the cutover file with the flags' overrides applied.
func (o *inputOpts) load() (*config.File, error) {
	f, err := config.Load(o.config)
	if err != nil {
		return nil, err
	}
	f.HEP.Listen = cmp.Or(o.listen, f.HEP.Listen)
	f.Capture.Iface, f.Capture.BPF = cmp.Or(o.iface, f.Capture.Iface), cmp.Or(o.bpf, f.Capture.BPF)
	return f, nil
}
