package dataverse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Columns are the $select of each entity set padlock reads: only what it
// needs, so that a dump holds no more personal data than that.
var Columns = map[string]string{
	setWorkflows:   "workflowid,name,category,uiflowtype,schemaversion,connectionreferences,definition,_ownerid_value,dependencies",
	setPOA:         "objectid,objecttypecode,principalid,principaltypecode,accessrightsmask,inheritedaccessrightsmask",
	setUsers:       "systemuserid,domainname,internalemailaddress,azureactivedirectoryobjectid,isdisabled",
	setTeams:       "teamid,name,teamtype,azureactivedirectoryobjectid",
	setMemberships: "teamid,systemuserid",
	setRoles:       "roleid,name",
	setUserRoles:   "systemuserid,roleid",
	setTeamRoles:   "teamid,roleid",
	setConnRefs:    "connectionreferencelogicalname,connectorid,connectionid,_ownerid_value",
}

// Fetch reads the collections live: the Dataverse Web API of one
// organisation and, optionally, the admin API's connection list of its
// environment.
type Fetch struct {
	// URL is the organisation, https://ORG.crm.dynamics.com.
	URL   string
	Token string // bearer token; never printed
	// TokenFile, when set, is read for the token at the start of every
	// fetch: a sidecar importing for days picks up renewed tokens.
	TokenFile string
	// ConnectionsURL lists the environment's connections (the admin API's
	// .../scopes/admin/environments/{env}/connections?api-version=...).
	ConnectionsURL       string
	ConnectionsToken     string
	ConnectionsTokenFile string
	Client               *http.Client // default: a client with Timeout
	Timeout              time.Duration
	// Retries bounds the retries of one page after 429, 503 or a network
	// error (default 5).
	Retries int
	// Sleep waits between retries (tests shorten it).
	Sleep func(ctx context.Context, d time.Duration) error
}

// MaxRetryAfter caps how long a Retry-After may make padlock wait.
const MaxRetryAfter = 2 * time.Minute

// To fetches every collection, following @odata.nextLink, into dir as dump
// files (one per page: systemusers.json, systemusers-2.json, ...), which
// Read then joins. Any failure fails the whole fetch: the caller then
// keeps nothing of it.
func (f Fetch) To(ctx context.Context, dir string) error {
	var err error
	if f.Token, err = tokenFrom(f.TokenFile, f.Token); err != nil {
		return err
	}
	if f.ConnectionsToken, err = tokenFrom(f.ConnectionsTokenFile, f.ConnectionsToken); err != nil {
		return err
	}
	if f.Client == nil {
		timeout := f.Timeout
		if timeout <= 0 {
			timeout = time.Minute
		}
		f.Client = &http.Client{Timeout: timeout}
	}
	if f.Retries <= 0 {
		f.Retries = 5
	}
	if f.Sleep == nil {
		f.Sleep = sleep
	}
	if f.URL != "" {
		base, err := url.Parse(strings.TrimRight(f.URL, "/"))
		if err != nil || base.Scheme == "" || base.Host == "" {
			return fmt.Errorf("--url %q: want https://ORG.crm.dynamics.com", f.URL)
		}
		for _, set := range sortedKeys(Columns) {
			first := base.JoinPath("api", "data", "v9.2", set)
			first.RawQuery = "$select=" + Columns[set]
			if err := f.collection(ctx, dir, set, first, f.Token); err != nil {
				return err
			}
		}
	}
	if f.ConnectionsURL != "" {
		u, err := url.Parse(f.ConnectionsURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("--connections-url %q: not a URL", f.ConnectionsURL)
		}
		if err := f.collection(ctx, dir, setConnections, u, f.ConnectionsToken); err != nil {
			return err
		}
	}
	return nil
}

// collection fetches one collection page by page. A next link must stay on
// the first page's host: the token is never sent anywhere else.
func (f Fetch) collection(ctx context.Context, dir, set string, u *url.URL, token string) error {
	host := u.Host
	for page := 1; u != nil; page++ {
		body, err := f.get(ctx, u, token)
		if err != nil {
			return fmt.Errorf("%s, page %d: %w", set, page, err)
		}
		var p struct {
			Next1 string          `json:"@odata.nextLink"`
			Next2 string          `json:"nextLink"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Value == nil {
			return fmt.Errorf("%s, page %d (%s): not an OData collection", set, page, redact(u))
		}
		name := set + ".json"
		if page > 1 {
			name = fmt.Sprintf("%s-%d.json", set, page)
		}
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			return err
		}
		u = nil
		if next := p.Next1 + p.Next2; next != "" {
			n, err := url.Parse(next)
			if err != nil || n.Host != host {
				return fmt.Errorf("%s, page %d: the next link leaves %s: refused, the token stays with its host", set, page, host)
			}
			u = n
		}
	}
	return nil
}

// get fetches one page, retrying a throttled (429), unavailable (503) or
// failed request up to Retries times, after Retry-After when the server
// says, else after a growing pause.
func (f Fetch) get(ctx context.Context, u *url.URL, token string) ([]byte, error) {
	var last error
	for attempt := 0; attempt <= f.Retries; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("OData-MaxVersion", "4.0")
		req.Header.Set("OData-Version", "4.0")
		req.Header.Set("Prefer", "odata.maxpagesize=5000")
		wait := time.Duration(1<<attempt) * time.Second
		resp, err := f.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// The error names the URL (without its query), never the token.
			last = fmt.Errorf("GET %s: %w", redact(u), errors.Unwrap(err))
		} else {
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK && rerr == nil:
				return body, nil
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
				last = fmt.Errorf("GET %s: %s", redact(u), resp.Status)
				if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
					wait = d
				}
			case rerr != nil:
				last = fmt.Errorf("GET %s: read: %w", redact(u), rerr)
			default:
				return nil, fmt.Errorf("GET %s: %s: %s", redact(u), resp.Status, snippet(body))
			}
		}
		if attempt == f.Retries {
			break
		}
		if err := f.Sleep(ctx, min(wait, MaxRetryAfter)); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("gave up after %d retries: %w", f.Retries, last)
}

// tokenFrom reads a token file, when one is given.
func tokenFrom(file, token string) (string, error) {
	if file == "" {
		return token, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("token file %s is empty", file)
	}
	return t, nil
}

// retryAfter reads Retry-After: seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
