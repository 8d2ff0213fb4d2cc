// Command coldstart measures Lambda cold start of function binaries on the
// local machine: the time from exec to the process's first request for an
// event, served by a small fake Lambda Runtime API.
//
// Binaries are given as name=path pairs and run one at a time, interleaved
// and in a freshly shuffled order each round, so drift in machine load hits
// all of them alike. The report gives each binary's median, p90 and minimum,
// and the ratio of its median to those of the binaries named "floor" and
// "hello" when present.
//
// Usage:
//
//	coldstart [-rounds 30] [-event file.json] [-env KEY=VAL]... [-json] name=path...
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names with a fixed role in the report.
const (
	floorName = "floor"
	helloName = "hello"
)

// envFlags collects repeated -env KEY=VAL flags.
type envFlags []string

func (e *envFlags) String() string { return strings.Join(*e, ",") }

func (e *envFlags) Set(v string) error {
	if _, _, ok := cutEnv(v); !ok {
		return fmt.Errorf("want KEY=VAL, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

// target is one binary under test and the samples taken from it.
type target struct {
	name   string
	path   string
	size   int64
	cold   []time.Duration
	invoke []time.Duration
	errs   int // invokes answered with an error post
}

// Summary is the distribution of one measurement, in milliseconds.
type Summary struct {
	Median  float64   `json:"median_ms"`
	P90     float64   `json:"p90_ms"`
	Min     float64   `json:"min_ms"`
	Max     float64   `json:"max_ms"`
	Samples []float64 `json:"samples_ms"`
}

// Result is the report for one binary.
type Result struct {
	Name         string   `json:"name"`
	Path         string   `json:"path"`
	SizeBytes    int64    `json:"size_bytes"`
	ColdStart    Summary  `json:"cold_start"`
	Invoke       *Summary `json:"invoke,omitempty"`
	InvokeErrors int      `json:"invoke_errors,omitempty"`
	VsFloor      *float64 `json:"vs_floor,omitempty"`
	VsHello      *float64 `json:"vs_hello,omitempty"`
}

// Report is the whole run, as printed by -json.
type Report struct {
	Rounds     int      `json:"rounds"`
	Warmup     int      `json:"warmup"`
	Seed       uint64   `json:"seed"`
	Event      string   `json:"event,omitempty"`
	MaxVsFloor float64  `json:"max_vs_floor,omitempty"`
	Pass       bool     `json:"pass"`
	Failures   []string `json:"failures,omitempty"`
	Results    []Result `json:"results"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// errLimit marks a completed run whose results missed -max-vs-floor.
var errLimit = errors.New("cold start limit exceeded")

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coldstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var env envFlags
	rounds := fs.Int("rounds", 30, "measured rounds; each runs every binary once")
	warmup := fs.Int("warmup", 1, "unrecorded rounds first, so every binary starts from the page cache")
	eventFile := fs.String("event", "", "JSON event to hand each process once its cold start is timed; the invoke is reported separately")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", 10*time.Second, "limit for one process to ask for an event, and again to answer it")
	seed := fs.Uint64("seed", 0, "seed for the per-round order; 0 picks one")
	maxVsFloor := fs.Float64("max-vs-floor", 0, "fail when a binary other than floor and hello has a median above this multiple of floor's; 0 disables")
	fs.Var(&env, "env", "extra KEY=VAL for every process (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: coldstart [flags] name=path/to/binary...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rounds < 1 || *warmup < 0 {
		return errors.New("-rounds must be at least 1 and -warmup not negative")
	}
	targets, err := parseTargets(fs.Args())
	if err != nil {
		return err
	}
	var event []byte
	if *eventFile != "" {
		if event, err = os.ReadFile(*eventFile); err != nil {
			return err
		}
		if !json.Valid(event) {
			return fmt.Errorf("%s: not valid JSON", *eventFile)
		}
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}

	h, err := newHarness(env, *timeout)
	if err != nil {
		return err
	}
	defer h.close()
	if err := measureAll(h, targets, *rounds, *warmup, *seed, event); err != nil {
		return err
	}

	rep := buildReport(targets, *rounds, *warmup, *seed, *maxVsFloor)
	rep.Event = *eventFile
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printText(stdout, rep)
	}
	if !rep.Pass {
		return fmt.Errorf("%w: %s", errLimit, strings.Join(rep.Failures, "; "))
	}
	return nil
}

func parseTargets(args []string) ([]*target, error) {
	if len(args) == 0 {
		return nil, errors.New("no binaries given; want name=path/to/binary")
	}
	var targets []*target
	seen := map[string]bool{}
	for _, a := range args {
		name, path, ok := strings.Cut(a, "=")
		if !ok || name == "" || path == "" {
			return nil, fmt.Errorf("want name=path/to/binary, got %q", a)
		}
		if seen[name] {
			return nil, fmt.Errorf("binary name %q given twice", name)
		}
		seen[name] = true
		// Processes run in an empty directory, so relative paths would break.
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return nil, fmt.Errorf("%s: not an executable file", path)
		}
		targets = append(targets, &target{name: name, path: abs, size: fi.Size()})
	}
	return targets, nil
}

// measureAll runs every target once per round in a new random order each
// round, so neither position effects nor load drift favour one binary.
func measureAll(h *harness, targets []*target, rounds, warmup int, seed uint64, event []byte) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for r := 0; r < warmup+rounds; r++ {
		record := r >= warmup
		for _, i := range rng.Perm(len(targets)) {
			t := targets[i]
			if event == nil || !record {
				d, err := h.measure(t.name, t.path)
				if err != nil {
					return err
				}
				if record {
					t.cold = append(t.cold, d)
				}
				continue
			}
			inv, err := h.invokeOnce(t.name, t.path, event)
			if err != nil {
				return err
			}
			t.cold = append(t.cold, inv.coldStart)
			t.invoke = append(t.invoke, inv.invoke)
			if inv.kind != "response" {
				t.errs++
			}
		}
	}
	return nil
}

func buildReport(targets []*target, rounds, warmup int, seed uint64, maxVsFloor float64) Report {
	rep := Report{Rounds: rounds, Warmup: warmup, Seed: seed, MaxVsFloor: maxVsFloor, Pass: true}
	medians := map[string]float64{}
	for _, t := range targets {
		res := Result{Name: t.name, Path: t.path, SizeBytes: t.size, ColdStart: summarize(t.cold)}
		if len(t.invoke) > 0 {
			s := summarize(t.invoke)
			res.Invoke = &s
			res.InvokeErrors = t.errs
		}
		medians[t.name] = res.ColdStart.Median
		rep.Results = append(rep.Results, res)
	}
	ratio := func(base string, m float64) *float64 {
		b, ok := medians[base]
		if !ok || b <= 0 {
			return nil
		}
		r := m / b
		return &r
	}
	for i := range rep.Results {
		res := &rep.Results[i]
		res.VsFloor = ratio(floorName, res.ColdStart.Median)
		res.VsHello = ratio(helloName, res.ColdStart.Median)
		if maxVsFloor > 0 && res.VsFloor != nil && res.Name != floorName && res.Name != helloName && *res.VsFloor > maxVsFloor {
			rep.Pass = false
			rep.Failures = append(rep.Failures, fmt.Sprintf("%s median is %.3f× floor (limit %.2f×)", res.Name, *res.VsFloor, maxVsFloor))
		}
	}
	return rep
}

// summarize reports the median (mean of the middle two for an even count),
// the nearest-rank p90, and the extremes.
func summarize(ds []time.Duration) Summary {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = round3(float64(d) / float64(time.Millisecond))
	}
	s := Summary{Samples: ms}
	if len(ms) == 0 {
		return s
	}
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		s.Median = sorted[n/2]
	} else {
		s.Median = round3((sorted[n/2-1] + sorted[n/2]) / 2)
	}
	s.P90 = sorted[int(math.Ceil(0.9*float64(n)))-1]
	s.Min = sorted[0]
	s.Max = sorted[n-1]
	return s
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func printText(w io.Writer, rep Report) {
	fmt.Fprintf(w, "cold start, exec to first /next: %d rounds (+%d warm-up), interleaved in shuffled order, seed %d\n", rep.Rounds, rep.Warmup, rep.Seed)
	if rep.Rounds < 30 {
		fmt.Fprintln(w, "note: the performance target asks for at least 30 rounds")
	}
	withInvoke := rep.Event != ""
	width := len("name")
	for _, r := range rep.Results {
		width = max(width, len(r.Name))
	}
	opt := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.3f", *p)
	}
	head := fmt.Sprintf("%-*s %8s %10s %10s %10s %9s %9s", width, "name", "size_MB", "median_ms", "p90_ms", "min_ms", "vs_floor", "vs_hello")
	if withInvoke {
		head += fmt.Sprintf(" %17s %14s", "invoke_median_ms", "invoke_errors")
	}
	fmt.Fprintln(w, head)
	for _, r := range rep.Results {
		line := fmt.Sprintf("%-*s %8.2f %10.3f %10.3f %10.3f %9s %9s", width, r.Name, float64(r.SizeBytes)/(1<<20),
			r.ColdStart.Median, r.ColdStart.P90, r.ColdStart.Min, opt(r.VsFloor), opt(r.VsHello))
		if withInvoke {
			im := "-"
			if r.Invoke != nil {
				im = fmt.Sprintf("%.3f", r.Invoke.Median)
			}
			line += fmt.Sprintf(" %17s %14d", im, r.InvokeErrors)
		}
		fmt.Fprintln(w, line)
	}
	for _, f := range rep.Failures {
		fmt.Fprintln(w, "FAIL:", f)
	}
}
