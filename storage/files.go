package storage

import (
	"errors"
	"io"
	"time"
)

// Files are uploads: a record (File) that names its bytes, a blob, by
// their SHA-256. Blobs are kept once however many files hold the same
// bytes, outside the records (storage/bolt: a directory beside the
// database file; storage/mongo: GridFS), and are written before the file
// that names them; DeleteUnusedBlobs removes those no file names.
//
// A file is uploaded on its own and then carried by one message, which
// CreateMessage attaches it to. Deleting the message (or its room)
// deletes its files.

// ErrTooLarge: the bytes given to PutBlob were more than its limit;
// nothing was kept.
var ErrTooLarge = errors.New("too large")

// MaxFilesPerMessage is how many files one message may carry.
const MaxFilesPerMessage = 10

// FileInfo is what a message shows of each file it carries (a copy, kept
// with the message, so that showing messages reads no file records).
type FileInfo struct {
	ID   ID     `json:"_id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	// ContentType is sniffed from the bytes, never taken from a client.
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	// Width and Height are an image's, as it is shown (its orientation
	// applied); zero for other files.
	Width  int `json:"width,omitzero"`
	Height int `json:"height,omitzero"`
	// ThumbWidth and ThumbHeight are its thumbnail's, if it has one.
	ThumbWidth  int `json:"thumb_width,omitzero"`
	ThumbHeight int `json:"thumb_height,omitzero"`
}

// File is an upload.
type File struct {
	FileInfo
	// Thumb is the blob of the thumbnail (SHA-256), and ThumbType its
	// content type; "" if the file has none.
	Thumb     string    `json:"thumb,omitzero"`
	ThumbType string    `json:"thumb_type,omitzero"`
	Owner     ID        `json:"owner"`
	Created   time.Time `json:"created"`
	// Message is the message that carries the file; zero until one
	// does. Room is that message's room (zero for a direct message).
	Message ID `json:"message,omitzero"`
	Room    ID `json:"room,omitzero"`
}

// Blob names stored bytes.
type Blob struct {
	SHA256 string
	Size   int64
}

// BlobReader reads a blob, and seeks in it (for HTTP range requests).
type BlobReader interface {
	io.ReadSeekCloser
}

// IsBlobName reports whether s can name a blob: 64 lowercase hex digits
// (what every backend checks before it uses a name, as a path or a key).
func IsBlobName(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
