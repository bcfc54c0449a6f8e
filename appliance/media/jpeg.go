package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"strings"
)

// JPEG markers and EXIF values read here.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP1 = 0xE1

	tagOrientation = 0x0112
	typeShort      = 3
	typeLong       = 4
)

// exifHeader starts the APP1 segment that holds EXIF data.
const exifHeader = "Exif\x00\x00"

// jpegOrientation returns the EXIF orientation, 1 to 8, found in the first
// segments of a JPEG (head starts at its first byte and may end anywhere),
// or 1 when there is none or it is not valid. It walks the segments up to
// the first scan, bounds-checking every length, and never panics.
func jpegOrientation(head []byte) int {
	if len(head) < 2 || head[0] != 0xFF || head[1] != markerSOI {
		return 1
	}
	for i := 2; i+4 <= len(head); {
		if head[i] != 0xFF {
			return 1
		}
		marker := head[i+1]
		switch {
		case marker == 0xFF:
			// Fill byte before a marker.
			i++
			continue
		case marker == markerSOS, marker == markerEOI:
			return 1
		case marker == 0x01, marker >= 0xD0 && marker <= 0xD7:
			// TEM and RSTn stand alone, with no length.
			i += 2
			continue
		}
		length := int(binary.BigEndian.Uint16(head[i+2:]))
		if length < 2 || i+2+length > len(head) {
			return 1
		}
		segment := head[i+4 : i+2+length]
		if marker == markerAPP1 && strings.HasPrefix(string(segment), exifHeader) {
			return tiffOrientation(segment[len(exifHeader):])
		}
		i += 2 + length
	}
	return 1
}

// tiffOrientation returns the Orientation tag of IFD0 in a TIFF structure
// (EXIF's body), or 1 when it is missing or not valid.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	// Offsets are 32-bit and may point anywhere; compare them as uint64 so
	// that no sum wraps around.
	ifd := uint64(order.Uint32(tiff[4:]))
	size := uint64(len(tiff))
	if ifd+2 > size {
		return 1
	}
	entries := uint64(order.Uint16(tiff[ifd:]))
	for n := range entries {
		entry := ifd + 2 + 12*n
		if entry+12 > size {
			return 1
		}
		e := tiff[entry : entry+12]
		if order.Uint16(e) != tagOrientation {
			continue
		}
		// A value of 4 bytes or fewer is stored in the entry itself.
		var value uint32
		switch order.Uint16(e[2:]) {
		case typeShort:
			value = uint32(order.Uint16(e[8:]))
		case typeLong:
			value = order.Uint32(e[8:])
		default:
			return 1
		}
		if order.Uint32(e[4:]) != 1 || value < 1 || value > 8 {
			return 1
		}
		return int(value)
	}
	return 1
}

// jpegScale returns the largest of 8, 4 and 2 by which a JPEG of the given
// size can be divided in the DCT (jpegscale rounds each side up) and still
// have at least need pixels on each axis, or 1 when none can: so the
// scaling that follows, box averaging then Catmull-Rom, always starts from
// at least the preview's size and keeps its quality.
func jpegScale(stored, need image.Point) int {
	for _, denom := range []int{8, 4, 2} {
		if s := scaledSize(stored, denom); s.X >= need.X && s.Y >= need.Y {
			return denom
		}
	}
	return 1
}

// scaledSize is the size jpegscale decodes an image of size stored to at
// 1/denom: each side divided, rounded up.
func scaledSize(stored image.Point, denom int) image.Point {
	return image.Pt((stored.X+denom-1)/denom, (stored.Y+denom-1)/denom)
}

// maxScans is the most scans a JPEG may have. Encoders write one
// (baseline) or about ten (progressive); each scan costs the decoder a pass
// over every block of the image even when it carries only a few bytes, so
// a small file of thousands of scans keeps a CPU busy for minutes.
const maxScans = 100

// scanLimiter passes a JPEG through and fails once it has carried more
// than maxScans start-of-scan markers. It counts every 0xFF 0xDA pair:
// inside entropy-coded data a 0xFF is always followed by 0x00 or a restart
// marker, so only markers and the odd pair inside an application segment
// (an embedded thumbnail) are counted.
type scanLimiter struct {
	r      io.Reader
	scans  int
	lastFF bool // whether the previous read ended with 0xFF
}

func (s *scanLimiter) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	b := p[:n]
	if s.lastFF && len(b) > 0 && b[0] == markerSOS {
		s.scans++
	}
	for {
		i := bytes.IndexByte(b, 0xFF)
		if i < 0 || i+1 >= len(b) {
			break
		}
		if b[i+1] == markerSOS {
			s.scans++
		}
		b = b[i+1:]
	}
	if n > 0 {
		s.lastFF = p[n-1] == 0xFF
	}
	if s.scans > maxScans {
		return 0, fmt.Errorf("more than %d scans", maxScans)
	}
	return n, err
}
