package sqlstore_test

import (
	"bufio"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/overduehq/overdue/store/sqlstore"
)

// buildCrashRunner builds testdata/crashrunner into a temporary directory.
func buildCrashRunner(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "crashrunner")
	cmd := exec.Command(goBin, "build", "-o", bin, "./testdata/crashrunner")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sendLine is one line of the crash runner's send file.
type sendLine struct {
	pid     int
	key     string
	attempt int
}

func readSends(t *testing.T, path string) []sendLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sendLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 || fs[0] != "send" {
			t.Fatalf("bad line %q", sc.Text())
		}
		pid, _ := strconv.Atoi(fs[1])
		a, _ := strconv.Atoi(fs[3])
		out = append(out, sendLine{pid, fs[2], a})
	}
	return out
}

// TestSIGKILL runs a real runner process on a plan of 300 actions in a
// schema of its own and kills it with SIGKILL at random moments, restarting
// it until the plan is done (in rounds of a fresh plan, until the kills
// are spent). Its sender appends key and attempt to a file
// and fsyncs it before reporting success. Then: no action is missed (every
// key recorded once and sent at least once); every duplicate is of one key
// and its earlier send was the last send of a killed process whose attempt
// was never recorded (the send-to-record window); and with the look-up
// sender there is no duplicate at all. OVERDUE_SIGKILLS sets the number of
// kills (default 50, e.g. 1000).
func TestSIGKILL(t *testing.T) {
	db := openDB(t)
	kills := 50
	if v := os.Getenv("OVERDUE_SIGKILLS"); v != "" {
		var err error
		if kills, err = strconv.Atoi(v); err != nil {
			t.Fatalf("OVERDUE_SIGKILLS=%q: %v", v, err)
		}
	}
	n := 300
	bin := buildCrashRunner(t)
	for _, lookup := range []bool{false, true} {
		name := "plain"
		if lookup {
			name = "lookup"
		}
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
			var total sigkillStats
			// Rounds of a fresh 300-action plan each, until the kills are
			// spent: a fast machine finishes a plan in fewer kills.
			for round := 0; total.kills < kills; round++ {
				st, schema := newSchemaStore(t, db)
				sends := filepath.Join(t.TempDir(), "sends")
				args := []string{"-dsn", os.Getenv(DSNEnv), "-schema", schema, "-n", strconv.Itoa(n), "-sends", sends, "-lease", "1s"}
				if lookup {
					args = append(args, "-lookup")
				}
				killed := map[int]bool{}
				done := false
				for total.kills+len(killed) < kills && !done {
					cmd := exec.Command(bin, args...)
					var stderr strings.Builder
					cmd.Stderr = &stderr
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					exited := make(chan error, 1)
					go func() { exited <- cmd.Wait() }()
					select {
					case err := <-exited:
						var ee *exec.ExitError
						if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
							t.Fatalf("crash runner: %v\n%s", err, stderr.String())
						}
						done = err == nil
					case <-time.After(time.Duration(10+rng.IntN(120)) * time.Millisecond):
						_ = cmd.Process.Signal(syscall.SIGKILL)
						<-exited
						killed[cmd.Process.Pid] = true
					}
				}
				// Recover: rerun until the plan is done (held leases expire).
				for deadline := time.Now().Add(2 * time.Minute); !done; {
					out, err := exec.Command(bin, args...).CombinedOutput()
					if err == nil {
						break
					}
					var ee *exec.ExitError
					if !errors.As(err, &ee) || ee.ExitCode() != 3 || time.Now().After(deadline) {
						t.Fatalf("recovery run: %v\n%s", err, out)
					}
					time.Sleep(300 * time.Millisecond)
				}
				s := checkSIGKILL(t, st, readSends(t, sends), killed, n)
				t.Logf("round %d: %d kills, %d sends, %d keys recorded, %d missed, %d duplicates (%d in the send-to-record window)", round, s.kills, s.sends, s.recorded, s.missed, s.dups, s.window)
				total.add(s)
			}
			t.Logf("%s: %d kills, %d sends, %d keys recorded, %d missed, %d duplicates (%d in the send-to-record window)", name, total.kills, total.sends, total.recorded, total.missed, total.dups, total.window)
			if lookup && total.dups != 0 {
				t.Errorf("%d duplicates with the look-up sender, want 0", total.dups)
			}
		})
	}
}

type sigkillStats struct{ kills, sends, recorded, missed, dups, window int }

func (s *sigkillStats) add(o sigkillStats) {
	s.kills += o.kills
	s.sends += o.sends
	s.recorded += o.recorded
	s.missed += o.missed
	s.dups += o.dups
	s.window += o.window
}

func checkSIGKILL(t *testing.T, st *sqlstore.Store, sends []sendLine, killed map[int]bool, n int) sigkillStats {
	t.Helper()
	recs, err := st.Records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]int{} // key -> attempt recorded
	for _, r := range recs {
		if _, dup := recorded[r.Key]; dup {
			t.Errorf("key %s recorded twice", r.Key)
		}
		recorded[r.Key] = r.Attempts
	}
	if len(recorded) != n {
		t.Errorf("%d keys recorded, want %d", len(recorded), n)
	}
	byKey := map[string][]int{} // key -> indexes into sends
	lastOfPid := map[int]int{}  // pid -> index of its last send
	for i, s := range sends {
		byKey[s.key] = append(byKey[s.key], i)
		lastOfPid[s.pid] = i
	}
	missed, dups, windowOK := 0, 0, 0
	for k := range recorded {
		if len(byKey[k]) == 0 {
			missed++
			t.Errorf("key %s recorded but never sent", k)
		}
	}
	for k, idx := range byKey {
		if _, ok := recorded[k]; !ok {
			t.Errorf("key %s sent but never recorded", k)
		}
		for _, i := range idx[:len(idx)-1] {
			dups++
			s := sends[i]
			// Each earlier send of a key must be the last send of a killed
			// process, under an attempt that was not the one recorded.
			if !killed[s.pid] || lastOfPid[s.pid] != i || s.attempt == recorded[k] {
				t.Errorf("duplicate of %s outside the send-to-record window: %+v (killed %v, last of its process %v, recorded attempt %d)",
					k, s, killed[s.pid], lastOfPid[s.pid] == i, recorded[k])
			} else {
				windowOK++
			}
		}
	}
	return sigkillStats{kills: len(killed), sends: len(sends), recorded: len(recorded), missed: missed, dups: dups, window: windowOK}
}
