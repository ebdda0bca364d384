package action

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strings"
)

// secrets holds the secret values an actuator read from the environment,
// so that nothing it stores (read-back, notes, undo data, error text)
// carries them: an API that echoes its request headers, in a body, an
// error page or a reason phrase, would otherwise put an API key into the
// recording and the report.
type secrets struct {
	olds, news []string // each form a value may take in an answer, and its mark
}

// minFragment is the shortest part of a secret (a token after its
// scheme, a Basic password) redacted on its own: shorter ones would mark
// ordinary words and are no secret worth the name.
const minFragment = 4

// add records the secret value read from the environment variable env.
// Besides the value itself it covers the credentials after an auth
// scheme ("Bearer <token>"), a Basic header's decoded user:password and
// password, and each of those as JSON and URLs escape them.
func (s *secrets) add(env, value string) {
	if value == "" {
		return
	}
	mark := "<redacted $" + env + ">"
	parts := []string{value}
	if scheme, cred, ok := strings.Cut(strings.TrimSpace(value), " "); ok {
		cred = strings.TrimSpace(cred)
		parts = append(parts, cred)
		if strings.EqualFold(scheme, "Basic") {
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				parts = append(parts, string(dec))
				if _, pass, ok := strings.Cut(string(dec), ":"); ok {
					parts = append(parts, pass)
				}
			}
		}
	}
	for i, part := range parts {
		if i > 0 && len(part) < minFragment {
			continue
		}
		j, _ := json.Marshal(part)
		js := string(j[1 : len(j)-1])
		for _, form := range []string{part, js, strings.ReplaceAll(js, "/", `\/`), url.QueryEscape(part), url.PathEscape(part)} {
			s.olds = append(s.olds, form)
			s.news = append(s.news, mark)
		}
	}
}

// redact replaces every form of every secret in text, the longest first
// so that a value is marked whole rather than by its parts.
func (s *secrets) redact(text string) string {
	if len(s.olds) == 0 || text == "" {
		return text
	}
	idx := make([]int, len(s.olds))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return len(s.olds[idx[a]]) > len(s.olds[idx[b]]) })
	for _, i := range idx {
		text = strings.ReplaceAll(text, s.olds[i], s.news[i])
	}
	return text
}

// longest is the length of the longest form of a secret.
func (s *secrets) longest() int {
	n := 0
	for _, o := range s.olds {
		n = max(n, len(o))
	}
	return n
}

// cut returns where to end b so that at most n bytes are kept and no
// form of a secret is cut in two: a secret's first bytes alone would be
// kept unredacted.
func (s *secrets) cut(b []byte, n int) int {
	if n >= len(b) {
		return len(b)
	}
	for moved := true; moved; {
		moved = false
		for _, o := range s.olds {
			start := max(0, n-len(o)+1)
			for {
				i := bytes.Index(b[start:], []byte(o))
				if i < 0 || start+i >= n {
					break
				}
				if i += start; i+len(o) > n {
					n, moved = i, true
					break
				}
				start = i + 1
			}
		}
	}
	return n
}

// result redacts everything of r that is stored.
func (s *secrets) result(r Result) Result {
	r.ReadBack, r.Notes, r.Undo = s.redact(r.ReadBack), s.redact(r.Notes), s.redact(r.Undo)
	return r
}

// err redacts an error's text. An error that carried a secret is replaced
// by one that still answers errors.Is for what it wrapped (ErrRefused, a
// deadline) but no longer unwraps to the text that held the secret.
func (s *secrets) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := s.redact(msg); red != msg {
		return &redactedError{msg: red, orig: err}
	}
	return err
}

type redactedError struct {
	msg  string
	orig error
}

func (e *redactedError) Error() string { return e.msg }

// Is matches what the original error matched; there is no Unwrap, which
// would hand out the unredacted text.
func (e *redactedError) Is(target error) bool { return errors.Is(e.orig, target) }
