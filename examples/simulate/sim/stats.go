package sim

import (
	"fmt"
	"math"
)

// Statistics over replications use float64 for the interval arithmetic
// only: each replication's figure is computed in decimal (money) or as a
// count, converted to float64 here to average it and bound the mean, and
// shown rounded. No amount that is paid, charged or summed as money passes
// through a float.

// t975 holds the 0.975 quantile of Student's t distribution for 1 to 30
// degrees of freedom (the two-sided 95 % critical value), from the NIST/
// SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2 "Critical
// values of the Student's t distribution"
// (https://www.itl.nist.gov/div898/handbook/eda/section3/eda3672.htm).
var t975 = [...]float64{
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
}

// TQuantile975 is the 0.975 quantile of Student's t with df degrees of
// freedom: the table above up to 30, and beyond it the Cornish-Fisher
// expansion of t in powers of 1/df around the normal quantile z = 1.959964
// (Abramowitz and Stegun 26.7.5), which is within 0.001 of the tables at
// 40, 60 and 120 degrees of freedom. It returns NaN for df < 1.
func TQuantile975(df int) float64 {
	if df < 1 {
		return math.NaN()
	}
	if df <= len(t975) {
		return t975[df-1]
	}
	const z = 1.959963984540054
	n := float64(df)
	z3, z5, z7 := z*z*z, z*z*z*z*z, z*z*z*z*z*z*z
	return z + (z3+z)/(4*n) + (5*z5+16*z3+3*z)/(96*n*n) + (3*z7+19*z5+17*z3-15*z)/(384*n*n*n)
}

// Estimate is a figure's mean over replications with its 95 % confidence
// interval (Student's t on the replications' sample standard deviation).
// With one replication Low and High equal the mean and N says so.
type Estimate struct {
	Mean, Low, High float64
	N               int
}

// HalfWidth is half the interval's width.
func (e Estimate) HalfWidth() float64 { return (e.High - e.Low) / 2 }

// Excludes0 reports whether the interval lies entirely on one side of zero
// (needs at least two replications).
func (e Estimate) Excludes0() bool { return e.N >= 2 && (e.Low > 0 || e.High < 0) }

// Estimate95 is the mean of xs and its 95 % interval.
func Estimate95(xs []float64) Estimate {
	n := len(xs)
	if n == 0 {
		return Estimate{}
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	if n == 1 {
		return Estimate{Mean: mean, Low: mean, High: mean, N: 1}
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	h := TQuantile975(n-1) * sd / math.Sqrt(float64(n))
	return Estimate{Mean: mean, Low: mean - h, High: mean + h, N: n}
}

// Paired95 is the estimate of the mean difference a[i]-b[i] over paired
// replications (the same random numbers in run i): the variation the two
// share cancels, which is why paired intervals are narrower than the
// difference of two separate ones.
func Paired95(a, b []float64) (Estimate, error) {
	if len(a) != len(b) {
		return Estimate{}, fmt.Errorf("sim: paired figures: %d and %d replications", len(a), len(b))
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return Estimate95(d), nil
}
