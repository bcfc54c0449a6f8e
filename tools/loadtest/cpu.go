package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const userHZ = 100

// cpuSample is the machine's busy CPU time and the part of it spent by
// this tool and the servers it started, at one moment.
type cpuSample struct {
	at         time.Time
	busy, ours int64 // clock ticks
}

// sampleCPU reads /proc. Servers still running are named by live; those
// that ended count through this process's children's times.
func sampleCPU(live ...int) cpuSample {
	s := cpuSample{at: time.Now()}
	if f := strings.Fields(firstLine(readFile("/proc/stat"))); len(f) > 8 && f[0] == "cpu" {
		// user nice system idle iowait irq softirq steal
		for _, i := range []int{1, 2, 3, 6, 7, 8} {
			s.busy += atoi(f[i])
		}
	}
	s.ours = procTicks("self", true)
	for _, pid := range live {
		s.ours += procTicks(strconv.Itoa(pid), false)
	}
	return s
}

// procTicks is a process's user and system time, with that of its
// waited-for children if children is set.
func procTicks(pid string, children bool) int64 {
	stat := readFile("/proc/" + pid + "/stat")
	// The command name may hold spaces; the fields after it do not.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14, so f[11].
	if len(f) < 15 {
		return 0
	}
	t := atoi(f[11]) + atoi(f[12])
	if children {
		t += atoi(f[13]) + atoi(f[14])
	}
	return t
}

// othersCores is how many cores, on average, processes other than the
// tool and its servers kept busy between two samples.
func othersCores(from, to cpuSample) float64 {
	wall := to.at.Sub(from.at).Seconds()
	if wall <= 0 {
		return 0
	}
	others := float64((to.busy-from.busy)-(to.ours-from.ours)) / userHZ
	return max(others/wall, 0)
}

func cpuNote(from, to cpuSample) string {
	c := othersCores(from, to)
	note := fmt.Sprintf("other processes kept %.2f cores busy meanwhile", c)
	if c > 0.1 {
		note += ": these figures are disturbed"
	}
	return note
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// livePIDs are the servers the runner started that are still running.
func (r *runner) livePIDs() []int {
	if r.main != nil && r.main.srv != nil {
		return []int{r.main.srv.pid()}
	}
	return nil
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
