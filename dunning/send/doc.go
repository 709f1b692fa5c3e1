// Package send holds dunning.Sender implementations: Writer prints notices
// to an io.Writer (examples, dry runs, logs), Recorder keeps them in memory
// for tests and deduplicates by idempotency key the way a well-behaved
// provider does, and SMTP delivers them as MIME email with a Message-ID
// derived from the action key (the notice number and a hash; the key itself,
// which names the workflow, never leaves).
package send
