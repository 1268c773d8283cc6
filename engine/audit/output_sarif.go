package audit

import (
	"io"

	"github.com/owenrumney/go-sarif/v2/sarif"
)

// SARIF writes SARIF 2.1.0, which code-scanning tools read: one rule per
// audit rule (from its metadata), one result per finding.
type SARIF struct{}

// Report implements Reporter.
func (SARIF) Report(w io.Writer, r *Report) error {
	report, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	run := sarif.NewRunWithInformationURI("padlock", "https://github.com/padlock/padlock")
	for _, rule := range r.Rules {
		run.AddRule(rule.ID).
			WithName(rule.Title).
			WithShortDescription(sarif.NewMultiformatMessageString(rule.Title)).
			WithFullDescription(sarif.NewMultiformatMessageString(rule.Description)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level(rule.Severity))).
			WithProperties(sarif.Properties{"domainRule": rule.DomainRule, "policy": where(rule.File, rule.Line, "")})
	}
	for f, err := range r.Findings.All() {
		if err != nil {
			return err
		}
		run.AddDistinctArtifact(f.Location.File)
		loc := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.Location.File))
		if f.Location.Line > 0 {
			loc = loc.WithRegion(sarif.NewSimpleRegion(f.Location.Line, f.Location.Line))
		}
		location := sarif.NewLocationWithPhysicalLocation(loc)
		if f.Location.Element != "" {
			location = location.WithLogicalLocations([]*sarif.LogicalLocation{sarif.NewLogicalLocation().WithFullyQualifiedName(f.Location.Element)})
		}
		props := sarif.Properties{"flow": f.Flow, "flowName": f.FlowName}
		if f.Reference != "" {
			props["reference"] = f.Reference
		}
		if f.Principal != "" {
			props["principal"] = f.Principal
		}
		res := run.CreateResultForRule(f.Rule).
			WithLevel(level(f.Severity)).
			WithMessage(sarif.NewTextMessage(f.Message)).
			WithLocations([]*sarif.Location{location})
		res.Properties = props
	}
	// An input that could not be audited is not a clean run: code
	// scanning shows a tool execution notification and a failed run
	// instead of an empty result list.
	inv := run.AddInvocation(len(r.Problems) == 0)
	for _, p := range r.Problems {
		n := sarif.NewNotification().WithLevel("error").WithTextMessage(p.String())
		if p.File != "" {
			loc := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(p.File))
			if p.Line > 0 {
				loc = loc.WithRegion(sarif.NewSimpleRegion(p.Line, p.Line))
			}
			n.AddLocation(sarif.NewLocationWithPhysicalLocation(loc))
		}
		inv.AddTToolExecutionNotification(n)
	}
	report.AddRun(run)
	return report.PrettyWrite(w)
}

func level(severity string) string {
	switch severity {
	case "error":
		return "error"
	case "warning":
		return "warning"
	}
	return "note"
}
