// Package diag carries problems found in padlock's input: each names the
// file, the document, the JSON pointer and the line, so that a user can go
// straight to the mistake.
package diag

import (
	"fmt"
	"strings"
)

// Severity says whether a problem stops evaluation.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Problem is one thing wrong with one document (or file, or query).
type Problem struct {
	Severity Severity `json:"severity"`
	// File is the path the document came from ("-" for standard input,
	// "input" for a query body).
	File string `json:"file,omitempty"`
	// Document is the 0-based index of the document within its file; -1
	// when the problem is about the whole file.
	Document int `json:"document"`
	// Line is the 1-based line of the offending value, 0 when unknown.
	Line int `json:"line,omitempty"`
	// Pointer is the RFC 6901 JSON pointer of the offending value within
	// the document ("" for the document itself).
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	// Unreadable marks an input that could not be read at all (missing,
	// unreadable, a folder with no documents), as opposed to one that was
	// read and found invalid: commands exit 2 for the first, 1 for the second.
	Unreadable bool `json:"unreadable,omitempty"`
}

// String renders a problem the way compilers do: file:line: where: what.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Severity == Warning {
		b.WriteString("warning: ")
	}
	switch {
	case p.Document >= 0:
		fmt.Fprintf(&b, "document %d", p.Document)
		if p.Pointer != "" {
			fmt.Fprintf(&b, " at %s", p.Pointer)
		}
		b.WriteString(": ")
	case p.Pointer != "": // a row of a file that is not a document (a dump)
		fmt.Fprintf(&b, "at %s: ", p.Pointer)
	}
	b.WriteString(p.Message)
	return b.String()
}

// List is a set of problems in the order they were found.
type List []Problem

// Errors returns only the problems of severity error.
func (l List) Errors() List { return l.filter(Error) }

// Warnings returns only the problems of severity warning.
func (l List) Warnings() List { return l.filter(Warning) }

func (l List) filter(s Severity) List {
	var out List
	for _, p := range l {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// HasUnreadable reports whether any input could not be read at all.
func (l List) HasUnreadable() bool {
	for _, p := range l {
		if p.Unreadable {
			return true
		}
	}
	return false
}

// Count says how many of a thing there are in English: "1 error",
// "2 errors", "0 desktop flows". Every noun padlock counts is regular.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// HasErrors reports whether any problem is an error.
func (l List) HasErrors() bool { return len(l.Errors()) > 0 }

// Error makes a List usable as an error value; it lists every problem.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, p := range l {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns the list as an error when it holds errors, nil otherwise.
func (l List) Err() error {
	if errs := l.Errors(); len(errs) > 0 {
		return errs
	}
	return nil
}
