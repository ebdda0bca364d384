package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

func userDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// No files: the defaults, no problem.
func TestUserConfigNone(t *testing.T) {
	t.Parallel()
	uc := LoadUserConfig(t.TempDir())
	if uc.Keys != nil || uc.Theme != nil || len(uc.Problems) != 0 {
		t.Fatalf("%+v", uc)
	}
}

func TestUserConfigDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	if d := UserConfigDir(); d != "/xdg/cutover" {
		t.Fatalf("%q", d)
	}
	t.Setenv("XDG_CONFIG_HOME", "relative") // not absolute: ignored, as the spec says
	t.Setenv("HOME", "/home/noc")
	if d := UserConfigDir(); d != "/home/noc/.config/cutover" {
		t.Fatalf("%q", d)
	}
}

// keys.toml remaps: the new keys act, the old ones do not, the help
// shows the new ones; quit keeps a key that is not text while a filter
// is typed.
func TestUserKeysRemap(t *testing.T) {
	t.Parallel()
	dir := userDir(t, map[string]string{"keys.toml": "# mine\nsort = [\"O\"]\ndown = [\"ctrl+n\", \"down\"]\nquit = [\"Q\", \"ctrl+q\"]\n"})
	uc := LoadUserConfig(dir)
	if len(uc.Problems) != 0 {
		t.Fatalf("problems %q", uc.Problems)
	}
	m := newTestModel(t, Options{User: uc}, 120, 30)
	m = press(m, "s")
	mustContain(t, screen(m), "number▲")
	m = press(m, "O")
	mustContain(t, screen(m), "calls▼")
	m = send(m, tea.KeyPressMsg{Code: 'n', Mod: tea.ModCtrl})
	if m.numbers.cursor != 1 {
		t.Fatalf("ctrl+n did not move down: cursor %d", m.numbers.cursor)
	}
	mustContain(t, screen(m), "O sort", "Q quit")
	if _, cmd := m.Update(keyMsg("q")); cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q still quits")
		}
	}
	if _, cmd := m.Update(keyMsg("Q")); cmd == nil {
		t.Fatal("Q does not quit")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("Q does not quit")
	}
	m = press(m, "/")
	if got := m.c.keys.Quit.Keys(); len(got) != 1 || got[0] != "ctrl+q" {
		t.Fatalf("quit while typing: %q", got)
	}
}

// A bad keys.toml or skin.toml is refused whole with file:line, the
// defaults are used, and the status line says so at start.
func TestUserConfigRefused(t *testing.T) {
	t.Parallel()
	cases := []struct{ file, text, want string }{
		{"keys.toml", "sort = [\"O\"]\nfailovr = [\"x\"]\n", `keys.toml:2: unknown action "failovr"`},
		{"keys.toml", "\n\nsort = [\"O\", \"ctrl+\"]\n", `keys.toml:3: sort: "ctrl+" is not a key`},
		{"keys.toml", "sort = [\"x\"]\nfilter = [\"x\"]\n", `keys.toml:2: key "x" is given to both filter and sort`},
		{"keys.toml", "# the default o is outbound's\nsort = [\"o\"]\n", `keys.toml:2: sort: key "o" is outbound's: give outbound another key`},
		{"keys.toml", "sort = []\n", `keys.toml:1: sort: no key`},
		{"keys.toml", "sort = \"O\"\n", `keys.toml:1:`},
		{"keys.toml", "sort = [\"O\"\n", `keys.toml:1:`},
		{"skin.toml", "ok = \"#0f0\"\nbad = \"red\"\n", `skin.toml:2: bad: "red" is not a colour`},
		{"skin.toml", "okay = \"#00ff00\"\n", `skin.toml:1: unknown role "okay"`},
		{"skin.toml", "ok = 5\n", `skin.toml:1:`},
	}
	for _, c := range cases {
		uc := LoadUserConfig(userDir(t, map[string]string{c.file: c.text}))
		if len(uc.Problems) != 1 || !strings.Contains(uc.Problems[0], c.want) || !strings.HasSuffix(uc.Problems[0], "(defaults used)") {
			t.Errorf("%s %q: problems %q, want %q", c.file, c.text, uc.Problems, c.want)
			continue
		}
		if uc.Keys != nil || uc.Theme != nil {
			t.Errorf("%q: a refused file was used: %+v", c.text, uc)
		}
		m := newTestModel(t, Options{User: uc}, 200, 30)
		mustContain(t, screen(m), c.want)
		m = press(m, "s") // the default keys work
		mustContain(t, screen(m), "calls▼")
	}
}

// skin.toml colours the roles it names; the others keep the default.
func TestUserSkin(t *testing.T) {
	t.Parallel()
	uc := LoadUserConfig(userDir(t, map[string]string{"skin.toml": "ok = \"#00ff00\"\nhelp_key = \"208\"\n"}))
	if len(uc.Problems) != 0 || uc.Theme == nil {
		t.Fatalf("%+v", uc)
	}
	def := DefaultTheme()
	if uc.Theme.OK != lipgloss.Color("#00ff00") || uc.Theme.HelpKey != lipgloss.Color("208") || uc.Theme.Bad != def.Bad {
		t.Fatalf("theme %+v", uc.Theme)
	}
	m := newTestModel(t, Options{User: uc}, 120, 30)
	if !strings.Contains(m.View().Content, "38;2;0;255;0") {
		t.Fatal("the skin's ok colour is not on screen")
	}
}
