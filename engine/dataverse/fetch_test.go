package dataverse_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/padlock/padlock/engine/dataverse"
	"github.com/padlock/padlock/engine/dataverse/dataversetest"
)

const prod = "../../fixtures/dataverse/northwind-prod"

func noWait(context.Context, time.Duration) error { return nil }

func TestFetchPagesAndRetries(t *testing.T) {
	srv := dataversetest.New(t, prod, dataversetest.Options{Token: "s3cret", Throttle: []string{"teams", "connections"}, Unavailable: []string{"roles"}})
	dir := t.TempDir()
	f := dataverse.Fetch{URL: srv.URL, Token: "s3cret", ConnectionsURL: srv.URL + "/connections", ConnectionsToken: "s3cret", Sleep: noWait}
	if err := f.To(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"systemusers.json", "systemusers-2.json", "systemusers-4.json", "teams.json", "roles.json", "connections.json", "connections-5.json", "principalobjectaccessset-5.json"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("page %s was not fetched: %v", want, err)
		}
	}
}

func TestFetchFailures(t *testing.T) {
	tests := []struct {
		name    string
		opts    dataversetest.Options
		fetch   func(url string) dataverse.Fetch
		wantErr string
	}{
		{"a failure mid-way fails the fetch", dataversetest.Options{Token: "s3cret", Fail: []string{"principalobjectaccessset"}},
			func(u string) dataverse.Fetch { return dataverse.Fetch{URL: u, Token: "s3cret", Sleep: noWait} }, "500"},
		{"a wrong token", dataversetest.Options{Token: "s3cret"},
			func(u string) dataverse.Fetch { return dataverse.Fetch{URL: u, Token: "wrong", Sleep: noWait} }, "401"},
		{"one throttled answer is retried", dataversetest.Options{Token: "s3cret", Throttle: []string{"connectionreferences"}},
			func(u string) dataverse.Fetch {
				return dataverse.Fetch{URL: u, Token: "s3cret", Retries: -1, Sleep: noWait}
			}, ""},
		{"a next link to another host is refused", dataversetest.Options{Token: "s3cret"},
			func(u string) dataverse.Fetch {
				return dataverse.Fetch{ConnectionsURL: strings.Replace(u, "127.0.0.1", "localhost", 1) + "/connections", ConnectionsToken: "s3cret", Sleep: noWait}
			}, "the next link leaves"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dataversetest.New(t, prod, tt.opts)
			err := tt.fetch(srv.URL).To(context.Background(), t.TempDir())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("one throttled answer, retried: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("want an error with %q, got %v", tt.wantErr, err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "wrong") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv := dataversetest.New(t, prod, dataversetest.Options{Token: "t", Throttle: []string{"roles"}})
	var waits []time.Duration
	f := dataverse.Fetch{URL: srv.URL, Token: "t", Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	if err := f.To(context.Background(), t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != 0 {
		t.Errorf("waits %v: want one, of Retry-After: 0", waits)
	}
}
