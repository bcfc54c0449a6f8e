package api_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIntegrationsDoc_CurlLinesWork runs the curl lines of
// docs/integrations.md, as a reader would paste them, against a real
// server: each answers with an object that has an id. Lines that call
// a receiver of the reader's own (bots.example.com) are left out: this
// machine cannot reach it, and the API tests cover them.
func TestIntegrationsDoc_CurlLinesWork(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("MAKECHAT_E2E") != "" {
			t.Fatal("curl is missing (scripts/test installs it)")
		}
		t.Skip("curl is not installed (apt-get install curl)")
	}
	doc, err := os.ReadFile("../../docs/integrations.md")
	require.NoError(t, err)
	e := newEnv(t)
	room := e.createRoom("alerts", "")
	_, hookURL := e.newHook(room, "alerts")
	bot, _ := e.newBot(e.adminToken, "test-bot")
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	ran := 0
	for _, b := range blocks {
		script := b[1]
		if strings.Contains(script, "bots.example.com") {
			continue
		}
		script = strings.NewReplacer("https://chat.example.com", e.srv.URL, "ROOM_ID", room, "BOT_ID", bot).Replace(script)
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
		cmd.Env = append(os.Environ(), "HOOK_URL="+e.srv.URL+hookURL, "TOKEN="+e.adminToken, "ADMIN_TOKEN="+e.adminToken)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", script, out)
		lines := strings.Count(script, "curl ")
		assert.Equal(t, lines, strings.Count(string(out), `"_id"`), "each curl line is answered with an object:\n%s\n%s", script, out)
		ran++
	}
	assert.GreaterOrEqual(t, ran, 5, "the doc's curl blocks were found")
	r := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.adminToken})
	for _, want := range []string{"Backup of **db-1** finished in 4 min", `"title": "Disk almost full"`, "from a form"} {
		assert.Contains(t, r.body, want)
	}
}
