package main

import (
	"context"
	"fmt"
	"strings"
)

// applyReport is what `varco apply` did (or, with --dry-run, would do).
type applyReport struct {
	DryRun         bool     `json:"dryRun"`
	OrganizationID string   `json:"organizationId,omitempty"`
	Created        int      `json:"created"`
	Updated        int      `json:"updated"`
	Unchanged      int      `json:"unchanged"`
	Deleted        int      `json:"deleted"`
	Changes        []change `json:"changes"`
	Warnings       []string `json:"warnings,omitempty"`
}

// change is one object apply looked at.
type change struct {
	Action string   `json:"action"` // created, updated, unchanged, deleted
	Kind   string   `json:"kind"`   // organization, place, resource, rules, exception
	Name   string   `json:"name"`
	ID     string   `json:"id,omitempty"`
	Fields []string `json:"fields,omitempty"` // what differed, for updates
}

func (c *cli) apply(ctx context.Context, args []string) error {
	fs := c.flagSet("apply")
	file := fs.String("f", "", "catalog file, YAML or JSON (- for stdin)")
	dryRun := fs.Bool("dry-run", false, "report what would change without changing anything")
	prune := fs.Bool("prune", false, "delete schedule exceptions the file does not list (of resources that list exceptions)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"f": *file}); err != nil {
		return err
	}
	spec, err := loadCatalog(*file, c.stdin)
	if err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	a := &applier{api: api, dryRun: *dryRun, prune: *prune, report: &applyReport{DryRun: *dryRun, Changes: []change{}}}
	err = a.run(ctx, spec)
	// What was done before a failure is reported too: the next apply
	// picks up from there, and the user should know where that is.
	if perr := c.printReport(a.report); err == nil {
		err = perr
	}
	return err
}

func (c *cli) printReport(r *applyReport) error {
	if c.json() {
		return c.printJSON(r)
	}
	tw := c.table()
	for _, ch := range r.Changes {
		if ch.Action == "unchanged" {
			continue // the summary counts them; listing them hides the changes
		}
		action := c.tOr("cli.apply.action."+ch.Action, ch.Action)
		if r.DryRun {
			action = c.tOr("cli.apply.dry."+ch.Action, "would be "+ch.Action)
		}
		line := fmt.Sprintf("%s\t%s\t%s", action, c.tOr("cli.apply.kind."+ch.Kind, ch.Kind), ch.Name)
		if len(ch.Fields) > 0 {
			line += "\t(" + strings.Join(ch.Fields, ", ") + ")"
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(c.stdout, c.t("cli.apply.warning"), w)
	}
	summary := c.t("cli.apply.summary", r.Created, r.Updated, r.Unchanged)
	if r.Deleted > 0 {
		summary += c.t("cli.apply.deleted", r.Deleted)
	}
	if r.DryRun {
		summary += c.t("cli.apply.dryRun")
	}
	_, err := fmt.Fprintln(c.stdout, summary+".")
	return err
}
