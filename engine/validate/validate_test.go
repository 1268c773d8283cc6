package validate_test

import (
	"strings"
	"testing"

	"github.com/padlock/padlock/engine/validate"
)

// TestQueryProblemsNameTheirLine: a query body is located as a file is,
// so that a caller can find what is wrong in what they sent.
func TestQueryProblemsNameTheirLine(t *testing.T) {
	v, err := validate.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		line       int
		pointer    string
		message    string
	}{
		{"a syntax error", "{\n\"action\": \"run\",\n\"principal\": x\n}", 3, "", "invalid character 'x'"},
		{"a truncated body", "{\n\"action\": \"run\",\n", 3, "", "unexpected end of JSON input"},
		{"a second value", "{\"action\": \"run\", \"principal\": \"user:a@b.c\", \"flow\": \"f\"}\n\n{}", 3, "", "more after the value"},
		{"a stray closing brace", "{\"action\": \"run\", \"principal\": \"user:a@b.c\", \"flow\": \"f\"}\n}", 2, "", "more after the value"},
		{"a value the schema refuses", "{\n\"action\": \"run\",\n\"principal\": \"user:a@b.c\",\n\"flow\": \" f \"\n}", 4, "/flow", ""},
		{"a missing property: the object's line", "\n{\"action\": \"run\"}", 2, "", "missing properties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, probs := v.QueryJSON([]byte(tt.body))
			if len(probs) == 0 {
				t.Fatal("no problem")
			}
			p := probs[0]
			if p.Line != tt.line || p.Pointer != tt.pointer || !strings.Contains(p.Message, tt.message) {
				t.Errorf("got line %d pointer %q %q, want line %d pointer %q and %q", p.Line, p.Pointer, p.Message, tt.line, tt.pointer, tt.message)
			}
		})
	}
}
