package stir

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrBadPASSporT is wrapped by every decoding or SHAKEN-profile error.
var ErrBadPASSporT = errors.New("malformed PASSporT")

// ErrCompact is returned for a compact-form PASSporT: its header and claims
// are not on the wire and SHAKEN claims (attest, origid) cannot be rebuilt
// from the SIP message.
var ErrCompact = fmt.Errorf("%w: compact form, cannot decode claims", ErrBadPASSporT)

// PASSporT is a decoded token (RFC 8225, with the SHAKEN claims of RFC 8588).
type PASSporT struct {
	Alg, Typ, Ppt, X5U string // protected header

	Attest  string   // A, B or C
	OrigTN  string   // orig.tn as sent
	OrigURI string   // orig.uri, when the originator is not a TN
	DestTN  []string // dest.tn
	DestURI []string // dest.uri
	Iat     int64    // seconds since the epoch
	HasIat  bool
	OrigID  string

	// SigningInput is the received "header.claims" text: the signature is
	// checked over these bytes, never over re-serialised JSON.
	SigningInput string
	Signature    []byte
}

// DecodePASSporT decodes a full-form token's header and claims with strict
// JSON types (RFC 8225 §5: iat a number, orig an object, dest.tn and
// dest.uri arrays). It does not verify the signature.
func DecodePASSporT(token string) (*PASSporT, error) {
	seg := strings.Split(token, ".")
	if len(seg) != 3 {
		return nil, fmt.Errorf("%w: %d segments", ErrBadPASSporT, len(seg))
	}
	if seg[0] == "" && seg[1] == "" {
		return nil, ErrCompact
	}
	p := &PASSporT{SigningInput: seg[0] + "." + seg[1]}
	hdr, err := jsonObject("header", seg[0])
	if err != nil {
		return nil, err
	}
	for key, dst := range map[string]*string{"alg": &p.Alg, "typ": &p.Typ, "ppt": &p.Ppt, "x5u": &p.X5U} {
		if *dst, err = optString(hdr, key); err != nil {
			return nil, fmt.Errorf("%w: header %v", ErrBadPASSporT, err)
		}
	}
	claims, err := jsonObject("claims", seg[1])
	if err != nil {
		return nil, err
	}
	if err := p.decodeClaims(claims); err != nil {
		return nil, fmt.Errorf("%w: claims %v", ErrBadPASSporT, err)
	}
	if p.Signature, err = base64.RawURLEncoding.DecodeString(seg[2]); err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrBadPASSporT, err)
	}
	return p, nil
}

func (p *PASSporT) decodeClaims(c map[string]json.RawMessage) error {
	var err error
	if p.Attest, err = optString(c, "attest"); err != nil {
		return err
	}
	if p.OrigID, err = optString(c, "origid"); err != nil {
		return err
	}
	if raw, ok := c["iat"]; ok {
		if p.Iat, err = numericDate(raw); err != nil {
			return fmt.Errorf("iat: %v", err)
		}
		p.HasIat = true
	}
	if raw, ok := c["orig"]; ok {
		o, err := object("orig", raw)
		if err != nil {
			return err
		}
		if p.OrigTN, err = optString(o, "tn"); err != nil {
			return fmt.Errorf("orig.%v", err)
		}
		if p.OrigURI, err = optString(o, "uri"); err != nil {
			return fmt.Errorf("orig.%v", err)
		}
	}
	if raw, ok := c["dest"]; ok {
		d, err := object("dest", raw)
		if err != nil {
			return err
		}
		if p.DestTN, err = optStrings(d, "tn"); err != nil {
			return fmt.Errorf("dest.%v", err)
		}
		if p.DestURI, err = optStrings(d, "uri"); err != nil {
			return fmt.Errorf("dest.%v", err)
		}
	}
	return nil
}

// CheckSHAKEN checks the SHAKEN profile (ATIS-1000074, RFC 8588): header
// values, the presence of every base and SHAKEN claim, orig and dest of
// type tn.
func (p *PASSporT) CheckSHAKEN() error {
	var problems []string
	add := func(ok bool, msg string) {
		if !ok {
			problems = append(problems, msg)
		}
	}
	add(p.Alg == "ES256", fmt.Sprintf("alg %q, want ES256", p.Alg))
	add(p.Typ == "passport", fmt.Sprintf("typ %q, want passport", p.Typ))
	add(p.Ppt == "shaken", fmt.Sprintf("ppt %q, want shaken", p.Ppt))
	add(p.X5U != "", "no x5u")
	add(p.Attest == "A" || p.Attest == "B" || p.Attest == "C", fmt.Sprintf("attest %q, want A, B or C", p.Attest))
	add(p.OrigID != "", "no origid")
	add(p.HasIat, "no iat")
	add(p.OrigTN != "", "no orig.tn")
	add(len(p.DestTN) > 0, "no dest.tn")
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrBadPASSporT, strings.Join(problems, "; "))
	}
	return nil
}

func jsonObject(what, seg string) (map[string]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: base64url: %v", ErrBadPASSporT, what, err)
	}
	o, err := object(what, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPASSporT, err)
	}
	return o, nil
}

func object(what string, raw []byte) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%s is not a JSON object", what)
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	return o, nil
}

// optString reads key as a JSON string; absent is "", any other type an error.
func optString(o map[string]json.RawMessage, key string) (string, error) {
	raw, ok := o[key]
	if !ok {
		return "", nil
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", fmt.Errorf("%s is not a string", key)
	}
	return s, nil
}

// optStrings reads key as a JSON array of strings (RFC 8225 §5.2.1: even one value).
func optStrings(o map[string]json.RawMessage, key string) ([]string, error) {
	raw, ok := o[key]
	if !ok {
		return nil, nil
	}
	var s []string
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &s) != nil {
		return nil, fmt.Errorf("%s is not an array of strings", key)
	}
	return s, nil
}

// numericDate reads a JSON number of seconds (RFC 7519 NumericDate); strings are refused.
func numericDate(raw json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return 0, errors.New("not a number")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, errors.New("negative")
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > math.MaxInt32*1000 {
		return 0, errors.New("not a usable number")
	}
	return int64(f), nil
}
