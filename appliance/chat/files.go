package chat

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/makechat/makechat/appliance/media"
	"github.com/makechat/makechat/storage"
)

// Uploads: a user uploads a file on its own (Upload), then posts a
// message that carries it (NewMessage.Files). The bytes are streamed to
// the store, never held whole; an image gets a thumbnail as it is
// uploaded. A file is shown only to its uploader until a message carries
// it, then to whoever may read that message.

// Upload limits and settings (see Options).
const (
	// ThumbSide is the longest side of a thumbnail, in pixels: twice
	// what the web app shows, for sharp screens.
	ThumbSide = 800
	// maxFileNameChars bounds the name a file is shown under.
	maxFileNameChars = 255
	// UnattachedTTL is how long an upload waits for a message before
	// SweepFiles removes it.
	UnattachedTTL = 24 * time.Hour
	// blobGrace is how long a blob that no file uses is kept: the time an
	// upload in flight has between storing its bytes and its file.
	blobGrace = time.Hour
)

// Upload stores a file of the actor's: its bytes, as body gives them,
// under name (a display name only: what a path in it names is dropped).
// The content type is sniffed from the bytes. Past Options.UploadMaxBytes,
// the actor's quota, or when the disk is nearly full, it is refused, and
// nothing of it is kept.
func (s *Service) Upload(ctx context.Context, a Actor, name string, body io.Reader) (storage.File, error) {
	if a.User.ID.IsZero() {
		return storage.File{}, ErrUnauthenticated
	}
	if s.opts.UploadMaxBytes <= 0 {
		return storage.File{}, ErrUploadsOff
	}
	limit, err := s.uploadLimit(ctx, a)
	if err != nil {
		return storage.File{}, err
	}
	blob, err := s.store.PutBlob(ctx, body, limit)
	if errors.Is(err, storage.ErrTooLarge) {
		if limit < s.opts.UploadMaxBytes {
			return storage.File{}, errQuotaExceeded(s.opts.UploadQuota)
		}
		return storage.File{}, errFileTooLarge(s.opts.UploadMaxBytes)
	}
	if err != nil {
		return storage.File{}, storeErr(err, "file")
	}
	if blob.Size == 0 {
		return storage.File{}, ErrEmptyFile // the empty blob is swept
	}
	f := storage.File{
		FileInfo: storage.FileInfo{ID: s.ids.New(), Name: cleanFileName(name), Size: blob.Size, SHA256: blob.SHA256},
		Owner:    a.User.ID, Created: s.clock(),
	}
	if err := s.describe(ctx, &f); err != nil {
		return storage.File{}, err
	}
	if err := s.store.CreateFile(ctx, f); err != nil {
		return storage.File{}, storeErr(err, "file")
	}
	return f, nil
}

// UploadMaxBytes is the largest file the server takes (0: none).
func (s *Service) UploadMaxBytes() int64 { return s.opts.UploadMaxBytes }

// uploadLimit is how many bytes the actor may upload now: the size limit,
// less what goes past the actor's quota; a disk below its floor takes
// none. Administrators have no quota.
func (s *Service) uploadLimit(ctx context.Context, a Actor) (int64, error) {
	if s.opts.FreeSpace != nil && s.opts.DiskFloor > 0 {
		free, err := s.opts.FreeSpace()
		if err == nil && free < s.opts.DiskFloor {
			return 0, ErrDiskFull
		}
	}
	limit := s.opts.UploadMaxBytes
	if s.opts.UploadQuota <= 0 || a.IsAdmin() {
		return limit, nil
	}
	used, err := s.store.FilesSize(ctx, a.User.ID)
	if err != nil {
		return 0, storeErr(err, "file")
	}
	if left := s.opts.UploadQuota - used; left < limit {
		if left <= 0 {
			return 0, errQuotaExceeded(s.opts.UploadQuota)
		}
		limit = left
	}
	return limit, nil
}

// describe sniffs a stored file's content type from its first bytes and,
// for an image that can be shown, reads its size and makes its
// thumbnail. An image that cannot be read (truncated, or with too many
// pixels for its header to be trusted) stays a file without a thumbnail.
func (s *Service) describe(ctx context.Context, f *storage.File) error {
	r, err := s.store.OpenBlob(ctx, f.SHA256)
	if err != nil {
		return storeErr(err, "file")
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	f.ContentType = media.Sniff(head)
	if !media.Inline(f.ContentType) {
		return nil
	}
	info, err := media.Probe(br, nil)
	if err != nil {
		return nil
	}
	f.Width, f.Height = info.Width, info.Height
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return storeErr(err, "file")
	}
	// Decoding takes memory in proportion to the pixels: a few at a time.
	select {
	case s.thumbs <- struct{}{}:
		defer func() { <-s.thumbs }()
	case <-ctx.Done():
		return ctx.Err()
	}
	thumb, err := media.Thumbnail(bufio.NewReaderSize(r, 64<<10), ThumbSide, nil)
	if err != nil {
		return nil
	}
	b, err := s.store.PutBlob(ctx, bytes.NewReader(thumb.Data), int64(len(thumb.Data)))
	if err != nil {
		return storeErr(err, "file")
	}
	f.Thumb, f.ThumbType, f.ThumbWidth, f.ThumbHeight = b.SHA256, thumb.ContentType, thumb.Width, thumb.Height
	return nil
}

// cleanFileName makes a name fit to show and to offer as a download's
// name: its last path element, without control or invisible format
// characters, at most 255 characters; "file" if nothing is left.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxFileNameChars {
		name = string([]rune(name)[:maxFileNameChars])
	}
	if name == "" || name == "." || name == ".." || name == "/" {
		return "file"
	}
	return name
}

// OpenFile opens a file for the actor: the uploader may read it until a
// message carries it, and then whoever may read that message. Others
// find no such file. thumb asks for its thumbnail, which an image
// without one does not have.
func (s *Service) OpenFile(ctx context.Context, a Actor, id storage.ID, thumb bool) (storage.File, storage.BlobReader, error) {
	f, err := s.readableFile(ctx, a, id)
	if err != nil {
		return storage.File{}, nil, err
	}
	blob := f.SHA256
	if thumb {
		if f.Thumb == "" {
			return storage.File{}, nil, ErrNoSuchFile
		}
		blob = f.Thumb
	}
	r, err := s.store.OpenBlob(ctx, blob)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.File{}, nil, ErrNoSuchFile
	}
	if err != nil {
		return storage.File{}, nil, storeErr(err, "file")
	}
	return f, r, nil
}

// File describes a file the actor may read.
func (s *Service) File(ctx context.Context, a Actor, id storage.ID) (storage.File, error) {
	return s.readableFile(ctx, a, id)
}

func (s *Service) readableFile(ctx context.Context, a Actor, id storage.ID) (storage.File, error) {
	f, err := s.store.File(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.File{}, ErrNoSuchFile
	}
	if err != nil {
		return storage.File{}, storeErr(err, "file")
	}
	if f.Message.IsZero() {
		if f.Owner != a.User.ID {
			return storage.File{}, ErrNoSuchFile
		}
		return f, nil
	}
	if _, err := s.readableMessage(ctx, a, f.Message); err != nil {
		if _, ok := AsError(err); ok {
			return storage.File{}, ErrNoSuchFile
		}
		return storage.File{}, err
	}
	return f, nil
}

// attachable checks the files a new message is to carry: at most
// storage.MaxFilesPerMessage, none twice, each the actor's and carried by
// no message yet; it returns what the message shows of them.
func (s *Service) attachable(ctx context.Context, a Actor, ids []storage.ID) ([]storage.FileInfo, error) {
	if len(ids) > storage.MaxFilesPerMessage {
		return nil, Invalid("files", fmt.Sprintf("may name at most %d files", storage.MaxFilesPerMessage))
	}
	out := make([]storage.FileInfo, 0, len(ids))
	seen := map[storage.ID]bool{}
	for _, id := range ids {
		if seen[id] {
			return nil, Invalid("files", "must not name a file twice")
		}
		seen[id] = true
		f, err := s.store.File(ctx, id)
		if errors.Is(err, storage.ErrNotFound) || err == nil && (f.Owner != a.User.ID || !f.Message.IsZero()) {
			return nil, ErrNoSuchFile
		}
		if err != nil {
			return nil, storeErr(err, "file")
		}
		out = append(out, f.FileInfo)
	}
	return out, nil
}

// SweepFiles removes uploads that no message carried within
// UnattachedTTL, then the bytes no file uses any more. It returns how
// many files and blobs it removed.
func (s *Service) SweepFiles(ctx context.Context) (files, blobs int, err error) {
	now := s.clock()
	for {
		list, err := s.store.UnattachedFiles(ctx, now.Add(-UnattachedTTL), 500)
		if err != nil {
			return files, 0, storeErr(err, "file")
		}
		for _, f := range list {
			if err := s.store.DeleteFile(ctx, f.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return files, 0, storeErr(err, "file")
			}
			files++
		}
		if len(list) < 500 {
			break
		}
	}
	blobs, err = s.store.DeleteUnusedBlobs(ctx, now.Add(-blobGrace))
	if err != nil {
		return files, blobs, storeErr(err, "file")
	}
	return files, blobs, nil
}

func errFileTooLarge(max int64) error {
	return &Error{Kind: KindTooLarge, Field: "file", Msg: fmt.Sprintf("A file may be at most %s.", FormatBytes(max))}
}

func errQuotaExceeded(quota int64) error {
	return &Error{Kind: KindTooLarge, Field: "file", Msg: fmt.Sprintf("Your files would take more than your quota of %s: delete some, or ask an administrator.", FormatBytes(quota))}
}

// FormatBytes writes a size the way people read it: "25 MiB", "1.5 GiB",
// "512 bytes".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[exp]
}
