package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor/config"
)

func checkFlags() (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	path := fs.String("c", "", "the cutover file (cutover.toml)")
	setUsage(fs, "Usage: cutover check -c cutover.toml\n\nValidate a cutover file and summarise it: trunks, numbers by port state,\nprobes, collector. A bad file is refused with its file, line and field.\nExit 0 valid, 1 refused, 2 bad invocation.\n\nFlags:\n")
	return fs, path
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs, path := checkFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *path == "" && fs.NArg() == 1 {
		*path = fs.Arg(0)
	} else if *path == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "cutover check: give the cutover file with -c cutover.toml")
		return errUsage
	}
	f, err := config.Load(*path)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, f.Summary())
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
