// Package source is where documents come from, between load and validate:
// padlock document files (package load) and dumps of a real tenant that
// another reader turns into documents (package dataverse). Every command
// that takes --docs reads through it, so a dump folder works wherever a
// folder of documents does.
package source

import (
	"context"

	"github.com/padlock/padlock/engine/dataverse"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/load"
)

// Reader reads documents from paths.
type Reader struct {
	Loader    *load.Loader
	Dataverse dataverse.Options
}

// Paths reads every file under the paths: a Dataverse or Power Platform
// dump file (an OData collection) goes to the dump reader, anything else
// to the document loader. Problems come back together; the documents of
// readable files are returned either way.
func (r Reader) Paths(ctx context.Context, paths ...string) ([]load.Doc, diag.List) {
	var docs []load.Doc
	probs := r.Each(ctx, paths, func(d []load.Doc) { docs = append(docs, d...) })
	return docs, probs
}

// Each is Paths one batch at a time: it gives each document file's
// documents to sink as soon as the file is read, then the documents of
// all the dumps (which are joined across their tables) at once. A holder
// that keeps documents long drops each batch's parsed forms before the
// next is read, instead of holding every file's at once.
func (r Reader) Each(ctx context.Context, paths []string, sink func([]load.Doc)) diag.List {
	var docFiles, dumps []string
	var probs diag.List
	for _, p := range paths {
		if p == "-" {
			docFiles = append(docFiles, p)
			continue
		}
		files, err := load.Files(p)
		if err != nil {
			probs = append(probs, diag.Problem{Severity: diag.Error, File: p, Document: -1, Message: err.Error(), Unreadable: true})
			continue
		}
		for _, f := range files {
			if dataverse.IsDump(f) {
				dumps = append(dumps, f)
			} else {
				docFiles = append(docFiles, f)
			}
		}
	}
	for _, f := range docFiles {
		d, ps := r.Loader.Paths(f)
		probs = append(probs, ps...)
		if len(d) > 0 {
			sink(d)
		}
	}
	if len(dumps) > 0 {
		res := dataverse.Read(ctx, dumps, r.Dataverse)
		probs = append(probs, res.Problems...)
		if len(res.Documents) > 0 {
			sink(res.Documents)
		}
	}
	return probs
}
