package hep

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor"
)

// Append encodes p as a HEPv3 packet onto dst, with the chunks in the
// order Kamailio's siptrace writes them. Src and Dst must be the same
// family; the family chunk follows them. A packet over 65535 bytes is
// refused with ErrOversize.
func (p *Packet) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, magic[:]...)
	dst = append(dst, 0, 0) // total length, filled in below
	v4 := p.Src.Addr().Is4() || p.Src.Addr().Is4In6()
	family := uint8(FamilyIPv6)
	if v4 {
		family = FamilyIPv4
	}
	dst = chunk8(dst, ChunkFamily, family)
	dst = chunk8(dst, ChunkProto, p.Proto)
	if v4 {
		s, d := p.Src.Addr().Unmap().As4(), p.Dst.Addr().Unmap().As4()
		dst = chunkBytes(dst, ChunkSrcIPv4, s[:])
		dst = chunkBytes(dst, ChunkDstIPv4, d[:])
	} else {
		s, d := p.Src.Addr().As16(), p.Dst.Addr().As16()
		dst = chunkBytes(dst, ChunkSrcIPv6, s[:])
		dst = chunkBytes(dst, ChunkDstIPv6, d[:])
	}
	dst = chunk16(dst, ChunkSrcPort, p.Src.Port())
	dst = chunk16(dst, ChunkDstPort, p.Dst.Port())
	dst = chunk32(dst, ChunkTsSec, p.TsSec)
	dst = chunk32(dst, ChunkTsUsec, p.TsUsec)
	dst = chunk8(dst, ChunkProtoType, p.ProtoType)
	dst = chunk32(dst, ChunkCaptureID, p.CaptureID)
	if len(p.CorrelationID) > 0 {
		dst = chunkBytes(dst, ChunkCorrelation, p.CorrelationID)
	}
	if len(p.AuthKey) > 0 {
		dst = chunkBytes(dst, ChunkAuthKey, p.AuthKey)
	}
	if len(p.NodeName) > 0 {
		dst = chunkBytes(dst, ChunkNodeName, p.NodeName)
	}
	dst = chunkBytes(dst, ChunkPayload, p.Payload)
	n := len(dst) - start
	if n > MaxPacket {
		return dst[:start], fmt.Errorf("%w: %d bytes", ErrOversize, n)
	}
	binary.BigEndian.PutUint16(dst[start+4:], uint16(n))
	return dst, nil
}

func chunkHdr(dst []byte, typ uint16, vlen int) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(dst, 0), typ), uint16(6+vlen))
}

func chunk8(dst []byte, typ uint16, v uint8) []byte { return append(chunkHdr(dst, typ, 1), v) }

func chunk16(dst []byte, typ uint16, v uint16) []byte {
	return binary.BigEndian.AppendUint16(chunkHdr(dst, typ, 2), v)
}

func chunk32(dst []byte, typ uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(chunkHdr(dst, typ, 4), v)
}

// chunkBytes appends an octet-string chunk; a value too long for a chunk
// makes the whole packet oversize, which Append then refuses.
func chunkBytes(dst []byte, typ uint16, v []byte) []byte {
	if len(v) > MaxPacket-6 {
		return append(dst, make([]byte, MaxPacket+1)...)
	}
	return append(chunkHdr(dst, typ, len(v)), v...)
}

// inflateAll decompresses a packet's 0x0010 payloads (gzip, else zlib;
// the last one is the payload) with MaxPayload bytes of output for all of
// them together, so a packet of many small bombs inflates no more than one
// uncompressed packet could carry. One decompressor serves every chunk.
func inflateAll(chunks [][]byte) ([]byte, error) {
	var gz *gzip.Reader
	var zl io.ReadCloser
	var out []byte
	left := MaxPayload
	for _, v := range chunks {
		var r io.Reader
		var err error
		switch {
		case gz != nil:
			if err = gz.Reset(bytes.NewReader(v)); err == nil {
				r = gz
			}
		default:
			if gz, err = gzip.NewReader(bytes.NewReader(v)); err == nil {
				r = gz
			}
		}
		if r == nil {
			switch {
			case zl != nil:
				err = zl.(zlib.Resetter).Reset(bytes.NewReader(v), nil)
			default:
				zl, err = zlib.NewReader(bytes.NewReader(v))
			}
			if err != nil {
				return nil, fmt.Errorf("%w: neither gzip nor zlib", ErrCompressed)
			}
			r = zl
		}
		out, err = io.ReadAll(io.LimitReader(r, int64(left)+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCompressed, err)
		}
		if len(out) > left {
			return nil, fmt.Errorf("%w: %d compressed chunks inflate past %d bytes per packet", ErrCompressed, len(chunks), MaxPayload)
		}
		left -= len(out)
	}
	return out, nil
}

// FromEvent builds the HEP packet that mirrors a SIP event, as an SBC's
// siptrace would: for tests, the benchmark and the simulator, so a demo can
// run over a real socket.
func FromEvent(ev monitor.Event, captureID uint32, authKey string) Packet {
	m := ev.SIP
	proto := uint8(ProtoUDP)
	switch m.Transport {
	case "tcp", "tls", "ws", "wss":
		proto = ProtoTCP
	case "sctp":
		proto = ProtoSCTP
	}
	return Packet{
		Proto: proto, Src: m.Src, Dst: m.Dst,
		TsSec: uint32(ev.Time / 1e9), TsUsec: uint32(ev.Time % 1e9 / 1e3),
		ProtoType: TypeSIP, CaptureID: captureID, AuthKey: []byte(authKey), Payload: m.Raw,
	}
}
