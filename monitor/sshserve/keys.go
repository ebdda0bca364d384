// Package sshserve serves the war room over SSH: each operator's key,
// named in an authorized_keys file, gets a screen of its own on the same
// live fold (charm's wish). Who may connect, under which name and
// whether they may act is the keys file's; what a screen shows and does
// is the caller's (Options.Screen).
package sshserve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/cutover/cutover/monitor/termsafe"
)

// Key is one operator's key from the keys file.
type Key struct {
	Name     string // recorded with every action and note
	ReadOnly bool   // watches, cannot act
	Key      ssh.PublicKey
	Line     int
}

// The keys file is OpenSSH's authorized_keys format. A key's operator is
// named by the option cutover-name="ana", else by the line's comment;
// the option cutover-read-only makes a watcher who cannot act.
const (
	optName     = "cutover-name"
	optReadOnly = "cutover-read-only"
)

// harmless are OpenSSH options the server honours by what it is: it
// forwards nothing and runs no commands.
var harmless = map[string]bool{"restrict": true, "no-port-forwarding": true, "no-agent-forwarding": true,
	"no-x11-forwarding": true, "no-user-rc": true}

// LoadKeys reads the keys file at path.
func LoadKeys(path string) ([]Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssh keys: %w", err)
	}
	return ParseKeys(path, bytes.NewReader(data))
}

// ParseKeys reads a keys file (name for its errors): every key line must
// parse and have a name, no key twice, at least one key. An error names
// the file and line.
func ParseKeys(name string, r io.Reader) ([]Key, error) {
	var keys []Key
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		k.Line = n
		fp := gossh.FingerprintSHA256(k.Key)
		if first, ok := seen[fp]; ok {
			return nil, fmt.Errorf("%s:%d: the key of line %d again (%s): one name per key", name, n, first, fp)
		}
		seen[fp] = n
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no keys: nobody could connect", name)
	}
	return keys, nil
}

func parseLine(line string) (Key, error) {
	pk, comment, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return Key{}, fmt.Errorf("not an authorized_keys line (options, key type, key, comment): %v", err)
	}
	k := Key{Key: pk, Name: strings.TrimSpace(comment)}
	for _, o := range options {
		opt, val, hasVal := strings.Cut(o, "=")
		switch opt = strings.ToLower(opt); {
		case opt == optReadOnly && !hasVal:
			k.ReadOnly = true
		case opt == optName && hasVal:
			v, err := unquote(val)
			if err != nil {
				return Key{}, err
			}
			k.Name = v
		case harmless[opt] && !hasVal:
		default:
			return Key{}, fmt.Errorf("option %s is not supported (cutover-name=\"…\", cutover-read-only, restrict, no-*-forwarding)", termsafe.Line(o))
		}
	}
	switch {
	case k.Name == "":
		return Key{}, fmt.Errorf("the key has no operator name: give it a comment or cutover-name=\"…\"")
	case strings.ContainsFunc(k.Name, termsafe.IsControl) || len(k.Name) > 64:
		return Key{}, fmt.Errorf("operator name %s: want at most 64 printable characters", termsafe.Line(k.Name))
	}
	return k, nil
}

func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", fmt.Errorf("cutover-name wants a quoted name, such as cutover-name=\"ana\", got %s", termsafe.Line(v))
	}
	return strings.TrimSpace(strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)), nil
}

// lookup is the key's operator (nil: not in the file).
func lookup(keys []Key, pk ssh.PublicKey) *Key {
	for i := range keys {
		if ssh.KeysEqual(keys[i].Key, pk) {
			return &keys[i]
		}
	}
	return nil
}
