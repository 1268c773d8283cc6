package stats

import "testing"

func TestMedian(t *testing.T) {
	type run struct{ wall, rss int }
	runs := []run{{3, 10}, {1, 30}, {2, 20}}
	if got := Median(runs, func(r run) int { return r.wall }); got != 2 {
		t.Errorf("wall: %d, want 2", got)
	}
	if got := Median(runs, func(r run) int { return r.rss }); got != 20 {
		t.Errorf("rss: %d, want 20", got)
	}
	if got := Median([]float64{4, 1, 3, 2}, func(f float64) float64 { return f }); got != 3 {
		t.Errorf("even count: %v, want the upper middle 3", got)
	}
}
