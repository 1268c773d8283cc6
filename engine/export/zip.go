package export

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Limits bound what an export may make padlock read.
type Limits struct {
	MaxFileBytes  int64 // one file (or zip entry), uncompressed
	MaxTotalBytes int64 // a zip's entries together, uncompressed
	MaxRatio      int64 // uncompressed / compressed, per entry
	MaxEntries    int
}

// DefaultLimits suit the largest real exports with room to spare: one
// file (but customizations.xml, which holds every flow and is streamed) at
// most 64 MiB, an export 4 GiB, no entry compressed more than 200 times.
func DefaultLimits() Limits {
	return Limits{MaxFileBytes: 64 << 20, MaxTotalBytes: 4 << 30, MaxRatio: 200, MaxEntries: 100000}
}

// openZip checks every entry before anything is read: no path that
// escapes the folder, no entry or total over the limits, no suspicious
// compression ratio (a zip bomb). Headers can lie: every read goes through
// readLimited, which enforces the size limit again.
func openZip(data []byte, lim Limits) (fs.FS, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("a zip entry's path escapes the archive's folder")
	}
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("zip has %d entries, more than the limit of %d", len(zr.File), lim.MaxEntries)
	}
	var total uint64
	for _, f := range zr.File {
		if name := strings.TrimSuffix(f.Name, "/"); strings.Contains(name, "\\") || !fs.ValidPath(name) {
			return nil, fmt.Errorf("zip entry %q escapes the archive's folder", f.Name)
		}
		// customizations.xml holds every flow: it is streamed, and bounded
		// by the total and the ratio only.
		if f.UncompressedSize64 > uint64(lim.MaxFileBytes) && f.Name != zipCustomizations {
			return nil, fmt.Errorf("zip entry %q is %d bytes uncompressed, more than the limit of %d", f.Name, f.UncompressedSize64, lim.MaxFileBytes)
		}
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(lim.MaxRatio) {
			return nil, fmt.Errorf("zip entry %q expands %d times, more than the limit of %d (a zip bomb?)", f.Name, f.UncompressedSize64/f.CompressedSize64, lim.MaxRatio)
		}
		total += f.UncompressedSize64
	}
	if total > uint64(lim.MaxTotalBytes) {
		return nil, fmt.Errorf("zip expands to %d bytes, more than the limit of %d", total, lim.MaxTotalBytes)
	}
	return zr, nil
}

func readLimited(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than the %d-byte limit", name, max)
	}
	return b, nil
}

// limitReader reads at most left bytes and then fails, naming the file:
// headers can lie, so a streamed entry is bounded as it is read.
type limitReader struct {
	r     io.Reader
	left  int64
	limit int64
	name  string
}

func newLimitReader(r io.Reader, limit int64, name string) *limitReader {
	return &limitReader{r: r, left: limit, limit: limit, name: name}
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("%s is larger than the export's %d-byte limit (--max-export-bytes)", l.name, l.limit)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
