package dunning

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// Outcomes kept for a late record. A runner whose store stays out of reach
// for the whole lease after a send (the record's tries all failed) keeps
// the outcome in memory, by key, and does not forget it:
//   - every Run and Execute first tries to record the kept outcomes again,
//     and Execute again before each later chunk's claim, each under its own
//     claim (the owner and attempt fence holds past the lease's end until
//     another claim takes the key);
//   - a claim of a kept key taken back after the lease (Claim.Unknown, this
//     runner's own take-over) records the kept outcome, marked Recovered,
//     instead of carrying the action out again.
//
// So while its process lives, a runner that lost its store does not send a
// kept notice again itself; what is kept dies with the process (the one
// window for a duplicate), and a key another runner took over after the
// lease is sent again by that one (StatusResent).

// keptOutcome is a carried-out action whose record did not go in.
type keptOutcome struct {
	claim Claim
	rec   Record
	res   Result // as carried out: MessageID, Error, Event
}

// keptOutcomes is a Runner's kept outcomes, safe for concurrent use.
type keptOutcomes struct {
	mu sync.Mutex
	m  map[string]keptOutcome
}

// keep remembers j's outcome (its record failed for good).
func (k *keptOutcomes) keep(j *job) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]keptOutcome{}
	}
	k.m[j.a.Key] = keptOutcome{claim: j.claim, rec: j.rec, res: j.res}
}

// forget drops key's kept outcome, if any.
func (k *keptOutcomes) forget(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
}

// get returns key's kept outcome.
func (k *keptOutcomes) get(key string) (keptOutcome, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	o, ok := k.m[key]
	return o, ok
}

// keptFor returns the outcome kept for j's key when j's claim is a
// take-over after an unknown outcome (the only claim that may be this
// runner's own after its lease).
func (r *Runner) keptFor(j *job) (keptOutcome, bool) {
	if !j.claim.Unknown {
		return keptOutcome{}, false
	}
	return r.kept.get(j.a.Key)
}

// list returns the kept outcomes in key order.
func (k *keptOutcomes) list() []keptOutcome {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]keptOutcome, 0, len(k.m))
	for _, o := range k.m {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b keptOutcome) int { return strings.Compare(a.claim.Key, b.claim.Key) })
	return out
}

// Unrecorded returns the keys of the outcomes this runner carried out but
// could not record yet (its store was out of reach for a whole lease), in
// key order. Each Run and Execute tries to record them first; they are
// lost if the process ends, and those keys are then sent again after their
// lease (StatusResent, Record.Unknown).
func (r *Runner) Unrecorded() []string {
	ks := r.kept.list()
	out := make([]string, len(ks))
	for i, o := range ks {
		out[i] = o.claim.Key
	}
	return out
}

// recordKept tries once, in chunks of BatchSize, to record the kept
// outcomes under their own claims. A recorded one, or one whose claim
// another runner has taken over, is forgotten; one the store failed for
// is kept for the next try.
func (r *Runner) recordKept(ctx context.Context) {
	ks := r.kept.list()
	for len(ks) > 0 {
		n := min(len(ks), r.batchSize())
		cs := make([]Completion, n)
		for i, o := range ks[:n] {
			cs[i] = Completion{Claim: o.claim, Record: o.rec}
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.recordTimeout())
		errs, _ := CompleteMany(cctx, r.Store, cs)
		cancel()
		for i, o := range ks[:n] {
			err := errors.New("no answer from the store")
			if i < len(errs) {
				err = errs[i]
			}
			switch {
			case err == nil:
				r.kept.forget(o.claim.Key)
				r.logKept(ctx, slog.LevelInfo, "dunning: recorded late", o, nil)
			case errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrInvalid):
				r.kept.forget(o.claim.Key)
				r.logKept(ctx, slog.LevelWarn, "dunning: kept outcome not recorded", o, err)
			default:
				r.logKept(ctx, slog.LevelWarn, "dunning: recording late failed", o, err)
			}
		}
		ks = ks[n:]
	}
}

func (r *Runner) logKept(ctx context.Context, level slog.Level, msg string, o keptOutcome, err error) {
	if r.Logger == nil {
		return
	}
	attrs := []slog.Attr{slog.String("key", o.claim.Key), slog.Int("attempt", o.claim.Attempt)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.Logger.LogAttrs(ctx, level, msg, attrs...)
}
