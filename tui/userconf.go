package tui

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/pelletier/go-toml/v2"
)

// Per-user configuration, as k9s and btop have it: in
// $XDG_CONFIG_HOME/cutover/ (default ~/.config/cutover/), keys.toml
// remaps keys (an action's name = the list of its keys) and skin.toml
// colours the theme's roles. A file with a mistake is refused whole, with
// its file:line; the screen starts with the defaults for it and says so on
// the status line. The files are read once, before the screen starts.

// UserConfig is what the per-user files say.
type UserConfig struct {
	Keys     map[string][]string // keys.toml: action → its keys (nil: the defaults)
	Theme    *Theme              // skin.toml over DefaultTheme (nil: the default)
	Problems []string            // the files refused, and why (file:line: ...)
}

// UserConfigDir is $XDG_CONFIG_HOME/cutover, or ~/.config/cutover.
func UserConfigDir() string {
	if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "cutover")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "cutover")
}

// LoadUserConfig reads keys.toml and skin.toml from dir; a missing file
// is no problem, a bad one is refused (its defaults kept) and named in
// Problems, by the file's name (the status line is 80 columns; the
// README says where the files are).
func LoadUserConfig(dir string) UserConfig {
	var uc UserConfig
	if dir == "" {
		return uc
	}
	if data, name, ok := readUserFile(dir, "keys.toml", &uc); ok {
		keys, err := parseKeys(filepath.Base(name), data)
		uc.refuse(err)
		uc.Keys = keys
	}
	if data, name, ok := readUserFile(dir, "skin.toml", &uc); ok {
		th, err := parseSkin(filepath.Base(name), data)
		uc.refuse(err)
		uc.Theme = th
	}
	return uc
}

func readUserFile(dir, file string, uc *UserConfig) ([]byte, string, bool) {
	name := filepath.Join(dir, file)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, name, false
	}
	uc.refuse(err)
	return data, name, err == nil
}

func (uc *UserConfig) refuse(err error) {
	if err != nil {
		uc.Problems = append(uc.Problems, err.Error()+" (defaults used)")
	}
}

// userError is a mistake in a per-user file, at file:line:column as the
// config file's errors are.
type userError struct {
	file      string
	line, col int
	msg       string
}

func (e *userError) Error() string {
	s := e.file
	if e.line > 0 {
		s += ":" + strconv.Itoa(e.line)
		if e.col > 0 {
			s += ":" + strconv.Itoa(e.col)
		}
	}
	return s + ": " + e.msg
}

// decodeStrict decodes data into v: an unknown name or a value of the
// wrong type is an error at its line.
func decodeStrict(name string, data []byte, v any, what string) error {
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &strict) && len(strict.Errors) > 0:
		e := &strict.Errors[0]
		line, col := e.Position()
		return &userError{name, line, col, fmt.Sprintf("unknown %s %q", what, strings.Join(e.Key(), "."))}
	case errors.As(err, &de):
		line, col := de.Position()
		return &userError{name, line, col, de.Error()}
	}
	return &userError{file: name, msg: err.Error()}
}

// lineOf is the line where name is given a value in data (0: not found).
func lineOf(data []byte, name string) int {
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(name) + `"?\s*=`)
	for i, l := range strings.Split(string(data), "\n") {
		if re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// keyActions are the actions keys.toml remaps, by name. The dialog's y
// is not among them: what applies an action stays y everywhere.
var keyActions = []struct {
	name string
	of   func(*KeyMap) *key.Binding
}{
	{"up", func(k *KeyMap) *key.Binding { return &k.Up }},
	{"down", func(k *KeyMap) *key.Binding { return &k.Down }},
	{"page_up", func(k *KeyMap) *key.Binding { return &k.PageUp }},
	{"page_down", func(k *KeyMap) *key.Binding { return &k.PageDown }},
	{"top", func(k *KeyMap) *key.Binding { return &k.Top }},
	{"bottom", func(k *KeyMap) *key.Binding { return &k.Bottom }},
	{"next_pane", func(k *KeyMap) *key.Binding { return &k.NextPane }},
	{"prev_pane", func(k *KeyMap) *key.Binding { return &k.PrevPane }},
	{"enter", func(k *KeyMap) *key.Binding { return &k.Enter }},
	{"back", func(k *KeyMap) *key.Binding { return &k.Back }},
	{"request", func(k *KeyMap) *key.Binding { return &k.Request }},
	{"filter", func(k *KeyMap) *key.Binding { return &k.Filter }},
	{"sort", func(k *KeyMap) *key.Binding { return &k.Sort }},
	{"invert_sort", func(k *KeyMap) *key.Binding { return &k.Invert }},
	{"window", func(k *KeyMap) *key.Binding { return &k.Window }},
	{"pause", func(k *KeyMap) *key.Binding { return &k.Pause }},
	{"faster", func(k *KeyMap) *key.Binding { return &k.Faster }},
	{"slower", func(k *KeyMap) *key.Binding { return &k.Slower }},
	{"seek_back", func(k *KeyMap) *key.Binding { return &k.SeekBack }},
	{"seek_forward", func(k *KeyMap) *key.Binding { return &k.SeekFwd }},
	{"step_size", func(k *KeyMap) *key.Binding { return &k.StepSize }},
	{"prev_mark", func(k *KeyMap) *key.Binding { return &k.PrevMark }},
	{"next_mark", func(k *KeyMap) *key.Binding { return &k.NextMark }},
	{"seek_start", func(k *KeyMap) *key.Binding { return &k.SeekStart }},
	{"seek_end", func(k *KeyMap) *key.Binding { return &k.SeekEnd }},
	{"step", func(k *KeyMap) *key.Binding { return &k.Step }},
	{"goto", func(k *KeyMap) *key.Binding { return &k.GoTo }},
	{"note", func(k *KeyMap) *key.Binding { return &k.Note }},
	{"test_call", func(k *KeyMap) *key.Binding { return &k.TestCall }},
	{"sweep", func(k *KeyMap) *key.Binding { return &k.Sweep }},
	{"failover", func(k *KeyMap) *key.Binding { return &k.Failover }},
	{"restore", func(k *KeyMap) *key.Binding { return &k.Restore }},
	{"outbound", func(k *KeyMap) *key.Binding { return &k.Outbound }},
	{"undo", func(k *KeyMap) *key.Binding { return &k.Undo }},
	{"port", func(k *KeyMap) *key.Binding { return &k.Port }},
	{"actions", func(k *KeyMap) *key.Binding { return &k.Actions }},
	{"ack", func(k *KeyMap) *key.Binding { return &k.Ack }},
	{"board", func(k *KeyMap) *key.Binding { return &k.Board }},
	{"export", func(k *KeyMap) *key.Binding { return &k.Export }},
	{"command", func(k *KeyMap) *key.Binding { return &k.Command }},
	{"help", func(k *KeyMap) *key.Binding { return &k.Help }},
	{"quit", func(k *KeyMap) *key.Binding { return &k.Quit }},
}

// namedKeys are the key names a binding may use besides one character,
// as bubbletea spells them.
var namedKeys = map[string]bool{
	"up": true, "down": true, "left": true, "right": true, "home": true, "end": true,
	"pgup": true, "pgdown": true, "tab": true, "enter": true, "esc": true, "space": true,
	"backspace": true, "delete": true, "insert": true,
	"f1": true, "f2": true, "f3": true, "f4": true, "f5": true, "f6": true,
	"f7": true, "f8": true, "f9": true, "f10": true, "f11": true, "f12": true,
}

// validKey reports whether k is a key bubbletea names: one character,
// or a named key, either after ctrl+, alt+ or shift+.
func validKey(k string) bool {
	rest := k
	for {
		var ok bool
		for _, mod := range []string{"ctrl+", "alt+", "shift+"} {
			if r, found := strings.CutPrefix(rest, mod); found && r != "" {
				rest, ok = r, true
			}
		}
		if !ok {
			break
		}
	}
	if namedKeys[rest] {
		return true
	}
	r, n := utf8.DecodeRuneInString(rest)
	return n == len(rest) && r != utf8.RuneError && r > ' ' && r != 0x7f
}

// parseKeys reads keys.toml: action = ["key", ...].
func parseKeys(name string, data []byte) (map[string][]string, error) {
	var raw map[string][]string
	if err := decodeStrict(name, data, &raw, "action"); err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(keyActions))
	for _, a := range keyActions {
		known[a.name] = true
	}
	for n := range raw {
		if !known[n] {
			return nil, &userError{file: name, line: lineOf(data, n), msg: fmt.Sprintf("unknown action %q", n)}
		}
	}
	type owned struct {
		action string
		line   int
	}
	owner := map[string]owned{} // key → the action the file gave it to
	def := newKeyMap(false, false, false)
	for _, a := range keyActions { // a map has no file order: check in a fixed one
		keys, ok := raw[a.name]
		if !ok {
			continue
		}
		at := lineOf(data, a.name)
		bad := func(format string, args ...any) error {
			return &userError{file: name, line: at, msg: a.name + ": " + fmt.Sprintf(format, args...)}
		}
		if len(keys) == 0 {
			return nil, bad("no key (give at least one)")
		}
		for _, k := range keys {
			if !validKey(k) {
				return nil, bad("%q is not a key", k)
			}
			if o, dup := owner[k]; dup {
				return nil, &userError{file: name, line: max(at, o.line), msg: fmt.Sprintf("key %q is given to both %s and %s", k, o.action, a.name)}
			}
			owner[k] = owned{a.name, at}
			if b := defaultOwner(&def, raw, a.name, k); b != "" {
				return nil, bad("key %q is %s's: give %s another key in this file too", k, b, b)
			}
		}
	}
	return raw, nil
}

// defaultOwner is the action other than name that has key k by default
// and keeps it (the file does not remap it); "" when none, or when name
// shares k by default too (g is top and seek_start, t go to and test call).
func defaultOwner(def *KeyMap, raw map[string][]string, name, k string) string {
	var mine bool
	other := ""
	for _, b := range keyActions {
		if !slices.Contains(b.of(def).Keys(), k) {
			continue
		}
		_, remapped := raw[b.name]
		switch {
		case b.name == name:
			mine = true
		case !remapped && other == "":
			other = b.name
		}
	}
	if mine {
		return ""
	}
	return other
}

// remap gives the actions of keys.toml their keys, and the help says so.
func (k *KeyMap) remap(keys map[string][]string) {
	for _, a := range keyActions {
		ks, ok := keys[a.name]
		if !ok {
			continue
		}
		b := a.of(k)
		enabled := b.Enabled()
		b.SetKeys(ks...)
		b.SetHelp(strings.Join(ks, "/"), b.Help().Desc)
		b.SetEnabled(enabled)
		if a.name == "quit" {
			k.quitKeys = ks
		}
	}
}

// skinRoles are the theme's roles skin.toml colours, by name.
var skinRoles = []struct {
	name string
	of   func(*Theme) *color.Color
}{
	{"text", func(t *Theme) *color.Color { return &t.Text }},
	{"muted", func(t *Theme) *color.Color { return &t.Muted }},
	{"accent", func(t *Theme) *color.Color { return &t.Accent }},
	{"ok", func(t *Theme) *color.Color { return &t.OK }},
	{"warn", func(t *Theme) *color.Color { return &t.Warn }},
	{"bad", func(t *Theme) *color.Color { return &t.Bad }},
	{"info", func(t *Theme) *color.Color { return &t.Info }},
	{"legacy", func(t *Theme) *color.Color { return &t.Legacy }},
	{"new", func(t *Theme) *color.Color { return &t.New }},
	{"replay", func(t *Theme) *color.Color { return &t.Replay }},
	{"demo", func(t *Theme) *color.Color { return &t.Demo }},
	{"codec", func(t *Theme) *color.Color { return &t.Codec }},
	{"ink", func(t *Theme) *color.Color { return &t.Ink }},
	{"panel", func(t *Theme) *color.Color { return &t.Panel }},
	{"select", func(t *Theme) *color.Color { return &t.Select }},
	{"trough", func(t *Theme) *color.Color { return &t.Trough }},
	{"help_key", func(t *Theme) *color.Color { return &t.HelpKey }},
}

var hexColour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// validColour reports whether c is #RGB, #RRGGBB or an ANSI colour 0-255.
func validColour(c string) bool {
	if hexColour.MatchString(c) {
		return true
	}
	n, err := strconv.Atoi(c)
	return err == nil && n >= 0 && n <= 255 && strconv.Itoa(n) == c
}

// parseSkin reads skin.toml: role = "#RRGGBB" (or "#RGB", or "0".."255"),
// over the default theme.
func parseSkin(name string, data []byte) (*Theme, error) {
	var raw map[string]string
	if err := decodeStrict(name, data, &raw, "role"); err != nil {
		return nil, err
	}
	th := DefaultTheme()
	known := make(map[string]bool, len(skinRoles))
	for _, r := range skinRoles {
		known[r.name] = true
		c, ok := raw[r.name]
		if !ok {
			continue
		}
		if !validColour(c) {
			return nil, &userError{file: name, line: lineOf(data, r.name), msg: fmt.Sprintf("%s: %q is not a colour", r.name, c)}
		}
		*r.of(&th) = lipgloss.Color(c)
	}
	for n := range raw {
		if !known[n] {
			return nil, &userError{file: name, line: lineOf(data, n), msg: fmt.Sprintf("unknown role %q", n)}
		}
	}
	return &th, nil
}
