// Package load reads padlock documents from files, folders and streams. A
// file holds one JSON document, a JSON array of documents, or a YAML stream;
// load splits it into documents and remembers where each came from so that
// later stages can point at the exact line of a mistake. It does not know
// the document kinds' shapes: that is package validate's job.
package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/progress"
)

// DefaultMaxFileSize bounds one input file: big enough for an environment's
// worth of flows, small enough that a stray file cannot exhaust memory.
const DefaultMaxFileSize = 64 << 20

// Doc is one document as read, before validation.
type Doc struct {
	File  string // path, or "-" for standard input
	Index int    // 0-based position within the file
	Line  int    // 1-based line where the document starts
	// Value is the document decoded as generic JSON (maps, slices,
	// json.Number, strings, bools, nil): what JSON Schema validates. A
	// generated document leaves it nil: read it through Generic.
	Value any
	// JSON is the document re-encoded as JSON, for typed decoding. A
	// generated document leaves it nil: read it through Raw.
	JSON []byte

	gen any // a generated document's Go value, which the other forms come from

	locate func(pointer string) int
}

// Where is the document without its content: where it is, for problems
// to point at long after its content is no longer needed.
func (d Doc) Where() Doc {
	return Doc{File: d.File, Index: d.Index, Line: d.Line, locate: d.locate}
}

// Generic returns the document as generic JSON (Value, or for a generated
// document made anew from its Go value).
func (d Doc) Generic() any {
	v, _ := d.Forms()
	return v
}

// Raw returns the document as JSON (JSON, or for a generated document
// made anew from its Go value).
func (d Doc) Raw() []byte {
	if d.JSON != nil || d.gen == nil {
		return d.JSON
	}
	raw, err := json.Marshal(d.gen)
	if err != nil { // padlock's document types always marshal
		return nil
	}
	return raw
}

// Located is the document without its parsed forms, still able to give
// a pointer's line for the problems found about it later: the valid
// document's Go value is all a caller needs of it once it is validated.
func (d Doc) Located() Doc {
	d.Value, d.JSON = nil, nil
	return d
}

// Pinned is Where for a problem that can only be about one pointer: its
// line is found now, and the document's text, which finding it later
// would need, is not kept. An audit holds thousands of shares of flows
// it has not read yet this way, each for the one problem it may have.
func (d Doc) Pinned(pointer string) Doc {
	return Doc{File: d.File, Index: d.Index, Line: d.LineOf(pointer)}
}

// Kept is the document as a long-lived holder (the sidecar) keeps it once
// it is valid: where it was read, and its Go value v, from which Generic
// and Raw make its JSON forms again when asked. Its parsed forms, and the
// text that located a pointer's line, are dropped: at 100,000 flows they
// were most of the sidecar's memory. A problem found later about a kept
// document points at its first line.
func (d Doc) Kept(v any) Doc { return Doc{File: d.File, Index: d.Index, Line: d.Line, gen: v} }

// GoValue returns a generated document's Go value, nil for a loaded one.
func (d Doc) GoValue() any { return d.gen }

// Forms returns both forms, making a generated document's JSON once.
// Generated documents keep only their Go value, which shares its strings
// with the reader's tables: the generic form costs several times as much,
// so an import of hundreds of thousands of grants holds each document's
// other forms only while it is validated or written.
func (d Doc) Forms() (value any, raw []byte) {
	raw = d.Raw()
	if d.Value != nil || d.gen == nil {
		return d.Value, raw
	}
	v, err := normalize(raw)
	if err != nil { // JSON that json.Marshal wrote: not reached
		return nil, raw
	}
	return v, raw
}

// LineOf returns the line of the value at a JSON pointer within the
// document, falling back to the document's first line.
func (d Doc) LineOf(pointer string) int {
	if d.locate != nil {
		if l := d.locate(pointer); l > 0 {
			return l
		}
	}
	return d.Line
}

// Problem makes a diag.Problem about this document.
func (d Doc) Problem(sev diag.Severity, pointer, format string, args ...any) diag.Problem {
	return diag.Problem{Severity: sev, File: d.File, Document: d.Index, Line: d.LineOf(pointer), Pointer: pointer, Message: fmt.Sprintf(format, args...)}
}

// Options tune a Loader.
type Options struct {
	MaxFileSize int64 // 0 means DefaultMaxFileSize
	// Progress counts files read and documents found (nil: silent).
	Progress *progress.Meter
}

// Loader reads documents. Its zero value is ready to use.
type Loader struct {
	opts Options
}

// New returns a Loader with the given options.
func New(opts Options) *Loader {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	return &Loader{opts: opts}
}

// Paths loads every document under the given files and folders. Folders are
// searched recursively for .json, .yaml and .yml files, in lexical order.
// Every unreadable or unparsable file is reported; the documents of the
// other files are still returned.
func (l *Loader) Paths(paths ...string) ([]Doc, diag.List) {
	var docs []Doc
	var probs diag.List
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			probs = append(probs, unreadable(p, err.Error()))
			continue
		}
		for _, f := range files {
			d, ps := l.File(f)
			docs = append(docs, d...)
			probs = append(probs, ps...)
			l.opts.Progress.Add("files read", 1)
		}
	}
	return docs, probs
}

// IsDocumentFile reports whether a folder walk picks up the file.
func IsDocumentFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return !strings.HasPrefix(filepath.Base(name), ".")
	}
	return false
}

func expand(path string) ([]string, error) {
	if path == "-" {
		return []string{"-"}, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, cleanFSError(err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	// Walk the folder a symlink names (--docs live, where live is flipped
	// from one version to the next): WalkDir does not follow a symlinked
	// root, but does with a trailing separator.
	root := filepath.Clean(path) + string(filepath.Separator)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && IsDocumentFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, cleanFSError(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("folder holds no .json, .yaml or .yml files")
	}
	return files, nil
}

// File loads the documents of one file ("-" reads standard input).
func (l *Loader) File(path string) ([]Doc, diag.List) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		// Only regular files are read: opening a FIFO blocks until a
		// writer comes, and a device or socket is no document file.
		if info, err := os.Stat(path); err == nil && !info.IsDir() && !info.Mode().IsRegular() {
			p := fileProblem(path, fmt.Sprintf("not a regular file (%s): skipped", info.Mode().Type()))
			p.Severity = diag.Warning
			return nil, diag.List{p}
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, diag.List{unreadable(path, cleanFSError(err).Error())}
		}
		defer f.Close()
		if info, err := f.Stat(); err == nil && info.IsDir() {
			return nil, diag.List{unreadable(path, "is a folder, not a file")}
		}
		r = f
	}
	data, err := l.readLimited(r)
	if err != nil {
		return nil, diag.List{unreadable(path, err.Error())}
	}
	return l.Bytes(path, data)
}

func (l *Loader) readLimited(r io.Reader) ([]byte, error) {
	max := l.opts.MaxFileSize
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("file is larger than the %d-byte limit", max)
	}
	return data, nil
}

// Bytes splits the contents of a file into documents. The format follows
// the name's extension; without a known one, content starting with '{' or
// '[' is JSON and anything else YAML.
func (l *Loader) Bytes(name string, data []byte) ([]Doc, diag.List) {
	if max := l.opts.MaxFileSize; max > 0 && int64(len(data)) > max {
		return nil, diag.List{fileProblem(name, fmt.Sprintf("file is larger than the %d-byte limit", max))}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // editors on Windows add a BOM
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, diag.List{fileProblem(name, "file is empty: want a document, a JSON array of documents or a YAML stream")}
	}
	var (
		docs []Doc
		err  error
	)
	if isJSON(name, trimmed) {
		docs, err = splitJSON(name, data)
	} else {
		docs, err = splitYAML(name, data)
	}
	if err != nil {
		return nil, diag.List{fileProblemLine(name, err)}
	}
	if len(docs) == 0 {
		return nil, diag.List{fileProblem(name, "file holds no documents")}
	}
	return docs, nil
}

func isJSON(name string, trimmed []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	return trimmed[0] == '{' || trimmed[0] == '['
}

// lineError is a parse error that knows its line.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return e.msg }

// unreadable is a file that could not be read at all.
func unreadable(file, msg string) diag.Problem {
	p := fileProblem(file, msg)
	p.Unreadable = true
	return p
}

func fileProblem(file, msg string) diag.Problem {
	return diag.Problem{Severity: diag.Error, File: file, Document: -1, Message: msg}
}

func fileProblemLine(file string, err error) diag.Problem {
	p := fileProblem(file, err.Error())
	var le *lineError
	if errors.As(err, &le) {
		p.Line = le.line
	}
	return p
}

// cleanFSError drops the path from an fs error: the problem already names it.
func cleanFSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// normalize turns a decoded JSON value into the generic form validation
// expects, by a round trip through encoding/json with UseNumber.
func normalize(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Generated makes a Doc of a document another reader produced (from a
// Dataverse dump, say): file names where it came from, down to the row
// ("dump/workflows.json#/value/3"), so that a problem with it points there.
// v must marshal to JSON (padlock's document types and decoded JSON do).
func Generated(file string, v any) Doc {
	return Doc{File: file, gen: v}
}

// Files lists the document files under a path as Paths reads them: the
// file itself, or a folder's .json, .yaml and .yml files, recursively, in
// lexical order.
func Files(path string) ([]string, error) { return expand(path) }
