package media

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrRTP is wrapped by every error ParseRTP returns.
var ErrRTP = errors.New("rtp")

// RTPHeader is the RTP fixed header (RFC 3550 §5.1). Payload is the offset
// and length of the payload inside the parsed packet, after the CSRC list,
// the header extension and before the padding.
type RTPHeader struct {
	Version     uint8
	Padding     bool
	Extension   bool
	CSRCCount   uint8
	Marker      bool
	PayloadType uint8
	Seq         uint16
	Timestamp   uint32
	SSRC        uint32
	PayloadOff  int
	PayloadLen  int
}

// ParseRTP reads b's RTP header into h without allocating. It refuses a
// version other than 2, an RTCP packet (IsRTCP) and lengths that do not fit
// in b.
func ParseRTP(b []byte, h *RTPHeader) error {
	if len(b) < 12 {
		return fmt.Errorf("%w: %d bytes is shorter than the 12-byte header", ErrRTP, len(b))
	}
	*h = RTPHeader{
		Version:     b[0] >> 6,
		Padding:     b[0]&0x20 != 0,
		Extension:   b[0]&0x10 != 0,
		CSRCCount:   b[0] & 0x0f,
		Marker:      b[1]&0x80 != 0,
		PayloadType: b[1] & 0x7f,
		Seq:         binary.BigEndian.Uint16(b[2:]),
		Timestamp:   binary.BigEndian.Uint32(b[4:]),
		SSRC:        binary.BigEndian.Uint32(b[8:]),
	}
	if h.Version != 2 {
		return fmt.Errorf("%w: version %d, want 2", ErrRTP, h.Version)
	}
	if IsRTCP(b) {
		return fmt.Errorf("%w: RTCP packet type %d, not RTP (RFC 5761)", ErrRTP, b[1])
	}
	off := 12 + 4*int(h.CSRCCount)
	if off > len(b) {
		return fmt.Errorf("%w: %d CSRCs do not fit in %d bytes", ErrRTP, h.CSRCCount, len(b))
	}
	if h.Extension {
		if off+4 > len(b) {
			return fmt.Errorf("%w: header extension does not fit in %d bytes", ErrRTP, len(b))
		}
		extLen := 4 * int(binary.BigEndian.Uint16(b[off+2:]))
		off += 4 + extLen
		if off > len(b) {
			return fmt.Errorf("%w: header extension of %d bytes does not fit in %d bytes", ErrRTP, extLen, len(b))
		}
	}
	end := len(b)
	if h.Padding {
		pad := int(b[len(b)-1])
		if pad == 0 || end-pad < off {
			return fmt.Errorf("%w: padding of %d bytes does not fit", ErrRTP, pad)
		}
		end -= pad
	}
	h.PayloadOff, h.PayloadLen = off, end-off
	return nil
}

// IsRTCP tells RTCP from RTP on a multiplexed port (RFC 5761 §4): an RTCP
// packet type 192-223 is an RTP marker bit plus payload type 64-95, which
// RTP must not use. b must hold at least two bytes to be RTCP.
func IsRTCP(b []byte) bool {
	return len(b) >= 2 && b[1] >= 192 && b[1] <= 223
}
