package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/makechat/makechat/appliance/chat"
)

// maxBody is the limit on JSON request bodies (API.md: 256 KiB).
const maxBody = 256 << 10

// date renders a time as relaxed Extended JSON: {"$date": "...Z"}.
type date time.Time

func (d date) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 40)
	b = append(b, `{"$date":"`...)
	b = time.Time(d).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return append(b, `"}`...), nil
}

// optDate is a date that may be unset (rendered as null).
func optDate(t time.Time) *date {
	if t.IsZero() {
		return nil
	}
	d := date(t)
	return &d
}

// writeJSON sends v with the given status. The body is spaced the way the
// original Python server wrote it (", " and ": " between items), so that
// scripts written against the seed's output keep matching.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"title": "Internal Server Error", "description": "The response could not be encoded."}`)
	}
	body := pySpaced(bytes.TrimRight(buf.Bytes(), "\n"))
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// pySpaced adds a space after every ':' and ',' that separates JSON
// tokens (never inside strings), as Python's json.dumps does.
func pySpaced(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}

// errTooLargeOr maps a body read error: over the limit is 413, a body
// that did not arrive before the request's deadline 408, anything else a
// malformed request.
func errTooLargeOr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errBodyTimeout
	}
	return malformed("The request body could not be read.")
}

// decode reads a JSON object body into dst. An empty body counts as {}
// (so required fields report as missing). Bodies over maxBody, invalid
// UTF-8, anything but one object, and values of the wrong type are
// refused with the documented errors.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength > maxBody {
		return errTooLarge
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return errTooLargeOr(err)
	}
	return decodeBytes(data, dst)
}

// decodeBytes is decode of a body already read.
func decodeBytes(data []byte, dst any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	if !utf8.Valid(data) {
		return malformed("The request body is not valid UTF-8.")
	}
	if data[0] != '{' {
		return malformed("The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return chat.Invalid(typeErr.Field, "must be "+kindName(typeErr.Type))
		}
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) {
			return malformed("The request body is not valid JSON: " + err.Error() + ".")
		}
		return malformed("The request body could not be decoded: " + err.Error() + ".")
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("The request body must hold one JSON object and nothing after it.")
	}
	return nil
}

// kindName names the JSON type a Go field expects, for error messages.
func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}
