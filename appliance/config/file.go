package config

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// maxFileSize bounds the config file; a real one is a few hundred bytes.
const maxFileSize = 1 << 20

// entry is one key = value line of the config file.
type entry struct {
	key   string
	value string
	line  int
}

// readFile reads the config file at path; see parseINI for its format.
func readFile(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: config file %s: %w", sanitize(path), err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config: config file %s: larger than %d bytes", sanitize(path), maxFileSize)
	}
	return parseINI(path, string(data))
}

// parseINI reads the INI format of the original makechat.conf, which
// Python's configparser read: "key = value" or "key: value" lines, blank
// lines, and comment lines starting with ";" or "#". Keys of the
// [DEFAULT] section, and keys before any section, come first; keys of a
// [makechat] section follow them and so win, as configparser's sections
// win over its defaults. Other sections are ignored. Keys are
// case-insensitive, and a value in double or single quotes loses them.
//
// Unlike configparser, a value never continues on the next line and ";"
// or "#" after a value is part of it, so that a secret may contain them.
func parseINI(name, text string) ([]entry, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	var defaults, section []entry
	current := &defaults
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("config: %s:%d: section header without a closing ]", sanitize(name), n)
			}
			switch strings.ToLower(strings.TrimSpace(line[1 : len(line)-1])) {
			case "default":
				current = &defaults
			case "makechat":
				current = &section
			default:
				current = nil
			}
			continue
		}
		sep := strings.IndexAny(line, "=:")
		if sep < 0 {
			return nil, fmt.Errorf("config: %s:%d: not a section, a comment or a key = value line", sanitize(name), n)
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(line[:sep])), "-", "_")
		if !validKey(key) {
			return nil, fmt.Errorf("config: %s:%d: the key before %q is not a name", sanitize(name), n, line[sep])
		}
		if current != nil {
			*current = append(*current, entry{key: key, value: unquote(strings.TrimSpace(line[sep+1:])), line: n})
		}
	}
	return append(defaults, section...), nil
}

// validKey reports whether key is made of lower-case ASCII letters,
// digits and underscores only.
func validKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		b := key[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// unquote strips one pair of matching double or single quotes.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}
