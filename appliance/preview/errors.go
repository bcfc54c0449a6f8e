package preview

import (
	"errors"
	"fmt"
)

// The errors of a page that has no preview to give. ErrNotHTML and
// ErrStatus wrap ErrNoPreview, so that a caller that only shows or does
// not show a preview tests for that one. A URL the egress policy refuses
// fails with an error that wraps egress.ErrRefused instead.
var (
	ErrNoPreview = errors.New("the page has no preview")
	ErrNotHTML   = fmt.Errorf("%w: the answer is not an HTML page", ErrNoPreview)
	ErrStatus    = fmt.Errorf("%w: the server answered with an error status", ErrNoPreview)
)
