package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// axeSource is axe-core (testdata/README.md says which and whence). It is
// evaluated in the page through DevTools, which the page's CSP does not
// govern; nothing of it is served by makechat.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeViolation is one rule axe-core found broken, with the elements
// (Targets: their selectors; Nodes: each selector and what is wrong).
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
	Nodes   []string `json:"nodes"`
}

// axeRun runs axe-core's default rules (WCAG 2 A and AA, and its best
// practices) on the page as it is now and returns what it found.
func axeRun(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		step(t, ctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;void 0"))
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r =>
	  r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
	    targets: v.nodes.map(n => n.target.map(String).join(' >>> ')),
	    nodes: v.nodes.map(n => n.target.map(String).join(' >>> ') + (n.failureSummary ? ': ' + n.failureSummary.replace(/\s+/g, ' ') : ''))})))`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err, "running axe-core")
	return found
}

// axeScan fails the test with every accessibility violation axe-core
// finds on the page as it is now (what names the page in the messages):
// each rule's id and impact, and the elements that break it.
func axeScan(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	axeScanExpecting(t, ctx, what)
}

// axeScanExpecting is axeScan on a page with violations that are known
// and being fixed elsewhere: the rules named in known are reported in the
// log instead of failing the test, every other rule fails it, and a
// known rule that is no longer found fails it too, so that the exception
// is removed as soon as it is not needed. A known rule may be narrowed to
// one element, "rule-id on selector" (as axe-core names the element): it
// is then known only where that element alone breaks it.
func axeScanExpecting(t *testing.T, ctx context.Context, what string, known ...string) {
	t.Helper()
	found := axeRun(t, ctx)
	var report []string
	seen := map[string]bool{}
	for _, v := range found {
		line := fmt.Sprintf("%s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
		k := v.ID
		if len(v.Targets) == 1 && slices.Contains(known, v.ID+" on "+v.Targets[0]) {
			k = v.ID + " on " + v.Targets[0]
		}
		if slices.Contains(known, k) {
			seen[k] = true
			t.Logf("axe on %s, known violation: %s", what, line)
			continue
		}
		report = append(report, line)
	}
	for _, k := range known {
		if !seen[k] {
			report = append(report, fmt.Sprintf("%s: no longer found; remove it from the known violations of this scan", k))
		}
	}
	if len(report) > 0 {
		t.Errorf("axe-core on %s: %d violations:\n  %s", what, len(report), strings.Join(report, "\n  "))
	}
}
