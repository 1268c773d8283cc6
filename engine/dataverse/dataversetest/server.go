// Package dataversetest serves fixture dumps as the Dataverse Web API and
// the Power Platform admin API do, for tests of the live fetch: paged by
// @odata.nextLink, throttled on demand, failing on demand.
package dataversetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Options shape the server's behaviour.
type Options struct {
	Token    string // the bearer token every request must carry
	PageSize int    // rows per page (default 2)
	// Throttle answers the first request for these entity sets 429 with
	// Retry-After: 0, and Unavailable 503.
	Throttle, Unavailable []string
	// Fail answers every request for these entity sets 500.
	Fail []string
}

// Server is a running fake tenant.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	seen     map[string]int
	Requests int
}

// New serves the collections of dir (a fixture dump folder): GET
// /api/data/v9.2/{entityset} and GET /connections.
func New(t testing.TB, dir string, o Options) *Server {
	t.Helper()
	if o.PageSize <= 0 {
		o.PageSize = 2
	}
	sets := map[string]collection{}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c collection
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if i := strings.IndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		prev := sets[name]
		prev.Context = c.Context
		prev.Value = append(prev.Value, c.Value...)
		sets[name] = prev
	}
	s := &Server{seen: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set := strings.TrimPrefix(r.URL.Path, "/api/data/v9.2/")
		set = strings.TrimPrefix(set, "/")
		s.mu.Lock()
		s.Requests++
		s.seen[set]++
		n := s.seen[set]
		s.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+o.Token {
			http.Error(w, `{"error":{"code":"0x80072560","message":"unauthorized"}}`, http.StatusUnauthorized)
			return
		}
		switch {
		case slices.Contains(o.Fail, set):
			http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
			return
		case slices.Contains(o.Throttle, set) && n == 1:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "throttled", http.StatusTooManyRequests)
			return
		case slices.Contains(o.Unavailable, set) && n == 1:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		c, ok := sets[set]
		if !ok {
			http.Error(w, "no such entity set", http.StatusNotFound)
			return
		}
		skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
		end := min(skip+o.PageSize, len(c.Value))
		page := map[string]any{"value": c.Value[skip:end]}
		if c.Context != "" {
			page["@odata.context"] = c.Context
		}
		if end < len(c.Value) {
			key := "@odata.nextLink"
			if set == "connections" {
				key = "nextLink"
			}
			page[key] = fmt.Sprintf("%s%s?$skiptoken=%d", s.URL, r.URL.Path, end)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(s.Close)
	return s
}

type collection struct {
	Context string            `json:"@odata.context"`
	Value   []json.RawMessage `json:"value"`
}
