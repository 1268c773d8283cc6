package export

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestLiteralForms: every PAD text literal form, with and without
// interpolation, as the credential rule sees it.
func TestLiteralForms(t *testing.T) {
	tests := []struct {
		name, value string
		literal     bool
	}{
		{"single-quoted", `'hunter2'`, true},
		{"triple-quoted with $", `$'''hunter2'''`, true},
		{"Power Fx text", `$fx'hunter2'`, true},
		{"Power Fx triple-quoted", `$fx'''hunter2'''`, true},
		{"escaped quote inside", `$'''it\'s'''`, true},
		{"quotes inside a triple-quoted literal", `$'''say 'hi' '''`, true},
		{"escaped percent signs are text", `$'''100\% sure\%'''`, true},
		{"multi-line", "$'''line one\nline two'''", true},
		{"interpolated triple-quoted", `$'''%Secret%'''`, false},
		{"interpolated inside text", `$'''pre-%Secret%-post'''`, false},
		{"interpolated single-quoted", `'%Secret%'`, false},
		{"a variable", `%Secret%`, false},
		{"a formula", `$fx'=Env.Get("k")'`, false},
		{"empty triple-quoted", `$''''''`, false},
		{"empty Power Fx", `$fx''`, false},
		{"a number", `42`, false},
		{"a literal and more", `$'''a''' + 'b'`, false},
		{"unclosed", `$'''never closed`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseScript("@SENSITIVE: [Password]\nSET Password TO "+tt.value+"\nSET After TO 1", nil)
			if got := len(f.credentials) == 1; got != tt.literal {
				t.Fatalf("literal: want %v, got credentials %+v", tt.literal, f.credentials)
			}
			if tt.literal && f.credentials[0].Line != 2 {
				t.Errorf("line: want 2, got %d", f.credentials[0].Line)
			}
		})
	}
}

// TestMultiLineLiteralKeepsLineNumbers: a literal spanning lines neither
// hides the statements after it nor shifts their line numbers.
func TestMultiLineLiteralKeepsLineNumbers(t *testing.T) {
	script := strings.Join([]string{
		"SET Body TO $'''Dear 'customer',",
		"External.InvokeCloudConnector Connection: 'fake' ConnectorId: 'x' OperationId: 'y'",
		"'''",
		"/# a comment with a 'quote",
		"   and a second line #/",
		"SET ApiKey TO $'''k3y'''",
		"External.InvokeCloudConnector Connection: 'p1' ConnectorId: '/providers/Microsoft.PowerApps/apis/shared_sql' OperationId: 'Q' Parameters: {{ 'a': $'''%x%''' }}",
	}, "\r\n")
	f := parseScript(script, map[string]string{"p1": "ref_sql"})
	if len(f.actions) != 1 || !slices.Equal(f.actions[0].Lines, []int{7}) || f.actions[0].Reference != "ref_sql" || f.actions[0].Operation != "Q" {
		t.Errorf("actions %+v: want one, line 7 (the one inside the literal is text)", f.actions)
	}
	if len(f.credentials) != 1 || f.credentials[0].Variable != "ApiKey" || f.credentials[0].Line != 6 {
		t.Errorf("credentials %+v: want ApiKey at line 6", f.credentials)
	}
}

// FuzzScript: any script tokenizes without a panic, and every statement
// has a token and a line within the script.
func FuzzScript(f *testing.F) {
	for _, s := range []string{"SET a TO $'''x'''", "/# #/", "%", "$fx'=1'", "'", "$'''\n\\", "@SENSITIVE: [a,b]\nSET a TO 'x'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		lines := strings.Count(script, "\n") + 1
		for _, s := range statements(script) {
			if len(s.tokens) == 0 || s.line < 1 || s.line > lines {
				t.Fatalf("statement %+v in a script of %d lines", s, lines)
			}
		}
		parseScript(script, nil)
	})
}

// FuzzStatementsWhere: tokenizing only the wanted statements (by their
// first token, their first two, and the bytes a wanted one starts with)
// gives exactly the wanted statements of a full tokenization.
func FuzzStatementsWhere(f *testing.F) {
	f.Add("SET Password TO 'x'\r\nUI.Click a: $'''multi\nline''' b\nDISABLE External.InvokeCloudConnector Connection: 'c'\n/# SET a TO 'b'\n#/ SET c TO %d%")
	f.Add("x 'unclosed\nSET a TO $fx'=1'\n%open 'q' \\'\n  DISABLE X\n'lit' SET\n/# c #/ SET Token TO 'v'")
	// Backslashes: escaped quotes that end on their line, and a newline
	// escaped inside a literal, which carries the statement onto the next.
	f.Add("UI.Click c: appmask['Anchor \\'Party\\''] x\r\nSET Pwd TO 'a'\r\nUI.Click 'esc\\\nSET Token TO 'b'' y\nSET Key TO 'c\\\\\nSET Secret TO 'd'")
	second := func(first, second token) bool {
		return first.text != "SET" || second.kind == tokWord && strings.Contains(second.text, "o")
	}
	f.Fuzz(func(t *testing.T, script string) {
		var want []statement
		for _, s := range statements(script) {
			if wanted(s.tokens[0]) && (len(s.tokens) < 2 || second(s.tokens[0], s.tokens[1])) {
				want = append(want, s)
			}
		}
		if got := statementsWhere(script, filter{first: wanted, second: second, starts: wantedWords}); !reflect.DeepEqual(got, want) {
			t.Fatalf("statementsWhere:\n%+v\nwant\n%+v", got, want)
		}
	})
}

// FuzzUnquoteJSON: the fast path decodes as encoding/json does.
func FuzzUnquoteJSON(f *testing.F) {
	f.Add(`"0123456789abcdef\\r\\n\\"0123456789\\u00e9abcdefgh"`)
	for _, s := range []string{`"a\r\nb"`, `"\u00e9\"\\\/"`, `"x" `, `"bad\x01"`, "\"\xff\"", `"a\q"`, `"`, `"é"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := unquoteJSON(s)
		var want string
		wantErr := json.Unmarshal([]byte(s), &want)
		if (err == nil) != (wantErr == nil) || got != want {
			t.Fatalf("unquoteJSON(%q) = %q, %v; encoding/json %q, %v", s, got, err, want, wantErr)
		}
	})
}

// BenchmarkParseScript reads the facts of botcreation's three real scripts
// (about 1,500 lines each, 28 connector actions, a backslash on one line
// in twelve): the part of an audit that grows with the scripts' size.
func BenchmarkParseScript(b *testing.B) {
	if _, err := os.Stat(realExports); err != nil {
		b.Skipf("the real exports are not here (%v)", err)
	}
	f, err := os.Open(filepath.Join(realExports, "botcreation", "customizations.xml"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var scripts []string
	if err := scanWorkflows(f, func(w xmlWorkflow, _ int) {
		if w.definition != nil {
			s, err := unquoteJSON(string(*w.definition))
			if err != nil {
				b.Fatal(err)
			}
			scripts = append(scripts, s)
		}
	}); err != nil || len(scripts) != 3 {
		b.Fatalf("%d scripts, %v", len(scripts), err)
	}
	size := 0
	for _, s := range scripts {
		size += len(s)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, s := range scripts {
			parseScript(s, nil)
		}
	}
}

// FuzzIsPasswordLike: the fast check agrees with the regexp on any name.
func FuzzIsPasswordLike(f *testing.F) {
	for _, s := range []string{"Password", "DB_PASSWD", "ApiKey", "api_key", "Token2", "CaseNumber", "pa\u017F\u017Fword", "api\u212Aey", "X", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := isPasswordLike(name), passwordLike.MatchString(name); got != want {
			t.Fatalf("isPasswordLike(%q) = %v, the regexp says %v", name, got, want)
		}
	})
}

// FuzzLiteralFastPath: a literal read by literal (which finds a plain
// single-quoted one with vectorized searches) is the literal scanLiteral
// reads a byte at a time: the same token, the same end, the same line.
func FuzzLiteralFastPath(f *testing.F) {
	for _, s := range []string{"'abc' x", "$fx'=1' y", "$'%a% %b%'", "'a\\'b'", "'a\nb'", "''", "'unclosed", "$fx'%x%'", "'''x'''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if !strings.HasPrefix(src, "'") && !strings.HasPrefix(src, "$'") && !strings.HasPrefix(src, "$fx'") {
			src = "'" + src
		}
		fast := &lexer{src: src, line: 1}
		fastOK := fast.literal()
		prefix, body, quote := literalForm(src)
		slow := &lexer{src: src, line: 1}
		slowOK := slow.scanLiteral(prefix, body, quote)
		if fastOK != slowOK || fast.pos != slow.pos || fast.line != slow.line || !reflect.DeepEqual(fast.arena, slow.arena) {
			t.Fatalf("%q: literal %v at %d line %d %+v; scanLiteral %v at %d line %d %+v", src, fastOK, fast.pos, fast.line, fast.arena, slowOK, slow.pos, slow.line, slow.arena)
		}
	})
}

// FuzzHazards: hazards finds every occurrence of its three sequences,
// overlapping ones included, in order.
func FuzzHazards(f *testing.F) {
	for _, s := range []string{"''''", "a/#/#b", "x\\\n\\\\\n", "$'''a''' '' / # \\", "", "0123456'''\\\n/#'''''/#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) { checkHazards(t, src) })
}

// TestHazardsAtEveryOffset: each sequence is found at every offset, among
// bytes that start it (a faster search would have to read several bytes
// at once: this is where it would go wrong).
func TestHazardsAtEveryOffset(t *testing.T) {
	for _, seq := range []string{"'''", "''''", "/#", "\\\n", "'' '", "/ #", "\\ \n"} {
		for _, filler := range []string{"x", "'", "/", "\\"} {
			for at := range 24 {
				checkHazards(t, strings.Repeat(filler, at)+seq+strings.Repeat(filler, 24-at))
			}
		}
	}
}

func checkHazards(t *testing.T, src string) {
	t.Helper()
	want := []int{}
	for i := range src {
		for _, seq := range []string{"'''", "/#", "\\\n"} {
			if strings.HasPrefix(src[i:], seq) {
				want = append(want, i)
			}
		}
	}
	if got := hazards(src); !slices.Equal(got, want) {
		t.Fatalf("hazards(%q) = %v, want %v", src, got, want)
	}
}
