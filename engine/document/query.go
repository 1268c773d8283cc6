package document

import "github.com/invopop/jsonschema"

// Actions a query may ask about.
const (
	ActionRun     = "run"
	ActionInvoke  = "invoke"
	ActionEdit    = "edit"
	ActionShare   = "share"
	ActionDelete  = "delete"
	ActionEmbed   = "embed"
	ActionUnembed = "unembed"
	ActionUse     = "use"
)

// Query is the input of every decision: may principal do action on flow?
type Query struct {
	Action    string    `json:"action" jsonschema:"enum=run,enum=invoke,enum=edit,enum=share,enum=delete,enum=embed,enum=unembed,enum=use"`
	Principal Principal `json:"principal"`
	Flow      string    `json:"flow" jsonschema:"minLength=1,pattern=^(\\S(.*\\S)?)?$"`
	// Mode is "console" for run (the default), "attended" or "unattended"
	// for invoke (required).
	Mode string `json:"mode,omitempty" jsonschema:"enum=console,enum=attended,enum=unattended"`
	// Reference is the logicalName a reference action (embed, unembed, use)
	// is about.
	Reference string `json:"reference,omitempty" jsonschema:"minLength=1"`
}

// JSONSchemaExtend adds the constraints between fields that struct tags
// cannot say: which modes go with which action, and which actions need a
// reference. The schema, not Go code, rejects such queries, so every client
// (CLI, sidecar, OPA Data API) gets the same errors.
func (Query) JSONSchemaExtend(s *jsonschema.Schema) { s.AllOf = actionConstraints() }

// actionConstraints are the modes and references each action takes, for
// every input that names an action (a query, a who-can list).
func actionConstraints() []*jsonschema.Schema {
	cond := func(actions []any, then *jsonschema.Schema) *jsonschema.Schema {
		ifs := &jsonschema.Schema{Properties: jsonschema.NewProperties(), Required: []string{"action"}}
		ifs.Properties.Set("action", &jsonschema.Schema{Enum: actions})
		return &jsonschema.Schema{If: ifs, Then: then}
	}
	runMode := &jsonschema.Schema{Properties: jsonschema.NewProperties()}
	runMode.Properties.Set("mode", &jsonschema.Schema{Const: "console"})
	invokeMode := &jsonschema.Schema{Properties: jsonschema.NewProperties(), Required: []string{"mode"}}
	invokeMode.Properties.Set("mode", &jsonschema.Schema{Enum: []any{"attended", "unattended"}})
	noMode := &jsonschema.Schema{Not: &jsonschema.Schema{Required: []string{"mode"}}}
	needsRef := &jsonschema.Schema{Required: []string{"reference"}}
	return []*jsonschema.Schema{
		cond([]any{ActionRun}, runMode),
		cond([]any{ActionInvoke}, invokeMode),
		cond([]any{ActionEdit, ActionShare, ActionDelete, ActionEmbed, ActionUnembed, ActionUse}, noMode),
		cond([]any{ActionEmbed, ActionUnembed, ActionUse}, needsRef),
	}
}

// Page asks for one page of a list: at most Limit entries, after the
// Continuation a previous page returned.
type Page struct {
	Limit        int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=10000"`
	Continuation string `json:"continuation,omitempty" jsonschema:"maxLength=1024"`
}

// Part asks for one of Of contiguous parts of a list, in its order: the
// engine asks a long list so, one part per core, each part finding the
// list's candidates and asking about its share of them. Index counts from
// 0; a part past the last is empty.
type Part struct {
	Index int `json:"index" jsonschema:"minimum=0"`
	Of    int `json:"of" jsonschema:"minimum=1,maximum=1024"`
}

// PrincipalsQuery asks who may do an action on a flow (who-can).
type PrincipalsQuery struct {
	Action    string `json:"action" jsonschema:"enum=run,enum=invoke,enum=edit,enum=share,enum=delete,enum=embed,enum=unembed,enum=use"`
	Flow      string `json:"flow" jsonschema:"minLength=1,pattern=^(\\S(.*\\S)?)?$"`
	Mode      string `json:"mode,omitempty" jsonschema:"enum=console,enum=attended,enum=unattended"`
	Reference string `json:"reference,omitempty" jsonschema:"minLength=1"`
	// Principals, when given, are the only principals considered: "which
	// of these may".
	Principals []Principal `json:"principals,omitempty" jsonschema:"minItems=1,maxItems=10000"`
	Part       *Part       `json:"part,omitempty"`
	Page
}

// JSONSchemaExtend gives the list the query's constraints between fields.
func (PrincipalsQuery) JSONSchemaExtend(s *jsonschema.Schema) { s.AllOf = actionConstraints() }

// FlowsQuery asks which flows, and which actions on them, a principal may
// (what-can). Without Actions, every action.
type FlowsQuery struct {
	Principal Principal `json:"principal"`
	Actions   []string  `json:"actions,omitempty" jsonschema:"uniqueItems=true,enum=run,enum=invoke,enum=edit,enum=share,enum=delete,enum=embed,enum=unembed,enum=use"`
	// Flows, when given, are the only flows considered: "which of these
	// flows may".
	Flows []string `json:"flows,omitempty" jsonschema:"minItems=1,maxItems=10000"`
	Part  *Part    `json:"part,omitempty"`
	Page
}

// Change puts or deletes one document, for a what-if: nothing is written.
// A put replaces the document of its kind and id, or adds it; a put of a
// Share adds its grants to the flow's (shares of one flow add up). A delete
// removes the document of its kind and id; a delete of a Share removes the
// grants it lists from the flow (all of them when it lists none).
type Change struct {
	Op       string         `json:"op" jsonschema:"enum=put,enum=delete"`
	Document map[string]any `json:"document"`
}

// Changes are a what-if's changes, applied in order.
type Changes []Change

// JSONSchemaExtend requires at least one change.
func (Changes) JSONSchemaExtend(s *jsonschema.Schema) { s.MinItems = ptr(uint64(1)) }

func ptr[T any](v T) *T { return &v }

// AuthzInput is what `padlock serve --authorization basic` asks the
// administrative policy (data.system.authz.allow) about each request, in
// the shape of OPA's own: the bearer token as identity, the method, the
// path split at slashes, the query parameters and the headers.
type AuthzInput struct {
	Identity string              `json:"identity,omitempty"`
	Method   string              `json:"method"`
	Path     []string            `json:"path"`
	Params   map[string][]string `json:"params"`
	Headers  map[string][]string `json:"headers"`
}
