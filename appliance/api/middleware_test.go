package api

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoggedPath_MasksWebhookSecrets(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/hooks/abcdefghijklmnopqrstuvwxyz012345", nil)
	assert.Equal(t, "/api/hooks/…", loggedPath(r))
	r = httptest.NewRequest("GET", "/api/rooms", nil)
	assert.Equal(t, "/api/rooms", loggedPath(r))
}
