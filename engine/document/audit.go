package document

// AuditInput is the input of the audit rules (data.padlock.audit), which
// the audit evaluates once per desktop flow.
type AuditInput struct {
	// Environment is where the solution is or will be imported.
	Environment string `json:"environment"`
	// Flow is the audited flow as data.world.flows holds flows (connector
	// ids in short form, optional fields left out).
	Flow DesktopFlow `json:"flow"`
	// Facts is what the export says about the flow beyond its document.
	Facts AuditFlow `json:"facts"`
}

// AuditCloudInput is the input of the cloud flow rules
// (data.padlock.audit.cloud), evaluated once after every desktop flow.
type AuditCloudInput struct {
	// CloudFlows are the cloud flows of the exports.
	CloudFlows []AuditCloudFlow `json:"cloudFlows"`
	// Blocked holds, by id, the audited desktop flows that a cloud flow
	// cannot start, and why (data.padlock.audit.blockers).
	Blocked map[string]AuditBlocked `json:"blocked"`
}

// AuditBlocked is a desktop flow that a cloud flow cannot start.
type AuditBlocked struct {
	// Name is the flow's name in its document, FlowName in its export
	// (every finding's flowName); they differ where --docs renames a flow.
	Name     string   `json:"name"`
	FlowName string   `json:"flowName"`
	Blockers []string `json:"blockers"`
}

// Location says where a finding is: the file, and the element or line
// where the format has one.
type Location struct {
	File    string `json:"file"`
	Element string `json:"element,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// AuditFlow is what an export says about one desktop flow.
type AuditFlow struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Location Location `json:"location"`
	// InSolution: the flow comes from a solution export.
	InSolution bool `json:"inSolution"`
	// RequiredBinaries are the binary ids Dependencies.requiredBinaries
	// names; MissingBinaries those (and data files) the export lacks.
	RequiredBinaries []string `json:"requiredBinaries"`
	MissingBinaries  []string `json:"missingBinaries"`
	// Actions are every cloud connector action of the script, disabled
	// ones included (the DesktopFlow document lists only live ones).
	Actions     []AuditAction     `json:"actions"`
	Credentials []AuditCredential `json:"credentials"`
}

// AuditAction is an External.InvokeCloudConnector call, with every
// script line that makes it: a script calls the same operation through the
// same reference dozens of times, and the rules look at each distinct call
// once (a finding per line still names every line).
type AuditAction struct {
	Connector string `json:"connector"`
	Operation string `json:"operation"`
	// Reference is the logical name of the reference whose padInternalId
	// the statement names, or the padInternalId itself when none has it.
	Reference string `json:"reference"`
	Known     bool   `json:"known"`
	Disabled  bool   `json:"disabled"`
	// Lines are the script lines of the statements, in order ([0] for a
	// flow known only from documents, which has no script).
	Lines []int `json:"lines"`
}

// AuditCredential is a secret written into the script; the value itself
// is never kept.
type AuditCredential struct {
	Variable string `json:"variable"`
	// Why is "password-like" (a SET of a password-like variable to a
	// literal) or "sensitive" (a literal in an @SENSITIVE variable).
	Why  string `json:"why" jsonschema:"enum=password-like,enum=sensitive"`
	Line int    `json:"line"`
}

// AuditCloudFlow is a cloud flow and the desktop flow runs it starts.
type AuditCloudFlow struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Location Location   `json:"location"`
	Runs     []AuditRun `json:"runs"`
}

// AuditRun is one RunUIFlow_V2 action: a cloud-initiated run.
type AuditRun struct {
	Action      string `json:"action"` // the action's path in the definition
	DesktopFlow string `json:"desktopFlow"`
	// RunMode is attended or unattended where a literal says so, "" when
	// it comes from an expression.
	RunMode string `json:"runMode"`
}

// Finding is one audit result, as the rules produce it.
type Finding struct {
	Rule      string   `json:"rule"`
	Severity  string   `json:"severity" jsonschema:"enum=error,enum=warning,enum=info"`
	Flow      string   `json:"flow"`
	FlowName  string   `json:"flowName"`
	Reference string   `json:"reference,omitempty"`
	Principal string   `json:"principal,omitempty"`
	Message   string   `json:"message"`
	Location  Location `json:"location"`
}
