package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
)

// apiStore keeps the documents API's writes in an embedded database
// (bbolt, fsync'd on every commit) under --data-dir, so that a write
// acknowledged with a 2xx survives a crash or a kill -9: the server
// commits it before it answers, and reloads it at start.
type apiStore struct {
	db *bbolt.DB
}

var apiBucket = []byte("api-documents")

// record is one API write: the document, or null for a delete, and when
// the key was first written (API documents keep that order).
type record struct {
	Seq uint64          `json:"seq"`
	Doc json.RawMessage `json:"doc"`
}

func openAPIStore(dir string) (*apiStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--data-dir: %w", err)
	}
	db, err := bbolt.Open(filepath.Join(dir, "padlock.db"), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w (is another padlock serving from it?)", dir, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(apiBucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	return &apiStore{db: db}, nil
}

func storeKey(k docKey) []byte { return []byte(string(k.Kind) + "/" + k.ID) }

// save commits writes (nil: a delete) in one transaction.
func (a *apiStore) save(writes map[docKey]*validate.Typed, order []docKey) error {
	if a == nil {
		return nil
	}
	return a.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(apiBucket)
		for _, k := range order {
			rec := record{Doc: json.RawMessage("null")}
			if old := b.Get(storeKey(k)); old != nil {
				var prev record
				if err := json.Unmarshal(old, &prev); err == nil {
					rec.Seq = prev.Seq
				}
			}
			if rec.Seq == 0 {
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				rec.Seq = seq
			}
			if t := writes[k]; t != nil {
				rec.Doc = t.Source.Raw()
			}
			raw, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := b.Put(storeKey(k), raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// load reads every write back, validating each document against its
// schema as any other; a document the schemas no longer accept stops the
// start rather than be dropped.
func (a *apiStore) load(v *validate.Validator) (map[docKey]*validate.Typed, []docKey, diag.List) {
	type entry struct {
		key docKey
		rec record
	}
	var entries []entry
	var probs diag.List
	err := a.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(apiBucket).ForEach(func(k, raw []byte) error {
			var rec record
			if err := json.Unmarshal(raw, &rec); err != nil {
				probs = append(probs, diag.Problem{Severity: diag.Error, File: "data-dir", Document: -1, Pointer: string(k), Message: "unreadable record: " + err.Error()})
				return nil
			}
			kind, id, _ := strings.Cut(string(k), "/")
			entries = append(entries, entry{docKey{Kind: document.Kind(kind), ID: id}, rec})
			return nil
		})
	})
	if err != nil {
		probs = append(probs, diag.Problem{Severity: diag.Error, File: "data-dir", Document: -1, Message: err.Error()})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].rec.Seq < entries[j].rec.Seq })
	api := map[docKey]*validate.Typed{}
	var order []docKey
	loader := load.New(load.Options{})
	for _, e := range entries {
		order = append(order, e.key)
		if string(e.rec.Doc) == "null" || len(e.rec.Doc) == 0 {
			api[e.key] = nil
			continue
		}
		docs, ps := loader.Bytes("data-dir#"+string(storeKey(e.key)), e.rec.Doc)
		if len(ps) > 0 || len(docs) != 1 {
			probs = append(probs, ps...)
			continue
		}
		t, ps := v.Document(docs[0])
		if len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		api[e.key] = &t
	}
	return api, order, probs
}

func (a *apiStore) close() error {
	if a == nil {
		return nil
	}
	return a.db.Close()
}
