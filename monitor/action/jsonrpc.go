package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// jsonRPC is a JSON-RPC 2.0 client over HTTP POST, as Kamailio's jsonrpcs
// module serves it (http://host:port/RPC).
type jsonRPC struct {
	URL  string
	HTTP *http.Client // nil: http.DefaultClient (the caller's ctx bounds each call)
}

// RPCError is an error answer from the server.
type RPCError struct {
	Method  string
	Code    int
	Message string
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("%s: error %d: %s", e.Method, e.Code, e.Message)
}

// maxRPCReply bounds what is read of an answer.
const maxRPCReply = 4 << 20

// call invokes method with params and decodes the result into out (nil:
// ignore it).
func (c *jsonRPC) call(ctx context.Context, method string, params []any, out any) error {
	msg := map[string]any{"jsonrpc": "2.0", "method": method, "id": 1}
	if params != nil {
		msg["params"] = params
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("json-rpc %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("json-rpc %s at %s: %w", method, c.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRPCReply))
	if err != nil {
		return fmt.Errorf("json-rpc %s at %s: %w", method, c.URL, err)
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		return fmt.Errorf("json-rpc %s at %s: HTTP %s, not a JSON-RPC answer: %.200q", method, c.URL, resp.Status, data)
	}
	if reply.Error != nil {
		return &RPCError{Method: method, Code: reply.Error.Code, Message: reply.Error.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(reply.Result, out); err != nil {
		return fmt.Errorf("json-rpc %s: unexpected result %.200q: %w", method, reply.Result, err)
	}
	return nil
}

// isRPCError reports whether err is the server's answer with message msg.
func isRPCError(err error, msg string) bool {
	var re *RPCError
	return errors.As(err, &re) && re.Message == msg
}
