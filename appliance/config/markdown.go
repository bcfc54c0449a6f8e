package config

import "strings"

// Markdown renders the option table as a Markdown table with the columns
// key, environment variable, flag, default and description. The docs
// paste it, and a test keeps them in step.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| key | environment | flag | default | description |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, o := range Options() {
		def := o.docDefault
		if def == "" && o.Default != "" {
			def = "`" + o.Default + "`"
		}
		if def == "" {
			def = "empty"
		}
		b.WriteString("| `" + o.Key + "` | `" + o.Env + "` | `--" + o.Flag + "` | " + def + " | " + strings.ReplaceAll(o.Help, "|", `\|`) + " |\n")
	}
	return b.String()
}
