package media

import (
	"bytes"
	"mime"
	"net/http"
)

// sniffLen is how many leading bytes Sniff looks at, as http.DetectContentType.
const sniffLen = 512

// Sniff returns the content type of a file from its first bytes (up to 512
// are used; fewer are fine): what http.DetectContentType finds, which
// already includes image/webp, plus a few image formats it does not know
// (TIFF, HEIC/HEIF, AVIF, JPEG XL). It never consults what the uploader
// claimed. Text types keep their charset parameter, as in
// "text/plain; charset=utf-8"; everything else is a bare type.
func Sniff(head []byte) string {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	if ct := sniffExtra(head); ct != "" {
		return ct
	}
	return http.DetectContentType(head)
}

// sniffExtra recognises the image formats http.DetectContentType leaves as
// application/octet-stream, by their signatures; it returns "" for anything
// else.
func sniffExtra(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "image/tiff"
	case bytes.HasPrefix(head, []byte{0xFF, 0x0A}),
		bytes.HasPrefix(head, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n")):
		return "image/jxl"
	}
	// HEIF and AVIF are ISO media files: a box of type "ftyp" first, whose
	// major brand names the format.
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return ""
	}
	switch string(head[8:12]) {
	case "avif", "avis":
		return "image/avif"
	case "heic", "heix", "heim", "heis", "hevc", "hevx":
		return "image/heic"
	case "mif1", "msf1":
		return "image/heif"
	}
	return ""
}

// Inline reports whether a file of this content type may be shown inline
// by the browser: only PNG, JPEG, GIF and WebP images. Everything else,
// notably SVG and HTML, which can carry scripts, is to be served as a
// download. Parameters and letter case are ignored.
func Inline(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mediaType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}
