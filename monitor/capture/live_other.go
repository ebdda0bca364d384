//go:build !linux

package capture

import (
	"context"
	"errors"
)

// ErrNeedNetRaw is Linux's: capturing from an interface needs CAP_NET_RAW.
var ErrNeedNetRaw = errors.New("capturing from an interface needs CAP_NET_RAW")

// OpenLive needs Linux's AF_PACKET.
func OpenLive(context.Context, LiveOptions) (*Live, error) {
	return nil, errors.New("capture: capturing from an interface (AF_PACKET) needs Linux")
}
