// Package dunning is the domain and the engine of overdue.
//
// # The domain
//
// A Customer owes Invoices under an Agreement (terms such as net 30, a
// currency, how to pay, grace days, late fees and interest). An invoice's
// open balance is its amount less the payments and credits dated on or
// before the day asked about (Invoice.Open): that one definition feeds
// thresholds, notices, fees, interest and metrics alike.
//
// A Workflow is an ordered list of Steps, each an offset from an invoice date
// ("due-7", "due+14", see package schedule) and an action: an email, letter
// or SMS notice, a statement of account (SendStatement), a collector task,
// an internal or external escalation, or a hold. A Policy holds the workflows, the segment rules that route each
// customer to one, the notice templates, the business calendar, the
// creditor, and the late fees and interest.
//
// # Planning
//
// Plan(asOf, policy, portfolio) returns the actions due on day asOf. It is
// pure and deterministic: the same inputs give the same actions in the same
// order. For every invoice it recomputes every step's date from the
// invoice's own dates (never "now + interval"), so a payment, credit,
// dispute or hold changes the next plan at once. It honours:
//   - don't-dun signals: paid, written off, in litigation, disputed,
//     customer or invoice on hold (optionally until a day), a promise to pay
//     whose date has not passed;
//   - grace days (steps after the due date move by them);
//   - minimum amounts per step (per currency, and as a share of the
//     customer's open items) and per customer and currency; HighestOnly and
//     SendAllMissed fall back to the highest due level whose minimums hold;
//   - grouping: a notice per invoice, or per customer listing every overdue
//     invoice of the currency (Action.Listed);
//   - catch-up when several steps are due at once: Progressive, HighestOnly
//     or SendAllMissed, and a minimum gap between two notices of an
//     invoice; a maximum of notices per invoice (Workflow.MaxNotices); a gap
//     and a maximum per customer (Policy.Customer);
//   - reminders (steps on or before the due date) that were missed until
//     the next step fell due are passed over, never sent late;
//   - a broken promise resumes the workflow or escalates at once.
//
// Each Action carries a stable idempotency key (customer, invoices,
// workflow, step, cycle), the rendered notice or the collector task, the fees
// and interest it adds, and a Reason in words. Explain answers why an
// invoice has no action on a day and when its next step falls. Plan also
// cancels open collector tasks whose invoices are settled (Portfolio.Tasks,
// CancelTask actions) and opens one task to fix the data of an action that
// carries a Problem (DataFix).
//
// # Account-level dunning
//
// An invoice with a Schedule is dunned per instalment ("ID#k", see
// Invoice.Parts and instalments.go), customer-level Unapplied money
// reduces what a customer is dunned for in its currency (NetOverdue,
// balance.go), and a Promise with Parts is a payment plan (paymentplan.go).
// A statement of account (Policy.Statement: opening balance, entries,
// closing balance, open items, unapplied money and aging, reconciled) is a
// function the app calls for any customer and period, the action of a
// workflow's statement step (SendStatement: one per customer, workflow,
// currency and day over Step.LookbackDays, sent through the Sender like a
// notice and recorded once), and, with Policy.Statements, a monthly
// document for every customer (StatementSchedule); see statement.go. An
// event naming an instalment ("INV-1#2") applies to its invoice
// (Invoice.Apply).
//
// # Running
//
// A Runner plans (Plan is the dry run), then for each action claims its key
// in the Store with a lease, sends the notice through the Sender with the
// key, and records the outcome. Each key is recorded at most once and each
// notice delivered at least once; a duplicate can only follow a process
// dying between the provider accepting a notice and its record, under the
// same key, and none with a sender that deduplicates by key or answers
// look-ups (Looker). See Runner for what holds and the tests that prove
// it. Leases run on the store's clock; a claim remembers its planned action
// so Plan re-issues the same key while its outcome is unknown. Stores:
// store/memory, store/sqlstore (PostgreSQL); both pass store/storetest.
//
// # Subscription dunning
//
// Apps that charge cards or direct debits add three kinds of steps. A
// Retry step charges the invoice through the Runner's Collector, with the
// action's key as idempotency key and the claim, look-up (ChargeLooker) and
// record of a notice; a soft decline moves on to the next step, a hard one
// ends the retries and sends the payment-update notice
// (notice.PaymentUpdate), and a charge is recorded and appended as a
// payment event (Result.Event). DefaultRetryWorkflow is the default
// cadence. A Suspend step moves the account into a BlockingState (block
// changes, block new orders, disable entitlements; Suspended and
// CreditHold are built in); AccountStates derives every customer's state
// from the History and the day, and Plan emits a Resume action once the
// invoices that caused it are paid, their promise kept, or on hold. End
// steps cancel the subscription, mark the invoice uncollectible, write it
// off or hand it over. Suspend, Resume and the ends are carried out
// through the Runner's AccountHook and recorded in the ledger.
package dunning
