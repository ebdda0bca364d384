package porting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// One poll's HTTP exchange: the request, its errors and Retry-After, the
// status read from the answer, and what may be logged of it.

// retryAfter is a failed poll whose answer said when to come back.
type retryAfter struct {
	code int
	d    time.Duration
}

func (e retryAfter) Error() string {
	return fmt.Sprintf("HTTP %d, Retry-After %s", e.code, e.d)
}

func (p *Poller) fetch(ctx context.Context, i int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.spec.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.urls[i], nil)
	if err != nil {
		p.st.transport.Add(1)
		return nil, err
	}
	req.Header = p.headers.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		p.countTransport(err)
		return nil, fmt.Errorf("GET %s: %w", p.urls[i], unwrapURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		d, has := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if resp.StatusCode == http.StatusTooManyRequests {
			p.st.throttled.Add(1)
		} else {
			p.st.httpErrors.Add(1)
		}
		if has && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			return nil, retryAfter{resp.StatusCode, d}
		}
		return nil, fmt.Errorf("GET %s: HTTP %s", p.urls[i], resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.spec.MaxBody+1))
	if err != nil {
		p.countTransport(err)
		return nil, fmt.Errorf("GET %s: reading the answer: %w", p.urls[i], err)
	}
	if int64(len(body)) > p.spec.MaxBody {
		p.st.badBody.Add(1)
		return nil, fmt.Errorf("GET %s: answer larger than %d bytes", p.urls[i], p.spec.MaxBody)
	}
	return body, nil
}

func (p *Poller) countTransport(err error) {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		p.st.timeouts.Add(1)
		return
	}
	p.st.transport.Add(1)
}

// unwrapURL drops url.Error's "Get URL:" prefix (the caller names the URL).
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// read decodes body and returns the status word and the activation time.
func (p *Poller) read(body []byte) (string, int64, error) {
	var doc any
	var err error
	if p.spec.Format == FormatXML {
		doc, err = xmlTree(bytes.NewReader(body))
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		err = dec.Decode(&doc)
	}
	if err != nil {
		return "", 0, fmt.Errorf("not %s: %v", strings.ToUpper(string(p.spec.Format)), err)
	}
	word, err := p.spec.Status.lookup(doc)
	if err != nil {
		return "", 0, err
	}
	var activation int64
	if !p.spec.Activation.IsZero() {
		if s, err := p.spec.Activation.lookup(doc); err == nil {
			if t, ok := parseTime(s); ok {
				activation = t.UnixNano()
			} else {
				p.log.Debug("porting activation time not understood", "path", p.spec.Activation.String(), "value", p.redact(clip(s)))
			}
		}
	}
	return word, activation, nil
}

// parseRetryAfter reads delay-seconds or an HTTP-date (RFC 9110 §10.2.3),
// bounded by MaxRetryAfter.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, MaxRetryAfter), true
}

// parseTime reads the activation times carriers write: RFC 3339 with or
// without a zone, or a date (FOC day, taken as midnight UTC).
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (p *Poller) redact(s string) string {
	for _, sec := range p.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[secret]")
		}
	}
	return s
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
