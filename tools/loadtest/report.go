package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"
)

// printHeader describes the machine and the run.
func printHeader(w io.Writer, args []string) {
	fmt.Fprintln(w, "makechat load test")
	fmt.Fprintf(w, "date:     %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "machine:  %d cores, %s, %s RAM\n", runtime.NumCPU(), cpuModel(), memTotal())
	fmt.Fprintf(w, "kernel:   %s\n", strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")))
	fmt.Fprintf(w, "go:       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "load:     %s (1, 5, 15 min averages before the run)\n", loadAverage())
	fmt.Fprintf(w, "command:  %s\n\n", strings.Join(args, " "))
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return string(b)
}

func cpuModel() string {
	for line := range strings.Lines(readFile("/proc/cpuinfo")) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	for line := range strings.Lines(readFile("/proc/meminfo")) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kib int64
			if _, err := fmt.Sscan(rest, &kib); err == nil {
				return fmt.Sprintf("%.0f GiB", float64(kib)/(1<<20))
			}
		}
	}
	return "unknown"
}

// table is a plain aligned text table: the first column left-aligned,
// the others right-aligned, with notes under it.
type table struct {
	title string
	cols  []string
	rows  [][]string
	notes []string
}

func newTable(title string, cols ...string) *table { return &table{title: title, cols: cols} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

func (t *table) print(w io.Writer) {
	widths := make([]int, len(t.cols))
	for _, row := range append([][]string{t.cols}, t.rows...) {
		for i, c := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	fmt.Fprintf(w, "== %s\n", t.title)
	line := func(row []string) {
		var b strings.Builder
		for i, c := range row {
			if i >= len(widths) {
				break
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.cols)
	for _, row := range t.rows {
		line(row)
	}
	for _, n := range t.notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	fmt.Fprintln(w)
}
