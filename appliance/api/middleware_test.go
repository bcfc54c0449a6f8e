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

func TestParseProxies(t *testing.T) {
	ps, err := ParseProxies([]string{" 10.0.0.0/8", "::1", "", "192.168.1.1"})
	assert.NoError(t, err)
	assert.Len(t, ps, 3)
	_, err = ParseProxies([]string{"nonsense"})
	assert.Error(t, err)
}
