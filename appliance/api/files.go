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
	r.Body = http.MaxBytesReader(w, r.Body, s.chat.UploadMaxBytes()+uploadSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return chat.Invalid("file", "must be sent as multipart/form-data, in a part named 'file'")
	}
	body := &uploadBody{rc: http.NewResponseController(w)}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return chat.Missing("file")
		}
		if err != nil {
			return errUploadRead(err)
		}
		if part.FormName() != "file" {
			if _, err := io.Copy(io.Discard, io.LimitReader(part, uploadSlack)); err != nil {
				return errUploadRead(err)
			}
			continue
		}
		body.r = part
		f, err := s.chat.Upload(r.Context(), a, part.FileName(), body)
		if body.err != nil && !errors.Is(body.err, io.EOF) {
			// The client's body failed, not the store: say what it did.
			return errUploadRead(body.err)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, viewFile(f.FileInfo))
		return nil
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
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		// A file never changes under its id.
		h.Set("Cache-Control", "private, max-age=31536000, immutable")
		h.Set("ETag", `"`+etag+`"`)
		disposition := "attachment"
		if !download && media.Inline(ctype) {
			disposition = "inline"
		}
		h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
		http.ServeContent(w, r, "", f.Created, body)
		return nil
	}
}
