package main

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// summary is the distribution of a set of latencies.
type summary struct {
	n             int
	p50, p99, max time.Duration
}

// summarize sorts d in place and reads its percentiles.
func summarize(d []time.Duration) summary {
	slices.Sort(d)
	if len(d) == 0 {
		return summary{}
	}
	return summary{n: len(d), p50: percentile(d, 0.50), p99: percentile(d, 0.99), max: d[len(d)-1]}
}

// percentile is the nearest-rank percentile q (0 < q <= 1) of sorted
// values: the smallest value that at least q of them do not exceed.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// median of d, which is left as it is.
func median(d []time.Duration) time.Duration { return percentile(sortedCopy(d), 0.5) }

func sortedCopy(d []time.Duration) []time.Duration {
	c := slices.Clone(d)
	slices.Sort(c)
	return c
}

// perSecond is n events over d.
func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// fmtDur prints a latency with three significant figures or so.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

// fmtRate prints events per second, rounded, with thousands separators.
func fmtRate(f float64) string { return thousands(int64(f+0.5)) + "/s" }

// thousands prints n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// percent prints part/whole as a percentage.
func percent(part, whole float64) string {
	if whole <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*part/whole)
}
