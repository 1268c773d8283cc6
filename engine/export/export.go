// Package export reads desktop flows out of the real formats they come in:
// solution exports (the .zip, the same unzipped, and `pac solution unpack`
// folders), Dataverse Web API dumps of the workflow table, and padlock's
// own documents. Every desktop flow becomes a DesktopFlow document (which
// the caller validates like any other) plus the facts only an export has
// (script lines, disabled actions, credentials, binaries), and every cloud
// flow the desktop flow runs it starts. A file that cannot be read or
// parsed is a problem with its path and why; the others are still read.
package export

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
)

// Flow is one desktop flow found in an input.
type Flow struct {
	Doc   document.DesktopFlow
	Facts document.AuditFlow
}

// Result is everything read from the inputs.
type Result struct {
	Flows      []Flow
	CloudFlows []document.AuditCloudFlow
	// Documents are padlock documents found among the inputs.
	Documents []load.Doc
	Problems  diag.List
}

// Options tune reading.
type Options struct {
	// Environment is given to every exported flow: exports carry none.
	Environment string
	Limits      Limits
	// Progress counts the desktop flows read (nil: silent).
	Progress *progress.Meter
}

// Read reads every input: files and folders, folders recursively.
func Read(paths []string, o Options) *Result {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits()
	}
	if o.Environment == "" {
		o.Environment = "default"
	}
	r := &reader{opts: o, res: &Result{}}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			r.problem(p, 0, "%v", cleanErr(err))
			continue
		}
		if info.IsDir() {
			r.dir(p)
		} else {
			r.file(p, true)
		}
	}
	return r.res
}

type reader struct {
	opts Options
	res  *Result
}

func (r *reader) problem(file string, line int, format string, args ...any) {
	r.res.Problems = append(r.res.Problems, diag.Problem{Severity: diag.Error, File: file, Document: -1, Line: line, Message: fmt.Sprintf(format, args...)})
}

// dir reads a solution folder as a whole, or searches a folder for inputs.
func (r *reader) dir(dir string) {
	if isSolution(os.DirFS(dir)) {
		r.solution(os.DirFS(dir), dir)
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		r.problem(dir, 0, "%v", cleanErr(err))
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			r.dir(p)
		} else {
			r.file(p, false)
		}
	}
}

// file reads one input file. Named explicitly, a file of no known kind is
// a problem; met in a folder walk, it is not an input.
func (r *reader) file(p string, explicit bool) {
	lower := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		fsys, err := openZip(data, r.opts.Limits)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		if !isSolution(fsys) {
			r.problem(p, 0, "not a solution export: no customizations.xml or Other/Customizations.xml")
			return
		}
		r.solution(fsys, p)
	case strings.HasSuffix(lower, ".json.data.xml"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		r.workflowXML(data, p, nil, false)
	case strings.HasSuffix(lower, ".json"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		switch {
		case isWebAPI(data):
			r.webAPI(data, p)
		case isCloudFlow(data):
			r.cloudFlow(data, p, "")
		default:
			r.documents(p, data)
		}
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		r.documents(p, data)
	default:
		if explicit {
			r.problem(p, 0, "not an input padlock audits: want a solution .zip or folder, a Dataverse Web API .json, or padlock documents")
		}
	}
}

func (r *reader) documents(p string, data []byte) {
	docs, probs := load.New(load.Options{MaxFileSize: r.opts.Limits.MaxFileBytes}).Bytes(p, data)
	r.res.Documents = append(r.res.Documents, docs...)
	r.res.Problems = append(r.res.Problems, probs...)
}

func (r *reader) read(p string) ([]byte, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, cleanErr(err)
	}
	max := r.opts.Limits.MaxFileBytes
	if strings.HasSuffix(strings.ToLower(p), ".zip") {
		max = r.opts.Limits.MaxTotalBytes // a whole solution, compressed
	}
	if info.Size() > max {
		return nil, fmt.Errorf("file is %d bytes, more than the limit of %d", info.Size(), max)
	}
	b, err := os.ReadFile(p)
	return b, cleanErr(err)
}

func cleanErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// NormalizeID is the one spelling of a Dataverse id: lower case, no braces
// ("{6F0C...}" and "6f0c..." name one row).
func NormalizeID(id string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(id), "{}"))
}

// cleanName drops the zero-width spaces real exports carry in names.
func cleanName(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\u200b", "", "\ufeff", "").Replace(s))
}
