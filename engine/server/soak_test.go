package server

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoak runs, for a few seconds, what a sidecar lives through: clients
// asking decisions on several connections, API writes one after the
// other, the documents folder flipped between two versions through a
// symlink (as a ConfigMap update does), and a slow writer rewriting a file
// in pieces. Every answer is checked against the worlds it may come from:
//   - API writes: write k grants flow f-api to user k<k> only. Once write k
//     is acknowledged, no decision may allow an earlier user (a stale
//     world), and an allowed user must be one of the writes started by the
//     time the answer came.
//   - Files: both folder versions hold flows f-file and f-slow; a half-read
//     file (f-slow.yaml cut between items) or a half-swapped folder would
//     make one of them unknown, which no whole world does.
//
// At the end the world must be the last flipped version, and /health ok.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: seconds of load")
	}
	root := t.TempDir()
	flow := func(id string) string {
		return fmt.Sprintf("kind: DesktopFlow\nid: %s\nname: %s\nenvironment: e\nowner: user:o@x.example\nschemaVersion: v2\nconnectionReferences: []\nactions: []\n", id, id)
	}
	version := func(name, grantee string) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "flows.yaml"), flow("f-file")+"---\n"+flow("f-api"))
		writeFile(t, filepath.Join(dir, "shares.yaml"), "kind: Share\nflow: f-file\ngrants:\n  - {principal: "+grantee+", role: user}\n")
		writeFile(t, filepath.Join(dir, "f-slow.yaml"), flow("f-slow0")+"---\n"+flow("f-slow"))
		return dir
	}
	a, b := version("a", "user:fa@x.example"), version("b", "user:fb@x.example")
	live := filepath.Join(root, "live")
	if err := os.Symlink(a, live); err != nil {
		t.Fatal(err)
	}
	_, url := runServer(t, Config{Addr: "127.0.0.1:0", Docs: []string{live}, DocsRescan: 100 * time.Millisecond, DocsSettle: 150 * time.Millisecond})

	var started, acked atomic.Int64 // API writes started and acknowledged
	stop := make(chan struct{})
	failures := make(chan string, 64)
	fail := func(format string, args ...any) {
		select {
		case failures <- fmt.Sprintf(format, args...):
		default:
		}
	}
	decide := func(principal, flow string) (bool, []any) {
		code, d := do(t, "POST", url+"/v1/decisions", `{"action":"run","mode":"console","principal":"`+principal+`","flow":"`+flow+`"}`)
		if code != 200 {
			fail("decision %s on %s: %d %v", principal, flow, code, d)
		}
		reasons, _ := d["reasons"].([]any)
		return d["allow"] == true, reasons
	}
	var wg sync.WaitGroup
	// The writer: one API write after the other.
	wg.Go(func() {
		for k := int64(1); ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			started.Store(k)
			body := fmt.Sprintf(`{"kind":"Share","flow":"f-api","grants":[{"principal":"user:k%d@x.example","role":"user"}]}`, k)
			if code, d := do(t, "PUT", url+"/v1/documents", body); code != 200 {
				fail("write %d: %d %v", k, code, d)
				return
			}
			acked.Store(k)
		}
	})
	// The folder flipper and the slow writer.
	var current atomic.Pointer[string]
	current.Store(&a)
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			next := a
			if i%2 == 0 {
				next = b
			}
			tmp := filepath.Join(root, fmt.Sprintf("live.%d", i))
			if err := os.Symlink(next, tmp); err != nil {
				fail("symlink: %v", err)
				return
			}
			if err := os.Rename(tmp, live); err != nil { // atomic, as kubelet flips ..data
				fail("flip: %v", err)
				return
			}
			current.Store(&next)
			// Rewrite a's slow file in two pieces, cut between items,
			// quicker than the settle interval.
			f, err := os.Create(filepath.Join(a, "f-slow.yaml"))
			if err != nil {
				fail("slow writer: %v", err)
				return
			}
			f.WriteString(flow("f-slow0"))
			f.Sync()
			time.Sleep(50 * time.Millisecond)
			f.WriteString("---\n" + flow("f-slow"))
			f.Close()
		}
	})
	// Clients.
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				lo := acked.Load()
				j := max(lo-2+rand.Int64N(4), 1)
				allowed, _ := decide(fmt.Sprintf("user:k%d@x.example", j), "f-api")
				hi := started.Load()
				if allowed && (j < lo || j > hi) {
					fail("stale or future world: user k%d allowed after write %d was acknowledged (writes started: %d)", j, lo, hi)
				}
				for _, f := range []string{"f-file", "f-slow", "f-api"} {
					if _, reasons := decide("user:o@x.example", f); slices.ContainsFunc(reasons, func(r any) bool {
						m, _ := r.(map[string]any)
						return m["code"] == "UNKNOWN_FLOW"
					}) {
						fail("%s unknown to its owner: a half-read file or a half-swapped folder was served", f)
					}
				}
			}
		})
	}
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if acked.Load() < 10 {
		t.Errorf("only %d writes acknowledged in 3 s", acked.Load())
	}
	want := "user:fa@x.example"
	if *current.Load() == b {
		want = "user:fb@x.example"
	}
	eventually(t, "the last flipped folder to be served", func() bool { ok, _ := decide(want, "f-file"); return ok })
	if code, h := do(t, "GET", url+"/health", ""); code != 200 || h["status"] != "ok" {
		t.Errorf("health after the soak: %d %v", code, h)
	}
	t.Logf("%d API writes, folder flips every 200 ms", acked.Load())
}
