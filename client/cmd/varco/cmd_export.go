package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// progressEvery is how often a long export reports on stderr.
const progressEvery = 2 * time.Second

// export streams `varco export bookings|scans` to a file or stdout.
func (c *cli) export(ctx context.Context, args []string) error {
	kind := "bookings" // the default, as before scans could be exported
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	fs := c.flagSet("export")
	org := fs.String("org", "", "organization id")
	resource := fs.String("resource", "", "only this resource and its subtree")
	from := fs.String("from", "", "first date YYYY-MM-DD (the place's local date)")
	to := fs.String("to", "", "last date YYYY-MM-DD, included (at most 366 days)")
	var out string
	fs.StringVar(&out, "o", "", "write the CSV to this file (default stdout)")
	fs.StringVar(&out, "out", "", "same as -o")
	delimiter := fs.String("delimiter", "semicolon", "field separator: semicolon (Excel in Italy) or comma")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: varco export bookings|scans --org ID --from YYYY-MM-DD --to YYYY-MM-DD [-o FILE] [flags]")
		fs.PrintDefaults()
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if kind != "bookings" && kind != "scans" {
		return usageErrorf("export %q: use bookings or scans", kind)
	}
	if err := required(map[string]string{"org": *org, "from": *from, "to": *to}); err != nil {
		return err
	}
	delim, ok := map[string]varcov1.CsvDelimiter{
		"semicolon": varcov1.CsvDelimiter_CSV_DELIMITER_SEMICOLON, "comma": varcov1.CsvDelimiter_CSV_DELIMITER_COMMA,
	}[*delimiter]
	if !ok {
		return usageErrorf("--delimiter %q: use semicolon or comma", *delimiter)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	dest, err := c.exportDest(out)
	if err != nil {
		return err
	}
	p := &progress{w: c.stderr, t: c.t, quiet: c.json(), now: c.now, last: c.now()}
	w := io.MultiWriter(dest, p)
	switch kind {
	case "bookings":
		var stream *connect.ServerStreamForClient[varcov1.ExportBookingsResponse]
		stream, err = api.Admin.ExportBookings(ctx, connect.NewRequest(&varcov1.ExportBookingsRequest{
			OrganizationId: *org, ResourceId: *resource, FromDate: *from, ToDate: *to, Delimiter: delim, Language: c.lang,
		}))
		if err == nil {
			err = receiveChunks(stream, w)
		}
	case "scans":
		var stream *connect.ServerStreamForClient[varcov1.ExportScansResponse]
		stream, err = api.Admin.ExportScans(ctx, connect.NewRequest(&varcov1.ExportScansRequest{
			OrganizationId: *org, ResourceId: *resource, FromDate: *from, ToDate: *to, Delimiter: delim, Language: c.lang,
		}))
		if err == nil {
			err = receiveChunks(stream, w)
		}
	}
	if err != nil {
		return errors.Join(notYet("export", err), dest.abort())
	}
	if err := dest.commit(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	p.done(dest.name)
	return nil
}

// receiveChunks writes a stream's chunks to w in order.
func receiveChunks[T any, PT interface {
	*T
	GetChunk() []byte
}](stream *connect.ServerStreamForClient[T], w io.Writer) error {
	defer stream.Close()
	for stream.Receive() {
		if _, err := w.Write(PT(stream.Msg()).GetChunk()); err != nil {
			return err
		}
	}
	return stream.Err()
}

// exportDest is where the CSV goes: stdout, or a file written under a
// temporary name and renamed when complete, so a failed or interrupted
// export never leaves a truncated file that looks whole. The file is
// private to the user (0600): it holds personal data.
type exportDest struct {
	io.Writer
	name string // "stdout" or the final path
	tmp  *os.File
}

func (c *cli) exportDest(path string) (*exportDest, error) {
	if path == "" || path == "-" {
		return &exportDest{Writer: c.stdout, name: "stdout"}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &exportDest{Writer: tmp, name: path, tmp: tmp}, nil
}

func (d *exportDest) commit() error {
	if d.tmp == nil {
		return nil
	}
	if err := d.tmp.Close(); err != nil {
		return errors.Join(err, os.Remove(d.tmp.Name()))
	}
	return os.Rename(d.tmp.Name(), d.name)
}

func (d *exportDest) abort() error {
	if d.tmp == nil {
		return nil
	}
	return errors.Join(d.tmp.Close(), os.Remove(d.tmp.Name()))
}

// progress counts the bytes and CSV records going by and reports them on
// stderr every progressEvery, then once at the end. A record ends at a line
// break outside quotes, so notes spanning lines count once.
type progress struct {
	w        io.Writer
	t        func(key string, args ...any) string // the CLI's texts in --lang
	quiet    bool
	now      func() time.Time
	last     time.Time
	bytes    int64
	records  int
	inQuotes bool
}

func (p *progress) Write(b []byte) (int, error) {
	p.bytes += int64(len(b))
	for _, ch := range b {
		switch {
		case ch == '"':
			p.inQuotes = !p.inQuotes // "" inside a quoted field toggles twice
		case ch == '\n' && !p.inQuotes:
			p.records++
		}
	}
	if now := p.now(); !p.quiet && now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintln(p.w, p.t("cli.export.progress", size(p.bytes), p.rows()))
	}
	return len(b), nil
}

// rows is the number of data rows: records minus the header.
func (p *progress) rows() int { return max(p.records-1, 0) }

func (p *progress) done(dest string) {
	if !p.quiet {
		fmt.Fprintln(p.w, p.t("cli.export.done", p.rows(), size(p.bytes), dest))
	}
}

func size(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}
