// Package document defines padlock's document kinds and query input: the one
// place their shape is declared. The JSON Schemas in schemas/ are generated
// from these types (go generate), and everything else reads them.
package document

import "strings"

// Kind names a document kind, the value of every document's "kind" field.
type Kind string

// The document kinds padlock loads.
const (
	KindDesktopFlow    Kind = "DesktopFlow"
	KindShare          Kind = "Share"
	KindTeam           Kind = "Team"
	KindConnection     Kind = "Connection"
	KindRoleAssignment Kind = "RoleAssignment"
)

// Kinds lists every document kind in a stable order.
func Kinds() []Kind {
	return []Kind{KindDesktopFlow, KindShare, KindTeam, KindConnection, KindRoleAssignment}
}

// ParseKind finds a kind by name, ignoring case ("share", "desktopflow"),
// as the documents API and `padlock schema` read kind names.
func ParseKind(name string) (Kind, bool) {
	for _, k := range Kinds() {
		if strings.EqualFold(string(k), name) {
			return k, true
		}
	}
	return "", false
}

// Schema versions: how Dataverse stores a desktop flow.
const (
	SchemaV1 = "v1"
	SchemaV2 = "v2"
)

// Roles a Share grants.
const (
	RoleCoOwner = "co-owner"
	RoleUser    = "user"
)

// DesktopFlow is a Power Automate desktop flow as padlock sees it.
type DesktopFlow struct {
	Kind        Kind   `json:"kind" jsonschema:"enum=DesktopFlow"`
	ID          string `json:"id" jsonschema:"minLength=1,pattern=^(\\S(.*\\S)?)?$"`
	Name        string `json:"name" jsonschema:"minLength=1"`
	Environment string `json:"environment" jsonschema:"minLength=1"`
	// Owner is absent where the source (a solution export) does not say:
	// then no principal holds the owner role.
	Owner                Principal             `json:"owner,omitempty"`
	SchemaVersion        string                `json:"schemaVersion" jsonschema:"enum=v1,enum=v2"`
	ConnectionReferences []ConnectionReference `json:"connectionReferences"`
	Actions              []Action              `json:"actions"`
}

// ConnectionReference is a named pointer from a flow to a connection.
type ConnectionReference struct {
	LogicalName string `json:"logicalName" jsonschema:"minLength=1"`
	DisplayName string `json:"displayName,omitempty"`
	Connector   string `json:"connector" jsonschema:"pattern=^(/providers/Microsoft\\.PowerApps/apis/)?[A-Za-z0-9_.\\-]+$"`
	// Owner is the co-owner who added the reference; absent when unknown,
	// in which case nobody may embed or unembed it and it is nobody's own.
	Owner      Principal `json:"owner,omitempty"`
	Embedded   bool      `json:"embedded"`
	Connection string    `json:"connection,omitempty"`
}

// Action is one cloud connector action of a flow's script.
type Action struct {
	Connector string `json:"connector" jsonschema:"pattern=^(/providers/Microsoft\\.PowerApps/apis/)?[A-Za-z0-9_.\\-]+$"`
	Operation string `json:"operation" jsonschema:"minLength=1"`
	// Reference is the logicalName of one of the flow's connection references.
	Reference string `json:"reference" jsonschema:"minLength=1"`
}

// Share records who a flow is shared with, and in which role.
type Share struct {
	Kind   Kind    `json:"kind" jsonschema:"enum=Share"`
	Flow   string  `json:"flow" jsonschema:"minLength=1,pattern=^(\\S(.*\\S)?)?$"`
	Grants []Grant `json:"grants"`
}

// Grant gives one principal (a user or a team) one role on a flow.
type Grant struct {
	Principal Principal `json:"principal"`
	Role      string    `json:"role" jsonschema:"enum=co-owner,enum=user"`
}

// Team is a Dataverse team (owner team or Entra-group team); its members hold
// the team's role on every flow shared with it.
type Team struct {
	Kind Kind   `json:"kind" jsonschema:"enum=Team"`
	ID   string `json:"id" jsonschema:"pattern=^team:\\S+$"`
	// Name is the team's display name, where the source has one.
	Name    string      `json:"name,omitempty"`
	Members []Principal `json:"members" jsonschema:"uniqueItems=true"`
}

// Connection is one person's authenticated link to one connector in one
// environment.
type Connection struct {
	Kind        Kind      `json:"kind" jsonschema:"enum=Connection"`
	ID          string    `json:"id" jsonschema:"minLength=1"`
	Connector   string    `json:"connector" jsonschema:"pattern=^(/providers/Microsoft\\.PowerApps/apis/)?[A-Za-z0-9_.\\-]+$"`
	Environment string    `json:"environment" jsonschema:"minLength=1"`
	Owner       Principal `json:"owner"`
	Account     string    `json:"account" jsonschema:"format=email"`
	// Status is "Connected" or an error state such as "Error".
	Status string `json:"status" jsonschema:"minLength=1"`
}

// RoleAssignment gives a principal (user or team) Dataverse security roles in
// one environment. Roles with read access to every row of the Process table
// (System Administrator, System Customizer, and those listed in the policy
// data padlock.config.processReadAllRoles) make the principal an implicit
// co-owner of every desktop flow in that environment.
type RoleAssignment struct {
	Kind        Kind      `json:"kind" jsonschema:"enum=RoleAssignment"`
	ID          string    `json:"id" jsonschema:"minLength=1"`
	Environment string    `json:"environment" jsonschema:"minLength=1"`
	Principal   Principal `json:"principal"`
	Roles       []string  `json:"roles" jsonschema:"minItems=1"`
}

// ConnectorPrefix is the long form's prefix of a connector id.
const ConnectorPrefix = "/providers/Microsoft.PowerApps/apis/"

// ShortConnector returns the short form of a connector id, so that
// "shared_office365" and "/providers/Microsoft.PowerApps/apis/shared_office365"
// compare equal.
func ShortConnector(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// KeyOf names a typed document where documents are replaced by key (the
// documents API, a what-if): its kind and id, a Share by the flow it
// shares. ok is false for a value that is no document.
func KeyOf(v any) (kind Kind, id string, ok bool) {
	switch d := v.(type) {
	case DesktopFlow:
		return KindDesktopFlow, d.ID, true
	case Share:
		return KindShare, d.Flow, true
	case Team:
		return KindTeam, d.ID, true
	case Connection:
		return KindConnection, d.ID, true
	case RoleAssignment:
		return KindRoleAssignment, d.ID, true
	}
	return "", "", false
}
