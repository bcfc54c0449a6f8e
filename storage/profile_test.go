package storage

import (
	"strings"
	"testing"
	"time"
)

func TestProfileChecks_AcceptNamesAndStatusesAndRefuseWhatCouldHideOrReverseText(t *testing.T) {
	cases := []struct {
		check string
		fn    func(string) error
		value string
		why   string // "" when the value is accepted, else a part of the error
	}{
		{"display name", CheckDisplayName, "", ""},
		{"display name", CheckDisplayName, "Alice Martin", ""},
		{"display name", CheckDisplayName, "José Ñúñez 🇪🇸", ""},
		{"display name", CheckDisplayName, "שרה כהן", ""},
		{"display name", CheckDisplayName, strings.Repeat("é", 64), ""},
		{"display name", CheckDisplayName, strings.Repeat("é", 65), "65 characters, at most 64"},
		{"display name", CheckDisplayName, "Alice\nAdmin", "control character U+000A"},
		{"display name", CheckDisplayName, "tab\there", "control character U+0009"},
		{"display name", CheckDisplayName, "nul\x00", "control character U+0000"},
		{"display name", CheckDisplayName, "\u202Enimda", "formatting character U+202E"},
		{"display name", CheckDisplayName, "admin\u200B", "formatting character U+200B"},
		{"display name", CheckDisplayName, "\u2066isolate\u2069", "formatting character U+2066"},
		{"display name", CheckDisplayName, "\uFEFFbom", "formatting character U+FEFF"},
		{"display name", CheckDisplayName, "👩‍💻 Dev", "formatting character U+200D"},
		{"display name", CheckDisplayName, " padded", "spaces"},
		{"display name", CheckDisplayName, "bad\xff", "UTF-8"},

		{"status", CheckStatusText, "", ""},
		{"status", CheckStatusText, "🌴 On holiday until Monday", ""},
		{"status", CheckStatusText, "👩‍💻 Heads down", ""},
		{"status", CheckStatusText, "🏳️‍🌈 Pride week", ""},
		{"status", CheckStatusText, "🧑🏽‍🚀 Launch day", ""},
		{"status", CheckStatusText, "❤️‍🔥", ""},
		{"status", CheckStatusText, "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F Rugby", ""},
		{"status", CheckStatusText, "In a meeting", ""},
		{"status", CheckStatusText, strings.Repeat("x", 100), ""},
		{"status", CheckStatusText, strings.Repeat("x", 101), "101 characters, at most 100"},
		{"status", CheckStatusText, "two\nlines", "control character U+000A"},
		{"status", CheckStatusText, "\u202Eyadiloh no", "formatting character U+202E outside an emoji"},
		{"status", CheckStatusText, "a\u200Db", "U+200D outside an emoji"},
		{"status", CheckStatusText, "\u200D🌴", "U+200D outside an emoji"},
		{"status", CheckStatusText, "🌴\u200D", "U+200D outside an emoji"},
		{"status", CheckStatusText, "🌴\u200D\u200D🌴", "U+200D outside an emoji"},
		{"status", CheckStatusText, "hidden\U000E0067\U000E007F", "U+E0067 outside an emoji"},
		{"status", CheckStatusText, "🏴\U000E0067\U000E0062", "U+E0067 outside an emoji"},
		{"status", CheckStatusText, "🏴\U000E007F", "U+E007F outside an emoji"},
		{"status", CheckStatusText, "zero\u200Bwidth", "U+200B outside an emoji"},
		{"status", CheckStatusText, "busy ", "spaces"},
	}
	for _, c := range cases {
		err := c.fn(c.value)
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%s %q: refused (%v), want accepted", c.check, c.value, err)
		case c.why != "" && err == nil:
			t.Errorf("%s %q: accepted, want refused for %q", c.check, c.value, c.why)
		case c.why != "" && !strings.Contains(err.Error(), c.why):
			t.Errorf("%s %q: %q, want it to say %q", c.check, c.value, err, c.why)
		}
	}
}

func TestStatusAt_HidesAStatusFromTheMomentItExpires(t *testing.T) {
	end := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	st := Status{Text: "In a meeting", Expires: end}
	if got := st.At(end.Add(-time.Millisecond)); got != st {
		t.Errorf("just before its end: %+v, want it shown", got)
	}
	for _, now := range []time.Time{end, end.Add(time.Millisecond), end.AddDate(1, 0, 0)} {
		if got := st.At(now); got != (Status{}) {
			t.Errorf("at %v: %+v, want none", now, got)
		}
	}
	forever := Status{Text: "Working from Lyon"}
	if got := forever.At(end.AddDate(100, 0, 0)); got != forever {
		t.Errorf("without an expiry: %+v, want it shown for ever", got)
	}
	if got := (Status{Expires: end}).At(end.Add(-time.Hour)); got != (Status{}) {
		t.Errorf("no text: %+v, want none", got)
	}
}
