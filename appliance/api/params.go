package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// Paging limits (API.md).
const (
	defaultLimit = 25
	maxLimit     = 100
	maxOffset    = 1_000_000_000
)

// pathID reads the {id} path segment; a value that is not an ObjectId
// names nothing, so it is answered 404 like an unknown id.
func pathID(r *http.Request, what string) (storage.ID, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return id, chat.NotFound(what)
	}
	return id, nil
}

// page reads ?limit= and ?offset=.
func page(r *http.Request) (storage.Page, error) {
	q := r.URL.Query()
	p := storage.Page{Limit: defaultLimit}
	var err error
	if p.Limit, err = intParam(q, "limit", defaultLimit, 1, maxLimit); err != nil {
		return p, err
	}
	if p.Offset, err = intParam(q, "offset", 0, 0, maxOffset); err != nil {
		return p, err
	}
	return p, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < lo || n > hi {
		return 0, chat.Invalid(name, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
	}
	return n, nil
}

// setPaging writes X-Total-Count and a Link header with the next and
// previous pages of an offset-paged list.
func setPaging(w http.ResponseWriter, r *http.Request, p storage.Page, total int) {
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	var links []string
	link := func(offset int, rel string) {
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(p.Limit))
		q.Set("offset", strconv.Itoa(offset))
		links = append(links, fmt.Sprintf(`<%s?%s>; rel="%s"`, r.URL.Path, q.Encode(), rel))
	}
	if p.Offset+p.Limit < total {
		link(p.Offset+p.Limit, "next")
	}
	if p.Offset > 0 {
		link(max(p.Offset-p.Limit, 0), "prev")
	}
	for _, l := range links {
		w.Header().Add("Link", l)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// notifyInput reads a conversation's notification settings from a body:
// "notify" (a level) and "muted_until" (a time as timeInput reads it, or
// null to end the mute).
type notifyInput struct {
	Notify     *string  `json:"notify"`
	MutedUntil rawField `json:"muted_until"`
}

func (in notifyInput) change() (chat.NotifyChange, error) {
	c := chat.NotifyChange{Level: in.Notify}
	if in.MutedUntil.set {
		t, err := timeInput(in.MutedUntil, "muted_until")
		if err != nil {
			return c, err
		}
		c.MutedUntil = &t
	}
	return c, nil
}
