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
func (Query) JSONSchemaExtend(s *jsonschema.Schema) {
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
	s.AllOf = []*jsonschema.Schema{
		cond([]any{ActionRun}, runMode),
		cond([]any{ActionInvoke}, invokeMode),
		cond([]any{ActionEdit, ActionShare, ActionDelete, ActionEmbed, ActionUnembed, ActionUse}, noMode),
		cond([]any{ActionEmbed, ActionUnembed, ActionUse}, needsRef),
	}
}
