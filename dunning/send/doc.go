// Package send holds dunning.Sender implementations: Writer prints notices
// to an io.Writer (examples, dry runs, logs), Recorder keeps them in memory
// for tests and deduplicates by idempotency key the way a well-behaved
// provider does, and SMTP delivers them as MIME email with the action key as
// the Message-ID.
package send
