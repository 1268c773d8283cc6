package document

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// Table is a fixture table (a *_test.yaml file): documents, and cases that
// each ask one query, or load documents, and state what must come out.
type Table struct {
	// Description says what the table tests.
	Description string `json:"description,omitempty"`
	// Include names document files or folders, relative to the table file.
	Include []string `json:"include,omitempty"`
	// Documents are inline documents, added to the included ones.
	Documents []any  `json:"documents,omitempty"`
	Cases     []Case `json:"cases" jsonschema:"minItems=1"`
}

// Case is one row of a table.
type Case struct {
	Name string `json:"name" jsonschema:"minLength=1"`
	// Include and Documents, when given, replace the table's documents for
	// this case: the way to test invalid documents one case at a time.
	Include   []string `json:"include,omitempty"`
	Documents []any    `json:"documents,omitempty"`
	// Input is the query; without it the case only checks the documents.
	Input map[string]any `json:"input,omitempty"`
	// Audit, instead of a query, audits exports; the case's (or table's)
	// documents are its --docs.
	Audit  *AuditCase `json:"audit,omitempty"`
	Expect Expect     `json:"expect"`
}

// AuditCase says what a case audits.
type AuditCase struct {
	// Inputs are exports (solution zips or folders, Web API dumps),
	// relative to the table file.
	Inputs      []string `json:"inputs" jsonschema:"minItems=1"`
	Environment string   `json:"environment,omitempty"`
}

// ExpectFinding matches one audit finding; only what is stated is checked.
type ExpectFinding struct {
	Rule string `json:"rule" jsonschema:"pattern=^PL[0-9]{3}$"`
	// Flow is the flow's id or name.
	Flow      string `json:"flow,omitempty"`
	Reference string `json:"reference,omitempty"`
	Principal string `json:"principal,omitempty"`
	// Message must occur in the finding's message.
	Message string `json:"message,omitempty"`
}

// Expect states what a case must produce. Only what is stated is checked,
// except that a case expecting a decision also expects no validation error.
type Expect struct {
	Allow *bool  `json:"allow,omitempty"`
	Role  string `json:"role,omitempty" jsonschema:"enum=owner,enum=co-owner,enum=user,enum=none"`
	// Reasons are the reason codes, all of them, in any order.
	Reasons []string `json:"reasons,omitempty"`
	// Connections maps a reference's logical name to its expected entry.
	Connections map[string]ExpectConnection `json:"connections,omitempty"`
	ByocDialog  *bool                       `json:"byocDialog,omitempty"`
	// Errors are the validation errors expected (of documents or input),
	// all of them; Warnings likewise for warnings, when stated.
	Errors   []ExpectProblem `json:"errors,omitempty"`
	Warnings []ExpectProblem `json:"warnings,omitempty"`
	// Findings must all be among an audit's findings; none may match an
	// Absent one.
	Findings []ExpectFinding `json:"findings,omitempty"`
	Absent   []ExpectFinding `json:"absent,omitempty"`
}

// ExpectConnection is the expected connections entry of one reference.
type ExpectConnection struct {
	Source     string         `json:"source,omitempty" jsonschema:"enum=own,enum=embedded,enum=byoc"`
	Selected   NullableString `json:"selected,omitempty"`
	Candidates []string       `json:"candidates,omitempty"`
}

// ExpectProblem matches one validation problem.
type ExpectProblem struct {
	// Pointer is the JSON pointer of the problem, when stated.
	Pointer *string `json:"pointer,omitempty"`
	// Message must occur in the problem's message.
	Message string `json:"message" jsonschema:"minLength=1"`
}

// NullableString tells "selected: null" (expect no connection) from an
// absent key (do not check).
type NullableString struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the key was present, even as null.
func (n *NullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n.Value = &s
	return nil
}

// MarshalJSON writes the value, null when unset or null.
func (n NullableString) MarshalJSON() ([]byte, error) { return json.Marshal(n.Value) }

// JSONSchema: a string or null.
func (NullableString) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "string"}, {Type: "null"}}}
}
