package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// roundTrips: the YAML written for a JSON document reads back, with a YAML
// library, as the same value.
func roundTrips(t *testing.T, doc string) {
	t.Helper()
	var want any
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		return
	}
	var b bytes.Buffer
	if err := jsonToYAML(&b, []byte(doc)); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	var got any
	if err := yaml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%s\nwrote invalid YAML: %v\n%s", doc, err, b.String())
	}
	// YAML decodes whole numbers as int; JSON as float64.
	norm := func(v any) any { raw, _ := json.Marshal(v); var out any; _ = json.Unmarshal(raw, &out); return out }
	if !reflect.DeepEqual(norm(got), want) {
		t.Fatalf("%s\nreads back as %#v\nfrom:\n%s", doc, got, b.String())
	}
}

func TestJSONToYAML(t *testing.T) {
	for _, doc := range []string{
		`{"kind":"Team","id":"team:a","members":[]}`,
		`{"kind":"Share","flow":"3a1e0c4b-0001-4c1d-9a00-00000000f001","grants":[{"principal":"user:a@x.example","role":"user"}]}`,
		`{"a":{"b":{"c":[1,2.5,true,null,"x"]}},"d":{},"e":[[],[{}],[{"f":[]}]]}`,
		`{"s":["yes","No","on","null","~","1e3","0x1f","0o17","1_000","12:30","2001-12-14","-x","@x","#x","a: b","a #b"," a","a ","","'q'","\"dq\"","line\nbreak","tab\there","ünï","*ref","&anchor","!tag","%x","|","> x","{x}","[x]","x,y","?x"]}`,
		`{"keys":{"yes":1,"12":2,"a b":3,"":4,"k:":5}}`,
	} {
		roundTrips(t, doc)
	}
}

func FuzzJSONToYAML(f *testing.F) {
	f.Add(`{"a":["yes",1,{"b":null}]}`)
	f.Add(`{"s":"0x1f"}`)
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		if _, ok := v.(map[string]any); !ok {
			return // documents are objects
		}
		var compact bytes.Buffer
		if json.Compact(&compact, []byte(doc)) != nil {
			return
		}
		roundTrips(t, compact.String())
	})
}
