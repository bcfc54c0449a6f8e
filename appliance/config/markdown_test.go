package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarkdown_ListsEveryOption(t *testing.T) {
	t.Parallel()
	md := Markdown()
	for _, o := range Options() {
		assert.Contains(t, md, "| `"+o.Key+"` | `"+o.Env+"` | `--"+o.Flag+"` |")
	}
	// The table must not depend on the machine it is rendered on.
	assert.NotContains(t, md, DefaultDataDir())
}

func TestMarkdown_DocsContainTheTable(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	require.NoError(t, err)
	assert.Contains(t, string(doc), Markdown(),
		"docs/configuration.md is out of date: paste the output of config.Markdown() into it")
}
