package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/media"
	"github.com/makechat/makechat/storage"
)

// fileView is a file as the API shows it, in an upload's answer and in
// the messages that carry it: its description and where to get it (url
// shows it, download_url saves it under its name, thumb_url is an
// image's thumbnail).
type fileView struct {
	ID          storage.ID `json:"_id"`
	Name        string     `json:"name"`
	Size        int64      `json:"size"`
	ContentType string     `json:"content_type"`
	SHA256      string     `json:"sha256"`
	Width       int        `json:"width,omitempty"`
	Height      int        `json:"height,omitempty"`
	URL         string     `json:"url"`
	DownloadURL string     `json:"download_url"`
	ThumbURL    string     `json:"thumb_url,omitempty"`
	ThumbWidth  int        `json:"thumb_width,omitempty"`
	ThumbHeight int        `json:"thumb_height,omitempty"`
}

func viewFile(f storage.FileInfo) fileView {
	base := "/api/files/" + f.ID.Hex()
	v := fileView{
		ID: f.ID, Name: f.Name, Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256, Width: f.Width, Height: f.Height,
		URL: base, DownloadURL: base + "/download/" + url.PathEscape(f.Name),
	}
	if f.ThumbWidth > 0 {
		v.ThumbURL, v.ThumbWidth, v.ThumbHeight = base+"/thumb", f.ThumbWidth, f.ThumbHeight
	}
	return v
}

// uploadSlack is what a multipart body may hold besides its file: the
// part headers and boundaries, and small fields before it.
const uploadSlack = 64 << 10

// upload takes a multipart/form-data body whose part "file" is the file,
// streamed to the store as it arrives.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	name, body, err := filePart(w, r, s.chat.UploadMaxBytes())
	if err != nil {
		return err
	}
	f, err := s.chat.Upload(r.Context(), a, name, body)
	if err := body.failed(err); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewFile(f.FileInfo))
	return nil
}

// filePart finds the part named "file" of a multipart/form-data body of
// at most max bytes (with uploadSlack for the rest), skipping others, and
// returns its file name and a reader of it.
func filePart(w http.ResponseWriter, r *http.Request, max int64) (string, *uploadBody, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max+uploadSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, chat.Invalid("file", "must be sent as multipart/form-data, in a part named 'file'")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, chat.Missing("file")
		}
		if err != nil {
			return "", nil, errUploadRead(err)
		}
		if part.FormName() == "file" {
			return part.FileName(), &uploadBody{rc: http.NewResponseController(w), r: part}, nil
		}
		if _, err := io.Copy(io.Discard, io.LimitReader(part, uploadSlack)); err != nil {
			return "", nil, errUploadRead(err)
		}
	}
}

// uploadIdle is how long an upload may go without a byte: the request's
// deadline moves on with each read, so a large file on a slow link
// arrives, and a stalled one is cut off.
const uploadIdle = 30 * time.Second

// uploadBody reads an upload's file part, moving the connection's read
// deadline on as bytes arrive and keeping the first error.
type uploadBody struct {
	rc  *http.ResponseController
	r   io.Reader
	err error
}

// failed is the error of an upload that err ended: the client's, if its
// body failed (not the store), else err.
func (b *uploadBody) failed(err error) error {
	if b.err != nil && !errors.Is(b.err, io.EOF) {
		return errUploadRead(b.err)
	}
	return err
}

func (b *uploadBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(uploadIdle))
	n, err := b.r.Read(p)
	if err != nil && b.err == nil {
		b.err = err
	}
	return n, err
}

// errUploadRead maps a failed read of an upload's body.
func errUploadRead(err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &httpError{status: http.StatusRequestEntityTooLarge, title: "Request body too large", description: "The upload is larger than this server takes."}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errBodyTimeout
	}
	return &httpError{status: http.StatusBadRequest, title: "Malformed upload", description: "The multipart body could not be read: it is malformed or was cut off."}
}

// serveFile sends a file's bytes (or its thumbnail) to whoever may read
// it, with the headers that keep a hostile file harmless: the sniffed
// type, nosniff, a sandboxing CSP, and attachment for all but the
// images a browser shows safely.
func (s *Server) serveFile(thumb, download bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
		id, err := storage.ParseID(r.PathValue("id"))
		if err != nil {
			return chat.ErrNoSuchFile
		}
		f, body, err := s.chat.OpenFile(r.Context(), a, id, thumb)
		if err != nil {
			return err
		}
		defer body.Close()
		ctype, etag := f.ContentType, f.SHA256
		if thumb {
			ctype, etag = f.ThumbType, f.Thumb
		}
		sendBlob(w, r, body, blobHeaders{ctype: ctype, etag: etag, name: f.Name, download: download, modified: f.Created})
		return nil
	}
}

// blobHeaders say how sendBlob serves stored bytes.
type blobHeaders struct {
	ctype, etag, name string
	download          bool
	modified          time.Time
}

// sendBlob serves stored bytes with the headers that keep a hostile file
// harmless: the sniffed type, nosniff, a sandboxing CSP, and attachment
// for all but the images a browser shows safely; Range and ETags.
func sendBlob(w http.ResponseWriter, r *http.Request, body io.ReadSeeker, h blobHeaders) {
	hd := w.Header()
	hd.Set("Content-Type", h.ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	// Stored bytes never change under their id (or, for an avatar,
	// under the URL versioned by its bytes).
	hd.Set("Cache-Control", "private, max-age=31536000, immutable")
	hd.Set("ETag", `"`+h.etag+`"`)
	disposition := "attachment"
	if !h.download && media.Inline(h.ctype) {
		disposition = "inline"
	}
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": h.name}))
	http.ServeContent(w, r, "", h.modified, body)
}

// avatarURL is where a user's avatar is served, versioned by its bytes
// so that a new one is not hidden by a cached old one; "" for none.
func avatarURL(user storage.ID, avatar string) string {
	if avatar == "" {
		return ""
	}
	return "/api/users/" + user.Hex() + "/avatar?v=" + avatar[:12]
}

// setAvatar makes the caller's avatar from the image in the part "file".
func (s *Server) setAvatar(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	_, body, err := filePart(w, r, chat.MaxAvatarBytes)
	if err != nil {
		return err
	}
	u, err := s.chat.SetAvatar(r.Context(), a, body)
	if err := body.failed(err); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewUser(u))
	return nil
}

func (s *Server) removeAvatar(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	if err := s.chat.RemoveAvatar(r.Context(), a); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// serveAvatar serves a user's avatar to any user.
func (s *Server) serveAvatar(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return chat.ErrNoSuchAvatar
	}
	u, body, err := s.chat.OpenAvatar(r.Context(), id)
	if err != nil {
		return err
	}
	defer body.Close()
	var head [512]byte
	n, _ := io.ReadFull(body, head[:])
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sendBlob(w, r, body, blobHeaders{ctype: media.Sniff(head[:n]), etag: u.Avatar, name: u.Username + "-avatar", modified: u.Created})
	return nil
}
