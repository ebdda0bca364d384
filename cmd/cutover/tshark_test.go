package main

import (
	"regexp"
	"strconv"
	"strings"
)

// The lines of `tshark -q -z sip,stat` that carry counts.
var (
	tsharkTotal = regexp.MustCompile(`Number of SIP messages: (\d+)`)
	tsharkCode  = regexp.MustCompile(`^\s+SIP (\d{3}) .*:\s+(\d+) Packets`)
	tsharkReq   = regexp.MustCompile(`^\s+([A-Z-]+)\s*:\s+(\d+) Packets`)
)

// parseSIPStat reads the output of `tshark -q -z sip,stat`: every test that
// cross-checks our counts against tshark's reads them here.
func parseSIPStat(out string) sipCounts {
	c := newCounts()
	section := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(line, "Status Codes"):
			section = "codes"
		case strings.Contains(line, "Request methods"):
			section = "requests"
		case strings.HasPrefix(strings.TrimSpace(line), "*"):
			section = ""
		}
		if m := tsharkTotal.FindStringSubmatch(line); m != nil {
			c.total, _ = strconv.ParseUint(m[1], 10, 64)
		} else if m := tsharkCode.FindStringSubmatch(line); m != nil && section == "codes" {
			code, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			c.codes[code] += n
		} else if m := tsharkReq.FindStringSubmatch(line); m != nil && section == "requests" {
			n, _ := strconv.Atoi(m[2])
			c.requests[m[1]] += n
		}
	}
	return c
}
