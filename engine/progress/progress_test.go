package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestMeterDrawsAndClears(t *testing.T) {
	var b bytes.Buffer
	m := New(&b, 0)
	m.Add("files read", 1)
	m.Add("documents validated", 3)
	m.Done()
	out := b.String()
	if !strings.Contains(out, "padlock: 1 files read, 3 documents validated") || !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("got %q", out)
	}
}

func TestTrackOrdersWithoutDrawing(t *testing.T) {
	var b bytes.Buffer
	m := New(&b, 0)
	m.Track("solutions read", "flows read")
	if b.Len() > 0 {
		t.Errorf("Track drew %q", b.String())
	}
	m.Add("flows read", 2)
	if out := b.String(); !strings.Contains(out, "padlock: 0 solutions read, 2 flows read") {
		t.Errorf("got %q", out)
	}
}

func TestSilentOffTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if m := ForTerminal(f, false); m != nil {
		t.Error("a regular file is not a terminal: want a nil meter")
	}
	var m *Meter // nil is valid and silent
	m.Add("x", 1)
	m.Done()
}
