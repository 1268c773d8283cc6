package audit

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/padlock/padlock/engine/document"
)

// someFindings are n findings in no order, with the fields the report
// order compares varied (and some left empty, which gob does not write).
func someFindings(n int) []document.Finding {
	r := rand.New(rand.NewPCG(1, 2))
	severities := []string{"info", "warning", "error"}
	out := make([]document.Finding, n)
	for i := range out {
		f := document.Finding{
			Rule: fmt.Sprintf("PL%03d", r.IntN(12)), Severity: severities[r.IntN(3)],
			Flow: fmt.Sprintf("flow-%d", r.IntN(n/3+1)), Message: fmt.Sprintf("message %d", r.IntN(50)),
			Location: document.Location{File: fmt.Sprintf("solution-%d.zip", r.IntN(3))},
		}
		f.FlowName = "Flow " + f.Flow
		if r.IntN(2) == 0 {
			f.Reference = fmt.Sprintf("ref_%d", r.IntN(4))
		}
		if r.IntN(3) == 0 {
			f.Principal = fmt.Sprintf("user:u%d@example.com", r.IntN(5))
		}
		if r.IntN(2) == 0 {
			f.Location.Element, f.Location.Line = fmt.Sprintf("Workflows/x.xml/Definition, script line %d", i), i
		}
		out[i] = f
	}
	return out
}

// TestFindingsRunsMerge: whatever the size of the runs the findings are
// kept in, they read back all, in report order, as a plain sort gives.
func TestFindingsRunsMerge(t *testing.T) {
	in := someFindings(1000)
	want := slices.Clone(in)
	sortFindings(want)
	for _, size := range []int{1, 3, 64, 999, 1000, 5000} {
		t.Run(fmt.Sprintf("runSize=%d", size), func(t *testing.T) {
			fs := &Findings{runSize: size}
			for _, f := range in {
				if err := fs.add(f); err != nil {
					t.Fatal(err)
				}
			}
			got, err := fs.Slice()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d runs: the findings read back differ from the sorted ones", len(fs.runs))
			}
			if size < len(in) && len(fs.runs) == 0 {
				t.Errorf("runSize %d: no run was encoded", size)
			}
			errors := 0
			for _, f := range in {
				if f.Severity == "error" {
					errors++
				}
			}
			if fs.Len() != len(in) || fs.Count("error") != errors || fs.AtLeast(0) != len(in) || fs.AtLeast(2) != errors {
				t.Errorf("Len %d, Count(error) %d, AtLeast(0) %d, AtLeast(2) %d; want %d, %d", fs.Len(), fs.Count("error"), fs.AtLeast(0), fs.AtLeast(2), len(in), errors)
			}
			n := 0
			for range fs.All() { // a reader that stops early
				if n++; n == 10 {
					break
				}
			}
		})
	}
}

// TestFindingsJSON: the findings are a JSON array, read back in order.
func TestFindingsJSON(t *testing.T) {
	for _, n := range []int{0, 20} {
		fs := &Findings{runSize: 7}
		for _, f := range someFindings(n) {
			if err := fs.add(f); err != nil {
				t.Fatal(err)
			}
		}
		data, err := json.Marshal(fs)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && string(data) != "[]" {
			t.Errorf("no findings: %s, want []", data)
		}
		var back Findings
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		a, _ := fs.Slice()
		b, _ := back.Slice()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%d findings: read back %v, want %v", n, b, a)
		}
	}
}

// TestCompareJoined: comparing joined strings without joining them.
func TestCompareJoined(t *testing.T) {
	for _, tt := range []struct {
		a, b []string
		want int
	}{
		{[]string{"ab", "c"}, []string{"a", "bc"}, 0},
		{[]string{"", "abc"}, []string{"abc", ""}, 0},
		{[]string{"ab"}, []string{"abc"}, -1},
		{[]string{"b", ""}, []string{"a", "zz"}, 1},
		{[]string{"", ""}, []string{""}, 0},
		{[]string{"x", "y"}, []string{"x", "z"}, -1},
	} {
		if got := compareJoined(tt.a, tt.b); got != tt.want {
			t.Errorf("compareJoined(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
