package action

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSecretsRedact(t *testing.T) {
	var s secrets
	s.add("API_AUTH", "Basic "+base64.StdEncoding.EncodeToString([]byte("acme:pa55word")))
	s.add("SHORT", "Bearer ab") // "ab" alone is too short to mark on its own
	got := s.redact(`{"user":"acme","password":"pa55word","auth":"acme:pa55word","about":"ab","h":"Bearer ab"}`)
	want := `{"user":"acme","password":"<redacted $API_AUTH>","auth":"<redacted $API_AUTH>","about":"ab","h":"<redacted $SHORT>"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}

	err := s.err(fmt.Errorf("http: 403 for pa55word: %w", ErrRefused))
	if !errors.Is(err, ErrRefused) || strings.Contains(err.Error(), "pa55word") || errors.Unwrap(err) != nil {
		t.Fatalf("redacted error %q: Is(ErrRefused)=%v, unwraps to %v", err, errors.Is(err, ErrRefused), errors.Unwrap(err))
	}
	plain := fmt.Errorf("no secret here: %w", ErrRefused)
	if s.err(plain) != plain {
		t.Fatal("an error without a secret is replaced")
	}
}

func TestSecretsCut(t *testing.T) {
	var s secrets
	s.add("TOKEN", "s3cret-token")
	b := []byte("0123456789s3cret-token tail")
	for n, want := range map[int]int{5: 5, 10: 10, 11: 10, 21: 10, 22: 22, 100: len(b)} {
		if got := s.cut(b, n); got != want {
			t.Errorf("cut at %d: %d, want %d", n, got, want)
		}
	}
}
