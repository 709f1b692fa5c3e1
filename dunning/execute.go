package dunning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/overduehq/overdue/notice"
)

// Execution in chunks. Execute works a plan in chunks of actions that share
// no invoice: each chunk is checked, claimed in one ClaimMany, carried out
// (notice rendered, then sent; charged, applied through the Hook, task
// saved) by up to Concurrency goroutines, each taking one customer's
// actions in plan order, and recorded in group commits (CompleteMany). An
// action that shares an invoice with an earlier action of the plan waits
// for a later chunk, so a later step is never recorded before an earlier
// one; an invoice whose action did not complete gets no later step in this
// run. The next chunk is claimed and handed to the goroutines while the
// current one's last jobs are carried out, unless the two share an invoice
// or a customer: then it waits until the current one is accounted for.

// stage is how far a job got.
type stage int

const (
	reported stage = iota // res is final
	toClaim               // checked, to be claimed
	toCarry               // claimed, to be sent or stored
	toRecord              // carried out, to be recorded
)

// job is one action's way through Execute. Its Result is started by
// resultOf, built by the job's methods alone (see recorded), and given its
// Err by finish when Execute reports it.
type job struct {
	a        *Action
	res      Result
	f        fault
	err      error
	stage    stage
	rec      Record
	claim    Claim
	leaseEnd time.Time // on this machine's monotonic clock
	notices  bool
	render   bool // the notice is to be rendered before it is sent
	// ext: carried out outside the store, through the Sender, the
	// Collector or the Hook, all under the same claim, look-up and record.
	ext bool
	cr  *ChargeResult // a retry's charge result
}

// report ends the job with status, message, fault and error.
func (j *job) report(st Status, msg string, f fault, err error) {
	j.res.Status, j.res.Error, j.f, j.err, j.stage = st, msg, f, err, reported
}

func (r *Runner) concurrency() int { return cmp.Or(max(r.Concurrency, 0), 1) }

// batchSize is how many actions one chunk holds.
func (r *Runner) batchSize() int {
	return max(cmp.Or(max(r.BatchSize, 0), doneBatch), 8*r.concurrency())
}

// Execute carries out actions planned (and perhaps reviewed) earlier.
// Per-action outcomes are in the report, including per-action store
// errors (StatusError). It returns an error, with the report so far, when
// ctx is cancelled, when StopAfter actions in a row failed in the store or
// in the sender, or when the sender reports a setup failure; actions of the
// chunks under way that were claimed but not started then are released
// quietly (no Result) for the next run.
//
// A chunk that shares no invoice and no customer with the chunk before it
// is claimed and started while that one's last sends are still in flight,
// so the sends in flight do not drain at every chunk's end; a chunk that
// does share one waits until the one before it is accounted for.
func (r *Runner) Execute(ctx context.Context, acts []Action) (Report, error) {
	rep := Report{Planned: len(acts), Counts: map[Status]int{}}
	if len(acts) > 0 {
		rep.Results = make([]Result, 0, len(acts)) // no copies as it grows
	}
	if r.Store == nil || r.Policy == nil {
		return rep, errors.New("dunning: Runner needs a Policy and a Store")
	}
	r.recordKept(ctx)
	order := make([]int, len(acts))
	for i := range order {
		order[i] = i
	}
	if r.Stagger {
		// Rotate the plan's customers to start at one chosen by the owner,
		// keeping each customer's actions in plan order: runners sharing a
		// plan each begin a stretch of their own (a shuffle made them meet
		// claimed and finished keys in every chunk).
		h := fnv.New64a()
		h.Write([]byte(r.owner()))
		rank := map[string]int{}
		for _, a := range acts {
			if _, ok := rank[a.CustomerID]; !ok {
				rank[a.CustomerID] = len(rank)
			}
		}
		n := len(rank)
		off := int(rand.New(rand.NewPCG(h.Sum64(), 0x6f766572)).IntN(max(n, 1)))
		at := func(i int) int { return (rank[acts[i].CustomerID] - off + n) % n }
		slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(at(i), at(j)) })
	}
	blocked := map[string]string{}
	dc, _ := r.Store.(DoneChecker)
	sc, _ := r.Store.(StateChecker)
	var st streak
	c := r.newCarrier(ctx)
	defer c.close()
	// build checks a chunk's actions before their claim; it prepares the
	// next chunk while the current one is sent. Whether an action waits for
	// an earlier one that did not complete is decided once the earlier
	// chunk is accounted for.
	build := func(chunk []int) *batch {
		b := &batch{jobs: make([]job, len(chunk))}
		// The keys' states as a claim would find them now (lacking a
		// StateChecker, which are done): only an optimisation, Claim
		// still refuses done and held keys.
		var states map[string]KeyState
		var err error
		if sc != nil || dc != nil {
			keys := make([]string, len(chunk))
			for k, i := range chunk {
				keys[k] = acts[i].Key
			}
			states, err = keyStates(ctx, sc, dc, keys)
		}
		if err != nil {
			states = nil
			if r.Logger != nil {
				r.Logger.LogAttrs(ctx, slog.LevelWarn, "dunning: checking done keys", slog.String("error", err.Error()))
			}
		}
		for k, i := range chunk {
			j := &b.jobs[k]
			j.a, j.res = &acts[i], resultOf(&acts[i], "", "")
			switch states[j.a.Key] {
			case KeyDone:
				j.report(StatusDone, "", noFault, nil)
			case KeyHeld:
				// As the claim it is spared would be: ErrClaimed.
				j.report(StatusBusy, "", noFault, nil)
			default:
				r.prepare(ctx, j)
			}
		}
		return b
	}
	// account reports b's jobs, once all of them are carried out, and
	// returns the error that stops the run, if any (only when stops).
	account := func(b *batch, stops bool) error {
		b.wg.Wait()
		c.raise()
		var stop error
		for k := range b.jobs {
			j := &b.jobs[k]
			switch j.res.Status {
			case StatusSent, StatusFailed, StatusDone, StatusResent, StatusRecovered, StatusCharged, StatusDeclined:
			default:
				for _, id := range j.a.InvoiceIDs {
					if _, ok := blocked[id]; !ok {
						blocked[id] = j.a.Key
					}
				}
			}
			if j.res.Status != "" {
				finish(&j.res, j.err)
				rep.Counts[j.res.Status]++
				rep.Results = append(rep.Results, j.res)
				r.log(ctx, j.res)
			}
			if err := st.add(j, r.stopAfter()); err != nil && stop == nil && stops {
				stop = err
			}
		}
		return stop
	}
	// halt stops the run at err: the chunk in flight (if any) is carried to
	// its end (jobs not started are released quietly) and reported.
	halt := func(inFlight *batch, err error) (Report, error) {
		if inFlight != nil {
			c.stop()
			account(inFlight, false)
		}
		return rep, err
	}
	var chunk []int
	chunk, order = nextChunk(acts, order, r.batchSize())
	cur := build(chunk)
	var prev *batch // dispatched, not yet accounted for
	firstChunk := true
	for cur != nil {
		if err := ctx.Err(); err != nil {
			return halt(prev, err)
		}
		// A run the goroutines stopped (StopAfter failures in a row as
		// they met them, a setup failure) claims no further chunk.
		if stopped, err := c.halted(); stopped {
			if prev != nil {
				if aerr := account(prev, true); aerr != nil {
					return rep, aerr
				}
			}
			c.raise()
			return rep, err
		}
		if prev != nil && prev.overlaps(cur) {
			if err := account(prev, true); err != nil {
				return rep, err
			}
			prev = nil
		}
		jobs := cur.jobs
		for k := range jobs {
			j := &jobs[k]
			if b := blockedBy(blocked, j.a); b != "" && j.res.Status != StatusDone {
				j.report(StatusDeferred, "waits for the earlier action "+b+" of its invoices", noFault, nil)
				j.res.NotBefore = time.Time{}
			}
		}
		// An action that stops the run before its claim (a plug-in the
		// Runner lacks) stops it there: the chunk's later actions are left
		// for the next run, unclaimed and unreported.
		for k := range jobs {
			if jobs[k].f == fatalFault {
				for l := k + 1; l < len(jobs); l++ {
					if jobs[l].stage != reported {
						jobs[l].report("", "", noFault, nil)
					}
				}
				order = nil // and no later chunk is claimed
				break
			}
		}
		// Outcomes kept from an earlier outage are recorded as soon as the
		// store answers again, long before their lease would let another
		// runner send them again (the first chunk's try was Execute's own).
		if !firstChunk {
			r.recordKept(ctx)
		}
		firstChunk = false
		r.claimAll(ctx, jobs)
		var next *batch
		var panicked any
		var wg sync.WaitGroup
		if len(order) > 0 {
			chunk, order = nextChunk(acts, order, r.batchSize())
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer catch(&panicked)
				next = build(chunk)
			}()
		}
		c.dispatch(cur)
		if prev != nil {
			if err := account(prev, true); err != nil {
				wg.Wait()
				return halt(cur, err)
			}
		}
		wg.Wait()
		if panicked != nil {
			c.stop()
			account(cur, false)
			panic(panicked) // a Store's panic, raised on the caller's goroutine
		}
		prev, cur = cur, next
	}
	if prev != nil {
		if err := account(prev, true); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// batch is one chunk's jobs on their way through Execute.
type batch struct {
	jobs []job
	wg   sync.WaitGroup // the groups handed to the carrier, until carried out
}

// overlaps reports whether b and c share an invoice or a customer: then c
// waits until b is accounted for (an invoice's later step is never
// recorded before an earlier one, a customer's actions go out in order).
func (b *batch) overlaps(c *batch) bool {
	custs := make(map[string]bool, len(b.jobs))
	invs := make(map[string]bool, len(b.jobs))
	for k := range b.jobs {
		a := b.jobs[k].a
		custs[a.CustomerID] = true
		for _, id := range a.InvoiceIDs {
			invs[id] = true
		}
	}
	for k := range c.jobs {
		a := c.jobs[k].a
		if custs[a.CustomerID] {
			return true
		}
		for _, id := range a.InvoiceIDs {
			if invs[id] {
				return true
			}
		}
	}
	return false
}

// nextChunk takes from order (plan order) up to n actions that share no
// invoice with each other or with an action left for a later chunk, and
// returns them and the rest in order. The rest is order's own array: the
// actions left behind are moved to its front, before the ones not looked
// at yet, so taking a chunk copies nothing when none is left behind.
func nextChunk(acts []Action, order []int, n int) (chunk, rest []int) {
	taken := map[string]bool{}
	chunk = make([]int, 0, min(n, len(order)))
	left := 0 // order[:left] are the actions left behind so far
	for p, i := range order {
		if len(chunk) >= n {
			if left == 0 {
				return chunk, order[p:]
			}
			return chunk, append(order[:left], order[p:]...)
		}
		free := true
		for _, id := range acts[i].InvoiceIDs {
			if taken[id] {
				free = false
			}
			taken[id] = true // a later action of the invoice waits behind this one
		}
		if free {
			chunk = append(chunk, i)
		} else {
			order[left] = i
			left++
		}
	}
	return chunk, order[:left]
}

// streak counts actions in a row that failed in the store or the sender.
type streak struct{ store, sender int }

// add accounts for j and returns the error that stops the run, if any.
func (s *streak) add(j *job, stopAfter int) error {
	switch j.f {
	case fatalFault:
		return j.err
	case storeFault:
		if s.store++; s.store >= stopAfter {
			return fmt.Errorf("dunning: stopping: the store failed for %d actions in a row, last %s: %w", s.store, j.a.Key, j.err)
		}
	case senderFault:
		if s.sender++; s.sender >= stopAfter {
			return fmt.Errorf("dunning: stopping: the sender failed for %d actions in a row, last %s: %w", s.sender, j.a.Key, j.err)
		}
	default:
		if j.res.Status != StatusProblem && j.res.Status != StatusDeferred && j.res.Status != "" {
			s.store, s.sender = 0, 0
		}
	}
	return nil
}

// prepare checks a before its claim: a Problem, a review the action
// awaits, the send window, the plug-in it needs and its subscription data,
// that its notice is there, and that the record and task can be stored.
// The notice is rendered after the claim (carry).
func (r *Runner) prepare(ctx context.Context, j *job) {
	a := j.a
	problem := func(msg string) { j.report(StatusProblem, msg, noFault, nil) }
	if a.Problem != "" {
		problem(a.Problem)
		return
	}
	if why, err := r.awaitsApproval(ctx, a); err != nil {
		j.report(StatusError, err.Error(), storeFault, err)
		return
	} else if why != "" {
		j.report(StatusAwaitingApproval, why, noFault, nil)
		return
	}
	if w := r.Policy.SendWindow; w != nil && (a.Kind == Email || a.Kind == SMS || a.Kind == SendStatement) {
		loc, why := loadZone(a.TimeZone)
		if why != "" {
			problem(fmt.Sprintf("customer %s: time zone %q: %s", a.CustomerID, a.TimeZone, why))
			return
		}
		if now := r.clock().Now(); !w.Contains(now, loc) {
			next := w.Next(now, loc)
			j.report(StatusDeferred, "outside the send window until "+next.In(loc).Format("2006-01-02 15:04 MST"), noFault, nil)
			j.res.NotBefore = next
			return
		}
	}
	j.notices = a.Kind.SendsNotice()
	j.ext = j.notices || a.Kind == Retry || a.Kind.IsAccount()
	if err := r.plugIn(a); err != nil {
		j.report("", "", fatalFault, err)
		return
	} else if msg := checkSubscription(a); msg != "" {
		problem(msg)
		return
	}
	if j.notices {
		if a.Notice == nil {
			problem("no notice to send")
			return
		}
		// Rendered after the claim (carry), so that runners sharing a plan
		// each render only the notices they won.
		j.render = a.Notice.Subject == "" && a.Notice.Text == ""
	}
	// Everything the record and the claim will hold must be storable.
	j.rec = a.Record(Sent, r.clock().Now())
	if err := CheckRecord(j.rec); err != nil {
		problem("cannot be recorded: " + err.Error())
		return
	}
	if a.Task != nil && !j.ext {
		if err := CheckTask(*a.Task); err != nil {
			problem("cannot be stored: " + err.Error())
			return
		}
	}
	j.stage = toClaim
}

// claimAll claims the chunk's checked jobs in one ClaimMany when the
// store is a BatchStore. Otherwise each job is claimed by itself just
// before it is carried out, as a batch of one: claims then cost what they
// did one key at a time, and a run that stops early has claimed nothing
// beyond the action it stopped at.
func (r *Runner) claimAll(ctx context.Context, jobs []job) {
	if _, ok := r.Store.(BatchStore); !ok {
		return
	}
	var todo []*job
	for k := range jobs {
		if jobs[k].stage == toClaim {
			todo = append(todo, &jobs[k])
		}
	}
	r.claim(ctx, todo)
}

// claim claims jobs in one ClaimMany.
func (r *Runner) claim(ctx context.Context, jobs []*job) {
	keys := make([]ClaimKey, len(jobs))
	for k, j := range jobs {
		keys[k] = ClaimKey{Key: j.a.Key, Planned: PendingOf(j.a)}
	}
	if len(keys) == 0 {
		return
	}
	lease := r.lease()
	leaseEnd := time.Now().Add(lease) // monotonic: no earlier than the store's expiry
	res, err := ClaimMany(ctx, r.Store, ClaimManyParams{Owner: r.owner(), Lease: lease, Keys: keys})
	for n, j := range jobs {
		j.leaseEnd = leaseEnd
		var cerr error
		if n < len(res) {
			j.claim, cerr = res[n].Claim, res[n].Err
		} else {
			cerr = err
		}
		switch {
		case cerr == nil:
			j.stage, j.res.Attempt = toCarry, j.claim.Attempt
		case errors.Is(cerr, ErrAlreadyDone):
			j.report(StatusDone, "", noFault, nil)
		case errors.Is(cerr, ErrClaimed):
			j.report(StatusBusy, "", noFault, nil)
		case errors.Is(cerr, ErrInvalid):
			j.report(StatusProblem, "cannot be claimed: "+cerr.Error(), noFault, nil)
		case ctx.Err() != nil:
			j.report("", "", fatalFault, ctx.Err())
		default:
			j.report(StatusError, Storable("claim: "+cerr.Error(), MaxTextLen), storeFault, cerr)
		}
	}
}

// carrier carries out the claimed jobs of one Execute on up to
// Concurrency goroutines that last as long as the Execute (with
// Concurrency 1, on the caller's goroutine), one customer's jobs of a
// chunk in plan order on one goroutine. Once one of them stops
// the run (a setup failure, StopAfter failures in a row, a cancelled ctx, a
// panic), the jobs not started yet are released quietly.
type carrier struct {
	r    *Runner
	ctx  context.Context
	set  func() *notice.Set // the policy's templates, parsed at first use
	comp *completer
	work chan group
	wg   sync.WaitGroup // the goroutines

	mu       sync.Mutex
	stopped  bool
	stopErr  error // why the run stopped (nil for a panic)
	live     streak
	panicked any
}

// group is one customer's jobs of a chunk, in plan order.
type group struct {
	jobs []*job
	b    *batch
}

func (r *Runner) newCarrier(ctx context.Context) *carrier {
	c := &carrier{r: r, ctx: ctx, set: sync.OnceValue(r.templates)}
	c.comp = &completer{r: r, ctx: ctx, panicked: c.panicking}
	if r.concurrency() == 1 {
		return c // dispatch carries each group itself, on the caller's goroutine
	}
	// A queue as deep as the goroutines are many: the next chunk is claimed
	// while the current one's last groups still wait for a goroutine, so the
	// sends in flight do not drain while it is claimed.
	c.work = make(chan group, r.concurrency())
	for range r.concurrency() {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			var last <-chan struct{} // this goroutine's last record under way
			for g := range c.work {
				last = c.carryGroup(g, last)
			}
		}()
	}
	return c
}

// close ends the goroutines once they are idle.
func (c *carrier) close() {
	if c.work != nil {
		close(c.work)
		c.wg.Wait()
	}
}

// stop makes the jobs not started yet be released quietly.
func (c *carrier) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}

// halted reports whether the run stopped, and why.
func (c *carrier) halted() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped, c.stopErr
}

// raise re-raises, on the caller's goroutine, a panic of a Sender or a
// Store that one of the goroutines recovered.
func (c *carrier) raise() {
	c.mu.Lock()
	p := c.panicked
	c.mu.Unlock()
	if p != nil {
		panic(p)
	}
}

// dispatch hands b's claimed (or, for a store without batches, checked)
// jobs to the goroutines, grouped by customer (each group in plan order);
// it returns once every group is queued for a goroutine (with Concurrency
// 1, carried out).
func (c *carrier) dispatch(b *batch) {
	at := make(map[string]int, len(b.jobs)) // group index by customer
	var size []int                          // jobs per group
	for k := range b.jobs {
		j := &b.jobs[k]
		if j.stage != toCarry && j.stage != toClaim {
			continue
		}
		g, ok := at[j.a.CustomerID]
		if !ok {
			g = len(size)
			at[j.a.CustomerID] = g
			size = append(size, 0)
		}
		size[g]++
	}
	// The groups share one slice, each group's jobs in a run of it.
	flat := make([]*job, 0, len(b.jobs))
	groups := make([][]*job, len(size))
	for g, n := range size {
		groups[g] = flat[len(flat) : len(flat) : len(flat)+n]
		flat = flat[:len(flat)+n]
	}
	for k := range b.jobs {
		j := &b.jobs[k]
		if j.stage != toCarry && j.stage != toClaim {
			continue
		}
		g := at[j.a.CustomerID]
		groups[g] = append(groups[g], j)
	}
	b.wg.Add(len(groups))
	for _, g := range groups {
		if c.work == nil {
			c.carryGroup(group{jobs: g, b: b}, nil)
		} else {
			c.work <- group{jobs: g, b: b}
		}
	}
}

// carryGroup carries out one group's jobs in order, each job's record
// before the next job's send. The last job's record is left to the
// completer (with Concurrency above 1): the goroutine takes its next group
// and renders its notice while the record is under way, and the group
// counts as carried out once it is recorded. Nothing goes out before last,
// the goroutine's record still under way (if any), is made, so at most one
// key per goroutine (Concurrency in all) is ever between an accepted send
// and its record. It returns the record it left under way (nil if none).
func (c *carrier) carryGroup(g group, last <-chan struct{}) (under <-chan struct{}) {
	r, ctx := c.r, c.ctx
	handed := false // g.b.wg.Done is the completer's to call
	defer func() {
		if p := recover(); p != nil {
			c.panicking(p)
		}
		if !handed {
			g.b.wg.Done()
		}
	}()
	for n, j := range g.jobs {
		c.mu.Lock()
		stop := c.stopped
		c.mu.Unlock()
		if stop && j.stage == toClaim {
			j.report("", "", noFault, nil)
			continue
		}
		if stop {
			if err := r.release(ctx, j, 0, "not started: the run stopped"); err != nil && r.Logger != nil {
				r.Logger.LogAttrs(ctx, slog.LevelWarn, "dunning: release", slog.String("key", j.a.Key), slog.String("error", err.Error()))
			}
			j.report("", "", noFault, nil)
			continue
		}
		if j.stage == toClaim {
			r.claim(ctx, []*job{j})
		}
		if j.stage == toCarry {
			r.carry(ctx, j, c.set, last)
		}
		if j.stage == toRecord {
			if n == len(g.jobs)-1 && c.work != nil {
				if last != nil {
					<-last
				}
				done := make(chan struct{})
				handed = true
				c.comp.add(j, func() {
					c.settle(j)
					g.b.wg.Done()
					close(done)
				})
				return done
			}
			c.comp.record(j)
		}
		c.settle(j)
	}
	return nil
}

// settle counts j's outcome towards stopping the run: a fatal fault stops
// it, StopAfter failures in a row stop it, a success ends the row.
func (c *carrier) settle(j *job) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case j.f == fatalFault:
		c.stopped = true
		c.stopErr = cmp.Or(c.stopErr, j.err)
	case j.f != noFault:
		if err := c.live.add(j, c.r.stopAfter()); err != nil {
			c.stopped = true
			c.stopErr = cmp.Or(c.stopErr, err)
		}
	case j.res.Status != StatusProblem && j.res.Status != StatusDeferred:
		c.live = streak{}
	}
}

// panicking keeps the first panic of a Sender or a Store that a goroutine
// recovered, for raise, and stops the run.
func (c *carrier) panicking(p any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.panicked == nil {
		c.panicked = p
	}
	c.stopped = true
}

// catch stores a recovered panic in *p.
func catch(p *any) {
	if v := recover(); v != nil {
		*p = v
	}
}

// release gives j's claim back after a failure that sent nothing; it runs
// even when ctx is cancelled.
func (r *Runner) release(ctx context.Context, j *job, retryIn time.Duration, reason string) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.recordTimeout())
	defer cancel()
	err := r.Store.Release(rctx, j.claim, ReleaseParams{RetryIn: retryIn, Reason: Storable(reason, MaxTextLen)})
	if errors.Is(err, ErrLeaseLost) {
		return nil
	}
	return err
}

// carry carries j's action out through its plug-in (carryOut: the
// Sender, the Collector or the Hook), asking the plug-in first after an
// unknown outcome (lookup), or saves its task; it settles a retry's charge
// (appending the payment event before the record) and leaves j toRecord,
// or releases it and reports. A notice to send is rendered first, from
// set (the policy's templates); one that does not render is released and
// reported StatusProblem. Nothing goes out before recorded (the
// goroutine's last record under way, nil if none) is closed.
func (r *Runner) carry(ctx context.Context, j *job, set func() *notice.Set, recorded <-chan struct{}) {
	a := j.a
	retryAfter := cmp.Or(max(r.RetryAfter, 0), 10*time.Minute)
	giveBack := func(st Status, msg string, retryIn time.Duration, f fault, err error) {
		if rerr := r.release(ctx, j, retryIn, msg); rerr != nil {
			msg += "; release: " + Storable(rerr.Error(), MaxTextLen)
		}
		j.report(st, msg, f, err)
	}
	out := Sent
	if j.ext {
		j.rec.Unknown = j.claim.Unknown
		sendIt := true
		if o, ok := r.keptFor(j); ok {
			// This runner's own take-over of an outcome it carried out
			// but could not record: record that outcome, do nothing again.
			j.rec, j.rec.Unknown, j.rec.Recovered = o.rec, true, true
			j.res.MessageID, j.res.Error, j.res.Event = o.res.MessageID, o.res.Error, o.res.Event
			j.stage = toRecord
			return
		}
		if j.claim.Unknown {
			id, lcr, found, err := r.lookup(ctx, a)
			switch {
			case err == nil && found:
				sendIt, j.rec.Recovered, j.res.MessageID, j.cr = false, true, Storable(id, MaxIDLen), lcr
			case err == nil || errors.Is(err, errors.ErrUnsupported):
			default:
				f, ferr := senderFault, err
				if ctx.Err() != nil {
					f, ferr = fatalFault, ctx.Err()
				}
				giveBack(StatusRetry, Storable("look-up: "+err.Error(), MaxTextLen), retryAfter, f, ferr)
				return
			}
		}
		if sendIt && j.render {
			// A template fault sends nothing: the claim is given back at
			// once, and the next plan finds the same fault.
			if err := set().Render(a.Notice); err != nil {
				giveBack(StatusProblem, Storable("render: "+err.Error(), MaxTextLen), 0, noFault, nil)
				return
			}
			j.render = false
			// A language without templates renders in the fallback's, which
			// the notice now names: the record names it too, as it does
			// for a notice rendered before Execute (Policy.Render).
			j.rec.Template = recordTemplate(a.Notice)
		}
		if sendIt {
			if recorded != nil {
				// The goroutine's last send is recorded before this one
				// starts: at most Concurrency keys between send and record.
				<-recorded
			}
			if lim := r.Limits[a.Kind]; lim != nil {
				if err := lim.Wait(ctx); err != nil {
					// Cancelled, or the wait would pass ctx's deadline.
					f, ferr := noFault, error(nil)
					if ctx.Err() != nil {
						f, ferr = fatalFault, ctx.Err()
					}
					giveBack(StatusRetry, Storable("rate limit: "+err.Error(), MaxTextLen), 0, f, ferr)
					return
				}
			}
			if r.leaseShort(j.leaseEnd, 0) {
				// No send starts that the lease may not cover: the claim (or
				// the look-up, or the rate limit) took half of it already.
				giveBack(StatusRetry, "the lease ran short before the send", 0, noFault, nil)
				return
			}
			id, cr, err := r.carryOut(ctx, a, j.leaseEnd)
			switch {
			case err == nil:
				j.res.MessageID, j.cr = Storable(id, MaxIDLen), cr
			case errors.Is(err, ErrOutcomeUnknown):
				// The provider may have accepted it: neither recorded nor
				// released (a release says nothing went out). The claim
				// runs out at its lease's end, and the next claim is
				// Unknown: it asks the look-up before it sends again.
				f, ferr := senderFault, err
				if ctx.Err() != nil {
					f, ferr = fatalFault, ctx.Err()
				}
				j.report(StatusOutcomeUnknown, Storable(err.Error(), MaxTextLen), f, ferr)
				return
			case errors.Is(err, ErrSenderSetup):
				giveBack(StatusRetry, Storable(err.Error(), MaxTextLen), 0, fatalFault, fmt.Errorf("dunning: stopping: %s setup failure at %s: %w", plugName(a.Kind), a.Key, err))
				return
			case errors.Is(err, ErrPermanent):
				out, j.res.Error = Failed, Storable(err.Error(), MaxTextLen)
				j.res.Err = &resultError{msg: j.res.Error, cause: err}
			case ctx.Err() != nil:
				// Cancelled before the provider accepted it: give it back for
				// the next run at once.
				giveBack(StatusRetry, Storable(err.Error(), MaxTextLen), 0, fatalFault, ctx.Err())
				return
			default:
				giveBack(StatusRetry, Storable(err.Error(), MaxTextLen), retryAfter, senderFault, err)
				return
			}
		}
	} else if a.Task != nil {
		if err := r.Store.SaveTask(ctx, *a.Task); err != nil {
			f, ferr := storeFault, err
			if ctx.Err() != nil {
				f, ferr = fatalFault, ctx.Err()
			}
			giveBack(StatusError, Storable("save task: "+err.Error(), MaxTextLen), 0, f, ferr)
			return
		}
	}
	if j.cr != nil {
		out = r.settleCharge(ctx, a, j.cr, &j.rec, &j.res, j.leaseEnd)
	}
	j.rec.Outcome, j.rec.MessageID, j.rec.Error = out, j.res.MessageID, j.res.Error
	j.stage = toRecord
}

// completer records carried-out jobs in group commits, on goroutines of
// their own (at most flushes at once): while they are under way the jobs
// that arrive meanwhile gather into the next. A job of a group with a later job waits
// for its own record (record) before its goroutine sends the next one; a
// group's last job is handed over (add), and its goroutine goes on with
// the next group up to its send. With Concurrency 1 each record is a batch
// of one, made on the caller's goroutine.
type completer struct {
	r        *Runner
	ctx      context.Context
	panicked func(any) // a Store's panic in a flush
	mu       sync.Mutex
	pending  []*job
	dones    []func()
	running  int // flushes under way, at most flushes
}

// flushes is how many group commits a completer has under way at once: a
// record that arrives while one is under way starts the next at once
// rather than waiting for it (the jobs of one flush share no customer and
// no invoice with another's: a customer's next job is sent only after its
// earlier one is recorded, and chunks that share an invoice are never
// under way together).
const flushes = 2

// record returns once j is recorded (or its recording failed for good).
func (c *completer) record(j *job) {
	if c.r.concurrency() == 1 {
		c.r.recordAll(c.ctx, []*job{j})
		return
	}
	ch := make(chan struct{})
	c.add(j, func() { close(ch) })
	<-ch
}

// add hands j over to be recorded; done is called once it is recorded (or
// its recording failed for good, or the store panicked).
func (c *completer) add(j *job, done func()) {
	c.mu.Lock()
	c.pending, c.dones = append(c.pending, j), append(c.dones, done)
	if c.running == flushes {
		c.mu.Unlock()
		return
	}
	c.running++
	c.mu.Unlock()
	go c.flush()
}

// flush records the pending jobs until none is left, in batches of at
// most BatchSize. A Store's panic is kept for the caller's goroutine
// (panicked); the jobs then pending are let go unrecorded.
func (c *completer) flush() {
	var ds []func()
	defer func() {
		if p := recover(); p != nil {
			c.panicked(p)
			c.mu.Lock()
			ds, c.pending, c.dones = append(ds, c.dones...), nil, nil
			c.running--
			c.mu.Unlock()
			for _, d := range ds {
				d()
			}
		}
	}()
	c.mu.Lock()
	for len(c.pending) > 0 {
		var batch []*job
		batch, ds = c.pending, c.dones
		c.pending, c.dones = nil, nil
		c.mu.Unlock()
		for len(batch) > 0 {
			n := min(len(batch), c.r.batchSize())
			c.r.recordAll(c.ctx, batch[:n])
			batch = batch[n:]
		}
		for _, d := range ds {
			d()
		}
		ds = nil
		c.mu.Lock()
	}
	c.running--
	c.mu.Unlock()
}

// recordAll completes the carried-out jobs in one CompleteMany, on a
// context that ctx's cancellation cannot cut short, each try with its own
// deadline, retrying the completions the store failed for as a whole until
// their lease (measured from before the claim) runs out. A retry after a
// commit whose reply was lost succeeds (the store finds the claim's own
// record).
func (r *Runner) recordAll(ctx context.Context, jobs []*job) {
	todo := jobs
	bg := context.WithoutCancel(ctx)
	wait := r.backoff()
	var unslept time.Duration // waits Sleep did not really take (a test's Sleep), counted as passed
	for len(todo) > 0 {
		cs := make([]Completion, len(todo))
		for k, j := range todo {
			cs[k] = Completion{Claim: j.claim, Record: j.rec}
		}
		cctx, cancel := context.WithTimeout(bg, r.recordTimeout())
		errs, _ := CompleteMany(cctx, r.Store, cs)
		cancel()
		var again []*job
		for k, j := range todo {
			var err error
			if k < len(errs) {
				err = errs[k]
			} else {
				err = errors.New("no answer from the store")
			}
			if err == nil || errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrInvalid) ||
				!time.Now().Add(unslept+wait).Before(j.leaseEnd) {
				r.recorded(j, err)
				continue
			}
			again = append(again, j)
		}
		todo = again
		if len(todo) == 0 {
			break
		}
		t0 := time.Now()
		_ = r.sleep(bg, wait)
		unslept += max(wait-time.Since(t0), 0)
		wait = min(2*wait, 2*time.Second)
	}
}

// recorded reports j from the outcome of recording it. A record that did
// not go in drops an Err set for the outcome it would have recorded (a
// permanent failure), so finish gives the Result the record's error.
func (r *Runner) recorded(j *job, err error) {
	if j.ext {
		if err == nil || errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrInvalid) {
			r.kept.forget(j.a.Key)
		} else {
			r.kept.keep(j)
		}
	}
	switch {
	case errors.Is(err, ErrLeaseLost):
		j.res.Err = nil
		j.report(StatusLeaseLost, j.res.Error, noFault, nil)
	case err != nil:
		j.res.Err = nil
		j.report(StatusError, Storable("record: "+err.Error(), MaxTextLen), storeFault, err)
	case j.rec.Outcome == Failed:
		j.report(StatusFailed, j.res.Error, noFault, nil)
	case j.rec.Recovered:
		j.report(StatusRecovered, j.res.Error, noFault, nil)
	case j.rec.Unknown:
		j.report(StatusResent, j.res.Error, noFault, nil)
	case j.rec.Outcome == Declined:
		j.report(StatusDeclined, j.res.Error, noFault, nil)
	case j.cr != nil:
		j.report(StatusCharged, j.res.Error, noFault, nil)
	default:
		j.report(StatusSent, j.res.Error, noFault, nil)
	}
}

// doneBatch is how many keys a chunk holds by default (BatchSize), and so
// how many Execute asks a DoneChecker about at once.
const doneBatch = 128

// keyStates asks the store how a claim would find keys: through its
// StateChecker when it has one, else through its DoneChecker (done keys
// only, the rest left out as a claim would take them).
func keyStates(ctx context.Context, sc StateChecker, dc DoneChecker, keys []string) (map[string]KeyState, error) {
	if sc != nil {
		return sc.States(ctx, keys)
	}
	done, err := dc.Done(ctx, keys)
	if err != nil {
		return nil, err
	}
	states := make(map[string]KeyState, len(done))
	for k, d := range done {
		if d {
			states[k] = KeyDone
		}
	}
	return states, nil
}
