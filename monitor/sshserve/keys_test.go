package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// pubLine is an authorized_keys key (type and base64) for a new key.
func pubLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk)))
}

func TestKeysNamesAndReadOnly(t *testing.T) {
	a, b, c := pubLine(t), pubLine(t), pubLine(t)
	doc := "# the war room\n\n" + a + " ana@noc\n" +
		`cutover-name="Bob Voice",restrict ` + b + " bob@laptop\n" +
		"cutover-read-only,cutover-name=\"customer\" " + c + "\n"
	keys, err := ParseKeys("keys", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{{Name: "ana@noc", Line: 3}, {Name: "Bob Voice", Line: 4}, {Name: "customer", ReadOnly: true, Line: 5}}
	if len(keys) != len(want) {
		t.Fatalf("keys = %+v", keys)
	}
	for i, k := range keys {
		if k.Name != want[i].Name || k.ReadOnly != want[i].ReadOnly || k.Line != want[i].Line {
			t.Errorf("key %d = %q read-only %v line %d, want %+v", i, k.Name, k.ReadOnly, k.Line, want[i])
		}
	}
	if got := lookup(keys, keys[1].Key); got == nil || got.Name != "Bob Voice" {
		t.Errorf("lookup(bob) = %+v", got)
	}
	other, _, _, _, _ := gossh.ParseAuthorizedKey([]byte(pubLine(t)))
	if got := lookup(keys, other); got != nil {
		t.Errorf("a key not in the file is %+v", got)
	}
}

func TestKeysBadLinesSayFileAndLine(t *testing.T) {
	a := pubLine(t)
	cases := []struct{ name, doc, want string }{
		{"not a key", "# ok\nssh-ed25519 AAAA-not-base64 ana\n", "keys:2: not an authorized_keys line"},
		{"no name", a + "\n", "keys:1: the key has no operator name"},
		{"unquoted name", "cutover-name=ana " + a + "\n", "keys:1: cutover-name wants a quoted name"},
		{"unsupported option", `from="10.0.0.1" ` + a + " ana\n", "keys:1: option from=\"10.0.0.1\" is not supported"},
		{"control in name", "cutover-name=\"an\x1b[2Ja\" " + a + "\n", "keys:1: operator name an\\x1b[2Ja"},
		{"key twice", a + " ana\n\n" + a + " bob\n", "keys:3: the key of line 1 again"},
		{"empty", "# nobody\n", "keys: no keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKeys("keys", strings.NewReader(tc.doc))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to begin %q", err, tc.want)
			}
		})
	}
}
