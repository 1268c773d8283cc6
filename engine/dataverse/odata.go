package dataverse

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A dump file is one page of an OData collection as the Dataverse Web API
// returns it ({"@odata.context": ".../$metadata#systemusers(...)",
// "value": [...], "@odata.nextLink": ...}) or as the Power Platform admin
// API lists connections ({"value": [...]}).

// sniffSize is how much of a file IsDump reads to decide.
const sniffSize = 4096

// IsDump reports whether a JSON file is a page of an OData collection
// rather than padlock documents: a top-level object whose first key is
// "@odata.context", "value" or "@odata.nextLink". padlock documents never
// start so (they start with "kind", or are an array or YAML).
func IsDump(path string) bool {
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false // the document loader reports it
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, sniffSize))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	switch tok {
	case "@odata.context", "value", "@odata.nextLink", "nextLink":
		return true
	}
	return false
}

// page is what a collection file says besides its rows.
type page struct {
	context  string // @odata.context
	nextLink string // @odata.nextLink (or nextLink, the admin API's)
}

// contextRE reads the entity set from an @odata.context:
// "https://org.crm.dynamics.com/api/data/v9.2/$metadata#systemusers(domainname,...)".
var contextRE = regexp.MustCompile(`\$metadata#([A-Za-z_][A-Za-z0-9_]*)`)

// entitySet names a collection from its @odata.context or, failing that,
// its file name ("systemusers.json", "systemusers-2.json",
// "connections.page1.json").
func entitySet(file, context string) string {
	if m := contextRE.FindStringSubmatch(context); m != nil {
		return strings.ToLower(m[1])
	}
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	if i := strings.IndexAny(base, ".-_ "); i > 0 {
		// "systemusers-2", "connections.page1"; entity sets such as
		// principalobjectaccessset hold no separator.
		base = base[:i]
	}
	return base
}

// organization is the environment a Dataverse @odata.context names: the
// first label of its host ("northwind-prod" for
// https://northwind-prod.crm4.dynamics.com/...).
func organization(context string) string {
	u, err := url.Parse(context)
	if err != nil || u.Host == "" {
		return ""
	}
	host := u.Hostname()
	if i := strings.IndexByte(host, '.'); i > 0 {
		host = host[:i]
	}
	return strings.ToLower(host)
}

// eachRow streams one collection file: it decodes the rows of "value" one
// at a time into a fresh T and hands each to fn with its index, so memory
// does not grow with the file. It returns the page's context and next link.
func eachRow[T any](path string, fn func(i int, row T) error) (page, error) {
	var p page
	f, err := os.Open(path)
	if err != nil {
		return p, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return p, fmt.Errorf("not an OData collection: want a JSON object with \"value\"")
	}
	sawValue := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, fmt.Errorf("malformed JSON: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "value":
			sawValue = true
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return p, fmt.Errorf("/value: want an array")
			}
			for i := 0; dec.More(); i++ {
				var row T
				if err := dec.Decode(&row); err != nil {
					return p, fmt.Errorf("/value/%d: %w", i, err)
				}
				if err := fn(i, row); err != nil {
					return p, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return p, fmt.Errorf("malformed JSON after /value: %w", err)
			}
		case "@odata.context":
			if err := dec.Decode(&p.context); err != nil {
				return p, fmt.Errorf("/@odata.context: %w", err)
			}
		case "@odata.nextLink", "nextLink":
			if err := dec.Decode(&p.nextLink); err != nil {
				return p, fmt.Errorf("/%s: %w", key, err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return p, fmt.Errorf("malformed JSON at /%s: %w", key, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return p, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("more than one JSON value in the file")
	}
	if !sawValue {
		return p, fmt.Errorf("no \"value\": not an OData collection")
	}
	return p, nil
}

// sniffContext reads only a collection's @odata.context, when it comes
// before "value" (as the Web API writes it).
func sniffContext(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, sniffSize))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if tok == "@odata.context" {
			var s string
			if dec.Decode(&s) == nil {
				return s
			}
			return ""
		}
		var skip json.RawMessage
		if tok == "value" || dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}
