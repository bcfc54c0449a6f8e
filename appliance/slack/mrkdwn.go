package slack

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
)

// mrkdwn translates Slack's text formatting into makechat's.
//
// Always: the control sequences in angle brackets — links <url> and
// <url|label> (a label becomes "label (url)", since makechat links bare
// URLs), <@user>, <#channel|name>, <!here>, <!channel>, <!everyone>,
// <!subteam^id|@team>, <!date^...|fallback> — and the three entities
// Slack escapes (&amp; &lt; &gt;). When format is true, the emphasis
// too: *bold* becomes **bold** and ~strike~ becomes ~~strike~~
// (_italic_, `code` and ```blocks``` read the same in both), except in
// code. Mattermost reads its attachments as markdown, and makechat's
// renderer reads every message so, so tools that leave out Slack's
// mrkdwn_in lose nothing by the translation.
func mrkdwn(s string, format bool) string {
	if format {
		s = emphasis(s)
	}
	return controls(s)
}

// controls replaces the control sequences <...> of s and its entities.
// A '<' without a '>' on the same line is left as it is.
func controls(s string) string {
	var b strings.Builder
	for {
		i, j := sequence(s)
		if i < 0 {
			break
		}
		b.WriteString(entities(s[:i]))
		b.WriteString(control(s[i+1 : j]))
		s = s[j+1:]
	}
	b.WriteString(entities(s))
	return b.String()
}

// sequence finds the first control sequence of s: the indexes of its
// '<' and '>', or -1, -1.
func sequence(s string) (int, int) {
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '<')
		if i < 0 {
			return -1, -1
		}
		i += off
		j := strings.IndexAny(s[i+1:], ">\n")
		if j >= 0 && s[i+1+j] == '>' {
			return i, i + 1 + j
		}
		off = i + 1
	}
}

var entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace

// control is the text of one control sequence (what is between < and >).
func control(seq string) string {
	target, label, _ := strings.Cut(seq, "|")
	target, label = entities(target), entities(label)
	switch {
	case target == "":
		return label
	case target[0] == '@': // a user: <@U123> or <@U123|name>
		if label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return target
	case target[0] == '#': // a channel
		if label != "" {
			return "#" + strings.TrimPrefix(label, "#")
		}
		return target
	case target[0] == '!': // a special mention, a user group, a date
		switch cmd, _, _ := strings.Cut(target[1:], "^"); cmd {
		case "here", "channel", "everyone":
			return "@" + cmd
		}
		return label
	}
	link := target
	if !storage.IsWebLink(link) {
		if label != "" {
			return label
		}
		return "<" + target + ">" // not Slack's: "Ann <ann@example.com>"
	}
	if label == "" || label == link || "mailto:"+label == link {
		return link
	}
	return label + " (" + link + ")"
}

// emphasis doubles Slack's single-character bold and strike markers,
// outside code and control sequences, where they open and close as Slack's do: an opening
// marker is not preceded by a letter or digit and is followed by
// something other than a space; its closing one on the same line is
// preceded by something other than a space and not followed by a letter
// or digit.
func emphasis(s string) string {
	if !strings.ContainsAny(s, "*~") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "```") { // a block: as it is, to its end
			end := strings.Index(s[i+3:], "```")
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(s[i : i+6+end])
			i += 6 + end
			continue
		}
		c := s[i]
		if c == '<' { // a control sequence: as it is
			if j, k := sequence(s[i:]); j == 0 {
				b.WriteString(s[i : i+k+1])
				i += k + 1
				continue
			}
		}
		if c == '`' { // a code span: as it is, to its end on the line
			end := strings.IndexAny(s[i+1:], "`\n")
			if end >= 0 && s[i+1+end] == '`' {
				b.WriteString(s[i : i+2+end])
				i += 2 + end
				continue
			}
		}
		if (c == '*' || c == '~') && opens(s, i) {
			if end := closing(s, i); end > 0 {
				b.WriteByte(c)
				b.WriteString(s[i : end+1])
				b.WriteByte(c)
				i = end + 1
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// opens reports whether the marker at s[i] may open emphasis.
func opens(s string, i int) bool {
	if i+1 >= len(s) || s[i+1] == s[i] || isSpace(s[i+1:]) {
		return false
	}
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if isWordRune(r) || r == rune(s[i]) {
			return false
		}
	}
	return true
}

// closing finds the marker that closes the one at s[i] on its line, or -1.
func closing(s string, i int) int {
	m := s[i]
	for j := i + 2; j < len(s); j++ {
		switch s[j] {
		case '\n':
			return -1
		case m:
			r, _ := utf8.DecodeLastRuneInString(s[:j])
			if unicode.IsSpace(r) {
				continue
			}
			if j+1 < len(s) {
				next, _ := utf8.DecodeRuneInString(s[j+1:])
				if isWordRune(next) || next == rune(m) {
					continue
				}
			}
			return j
		}
	}
	return -1
}

func isSpace(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
