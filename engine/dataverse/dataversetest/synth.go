package dataversetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Size says how big a generated tenant is.
type Size struct {
	Flows, Users, Shares int // Shares: principalobjectaccess rows
}

// Write generates a deterministic dump of one environment into dir, in
// the Web API's shapes: every flow with two connection references and a
// short script, users in teams of 20 with a few admins, record access rows
// spread over the flows (co-owner, run-only and inherited masks), and two
// connections per user.
func Write(dir string, s Size) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx := func(set string) string {
		return "https://synth.crm.dynamics.com/api/data/v9.2/$metadata#" + set
	}
	uid := func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", 0x10000000+i%s.Users, i%s.Users) }
	tid := func(i int) string { return fmt.Sprintf("%08x-1111-4000-8000-%012x", 0x20000000+i, i) }
	fid := func(i int) string { return fmt.Sprintf("%08x-2222-4000-8000-%012x", 0x30000000+i%s.Flows, i%s.Flows) }
	teams := max(1, s.Users/20)
	write := func(set string, n int, row func(i int) any) error {
		f, err := os.Create(filepath.Join(dir, set+".json"))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fmt.Fprintf(w, `{"@odata.context":%q,"value":[`, ctx(set))
		enc := json.NewEncoder(w)
		for i := 0; i < n; i++ {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := enc.Encode(row(i)); err != nil {
				f.Close()
				return err
			}
		}
		w.WriteString("]}\n")
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	steps := []struct {
		set string
		n   int
		row func(i int) any
	}{
		{"systemusers", s.Users, func(i int) any {
			return map[string]any{"systemuserid": uid(i), "domainname": fmt.Sprintf("u%05d@synth.example", i),
				"internalemailaddress": fmt.Sprintf("U%05d@Synth.example", i), "azureactivedirectoryobjectid": tid(100000 + i), "isdisabled": i%97 == 0}
		}},
		{"teams", teams, func(i int) any {
			return map[string]any{"teamid": tid(i), "name": fmt.Sprintf("Team %d", i), "teamtype": i % 4, "azureactivedirectoryobjectid": nil}
		}},
		{"teammemberships", s.Users, func(i int) any { return map[string]any{"teamid": tid(i % teams), "systemuserid": uid(i)} }},
		{"roles", 2, func(i int) any {
			return map[string]any{"roleid": tid(900000 + i), "name": []string{"System Administrator", "Basic User"}[i]}
		}},
		{"systemuserrolescollection", s.Users, func(i int) any {
			role := 1
			if i%100 == 1 {
				role = 0
			}
			return map[string]any{"systemuserid": uid(i), "roleid": tid(900000 + role)}
		}},
		{"teamrolescollection", 1, func(int) any { return map[string]any{"teamid": tid(0), "roleid": tid(900001)} }},
		{"connectionreferences", 0, nil},
		{"workflows", s.Flows, func(i int) any {
			refs := []map[string]any{}
			var script []string
			for r, api := range []string{"shared_office365", "shared_sharepointonline"} {
				pad := fmt.Sprintf("%08x-3333-4000-8000-%012x", i, r)
				refs = append(refs, map[string]any{"api": map[string]any{"name": "/providers/Microsoft.PowerApps/apis/" + api}, "displayName": api,
					"connectionReferenceLogicalName": fmt.Sprintf("ref_%d_%d", i, r), "name": fmt.Sprintf("conn-%d-%d", i%s.Users, r),
					"ownerId": nil, "padInternalId": pad, "isEmbedded": (i+r)%3 == 0})
				script = append(script, "SET Path TO $'''C:\\\\Data\\\\%Name%'''", "UIAutomation.Click Element: appmask['Window']['Button']",
					fmt.Sprintf("External.InvokeCloudConnector Connection: '%s' ConnectorId: '/providers/Microsoft.PowerApps/apis/%s' OperationId: 'Op%d'", pad, api, r))
			}
			b, _ := json.Marshal(refs)
			d, _ := json.Marshal(strings.Join(script, "\r\n"))
			row := map[string]any{"workflowid": fid(i), "name": fmt.Sprintf("Flow %d", i), "category": 6, "uiflowtype": 2, "schemaversion": "2022.07",
				"connectionreferences": string(b), "definition": string(d), "_ownerid_value": uid(i)}
			if i%7 != 0 {
				row["dependencies"] = `{"requiredBinaries":["b-1"]}`
			}
			return row
		}},
		{"principalobjectaccessset", s.Shares, func(i int) any {
			masks := [][2]int{{851991, 0}, {1, 0}, {0, 1}}
			m := masks[i%3]
			// Row i shares flow i with the users after its owner, never the
			// same pair twice while rows < flows × (users - 1).
			return map[string]any{"objectid": fid(i), "objecttypecode": "workflow", "principalid": uid(i + 1 + i/s.Flows),
				"principaltypecode": "systemuser", "accessrightsmask": m[0], "inheritedaccessrightsmask": m[1]}
		}},
	}
	for _, st := range steps {
		if err := write(st.set, st.n, st.row); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(dir, "connections.json"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString(`{"value":[`)
	for i := 0; i < 2*s.Users; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"name":"conn-%d-%d","properties":{"apiId":"/providers/Microsoft.PowerApps/apis/%s","displayName":"u%05d@synth.example","createdBy":{"email":"u%05d@synth.example","id":"%s"},"statuses":[{"status":"Connected"}]}}`,
			i/2, i%2, []string{"shared_office365", "shared_sharepointonline"}[i%2], i/2, i/2, tid(100000+i/2))
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
