// Package segment routes customers to dunning workflows with rules over
// their attributes: industry, size, region, customer type, payment history,
// anything the app exposes.
//
// A Subject exposes typed attribute Values (string, number, date, bool).
// A Rule's condition combines predicates (eq, ne, in, not_in, lt, lte, gt,
// gte, between, exists, prefix) with all, any and not; a RuleSet evaluates
// its rules by priority (higher first, ties in list order), the first match
// wins, and a default applies when none does. A match names a workflow and
// may also pick the template set and the notice language.
//
// Rule sets load from JSON and marshal back to it:
//
//	{
//	  "attributes": {"size": "string", "history.avg_days_late": "number"},
//	  "rules": [
//	    {"name": "enterprise", "when": {"attr": "size", "op": "eq", "value": "enterprise"}, "workflow": "gentle"},
//	    {"name": "late payers", "when": {"attr": "history.avg_days_late", "op": "gt", "value": 30},
//	     "workflow": "tight", "language": "de"}
//	  ],
//	  "default": {"workflow": "standard"}
//	}
//
// Errors name the path and the value: `segment: rules[1].when.op: unknown
// operator "greater"`. When the set declares its attributes, a rule naming
// another is refused at load time.
//
// Semantics: a predicate whose attribute is missing or of another kind is
// false, for ne and not_in too (use exists to test presence); numbers compare
// by value (10 equals 10.00); between is inclusive at both ends. Explain
// shows which rule matched and which predicates held or failed.
//
// The package imports no other package of overdue.
package segment
